package dev.jbackprop.api;

import java.util.Locale;

/**
 * How the parameters move after each mini-batch. Immutable: each method returns a new optimizer.
 *
 * <p>Mini-batch SGD, the textbook's update: W ← (1 − ηλ/n)·W − (η/m)·Σ ∂C/∂W over the m samples of the batch, n the
 * training-set size; with momentum μ through a velocity v ← μ·v − (η/m)·Σ ∂C/∂W, W ← (1 − ηλ/n)·W + v.
 *
 * <p>Other optimizers and learning-rate schedules are added here as further factories (this class is the extension
 * point: {@link TrainingOptions#optimizer} takes any of them).
 */
public final class Optimizer {
    private final String name;
    private final double learningRate;
    private final double momentum;
    private final double l2;

    private Optimizer(String name, double learningRate, double momentum, double l2) {
        this.name = name;
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.l2 = l2;
    }

    /**
     * Plain mini-batch SGD (no momentum, no L2).
     *
     * @param learningRate η, positive and finite
     * @return the optimizer
     * @throws InvalidConfigurationException when η is not a positive finite number
     */
    public static Optimizer sgd(double learningRate) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate))
            throw new InvalidConfigurationException(
                    "Optimizer.sgd(learningRate)", "must be a positive number, got " + learningRate);
        return new Optimizer("sgd", learningRate, 0, 0);
    }

    /**
     * With momentum.
     *
     * @param momentum μ in [0, 1); 0 for plain SGD
     * @return the new optimizer
     * @throws InvalidConfigurationException when μ is outside [0, 1)
     */
    public Optimizer momentum(double momentum) {
        if (!(momentum >= 0 && momentum < 1))
            throw new InvalidConfigurationException("Optimizer.momentum", "must be in [0, 1), got " + momentum);
        return new Optimizer(name, learningRate, momentum, l2);
    }

    /**
     * With L2 weight decay in the textbook's form (weights only, not biases): W ← (1 − ηλ/n)·W − …
     *
     * @param lambda λ, zero or positive
     * @return the new optimizer
     * @throws InvalidConfigurationException when λ is negative or not finite
     */
    public Optimizer l2(double lambda) {
        if (!(lambda >= 0) || !Double.isFinite(lambda))
            throw new InvalidConfigurationException("Optimizer.l2", "must be zero or positive, got " + lambda);
        return new Optimizer(name, learningRate, momentum, lambda);
    }

    /**
     * The optimizer's name.
     *
     * @return "sgd"
     */
    public String name() {
        return name;
    }

    /**
     * The learning rate.
     *
     * @return η
     */
    public double learningRate() {
        return learningRate;
    }

    /**
     * The momentum.
     *
     * @return μ, 0 for none
     */
    public double momentum() {
        return momentum;
    }

    /**
     * The L2 weight decay.
     *
     * @return λ, 0 for none
     */
    public double l2() {
        return l2;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(η=%s, μ=%s, λ=%s)", name, learningRate, momentum, l2);
    }
}
