package dev.jbackprop.data;

/**
 * A training set and, when the source has one, its test set (read against the training set's classes).
 *
 * @param test null when the source holds no test set
 */
public record TrainTest(Dataset train, Dataset test) {
    public TrainTest {
        if (train == null) throw new IllegalArgumentException("a training set is needed");
    }
}
