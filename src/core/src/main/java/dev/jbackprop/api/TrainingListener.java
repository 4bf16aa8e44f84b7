package dev.jbackprop.api;

/**
 * Told about training as it goes, and able to stop it: return false to stop. Both methods run on the thread that
 * called {@link Model#fit}; a listener that throws stops training with its exception.
 */
public interface TrainingListener {
    /**
     * After each step.
     *
     * @param step where training stands
     * @return true to go on, false to stop after this step
     */
    default boolean onStep(StepEvent step) {
        return true;
    }

    /**
     * After each epoch, with its figures.
     *
     * @param epoch the epoch's figures
     * @return true to go on, false to stop after this epoch
     */
    default boolean onEpoch(EpochEvent epoch) {
        return true;
    }
}
