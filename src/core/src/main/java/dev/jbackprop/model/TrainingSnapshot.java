package dev.jbackprop.model;

/**
 * A {@link TrainingState} with the network's parameters and momentum buffer, both in {@link ParamLayout} order.
 *
 * @param state where training stands
 * @param params the parameters
 * @param velocity the momentum buffer, or null when training without momentum
 */
public record TrainingSnapshot(TrainingState state, float[] params, float[] velocity) {}
