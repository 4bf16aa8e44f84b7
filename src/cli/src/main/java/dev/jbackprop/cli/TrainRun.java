package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.data.Split;
import dev.jbackprop.diag.GradientTracker;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.DivergedException;
import dev.jbackprop.engine.EarlyStopping;
import dev.jbackprop.engine.GradientExchange;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.LearningRateSchedule;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Optimizer;
import dev.jbackprop.model.TrainingState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * One train run, in steps: read the data and check it fits the network, open the run's directory, open the backend
 * and upload the data, write the configuration and the initial model, train (a {@link TrainListener} reporting and
 * writing as it goes), and finish: the curves, the gradient plot and the last line, or why training diverged.
 */
final class TrainRun {
    private final TrainCommand cmd;
    private final RunConfig asked;
    private final Path dir;
    private final ResumedRun resumed; // or null
    private final PrintWriter out;
    private final PrintWriter err;

    /** What the training loop needs to know of the run. */
    record Setup(
            RunConfig config,
            NetworkSpec spec,
            RunOutput output,
            Map<String, String> modelMetadata,
            boolean progress,
            int epochsDone) {}

    /** The data sets, and the fingerprint a checkpoint records (null when none is written or read). */
    private record Data(Dataset train, Dataset validation, Dataset test, String fingerprint) {}

    TrainRun(TrainCommand cmd, RunConfig asked, Path dir, ResumedRun resumed) {
        this.cmd = cmd;
        this.asked = asked;
        this.dir = dir;
        this.resumed = resumed;
        this.out = cmd.cmd.commandLine().getOut();
        this.err = cmd.cmd.commandLine().getErr();
    }

    int run() throws Exception {
        NetworkSpec spec = asked.network();
        Data data = readData(spec);
        RunConfig sized = withSizes(asked, data);
        float[] initial = initialParameters(sized, spec);
        RunOutput output = resumed != null
                ? RunOutput.reopen(dir, resumed.state().epochsDone())
                : RunOutput.create(dir, cmd.force);
        try (AutoCloseable lock = resumed == null ? startDirectory(sized) : null) {
            return train(sized, spec, data, initial, output);
        }
    }

    /** Reads the data and checks it against the network and --train-size (usage errors). */
    private Data readData(NetworkSpec spec) throws IOException {
        Mnist mnist = cmd.data().load(DataOptions.directory(asked.data()), err);
        Dataset full = mnist.train();
        int n = asked.trainSize() == 0 ? full.count() : asked.trainSize();
        if (n > full.count())
            throw new IllegalArgumentException(
                    "--train-size " + n + " exceeds the " + full.count() + " training images");
        Split split = Split.of(full, n);
        Dataset train = split.train();
        if ((asked.earlyStop() > 0 || asked.saveBest()) && split.validation().count() == 0)
            throw TrainCommand.noValidationSet(asked);
        if (spec.inputSize() != train.features()) {
            throw new IllegalArgumentException(
                    "--layers starts with " + spec.inputSize() + " inputs but the data has " + train.features()
                            + " features per sample; use --layers " + train.features() + ",…," + train.classes());
        }
        if (spec.outputSize() != train.classes()) {
            throw new IllegalArgumentException("--layers ends with " + spec.outputSize() + " outputs but the data has "
                    + train.classes() + " classes; use --layers …," + train.classes());
        }
        String fingerprint = asked.checkpointEvery() != null || resumed != null
                ? CheckpointSaver.fingerprint(train, split.validation(), mnist.test())
                : null;
        if (resumed != null && !fingerprint.equals(resumed.checkpoint.metadata().get(CheckpointSaver.DATA_KEY))) {
            Path given = DataOptions.directory(asked.data());
            throw new Main.Failure("the data in " + (given != null ? given : "the MNIST cache")
                    + " is not the data the run in " + resumed.dir + " was trained on; give its data with --data");
        }
        return new Data(train, split.validation(), mnist.test(), fingerprint);
    }

    private static RunConfig withSizes(RunConfig c, Data data) {
        RunConfig.Builder b = c.toBuilder();
        b.trainSize = data.train.count();
        b.validationSize = data.validation.count();
        b.testSize = data.test.count();
        return b.build();
    }

    private float[] initialParameters(RunConfig c, NetworkSpec spec) throws IOException {
        if (resumed != null) return resumed.checkpoint.snapshot().params();
        Path file = c.initWeights();
        return file != null
                ? ModelFile.read(file, spec.layout())
                : Init.parse(c.init()).initialise(spec.layout(), c.seed());
    }

    /** A new run: its checkpoint directory locked (when it checkpoints) and emptied of an older run's. */
    private AutoCloseable startDirectory(RunConfig c) throws IOException {
        AutoCloseable lock = c.checkpointEvery() != null ? ResumedRun.lock(dir) : null;
        CheckpointDir.clear(dir.resolve(CheckpointSaver.DIR));
        return lock;
    }

