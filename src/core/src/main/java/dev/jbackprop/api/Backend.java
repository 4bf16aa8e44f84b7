package dev.jbackprop.api;

import dev.jbackprop.api.internal.BackendSelection;
import dev.jbackprop.engine.Ops;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the arithmetic runs: the CPU (float32, OpenBLAS GEMMs split over its own threads) or an NVIDIA GPU (cuBLAS
 * and jbackprop's CUDA kernels). A backend holds native resources (a thread pool and off-heap memory, or a CUDA
 * context, stream and cuBLAS handle): close it when done, after the {@link Model}s that run on it.
 *
 * <pre>{@code
 * try (Backend backend = Backend.auto()) { ... }                         // the GPU when usable, else the CPU
 * try (Backend backend = Backend.cpu(4)) { ... }                         // 4 threads
 * try (Backend backend = Backend.cuda(1, Precision.TF32)) { ... }        // device 1, TF32 tensor cores
 * try (Backend backend = Backend.request(Backend.Kind.AUTO).threads(8).notices(System.err::println).open()) { ... }
 * }</pre>
 *
 * Not thread-safe: one thread at a time.
 */
public final class Backend implements AutoCloseable {
    /** Which backend to open. */
    public enum Kind {
        /** CUDA when the GPU is usable here (driver, device, cuBLAS, kernels and a self-test), else the CPU. */
        AUTO,
        /** The CPU backend. */
        CPU,
        /** The GPU backend; {@link BackendUnavailableException} when it cannot run here. */
        CUDA
    }

    private final Ops ops;
    private final Kind kind;
    private final Precision precision;
    private final String fallbackReason;
    private boolean closed;

    private Backend(BackendSelection.Opened opened) {
        this.ops = opened.ops();
        this.kind = opened.ops().name().equals("cuda") ? Kind.CUDA : Kind.CPU;
        this.precision = opened.precision();
        this.fallbackReason = opened.fallbackReason();
    }

    /**
     * The GPU (device 0, FP32) when it is usable here, else the CPU on all cores; {@link #fallbackReason()} says
     * why the GPU was not used.
     *
     * @return the opened backend
     * @throws BackendException when the chosen backend fails to open
     */
    public static Backend auto() {
        return request(Kind.AUTO).open();
    }

    /**
     * The CPU backend on all cores.
     *
     * @return the opened backend
     */
    public static Backend cpu() {
        return request(Kind.CPU).open();
    }

    /**
     * The CPU backend.
     *
     * @param threads the threads to split the work over, at least 1 (0: all cores)
     * @return the opened backend
     * @throws InvalidConfigurationException for a negative count
     */
    public static Backend cpu(int threads) {
        return request(Kind.CPU).threads(threads).open();
    }

    /**
     * The GPU backend on device 0 in FP32.
     *
     * @return the opened backend
     * @throws BackendUnavailableException when the GPU cannot be used here
     */
    public static Backend cuda() {
        return request(Kind.CUDA).open();
    }

    /**
     * The GPU backend.
     *
     * @param device the CUDA device index (0 for the first GPU)
     * @param precision the GEMMs' precision
     * @return the opened backend
     * @throws BackendUnavailableException when the GPU cannot be used here or has no device of that index
     */
    public static Backend cuda(int device, Precision precision) {
        return request(Kind.CUDA).device(device).precision(precision).open();
    }

    /**
     * A backend to open, with every setting (defaults: all cores, device 0, FP32, no debug, no notices).
     *
     * @param kind which backend
     * @return the request, to refine and {@link Request#open()}
     */
    public static Request request(Kind kind) {
        return new Request(Objects.requireNonNull(kind, "kind"), 0, 0, Precision.FP32, false, null);
    }

    /**
     * Why the GPU backend cannot be used on this machine (the answer is probed once and cached).
     *
     * @return the reason in one line, or empty when it can be used
     */
    public static Optional<String> cudaUnavailableReason() {
        return Optional.ofNullable(BackendSelection.cudaUnavailableReason());
    }

    /**
     * Which backend this is.
     *
     * @return {@link Kind#CPU} or {@link Kind#CUDA}, never AUTO
     */
    public Kind kind() {
        return kind;
    }

