package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.data.Split;
import dev.jbackprop.diag.GradientTracker;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.DivergedException;
import dev.jbackprop.engine.MemoryPlan;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.TrainingSnapshot;
import dev.jbackprop.model.TrainingState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One train run, in steps: read the data and check it fits the network; open the backend and check the run's
 * {@link MemoryPlan} against what it can hold (--dry-run prints the plan and stops there); open the run's
 * directory (locked until the run ends); allocate the network and upload the data; write the configuration and the
 * initial model; train (a {@link TrainListener} reporting and writing as it goes); and finish: the curves, the
 * gradient plot and the last line, or one line saying why training stopped (diverged, interrupted, a write failed)
 * and what is on disk.
 */
final class TrainRun {
    private final TrainCommand cmd;
    private final RunConfig asked;
    private final Path dir;
    private final ResumedRun resumed; // or null
    private final Interrupts interrupts;
    private final PrintWriter out;
    private final PrintWriter err;
    private String batchNote; // when --batch was larger than the data

    /** What the training loop needs to know of the run. */
    record Setup(
            RunConfig config,
            NetworkSpec spec,
            RunOutput output,
            Map<String, String> modelMetadata,
            boolean progress,
            int epochsDone,
            long stepsDone) {}

    /** The data sets, and the fingerprint a checkpoint records (null when none is written or read). */
    private record Data(Dataset train, Dataset validation, Dataset test, String fingerprint) {}

    /** A file of the run could not be written (a full disk): reported with what is on disk. */
    static final class WriteFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient BadFileException failure;

