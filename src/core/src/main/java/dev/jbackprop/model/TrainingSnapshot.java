package dev.jbackprop.model;

/**
 * A {@link TrainingState} with the network's parameters and the optimiser's state, all in {@link ParamLayout}
 * order. The optimiser's step count is the state's step count.
 *
 * @param state where training stands
 * @param params the parameters
 * @param velocity the optimiser's first state (sgd's velocity, the momentum buffer, adam's exp_avg), or null when
 *     it keeps none
 * @param secondMoment adam's exp_avg_sq, or null
 */
public record TrainingSnapshot(TrainingState state, float[] params, float[] velocity, float[] secondMoment) {
    /** Without a second moment (sgd, nesterov). */
    public TrainingSnapshot(TrainingState state, float[] params, float[] velocity) {
        this(state, params, velocity, null);
    }
}
