package dev.jbackprop.api;

import dev.jbackprop.model.Cost;

/** The cost a network minimises, per sample; a batch's cost is the sum over its samples. */
public enum Loss {
    /** ½‖a − y‖², for regression; any output activation but softmax (default output: sigmoid). */
    QUADRATIC(Cost.QUADRATIC),
    /** −Σ y ln a, for classification, with a softmax output (the default output). */
    CROSS_ENTROPY(Cost.CROSS_ENTROPY),
    /** −Σ [y ln a + (1 − y) ln(1 − a)], for independent 0/1 targets, with a sigmoid output (the default output). */
    BINARY_CROSS_ENTROPY(Cost.BINARY_CROSS_ENTROPY);

    final Cost cost;

    Loss(Cost cost) {
        this.cost = cost;
    }

    /**
     * The output activation this loss uses when the builder names none.
     *
     * @return softmax for cross-entropy, sigmoid otherwise
     */
    public Activation defaultOutput() {
        return Activation.of(cost.defaultOutput());
    }

    static Loss of(Cost c) {
        for (Loss l : values()) if (l.cost == c) return l;
        throw new IllegalArgumentException("no loss for cost " + c);
    }

    @Override
    public String toString() {
        return cost.cliName;
    }
}
