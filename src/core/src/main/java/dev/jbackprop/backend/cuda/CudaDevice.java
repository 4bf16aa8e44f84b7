package dev.jbackprop.backend.cuda;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * One open GPU: the device's primary context, the one stream that every kernel and cuBLAS call is
 * queued on, the kernels' module, the device memory allocated through it, and the single place
 * where JCuda's CudaException becomes a {@link GpuException} with context.
 *
 * <p>Threads: the primary context is made current on whichever thread calls {@link #bind()}, which
 * every {@link CudaOps} entry point does first.
 *
 * <p>Streams: the stream is created non-blocking (CU_STREAM_NON_BLOCKING), and nothing of ours uses
 * the legacy default stream: every copy is an async copy on this stream followed, where the host
 * needs the data, by a synchronisation of this stream ({@link #copyToDevice}, {@link #copyToHost}).
 * A legacy-stream call synchronises with every blocking stream of the context; while another
 * CudaOps (another thread, the same primary context) captures a step on its stream, such a call
 * would fail with CUDA_ERROR_STREAM_CAPTURE_IMPLICIT and invalidate that capture.
 */
final class CudaDevice implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.jbackprop.backend.cuda");
    /** Which CudaDevice's context this thread last made current. */
    private static final ThreadLocal<CudaDevice> CURRENT = new ThreadLocal<>();

    final int ordinal;
    final boolean debug;
    final String name;
    final int ccMajor;
    final int ccMinor;
    final int multiprocessors;
    final long totalMemory;
    final StreamHandle stream = new StreamHandle();

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private boolean retained;
    private boolean streamCreated;
    private boolean moduleLoaded;
    private boolean closed;
    private final Set<DeviceMemory> live = Collections.newSetFromMap(new IdentityHashMap<>());
    /** True while a step is being captured into a CUDA graph on {@link #stream} (see GraphReplay). */
    boolean capturing;

    private long liveBytes;

    /** Opens device {@code ordinal}; throws a GpuException with the probe's reason when CUDA is not usable. */
    static CudaDevice open(int ordinal, boolean debug) {
        CudaProbe.Availability a = CudaProbe.probe();
        if (!a.available()) throw new GpuException("the CUDA backend is not available: " + a.reason());
        return openProbed(ordinal, debug);
    }

    /** Opens device {@code ordinal} without asking the probe (the probe's own self-test). */
    static CudaDevice openProbed(int ordinal, boolean debug) {
        try {
            return new CudaDevice(ordinal, debug);
        } catch (CudaException e) {
            throw new GpuException("opening CUDA device " + ordinal + " failed: " + e.getMessage(), e);
        }
    }

    private CudaDevice(int ordinal, boolean debug) {
        this.ordinal = ordinal;
        this.debug = debug;
        int[] count = new int[1];
        JCudaDriver.cuDeviceGetCount(count);
        if (ordinal >= count[0]) {
            throw new GpuException("CUDA device " + ordinal + " does not exist: this machine has " + count[0]
                    + " (indices 0.." + (count[0] - 1) + ")");
        }
        JCudaDriver.cuDeviceGet(device, ordinal);
        name = CudaProbe.deviceName(device);
        ccMajor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        ccMinor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        multiprocessors = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        long[] total = new long[1];
        JCudaDriver.cuDeviceTotalMem(total, device);
        totalMemory = total[0];
        try {
            JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
            retained = true;
            JCudaDriver.cuCtxSetCurrent(context);
            CURRENT.set(this);
            JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
            streamCreated = true;
            try {
                JCudaDriver.cuModuleLoadData(module, KernelImage.load());
            } catch (CudaException e) {
                throw new GpuException(
                        "the kernels do not load on " + describe() + ": " + e.getMessage() + " (built with "
                                + KernelImage.buildInfo() + ")",
                        e);
            }
            moduleLoaded = true;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private int attribute(int attribute) {
        int[] v = new int[1];
        JCudaDriver.cuDeviceGetAttribute(v, attribute, device);
        return v[0];
    }

    /** "device 0 (NVIDIA H200, sm_90)". */
    String describe() {
        return "device " + ordinal + " (" + name + ", sm_" + ccMajor + ccMinor + ")";
    }

    /** Makes this device's primary context current on the calling thread (a no-op when it already is). */
    void bind() {
        if (closed) throw new IllegalStateException("the CUDA backend on " + describe() + " is closed");
        if (CURRENT.get() == this) return;
        try {
            JCudaDriver.cuCtxSetCurrent(context);
        } catch (CudaException e) {
            throw failure(
                    "cuCtxSetCurrent",
                    lazily(() -> "thread " + Thread.currentThread().getName()),
                    e);
        }
        CURRENT.set(this);
    }

    /** {@code signature}'s kernel in the loaded module, with its argument slots. */
    Kernel kernel(Kernel.Signature signature) {
        CUfunction f = new CUfunction();
        try {
            JCudaDriver.cuModuleGetFunction(f, module, signature.name());
        } catch (CudaException e) {
            throw new GpuException(
                    "kernel '" + signature.name() + "' is missing from " + KernelImage.RESOURCE + " (" + e.getMessage()
                            + "); rebuild the kernels with mvn package",
                    e);
        }
        return new Kernel(this, signature, f);
    }

    /**
     * Throws when a graph capture is in progress: {@code what} would synchronise with the host or
     * allocate, which is illegal while the stream captures (and would invalidate the capture).
     */
    void notCapturing(String what) {
        if (capturing)
            throw new IllegalStateException(what
                    + " while a training step is being captured into a CUDA graph (it would synchronise or allocate)");
    }

    /**
     * Called right after a launch, cuBLAS call or queued copy: in debug mode waits, so that a fault
     * names its operation and {@code detail} (its arguments; toString is called only on failure).
     */
    void launched(String what, Object detail) {
        if (debug) {
            notCapturing("the debug option's synchronisation after " + what);
            try {
                JCudaDriver.cuStreamSynchronize(stream);
            } catch (CudaException e) {
                throw failure(what + " (failed while running)", detail, e);
            }
        }
    }

    /**
     * The one place a CudaException becomes our exception: operation, {@code detail} (its shapes or
     * arguments: a Supplier is asked, anything else printed, only now, on failure), the device, and,
     * outside debug mode, a hint that an asynchronous kernel error surfaces at the next synchronising
     * call rather than at its own.
     */
    GpuException failure(String operation, Object detail, CudaException e) {
        String text;
        try {
            text = detail == null ? "" : detail instanceof Supplier<?> s ? String.valueOf(s.get()) : detail.toString();
        } catch (RuntimeException ignored) {
            text = "?";
        }
        return new GpuException(failureMessage(operation, text, describe(), debug, e.getMessage()), e);
    }

    GpuException failure(String operation, Supplier<String> detail, CudaException e) {
        return failure(operation, (Object) detail, e);
    }

    /** A detail for {@link #failure} or the copy helpers that is computed only on failure. */
    static Object lazily(Supplier<String> text) {
        return text;
    }

    static String failureMessage(String operation, String detail, String device, boolean debug, String cudaMessage) {
        String hint = debug
                ? ""
                : " (an error from an earlier kernel may surface here; the debug option synchronises after every launch to pin it down)";
        return "CUDA error in " + operation + (detail.isEmpty() ? "" : " [" + detail + "]") + " on " + device + ": "
                + cudaMessage + hint;
    }

    // ---- memory -------------------------------------------------------------------------------

    /** A zero-filled allocation of {@code bytes} (a multiple of 4); out of memory gives a GpuOutOfMemoryException. */
    DeviceMemory allocate(long bytes, String what) {
        return allocate(bytes, what, true);
    }

    /**
     * An allocation of {@code bytes} (a multiple of 4): with {@code zeroed}, filled with zeros by a
     * memset queued on the stream (so in order with everything on the stream, but not with other
     * streams: memory written first by another stream must not be zeroed, see StreamedData).
     */
    synchronized DeviceMemory allocate(long bytes, String what, boolean zeroed) {
        if (bytes < 0 || bytes % 4 != 0)
            throw new IllegalArgumentException("allocation of " + bytes + " bytes for " + what);
        if (closed) throw new IllegalStateException("the CUDA backend on " + describe() + " is closed");
        notCapturing("allocating " + what);
        DevicePointer p = new DevicePointer();
        DeviceMemory m = new DeviceMemory(this, p, bytes);
        if (bytes == 0) return m;
        try {
            bind();
            JCudaDriver.cuMemAlloc(p, bytes);
        } catch (CudaException e) {
            if (e.getMessage() != null && e.getMessage().contains("OUT_OF_MEMORY")) {
                long[] info = memoryInfoOrUnknown();
                throw new GpuOutOfMemoryException(what, bytes, info[0], info[1], describe(), e);
            }
            throw failure("cuMemAlloc", () -> bytes + " bytes for " + what, e);
        }
        live.add(m);
        liveBytes += bytes;
        if (!zeroed) return m;
        try {
            JCudaDriver.cuMemsetD32Async(p, 0, bytes / 4, stream);
        } catch (CudaException e) {
            m.free();
            throw failure("cuMemsetD32Async", () -> bytes + " bytes for " + what, e);
        }
        return m;
    }

    /** Frees {@code m} (called once, by DeviceMemory.free). Never throws: a failure is logged. */
    synchronized void release(DeviceMemory m) {
        if (!live.remove(m)) return;
        liveBytes -= m.bytes;
        try {
            bind();
            JCudaDriver.cuStreamSynchronize(stream); // queued kernels may still use it
            JCudaDriver.cuMemFree(m.pointer);
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "freeing " + m.bytes + " bytes on " + describe() + " failed: " + e.getMessage());
        }
    }

    synchronized long liveBytes() {
        return liveBytes;
    }

    synchronized int liveAllocations() {
        return live.size();
    }

    /** {free, total} bytes on the device (cuMemGetInfo). */
    long[] memoryInfo() {
        bind();
        long[] free = new long[1], total = new long[1];
        try {
            JCudaDriver.cuMemGetInfo(free, total);
        } catch (CudaException e) {
            throw failure("cuMemGetInfo", null, e);
        }
        return new long[] {free[0], total[0]};
    }

    private long[] memoryInfoOrUnknown() {
        try {
            return memoryInfo();
        } catch (RuntimeException e) {
            return new long[] {-1, totalMemory};
        }
    }

    /** dst ← bytes from host src: an async copy on the stream, then a wait for the stream (src is free again after). */
    void copyToDevice(CUdeviceptr dst, Pointer src, long bytes, String op, Object detail) {
        copyAndWait(dst, src, bytes, true, op, detail);
    }

    /** Host dst ← bytes from src: an async copy on the stream, after everything queued before it, then a wait for it. */
    void copyToHost(Pointer dst, CUdeviceptr src, long bytes, String op, Object detail) {
        copyAndWait(src, dst, bytes, false, op, detail);
    }

    private void copyAndWait(CUdeviceptr dev, Pointer host, long bytes, boolean toDevice, String op, Object detail) {
        notCapturing(op);
        try {
            bind();
            if (toDevice) JCudaDriver.cuMemcpyHtoDAsync(dev, host, bytes, stream);
            else JCudaDriver.cuMemcpyDtoHAsync(host, dev, bytes, stream);
            JCudaDriver.cuStreamSynchronize(stream);
        } catch (CudaException e) {
            throw failure(op, detail, e);
        }
    }

    /** dst ← bytes from src, both on the device, queued on the stream (capturable). */
    void copyOnDevice(CUdeviceptr dst, CUdeviceptr src, long bytes, String op, Object detail) {
        queue(dst, src, 0, bytes, op, detail);
    }

    /** count 32-bit words at p ← bits, queued on the stream (capturable). */
    void fill32(CUdeviceptr p, int bits, long count, String op, Object detail) {
        queue(p, null, bits, count, op, detail);
    }

    /** A memset (src null: count words of bits) or a device-to-device copy (count bytes), queued on the stream. */
    private void queue(CUdeviceptr dst, CUdeviceptr src, int bits, long count, String op, Object detail) {
        try {
            if (src == null) JCudaDriver.cuMemsetD32Async(dst, bits, count, stream);
            else JCudaDriver.cuMemcpyDtoDAsync(dst, src, count, stream);
        } catch (CudaException e) {
            throw failure(op, detail, e);
        }
        launched(op, detail);
    }

    void synchronize() {
        notCapturing("a host synchronisation");
        bind();
        try {
            JCudaDriver.cuStreamSynchronize(stream);
        } catch (CudaException e) {
            throw failure("synchronize", null, e);
        }
    }

    /** Frees every live allocation, the module, the stream and our hold on the primary context. Never throws. */
    @Override
    public synchronized void close() {
        if (closed) return;
        try {
            if (retained) {
                JCudaDriver.cuCtxSetCurrent(context);
                CURRENT.set(this);
            }
            if (streamCreated) quietly("cuStreamSynchronize", () -> JCudaDriver.cuStreamSynchronize(stream));
            List<DeviceMemory> leftovers = new ArrayList<>(live);
            if (!leftovers.isEmpty()) {
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "freeing " + leftovers.size() + " allocations (" + liveBytes + " bytes) on " + describe());
            }
            for (DeviceMemory m : leftovers) m.free();
            if (moduleLoaded) quietly("cuModuleUnload", () -> JCudaDriver.cuModuleUnload(module));
            if (streamCreated) quietly("cuStreamDestroy", () -> JCudaDriver.cuStreamDestroy(stream));
            if (retained) quietly("cuDevicePrimaryCtxRelease", () -> JCudaDriver.cuDevicePrimaryCtxRelease(device));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + describe() + ": " + e.getMessage());
        } finally {
            closed = true;
            if (CURRENT.get() == this) CURRENT.remove();
        }
    }

    boolean closed() {
        return closed;
    }

    private void quietly(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, what + " on " + describe() + " failed: " + e.getMessage());
        }
    }
}
