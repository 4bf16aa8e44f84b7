package dev.jbackprop.cli;

import static dev.jbackprop.cli.CommandDefaults.network;
import static dev.jbackprop.cli.CommandDefaults.option;
import static dev.jbackprop.cli.CommandDefaults.training;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.engine.EarlyStopping;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.CheckpointDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * jbackprop train: mini-batch SGD on MNIST (or IDX files given with --data). The options (or a stored
 * configuration, with --config or --resume, and the options given next to it) make a {@link RunConfig}; checked
 * before anything is written, it is run by {@link TrainRun}.
 */
@Command(
        mixinStandardHelpOptions = true,
        name = "train",
        sortOptions = false,
        defaultValueProvider = TrainCommand.Defaults.class,
        description = {
            "Trains a network on MNIST, the IDX files in --data, or your own data (--train FILE: CSV, TSV or npz) and"
                    + " writes the run into --out.",
            "The run is config.json, metrics.csv, curves.png and model.safetensors (with the class names and the "
                    + "normalisation, for eval and predict). With no options: MNIST, a [784,256,10] ReLU network with a "
                    + "softmax output, momentum SGD at η = 0.1 with a cosine schedule, 8 epochs (about 98.3%% test "
                    + "accuracy); the data gives the input and output sizes and the task (classes: softmax + "
                    + "cross-entropy; regression targets: identity + quadratic). --config repeats a run from its "
                    + "config.json; --resume continues one from its latest checkpoint."
        })
public final class TrainCommand implements Callable<Integer> {
    /** train's defaults for the options it shares with other commands. */
    static final class Defaults extends CommandDefaults {
        Defaults() {
            super(
                    network(NetRequest.AUTO, "relu", NetRequest.AUTO),
                    training("0.1", "0.9", "0", "64", "1"),
                    option("--init", RunConfig.AUTO),
                    option("--hidden", "256"),
                    option("--lr-schedule", "cosine"));
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
            names = "--init-weights",
            paramLabel = "FILE",
            description = "Start from these weights (safetensors, PyTorch nn.Linear layout) instead of a random init "
                    + "(default: none).")
    Path initWeights;

    @Mixin
    TrainingOptions training;

    @Mixin
    OptimizerOptions optimizer;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            description = "Epochs (default: ${DEFAULT-VALUE}).",
            defaultValue = "8")
    int epochs;