    private int train(RunConfig sized, NetworkSpec spec, Data data, float[] initial, RunOutput output)
            throws Exception {
        try (Ops ops = Backends.open(
                        sized.backend(),
                        sized.threads(),
                        sized.tf32(),
                        sized.bf16(),
                        cmd.debug(),
                        msg -> err.println("jbackprop: " + msg));
                Network network = new Network(ops, spec, sized.batch(), sized.optimizerSpec());
                DeviceData trainData = upload(ops, data.train);
                DeviceData testData = upload(ops, data.test);
                DeviceData valData = data.validation.count() > 0 ? upload(ops, data.validation) : null;
                Trainer trainer = new Trainer(network, trainData, testData, trainerConfig(sized, data));
                GradientTracker tracker = sized.trackGradients() > 0
                        ? new GradientTracker(network, output.dir().resolve("gradients.csv"))
                        : null) {
            network.setParameters(initial);
            GradientExchange worker = DistributedTraining.Worker.EXCHANGE.get(); // train --workers: one of them
            if (worker != null) trainer.exchangeGradients(worker);
            RunConfig config = onBackend(sized, ops);
            String json = RunConfigJson.toJson(config);
            Setup setup = new Setup(
                    config,
                    spec,
                    output,
                    Map.of("format", "pt", ModelFile.NETWORK_KEY, json),
                    cmd.progress(),
                    resumed == null ? 0 : resumed.state().epochsDone());
            CheckpointSaver saver = config.checkpointEvery() == null
                    ? null
                    : new CheckpointSaver(
                            CheckpointSaver.Every.parse(config.checkpointEvery()),
                            output.dir(),
                            spec.layout(),
                            json,
                            data.fingerprint);
            start(setup, json, trainer, saver, initial, data);
            EarlyStopping early = valData == null
                    ? null
                    : new EarlyStopping(EarlyStopping.Monitor.parse(config.monitor()), config.earlyStop());
            if (early != null && resumed != null) restoreEarlyStopping(early);
            TrainListener listener = new TrainListener(setup, trainer, network, valData, early, saver, tracker, out);
            if (early != null
                    && resumed != null
                    && early.shouldStop(resumed.state().epochsDone())) {
                out.printf(
                        "early stopping ended this run after epoch %d (best on validation: epoch %d); nothing to "
                                + "train (a larger --early-stop continues it)%n",
                        resumed.state().epochsDone(), early.bestEpoch());
                return 0;
            }
            try {
                trainer.run(listener);
                if (saver != null) saver.save(trainer);
            } catch (DivergedException d) {
                throw diverged(d, listener, saver, output);
            } finally {
                drawCurves(output, spec, tracker);
            }
            out.println(summary(listener, trainer, output));
        }
        return 0;
    }

    /**
     * The last line: with a validation set, the epoch best on it (its figure and that epoch's test accuracy), else
     * the best test accuracy; the steps and where the run is.
     */
    private static String summary(TrainListener listener, Trainer trainer, RunOutput output) {
        EarlyStopping early = listener.early();
        String best;
        if (early != null && early.bestEpoch() > 0) {
            int e = early.bestEpoch();
            double test = listener.testAccuracy(e);
            best = String.format(
                    Locale.ROOT,
                    early.monitor() == EarlyStopping.Monitor.LOSS
                            ? "best on validation: epoch %d (loss %.4f%s)"
                            : "best on validation: epoch %d (accuracy %.2f%%%s)",
                    e,
                    early.monitor() == EarlyStopping.Monitor.LOSS ? early.best() : 100 * early.best(),
                    Double.isNaN(test) ? "" : String.format(Locale.ROOT, ", test %.2f%%", 100 * test));
        } else {
            best = String.format(
                    Locale.ROOT,
                    "best test accuracy %.2f%% (epoch %d)",
                    100 * listener.bestAccuracy(),
                    listener.bestEpoch());
        }
        return String.format(Locale.ROOT, "%s; %d steps; wrote %s", best, trainer.steps(), output.dir());
    }

    /** A resumed run's early stopping carries on from the state its checkpoint recorded. */
    private void restoreEarlyStopping(EarlyStopping early) {
        Map<String, String> meta = resumed.checkpoint.metadata();
        try {
            String e = meta.get(CheckpointSaver.BEST_EPOCH_KEY), v = meta.get(CheckpointSaver.BEST_VALUE_KEY);
            if (e != null && v != null) early.restore(Integer.parseInt(e), Double.parseDouble(v));
        } catch (NumberFormatException ex) {
            throw new Main.Failure(resumed.checkpoint.file() + ": metadata '" + CheckpointSaver.BEST_EPOCH_KEY
                    + "' or '" + CheckpointSaver.BEST_VALUE_KEY + "' is not a number");
        }
    }

