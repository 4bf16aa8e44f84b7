package dev.jbackprop.engine;

/**
 * Running totals of the cost and of correct predictions, kept where the backend computes them
 * (on the device for the GPU). Reading them is the only point at which a training loop
 * synchronises with the host.
 */
public interface Metrics extends AutoCloseable {
    void reset();

    /** Synchronises and writes {sum of per-sample costs, number correct, number of samples} into out[0..2]. */
    void read(double[] out);

    /** {@link #read(double[])} into a new array. */
    default double[] read() {
        double[] out = new double[3];
        read(out);
        return out;
    }

    @Override
    void close();
}
