package dev.jbackprop.data;

import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.Setting;
import dev.jbackprop.model.Wording;

/**
 * A training set cut in two: the first {@code trainSize} samples for training and the following
 * ones for validation (the textbook uses 50,000 of MNIST's 60,000 training images and keeps the
 * last 10,000 for validation). The validation set may be empty.
 */
public record Split(Dataset train, Dataset validation) {

    /**
     * Takes the first {@code trainSize} samples of {@code full} for training and the next
     * {@code validationSize} for validation; a negative {@code validationSize} means all the rest.
     *
     * @param full the training set
     * @param trainSize samples to train on, at least 1
     * @param validationSize samples to validate on, or -1 for all the rest
     * @return the split
     * @throws InvalidConfigException when the sizes do not fit
     */
    public static Split of(Dataset full, int trainSize, int validationSize) {
        int m = full.count();
        if (trainSize < 1 || trainSize > m) {
            throw new InvalidConfigException(
                    Setting.TRAIN_SIZE, trainSize + " must be between 1 and the " + m + " training samples");
        }
        int v = validationSize < 0 ? m - trainSize : validationSize;
        if ((long) trainSize + v > m) {
            throw new InvalidConfigException(
                    Setting.VALIDATION_SIZE,
                    Wording.of(
                            Setting.TRAIN_SIZE,
                            " " + trainSize + " plus ",
                            Setting.VALIDATION_SIZE,
                            " " + v + " is more than the " + m + " training samples"));
        }
        return new Split(full.first(trainSize), full.slice(trainSize, trainSize + v));
    }

    /** The first {@code trainSize} samples for training, all the rest for validation. */
    public static Split of(Dataset full, int trainSize) {
        return of(full, trainSize, -1);
    }
}
