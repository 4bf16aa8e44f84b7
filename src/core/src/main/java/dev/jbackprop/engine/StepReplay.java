package dev.jbackprop.engine;

/**
 * A step body made replayable by {@link Ops#capture}: each {@link #run()} does the body's work once
 * more, with the same buffers and sizes (only their contents change between runs). On the CPU it
 * simply runs the body; the GPU backend records it once as a CUDA graph and launches that.
 */
@FunctionalInterface
public interface StepReplay extends AutoCloseable {
    void run();

    /** Frees what the replay holds (a CUDA graph); never throws. */
    @Override
    default void close() {}
}
