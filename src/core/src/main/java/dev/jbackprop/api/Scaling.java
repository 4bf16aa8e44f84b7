package dev.jbackprop.api;

import dev.jbackprop.data.Normalization;

/**
 * How a model scales its inputs. The statistics are fitted to the training data of the model's first
 * {@link Model#fit fit} (in double precision), kept with the model and saved in its file, and applied unchanged to
 * every input it is given afterwards: validation and test data, and the inputs of {@link Model#predict}.
 */
public enum Scaling {
    /** Inputs as given (the default). */
    NONE(Normalization.Kind.NONE),
    /** x' = (x − min) / (max − min) per feature: training values in [0, 1]. */
    MINMAX(Normalization.Kind.MINMAX),
    /** x' = (x − mean) / std per feature: training values of mean 0 and variance 1. */
    STANDARD(Normalization.Kind.STANDARD);

    final Normalization.Kind kind;

    Scaling(Normalization.Kind kind) {
        this.kind = kind;
    }

    static Scaling of(Normalization.Kind k) {
        for (Scaling s : values()) if (s.kind == k) return s;
        throw new IllegalArgumentException("no scaling for " + k);
    }
}
