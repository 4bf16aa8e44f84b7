package dev.jbackprop.cli;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaBackend;
import dev.jbackprop.backend.cuda.CudaProbe;
import dev.jbackprop.engine.Ops;
import java.util.Locale;
import java.util.function.Consumer;

/** Chooses and opens a backend: cpu, cuda, or auto (the GPU when everything it needs is there). */
public final class Backends {
    private Backends() {}

    /** Why the GPU backend cannot be used here, or null when it can. */
    public static String cudaUnavailableReason() {
        CudaProbe.Availability a = CudaProbe.probe();
        return a.available() ? null : a.reason();
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

    /**
     * Also the GEMM precision: --tf32 and --bf16 exclude each other (a usage error) and are for the
     * CUDA backend (with --backend cpu a usage error; with auto they need the GPU, a failure without one).
     */
    public static void check(String name, boolean tf32, boolean bf16) {
        String n = name == null ? "auto" : name.toLowerCase(Locale.ROOT);
        if (tf32 && bf16)
            throw new IllegalArgumentException("--tf32 and --bf16 do not go together: choose one GEMM precision");
        String flag = bf16 ? "--bf16" : tf32 ? "--tf32" : null;
        switch (n) {
            case "cpu" -> {
                if (flag != null) {
                    throw new IllegalArgumentException(
                            flag + " is for the CUDA backend; the CPU backend computes in FP32 (leave " + flag
                                    + " out, or use --backend cuda)");
                }
            }
            case "auto" -> {
                String why = flag != null ? cudaUnavailableReason() : null;
                if (why != null)
                    throw new Main.Failure(flag + " needs the CUDA backend, which is not available: " + why);
            }
            case "cuda", "gpu" -> {
                String why = cudaUnavailableReason();
                if (why != null) throw unavailable(why);
            }
            default -> throw unknown(name);
        }
    }

    private static Main.Failure unavailable(String why) {
        return new Main.Failure("--backend cuda is not available: " + why + "; use --backend cpu");
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown --backend '" + name + "'; valid: auto, cpu, cuda");
    }

    /** Opens the backend {@code name} with the GEMM precision asked for (checked as {@link #check(String, boolean, boolean)} does). */
    public static Ops open(String name, int threads, boolean tf32, boolean bf16, boolean debug, Consumer<String> log) {
        check(name, tf32, bf16);
        String n = name == null ? "auto" : name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "cpu":
                return new CpuOps(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
            case "cuda":
            case "gpu":
                return CudaBackend.open(tf32, bf16, debug);
            case "auto": {
                String why = cudaUnavailableReason();
                if (why == null) return open("cuda", threads, tf32, bf16, debug, log);
                log.accept("using the CPU backend (GPU not used: " + why + ")");
                return open("cpu", threads, tf32, bf16, debug, log);
            }
            default:
                throw unknown(name);
        }
    }
}
