package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.data.DataSchema;
import dev.jbackprop.data.Dataset;
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
import java.util.Map;

/**
 * One train run, in steps: read the data (and make the network for it: the sizes --hidden leaves to the data, the
 * task's output and cost), open the run's directory, open the backend and put the data on it once, write the
 * configuration and the initial model, train (a {@link TrainListener} reporting and writing as it goes), and finish:
 * the curves, the gradient plot and the last line, or why training diverged.
 */
final class TrainRun {
    private final TrainCommand cmd;
    private final RunConfig asked;
    private final NetRequest request; // or null: the configuration's network
    private final Path dir;
    private final ResumedRun resumed; // or null
    private final PrintWriter out;
    private final PrintWriter err;

    /** The model file's metadata after a number of epochs and steps. */
    @FunctionalInterface
    interface Metadata {
        Map<String, String> of(int epochs, long steps);
    }

    /** What the training loop needs to know of the run. */
    record Setup(
            RunConfig config,
            NetworkSpec spec,
            RunOutput output,
            Metadata modelMetadata,
            boolean progress,
            int epochsDone,
            Quality quality) {}

    /** The data sets, the run's configuration completed for them, and the fingerprint a checkpoint records (or null). */
    private record Data(TrainingData sets, RunConfig config, NetworkSpec spec, String fingerprint) {
        Dataset train() {
            return sets.train();
        }

        Dataset validation() {
            return sets.validation();
        }

        Dataset test() {
            return sets.test();
        }
    }

    TrainRun(TrainCommand cmd, RunConfig asked, NetRequest request, Path dir, ResumedRun resumed) {
        this.cmd = cmd;
        this.asked = asked;
        this.request = request;
        this.dir = dir;
        this.resumed = resumed;
        this.out = cmd.cmd.commandLine().getOut();
        this.err = cmd.cmd.commandLine().getErr();
    }

    int run() throws Exception {
        Data data = readData();
        RunConfig sized = data.config;
        NetworkSpec spec = data.spec;
        float[] initial = initialParameters(sized, spec);
        boolean regression = data.sets.task() == dev.jbackprop.data.Task.REGRESSION;
        RunOutput output = resumed != null
                ? RunOutput.reopen(dir, resumed.state().epochsDone(), regression)
                : RunOutput.create(dir, cmd.force, regression);
        try (AutoCloseable lock = resumed == null ? startDirectory(sized) : null) {
            return train(sized, spec, data, initial, output);
        }
    }

