package dev.jbackprop.api;

import java.util.List;
import java.util.Optional;

/**
 * What a {@link Model#fit} did.
 *
 * @param epochs each epoch's figures, in order (the last may be cut short by {@link TrainingOptions#maxSteps})
 * @param steps the steps done in all
 * @param stoppedByListener whether a {@link TrainingListener} stopped training early
 */
public record FitResult(List<EpochEvent> epochs, long steps, boolean stoppedByListener) {
    /**
     * A result, the list copied.
     *
     * @param epochs each epoch's figures
     * @param steps the steps done
     * @param stoppedByListener whether a listener stopped training
     */
    public FitResult {
        epochs = List.copyOf(epochs);
    }

    /**
     * The last epoch's figures.
     *
     * @return them, or empty when no epoch ended (a listener stopped training within the first)
     */
    public Optional<EpochEvent> last() {
        return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
    }
}
