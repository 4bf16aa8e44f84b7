package dev.jbackprop.api;

/**
 * Training produced a cost or a parameter that is NaN or infinite. The message says where and what to try (usually
 * a smaller learning rate); the model keeps the parameters it had after the last epoch that ended finite (or
 * before training, when none did).
 */
public class TrainingDivergedException extends JbackpropException {
    private static final long serialVersionUID = 1L;

    /** The epoch, 1-based. */
    private final int epoch;
    /** The steps done in all. */
    private final long step;
    /** The layer, 1-based, or 0. */
    private final int layer;

    /**
     * Divergence.
     *
     * @param message where, what and what to try
     * @param epoch the epoch (1-based) in which it happened
     * @param step the steps done in all when it was noticed
     * @param layer the layer (1-based) whose parameters went non-finite, or 0 when they stayed finite
     * @param cause the lower-level error, or null
     */
    public TrainingDivergedException(String message, int epoch, long step, int layer, Throwable cause) {
        super(message, cause);
        this.epoch = epoch;
        this.step = step;
        this.layer = layer;
    }

    /**
     * The epoch in which training diverged.
     *
     * @return the epoch, 1-based
     */
    public int epoch() {
        return epoch;
    }

    /**
     * When it was noticed.
     *
     * @return the steps done in all
     */
    public long step() {
        return step;
    }

    /**
     * Which layer's parameters went non-finite.
     *
     * @return the layer, 1-based, or 0 when the parameters stayed finite (only the cost did not)
     */
    public int layer() {
        return layer;
    }
}
