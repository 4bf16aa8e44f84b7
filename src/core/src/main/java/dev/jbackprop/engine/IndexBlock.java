package dev.jbackprop.engine;

/** A backend-owned array of int32 sample indices (the shuffled order of an epoch). */
public interface IndexBlock extends AutoCloseable {
    int length();

    @Override
    void close();
}