    /**
     * The GEMMs' precision.
     *
     * @return FP32 on the CPU
     */
    public Precision precision() {
        return precision;
    }

    /**
     * Why {@link Kind#AUTO} chose the CPU.
     *
     * @return the reason the GPU was not used, or empty when it was, or when the backend was asked for by name
     */
    public Optional<String> fallbackReason() {
        return Optional.ofNullable(fallbackReason);
    }

    /**
     * What the backend computes on: the CPU model, threads and BLAS kernels, or the GPU's name, compute capability
     * and the driver, CUDA runtime and cuBLAS versions.
     *
     * @return the device information
     * @throws IllegalStateException when the backend is closed
     */
    public DeviceInfo device() {
        checkOpen();
        return BackendSelection.deviceInfo(ops);
    }

    /**
     * One line describing the hardware and how it is used.
     *
     * @return e.g. "CPU, 8 threads, float32; GEMMs: OpenBLAS, …"
     */
    public String description() {
        return ops.description();
    }

    /**
     * Whether the backend can still be used.
     *
     * @return false after {@link #close()}
     */
    public boolean isOpen() {
        return !closed;
    }

    /** Frees the backend's native resources; models on it cannot be used afterwards. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        ops.close();
    }

    @Override
    public String toString() {
        return "Backend[" + (closed ? "closed, " : "") + ops.description() + "]";
    }

    Ops ops() {
        checkOpen();
        return ops;
    }

    void checkOpen() {
        if (closed)
            throw new IllegalStateException("the backend is closed; open another with Backend.auto() or the like");
    }

    /**
     * A backend to open, immutable: each method returns a new request.
     *
     * @see Backend#request(Kind)
     */
    public static final class Request {
        private final Kind kind;
        private final int threads;
        private final int device;
        private final Precision precision;
        private final boolean debug;
        private final Consumer<String> notices;

        private Request(Kind kind, int threads, int device, Precision precision, boolean debug, Consumer<String> n) {
            this.kind = kind;
            this.threads = threads;
            this.device = device;
            this.precision = precision;
            this.debug = debug;
            this.notices = n;
        }

        /**
         * CPU threads.
         *
         * @param threads the threads to split the work over; 0 for all cores
         * @return the new request
         */
        public Request threads(int threads) {
            return new Request(kind, threads, device, precision, debug, notices);
        }

        /**
         * The GPU to use.
         *
         * @param device the CUDA device index, 0 or more
         * @return the new request
         */
        public Request device(int device) {
            return new Request(kind, threads, device, precision, debug, notices);
        }

        /**
         * The GEMMs' precision: TF32 and BF16 need the GPU.
         *
         * @param precision the precision
         * @return the new request
         */
        public Request precision(Precision precision) {
            return new Request(kind, threads, device, Objects.requireNonNull(precision, "precision"), debug, notices);
        }

        /**
         * GPU: synchronise after every launch, so that an error names the operation that caused it (slow).
         *
         * @param debug on or off
         * @return the new request
         */
        public Request debug(boolean debug) {
            return new Request(kind, threads, device, precision, debug, notices);
        }

        /**
         * Where to say, in one line, that {@link Kind#AUTO} fell back to the CPU and why.
         *
         * @param notices the receiver of notices, or null for none
         * @return the new request
         */
        public Request notices(Consumer<String> notices) {
            return new Request(kind, threads, device, precision, debug, notices);
        }

        /**
         * Fails as {@link #open()} would for these settings, without opening anything.
         *
         * @throws InvalidConfigurationException for a negative thread count or device index, or TF32/BF16 on the CPU
         * @throws BackendUnavailableException when CUDA (or a GPU precision) is asked for and cannot run here
         */
        public void check() {
            BackendSelection.check(kind, threads, device, precision);
        }

        /**
         * Opens the backend.
         *
         * @return the opened backend
         * @throws InvalidConfigurationException see {@link #check()}
         * @throws BackendUnavailableException see {@link #check()}; also for a device index the machine lacks
         * @throws BackendException when opening fails otherwise
         */
        public Backend open() {
            return new Backend(BackendSelection.open(kind, threads, device, precision, debug, notices));
        }
    }
}
