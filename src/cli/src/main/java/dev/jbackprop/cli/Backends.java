package dev.jbackprop.cli;

import dev.jbackprop.api.Backend;
import dev.jbackprop.api.BackendUnavailableException;
import dev.jbackprop.api.Precision;
import dev.jbackprop.api.internal.BackendSelection;
import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaProbe;
import dev.jbackprop.engine.Ops;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The command line's side of choosing a backend: its flags (--backend, --threads, --device, --tf32, --bf16) and
 * their wording. Which backend runs, the fallback of auto and opening it are the library's
 * ({@link BackendSelection}, behind {@link Backend}).
 */
public final class Backends {
    private Backends() {}

    /** Why the GPU backend cannot be used here, or null when it can. */
    public static String cudaUnavailableReason() {
        return BackendSelection.cudaUnavailableReason();
    }

    /** Device, driver and library versions, when the GPU backend is available. */
    public static String cudaInfo() {
        return CudaProbe.info();
    }

    /**
     * Refuses a thread count the CPU backend would refuse (0 stands for all cores), before any thread is made.
     *
     * @param threads --threads
     */
    public static void checkThreads(int threads) {
        if (threads < 0)
            throw new IllegalArgumentException("--threads must be 0 (all cores) or positive, got " + threads);
        if (threads > 0) CpuOps.checkThreads(threads);
    }

    /** Fails as {@link #open} would for an unknown name or an unavailable GPU, without opening anything. */
    public static void check(String name) {
        check(name, false, false);
    }

    /** {@link #check(String, boolean, boolean, int)} on device 0. */
    public static void check(String name, boolean tf32, boolean bf16) {
        check(name, tf32, bf16, 0);
    }

    /**
     * Also the GEMM precision and the device: --tf32 and --bf16 exclude each other (a usage error) and are for the
     * CUDA backend (with --backend cpu a usage error; with auto they need the GPU, a failure without one).
     */
    public static void check(String name, boolean tf32, boolean bf16, int device) {
        Backend.Kind kind = kind(name);
        if (tf32 && bf16)
            throw new IllegalArgumentException("--tf32 and --bf16 do not go together: choose one GEMM precision");
        if (device < 0)
            throw new IllegalArgumentException("--device must be 0 or more (a CUDA device index), got " + device);
        String flag = bf16 ? "--bf16" : tf32 ? "--tf32" : null;
        if (kind == Backend.Kind.CPU && flag != null) {
            throw new IllegalArgumentException(
                    flag + " is for the CUDA backend; the CPU backend computes in FP32 (leave " + flag
                            + " out, or use --backend cuda)");
        }
        try {
            BackendSelection.check(kind, 0, device, precision(tf32, bf16));
        } catch (BackendUnavailableException e) {
            throw unavailable(kind, flag, e);
        }
    }

    /** The library's kind for a --backend name ("gpu" is "cuda"); a usage error for others. */
    static Backend.Kind kind(String name) {
        String n = name == null ? "auto" : name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "auto" -> Backend.Kind.AUTO;
            case "cpu" -> Backend.Kind.CPU;
            case "cuda", "gpu" -> Backend.Kind.CUDA;
            default -> throw new IllegalArgumentException("unknown --backend '" + name + "'; valid: auto, cpu, cuda");
        };
    }

    static Precision precision(boolean tf32, boolean bf16) {
        return bf16 ? Precision.BF16 : tf32 ? Precision.TF32 : Precision.FP32;
    }

    /** A GPU that is not there, in the command line's words: a failure (exit 1) with what to do. */
    static Main.Failure unavailable(Backend.Kind kind, String flag, BackendUnavailableException e) {
        String message = kind == Backend.Kind.AUTO && flag != null
                ? flag + " needs the CUDA backend, which is not available: " + e.reason()
                : "--backend cuda is not available: " + e.reason() + "; use --backend cpu";
        return new Main.Failure(message, Main.FAILURE, e);
    }

    /** {@link #open(String, int, int, boolean, boolean, boolean, Consumer)} on device 0. */
    public static Ops open(String name, int threads, boolean tf32, boolean bf16, boolean debug, Consumer<String> log) {
        return open(name, threads, 0, tf32, bf16, debug, log);
    }

    /** Opens the backend {@code name} with the GEMM precision asked for (checked as {@link #check} does). */
    public static Ops open(
            String name, int threads, int device, boolean tf32, boolean bf16, boolean debug, Consumer<String> log) {
        check(name, tf32, bf16, device);
        Backend.Kind kind = kind(name);
        try {
            return BackendSelection.open(kind, threads, device, precision(tf32, bf16), debug, log)
                    .ops();
        } catch (BackendUnavailableException e) {
            throw unavailable(kind, bf16 ? "--bf16" : tf32 ? "--tf32" : null, e);
        }
    }

    /** The same, as the API's {@link Backend} (for commands written on the API). */
    static Backend openBackend(
            String name, int threads, int device, boolean tf32, boolean bf16, boolean debug, Consumer<String> log) {
        check(name, tf32, bf16, device);
        Backend.Kind kind = kind(name);
        try {
            return Backend.request(kind)
                    .threads(threads)
                    .device(device)
                    .precision(precision(tf32, bf16))
                    .debug(debug)
                    .notices(log)
                    .open();
        } catch (BackendUnavailableException e) {
            throw unavailable(kind, bf16 ? "--bf16" : tf32 ? "--tf32" : null, e);
        }
    }
}
