package dev.jbackprop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.SafeTensors;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** jbackprop eval: a saved model's cost and accuracy on the MNIST test set. */
@Command(
        mixinStandardHelpOptions = true,
        name = "eval",
        sortOptions = false,
        description = {
            "Evaluates a model.safetensors on the MNIST test set (or the IDX files in --data).",
            "The network is read from the file's metadata (written by jbackprop train); for files from elsewhere give --layers, --activation and --cost."
        })
public final class EvalCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Mixin
    NetOptions net;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "The weights (safetensors).")
    Path model;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Directory with the MNIST IDX files (default: the cache, fetched if needed).")
    Path data;

    @Option(names = "--cache", paramLabel = "DIR", description = "MNIST cache directory.")
    Path cache;

    @Option(names = "--backend", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--batch", defaultValue = "1000", description = "Evaluation batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = cmd.commandLine().getOut();
        PrintWriter e = cmd.commandLine().getErr();
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        NetworkSpec spec = specFor(model, net);
        float[] params = SafeTensors.read(model, spec.layout());
        Backends.check(backend);
        Mnist mnist = Mnist.load(data, cache, msg -> e.println("jbackprop: " + msg));
        Dataset test = mnist.test();
        if (test.features() != spec.inputSize() || test.classes() != spec.outputSize()) {
            throw new Main.Failure("the model " + model + " maps " + spec.inputSize() + " inputs to "
                    + spec.outputSize() + " outputs, but the data has " + test.features() + " features and "
                    + test.classes() + " classes");
        }
        try (Ops ops = Backends.open(backend, 0, false, false, main.debug, msg -> e.println("jbackprop: " + msg));
                Network network = new Network(ops, spec, Math.min(batch, test.count()), false);
                DeviceData d = TrainCommand.upload(ops, test);
                Metrics metrics = ops.allocateMetrics()) {
            network.setParameters(params);
            Trainer.Evaluation ev = Trainer.evaluate(network, d, metrics);
            o.printf(
                    Locale.ROOT,
                    "%s: %s%n  test accuracy %.2f%% (%d images), mean cost %.5f%n",
                    model,
                    spec,
                    100 * ev.accuracy(),
                    ev.count(),
                    ev.loss());
        }
        return 0;
    }

    /** The network a model file holds: from its jbackprop metadata, else from the options. */
    static NetworkSpec specFor(Path model, NetOptions opts) throws java.io.IOException {
        if (opts.layers != null) return opts.spec(opts.layers, "sigmoid", "quadratic");
        Map<String, String> meta = SafeTensors.readMetadata(model);
        String json = meta.get("jbackprop");
        if (json == null) {
            throw new Main.Failure(
                    model
                            + " has no jbackprop metadata saying what network it holds; give --layers, --activation, --output-activation and --cost",
                    Main.USAGE,
                    null);
        }
        try {
            JsonNode c = RunOutput.JSON.readTree(json);
            List<Integer> sizes = new ArrayList<>();
            c.get("layers").forEach(n -> sizes.add(n.asInt()));
            List<Activation> acts = new ArrayList<>();
            c.get("activations").forEach(n -> acts.add(Activation.parse(n.asText())));
            return new NetworkSpec(
                    sizes.stream().mapToInt(Integer::intValue).toArray(),
                    acts,
                    Cost.parse(c.get("cost").asText()));
        } catch (RuntimeException ex) {
            throw new Main.Failure(model + ": its jbackprop metadata does not describe a valid network ("
                    + ex.getMessage() + "); give --layers, --activation and --cost");
        }
    }
}
