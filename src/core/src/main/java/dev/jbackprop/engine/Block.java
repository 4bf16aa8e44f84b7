package dev.jbackprop.engine;

/**
 * A contiguous run of float32 values owned by one backend (host memory for the CPU backend, device
 * memory for the GPU backend). Views made with {@link #view} share the memory of their parent; only
 * the root block frees it on {@link Ops#close()} or {@link #close()}.
 */
public interface Block extends AutoCloseable {
    /** Number of floats. */
    long length();

    /** A view of {@code length} floats starting {@code offset} floats in. Views are made at set-up time, not per step. */
    Block view(long offset, long length);

    /** Frees the memory if this is a root block; a view's close does nothing. Idempotent; never throws. */
    @Override
    void close();
}
