package dev.jbackprop.cli;

import static dev.jbackprop.cli.CommandDefaults.network;
import static dev.jbackprop.cli.CommandDefaults.option;
import static dev.jbackprop.cli.CommandDefaults.training;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.config.RunConfig;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.diag.GradientStudy;
import dev.jbackprop.diag.GradientStudy.Run;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.DivergedException;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * jbackprop gradients: the speed of learning of each hidden layer (the vanishing gradient problem), measured by
 * {@link GradientStudy}; this command checks its options, prints the tables and writes the CSV and the plot.
 */
@Command(
        mixinStandardHelpOptions = true,
        name = "gradients",
        sortOptions = false,
        defaultValueProvider = GradientsCommand.Defaults.class,
        description = {
            "Prints each hidden layer's speed of learning ‖∂C/∂bˡ‖ (and ‖∂C/∂Wˡ‖), the norm of the gradient averaged "
                    + "over the first --samples training images (the textbook's chapter 5).",
            "--inits K: the median and 10th-90th percentiles over the seeds seed … seed+K-1. --train-epochs N: also "
                    + "after N epochs of training, tracked during it into --out (gradients.csv, gradients.png). "
                    + "--compare-activations: one table over activations, each with its recommended init, and the "
                    + "factors |w·σ′(z)| of a one-neuron-per-layer chain."
        })
public final class GradientsCommand implements Callable<Integer> {
    /** gradients' defaults for the options it shares with other commands. */
    static final class Defaults extends CommandDefaults {
        Defaults() {
            super(
                    network(NetRequest.AUTO, "sigmoid", NetRequest.AUTO),
                    training("0.1", "0", "0", "10", "1"),
                    option("--init", RunConfig.AUTO),
                    option("--hidden", "30,30,30"));
        }
    }

    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Mixin
    NetOptions net;

    @Mixin
    HiddenOption hidden;

    @Mixin
    InitOption init;