    /**
     * Reads the data, makes the network for it and completes the configuration (network, init, sizes, task,
     * normalisation); a resumed run must find the data it was trained on.
     */
    private Data readData() throws IOException {
        TrainingData sets = TrainingData.read(asked, cmd.data().cache, err);
        Dataset train = sets.train();
        NetRequest net = request != null ? request : NetRequest.of(asked.network());
        NetworkSpec spec = net.resolve(train.features(), train.outputs(), sets.task(), sets.outputsWord());
        RunConfig.Builder b = asked.toBuilder().network(spec);
        if (asked.initWeights() == null) b.init = InitOption.resolve(asked.init(), spec).cliName;
        b.trainSize = train.count();
        b.validationSize = sets.validation().count();
        b.testSize = sets.test() == null ? 0 : sets.test().count();
        b.task = sets.task().id();
        if (asked.train() == null) b.classes = train.outputs(); // IDX: the classes read, for a repeat
        b.normalize = sets.normalization().kind().id();
        RunConfig c = b.build();
        if ((c.earlyStop() > 0 || c.saveBest()) && sets.validation().count() == 0)
            throw TrainCommand.noValidationSet(c);
        if (sets.task() == dev.jbackprop.data.Task.REGRESSION
                && EarlyStopping.Monitor.parse(c.monitor()) == EarlyStopping.Monitor.ACCURACY)
            throw new IllegalArgumentException("--monitor accuracy watches a classifier; a regression run monitors "
                    + "its validation loss (--monitor loss)");
        String fingerprint = asked.checkpointEvery() != null || resumed != null
                ? CheckpointSaver.fingerprint(
                        sets.test() == null
                                ? new Dataset[] {train, sets.validation()}
                                : new Dataset[] {train, sets.validation(), sets.test()})
                : null;
        if (resumed != null && !fingerprint.equals(resumed.checkpoint.metadata().get(CheckpointSaver.DATA_KEY))) {
            String given = asked.train() != null
                    ? asked.train()
                    : DataOptions.directory(asked.data()) != null
                            ? DataOptions.directory(asked.data()).toString()
                            : "the MNIST cache";
            throw new Main.Failure("the data in " + given + " is not the data the run in " + resumed.dir
                    + " was trained on; give its data with " + (asked.train() != null ? "--train" : "--data"));
        }
        return new Data(sets, c, spec, fingerprint);
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
                BackendData onBackend = new BackendData(ops)) {
            DeviceData trainData = onBackend.of(data.train());
            DeviceData testData = onBackend.of(data.test());
            DeviceData valData = onBackend.of(data.validation());
            try (Trainer trainer = new Trainer(network, trainData, testData, trainerConfig(sized, data));
                    GradientTracker tracker = sized.trackGradients() > 0
                            ? new GradientTracker(network, output.dir().resolve("gradients.csv"))
                            : null) {
                return train(sized, spec, data, initial, output, ops, network, trainer, tracker, valData);
            }
        }
    }

    private int train(
            RunConfig sized,
            NetworkSpec spec,
            Data data,
            float[] initial,
            RunOutput output,
            Ops ops,
            Network network,
            Trainer trainer,
            GradientTracker tracker,
            DeviceData valData)
            throws Exception {
        network.setParameters(initial);
        GradientExchange worker = DistributedTraining.Worker.EXCHANGE.get(); // train --workers: one of them
        if (worker != null) trainer.exchangeGradients(worker);
        RunConfig config = onBackend(sized, ops);
        String json = RunConfigJson.toJson(config);
        DataSchema schema = data.train().schema();
        Setup setup = new Setup(
                config,
                spec,
                output,
                (epochs, steps) -> ModelInfo.metadata(json, schema, data.sets.normalization(), epochs, steps),
                cmd.progress(),
                resumed == null ? 0 : resumed.state().epochsDone(),
                new Quality(data.sets.task(), spec.cost(), data.train(), data.validation(), data.test()));
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
        if (early != null && resumed != null && early.shouldStop(resumed.state().epochsDone())) {
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
        out.printf("%s; %d steps; wrote %s%n", listener.summary(), trainer.steps(), output.dir());
        return 0;
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
                c.batch(),
                c.epochs(),
                c.steps(),
                c.seed(),
                TrainCommand.hyper(c, data.train().count()),
                c.graphs());
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
            output.writeModel(s.spec().layout(), initial, s.modelMetadata().of(0, 0));
        }
        RunConfig c = s.config();
        Dataset train = data.train();
        out.printf("jbackprop %s: %s on %s%n", Main.version(), s.spec(), c.device());
        out.printf(
                "  %d training %s (%d validation, %d test), %s, batch %d, %s, init %s, seed %d -> %s%n",
                train.count(),
                train.featureMatrix().type() == dev.jbackprop.data.FeatureMatrix.Type.UINT8 ? "images" : "samples",
                data.validation().count(),
                data.test() == null ? 0 : data.test().count(),
                describe(data),
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

    /** "10 classes, normalisation none" or "2 regression targets, normalisation standard". */
    private static String describe(Data data) {
        Dataset t = data.train();
        return t.outputs() + " "
                + (data.sets.task() == dev.jbackprop.data.Task.REGRESSION
                        ? "regression target" + (t.outputs() == 1 ? "" : "s")
                        : "classes")
                + ", normalisation " + data.sets.normalization().kind().id();
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
}
