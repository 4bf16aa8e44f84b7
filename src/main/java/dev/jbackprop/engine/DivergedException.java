package dev.jbackprop.engine;

/** Training produced a non-finite cost: thrown with where it happened and what to try. */
public final class DivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  public final int epoch;
  public final long step;

  public DivergedException(int epoch, long step, String detail) {
    super(detail);
    this.epoch = epoch;
    this.step = step;
  }
}
