package dev.jbackprop.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Shuffler;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.io.SafeTensors;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * jbackprop throughput: whole training steps (gather, forward, cost, backward, update) on a
 * resident dataset (synthetic, or the training set of IDX files), timed after a warm-up. For benchmark
 * scripts (bench/compare replays the same steps in numpy and PyTorch); JMH benchmarks live in bench/jmh.
 */
@Command(
        mixinStandardHelpOptions = true,
        name = "throughput",
        sortOptions = false,
        description =
                "Times training steps on synthetic data (or --data): samples/s, ms/step, GEMM GFLOP/s and the loss.")
public final class ThroughputCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Mixin
    NetOptions net;

    @Option(names = "--batch", defaultValue = "64")
    int batch;

    @Option(names = "--steps", defaultValue = "200", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "50", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--repeats",
            defaultValue = "3",
            description = "Timed repeats; the best and median are reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--backend", defaultValue = "auto")
    String backend;

    @Option(names = "--tf32", description = "GPU: let cuBLAS use TF32 tensor cores.")
    boolean tf32;

    @Option(
            names = "--bf16",
            description = "GPU: GEMMs on bfloat16 copies of their inputs (FP32 sums, FP32 master weights).")
    boolean bf16;

    @Option(names = "--threads", defaultValue = "0")
    int threads;

    @Option(names = "--no-graph", description = "GPU: run every step eagerly instead of replaying it as a CUDA graph.")
    boolean noGraph;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description =
                    "Use the training set of the MNIST-format IDX files in DIR (in a fixed shuffled order) instead of synthetic data.")
    Path data;

    @Option(
            names = "--init-weights",
            paramLabel = "FILE",
            description =
                    "Start from these weights (safetensors, PyTorch nn.Linear layout) instead of the seeded init.")
    Path initWeights;

    @Option(names = "--eta", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double eta;

    @Option(names = "--momentum", defaultValue = "0.9", description = "Momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = cmd.commandLine().getOut();
        PrintWriter e = cmd.commandLine().getErr();
        if (batch <= 0 || steps <= 0 || warmup < 0 || repeats <= 0)
            throw new IllegalArgumentException("--batch, --steps and --repeats must be positive");
        Backends.check(backend, tf32, bf16);
        NetworkSpec spec = net.spec("784,100,10", "sigmoid", "cross-entropy");
        ParamLayout layout = spec.layout();
        int samples;
        float[] x, y;
        if (data != null) {
            Dataset d = Mnist.readDir(data).train();
            if (d.features() != spec.inputSize() || d.classes() != spec.outputSize() || d.count() < batch) {
                throw new IllegalArgumentException(data + " holds " + d.count() + " samples of " + d.features()
                        + " features and " + d.classes() + " classes; the network is " + spec + " with batch " + batch);
            }
            samples = d.count();
            x = d.x();
            y = d.y();
        } else {
            samples = Math.max(batch * 8, 1024);
            Random r = new Random(1);
            x = new float[spec.inputSize() * samples];
            y = new float[spec.outputSize() * samples];
            for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
            for (int j = 0; j < samples; j++) y[j * spec.outputSize() + r.nextInt(spec.outputSize())] = 1f;
        }
        float[] initial = initWeights != null
                ? SafeTensors.read(initWeights, layout)
                : Init.recommendedFor(spec.activation(0)).initialise(layout, 1);
        double flopsPerStep = 0;
        for (int l = 0; l < layout.layers(); l++)
            flopsPerStep += (l == 0 ? 4.0 : 6.0) * layout.nIn(l) * layout.nOut(l) * batch;

        Step.Hyper hyper = new Step.Hyper(eta, 0, momentum, samples);
        try (Ops ops = Backends.open(backend, threads, tf32, bf16, main.debug, msg -> e.println("jbackprop: " + msg));
                Network network = new Network(ops, spec, batch, true);
                DeviceData data = DeviceData.upload(ops, x, y, spec.inputSize(), spec.outputSize(), samples);
                Metrics metrics = ops.allocateMetrics();
                StepReplay replay = !noGraph && data.capturable()
                        ? ops.capture(() -> {
                            data.loadPrepared(batch, network.x, network.y);
                            Step.train(network, batch, metrics, hyper);
                        })
                        : null) {
            network.setParameters(initial);
            int[] perm = new int[samples];
            new Shuffler(1).shuffle(perm);
            data.beginEpoch(perm);
            double[] times = new double[repeats];
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
            for (int i = 0; i < warmup; i++) one.run();
            ops.synchronize();
            for (int rep = 0; rep < repeats; rep++) {
                metrics.reset(); // the loss reported is the mean over the last repeat
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) one.run();
                ops.synchronize();
                times[rep] = (System.nanoTime() - t0) / 1e9;
            }
            double[] sorted = times.clone();
            Arrays.sort(sorted);
            double best = sorted[0], median = sorted[repeats / 2];
            double sps = steps * (double) batch / best;
            double msPerStep = 1e3 * best / steps;
            double gflops = flopsPerStep * steps / best / 1e9;
            double[] mt = metrics.read();
            if (!Double.isFinite(mt[0])) throw new Main.Failure("the cost became non-finite during the throughput run");
            double loss = mt[0] / mt[2];
            if (json) {
                ObjectNode n = RunOutput.JSON.createObjectNode();
                n.put("backend", ops.name())
                        .put("device", ops.description())
                        .put("network", spec.toString())
                        .put("batch", batch)
                        .put("steps", steps)
                        .put("repeats", repeats)
                        .put("samples_per_second", sps)
                        .put("ms_per_step", msPerStep)
                        .put("median_ms_per_step", 1e3 * median / steps)
                        .put("gemm_gflops", gflops)
                        .put("tf32", tf32)
                        .put("bf16", bf16)
                        .put("graphs", replay != null)
                        .put("loss", loss);
                o.println(n.toString());
            } else {
                o.printf(
                        Locale.ROOT,
                        "%s batch %d on %s: %,.0f samples/s, %.3f ms/step (median %.3f), %.1f GFLOP/s in GEMMs (best of %d x %d steps); loss %.6f%n",
                        spec,
                        batch,
                        ops.description(),
                        sps,
                        msPerStep,
                        1e3 * median / steps,
                        gflops,
                        repeats,
                        steps,
                        loss);
                if (replay == null && !noGraph) o.println("(steps run eagerly: the data is streamed, not resident)");
            }
        }
        return 0;
    }
}
