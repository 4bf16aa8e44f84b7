package dev.jbackprop.cli;

import static dev.jbackprop.cli.CommandDefaults.network;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.ModelFile;
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

/** jbackprop eval: a saved model's cost and accuracy on the MNIST test set. */
@Command(
        mixinStandardHelpOptions = true,
        name = "eval",
        sortOptions = false,
        defaultValueProvider = EvalCommand.Defaults.class,
        description = {
            "Evaluates a model.safetensors on the MNIST test set (or the IDX files in --data): its mean cost and "
                    + "accuracy.",
            "The network is read from the file's metadata, as jbackprop train writes it (--layers auto); for files "
                    + "from elsewhere give --layers, --activation, --output-activation and --cost."
        })
public final class EvalCommand implements Callable<Integer> {
    /** eval's defaults for the options it shares with other commands. */
    static final class Defaults extends CommandDefaults {
        Defaults() {
            super(network(RunConfig.AUTO, "sigmoid", "quadratic"));
        }
    }

    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "FILE",
            description = "The weights (safetensors; required).")
    Path model;

    @Mixin
    NetOptions net;

    @Mixin
    DataOptions data;

    @Mixin
    BackendOptions backend;

    @Option(
            names = "--batch",
            paramLabel = "m",
            defaultValue = "1000",
            description = "Samples per evaluation pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = cmd.commandLine().getOut();
        PrintWriter e = cmd.commandLine().getErr();
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        NetworkSpec spec = specFor(model, net);
        float[] params = ModelFile.read(model, spec.layout());
        ModelFile.Progress trained = ModelFile.progress(model); // impossible values: a corrupt file (exit 1)
        backend.check();
        Mnist mnist = data.load(e);
        Dataset test = mnist.test();
        if (test.features() != spec.inputSize() || test.classes() != spec.outputSize()) {
            throw new Main.Failure("the model " + model + " maps " + spec.inputSize() + " inputs to "
                    + spec.outputSize() + " outputs, but the data has " + test.features() + " features and "
                    + test.classes() + " classes");
        }
        try (Ops ops = backend.open(main.debug, msg -> e.println("jbackprop: " + msg));
                Network network = new Network(ops, spec, Math.min(batch, test.count()), false);
                DeviceData d = TrainRun.upload(ops, test);
                Metrics metrics = ops.allocateMetrics()) {
            network.setParameters(params);
            Trainer.Evaluation ev = Trainer.evaluate(network, d, metrics);
            o.printf(
                    Locale.ROOT,
                    "%s: %s%s%n  test accuracy %.2f%% (%d images), mean cost %.5f%n",
                    model,
                    spec,
                    trained == null
                            ? ""
                            : ", trained for " + trained.epochs() + " epochs (" + trained.steps() + " steps)",
                    100 * ev.accuracy(),
                    ev.count(),
                    ev.loss());
        }
        return 0;
    }

    /** The network a model file holds: from its jbackprop metadata, else from the options. */
    static NetworkSpec specFor(Path model, NetOptions opts) throws BadFileException {
        if (!RunConfig.AUTO.equalsIgnoreCase(opts.layers.trim())) return opts.spec();
        NetworkSpec spec;
        try {
            spec = ModelFile.network(model);
        } catch (ModelFile.InvalidMetadataException e) {
            throw new Main.Failure(e.getMessage() + "; give --layers, --activation and --cost");
        }
        if (spec == null) {
            throw new Main.Failure(
                    model + " has no jbackprop metadata saying what network it holds; give --layers, --activation, "
                            + "--output-activation and --cost",
                    Main.USAGE,
                    null);
        }
        return spec;
    }
}
