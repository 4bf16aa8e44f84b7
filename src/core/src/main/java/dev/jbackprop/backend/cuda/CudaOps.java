package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.ByteBlock;
import dev.jbackprop.engine.ByteMat;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.MemoryLimits;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.OpsChecks;
import dev.jbackprop.engine.SampleStore;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jcuda.CudaException;
import jcuda.Pointer;

/**
 * {@link Ops} on an NVIDIA GPU: GEMMs through cuBLAS ({@link Gemm}), everything else one kernel
 * launch from kernels/*.cu ({@link Kernel}, through one launcher per kernel family), all queued in
 * order on one non-blocking stream; the compute methods are one-line delegates to those. Only
 * {@link #download}, {@link Metrics#read()}, {@link #sumSquares} and {@link #synchronize()} wait for
 * the GPU (and the uploads, which are set-up work: an async copy on the stream, then a wait for it);
 * nothing allocates device memory per step.
 *
 * <p>BF16 ({@link CudaOptions#bf16()}): the GEMMs read bfloat16 copies of their inputs while
 * everything else stays float32. Blocks from {@link #allocateGemmOperands} (the network's parameters
 * and activations) carry a bfloat16 copy of every element, and the operations that write a GEMM
 * input write its copy in the same pass: the update kernel (the weights), the gather (x), bias +
 * activation (a), the derivative and output-delta kernels (δ); uploads and fills refresh it with one
 * conversion launch, as does a streamed batch. A GEMM's output C (z, and δ of a hidden layer before
 * its derivative) and biasActivation's z are written in float32 only: z is never a GEMM input, and
 * the derivative kernel that follows gives δ its copy. Nothing is allocated per step, and a captured
 * step holds the same launches.
 *
 * <p>Threads: the methods are synchronized and make the device's primary context current on the
 * calling thread, so any thread may call them, one at a time.
 */
public final class CudaOps implements Ops {
    private static final System.Logger LOG = System.getLogger("dev.jbackprop.backend.cuda");

    private final CudaOptions options;
    private final CudaDevice device;
    private final Gemm gemm;
    private final ActivationKernels activations;
    private final LossKernels loss;
    private final UpdateKernels updates;
    private final GatherKernels gathers;
    private final NormKernels norms;
    private final Bf16Kernels bf16;
    private final String description;
    private final List<GraphReplay> replays = new ArrayList<>();
    private int captureFailures;
    private boolean closed;

    /** Opens the device; throws a {@link GpuException} with the probe's reason when CUDA is not usable here. */
    public CudaOps(CudaOptions options) {
        this(options, CudaDevice.open(options.device(), options.debug()));
    }

    /** On an opened device (the probe's self-test opens one without asking the probe). */
    CudaOps(CudaOptions options, CudaDevice device) {
        this.options = options;
        this.device = device;
        Gemm g = null;
        try {
            g = new Gemm(device, options.tf32(), options.bf16());
            activations = new ActivationKernels(device);
            loss = new LossKernels(device);
            updates = new UpdateKernels(device);
            gathers = new GatherKernels(device);
            norms = new NormKernels(device);
            bf16 = new Bf16Kernels(device);
        } catch (RuntimeException e) {
            if (g != null) g.close();
            device.close();
            if (e instanceof CudaException ce)
                throw new GpuException(
                        "setting up the CUDA backend on " + device.describe() + ": " + ce.getMessage(), ce);
            throw e;
        }
        gemm = g;
        description = String.format(
                Locale.ROOT,
                "cuda: %s, compute capability %d.%d, %d SMs, %s; cuBLAS %s GEMM%s%s%s",
                device.name,
                device.ccMajor,
                device.ccMinor,
                device.multiprocessors,
                CudaProbe.gib(device.totalMemory),
                options.gemmPrecision(),
                options.bf16() ? " (bfloat16 inputs, FP32 sums, FP32 master weights)" : "",
                options.debug() ? ", debug (synchronising after every launch)" : "",
                options.device() != 0 ? ", device " + options.device() : "");
    }

    CudaDevice device() {
        return device;
    }

    /**
     * The device address of {@code block}'s first float, for a library that works on this backend's memory directly
     * (NCCL in jbackprop-spark). The block must be one of this backend's and still allocated; the address is valid
     * until the block (or its root) is closed. Everything this backend does to the block is queued on its stream, so
     * work on the address must be queued on {@link #streamAddress()} to stay in order with it.
     *
     * @throws IllegalArgumentException when the block is not one of this backend's
     * @throws IllegalStateException when the block or the backend is closed
     */
    public synchronized long deviceAddress(Block block) {
        open();
        return DeviceBlock.of(block, device, "deviceAddress").address();
    }