    @Option(
            names = "--steps",
            paramLabel = "N",
            description = "Stop after N mini-batch steps in all; 0: no limit (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    long steps;

    @Option(
            names = "--train-size",
            paramLabel = "N",
            description = "Train on the first N training samples; the rest form the validation set, reported each "
                    + "epoch and used to choose the best epoch (default: all of them).")
    Integer trainSize;

    @Option(
            names = "--early-stop",
            paramLabel = "PATIENCE",
            description = "Stop when the validation set's --monitor figure has not improved for PATIENCE epochs; "
                    + "needs a validation set (--validation-split or --train-size) (default: 0, off).",
            defaultValue = "0")
    int earlyStop;

    @Option(
            names = "--monitor",
            paramLabel = "WHAT",
            description = "What --early-stop and --save-best watch on the validation set: loss (lower is better) "
                    + "or accuracy (default: ${DEFAULT-VALUE}).",
            defaultValue = "loss")
    String monitor;

    @Option(
            names = "--save-best",
            description = "Write model-best.safetensors whenever the validation set's --monitor figure improves; "
                    + "needs a validation set (--validation-split or --train-size) (default: off).")
    boolean saveBest;

    @Option(
            names = "--validation-split",
            paramLabel = "F",
            description = "Hold out a seeded random fraction F of the training data as the validation set, reported "
                    + "each epoch and used to choose the best epoch; not with --train-size (default: none).")
    Double validationSplit;

    @Option(
            names = "--test-split",
            paramLabel = "F",
            description = "Hold out a seeded random fraction F of the training data as the test set, for data without "
                    + "one (default: none).")
    Double testSplit;

    @Mixin
    DataOptions data;

    @Mixin
    TrainDataOptions trainData;

    @Mixin
    BackendOptions backend;

    @Mixin
    PrecisionOptions precision;

    @Option(
            names = "--no-graph",
            description = "GPU: run every step eagerly instead of replaying full-size steps as one CUDA graph "
                    + "(default: graphs on).")
    boolean noGraph;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Output directory (default: runs/<date-time>; a resumed run continues in its own).")
    Path out;

    @Option(
            names = "--force",
            description = "Allow --out to name a directory that already holds a run: its files are replaced "
                    + "(default: refused).")
    boolean force;

    @Option(names = "--no-progress", description = "No progress bar (default: a bar per epoch on a terminal).")
    boolean noProgress;

    @Mixin
    JsonOption json;

    @Option(
            names = "--dry-run",
            description = "Read the data, open the backend and print the run's memory plan (what it would allocate, "
                    + "where, and what is available), then exit without writing anything (default: off).")
    boolean dryRun;

    @Option(
            names = "--divergence-factor",
            paramLabel = "F",
            description = "Stop as diverged when the cost per sample rises above F times its first-epoch value (on "
                    + "the CPU checked every step, against the first step's cost until the first epoch ends); 0: "
                    + "only NaN and infinity stop training (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    double divergenceFactor;

    @Option(
            names = "--checkpoint-every",
            paramLabel = "N|Ne",
            description = "Write the whole training state to OUT/checkpoints every N steps, or every N epochs with Ne "
                    + "(e.g. 500, 1e); also at the start and the end. The latest " + CheckpointDir.KEEP + " are kept "
                    + "(default: no checkpoints).")
    String checkpointEvery;

    @Mixin
    DistributedOptions distributed;

    @Option(
            names = "--track-gradients",
            paramLabel = "EVERY",
            description = "Every EVERY steps, record each layer's mini-batch gradient norms into gradients.csv and "
                    + "gradients.png; 0: off (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    long trackGradients;

    @Option(
            names = "--config",
            paramLabel = "FILE|DIR",
            description = "Repeat the run a config.json (or a run directory holding one) describes; options given "
                    + "with it override it and are recorded (default: none).")
    Path config;

    @Option(
            names = "--resume",
            paramLabel = "DIR",
            description = "Continue the run in DIR from its latest complete checkpoint, with its stored "
                    + "configuration. --epochs and --steps may extend it; --checkpoint-every, --data, --train, --test, "
                    + "--cache, --backend, --threads, --no-graph, --track-gradients, --early-stop, --monitor and "
                    + "--save-best may be given; other options must agree with it (default: none).")
    Path resume;

    @Override
    public Integer call() throws Exception {
        ParseResult given = cmd.commandLine().getParseResult();
        Consumer<String> warn = main.notices(cmd.commandLine().getErr());
        checkCombinations(given);
        Callable<Integer> elsewhere; // --workers N: the checked run, handed to its workers
        // a worker of train --workers leaves signals to its process (an executor, or the driver's own handling)
        try (Interrupts interrupts =
                        DistributedTraining.Worker.EXCHANGE.get() != null ? Interrupts.none() : Interrupts.install();
                ResumedRun resumed = resume == null ? null : ResumedRun.open(resume, warn)) {
            RunConfig run = resumed != null ? resumedConfig(resumed, given) : freshConfig(given);
            check(run);
            new Trainer.Config(1, 1, 0, 0, hyper(run, 1), true, divergenceFactor); // --divergence-factor
            Path outDir = resumed != null ? resumed.dir : outDir();
            if (resumed == null && !dryRun)
                RunOutput.check(outDir, force, RunOutput.TRAIN_FILES); // nothing is created before this
            NetRequest request = run.layers() == null ? NetRequest.of(net, hidden.hidden, given) : null;
            elsewhere = distributed.launch(this, run, outDir, resumed != null, given);
            if (elsewhere == null) return new TrainRun(this, run, request, outDir, resumed, interrupts).run();
        }
        return elsewhere.call(); // once the run's lock is released: its workers take it
    }

    private void checkCombinations(ParseResult given) {
        if (given.hasMatchedOption("--init") && initWeights != null)
            throw new IllegalArgumentException("give either --init or --init-weights, not both");
        if (resume != null && config != null)
            throw new IllegalArgumentException("--config does not go with --resume: a resumed run keeps its own");
        if (resume != null && given.hasMatchedOption("--out") && !samePath(out, resume)) {
            throw new IllegalArgumentException("--out " + out + " does not go with --resume " + resume
                    + ": a resumed run continues in its own directory");
        }
        if (resume != null && force) throw new IllegalArgumentException("--force does not go with --resume");
        if (resume != null && dryRun)
            throw new IllegalArgumentException(
                    "--dry-run does not go with --resume: plan the run with its options and --dry-run instead");
        if (backend.device < 0)
            throw new IllegalArgumentException(
                    "--device must be 0 or more (a CUDA device index), got " + backend.device);
        if (trainSize != null && trainSize <= 0)
            throw new IllegalArgumentException("--train-size must be positive, got " + trainSize);
        if (trainSize != null && validationSplit != null)
            throw new IllegalArgumentException(
                    "give either --validation-split or --train-size: both choose the validation set");
        for (Double f : new Double[] {validationSplit, testSplit}) {
            if (f != null && !(f > 0 && f < 1)) {
                throw new IllegalArgumentException((f == validationSplit ? "--validation-split" : "--test-split")
                        + " takes a fraction between 0 and 1, got " + f);
            }
        }
        if (trainData.train != null && data.data != null)
            throw new IllegalArgumentException("give either --train FILE or --data DIR, not both");
        trainData.check();
        data.csv.check();
    }

    /**
     * From the options alone (the network then made for the data by {@link TrainRun}), or from --config with the
     * options given overriding it.
     */
    private RunConfig freshConfig(ParseResult given) throws java.io.IOException {
        RunConfig base = config == null ? null : RunConfigJson.read(configFile(config));
        return apply(base, given);
    }

    /**
     * The stored configuration with the options given applied; then checked against it ({@link ResumedRun#check}).
     * Where the run goes on (backend, threads, graphs, gradient tracking) comes from the options, as for a new run.
     */
    private RunConfig resumedConfig(ResumedRun resumed, ParseResult given) {
        RunConfig.Builder b = resolveInit(apply(resumed.stored, given)).toBuilder();
        b.backend = backend.backend;
        b.threads = backend.threads;
        b.graphs = !noGraph;
        b.trackGradients = trackGradients;
        RunConfig asked = b.build();
        resumed.check(asked, given);
        if ((asked.tf32() || asked.bf16()) && "cpu".equalsIgnoreCase(asked.backend())) {
            // a GPU run moved to the CPU: the precision does not come along
            main.notices(cmd.commandLine().getErr())
                    .accept("the run in " + resumed.dir + " used " + (asked.bf16() ? "--bf16" : "--tf32")
                            + " on the GPU; it continues in FP32 on the CPU");
            b.tf32 = false;
            b.bf16 = false;
        }
        return b.build();
    }

    /** base with each option given (every option when base is null) applied. */
    private RunConfig apply(RunConfig base, ParseResult given) {
        RunConfig.Builder b = base == null ? new RunConfig.Builder() : base.toBuilder();
        boolean all = base == null;
        if (base == null) {
            b.layers = null; // made for the data (TrainRun)
            b.activations = null;
            b.cost = null;
        } else if (!NetOptions.given(given).isEmpty() || given.hasMatchedOption("--hidden")) {
            b.network(NetRequest.over(base.network(), net, hidden.hidden, given));
        }
        if (all || given.hasMatchedOption("--init")) b.init = init.init;
        if (initWeights != null) b.init = RunConfig.INIT_FILE + initWeights.toAbsolutePath();
        if (all || given.hasMatchedOption("--eta")) b.eta = training.eta;
        if (all || given.hasMatchedOption("--momentum")) b.momentum = training.momentum;
        if (all || given.hasMatchedOption("--lambda")) b.lambda = training.lambda;
        optimizer.apply(b, given, all);
        if (all || given.hasMatchedOption("--early-stop")) b.earlyStop = earlyStop;
        if (all || given.hasMatchedOption("--monitor"))
            b.monitor = monitor.trim().toLowerCase(java.util.Locale.ROOT);
        if (all || given.hasMatchedOption("--save-best")) b.saveBest = saveBest;
        if (all || given.hasMatchedOption("--batch")) b.batch = training.batch;
        if (all || given.hasMatchedOption("--seed")) b.seed = training.seed;
        if (all || given.hasMatchedOption("--epochs")) b.epochs = epochs;
        if (all || given.hasMatchedOption("--steps")) b.steps = steps;
        if (all || given.hasMatchedOption("--train-size")) b.trainSize = trainSize == null ? 0 : trainSize;
        if (all || given.hasMatchedOption("--data") || given.hasMatchedOption("--train")) {
            b.train = trainData.train == null
                    ? null
                    : trainData.train.toAbsolutePath().toString();
            b.data = trainData.train == null ? DataOptions.describe(data.data) : null;
            if (base != null && b.train == null) { // over --config: IDX data takes no CSV layout
                if (!given.hasMatchedOption("--header")) b.header = null;
                if (!given.hasMatchedOption("--label-column")) b.labelColumn = null;
                if (!given.hasMatchedOption("--test")) b.test = null;
            }
            if (base != null && b.train != null && !given.hasMatchedOption("--classes")) b.classes = 0; // a file's own
        }
        if (all || given.hasMatchedOption("--test"))
            b.test = data.test == null ? null : data.test.toAbsolutePath().toString();
        if (all || given.hasMatchedOption("--header"))
            b.header = data.csv.header == null ? null : data.csv.header.trim().toLowerCase(java.util.Locale.ROOT);
        if (all || given.hasMatchedOption("--label-column")) b.labelColumn = data.csv.labelColumn;
        if (all || given.hasMatchedOption("--classes")) b.classes = trainData.classes == null ? 0 : trainData.classes;
        if (all || given.hasMatchedOption("--task"))
            b.task = trainData.task() == null ? null : trainData.task().id();
        if (all || given.hasMatchedOption("--normalize"))
            b.normalize = trainData.normalization() == null
                    ? null
                    : trainData.normalization().id();
        if (all || given.hasMatchedOption("--test-split")) b.testSplit = testSplit == null ? 0 : testSplit;
        if (all || given.hasMatchedOption("--validation-split"))
            b.validationSplit = validationSplit == null ? 0 : validationSplit;
        if (given.hasMatchedOption("--train-size") && base != null) b.validationSplit = 0;
        if (given.hasMatchedOption("--validation-split") && base != null) b.trainSize = 0;
        if (all || given.hasMatchedOption("--backend")) b.backend = backend.backend;
        if (all || given.hasMatchedOption("--threads")) b.threads = backend.threads;
        if (all || given.hasMatchedOption("--tf32")) b.tf32 = precision.tf32;
        if (all || given.hasMatchedOption("--bf16")) b.bf16 = precision.bf16;
        if (all || given.hasMatchedOption("--no-graph")) b.graphs = !noGraph;
        if (checkpointEvery != null)
            b.checkpointEvery = CheckpointSaver.Every.parse(checkpointEvery).toString();
        if (all || given.hasMatchedOption("--track-gradients")) b.trackGradients = trackGradients;
        b.version = Main.version();
        return b.build();
    }

    /** "auto" made the init it stands for (so that config.json names it); a network not yet made keeps it. */
    private static RunConfig resolveInit(RunConfig c) {
        if (c.initWeights() != null || c.layers() == null) return c;
        RunConfig.Builder b = c.toBuilder();
        b.init = InitOption.resolve(c.init(), c.network()).cliName;
        return b.build();
    }

    /** Everything that can be checked before the data is read and anything is written. */
    private void check(RunConfig c) {
        ParseResult given = cmd.commandLine().getParseResult();
        OptimizerOptions.checkApplies(c.optimizerSpec().kind(), given);
        EarlyStopping.Monitor.parse(c.monitor());
        if (c.earlyStop() < 0)
            throw new IllegalArgumentException(
                    "--early-stop must be 0 (off) or a number of epochs, got " + c.earlyStop());
        if (given.hasMatchedOption("--monitor") && c.trainSize() == 0 && c.validationSplit() == 0)
            throw new IllegalArgumentException("--monitor chooses the best epoch on the validation set, and this run "
                    + "has none: hold some training samples out with --validation-split F or --train-size N");
        if ((c.earlyStop() > 0 || c.saveBest()) && c.trainSize() == 0 && c.validationSplit() == 0)
            throw noValidationSet(c);
        if (c.batch() <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + c.batch());
        Backends.checkThreads(c.threads());
        if (c.trackGradients() < 0)
            throw new IllegalArgumentException(
                    "--track-gradients must be a positive number of steps, got " + c.trackGradients());
        if (c.checkpointEvery() != null) CheckpointSaver.Every.parse(c.checkpointEvery());
        new Trainer.Config(c.batch(), c.epochs(), c.steps(), c.seed(), hyper(c, 1)); // checks the numbers now
        Backends.check(c.backend(), c.tf32(), c.bf16(), 0);
    }

    /** The update's hyper-parameters of a run on n training samples. */
    static Step.Hyper hyper(RunConfig c, int n) {
        return new Step.Hyper(c.eta(), c.lambda(), n, c.optimizerSpec(), c.schedule());
    }

    /** --early-stop and --save-best without a validation set: what to give instead. */
    static IllegalArgumentException noValidationSet(RunConfig c) {
        String opt = c.earlyStop() > 0 ? "--early-stop" : "--save-best";
        return new IllegalArgumentException(opt + " watches the validation set, and this run has none: hold some "
                + "training samples out with --validation-split F (e.g. 0.1), or --train-size N (e.g. --train-size "
                + "50000 validates on the other 10,000)");
    }

    private Path outDir() {
        return out != null
                ? out
                : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /** --config names a config.json or the run directory holding one. */
    private static Path configFile(Path given) {
        return Files.isDirectory(given) ? given.resolve(RunOutput.CONFIG) : given;
    }

    private static boolean samePath(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    boolean progress() {
        return !noProgress && !main.quiet && System.console() != null;
    }

    boolean json() {
        return json.json;
    }

    boolean quiet() {
        return main.quiet;
    }

    java.util.function.Consumer<String> notices() {
        return main.notices(cmd.commandLine().getErr());
    }

    boolean debug() {
        return main.debug;
    }

    /** --device: the CUDA device index (not part of the stored configuration: a resumed run may move). */
    int device() {
        return backend.device;
    }

    DataOptions data() {
        return data;
    }
}
