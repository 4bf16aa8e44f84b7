package dev.jbackprop.cli;

import dev.jbackprop.engine.Step;
import picocli.CommandLine.Option;

/** The training hyper-parameters (train, gradients, throughput, verify); each command has its defaults. */
final class TrainingOptions {
    @Option(
            names = "--eta",
            paramLabel = "η",
            description = "Learning rate η; the update is W ← W − (η/m) Σ ∂C/∂W (default: ${DEFAULT-VALUE}).")
    double eta;

    @Option(
            names = "--momentum",
            paramLabel = "μ",
            description = "Momentum μ in [0, 1); 0: plain SGD (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(
            names = "--lambda",
            paramLabel = "λ",
            description = "L2 weight decay λ, in the textbook's form W ← (1 − ηλ/n) W − …, n the training-set size "
                    + "(default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(
            names = "--batch",
            paramLabel = "m",
            description = "Mini-batch size m; the last partial batch uses its own size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = "Seed for the init and the shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Checks the numbers: a usage error naming the option when one is out of range. */
    void check() {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        hyper(1);
    }

    /** The update's hyper-parameters for a training set of n samples. */
    Step.Hyper hyper(int n) {
        return new Step.Hyper(eta, lambda, momentum, n);
    }
}