    /**
     * The handle (a {@code CUstream}, the same as a runtime {@code cudaStream_t}) of the one non-blocking stream on
     * which this backend queues every kernel, copy and cuBLAS call, for a library that queues work in order with it
     * (NCCL in jbackprop-spark). Valid until {@link #close}.
     *
     * @throws IllegalStateException when the backend is closed
     */
    public synchronized long streamAddress() {
        open();
        return device.stream.address();
    }

    /** The device and the versions of what runs on it, for reports. */
    public CudaFacts facts() {
        return new CudaFacts(
                options.device(),
                device.name,
                device.ccMajor,
                device.ccMinor,
                device.multiprocessors,
                device.totalMemory,
                CudaProbe.driverVersion(),
                CudaProbe.runtimeVersion(),
                Gemm.libraryVersion(),
                options.gemmPrecision());
    }

    /** The cuBLAS side (for tests). */
    Gemm gemmForTests() {
        return gemm;
    }

    Bf16Kernels bf16Kernels() {
        return bf16;
    }

    /**
     * The bfloat16 copy of src[offset, offset + length), as raw bits (for tests: the copies must be
     * jb_bf16 of the floats after every operation that writes them). Synchronises.
     */
    synchronized short[] downloadBf16(Block src, long offset, int length) {
        open();
        DeviceBlock s = DeviceBlock.of(src, device, "downloadBf16 src");
        if (!s.hasBf16()) throw new IllegalArgumentException(s + " has no bfloat16 copy");
        OpsChecks.copyRange("downloadBf16", length, 0, length, s.length(), offset);
        short[] out = new short[length];
        if (length == 0) return out;
        device.copyToHost(
                Pointer.to(out),
                s.bf16Pointer().withByteOffset(2 * offset),
                2L * length,
                "downloadBf16",
                CudaDevice.lazily(() -> length + " bfloat16 from " + s + " at " + offset));
        return out;
    }

    public CudaOptions options() {
        return options;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return description;
    }

    /** Device memory as {free, total} bytes (cuMemGetInfo; includes other processes' use). */
    public synchronized long[] memoryInfo() {
        return open(device).memoryInfo();
    }

    /**
     * Device memory free now (cuMemGetInfo: other processes' use included), blocks addressed by long, cuBLAS's
     * workspace, the bfloat16 copies with --bf16; host memory (pinned buffers when data is streamed) as the system
     * has it available.
     */
    @Override
    public synchronized MemoryLimits memoryLimits() {
        long free = memoryInfo()[0];
        return new MemoryLimits(
                true,
                options.bf16(),
                Gemm.WORKSPACE_BYTES,
                Long.MAX_VALUE / 8,
                "device blocks are addressed by 64-bit offsets",
                MemoryLimits.systemAvailable(),
                "the memory the system has available",
                free,
                "free on " + device.name + " now, of " + CudaProbe.gib(device.totalMemory));
    }

