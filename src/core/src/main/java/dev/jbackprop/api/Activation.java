package dev.jbackprop.api;

import dev.jbackprop.model.Activation.Kind;
import java.util.Objects;

/**
 * An activation function σ, applied element by element to a layer's weighted inputs z (softmax: to the whole
 * output vector). Immutable; equal when the function and its parameter are.
 */
public final class Activation {
    final dev.jbackprop.model.Activation internal;

    private Activation(dev.jbackprop.model.Activation internal) {
        this.internal = internal;
    }

    static Activation of(dev.jbackprop.model.Activation a) {
        return new Activation(a);
    }

    /**
     * The logistic function 1 / (1 + e^−z).
     *
     * @return sigmoid
     */
    public static Activation sigmoid() {
        return new Activation(dev.jbackprop.model.Activation.SIGMOID);
    }

    /**
     * The hyperbolic tangent.
     *
     * @return tanh
     */
    public static Activation tanh() {
        return new Activation(dev.jbackprop.model.Activation.TANH);
    }

    /**
     * max(0, z).
     *
     * @return ReLU
     */
    public static Activation relu() {
        return new Activation(dev.jbackprop.model.Activation.RELU);
    }

    /**
     * z for z &gt; 0, else 0.01·z.
     *
     * @return leaky ReLU with slope 0.01
     */
    public static Activation leakyRelu() {
        return new Activation(dev.jbackprop.model.Activation.LEAKY_RELU);
    }

    /**
     * z for z &gt; 0, else α·z.
     *
     * @param alpha the slope for negative z, finite
     * @return leaky ReLU with slope α
     * @throws InvalidConfigurationException when α is not finite
     */
    public static Activation leakyRelu(double alpha) {
        return withAlpha(Kind.LEAKY_RELU, alpha);
    }

    /**
     * z for z &gt; 0, else e^z − 1.
     *
     * @return ELU with α = 1
     */
    public static Activation elu() {
        return new Activation(dev.jbackprop.model.Activation.ELU);
    }

    /**
     * z for z &gt; 0, else α·(e^z − 1).
     *
     * @param alpha the scale for negative z, finite
     * @return ELU with that α
     * @throws InvalidConfigurationException when α is not finite
     */
    public static Activation elu(double alpha) {
        return withAlpha(Kind.ELU, alpha);
    }

    /**
     * σ(z) = z: a linear layer, or the output of a regression.
     *
     * @return the identity
     */
    public static Activation identity() {
        return new Activation(dev.jbackprop.model.Activation.IDENTITY);
    }

    /**
     * e^zᵢ / Σⱼ e^zⱼ over the output vector: only for the output layer, with {@link Loss#CROSS_ENTROPY}.
     *
     * @return softmax
     */
    public static Activation softmax() {
        return new Activation(dev.jbackprop.model.Activation.SOFTMAX);
    }

    /**
     * The activation a name gives: {@code sigmoid}, {@code tanh}, {@code relu}, {@code leaky_relu},
     * {@code leaky_relu:0.2}, {@code elu}, {@code elu:0.5}, {@code identity}, {@code softmax} (case and '-' against
     * '_' do not matter).
     *
     * @param name the name, with ":α" where the function takes a parameter
     * @return the activation
     * @throws InvalidConfigurationException for an unknown name or a bad parameter
     */
    public static Activation parse(String name) {
        Objects.requireNonNull(name, "name");
        try {
            return new Activation(dev.jbackprop.model.Activation.parse(name));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("Activation.parse", e.getMessage());
        }
    }

    private static Activation withAlpha(Kind kind, double alpha) {
        if (!Double.isFinite(alpha))
            throw new InvalidConfigurationException(
                    "Activation." + (kind == Kind.ELU ? "elu" : "leakyRelu"), "α must be finite, got " + alpha);
        return new Activation(new dev.jbackprop.model.Activation(kind, alpha));
    }

    /**
     * The function's name.
     *
     * @return "sigmoid", "tanh", "relu", "leaky_relu", "elu", "identity" or "softmax"
     */
    public String name() {
        return internal.kind().cliName;
    }

    /**
     * The parameter α of leaky ReLU and ELU.
     *
     * @return α, or NaN for functions without one
     */
    public double alpha() {
        return internal.kind().hasAlpha() ? internal.alpha() : Double.NaN;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Activation a && a.internal.equals(internal);
    }

    @Override
    public int hashCode() {
        return internal.hashCode();
    }

    /**
     * The name as {@link #parse} reads it.
     *
     * @return e.g. "relu" or "leaky_relu:0.2"
     */
    @Override
    public String toString() {
        return internal.toString();
    }
}