    @Option(
            names = "--samples",
            paramLabel = "N",
            description = "Average the gradient over the first N training images (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    int samples;

    @Option(
            names = "--inits",
            paramLabel = "K",
            description = "Random initialisations, seeds seed … seed+K-1 (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    int inits;

    @Option(
            names = "--train-epochs",
            paramLabel = "N",
            description = "Train N epochs (--eta, --momentum, --lambda, --batch) and measure again "
                    + "(default: 0; 1 with --compare-activations).")
    Integer trainEpochs;

    @Mixin
    TrainingOptions training;

    @Option(
            names = "--train-size",
            paramLabel = "N",
            description = "Train on the first N training samples (default: 50000, or all when there are fewer).")
    Integer trainSize;

    private int trainN; // the training samples trained on

    @Option(
            names = "--track-every",
            paramLabel = "STEPS",
            description = "Measure every STEPS mini-batches while training (default: 20 times per epoch).")
    Integer trackEvery;

    @Option(
            names = "--compare-activations",
            paramLabel = "A,B,...",
            description =
                    "Compare hidden activations, e.g. sigmoid,tanh,relu,leaky_relu,elu (default: only --activation).")
    String compare;

    @Mixin
    DataOptions data;

    @Mixin
    TrainDataOptions trainData;

    @Mixin
    BackendOptions backend;

    @Mixin
    JsonOption json;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Where gradients.csv and gradients.png go (default: runs/gradients-<date-time> with "
                    + "--train-epochs, else none).")
    Path out;

    @Option(
            names = "--force",
            description = "Allow --out to name a directory that is not empty: jbackprop's own gradients.csv and "
                    + "gradients.png there are replaced, nothing else is touched (default: refused).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        PrintWriter e = cmd.commandLine().getErr();
        PrintWriter o = JsonOut.text(json.json, main.quiet, cmd.commandLine().getOut(), e);
        ParseResult given = cmd.commandLine().getParseResult();
        checkNumbers();
        if (trainData.train != null && data.data != null)
            throw new IllegalArgumentException("give either --train FILE or --data DIR, not both");
        trainData.check();
        data.csv.check();
        if (compare != null && out != null)
            throw new IllegalArgumentException(
                    "--out is for a single activation; --compare-activations only prints its table");
        int epochs = trainEpochs != null ? trainEpochs : compare != null ? 1 : 0;
        if (trackEvery != null && epochs == 0) throw new IllegalArgumentException("--track-every needs --train-epochs");
        NetRequest request = NetRequest.of(net, hidden.hidden, given);
        backend.check(); // before MNIST is fetched or --out is written

        TrainingData sets = TrainingData.read(dataConfig(), data.cache, main.notices(e));
        Dataset trainFull = sets.train();
        List<NetworkSpec> specs = specs(given, sets);
        trainN = trainSize != null ? trainSize : Math.min(50_000, trainFull.count());
        checkData(trainFull, epochs, trainN);
        Dataset trainSet = epochs > 0 ? trainFull.first(trainN) : null;
        int stepsPerEpoch = epochs > 0 ? (trainN + training.batch - 1) / training.batch : 0;
        long every = trackEvery != null ? trackEvery : Math.max(1, (stepsPerEpoch + 19) / 20);
        boolean track = compare == null && epochs > 0;
        Path outDir = outDir(track);
        if (outDir != null) RunOutput.check(outDir, force, RunOutput.GRADIENT_FILES); // before anything is created

        try (RunOutput output = outDir == null ? null : RunOutput.create(outDir, force, RunOutput.GRADIENT_FILES);
                Ops ops = backend.open(main.debug, main.notices(e));
                BackendData onBackend = new BackendData(ops)) {
            DeviceData measureData = onBackend.of(trainFull.first(samples));
            DeviceData trainData = trainSet == null ? null : onBackend.of(trainSet);
            DeviceData testData = trainSet == null ? null : onBackend.of(sets.test());
            Study study = new Study(ops, measureData, trainData, testData);
            if (compare == null) {
                single(
                        o,
                        study,
                        specs.get(0),
                        new GradientStudy.Training(epochs, training.batch, training.hyper(trainN), every, track),
                        outDir);
            } else {
                compare(
                        o,
                        study,
                        specs,
                        new GradientStudy.Training(epochs, training.batch, training.hyper(trainN), every, false));
            }
        }
        return 0;
    }

    /** The measurements of one network over the inits. */
    private final class Study {
        final Ops ops;
        final DeviceData measure, train, test;

        Study(Ops ops, DeviceData measure, DeviceData train, DeviceData test) {
            this.ops = ops;
            this.measure = measure;
            this.train = train;
            this.test = test;
        }

        List<Run> runs(NetworkSpec spec, GradientStudy.Training t) {
            Init ik = init.resolve(spec);
            List<Run> runs = new ArrayList<>();
            for (int i = 0; i < inits; i++) {
                long s = training.seed + i;
                try {
                    runs.add(GradientStudy.measure(ops, spec, ik, s, measure, train, test, t));
                } catch (DivergedException d) {
                    throw new Main.Failure("training " + spec + " from seed " + s + " diverged: " + Flags.message(d));
                }
            }
            return runs;
        }
    }

    /** One network: its table, and gradients.csv (and .png when tracked) in outDir. */
    private void single(PrintWriter o, Study study, NetworkSpec spec, GradientStudy.Training t, Path outDir)
            throws IOException {
        Init ik = init.resolve(spec);
        o.printf("gradients: %s, init %s, %s, on %s%n", spec, ik, seeds(), study.ops.description());
        o.printf("  norm of the gradient averaged over the first %d training images%s%n", samples, trainingText(t));
        o.flush();
        List<Run> runs = study.runs(spec, t);
        tables(o).single(spec, runs, t.epochs());
        if (json.json) json(study.ops, List.of(spec), List.of(runs), t);
        if (outDir != null) write(o, outDir, spec, ik, runs, t.track());
    }

    /** --compare-activations: one table over the networks, and the scalar chain. */
    private void compare(PrintWriter o, Study study, List<NetworkSpec> specs, GradientStudy.Training t) {
        NetworkSpec first = specs.get(0);
        o.printf(
                "gradients: %s hidden layers, %s, %s, on %s%n",
                first.sizesText(), first.cost(), seeds(), study.ops.description());
        o.printf("  norm of the gradient averaged over the first %d training images%s%n", samples, trainingText(t));
        o.flush();
        List<List<Run>> all = new ArrayList<>();
        for (NetworkSpec spec : specs) all.add(study.runs(spec, t));
        tables(o).compare(specs, all, t.epochs());
        tables(o).chain(specs);
        if (json.json) json(study.ops, specs, all, t);
    }

    /** gradients --json: per network, per init, each hidden layer's gradient norms at the init and after training. */
    private void json(Ops ops, List<NetworkSpec> specs, List<List<Run>> runs, GradientStudy.Training t) {
        ObjectNode n = JsonOut.object("gradients", 1, ops);
        n.put("samples", samples).put("inits", inits).put("seed", training.seed).put("train_epochs", t.epochs());
        ArrayNode nets = n.putArray("networks");
        for (int i = 0; i < specs.size(); i++) {
            NetworkSpec spec = specs.get(i);
            ObjectNode net = nets.addObject();
            net.put("network", spec.toString()).put("init", init.resolve(spec).toString());
            ArrayNode rs = net.putArray("runs");
            for (Run r : runs.get(i)) {
                ObjectNode ro = rs.addObject().put("seed", r.seed());
                norms(ro.putObject("at_init"), r.atInit(), spec);
                if (r.after() != null) norms(ro.putObject("after_training"), r.after(), spec);
                JsonOut.put(ro, "test_accuracy", r.testAccuracy());
            }
        }
        JsonOut.print(cmd.commandLine().getOut(), n);
    }

    /** The hidden layers' norms (the output layer's are left out, as in the tables). */
    private static void norms(ObjectNode o, dev.jbackprop.diag.GradientNorms.Norms norms, NetworkSpec spec) {
        ArrayNode b = o.putArray("bias"), w = o.putArray("weight");
        for (int l = 0; l < spec.layers() - 1; l++) {
            b.add(norms.bias()[l]);
            w.add(norms.weight()[l]);
        }
    }

    private String trainingText(GradientStudy.Training t) {
        if (t.epochs() == 0) return "";
        return String.format(
                Locale.ROOT,
                "; training: %d epoch%s of %s on the first %d samples, batch %d, η=%s, λ=%s",
                t.epochs(),
                t.epochs() == 1 ? "" : "s",
                training.momentum > 0 ? "momentum SGD (μ=" + training.momentum + ")" : "plain SGD",
                trainN,
                training.batch,
                training.eta,
                training.lambda);
    }

    private String seeds() {
        return inits == 1
                ? "seed " + training.seed
                : inits + " inits (seeds " + training.seed + "–" + (training.seed + inits - 1) + "), median [p10, p90]";
    }

    private GradientTables tables(PrintWriter o) {
        return new GradientTables(o, init, inits, training.seed);
    }

    private void checkNumbers() {
        if (samples <= 0) throw new IllegalArgumentException("--samples must be at least 1, got " + samples);
        if (inits <= 0 || inits > 10_000)
            throw new IllegalArgumentException("--inits must be between 1 and 10000, got " + inits);
        if (trainEpochs != null && trainEpochs < 0)
            throw new IllegalArgumentException("--train-epochs must be 0 or more, got " + trainEpochs);
        training.check();
        if (trainSize != null && trainSize <= 0)
            throw new IllegalArgumentException("--train-size must be positive, got " + trainSize);
        if (trackEvery != null && trackEvery <= 0)
            throw new IllegalArgumentException("--track-every must be at least 1, got " + trackEvery);
        init.check();
    }

    /** How the data is read: a configuration of the data options alone (for {@link TrainingData}). */
    private RunConfig dataConfig() {
        RunConfig.Builder b = new RunConfig.Builder();
        b.train = trainData.train == null ? null : trainData.train.toString();
        b.data = trainData.train == null ? DataOptions.describe(data.data) : null;
        b.test = data.test == null ? null : data.test.toString();
        b.header = data.csv.header;
        b.labelColumn = data.csv.labelColumn;
        b.classes = trainData.classes == null ? 0 : trainData.classes;
        b.task = trainData.task() == null ? null : trainData.task().id();
        b.normalize = trainData.normalization() == null
                ? null
                : trainData.normalization().id();
        b.seed = training.seed;
        return b.build();
    }

    /** The network made for the data, or one per activation with --compare-activations. */
    private List<NetworkSpec> specs(ParseResult given, TrainingData sets) {
        List<NetworkSpec> specs = new ArrayList<>();
        if (compare == null) {
            specs.add(spec(given, sets));
            return specs;
        }
        if (given.hasMatchedOption("--activation"))
            throw new IllegalArgumentException("give either --activation or --compare-activations, not both");
        String saved = net.activation;
        for (String a : compare.split(",")) {
            if (a.isBlank())
                throw new IllegalArgumentException("--compare-activations: empty name in '" + compare + "'");
            net.activation = a.trim();
            specs.add(spec(given, sets));
        }
        net.activation = saved;
        return specs;
    }

    private NetworkSpec spec(ParseResult given, TrainingData sets) {
        Dataset t = sets.train();
        NetworkSpec s = NetRequest.of(net, hidden.hidden, given)
                .resolve(t.features(), t.outputs(), sets.task(), sets.outputsWord());
        if (s.layers() < 2)
            throw new IllegalArgumentException(
                    "the network " + s.sizesText() + " has no hidden layer; give at least one, e.g. --hidden 30");
        return s;
    }

    private void checkData(Dataset trainFull, int epochs, int trainN) {
        if (samples > trainFull.count())
            throw new IllegalArgumentException(
                    "--samples " + samples + " exceeds the " + trainFull.count() + " training samples");
        if (epochs > 0 && trainN > trainFull.count()) {
            throw new IllegalArgumentException(
                    "--train-size " + trainN + " exceeds the " + trainFull.count() + " training samples");
        }
    }

    private Path outDir(boolean track) {
        if (out != null) return out;
        if (!track) return null;
        return Path.of(
                "runs", "gradients-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    private static void write(PrintWriter o, Path outDir, NetworkSpec spec, Init ik, List<Run> runs, boolean track)
            throws IOException {
        GradientStudy.writeCsv(outDir.resolve("gradients.csv"), runs);
        if (track) Plots.gradientsDuringTraining(outDir.resolve("gradients.png"), spec, ik, runs);
        o.printf("wrote %s%n", outDir.resolve(track ? "gradients.csv and gradients.png" : "gradients.csv"));
    }
}