    /** Bytes currently allocated through this instance (blocks, indices, metrics, the ones vector). */
    public synchronized long allocatedBytes() {
        return device.liveBytes();
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public synchronized Block allocate(long length) {
        open();
        OpsChecks.allocate("allocate", length);
        return DeviceBlock.root(device.allocate(4 * length, "a block of " + length + " floats"));
    }

    /** With bf16, a block plus its bfloat16 copy (2 bytes per float, zero like the block); otherwise {@link #allocate}. */
    @Override
    public synchronized Block allocateGemmOperands(long length) {
        if (!options.bf16()) return allocate(length);
        open();
        OpsChecks.allocate("allocateGemmOperands", length);
        DeviceMemory floats = device.allocate(4 * length, "a block of " + length + " floats");
        try {
            // the allocator takes whole 4-byte words: an odd length gets one spare bfloat16
            return DeviceBlock.root(
                    floats,
                    device.allocate(4 * ((length + 1) / 2), "the bfloat16 copy of a block of " + length + " floats"));
        } catch (RuntimeException e) {
            floats.free();
            throw e;
        }
    }

    @Override
    public synchronized IndexBlock allocateIndices(int length) {
        open();
        OpsChecks.allocate("allocateIndices", length);
        return new DeviceIndexBlock(device.allocate(4L * length, "an index block of " + length + " ints"), length);
    }

    @Override
    public synchronized ByteBlock allocateBytes(long length) {
        open();
        OpsChecks.allocate("allocateBytes", length);
        return new DeviceByteBlock(
                device.allocate(DeviceByteBlock.allocation(length), "a byte block of " + length + " bytes"), length);
    }

    @Override
    public synchronized Metrics allocateMetrics() {
        open();
        return new DeviceMetrics(device.allocate(8L * DeviceMetrics.FIELDS, "metrics"));
    }

    @Override
    public synchronized void upload(float[] src, int srcOffset, Block dst, long dstOffset, int length) {
        open();
        DeviceBlock d = DeviceBlock.of(dst, device, "upload dst");
        OpsChecks.upload(src, srcOffset, d, dstOffset, length);
        if (length == 0) return;
        device.copyToDevice(
                d.pointer().withByteOffset(4 * dstOffset),
                Pointer.to(src).withByteOffset(4L * srcOffset),
                4L * length,
                "upload",
                CudaDevice.lazily(() -> length + " floats to " + d + " at " + dstOffset));
        bf16.refresh(d, dstOffset, length);
    }

    @Override
    public synchronized void upload(byte[] src, int srcOffset, ByteBlock dst, long dstOffset, int length) {
        open();
        DeviceByteBlock d = DeviceByteBlock.of(dst, device);
        OpsChecks.upload(src, srcOffset, d, dstOffset, length);
        if (length == 0) return;
        device.copyToDevice(
                d.memory.at(dstOffset),
                Pointer.to(src).withByteOffset(srcOffset),
                length,
                "upload",
                CudaDevice.lazily(() -> length + " bytes to " + d + " at " + dstOffset));
    }

    /** Free device memory a resident dataset must leave for the network, cuBLAS and the test set. */
    static final long DATA_RESERVE_BYTES = 512L << 20;

    /**
     * Resident when the store fits (leaving {@link #DATA_RESERVE_BYTES}): uint8 features as bytes, the rest as
     * floats and ints ({@link DeviceData.ResidentStore}); else streamed from pinned host memory ({@link
     * StreamedData}); -Djbackprop.cuda.streamData=true forces streaming.
     */
    @Override
    public synchronized DeviceData.Store loadData(SampleStore samples) {
        open();
        // the store, plus each view's epoch order and batch indices (two views of the store's size, say)
        long bytes = samples.residentBytes() + 16L * samples.count() + 8L * samples.features();
        if (!Boolean.getBoolean("jbackprop.cuda.streamData") && bytes + DATA_RESERVE_BYTES <= memoryInfo()[0]) {
            try {
                return new DeviceData.ResidentStore(this, samples);
            } catch (GpuOutOfMemoryException e) {
                LOG.log(
                        System.Logger.Level.INFO,
                        "the dataset does not fit on the device after all; streaming it: " + e.getMessage());
            }
        }
        return StreamedData.store(device, bf16, samples);
    }

    @Override
    public synchronized void upload(int[] src, IndexBlock dst) {
        open();
        DeviceIndexBlock d = DeviceIndexBlock.of(dst, device);
        OpsChecks.upload(src, d);
        if (src.length == 0) return;
        device.copyToDevice(
                d.memory.pointer,
                Pointer.to(src),
                4L * src.length,
                "upload",
                CudaDevice.lazily(() -> src.length + " indices"));
    }

    @Override
    public synchronized void download(Block src, long srcOffset, float[] dst, int dstOffset, int length) {
        open();
        DeviceBlock s = DeviceBlock.of(src, device, "download src");
        OpsChecks.download(s, srcOffset, dst, dstOffset, length);
        if (length == 0) return;
        // into pageable memory (the Java array) the async copy returns only once it is done
        device.copyToHost(
                Pointer.to(dst).withByteOffset(4L * dstOffset),
                s.pointer().withByteOffset(4 * srcOffset),
                4L * length,
                "download",
                CudaDevice.lazily(() -> length + " floats from " + s + " at " + srcOffset));
    }

    @Override
    public synchronized void fill(Block dst, float value) {
        open();
        DeviceBlock d = DeviceBlock.of(dst, device, "fill dst");
        if (d.length() == 0) return;
        device.fill32(d.pointer(), Float.floatToRawIntBits(value), d.length(), "fill", d);
        bf16.refresh(d, 0, d.length());
    }

    @Override
    public synchronized void synchronize() {
        open(device).synchronize();
    }

    // ---- compute ------------------------------------------------------------------------------

    @Override
    public synchronized void gemm(
            boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c) {
        open(gemm).gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    @Override
    public synchronized void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m) {
        open(activations).biasActivation(act, z, bias, a, m);
    }

    @Override
    public synchronized void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m) {
        open(activations).activationBackward(act, z, a, delta, m);
    }

