package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.SampleStore;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * A dataset that does not fit in device memory: each batch is gathered on the host into pinned
 * memory (cuMemAllocHost) by the host's gather ({@link SampleStore#gatherFeatures}: uint8 decoded and
 * normalised there, the same floats as the device gathers), copied asynchronously on a second stream into a device staging slot, and
 * moved into the network's x / y on the compute stream once the copy's event has fired. Two slots
 * alternate, and the next batch is prefetched while the GPU works on the current one. The Java
 * arrays are only read by the host-side gather; no async copy touches pageable memory.
 *
 * Both streams are non-blocking (see CudaDevice), and the staging slots are not zero-filled (nothing
 * but the copy stream writes them first).
 *
 * <pre>
 *   host:  wait copied[s] (slot free) → gather batch k into pinned[s]
 *   copy:  wait consumed[s] → pinned[s] ⇒ staging[s] → record copied[s]
 *   comp:  wait copied[s] → staging[s] ⇒ x, y → record consumed[s] → (--bf16: x's bfloat16 copy) → the step's kernels
 * </pre>
 */
final class StreamedData implements DeviceData.Source {
    private final CudaDevice device;
    private final Bf16Kernels bf16;
    private final SampleStore samples;
    private final int features, classes, count;
    private final CUstream copyStream = new CUstream();
    private final CUevent[] copied = {new CUevent(), new CUevent()};
    private final CUevent[] consumed = {new CUevent(), new CUevent()};
    private final Pointer[] pinned = {new Pointer(), new Pointer()};
    private final FloatBuffer[] pinnedFloats = new FloatBuffer[2];
    private final DeviceMemory[] staging = new DeviceMemory[2];
    private final long[] slotOffset = {-1, -1};
    private final int[] slotCount = {-1, -1};
    private final CUdeviceptr[] yAt =
            new CUdeviceptr[2]; // where y starts in each staging slot, for yAtCount[s] columns
    private final int[] yAtCount = {-1, -1};
    private int capacity;
    private int next; // the slot the next issued batch goes to
    private int[] order;
    private boolean closed;

    /** A store left in host memory: each view streams its batches (its own pinned slots and streams). */
    static DeviceData.Store store(CudaDevice device, Bf16Kernels bf16, SampleStore samples) {
        return new DeviceData.Store() {
            @Override
            public SampleStore samples() {
                return samples;
            }

            @Override
            public DeviceData.Source open(int count) {
                return new StreamedData(device, bf16, samples, count);
            }

            @Override
            public String describe() {
                return "streamed from pinned host memory";
            }

            @Override
            public void close() {}
        };
    }

    /** Batches of a view of {@code count} samples of {@code samples} (the orders given hold stored samples). */
    StreamedData(CudaDevice device, Bf16Kernels bf16, SampleStore samples, int count) {
        this.device = device;
        this.bf16 = bf16;
        this.samples = samples;
        this.features = samples.features();
        this.classes = samples.outputs();
        this.count = count;
        try {
            device.bind();
            JCudaDriver.cuStreamCreate(copyStream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            for (int s = 0; s < 2; s++) {
                JCudaDriver.cuEventCreate(copied[s], CUevent_flags.CU_EVENT_DISABLE_TIMING);
                JCudaDriver.cuEventCreate(consumed[s], CUevent_flags.CU_EVENT_DISABLE_TIMING);
            }
        } catch (CudaException e) {
            close();
            throw device.failure(
                    "setting up batch streaming", () -> count + " samples of " + features + " features", e);
        }
    }

    /** Slots sized for batches of up to m samples: allocated on the first batch (and again only for a larger one). */
    private void ensureCapacity(int m) {
        if (m <= capacity) return;
        freeSlots();
        long bytes = 4L * (features + classes) * m;
        for (int s = 0; s < 2; s++) {
            JCudaDriver.cuMemAllocHost(pinned[s], bytes);
            pinnedFloats[s] = pinned[s]
                    .getByteBuffer(0, bytes)
                    .order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            // not zero-filled: a fill would be queued on the compute stream, while the copy stream writes
            // the slot first, ordered only after consumed[s], which is not recorded before the slot's first
            // use; the fill could land after the copy and zero the batch
            staging[s] = device.allocate(bytes, "a streamed batch of " + m + " samples", false);
            slotOffset[s] = -1;
        }
        capacity = m;
    }

    @Override
    public synchronized void beginEpoch(int[] o) {
        order = o.clone(); // host copy: the caller reuses its array for the next epoch
        slotOffset[0] = slotOffset[1] = -1; // prefetched batches belong to the old order
    }

    @Override
    public synchronized void load(int offset, int m, Mat x, Mat y) {
        if (order == null) throw new IllegalStateException("load before beginEpoch");
        try {
            device.bind();
            ensureCapacity(m);
            int s = find(offset, m);
            if (s < 0) s = issue(offset, m);
            DeviceBlock dx = DeviceBlock.of(x.block(), device, "streamed x");
            DeviceBlock dy = DeviceBlock.of(y.block(), device, "streamed y");
            JCudaDriver.cuStreamWaitEvent(device.stream, copied[s], 0);
            JCudaDriver.cuMemcpyDtoDAsync(dx.pointer(), staging[s].at(0), 4L * features * m, device.stream);
            if (yAtCount[s] != m) { // y follows m columns of x in the slot; the pointer is kept while m stays
                yAt[s] = staging[s].at(4L * features * m);
                yAtCount[s] = m;
            }
            if (classes > 0) JCudaDriver.cuMemcpyDtoDAsync(dy.pointer(), yAt[s], 4L * classes * m, device.stream);
            JCudaDriver.cuEventRecord(consumed[s], device.stream);
            device.launched("streamed batch", null);
            bf16.refresh(
                    dx, 0, (long) features * m); // x's bfloat16 copy, when it has one (--bf16); y is never a GEMM input
            slotOffset[s] = -1;
            int nextOffset = offset + m;
            if (nextOffset < count) issue(nextOffset, Math.min(m, count - nextOffset)); // prefetch
        } catch (CudaException e) {
            throw device.failure(
                    "streaming a batch", () -> "samples [" + offset + ", " + (offset + m) + ") of " + count, e);
        }
    }

    private int find(int offset, int m) {
        for (int s = 0; s < 2; s++) if (slotOffset[s] == offset && slotCount[s] == m) return s;
        return -1;
    }

    /** Gathers samples order[offset … offset+m) into a pinned slot and queues its copy; returns the slot. */
    private int issue(int offset, int m) {
        int s = next;
        next ^= 1;
        JCudaDriver.cuEventSynchronize(copied[s]); // the slot's previous copy has left pinned memory
        FloatBuffer f = pinnedFloats[s];
        samples.gatherFeatures(order, offset, m, f, 0); // decoded and normalised as every gather does
        if (classes > 0) samples.gatherTargets(order, offset, m, f, features * m);
        JCudaDriver.cuStreamWaitEvent(copyStream, consumed[s], 0); // the compute stream is done with staging[s]
        JCudaDriver.cuMemcpyHtoDAsync(staging[s].at(0), pinned[s], 4L * (features + classes) * m, copyStream);
        JCudaDriver.cuEventRecord(copied[s], copyStream);
        slotOffset[s] = offset;
        slotCount[s] = m;
        return s;
    }

    @Override
    public String describe() {
        return "streamed from pinned host memory (" + count + " samples do not fit on the device)";
    }

    private void freeSlots() {
        JCudaDriver.cuStreamSynchronize(
                copyStream); // no copy may still read the pinned memory or write the staging buffers
        for (int s = 0; s < 2; s++) {
            yAt[s] = null;
            yAtCount[s] = -1;
            if (pinnedFloats[s] != null) {
                JCudaDriver.cuMemFreeHost(pinned[s]);
                pinnedFloats[s] = null;
            }
            if (staging[s] != null) {
                staging[s].free();
                staging[s] = null;
            }
        }
        capacity = 0;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            device.bind();
            JCudaDriver.cuStreamSynchronize(copyStream);
            freeSlots();
            for (int s = 0; s < 2; s++) {
                JCudaDriver.cuEventDestroy(copied[s]);
                JCudaDriver.cuEventDestroy(consumed[s]);
            }
            JCudaDriver.cuStreamDestroy(copyStream);
        } catch (RuntimeException e) {
            System.getLogger("dev.jbackprop.backend.cuda")
                    .log(System.Logger.Level.WARNING, "closing a streamed dataset: " + e.getMessage());
        }
    }
}
