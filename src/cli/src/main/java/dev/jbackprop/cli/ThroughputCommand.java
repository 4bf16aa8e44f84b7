package dev.jbackprop.cli;

import static dev.jbackprop.cli.CommandDefaults.network;
import static dev.jbackprop.cli.CommandDefaults.training;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.diag.Throughput;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * jbackprop throughput: whole training steps on a resident dataset (synthetic, or the training set of IDX files),
 * timed by {@link Throughput}. For benchmark scripts (bench/compare replays the same steps in numpy and PyTorch).
 */
@Command(
        mixinStandardHelpOptions = true,
        name = "throughput",
        sortOptions = false,
        defaultValueProvider = ThroughputCommand.Defaults.class,
        description = {
            "Times whole training steps on synthetic data (or --data) and prints samples/s, ms/step, GEMM GFLOP/s "
                    + "and the loss.",
            "The steps cycle through the samples in a fixed shuffled order; the best and the median of --repeats "
                    + "timed runs of --steps steps are reported, after --warmup untimed steps."
        })
public final class ThroughputCommand implements Callable<Integer> {
    /** throughput's defaults for the options it shares with other commands. */
    static final class Defaults extends CommandDefaults {
        Defaults() {
            super(network("784,100,10", "sigmoid", "cross-entropy"), training("0.01", "0.9", "0", "64", "1"));
        }
    }

    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Mixin
    NetOptions net;

    @Mixin
    TrainingOptions training;

    @Option(
            names = "--steps",
            paramLabel = "N",
            defaultValue = "200",
            description = "Timed steps per repeat (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--warmup",
            paramLabel = "N",
            defaultValue = "50",
            description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--repeats",
            paramLabel = "N",
            defaultValue = "3",
            description = "Timed repeats; the best and the median are reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Mixin
    BackendOptions backend;

    @Mixin
    PrecisionOptions precision;

    @Option(
            names = "--no-graph",
            description = "GPU: run every step eagerly instead of replaying it as one CUDA graph (default: graphs on).")
    boolean noGraph;

    @Mixin
    JsonOption json;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Time on the training set of the MNIST-format IDX files in DIR instead of synthetic data "
                    + "(default: synthetic data, uniform inputs and random classes).")
    Path data;

    @Option(
            names = "--init-weights",
            paramLabel = "FILE",
            description = "Start from these weights (safetensors, PyTorch nn.Linear layout) instead of the "
                    + "activation's recommended init drawn from --seed (default: none).")
    Path initWeights;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = cmd.commandLine().getOut();
        PrintWriter e = cmd.commandLine().getErr();
        if (training.batch <= 0 || steps <= 0 || warmup < 0 || repeats <= 0)
            throw new IllegalArgumentException("--batch, --steps and --repeats must be positive");
        backend.check(precision.tf32, precision.bf16);
        NetworkSpec spec = net.spec();
        float[][] xy;
        int samples;
        if (data != null) {
            Dataset d = Mnist.readDir(data, spec.outputSize()).train();
            if (d.features() != spec.inputSize() || d.classes() != spec.outputSize() || d.count() < training.batch) {
                throw new IllegalArgumentException(data + " holds " + d.count() + " samples of " + d.features()
                        + " features and " + d.classes() + " classes; the network is " + spec + " with batch "
                        + training.batch);
            }
            samples = d.count();
            xy = new float[][] {d.x(), d.y()};
        } else {
            samples = Math.max(training.batch * 8, 1024);
            xy = Throughput.synthetic(spec, samples);
        }
        float[] initial = initWeights != null
                ? ModelFile.read(initWeights, spec.layout())
                : Init.recommendedFor(spec.activation(0)).initialise(spec.layout(), training.seed);
        Throughput.Settings settings = new Throughput.Settings(training.batch, steps, warmup, repeats, !noGraph);
        try (Ops ops = backend.open(precision, main.debug, main.notices(e))) {
            Throughput.Result r = Throughput.run(
                    ops, spec, initial, xy[0], xy[1], samples, training.hyper(samples), training.seed, settings);
            if (!Double.isFinite(r.loss()))
                throw new Main.Failure("the cost became non-finite during the throughput run");
            if (json.json) JsonOut.print(o, json(ops, spec, r));
            else print(o, ops, spec, r);
        }
        return 0;
    }

    private ObjectNode json(Ops ops, NetworkSpec spec, Throughput.Result r) {
        ObjectNode n = JsonOut.object("throughput", 1, ops);
        n.put("network", spec.toString())
                .put("batch", training.batch)
                .put("steps", steps)
                .put("repeats", repeats)
                .put("samples_per_second", r.samplesPerSecond())
                .put("ms_per_step", r.msPerStep())
                .put("median_ms_per_step", r.medianMsPerStep())
                .put("gemm_gflops", r.gemmGflops())
                .put("tf32", precision.tf32)
                .put("bf16", precision.bf16)
                .put("graphs", r.graphs())
                .put("loss", r.loss());
        return n;
    }

    private void print(PrintWriter o, Ops ops, NetworkSpec spec, Throughput.Result r) {
        o.printf(
                Locale.ROOT,
                "%s batch %d on %s: %,.0f samples/s, %.3f ms/step (median %.3f), %.1f GFLOP/s in GEMMs (best of %d x "
                        + "%d steps); loss %.6f%n",
                spec,
                training.batch,
                ops.description(),
                r.samplesPerSecond(),
                r.msPerStep(),
                r.medianMsPerStep(),
                r.gemmGflops(),
                repeats,
                steps,
                r.loss());
        if (!r.graphs() && !noGraph) o.println("(steps run eagerly: the data is streamed, not resident)");
    }
}
