package dev.jbackprop.engine;

/**
 * Running totals of the cost and of correct predictions, kept where the backend computes them
 * (on the device for the GPU). Reading them is the only point at which a training loop
 * synchronises with the host.
 */
public interface Metrics extends AutoCloseable {
  void reset();

  /** Synchronises and returns {sum of per-sample costs, number correct, number of samples}. */
  double[] read();

  @Override
  void close();
}
