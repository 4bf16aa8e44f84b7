package dev.jbackprop.engine;

/**
 * A contiguous run of bytes owned by one backend: uint8 feature values, held as they were read and
 * decoded to floats only in a batch's gather ({@link Ops#gatherBytes}).
 */
public interface ByteBlock extends AutoCloseable {
    /** Number of bytes. */
    long length();

    /** Frees the memory. Idempotent; never throws. */
    @Override
    void close();
}