        WriteFailed(BadFileException failure) {
            super(failure.getMessage(), failure);
            this.failure = failure;
        }
    }

    TrainRun(TrainCommand cmd, RunConfig asked, Path dir, ResumedRun resumed, Interrupts interrupts) {
        this.cmd = cmd;
        this.asked = asked;
        this.dir = dir;
        this.resumed = resumed;
        this.interrupts = interrupts;
        this.out = cmd.cmd.commandLine().getOut();
        this.err = cmd.cmd.commandLine().getErr();
    }

    int run() throws Exception {
        NetworkSpec spec = asked.network();
        Data data = readData(spec);
        RunConfig sized = withSizes(asked, data);
        stopIfInterrupted();
        try (Ops ops = Backends.open(
                sized.backend(),
                sized.threads(),
                sized.tf32(),
                sized.bf16(),
                cmd.debug(),
                msg -> err.println("jbackprop: " + msg))) {
            MemoryPlan plan = MemoryPlan.forTraining(
                    spec, sized.batch(), sized.momentum() > 0 ? 1 : 0, shapes(data), ops.memoryLimits());
            if (cmd.dryRun) {
                printPlan(plan, ops);
                plan.check();
                out.println("the plan fits; nothing was written (--dry-run)");
                return 0;
            }
            plan.check(); // before anything large is allocated
            float[] initial = initialParameters(sized, spec);
            stopIfInterrupted();
            try (RunOutput output = resumed != null
                    ? RunOutput.reopen(dir, resumed.state().epochsDone(), resumed.lock())
                    : RunOutput.create(dir, cmd.force, RunOutput.TRAIN_FILES)) {
                return train(ops, sized, spec, data, initial, output);
            }
        }
    }

    /** A signal before training started: nothing of the run was written yet. */
    private void stopIfInterrupted() {
        if (interrupts.received() != null) {
            throw new Main.Failure(
                    "stopped by " + interrupts.received() + " before training started; nothing was written"
                            + (resumed != null ? " (the run in " + dir + " is as it was)" : ""),
                    interrupts.exitCode(),
                    null);
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

    /** The data's sizes recorded; a batch larger than the training set is the training set (said in the header). */
    private RunConfig withSizes(RunConfig c, Data data) {
        RunConfig.Builder b = c.toBuilder();
        b.trainSize = data.train.count();
        b.validationSize = data.validation.count();
        b.testSize = data.test.count();
        if (c.batch() > data.train.count()) {
            batchNote = String.format(
                    "--batch %d is larger than the %d training samples: using --batch %d",
                    c.batch(), data.train.count(), data.train.count());
            b.batch = data.train.count();
        }
        return b.build();
    }

    private static List<MemoryPlan.Data> shapes(Data data) {
        List<MemoryPlan.Data> s = new ArrayList<>();
        for (Dataset d : new Dataset[] {data.train, data.test, data.validation}) {
            if (d.count() == 0) continue;
            String name = d == data.train ? "training" : d == data.test ? "test" : "validation";
            s.add(new MemoryPlan.Data(name, d.count(), d.features(), d.classes()));
        }
        return s;
    }

    /** --dry-run: the plan, item by item, and the totals against the limits. */
    private void printPlan(MemoryPlan plan, Ops ops) {
        out.printf("memory plan: %s, batch %d, on %s%n", plan.spec(), plan.batch(), ops.description());
        if (batchNote != null) out.println("  " + batchNote);
        for (MemoryPlan.Item it : plan.items()) {
            out.printf(
                    Locale.ROOT, "  %-14s %10s  %s%n", it.place().description, MemoryPlan.bytes(it.bytes()), it.what());
        }
        var l = plan.limits();
        System.gc(); // what is free, not what garbage still holds
        for (MemoryPlan.Place p : MemoryPlan.Place.values()) {
            if (p == MemoryPlan.Place.DEVICE && !l.device()) continue;
            long available = switch (p) {
                case HEAP -> dev.jbackprop.engine.MemoryLimits.heapAvailable();
                case HOST -> l.hostBytes();
                case DEVICE -> l.deviceBytes();
            };
            String why = switch (p) {
                case HEAP ->
                    "the Java heap's limit (-Xmx) is " + MemoryPlan.bytes(dev.jbackprop.engine.MemoryLimits.heapMax());
                case HOST -> l.hostLimit();
                case DEVICE -> l.deviceLimit();
            };
            out.printf(
                    Locale.ROOT,
                    "total %s: %s of %s available (%s)%n",
                    p.description,
                    MemoryPlan.bytes(plan.total(p)),
                    available == Long.MAX_VALUE ? "unlimited" : MemoryPlan.bytes(available),
                    why);
        }
        out.printf(Locale.ROOT, "largest block: %,d floats (%s)%n", l.maxBlockFloats(), l.blockLimit());
        if (plan.streamed()) out.println("the data does not fit on the device with the network: it will be streamed");
        out.flush();
    }

    private float[] initialParameters(RunConfig c, NetworkSpec spec) throws IOException {
        if (resumed != null) return resumed.checkpoint.snapshot().params();
        Path file = c.initWeights();
        return file != null
                ? ModelFile.read(file, spec.layout())
                : Init.parse(c.init()).initialise(spec.layout(), c.seed());
    }

    private int train(Ops ops, RunConfig sized, NetworkSpec spec, Data data, float[] initial, RunOutput output)
            throws Exception {
        try (Network network = new Network(ops, spec, sized.batch(), sized.momentum() > 0);
                DeviceData trainData = upload(ops, data.train);
                DeviceData testData = upload(ops, data.test);
                DeviceData valData = data.validation.count() > 0 ? upload(ops, data.validation) : null;
                Trainer trainer = new Trainer(network, trainData, testData, trainerConfig(sized, data));
                GradientTracker tracker = sized.trackGradients() > 0 ? tracker(network, output) : null) {
            network.setParameters(initial);
            RunConfig config = onBackend(sized, ops);
            String json = RunConfigJson.toJson(config);
            TrainingState from = resumed == null ? null : resumed.state();
            Setup setup = new Setup(
                    config,
                    spec,
                    output,
                    Map.of("format", "pt", ModelFile.NETWORK_KEY, json),
                    cmd.progress(),
                    from == null ? 0 : from.epochsDone(),
                    from == null ? 0 : from.steps());
            CheckpointSaver saver = config.checkpointEvery() == null
                    ? null
                    : new CheckpointSaver(
                            CheckpointSaver.Every.parse(config.checkpointEvery()),
                            output.dir(),
                            spec.layout(),
                            json,
                            data.fingerprint);
            TrainListener listener = new TrainListener(setup, trainer, network, valData, saver, tracker, out);
            boolean drawn = true;
            try {
                start(setup, json, trainer, saver, listener, initial, data);
                interrupts.onStop(trainer::requestStop);
                trainer.run(listener);
                if (trainer.stopped()) throw stopped(setup, trainer, network, listener, saver);
                if (saver != null) saver.save(trainer);
            } catch (DivergedException d) {
                throw diverged(d, listener, saver, output);
            } catch (WriteFailed w) {
                drawn = false; // the disk that refused the write would refuse the curves too
                throw writeFailed(w.failure, listener, saver, output);
            } finally {
                interrupts.clearCallbacks();
                if (drawn) drawCurves(output, spec, tracker);
            }
            out.printf(
                    Locale.ROOT,
                    "best test accuracy %.2f%% (epoch %d); %d steps; wrote %s%n",
                    100 * listener.bestAccuracy(),
                    listener.bestEpoch(),
                    trainer.steps(),
                    output.dir());
        }
        return 0;
    }

    private static GradientTracker tracker(Network network, RunOutput output) {
        Path csv = output.dir().resolve(RunOutput.GRADIENTS_CSV);
        try {
            return new GradientTracker(network, csv);
        } catch (IOException e) {
            throw new WriteFailed(BadFileException.wrap(csv, "write it", e));
        }
    }

    private Trainer.Config trainerConfig(RunConfig c, Data data) {
        return new Trainer.Config(
                c.batch(),
                c.epochs(),
                c.steps(),
                c.seed(),
                TrainCommand.hyper(c, data.train.count()),
                c.graphs(),
                cmd.divergenceFactor);
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
    private void start(
            Setup s,
            String json,
            Trainer trainer,
            CheckpointSaver saver,
            TrainListener listener,
            float[] initial,
            Data data)
            throws BadFileException {
        RunOutput output = s.output();
        if (resumed != null) restore(trainer); // a corrupt checkpoint is not a write failure
        try {
            if (resumed != null) {
                output.writeConfig(json);
                if (saver != null) saver.resumedFrom(resumed.checkpoint);
            } else {
                output.writeConfig(json);
                output.startMetrics();
                output.writeModel(s.spec().layout(), initial, s.modelMetadata(), 0, 0);
                listener.modelWritten(0, 0);
            }
        } catch (BadFileException e) {
            throw new WriteFailed(e);
        }
        RunConfig c = s.config();
        out.printf("jbackprop %s: %s on %s%n", Main.version(), s.spec(), c.device());
        out.printf(
                "  %d training images (%d validation, %d test), batch %d, η=%s, μ=%s, λ=%s, init %s, seed %d -> %s%n",
                data.train.count(),
                data.validation.count(),
                data.test.count(),
                c.batch(),
                c.eta(),
                c.momentum(),
                c.lambda(),
                c.initWeights() != null ? c.initWeights() : c.init(),
                c.seed(),
                output.dir());
        if (batchNote != null) out.println("  " + batchNote);
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

    /** The checkpoint's state into the trainer; a state no run with its configuration can reach is corrupt. */
    private void restore(Trainer trainer) throws BadFileException {
        TrainingSnapshot snap = resumed.checkpoint.snapshot();
        try {
            trainer.restore(snap);
        } catch (IllegalArgumentException e) {
            TrainingState st = snap.state();
            throw new BadFileException(
                    resumed.checkpoint.file(),
                    "is corrupt: metadata 'step' " + st.steps() + ", 'epochs_done' " + st.epochsDone()
                            + " and 'step_in_epoch' " + st.stepInEpoch() + " do not fit the " + trainer.stepsPerEpoch()
                            + " steps per epoch of its own configuration and data");
        }
    }

    /**
     * After a signal: the weights of the last step into model.safetensors (its metadata saying how far they were
     * trained) and, when the run checkpoints, a checkpoint of that step; then the one line saying so.
     */
    private Main.Failure stopped(
            Setup s, Trainer trainer, Network network, TrainListener listener, CheckpointSaver saver) {
        TrainingState st = trainer.state();
        try {
            if (listener.modelSteps() != trainer.steps()) {
                TrainingSnapshot snap = trainer.snapshot(); // checks the parameters are finite
                s.output().writeModel(s.spec().layout(), snap.params(), s.modelMetadata(), st.epochsDone(), st.steps());
                listener.modelWritten(st.epochsDone(), st.steps());
            }
        } catch (BadFileException e) {
            throw new WriteFailed(e);
        }
        if (saver != null) saver.save(trainer);
        String where = st.steps() == 0
                ? "before the first step"
                : st.stepInEpoch() == 0
                        ? "after epoch " + st.epochsDone() + " (step " + st.steps() + ")"
                        : "in epoch " + (st.epochsDone() + 1) + " at step " + st.steps() + " (step " + st.stepInEpoch()
                                + " of " + trainer.stepsPerEpoch() + " of the epoch)";
        Path run = s.output().dir();
        String held = st.steps() == 0
                ? "the initial weights"
                : "the weights after step " + st.steps() + " (" + plural(st.epochsDone(), "epoch")
                        + (st.stepInEpoch() > 0 ? " and " + plural(st.stepInEpoch(), "step") : "") + ")";
        String onDisk = run.resolve(RunOutput.MODEL) + " holds " + held + ", " + RunOutput.METRICS + " "
                + (s.output().lastEpochWritten() == 0
                        ? "no epoch yet"
                        : "the rows up to epoch " + s.output().lastEpochWritten());
        String next = saver != null
                ? "; checkpoint " + saver.last().getFileName() + " holds the whole state: continue with jbackprop "
                        + "train --resume " + run
                : "; there is no checkpoint (no --checkpoint-every), so the run cannot be resumed exactly: start "
                        + "from these weights with --init-weights " + run.resolve(RunOutput.MODEL);
        return new Main.Failure(
                "stopped by " + interrupts.received() + " " + where + "; " + onDisk + next,
                interrupts.exitCode(),
                null);
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

    /** A write that failed: the file and why, and what the directory holds (every write before it is whole). */
    private Main.Failure writeFailed(
            BadFileException e, TrainListener listener, CheckpointSaver saver, RunOutput output) {
        Path run = output.dir();
        String model = listener.modelSteps() < 0
                ? resumed != null ? RunOutput.MODEL + " as the interrupted run left it" : "no model yet"
                : RunOutput.MODEL + " with "
                        + (listener.modelSteps() == 0
                                ? "the initial weights"
                                : "the weights after epoch " + listener.lastGood() + " (step " + listener.modelSteps()
                                        + ")");
        String metrics = RunOutput.METRICS + " "
                + (output.lastEpochWritten() == 0 ? "with no epoch" : "up to epoch " + output.lastEpochWritten());
        String ckpt = saver == null || saver.last() == null
                ? ""
                : ", checkpoint " + saver.last().getFileName();
        String next = saver != null && saver.last() != null
                ? "free space, then continue with jbackprop train --resume " + run
                : "free space and run it again";
        return new Main.Failure(
                "cannot write " + e.file() + " (" + reason(e) + "); "
                        + (e.file().getFileName().toString().equals(RunOutput.GRADIENTS_CSV)
                                ? ""
                                : "its temporary file is removed and ")
                        + run + " holds " + model + ", " + metrics + ckpt + ": " + next,
                Main.FAILURE,
                e);
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    /** The operating system's words for a failed write ("No space left on device"), else the message. */
    static String reason(IOException e) {
        Throwable t = e;
        while (t.getCause() instanceof IOException c && t.getCause() != t) t = c;
        if (t instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        if (t instanceof BadFileException b) return b.problem();
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
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
