package dev.jbackprop.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Epochs of shuffled mini-batch SGD over a resident dataset. Per step: gather the batch on the
 * backend, then {@link Step#train}. Metrics stay on the backend and are read at the end of each
 * epoch (and after every step on host backends, where that is free, to catch divergence at once).
 */
public final class Trainer implements AutoCloseable {

  /** batch: mini-batch size; epochs; maxSteps: stop after this many steps in all (0: no limit). */
  public record Config(int batch, int epochs, long maxSteps, long seed, Step.Hyper hyper) {
    public Config {
      if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
      if (epochs <= 0) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
      if (maxSteps < 0) throw new IllegalArgumentException("--steps must be zero (no limit) or positive, got " + maxSteps);
    }
  }

  /**
   * One epoch's figures. loss: mean cost per sample over the epoch's steps; trainAccuracy: the
   * fraction of the epoch's training samples classified right as they were trained on; test
   * figures over the whole test set after the epoch (NaN without one).
   */
  public record EpochResult(int epoch, long steps, double loss, double trainAccuracy, double testLoss, double testAccuracy,
      double samplesPerSecond, double seconds) {}

  public interface Listener {
    default void epochStart(int epoch, int steps) {}

    default void step(int epoch, int stepInEpoch) {}

    /** Return false to stop training after this epoch. */
    default boolean epochEnd(EpochResult r) {
      return true;
    }
  }

  public record Evaluation(double loss, double accuracy, long count) {}

  private final Ops ops;
  private final Network net;
  private final DeviceData train;
  private final DeviceData test;
  private final Config cfg;
  private final Shuffler shuffler;
  private final int[] perm;
  private final int[] sequential; // 0 … n−1: the order of evaluation passes
  private final Metrics metrics;
  private final Metrics evalMetrics;
  private long steps;
  private int epoch;

  public Trainer(Network net, DeviceData train, DeviceData test, Config cfg) {
    this.net = net;
    this.ops = net.ops;
    this.train = train;
    this.test = test;
    this.cfg = cfg;
    if (train.features != net.spec.inputSize()) {
      throw new IllegalArgumentException("the network's input size is " + net.spec.inputSize() + " but the data has " + train.features
          + " features per sample; use --layers " + train.features + ",…");
    }
    if (train.classes != net.spec.outputSize()) {
      throw new IllegalArgumentException("the network's output size is " + net.spec.outputSize() + " but the data has " + train.classes
          + " classes; use --layers …," + train.classes);
    }
    if (cfg.batch() > net.capacity) throw new IllegalArgumentException("batch " + cfg.batch() + " exceeds the network's capacity " + net.capacity);
    this.shuffler = new Shuffler(cfg.seed());
    this.perm = new int[train.count];
    int seqLen = Math.max(train.count, test == null ? 0 : test.count);
    this.sequential = new int[seqLen];
    for (int i = 0; i < seqLen; i++) sequential[i] = i;
    this.metrics = ops.allocateMetrics();
    this.evalMetrics = ops.allocateMetrics();
  }

  public long steps() {
    return steps;
  }

  public int epoch() {
    return epoch;
  }

  public Shuffler shuffler() {
    return shuffler;
  }

  /** Runs the configured epochs (or until maxSteps); returns one result per epoch. */
  public List<EpochResult> run(Listener listener) {
    List<EpochResult> results = new ArrayList<>();
    int n = train.count;
    int batch = cfg.batch();
    boolean checkEachStep = ops.hostMemory();
    while (epoch < cfg.epochs() && (cfg.maxSteps() == 0 || steps < cfg.maxSteps())) {
      epoch++;
      shuffler.shuffle(perm);
      train.beginEpoch(perm);
      metrics.reset();
      int stepsThisEpoch = (n + batch - 1) / batch;
      listener.epochStart(epoch, stepsThisEpoch);
      long t0 = System.nanoTime();
      long samples = 0;
      for (int s = 0, off = 0; off < n; s++, off += batch) {
        if (cfg.maxSteps() != 0 && steps >= cfg.maxSteps()) break;
        int m = Math.min(batch, n - off);
        train.load(off, m, net.x, net.y);
        Step.train(net, m, metrics, cfg.hyper());
        steps++;
        samples += m;
        if (checkEachStep && !finiteCost(metrics)) {
          throw diverged(epoch, steps);
        }
        listener.step(epoch, s + 1);
      }
      double[] mt = metrics.read();
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (!Double.isFinite(mt[0])) throw diverged(epoch, steps);
      Evaluation ev = test == null ? null : evaluate(test);
      EpochResult r = new EpochResult(epoch, steps, mt[0] / Math.max(1, mt[2]), mt[1] / Math.max(1, mt[2]),
          ev == null ? Double.NaN : ev.loss(), ev == null ? Double.NaN : ev.accuracy(), samples / seconds, seconds);
      results.add(r);
      if (!listener.epochEnd(r)) break;
    }
    return results;
  }

  private final double[] stepMetrics = new double[3];

  private boolean finiteCost(Metrics m) {
    m.read(stepMetrics);
    return Double.isFinite(stepMetrics[0]);
  }

  private DivergedException diverged(int epoch, long step) {
    return new DivergedException(epoch, step, String.format(
        "the cost became NaN or infinite in epoch %d (by step %d); the learning rate is probably too high: try a smaller --eta (now %s)%s",
        epoch, step, cfg.hyper().eta(), cfg.hyper().momentum() > 0 ? " or less --momentum" : ""));
  }

  /** Mean cost and accuracy over a whole dataset (forward passes only, in batches of the network's capacity). */
  public Evaluation evaluate(DeviceData data) {
    if (data.count > sequential.length) throw new IllegalArgumentException("evaluation set larger than the training and test sets");
    evalMetrics.reset();
    data.beginEpoch(data.count == sequential.length ? sequential : java.util.Arrays.copyOf(sequential, data.count));
    for (int off = 0; off < data.count; off += net.capacity) {
      int m = Math.min(net.capacity, data.count - off);
      data.load(off, m, net.x, net.y);
      Step.forward(net, m);
      Step.loss(net, m, evalMetrics, false);
    }
    double[] mt = evalMetrics.read();
    return new Evaluation(mt[0] / Math.max(1, mt[2]), mt[1] / Math.max(1, mt[2]), (long) mt[2]);
  }

  @Override
  public void close() {
    metrics.close();
    evalMetrics.close();
  }
}
