package dev.jbackprop.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How {@link Model#fit} trains: epochs, mini-batch size, optimizer, seed, validation data and listeners. Immutable:
 * each method returns new options.
 *
 * <p>Defaults: 8 epochs, batch 64, {@code Optimizer.sgd(0.05).momentum(0.9)}, seed 1, no step limit, no validation,
 * full-size steps replayed as one CUDA graph on the GPU.
 *
 * <p>The order of the samples in each epoch is drawn from the seed: the same seed, data, network and options train
 * the same model bit for bit on the CPU (with the same number of threads).
 */
public final class TrainingOptions {
    private final int epochs;
    private final int batchSize;
    private final long maxSteps;
    private final long seed;
    private final Optimizer optimizer;
    private final Data validation;
    private final double validationFraction;
    private final boolean graphs;
    private final List<TrainingListener> listeners;

    private TrainingOptions(
            int epochs,
            int batchSize,
            long maxSteps,
            long seed,
            Optimizer optimizer,
            Data validation,
            double validationFraction,
            boolean graphs,
            List<TrainingListener> listeners) {
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.maxSteps = maxSteps;
        this.seed = seed;
        this.optimizer = optimizer;
        this.validation = validation;
        this.validationFraction = validationFraction;
        this.graphs = graphs;
        this.listeners = List.copyOf(listeners);
    }

    /**
     * The defaults (see the class description).
     *
     * @return the default options
     */
    public static TrainingOptions defaults() {
        return new TrainingOptions(8, 64, 0, 1, Optimizer.sgd(0.05).momentum(0.9), null, 0, true, List.of());
    }

    /**
     * Epochs: passes over the training data.
     *
     * @param epochs at least 1
     * @return the new options
     * @throws InvalidConfigurationException when epochs is below 1
     */
    public TrainingOptions epochs(int epochs) {
        if (epochs < 1)
            throw new InvalidConfigurationException("TrainingOptions.epochs", "must be at least 1, got " + epochs);
        return new TrainingOptions(
                epochs, batchSize, maxSteps, seed, optimizer, validation, validationFraction, graphs, listeners);
    }

    /**
     * The mini-batch size m; an epoch's last batch may be smaller.
     *
     * @param batchSize at least 1
     * @return the new options
     * @throws InvalidConfigurationException when the size is below 1
     */
    public TrainingOptions batchSize(int batchSize) {
        if (batchSize < 1)
            throw new InvalidConfigurationException(
                    "TrainingOptions.batchSize", "must be at least 1, got " + batchSize);
        return new TrainingOptions(
                epochs, batchSize, maxSteps, seed, optimizer, validation, validationFraction, graphs, listeners);
    }

    /**
     * Stop after this many steps in all, even within an epoch.
     *
     * @param maxSteps the limit, or 0 for none
     * @return the new options
     * @throws InvalidConfigurationException when negative
     */
    public TrainingOptions maxSteps(long maxSteps) {
        if (maxSteps < 0)
            throw new InvalidConfigurationException(
                    "TrainingOptions.maxSteps", "must be zero (no limit) or positive, got " + maxSteps);
        return new TrainingOptions(
                epochs, batchSize, maxSteps, seed, optimizer, validation, validationFraction, graphs, listeners);
    }

    /**
     * The seed of the sample order (and of a {@link #validationFraction} split).
     *
     * @param seed any value
     * @return the new options
     */
    public TrainingOptions seed(long seed) {
        return new TrainingOptions(
                epochs, batchSize, maxSteps, seed, optimizer, validation, validationFraction, graphs, listeners);
    }

    /**
     * The optimizer.
     *
     * @param optimizer e.g. {@code Optimizer.sgd(0.1).momentum(0.9)}
     * @return the new options
     */
    public TrainingOptions optimizer(Optimizer optimizer) {
        return new TrainingOptions(
                epochs,
                batchSize,
                maxSteps,
                seed,
                Objects.requireNonNull(optimizer, "optimizer"),
                validation,
                validationFraction,
                graphs,
                listeners);
    }

    /**
     * Data to validate on after each epoch (its loss and accuracy go to {@link EpochEvent}); replaces a
     * {@link #validationFraction}.
     *
     * @param validation labelled data shaped like the training data, or null for none
     * @return the new options
     */
    public TrainingOptions validation(Data validation) {
        return new TrainingOptions(epochs, batchSize, maxSteps, seed, optimizer, validation, 0, graphs, listeners);
    }

    /**
     * Hold out a fraction of the training data, drawn at random from the seed, to validate on after each epoch;
     * replaces {@link #validation(Data)}.
     *
     * @param fraction in [0, 1); 0 for none
     * @return the new options
     * @throws InvalidConfigurationException when outside [0, 1)
     */
    public TrainingOptions validationFraction(double fraction) {
        if (!(fraction >= 0 && fraction < 1))
            throw new InvalidConfigurationException(
                    "TrainingOptions.validationFraction", "must be at least 0 and below 1, got " + fraction);
        return new TrainingOptions(epochs, batchSize, maxSteps, seed, optimizer, null, fraction, graphs, listeners);
    }

    /**
     * GPU: replay each full-size step as one captured CUDA graph (the default), or run every step eagerly.
     *
     * @param graphs on or off
     * @return the new options
     */
    public TrainingOptions graphs(boolean graphs) {
        return new TrainingOptions(
                epochs, batchSize, maxSteps, seed, optimizer, validation, validationFraction, graphs, listeners);
    }

    /**
     * Adds a listener; listeners are told in the order they were added, and any of them can stop training.
     *
     * @param listener the listener
     * @return the new options
     */
    public TrainingOptions listener(TrainingListener listener) {
        List<TrainingListener> l = new ArrayList<>(listeners);
        l.add(Objects.requireNonNull(listener, "listener"));
        return new TrainingOptions(
                epochs, batchSize, maxSteps, seed, optimizer, validation, validationFraction, graphs, l);
    }

    /**
     * The epochs.
     *
     * @return at least 1
     */
    public int epochs() {
        return epochs;
    }

    /**
     * The mini-batch size.
     *
     * @return at least 1
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * The step limit.
     *
     * @return the limit, or 0 for none
     */
    public long maxSteps() {
        return maxSteps;
    }

    /**
     * The seed.
     *
     * @return the seed of the sample order
     */
    public long seed() {
        return seed;
    }

    /**
     * The optimizer.
     *
     * @return the optimizer
     */
    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * The validation data.
     *
     * @return the data given to {@link #validation(Data)}, or null
     */
    public Data validation() {
        return validation;
    }

    /**
     * The held-out fraction.
     *
     * @return the fraction given to {@link #validationFraction}, or 0
     */
    public double validationFraction() {
        return validationFraction;
    }

    /**
     * Whether steps are replayed as CUDA graphs on the GPU.
     *
     * @return true by default
     */
    public boolean graphs() {
        return graphs;
    }

    /**
     * The listeners.
     *
     * @return them, in order (unmodifiable)
     */
    public List<TrainingListener> listeners() {
        return listeners;
    }
}
