package dev.jbackprop.diag;

import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Shuffler;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import java.util.Arrays;
import java.util.Random;

/**
 * Whole training steps (gather, forward, cost, backward, update) timed on a resident dataset, after a warm-up: the
 * best and median of several repeats. Full-size steps are replayed through {@link Ops#capture} (CUDA graphs on the
 * GPU) where the data allows it. For benchmark scripts; JMH benchmarks live in bench/jmh.
 */
public final class Throughput {
    private Throughput() {}

    /**
     * What to time.
     *
     * @param batch samples per step
     * @param steps timed steps per repeat
     * @param warmup untimed steps first
     * @param repeats timed repeats
     * @param graphs replay full-size steps as a captured graph where the data allows it
     */
    public record Settings(int batch, int steps, int warmup, int repeats, boolean graphs) {
        /** Checks the counts. */
        public Settings {
            if (batch <= 0 || steps <= 0 || warmup < 0 || repeats <= 0)
                throw new IllegalArgumentException("batch, steps and repeats must be positive, warmup not negative");
        }
    }

    /**
     * The timing.
     *
     * @param samplesPerSecond samples per second of the best repeat
     * @param msPerStep milliseconds per step of the best repeat
     * @param medianMsPerStep milliseconds per step of the median repeat
     * @param gemmGflops GEMM GFLOP/s of the best repeat ({@link #gemmFlopsPerStep})
     * @param loss the mean cost per sample over the last repeat (NaN or infinite when training diverged)
     * @param graphs whether the steps were replayed as a graph
     */
    public record Result(
            double samplesPerSecond,
            double msPerStep,
            double medianMsPerStep,
            double gemmGflops,
            double loss,
            boolean graphs) {}

    /**
     * The floating-point operations of one step's GEMMs: 2·n_in·n_out·m for the forward product and the weight
     * gradient of each layer, and for the back-propagated error of all layers but the first.
     *
     * @param layout the network's layers
     * @param batch the batch size m
     * @return the operations
     */
    public static double gemmFlopsPerStep(ParamLayout layout, int batch) {
        double flops = 0;
        for (int l = 0; l < layout.layers(); l++)
            flops += (l == 0 ? 4.0 : 6.0) * layout.nIn(l) * layout.nOut(l) * batch;
        return flops;
    }

    /**
     * A synthetic data set: inputs uniform in [0, 1), one random class per sample, drawn from seed 1.
     *
     * @param spec the network (its input and output sizes)
     * @param samples the samples
     * @return x (features × samples) and y (classes × samples), column-major
     */
    public static float[][] synthetic(NetworkSpec spec, int samples) {
        Random r = new Random(1);
        float[] x = new float[spec.inputSize() * samples];
        float[] y = new float[spec.outputSize() * samples];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        for (int j = 0; j < samples; j++) y[j * spec.outputSize() + r.nextInt(spec.outputSize())] = 1f;
        return new float[][] {x, y};
    }

    /**
     * Times training steps over the samples (in a fixed shuffled order, from seed), cycling through them.
     *
     * @param ops the backend
     * @param spec the network
     * @param initial its parameters to start from
     * @param x the inputs, features × samples, column-major
     * @param y the one-hot targets, classes × samples
     * @param samples the samples (at least one batch)
     * @param hyper the update
     * @param seed seeds the order of the samples
     * @param s what to time
     * @return the timing
     */
    public static Result run(
            Ops ops,
            NetworkSpec spec,
            float[] initial,
            float[] x,
            float[] y,
            int samples,
            Step.Hyper hyper,
            long seed,
            Settings s) {
        int batch = s.batch();
        if (samples < batch) throw new IllegalArgumentException(samples + " samples do not fill a batch of " + batch);
        try (Network network = new Network(ops, spec, batch, true);
                DeviceData data = DeviceData.upload(ops, x, y, spec.inputSize(), spec.outputSize(), samples);
                Metrics metrics = ops.allocateMetrics();
                StepReplay replay = s.graphs() && data.capturable()
                        ? ops.capture(() -> {
                            data.loadPrepared(batch, network.x, network.y);
                            Step.train(network, batch, metrics, hyper);
                        })
                        : null) {
            network.setParameters(initial);
            int[] perm = new int[samples];
            new Shuffler(seed).shuffle(perm);
            data.beginEpoch(perm);
            int[] off = {0};
            Runnable one = () -> {
                if (off[0] + batch > samples) off[0] = 0;
                if (replay != null) { // the indices outside the graph, the step inside
                    data.prepare(off[0], batch);
                    replay.run();
                } else {
                    data.load(off[0], batch, network.x, network.y);
                    Step.train(network, batch, metrics, hyper);
                }
                off[0] += batch;
            };
            for (int i = 0; i < s.warmup(); i++) one.run();
            ops.synchronize();
            double[] times = new double[s.repeats()];
            for (int rep = 0; rep < s.repeats(); rep++) {
                metrics.reset(); // the loss reported is the mean over the last repeat
                long t0 = System.nanoTime();
                for (int i = 0; i < s.steps(); i++) one.run();
                ops.synchronize();
                times[rep] = (System.nanoTime() - t0) / 1e9;
            }
            double[] sorted = times.clone();
            Arrays.sort(sorted);
            double best = sorted[0], median = sorted[s.repeats() / 2];
            double[] mt = metrics.read();
            return new Result(
                    s.steps() * (double) batch / best,
                    1e3 * best / s.steps(),
                    1e3 * median / s.steps(),
                    gemmFlopsPerStep(spec.layout(), batch) * s.steps() / best / 1e9,
                    mt[0] / mt[2],
                    replay != null);
        }
    }
}
