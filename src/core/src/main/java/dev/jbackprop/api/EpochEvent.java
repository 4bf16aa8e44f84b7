package dev.jbackprop.api;

/**
 * An epoch has ended (or been cut short by {@link TrainingOptions#maxSteps}).
 *
 * @param epoch the epoch, 1-based
 * @param epochs the epochs asked for
 * @param steps the steps done in all in this fit
 * @param loss the mean cost per sample over the epoch's steps
 * @param trainAccuracy classification: the fraction of the epoch's samples classified right as they were trained
 *     on; regression: NaN
 * @param validationLoss the mean cost per sample on the validation data after the epoch, or NaN without any
 * @param validationAccuracy the validation data's accuracy after the epoch, or NaN without any (or for regression)
 * @param samplesPerSecond training samples per second over the epoch
 * @param seconds the epoch's wall-clock time
 */
public record EpochEvent(
        int epoch,
        int epochs,
        long steps,
        double loss,
        double trainAccuracy,
        double validationLoss,
        double validationAccuracy,
        double samplesPerSecond,
        double seconds) {}
