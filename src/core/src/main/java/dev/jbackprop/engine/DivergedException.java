package dev.jbackprop.engine;

import dev.jbackprop.model.NamesSettings;
import dev.jbackprop.model.Wording;

/**
 * Training produced a non-finite cost or parameter: thrown with where it happened and what to try. The advice
 * names settings (the learning rate, the momentum), so the message is a {@link Wording}.
 */
public final class DivergedException extends RuntimeException implements NamesSettings {
    private static final long serialVersionUID = 1L;
    /** The epoch (1-based) in which training diverged. */
    public final int epoch;
    /** The steps done in all when it was noticed. */
    public final long step;
    /** The layer (1-based) whose parameters went non-finite, or 0 when they are all finite. */
    public final int layer;

    private final transient Wording wording;

    /**
     * Divergence with all parameters finite.
     *
     * @param epoch the epoch, 1-based
     * @param step the steps done in all
     * @param detail where and what, and what to try
     */
    public DivergedException(int epoch, long step, String detail) {
        this(epoch, step, 0, Wording.of(detail));
    }

    /**
     * Divergence, naming the first layer whose parameters went non-finite.
     *
     * @param epoch the epoch, 1-based
     * @param step the steps done in all
     * @param layer the layer (1-based), or 0 when the parameters are all finite
     * @param detail where and what, and what to try
     */
    public DivergedException(int epoch, long step, int layer, Wording detail) {
        super(detail.toString());
        this.epoch = epoch;
        this.step = step;
        this.layer = layer;
        this.wording = detail;
    }

    @Override
    public Wording wording() {
        return wording;
    }
}
