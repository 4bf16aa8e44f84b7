package dev.jbackprop.cli;

import dev.jbackprop.api.Backend;
import dev.jbackprop.engine.Ops;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** The backend to run on, its threads and its GPU (train, gradients, throughput, verify, eval). */
final class BackendOptions {
    @Option(
            names = "--backend",
            paramLabel = "NAME",
            description = "auto (the GPU when it is usable, else the CPU, saying why), cpu or cuda "
                    + "(default: ${DEFAULT-VALUE}).",
            defaultValue = "auto")
    String backend;

    @Option(
            names = "--threads",
            paramLabel = "T",
            description = "CPU backend threads, at most 4 per core (more only take turns on the cores); 0: all cores "
                    + "(default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    int threads;

    @Option(
            names = "--device",
            paramLabel = "N",
            description = "GPU: the CUDA device index (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    int device;

    /** Fails on a thread count out of range, an unknown backend or an unavailable GPU (usage error or failure). */
    void check() {
        check(false, false);
    }

    /** {@link #check()}, also for the GEMM precision asked for (see {@link Backends#check(String, boolean, boolean, int)}). */
    void check(boolean tf32, boolean bf16) {
        Backends.checkThreads(threads);
        Backends.check(backend, tf32, bf16, device);
    }

    /** Opens the backend in FP32. */
    Ops open(boolean debug, Consumer<String> log) {
        return Backends.open(backend, threads, device, false, false, debug, log);
    }

    /** Opens the backend with the GEMM precision asked for. */
    Ops open(PrecisionOptions precision, boolean debug, Consumer<String> log) {
        return Backends.open(backend, threads, device, precision.tf32, precision.bf16, debug, log);
    }

    /** Opens the backend in FP32 as the API's {@link Backend}. */
    Backend openBackend(boolean debug, Consumer<String> log) {
        return Backends.openBackend(backend, threads, device, false, false, debug, log);
    }
}
