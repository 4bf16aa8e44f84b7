package dev.jbackprop.model;

/**
 * A setting of the library that an error message may name. Messages say {@link #apiName()} (the name of the
 * parameter or record component in the API); a front end renders its own name for it instead (the command line
 * renders its flag), through {@link Wording#render}.
 */
public enum Setting {
    /** The layer sizes n_1 … n_L of a network ({@link NetworkSpec#sizes()}). */
    LAYER_SIZES("sizes"),
    /** The hidden layers' activations ({@link NetworkSpec#of(int[], java.util.List, Activation, Cost)}). */
    HIDDEN_ACTIVATIONS("hidden activations"),
    /** The cost function, with the output activation it needs. */
    COST("cost"),
    /** The learning rate η. */
    ETA("eta"),
    /** The L2 weight decay λ. */
    LAMBDA("lambda"),
    /** The momentum μ. */
    MOMENTUM("momentum"),
    /** The update rule ({@link Optimizer.Kind}). */
    OPTIMIZER("optimizer"),
    /** Adam's β₁. */
    BETA1("beta1"),
    /** Adam's β₂. */
    BETA2("beta2"),
    /** Adam's ε. */
    EPSILON("epsilon"),
    /** PyTorch's weight_decay (nesterov, adam, adamw). */
    WEIGHT_DECAY("weightDecay"),
    /** The learning-rate schedule ({@link LearningRateSchedule}). */
    LR_SCHEDULE("schedule"),
    /** The warm-up steps of the learning-rate schedule. */
    WARMUP("warmup"),
    /** Early stopping's patience, in epochs. */
    PATIENCE("patience"),
    /** What early stopping and the best model watch on the validation set. */
    MONITOR("monitor"),
    /** The mini-batch size. */
    BATCH("batch"),
    /** The number of epochs. */
    EPOCHS("epochs"),
    /** The limit on training steps in all. */
    MAX_STEPS("maxSteps"),
    /** How many of the training samples are trained on. */
    TRAIN_SIZE("trainSize"),
    /** How many of the remaining training samples validate. */
    VALIDATION_SIZE("validationSize"),
    /** The directory that holds a data set's files. */
    DATA_DIR("dataDir"),
    /** The CPU backend's threads. */
    THREADS("threads"),
    /** How far the cost may rise above its first-epoch value before training counts as diverged (0: never). */
    DIVERGENCE_FACTOR("divergenceFactor");

    private final String apiName;

    Setting(String apiName) {
        this.apiName = apiName;
    }

    /** The name the API gives the setting. */
    public String apiName() {
        return apiName;
    }
}