    private static Trainer.Config trainerConfig(RunConfig c, Data data) {
        return new Trainer.Config(
                c.batch(), c.epochs(), c.steps(), c.seed(), TrainCommand.hyper(c, data.train.count()), c.graphs());
    }

    /** The configuration as it runs: the backend and device used, and the CPU's thread count. */
    private static RunConfig onBackend(RunConfig c, Ops ops) {
        RunConfig.Builder b = c.toBuilder();
        b.backend = ops.name();
        b.device = ops.description();
        if (ops.name().equals("cpu") && b.threads == 0)
            b.threads = Runtime.getRuntime().availableProcessors();
        return b.build();
    }

    /** config.json and the first model (a new run) or the restored state (a resumed one); the first lines. */
    private void start(Setup s, String json, Trainer trainer, CheckpointSaver saver, float[] initial, Data data)
            throws IOException {
        RunOutput output = s.output();
        if (resumed != null) {
            trainer.restore(resumed.checkpoint.snapshot());
            output.writeConfig(json);
            if (saver != null) saver.resumedFrom(resumed.checkpoint);
        } else {
            output.writeConfig(json);
            output.startMetrics();
            output.writeModel(s.spec().layout(), initial, s.modelMetadata());
        }
        RunConfig c = s.config();
        out.printf("jbackprop %s: %s on %s%n", Main.version(), s.spec(), c.device());
        out.printf(
                "  %d training images (%d validation, %d test), batch %d, %s, init %s, seed %d -> %s%n",
                data.train.count(),
                data.validation.count(),
                data.test.count(),
                c.batch(),
                update(c),
                c.initWeights() != null ? c.initWeights() : c.init(),
                c.seed(),
                output.dir());
        if (resumed != null) {
            TrainingState st = resumed.state();
            out.printf(
                    "  resuming from %s: %d epochs done, step %d%s%n",
                    resumed.checkpoint.file(),
                    st.epochsDone(),
                    st.steps(),
                    st.stepInEpoch() > 0
                            ? " (" + st.stepInEpoch() + " of " + trainer.stepsPerEpoch() + " in epoch "
                                    + (st.epochsDone() + 1) + ")"
                            : "");
        } else if (saver != null) {
            saver.save(trainer);
        }
        out.flush();
    }

    /** "η=0.05, μ=0.9, λ=0.0" for sgd (as always), the optimiser and its numbers otherwise; then the schedule. */
    static String update(RunConfig c) {
        Optimizer o = c.optimizerSpec();
        String rule = switch (o.kind()) {
            case SGD -> "η=" + c.eta() + ", μ=" + c.momentum() + ", λ=" + c.lambda();
            case NESTEROV -> "nesterov η=" + c.eta() + ", μ=" + o.momentum() + ", wd=" + o.weightDecay();
            case ADAM, ADAMW ->
                o.kind() + " η=" + c.eta() + ", β₁=" + o.beta1() + ", β₂=" + o.beta2() + ", ε=" + o.epsilon() + ", wd="
                        + o.weightDecay();
        };
        LearningRateSchedule s = c.schedule();
        if (!s.isConstant())
            rule += ", schedule " + s + (s.warmup() > 0 ? " after " + s.warmup() + " warm-up steps" : "");
        return rule;
    }

    private static Main.Failure diverged(
            DivergedException d, TrainListener listener, CheckpointSaver saver, RunOutput output) {
        String kept =
                listener.lastGood() == 0 ? "the initial weights" : "the weights after epoch " + listener.lastGood();
        String ckpt = saver == null || saver.last() == null
                ? ""
                : "; the last good checkpoint is " + saver.last() + " (step " + saver.lastStep() + ")";
        return new Main.Failure("training diverged: " + Flags.message(d) + "; " + kept + " are in "
                + output.dir().resolve(RunOutput.MODEL) + ckpt);
    }

    /** curves.png and, when tracked, gradients.png: a run that stopped early keeps its figures too. */
    private void drawCurves(RunOutput output, NetworkSpec spec, GradientTracker tracker) {
        try {
            output.writeCurves(spec.toString());
        } catch (Exception ex) {
            err.println("jbackprop: could not draw curves.png: " + ex.getMessage());
        }
        if (tracker != null && tracker.size() > 0) {
            try {
                tracker.flush();
                Plots.trackedGradients(tracker, output.dir().resolve("gradients.png"), spec + ": gradient norms");
            } catch (Exception ex) {
                err.println("jbackprop: could not write gradients.csv/png: " + ex.getMessage());
            }
        }
    }

    static DeviceData upload(Ops ops, Dataset d) {
        return DeviceData.upload(ops, d.x(), d.y(), d.features(), d.classes(), d.count());
    }
}
