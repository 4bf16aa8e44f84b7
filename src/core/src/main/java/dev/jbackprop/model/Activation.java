package dev.jbackprop.model;

import java.util.Locale;

/**
 * An activation function σ and its parameter. The maths lives in each backend (and, separately,
 * in the reference oracle); this type only names the function.
 *
 * <p>{@link Kind#code} is the integer the CUDA kernels switch on (kernels/elementwise.cuh).
 */
public record Activation(Kind kind, double alpha) {

    public enum Kind {
        SIGMOID(0, "sigmoid", Double.NaN),
        TANH(1, "tanh", Double.NaN),
        RELU(2, "relu", Double.NaN),
        LEAKY_RELU(3, "leaky_relu", 0.01),
        ELU(4, "elu", 1.0),
        IDENTITY(5, "identity", Double.NaN),
        SOFTMAX(6, "softmax", Double.NaN);

        public final int code;
        public final String cliName;
        final double defaultAlpha;

        Kind(int code, String cliName, double defaultAlpha) {
            this.code = code;
            this.cliName = cliName;
            this.defaultAlpha = defaultAlpha;
        }

        public boolean hasAlpha() {
            return !Double.isNaN(defaultAlpha);
        }
    }

    public static final Activation SIGMOID = of(Kind.SIGMOID);
    public static final Activation TANH = of(Kind.TANH);
    public static final Activation RELU = of(Kind.RELU);
    public static final Activation LEAKY_RELU = of(Kind.LEAKY_RELU);
    public static final Activation ELU = of(Kind.ELU);
    public static final Activation IDENTITY = of(Kind.IDENTITY);
    public static final Activation SOFTMAX = of(Kind.SOFTMAX);

    public Activation {
        if (kind == null) throw new IllegalArgumentException("activation kind is null");
        if (!kind.hasAlpha()) alpha = 0.0;
        else if (!Double.isFinite(alpha))
            throw new IllegalArgumentException(kind.cliName + ": α must be a finite number, got " + alpha);
    }

    public static Activation of(Kind kind) {
        return new Activation(kind, kind.hasAlpha() ? kind.defaultAlpha : 0.0);
    }

    /** Every activation a hidden layer may use (all but softmax), with default parameters. */
    public static Activation[] hiddenChoices() {
        return new Activation[] {SIGMOID, TANH, RELU, LEAKY_RELU, ELU, IDENTITY};
    }

    /**
     * Parses {@code sigmoid}, {@code tanh}, {@code relu}, {@code leaky_relu}, {@code leaky_relu:0.2},
     * {@code elu}, {@code elu:0.5}, {@code identity}, {@code softmax}. Case and '-' vs '_' do not matter.
     */
    public static Activation parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        String name = t;
        String param = null;
        int colon = t.indexOf(':');
        if (colon >= 0) {
            name = t.substring(0, colon);
            param = t.substring(colon + 1);
        }
        for (Kind k : Kind.values()) {
            if (k.cliName.equals(name) || (k == Kind.LEAKY_RELU && name.equals("leakyrelu"))) {
                if (param == null) return of(k);
                if (!k.hasAlpha())
                    throw new IllegalArgumentException(
                            "activation '" + k.cliName + "' takes no parameter, got '" + text + "'");
                try {
                    return new Activation(k, Double.parseDouble(param));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("activation '" + text + "': '" + param
                            + "' is not a number (example: " + k.cliName + ":0.1)");
                }
            }
        }
        throw new IllegalArgumentException("unknown activation '" + text
                + "'; valid: sigmoid, tanh, relu, leaky_relu[:α], elu[:α], identity, softmax (output only)");
    }

    @Override
    public String toString() {
        return kind.hasAlpha() && alpha != kind.defaultAlpha ? kind.cliName + ":" + alpha : kind.cliName;
    }
}
