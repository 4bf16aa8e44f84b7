package dev.jbackprop.data;

import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.Setting;
import dev.jbackprop.model.Wording;
import java.util.Arrays;

/**
 * A data set cut in two: samples for training and samples held out (for validation, or as a test set
 * when the data has none). Both parts are views of the same storage: no features are copied.
 *
 * <ul>
 *   <li>{@link #of(Dataset, int, int)}: the first {@code trainSize} samples train, the following ones
 *       validate (the textbook uses 50,000 of MNIST's 60,000 training images and keeps the last 10,000).
 *   <li>{@link #lastFraction}: the same cut by a fraction: the last round(f·m) samples are held out
 *       (as Keras' validation_split; the order of the file decides, so shuffle a sorted file first or
 *       use {@link #randomFraction}).
 *   <li>{@link #randomFraction}: round(f·m) samples drawn by a seeded shuffle are held out; both parts
 *       keep the file's order. The same seed and data give the same cut on every machine.
 * </ul>
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

    /** The held-out part (the same as {@link #validation()}; reads better when it is a test set). */
    public Dataset heldOut() {
        return validation;
    }

    /**
     * Holds out the last round(fraction·m) samples (at least one when fraction > 0).
     *
     * @throws IllegalArgumentException when fraction is not in [0, 1) or leaves no training sample
     */
    public static Split lastFraction(Dataset full, double fraction) {
        int held = heldOutCount(full.count(), fraction);
        int m = full.count();
        return new Split(full.first(m - held), full.slice(m - held, m));
    }

    /**
     * Holds out round(fraction·m) samples (at least one when fraction > 0) chosen by a Fisher–Yates
     * shuffle driven by SplitMix64 from {@code seed}; each part lists its samples in their original order.
     *
     * @throws IllegalArgumentException when fraction is not in [0, 1) or leaves no training sample
     */
    public static Split randomFraction(Dataset full, double fraction, long seed) {
        int m = full.count();
        int held = heldOutCount(m, fraction);
        int[] perm = new int[m];
        for (int i = 0; i < m; i++) perm[i] = i;
        long state = seed;
        for (int i = m - 1; i > 0; i--) {
            state += 0x9E3779B97F4A7C15L;
            int j = (int) Long.remainderUnsigned(mix(state), i + 1L);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] out = Arrays.copyOfRange(perm, 0, held);
        int[] in = Arrays.copyOfRange(perm, held, m);
        Arrays.sort(out);
        Arrays.sort(in);
        return new Split(full.select(in), full.select(out));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int heldOutCount(int m, double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("a held-out fraction must be at least 0 and below 1, got " + fraction);
        }
        int held = (int) Math.round(fraction * m);
        if (fraction > 0 && held == 0) held = 1;
        if (m - held < 1) {
            throw new IllegalArgumentException(
                    "holding out " + fraction + " of " + m + " samples leaves none for training");
        }
        return held;
    }
}
