package dev.jbackprop.model;

import java.util.Locale;
import java.util.Random;

/**
 * Weight initialisation. Every scheme draws from {@link java.util.Random} (whose algorithm the
 * Java specification fixes), so a seed gives the same weights on every JVM.
 */
public enum Init {
    /** W, b ~ N(0, 1): the first network of the textbook. */
    GAUSSIAN("gaussian"),
    /** W ~ N(0, 1/n_in), b ~ N(0, 1): the textbook's improved initialisation. */
    SCALED("scaled"),
    /** W ~ N(0, 2/n_in), b = 0 (He et al., for the ReLU family). */
    HE("he"),
    /** W ~ N(0, 2/(n_in + n_out)), b = 0 (Glorot and Bengio, for sigmoid and tanh). */
    XAVIER("xavier");

    public final String cliName;

    Init(String cliName) {
        this.cliName = cliName;
    }

    public static Init parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Init i : values()) if (i.cliName.equals(t)) return i;
        if (t.equals("glorot")) return XAVIER;
        if (t.equals("kaiming")) return HE;
        throw new IllegalArgumentException("unknown init '" + text + "'; valid: gaussian, scaled, he, xavier");
    }

    /** The initialisation usually recommended for a hidden activation. */
    public static Init recommendedFor(Activation hidden) {
        return switch (hidden.kind()) {
            case RELU, LEAKY_RELU, ELU -> HE;
            case SIGMOID, TANH, IDENTITY, SOFTMAX -> XAVIER;
        };
    }

    /**
     * Fills a new parameter block laid out by {@code layout}. For each layer in order, the weights are
     * drawn row by row (neuron j, then input k: the order of numpy's randn(n_out, n_in)) and stored
     * column-major, then the biases.
     */
    public float[] initialise(ParamLayout layout, long seed) {
        Random rng = new Random(seed);
        float[] p = new float[Math.toIntExact(layout.total())];
        for (int l = 0; l < layout.layers(); l++) {
            int nIn = layout.nIn(l);
            int nOut = layout.nOut(l);
            double wStd = switch (this) {
                case GAUSSIAN -> 1.0;
                case SCALED -> Math.sqrt(1.0 / nIn);
                case HE -> Math.sqrt(2.0 / nIn);
                case XAVIER -> Math.sqrt(2.0 / (nIn + nOut));
            };
            double bStd = (this == GAUSSIAN || this == SCALED) ? 1.0 : 0.0;
            long w = layout.weightOffset(l);
            for (int j = 0; j < nOut; j++) {
                for (int k = 0; k < nIn; k++) {
                    p[(int) (w + (long) k * nOut + j)] = (float) (rng.nextGaussian() * wStd);
                }
            }
            long b = layout.biasOffset(l);
            for (int j = 0; j < nOut; j++) {
                p[(int) (b + j)] = bStd == 0.0 ? 0f : (float) (rng.nextGaussian() * bStd);
            }
        }
        return p;
    }

    @Override
    public String toString() {
        return cliName;
    }
}
