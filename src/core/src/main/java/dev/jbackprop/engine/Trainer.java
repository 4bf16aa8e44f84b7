package dev.jbackprop.engine;

import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.Setting;
import dev.jbackprop.model.TrainingSnapshot;
import dev.jbackprop.model.TrainingState;
import dev.jbackprop.model.Wording;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Epochs of shuffled mini-batch SGD over a resident dataset. Per step: gather the batch on the
 * backend, then {@link Step#train}. With {@code graphs} on and a capturable data source, each
 * full-size step is {@link DeviceData#prepare} (outside) plus one run of an {@link Ops#capture}d
 * body (gather from the prepared indices, then the step): a CUDA graph launch on the GPU, the same
 * calls as an eager step on the CPU. A partial last batch always runs eagerly. Metrics stay on the backend and are read at the end of each
 * epoch (and after every step on host backends, where that is free, to catch divergence at once).
 *
 * <p>Before each step the host computes the step's learning rate ({@link #rate}: η and the schedule) and the
 * optimiser's numbers, written with {@link Step#prepareUpdate} outside the replayed body, so a replayed step
 * uses the rate of the step it runs as.
 *
 * <p>{@link #snapshot()} captures everything needed to continue exactly (parameters, optimiser state,
 * shuffler state at the start of the epoch in progress, position in it, the epoch's partial
 * metric sums, the divergence reference); {@link #restore} puts it back. Parameters are checked for NaN/infinity
 * ({@link #checkParameters}) at the end of each epoch and at each snapshot.
 *
 * <p>With a {@link GradientExchange} ({@link #exchangeGradients}) the trainer is one worker of synchronous
 * data-parallel training: each step trains on its slice of the batch, and the exchange sums the gradients and the
 * step's metrics over the workers before the update (all workers then see the same figures, so the divergence
 * guard decides the same everywhere).
 *
 * <p>The divergence guard: the cost or a parameter NaN or infinite, or the epoch's mean cost per sample above
 * {@link Config#divergenceFactor} × its reference, stops training with a {@link DivergedException}. The reference is
 * the first step's cost, or the first epoch's mean once that is lower (at least {@link #REFERENCE_FLOOR}); on the
 * host the mean so far is compared after every step once the epoch holds {@link #GUARD_MIN_SAMPLES} samples, on a
 * device at the end of each epoch. {@link #requestStop} stops a run at the end of the step under way.
 */
public final class Trainer implements AutoCloseable {

    /**
     * batch: mini-batch size; epochs; maxSteps: stop after this many steps in all (0: no limit);
     * graphs: replay full-size steps through {@link Ops#capture} (CUDA graphs on the GPU); divergenceFactor: stop
     * when the epoch's mean cost per sample rises above this many times its reference, the first step's cost or the
     * first epoch's mean if lower (0: only NaN and infinity stop training; see the class comment).
     */
    public record Config(
            int batch,
            int epochs,
            long maxSteps,
            long seed,
            Step.Hyper hyper,
            boolean graphs,
            double divergenceFactor) {
        public Config {
            if (batch <= 0) throw new InvalidConfigException(Setting.BATCH, "must be at least 1, got " + batch);
            if (epochs <= 0) throw new InvalidConfigException(Setting.EPOCHS, "must be at least 1, got " + epochs);
            if (maxSteps < 0)
                throw new InvalidConfigException(
                        Setting.MAX_STEPS, "must be zero (no limit) or positive, got " + maxSteps);
            if (!(divergenceFactor == 0 || (divergenceFactor > 1 && divergenceFactor < Double.POSITIVE_INFINITY)))
                throw new InvalidConfigException(
                        Setting.DIVERGENCE_FACTOR,
                        "must be 0 (off) or a finite number above 1, got " + divergenceFactor);
        }

        /** With the default divergence factor. */
        public Config(int batch, int epochs, long maxSteps, long seed, Step.Hyper hyper, boolean graphs) {
            this(batch, epochs, maxSteps, seed, hyper, graphs, DEFAULT_DIVERGENCE_FACTOR);
        }

        /** With graphs on and the default divergence factor. */
        public Config(int batch, int epochs, long maxSteps, long seed, Step.Hyper hyper) {
            this(batch, epochs, maxSteps, seed, hyper, true);
        }
    }

    /**
     * The default {@link Config#divergenceFactor}: a mean cost per sample 1000 times its reference. Healthy runs stay
     * far below it: their cost falls from the first step on (README, Reliability, has the margins measured).
     */
    public static final double DEFAULT_DIVERGENCE_FACTOR = 1000;

    /**
     * The smallest reference cost the divergence factor multiplies: a run whose cost starts near 0 (weights that
     * already fit) is not stopped for a rise to a small cost.
     */
    public static final double REFERENCE_FLOOR = 1e-3;

    /**
     * Samples an epoch's mean cost must hold before the host compares it (every step) with the divergence bound;
     * a smaller epoch is compared at its end. A mean over this many samples is no longer the cost of a few odd
     * ones (with a batch of 1, one misclassified sample costs up to ~30 against a mean of ~0.3).
     */
    public static final int GUARD_MIN_SAMPLES = 256;

    /**
     * One epoch's figures. loss: mean cost per sample over the epoch's steps; trainAccuracy: the
     * fraction of the epoch's training samples classified right as they were trained on; test
     * figures over the whole test set after the epoch (NaN without one); learningRate: η_t of the
     * epoch's last step.
     */
    public record EpochResult(
            int epoch,
            long steps,
            double loss,
            double trainAccuracy,
            double testLoss,
            double testAccuracy,
            double samplesPerSecond,
            double seconds,
            double learningRate) {
        /** Without the learning rate (NaN). */
        public EpochResult(
                int epoch,
                long steps,
                double loss,
                double trainAccuracy,
                double testLoss,
                double testAccuracy,
                double samplesPerSecond,
                double seconds) {
            this(epoch, steps, loss, trainAccuracy, testLoss, testAccuracy, samplesPerSecond, seconds, Double.NaN);
        }
    }

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
    private int[] sequential; // 0 … n−1: the order of evaluation passes
    private final Metrics metrics;
    private final Metrics evalMetrics;
    private final long[] segOffsets;
    private final long[] segLengths;
    private final double[] segSums;
    private final int stepsPerEpoch;
    private long steps;
    private int epochsDone;
    private int stepInEpoch;
    private long epochStart; // shuffler state at the start of epoch epochsDone + 1, once it has begun
    // The epoch's metric sums: all of them on host backends (folded in after every step); on device
    // backends only those carried in by restore(), the rest being in `metrics`.
    private final double[] sums = new double[3];
    private final StepReplay replay; // the full-size step, or null: every step eager
    private final long totalSteps; // T, which cosine and onecycle schedules span
    private double lastRate = Double.NaN;
    private GradientExchange exchange; // data-parallel training: this worker's part of each step, or null
    // The divergence guard's reference cost per sample: the first step's, or epoch 1's mean once lower.
    private double lossReference = Double.NaN;
    private volatile boolean stopRequested;
    private boolean stopped;

    public Trainer(Network net, DeviceData train, DeviceData test, Config cfg) {
        this.net = net;
        this.ops = net.ops;
        this.train = train;
        this.test = test;
        this.cfg = cfg;
        if (train.features != net.spec.inputSize()) {
            throw new InvalidConfigException(
                    Setting.LAYER_SIZES,
                    Wording.of(
                            "the network's input size is " + net.spec.inputSize() + " but the data has "
                                    + train.features + " features per sample; use ",
                            Setting.LAYER_SIZES,
                            " " + train.features + ",…"));
        }
        if (train.classes != net.spec.outputSize()) {
            throw new InvalidConfigException(
                    Setting.LAYER_SIZES,
                    Wording.of(
                            "the network's output size is " + net.spec.outputSize() + " but the data has "
                                    + train.classes + " classes; use ",
                            Setting.LAYER_SIZES,
                            " …," + train.classes));
        }
        if (cfg.batch() > net.capacity)
            throw new IllegalArgumentException(
                    "batch " + cfg.batch() + " exceeds the network's capacity " + net.capacity);
        this.shuffler = new Shuffler(cfg.seed());
        this.perm = new int[train.count];
        int seqLen = Math.max(train.count, test == null ? 0 : test.count);
        this.sequential = new int[seqLen];
        for (int i = 0; i < seqLen; i++) sequential[i] = i;
        this.metrics = ops.allocateMetrics();
        this.evalMetrics = ops.allocateMetrics();
        this.stepsPerEpoch = (train.count + cfg.batch() - 1) / cfg.batch();
        long all = (long) stepsPerEpoch * cfg.epochs();
        this.totalSteps = cfg.maxSteps() > 0 ? Math.min(all, cfg.maxSteps()) : all;
        int layers = net.layout.layers();
        segOffsets = new long[2 * layers];
        segLengths = new long[2 * layers];
        segSums = new double[2 * layers];
        for (int l = 0; l < layers; l++) {
            segOffsets[2 * l] = net.layout.weightOffset(l);
            segLengths[2 * l] = net.layout.weightLength(l);
            segOffsets[2 * l + 1] = net.layout.biasOffset(l);
            segLengths[2 * l + 1] = net.layout.nOut(l);
        }
        this.epochStart = shuffler.state();
        int batch = cfg.batch();
        this.replay = cfg.graphs() && train.capturable()
                ? ops.capture(() -> {
                    train.loadPrepared(batch, net.x, net.y);
                    Step.trainPrepared(net, batch, metrics, cfg.hyper());
                })
                : null;
    }

    /**
     * Makes this trainer one worker of synchronous data-parallel training (call before {@link #run}): each step it
     * trains on its slice of the batch only, hands the gradients to {@code exchange} to be summed over the workers,
     * then applies the update of the whole batch; the metrics it reports are the workers' together. Steps then run
     * eagerly (the exchange sits inside the step) and read the metrics every step.
     */
    public void exchangeGradients(GradientExchange exchange) {
        if (exchange.workers() < 1 || exchange.rank() < 0 || exchange.rank() >= exchange.workers())
            throw new IllegalArgumentException(
                    "worker " + exchange.rank() + " of " + exchange.workers() + " is not a worker");
        this.exchange = exchange;
    }

    /** True when full-size steps are replayed through {@link Ops#capture}. */
    public boolean replaying() {
        return replay != null;
    }

    public long steps() {
        return steps;
    }

    /** Complete epochs. */
    public int epoch() {
        return epochsDone;
    }

    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** The current state (call between steps, e.g. from {@link Listener#step}); reads the metrics. */
    public TrainingState state() {
        double[] s = epochSums();
        return new TrainingState(
                epochsDone,
                stepInEpoch,
                steps,
                stepInEpoch == 0 ? shuffler.state() : epochStart,
                s[0],
                (long) s[1],
                (long) s[2],
                lossReference);
    }

    /** The state with the parameters and the optimiser's state, after checking the parameters are finite. */
    public TrainingSnapshot snapshot() {
        TrainingState st = state();
        if (!Double.isFinite(st.lossSum())) throw lossDiverged(epochsDone + 1);
        checkParameters();
        return new TrainingSnapshot(
                st,
                net.parameters(),
                net.velocity == null ? null : net.velocity(),
                net.secondMoment == null ? null : net.secondMoment());
    }

    /**
     * η_t, the learning rate of step t (1 for the first) of this run: η times the schedule's factor over the run's
     * steps (the epochs' steps, or the step limit when that comes first).
     */
    public double rate(long t) {
        Step.Hyper h = cfg.hyper();
        return h.eta() * h.schedule().factor(t, Math.max(t, totalSteps), stepsPerEpoch);
    }

    /** The learning rate of the last step taken (NaN before the first). */
    public double lastRate() {
        return lastRate;
    }

    /** Continues from a snapshot taken with the same data, batch size and network. */
    public void restore(TrainingSnapshot snap) {
        TrainingState st = snap.state();
        if (st.epochsDone() < 0
                || st.stepInEpoch() < 0
                || st.stepInEpoch() > stepsPerEpoch
                || st.steps() != (long) st.epochsDone() * stepsPerEpoch + st.stepInEpoch()) {
            throw new IllegalArgumentException("the saved state (epoch " + st.epochsDone() + ", step " + st.steps()
                    + ", step " + st.stepInEpoch() + " of the epoch) does not fit " + stepsPerEpoch
                    + " steps per epoch; the data or batch size differ from the saved run's");
        }
        net.setParameters(snap.params());
        if (net.velocity != null) {
            if (snap.velocity() != null) net.setVelocity(snap.velocity());
        } else if (snap.velocity() != null) {
            throw new IllegalArgumentException("the saved state has a momentum buffer but this network has none");
        }
        if (net.secondMoment != null) {
            if (snap.secondMoment() != null) net.setSecondMoment(snap.secondMoment());
        } else if (snap.secondMoment() != null) {
            throw new IllegalArgumentException(
                    "the saved state has a second moment (exp_avg_sq) but this network has none");
        }
        net.setUpdates(st.steps());
        lastRate = st.steps() > 0 ? rate(st.steps()) : Double.NaN;
        epochsDone = st.epochsDone();
        stepInEpoch = st.stepInEpoch();
        steps = st.steps();
        shuffler.setState(st.shuffler());
        epochStart = st.shuffler();
        sums[0] = st.lossSum();
        sums[1] = st.correct();
        sums[2] = st.samples();
        lossReference = st.lossReference();
        metrics.reset();
    }

    /**
     * Asks a running {@link #run} to stop at the end of the step under way (from any thread, e.g. a signal
     * handler; made before {@code run}, it stops that run before its first step): it returns after that step,
     * {@link #stopped()} true, the state then a whole step's (so a {@link #snapshot()} resumes exactly). One request
     * stops one run.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** True when the last {@link #run} returned because {@link #requestStop} was called. */
    public boolean stopped() {
        return stopped;
    }

    /** The divergence guard's reference cost per sample (NaN until the first step). */
    public double lossReference() {
        return lossReference;
    }

    private double[] epochSums() {
        if (ops.hostMemory() || exchange != null) return sums.clone();
        double[] mt = metrics.read();
        return new double[] {sums[0] + mt[0], sums[1] + mt[1], sums[2] + mt[2]};
    }

    /**
     * The divergence guard for parameters: Σx² of each layer's weights and biases on the backend (one
     * synchronisation); throws {@link DivergedException} naming the first non-finite one.
     */
    public void checkParameters() {
        ops.sumSquares(net.params, segOffsets, segLengths, segSums);
        int bad = firstNonFinite();
        if (bad >= 0) throw diverged(false, bad);
    }

    private int firstNonFinite() {
        for (int i = 0; i < segSums.length; i++) if (!Double.isFinite(segSums[i])) return i;
        return -1;
    }

    /**
     * Runs the configured epochs (or until maxSteps), continuing from where a {@link #restore}d
     * snapshot stood; returns one result per epoch run (the last may be cut short by maxSteps).
     */
    public List<EpochResult> run(Listener listener) {
        List<EpochResult> results = new ArrayList<>();
        int n = train.count;
        int batch = cfg.batch();
        boolean host = ops.hostMemory();
        boolean perStep = host || exchange != null; // metrics folded in after every step
        stopped = false;
        while (epochsDone < cfg.epochs() && !stepLimitReached()) {
            if (stopRequested) return stop(results);
            int epoch = epochsDone + 1;
            if (stepInEpoch == 0) {
                epochStart = shuffler.state();
                Arrays.fill(sums, 0);
            } else {
                shuffler.setState(epochStart); // redraw the permutation of the epoch in progress
            }
            shuffler.shuffle(perm);
            train.beginEpoch(perm);
            metrics.reset();
            listener.epochStart(epoch, stepsPerEpoch);
            long t0 = System.nanoTime();
            long samples = 0;
            for (int s = stepInEpoch; s < stepsPerEpoch && !stepLimitReached(); s++) {
                int off = s * batch;
                int m = Math.min(batch, n - off);
                long t = steps + 1;
                double rate = rate(t);
                // the update's numbers for this step, outside the replayed body (which reads them when it runs)
                Step.prepareUpdate(net, m, cfg.hyper(), rate, t > 1 ? rate(t - 1) : rate, t);
                lastRate = rate;
                if (exchange != null) {
                    workerStep(off, m, t);
                } else if (replay != null && m == batch) {
                    train.prepare(off, m);
                    replay.run();
                } else {
                    train.load(off, m, net.x, net.y);
                    Step.trainPrepared(net, m, metrics, cfg.hyper());
                }
                steps++;
                stepInEpoch = s + 1;
                samples += m;
                if (perStep) {
                    double[] mt = stepMetrics;
                    if (exchange == null) {
                        metrics.read(mt); // free on the host: fold in and check every step (allocation-free)
                        metrics.reset();
                    }
                    for (int i = 0; i < 3; i++) sums[i] += mt[i];
                    if (!Double.isFinite(mt[0])) throw lossDiverged(epoch);
                    if (Double.isNaN(lossReference)) lossReference = mt[0] / Math.max(1, mt[2]);
                    if (sums[2] >= Math.min(GUARD_MIN_SAMPLES, n))
                        checkRise(sums[0] / sums[2], "the epoch's mean cost per sample so far");
                } else if (Double.isNaN(lossReference)) {
                    double[] first = metrics.read(); // once a run: the first step's cost is the reference
                    lossReference = first[0] / Math.max(1, first[2]);
                }
                listener.step(epoch, s + 1);
                if (stopRequested) return stop(results);
            }
            double[] mt = epochSums();
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (!Double.isFinite(mt[0])) throw lossDiverged(epoch);
            checkParameters();
            double epochLoss = mt[0] / Math.max(1, mt[2]);
            if (!host) checkRise(epochLoss, "the epoch's mean cost per sample"); // the host did, at its last step
            boolean complete = stepInEpoch == stepsPerEpoch;
            if (complete && epoch == 1) lossReference = Math.min(lossReference, epochLoss);
            if (complete) {
                epochsDone = epoch;
                stepInEpoch = 0;
            }
            Evaluation ev = test == null ? null : evaluate(test);
            EpochResult r = new EpochResult(
                    epoch,
                    steps,
                    mt[0] / Math.max(1, mt[2]),
                    mt[1] / Math.max(1, mt[2]),
                    ev == null ? Double.NaN : ev.loss(),
                    ev == null ? Double.NaN : ev.accuracy(),
                    samples / seconds,
                    seconds,
                    lastRate);
            results.add(r);
            if (!listener.epochEnd(r) || !complete) break;
        }
        return results;
    }

    private final double[] stepMetrics = new double[3];

    /**
     * One step of a data-parallel worker on the batch order[off, off + m): forward and backward on its slice, the
     * exchange (gradients and the step's metrics summed over the workers, into {@link #stepMetrics}), the update of
     * the whole batch (prepared for m samples).
     */
    private void workerStep(int off, int m, long t) {
        int n = exchange.workers(), r = exchange.rank();
        int lo = off + (int) ((long) m * r / n), hi = off + (int) ((long) m * (r + 1) / n);
        if (hi > lo) {
            train.load(lo, hi - lo, net.x, net.y);
            Step.forward(net, hi - lo);
            Step.outputError(net, hi - lo, metrics, true);
            Step.backward(net, hi - lo);
        } else {
            ops.fill(net.grads, 0f);
        }
        metrics.read(stepMetrics);
        metrics.reset();
        exchange.exchange(net, t, stepMetrics);
        if (stepMetrics[2] != m)
            throw new IllegalStateException("the workers' step " + t + " counted " + (long) stepMetrics[2]
                    + " samples, not the batch's " + m + ": the workers are not on the same batch");
        Step.applyUpdate(net, cfg.hyper());
    }

    /** A stop request is answered (and consumed: a later run goes on). */
    private List<EpochResult> stop(List<EpochResult> results) {
        stopRequested = false;
        stopped = true;
        return results;
    }

    private boolean stepLimitReached() {
        return cfg.maxSteps() != 0 && steps >= cfg.maxSteps();
    }

    /**
     * The guard beyond NaN: the epoch's mean cost per sample (so far, after every step on the host once it holds
     * {@link #GUARD_MIN_SAMPLES} samples; at the end of the epoch on a device) above {@link Config#divergenceFactor}
     * × the reference is divergence. The reference is the first step's cost (measured before training could have
     * gone wrong), or the first epoch's mean once that is lower; at least {@link #REFERENCE_FLOOR}. A mean, not a
     * batch's cost: one batch of hard samples is diluted by the epoch's others, while a cost that grows step after
     * step soon dominates it.
     */
    private void checkRise(double mean, String which) {
        double factor = cfg.divergenceFactor();
        if (factor > 0 && mean > factor * Math.max(lossReference, REFERENCE_FLOOR)) {
            ops.sumSquares(net.params, segOffsets, segLengths, segSums);
            throw diverged(
                    Wording.of(String.format(
                                    Locale.ROOT,
                                    "%s rose to %.4g, more than %s × its reference %.4g (the first step's cost, or the"
                                            + " first epoch's mean if lower; ",
                                    which,
                                    mean,
                                    factor == Math.rint(factor)
                                            ? Long.toString((long) factor)
                                            : Double.toString(factor),
                                    Math.max(lossReference, REFERENCE_FLOOR)))
                            .then(Setting.DIVERGENCE_FACTOR, " sets the factor, 0 turns this check off)"),
                    firstNonFinite());
        }
    }

    /** The cost went non-finite: also looks at the parameters, to name the layer if they did too. */
    private DivergedException lossDiverged(int epoch) {
        ops.sumSquares(net.params, segOffsets, segLengths, segSums);
        return diverged(true, firstNonFinite());
    }

    private DivergedException diverged(Wording rose, int segment) {
        return diverged(true, segment, rose);
    }

    private DivergedException diverged(boolean cost, int segment) {
        return diverged(cost, segment, null);
    }

    private DivergedException diverged(boolean cost, int segment, Wording rose) {
        int epoch = epochsDone + 1;
        String where = stepInEpoch == 0 && !cost
                ? "after epoch " + epochsDone + " (step " + steps + ")"
                : stepInEpoch == 0
                        ? "at the end of epoch " + epochsDone + " (step " + steps + ")"
                        : "in epoch " + epoch + " at step " + steps + " (step " + stepInEpoch + " of the epoch)";
        String params = null;
        if (segment >= 0) {
            int layer = segment / 2;
            params = String.format(
                    Locale.ROOT,
                    "the %s of layer %d of %d (tensor layers.%d.%s) hold NaN or infinity",
                    segment % 2 == 0 ? "weights" : "biases",
                    layer + 1,
                    net.layers(),
                    layer,
                    segment % 2 == 0 ? "weight" : "bias");
        }
        Wording head;
        if (rose != null) head = Wording.of(where + ": ").then(rose).then(params != null ? "; " + params : "");
        else if (params == null)
            head = Wording.of(where + ": the cost became NaN or infinite (the parameters are still finite)");
        else head = Wording.of(where + ": " + (cost ? "the cost became NaN or infinite and " : "") + params);
        Step.Hyper h = cfg.hyper();
        Wording advice = head.then(
                        "; the learning rate is probably too high: try a smaller ",
                        Setting.ETA,
                        " (now " + h.eta() + ")")
                .then(
                        h.momentum() > 0
                                ? Wording.of(" or less ", Setting.MOMENTUM, " (now " + h.momentum() + ")")
                                : Wording.of())
                .then(
                        h.eta() * h.lambda() / h.trainingSetSize() >= 1
                                ? Wording.of(
                                        ", and a smaller ", Setting.LAMBDA, " (η·λ/n ≥ 1 makes the decay overshoot)")
                                : Wording.of());
        return new DivergedException(epoch, steps, segment >= 0 ? segment / 2 + 1 : 0, advice);
    }

    /** Mean cost and accuracy over a whole dataset (forward passes only, in batches of the network's capacity). */
    public Evaluation evaluate(DeviceData data) {
        if (data.count > sequential.length) { // e.g. a validation set larger than the training set
            sequential = new int[data.count];
            for (int i = 0; i < data.count; i++) sequential[i] = i;
        }
        return evaluate(
                net,
                data,
                evalMetrics,
                data.count == sequential.length ? sequential : java.util.Arrays.copyOf(sequential, data.count));
    }

    /** {@link #evaluate(DeviceData)} without a Trainer: net's current parameters over data, counted into metrics (reset first). */
    public static Evaluation evaluate(Network net, DeviceData data, Metrics metrics) {
        int[] order = new int[data.count];
        for (int i = 0; i < order.length; i++) order[i] = i;
        return evaluate(net, data, metrics, order);
    }

    private static Evaluation evaluate(Network net, DeviceData data, Metrics evalMetrics, int[] order) {
        evalMetrics.reset();
        data.beginEpoch(order);
        for (int off = 0; off < data.count; off += net.capacity) {
            int m = Math.min(net.capacity, data.count - off);
            data.load(off, m, net.x, net.y);
            Step.forward(net, m);
            Step.outputError(net, m, evalMetrics, false);
        }
        double[] mt = evalMetrics.read();
        return new Evaluation(mt[0] / Math.max(1, mt[2]), mt[1] / Math.max(1, mt[2]), (long) mt[2]);
    }

    @Override
    public void close() {
        if (replay != null) replay.close();
        metrics.close();
        evalMetrics.close();
    }
}