    @Override
    public synchronized void outputError(
            Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, Metrics metrics) {
        open(loss).outputDelta(cost, out, z, a, y, delta, m, DeviceMetrics.of(metrics, device));
    }

    @Override
    public synchronized void sumColumns(Mat x, int m, Mat sums) {
        open(gemm).sumColumns(x, m, sums);
    }

    @Override
    public synchronized void update(
            Block params, Block grads, Block velocity, long weightCount, float rate, float momentum, float decay) {
        open(updates).update(params, grads, velocity, weightCount, rate, momentum, decay);
    }

    @Override
    public synchronized void setScalars(Block dst, float[] values) {
        open(updates).setScalars(dst, values);
    }

    @Override
    public synchronized void optimizerStep(
            Optimizer.Kind rule,
            Block params,
            Block grads,
            Block state1,
            Block state2,
            long weightCount,
            Block scalars) {
        open(updates).optimizerStep(rule, params, grads, state1, state2, weightCount, scalars);
    }

    @Override
    public synchronized void gather(Mat src, IndexBlock idx, int offset, int m, Mat dst) {
        open(gathers).gather(src, DeviceIndexBlock.of(idx, device), offset, m, dst);
    }

    @Override
    public synchronized void gatherBytes(
            ByteMat src, IndexBlock idx, int offset, int m, Mat shift, Mat factor, Mat dst) {
        open(gathers).gatherBytes(src, DeviceIndexBlock.of(idx, device), offset, m, shift, factor, dst);
    }

    @Override
    public synchronized void gatherOneHot(IndexBlock labels, IndexBlock idx, int offset, int m, Mat dst) {
        open(gathers)
                .gatherOneHot(DeviceIndexBlock.of(labels, device), DeviceIndexBlock.of(idx, device), offset, m, dst);
    }

    @Override
    public synchronized void copyIndices(IndexBlock src, int offset, int m, IndexBlock dst) {
        open();
        DeviceIndexBlock s = DeviceIndexBlock.of(src, device), d = DeviceIndexBlock.of(dst, device);
        OpsChecks.copyIndices(s, offset, m, d);
        if (m == 0) return;
        device.copyOnDevice(d.memory.pointer, s.pointerAt(offset), 4L * m, "copyIndices", d);
    }

    /**
     * A CUDA graph of {@code body} ({@link GraphReplay}: eager once, then captured and replayed);
     * with the debug option, which synchronises after every launch, the body just runs eagerly.
     */
    @Override
    public synchronized StepReplay capture(Runnable body) {
        open();
        if (options.debug()) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "debug: CUDA graphs off, training steps run eagerly (synchronising after every launch)");
            return body::run;
        }
        GraphReplay r = new GraphReplay(this, device, body);
        replays.add(r);
        return r;
    }

    /** Open replays that hold an instantiated graph (for tests). */
    synchronized int capturedGraphs() {
        int n = 0;
        for (GraphReplay r : replays) if (r.captured()) n++;
        return n;
    }

    /**
     * Called by a replay whose capture the driver or cuBLAS refused: it runs its step eagerly from now
     * on. One warning per backend; later failures are logged at DEBUG.
     */
    synchronized void captureFailed(String why) {
        String line = "capturing the training step as a CUDA graph failed on " + device.describe() + " (" + why
                + "); the step runs eagerly instead (correct, with more launch overhead)";
        LOG.log(captureFailures++ == 0 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, line);
    }

    /** Called by a replay's close. */
    synchronized void forget(GraphReplay r) {
        replays.remove(r);
    }

    @Override
    public synchronized void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
        open(norms).sumSquares(block, offsets, lengths, out);
    }

    /** {@link #open()}, then the launcher (or Gemm) to delegate to: one line per compute method. */
    private <T> T open(T launcher) {
        open();
        return launcher;
    }

    /** Makes the context current on this thread; fails clearly after close. */
    private void open() {
        if (closed) throw new IllegalStateException("the cuda backend is closed");
        device.bind();
    }

    /** Frees every block, index block and metrics allocated here, cuBLAS, the module and the stream. Logs; never throws. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        long bytes = 0;
        int count = 0;
        try {
            bytes = device.liveBytes();
            count = device.liveAllocations();
            for (GraphReplay r : new ArrayList<>(replays)) r.close();
            gemm.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing cuBLAS: " + e.getMessage());
        }
        device.close();
        LOG.log(
                System.Logger.Level.DEBUG,
                "cuda backend closed on " + device.describe() + ": freed " + count + " allocations (" + bytes
                        + " bytes)");
    }
}
