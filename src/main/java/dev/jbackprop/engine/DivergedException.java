package dev.jbackprop.engine;

/** Training produced a non-finite cost or parameter: thrown with where it happened and what to try. */
public final class DivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public final int epoch;
    public final long step;
    /** The layer (1-based) whose parameters went non-finite, or 0 when they are all finite. */
    public final int layer;

    public DivergedException(int epoch, long step, String detail) {
        this(epoch, step, 0, detail);
    }

    public DivergedException(int epoch, long step, int layer, String detail) {
        super(detail);
        this.epoch = epoch;
        this.step = step;
        this.layer = layer;
    }
}
