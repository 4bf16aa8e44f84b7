package dev.jbackprop.model;

import java.util.Locale;

/** The cost function C(a, y) of one sample; a batch's cost is the sum over its samples. */
public enum Cost {
    /** ½‖a − y‖²; any output activation but softmax. */
    QUADRATIC(0, "quadratic"),
    /** −Σ y ln a with a softmax output (δᴸ = a − y). */
    CROSS_ENTROPY(1, "cross-entropy"),
    /** −Σ [y ln a + (1−y) ln(1−a)] with a sigmoid output (δᴸ = a − y). */
    BINARY_CROSS_ENTROPY(2, "binary-cross-entropy");

    /** The integer the CUDA kernels switch on. */
    public final int code;

    public final String cliName;

    Cost(int code, String cliName) {
        this.code = code;
        this.cliName = cliName;
    }

    public static final String VALID_COMBINATIONS =
            "valid output activation + cost: softmax + cross-entropy; sigmoid + binary-cross-entropy; "
                    + "quadratic with sigmoid, tanh, relu, leaky_relu, elu or identity";

    /** The output activation a cost implies when none is given. */
    public Activation defaultOutput() {
        return switch (this) {
            case CROSS_ENTROPY -> Activation.SOFTMAX;
            case BINARY_CROSS_ENTROPY, QUADRATIC -> Activation.SIGMOID;
        };
    }

    /** Whether {@code output} is an output activation this cost is defined for ({@link #VALID_COMBINATIONS}). */
    public boolean goesWith(Activation output) {
        return switch (this) {
            case CROSS_ENTROPY -> output.kind() == Activation.Kind.SOFTMAX;
            case BINARY_CROSS_ENTROPY -> output.kind() == Activation.Kind.SIGMOID;
            case QUADRATIC -> output.kind() != Activation.Kind.SOFTMAX;
        };
    }

    /** Throws with the list of valid combinations if {@code output} does not go with this cost. */
    public void checkOutput(Activation output) {
        if (!goesWith(output)) {
            throw new InvalidConfigException(
                    Setting.COST,
                    Wording.of("cost " + cliName + " does not go with output activation " + output + "; "
                            + VALID_COMBINATIONS));
        }
    }

    public static Cost parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Cost c : values()) if (c.cliName.equals(t)) return c;
        if (t.equals("ce") || t.equals("crossentropy")) return CROSS_ENTROPY;
        if (t.equals("bce") || t.equals("binary-ce")) return BINARY_CROSS_ENTROPY;
        if (t.equals("mse")) return QUADRATIC;
        throw new IllegalArgumentException("unknown cost '" + text
                + "'; valid: quadratic, cross-entropy (softmax output), binary-cross-entropy (sigmoid output)");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
