package dev.jbackprop.cli;

import static dev.jbackprop.cli.CommandDefaults.network;

import dev.jbackprop.api.Activation;
import dev.jbackprop.api.Backend;
import dev.jbackprop.api.Data;
import dev.jbackprop.api.Evaluation;
import dev.jbackprop.api.Loss;
import dev.jbackprop.api.Model;
import dev.jbackprop.api.ReadOptions;
import dev.jbackprop.config.RunConfig;
import dev.jbackprop.data.Mnist;
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

/** jbackprop eval: a saved model's cost and accuracy on the MNIST test set, through the public API. */
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

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        PrintWriter e = cmd.commandLine().getErr();
        PrintWriter text = JsonOut.text(json.json, main.quiet, cmd.commandLine().getOut(), e);
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        NetworkSpec spec = specFor(model, net);
        backend.check();
        Data test = testData(spec, e);
        if (test.features() != spec.inputSize() || test.outputs() != spec.outputSize()) {
            throw new Main.Failure("the model " + model + " maps " + spec.inputSize() + " inputs to "
                    + spec.outputSize() + " outputs, but the data has " + test.features() + " features and "
                    + test.outputs() + " classes");
        }
        try (Backend b = backend.openBackend(main.debug, main.notices(e));
                Model m = RunConfig.AUTO.equalsIgnoreCase(net.layers.trim())
                        ? Model.load(model, b)
                        : builder(spec).load(model, b)) {
            Evaluation ev = m.evaluate(test, batch);
            text.printf(
                    Locale.ROOT,
                    "%s: %s%n  test accuracy %.2f%% (%d images), mean cost %.5f%n",
                    model,
                    spec,
                    100 * ev.accuracy(),
                    ev.count(),
                    ev.loss());
            if (json.json) JsonOut.print(cmd.commandLine().getOut(), JsonOut.eval(b.device(), model, spec, ev));
        }
        return 0;
    }

    /** The test set: of the IDX files in --data, or of MNIST (fetched into the cache when needed). */
    private Data testData(NetworkSpec spec, PrintWriter err) throws java.io.IOException {
        Path dir = data.data != null ? data.data : Mnist.ensureCached(Mnist.cacheDir(data.cache), main.notices(err));
        ReadOptions options = ReadOptions.defaults();
        if (spec.outputSize() <= 256) options = options.classes(spec.outputSize());
        return Data.read(dir, options)
                .test()
                .orElseThrow(() -> new Main.Failure(
                        dir + " holds no test set (t10k-images-idx3-ubyte, " + "t10k-labels-idx1-ubyte)"));
    }

    /** The API's description of a network the options give. */
    static Model.Builder builder(NetworkSpec spec) {
        int[] sizes = spec.sizes();
        Model.Builder b = Model.builder().input(sizes[0]);
        for (int l = 0; l + 1 < spec.layers(); l++)
            b.hidden(sizes[l + 1], Activation.parse(spec.activation(l).toString()));
        b.output(sizes[sizes.length - 1], Activation.parse(spec.output().toString()));
        for (Loss loss : Loss.values()) if (loss.toString().equals(spec.cost().cliName)) b.loss(loss);
        return b;
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
