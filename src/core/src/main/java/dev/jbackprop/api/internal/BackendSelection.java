package dev.jbackprop.api.internal;

import dev.jbackprop.api.Backend;
import dev.jbackprop.api.BackendException;
import dev.jbackprop.api.BackendUnavailableException;
import dev.jbackprop.api.DeviceInfo;
import dev.jbackprop.api.InvalidConfigurationException;
import dev.jbackprop.api.Precision;
import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaFacts;
import dev.jbackprop.backend.cuda.CudaOps;
import dev.jbackprop.backend.cuda.CudaOptions;
import dev.jbackprop.backend.cuda.CudaProbe;
import dev.jbackprop.backend.cuda.GpuException;
import dev.jbackprop.engine.Ops;
import java.util.function.Consumer;

/**
 * Which backend to open, and opening it: the one place that decides. CPU: float32 over {@code threads} threads (0:
 * all cores), FP32 only. CUDA: device {@code device} with the precision asked for, when the probe finds the GPU
 * usable (driver, device, cuBLAS, kernels, self-test), else {@link BackendUnavailableException} with its reason.
 * AUTO: CUDA when usable, else the CPU with a notice saying why (and, when a GPU precision was asked for, the
 * exception instead: TF32 and BF16 exist only on the GPU).
 */
public final class BackendSelection {
    private BackendSelection() {}

    /**
     * An opened engine.
     *
     * @param ops the engine's operations (owned by the caller: close it)
     * @param precision the GEMMs' precision
     * @param fallbackReason why AUTO chose the CPU, or null
     */
    public record Opened(Ops ops, Precision precision, String fallbackReason) {}

    /**
     * Why the GPU cannot be used here (the probe's cached answer).
     *
     * @return the reason, or null when it can
     */
    public static String cudaUnavailableReason() {
        CudaProbe.Availability a = CudaProbe.probe();
        return a.available() ? null : a.reason();
    }

    /**
     * Fails as {@link #open} would for these values, without opening anything.
     *
     * @param kind the backend
     * @param threads CPU threads, 0 for all cores
     * @param device the CUDA device index
     * @param precision the GEMMs' precision
     * @throws InvalidConfigurationException for a negative count or index, or a GPU precision on the CPU
     * @throws BackendUnavailableException when CUDA is asked for (or a GPU precision with AUTO) and cannot run
     */
    public static void check(Backend.Kind kind, int threads, int device, Precision precision) {
        if (kind == null) throw new InvalidConfigurationException("Backend.Kind", "is null");
        if (precision == null) throw new InvalidConfigurationException("Backend.Request.precision", "is null");
        if (threads < 0)
            throw new InvalidConfigurationException(
                    "Backend.Request.threads", "must be 0 (all cores) or positive, got " + threads);
        if (device < 0)
            throw new InvalidConfigurationException(
                    "Backend.Request.device", "a CUDA device index must be 0 or more, got " + device);
        switch (kind) {
            case CPU -> {
                if (precision != Precision.FP32)
                    throw new InvalidConfigurationException(
                            "Backend.Request.precision",
                            precision + " is for the CUDA backend; the CPU backend computes in FP32");
            }
            case CUDA -> {
                String why = cudaUnavailableReason();
                if (why != null)
                    throw new BackendUnavailableException("the CUDA backend is not available: " + why, why);
            }
            case AUTO -> {
                String why = precision != Precision.FP32 ? cudaUnavailableReason() : null;
                if (why != null)
                    throw new BackendUnavailableException(
                            precision + " needs the CUDA backend, which is not available: " + why, why);
            }
        }
    }

    /**
     * Opens a backend.
     *
     * @param kind the backend
     * @param threads CPU threads, 0 for all cores
     * @param device the CUDA device index
     * @param precision the GEMMs' precision
     * @param debug CUDA: synchronise after every launch so that an error names its operation
     * @param notices told, in one line, when AUTO falls back to the CPU; may be null
     * @return the opened engine
     * @throws InvalidConfigurationException see {@link #check}
     * @throws BackendUnavailableException see {@link #check}, and for a device index the machine does not have
     * @throws BackendException when opening fails otherwise
     */
    public static Opened open(
            Backend.Kind kind, int threads, int device, Precision precision, boolean debug, Consumer<String> notices) {
        check(kind, threads, device, precision);
        return switch (kind) {
            case CPU -> new Opened(cpu(threads), Precision.FP32, null);
            case CUDA -> new Opened(cuda(device, precision, debug), precision, null);
            case AUTO -> {
                String why = cudaUnavailableReason();
                if (why == null) yield new Opened(cuda(device, precision, debug), precision, null);
                if (notices != null) notices.accept("using the CPU backend (GPU not used: " + why + ")");
                yield new Opened(cpu(threads), Precision.FP32, why);
            }
        };
    }

    private static Ops cpu(int threads) {
        try {
            return new CpuOps(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException(
                    "the CPU backend cannot start: " + e.getMessage(), "OpenBLAS did not load: " + e.getMessage());
        }
    }

    private static Ops cuda(int device, Precision precision, boolean debug) {
        try {
            return new CudaOps(
                    new CudaOptions(device, precision == Precision.TF32, precision == Precision.BF16, debug));
        } catch (GpuException e) {
            if (e.getMessage() != null && e.getMessage().contains("does not exist"))
                throw new BackendUnavailableException(e.getMessage(), e.getMessage());
            throw new BackendException(e.getMessage(), e);
        }
    }

    /**
     * What an opened engine computes on.
     *
     * @param ops the engine
     * @return its device information
     */
    public static DeviceInfo deviceInfo(Ops ops) {
        if (ops instanceof CudaOps c) {
            CudaFacts f = c.facts();
            return new DeviceInfo(
                    "cuda",
                    f.name(),
                    Precision.valueOf(f.precision()),
                    -1,
                    null,
                    null,
                    f.ordinal(),
                    f.ccMajor() + "." + f.ccMinor(),
                    f.memoryBytes(),
                    f.multiprocessors(),
                    f.driver(),
                    f.runtime(),
                    f.cublas(),
                    ops.description());
        }
        int threads =
                ops instanceof CpuOps c ? c.threads() : Runtime.getRuntime().availableProcessors();
        return new DeviceInfo(
                ops.name(),
                CpuOps.cpuModel(),
                Precision.FP32,
                threads,
                CpuOps.blasKernels(),
                CpuOps.elementwise(),
                -1,
                null,
                Runtime.getRuntime().maxMemory(),
                -1,
                null,
                null,
                null,
                ops.description());
    }
}
