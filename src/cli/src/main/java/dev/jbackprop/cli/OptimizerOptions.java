package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.model.Optimizer;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * train's update rule and learning-rate schedule: PyTorch's SGD (the default, with --momentum and the textbook's
 * --lambda), SGD with Nesterov momentum, Adam and AdamW, and the schedules of {@link
 * dev.jbackprop.model.LearningRateSchedule}. An option that the chosen optimiser does not use is a usage error
 * rather than silently ignored.
 */
final class OptimizerOptions {
    @Option(
            names = "--optimizer",
            paramLabel = "NAME",
            description = "The update: sgd (momentum SGD with the textbook's --lambda, PyTorch's SGD), nesterov "
                    + "(SGD with Nesterov momentum), adam or adamw, with PyTorch's formulas "
                    + "(default: ${DEFAULT-VALUE}).",
            defaultValue = "sgd")
    String optimizer;

    @Option(
            names = "--beta1",
            paramLabel = "β₁",
            description = "adam, adamw: decay of the first moment (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.9")
    double beta1;

    @Option(
            names = "--beta2",
            paramLabel = "β₂",
            description = "adam, adamw: decay of the second moment (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.999")
    double beta2;

    @Option(
            names = "--epsilon",
            paramLabel = "ε",
            description = "adam, adamw: ε of the denominator (default: ${DEFAULT-VALUE}).",
            defaultValue = "1e-8")
    double epsilon;

    @Option(
            names = "--weight-decay",
            paramLabel = "WD",
            description = "nesterov, adam: L2 added to the gradient (wd·p); adamw: decoupled decay p ← (1 − η·wd)p; "
                    + "on every parameter, as PyTorch's weight_decay; sgd takes --lambda instead "
                    + "(default: 0; 0.01 for adamw, as PyTorch).")
    Double weightDecay;

    @Option(
            names = "--lr-schedule",
            paramLabel = "S",
            description = "How η moves per step: constant, step:EVERY:GAMMA (η·GAMMA every EVERY steps, or EVERY "
                    + "epochs with Ne, e.g. step:3e:0.1), cosine (to 0 over the run) or onecycle (η/25 up to η over "
                    + "the first 30%% of the steps, then down to η/25/10⁴); the textbook's runs want constant "
                    + "(default: ${DEFAULT-VALUE}).",
            defaultValue = "constant")
    String schedule;

    @Option(
            names = "--warmup",
            paramLabel = "STEPS",
            description = "Raise η linearly from η/STEPS to η over the first STEPS steps, the schedule running "
                    + "after them; 0: none (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    long warmup;

    /**
     * Applies the options given to b (all of them, with defaults, for a new run from options alone). A new
     * optimiser's weight decay, when not given, is PyTorch's default for it; adam and adamw record momentum 0.
     */
    void apply(RunConfig.Builder b, ParseResult given, boolean all) {
        boolean kindGiven = all || given.hasMatchedOption("--optimizer");
        if (kindGiven) b.optimizer = optimizer.trim().toLowerCase(java.util.Locale.ROOT);
        if (all || given.hasMatchedOption("--beta1")) b.beta1 = beta1;
        if (all || given.hasMatchedOption("--beta2")) b.beta2 = beta2;
        if (all || given.hasMatchedOption("--epsilon")) b.epsilon = epsilon;
        Optimizer.Kind k = Optimizer.Kind.parse(b.optimizer);
        if (weightDecay != null) b.weightDecay = weightDecay;
        else if (kindGiven) b.weightDecay = k == Optimizer.Kind.ADAMW ? Optimizer.ADAMW_WEIGHT_DECAY : 0;
        if (k.adaptive() && !given.hasMatchedOption("--momentum")) b.momentum = 0;
        if (all || given.hasMatchedOption("--lr-schedule")) b.lrSchedule = schedule.trim();
        if (all || given.hasMatchedOption("--warmup")) b.warmup = warmup;
    }

    /** Refuses an option given that the optimiser does not use (usage errors naming the option). */
    static void checkApplies(Optimizer.Kind k, ParseResult given) {
        String[] adamOnly = {"--beta1", "--beta2", "--epsilon"};
        for (String o : adamOnly) {
            if (!k.adaptive() && given.hasMatchedOption(o))
                throw new IllegalArgumentException(o + " applies to adam and adamw, not to " + k
                        + "; add --optimizer adam or leave " + o + " out");
        }
        if (k.adaptive() && given.hasMatchedOption("--momentum"))
            throw new IllegalArgumentException("--momentum does not apply to " + k
                    + ", whose momentum is its first moment (--beta1); leave --momentum out");
    }
}
