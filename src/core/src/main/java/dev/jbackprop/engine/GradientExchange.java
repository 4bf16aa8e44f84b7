package dev.jbackprop.engine;

/**
 * The seam of synchronous data-parallel training: {@link Trainer} calls it once per step between the backward pass and
 * the update. Every worker runs the same Trainer (same seed, so the same batches) on the whole data set; worker
 * {@link #rank()} of {@link #workers()} trains on the slice [⌊r·m/N⌋, ⌊(r+1)·m/N⌋) of each batch of m samples, and the
 * exchange sums the workers' gradient blocks, so that every worker applies the update of the whole batch (up to the
 * order of summation, the step of one machine with the same batch). Without an exchange nothing changes.
 */
public interface GradientExchange {

    /** This worker's index, 0 to {@link #workers()} − 1. */
    int rank();

    /** The number of workers taking part in every step. */
    int workers();

    /**
     * Replaces {@code net.grads} (the gradients summed over this worker's slice of the step's batch; zeros when the
     * slice is empty) by their sum over all workers, and {@code metrics[0..2]} (this worker's summed cost, correct
     * predictions and samples in the step) by the sums over all workers. {@code step} is the step's number (1 for the
     * first of the run), the same on every worker. Called on the training thread; must allocate nothing per call and
     * throw, never return a partial sum, when a worker is missing.
     */
    void exchange(Network net, long step, double[] metrics);
}
