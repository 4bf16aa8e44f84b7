package dev.jbackprop.api;

/**
 * A training step has just ended. The step's cost is not read here (on the GPU that would wait for the device after
 * every step); the epoch's figures come with {@link EpochEvent}.
 *
 * @param epoch the epoch, 1-based
 * @param stepInEpoch the step within the epoch, 1-based
 * @param stepsInEpoch the steps in a whole epoch
 * @param step the steps done in all in this fit
 */
public record StepEvent(int epoch, int stepInEpoch, int stepsInEpoch, long step) {}
