package dev.jbackprop.model;

/**
 * Where a training run stands between two steps: what a checkpoint must hold, besides the parameters, for a
 * resumed run to continue exactly.
 *
 * @param epochsDone complete epochs
 * @param stepInEpoch steps done in epoch {@code epochsDone + 1}
 * @param steps steps in all
 * @param shuffler the shuffler's state at the start of epoch {@code epochsDone + 1} (its permutation is redrawn
 *     from it)
 * @param lossSum that epoch's summed cost so far
 * @param correct that epoch's correctly classified samples so far
 * @param samples that epoch's samples so far
 * @param lossReference the cost per sample the divergence guard compares the epoch's mean with (the first step's,
 *     or the first epoch's mean once that is lower); NaN when none has been measured yet
 */
public record TrainingState(
        int epochsDone,
        int stepInEpoch,
        long steps,
        long shuffler,
        double lossSum,
        long correct,
        long samples,
        double lossReference) {

    /** A state with no divergence reference measured yet (NaN). */
    public TrainingState(
            int epochsDone, int stepInEpoch, long steps, long shuffler, double lossSum, long correct, long samples) {
        this(epochsDone, stepInEpoch, steps, shuffler, lossSum, correct, samples, Double.NaN);
    }
}
