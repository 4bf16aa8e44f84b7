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
import dev.jbackprop.engine.MemoryPlan;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.LearningRateSchedule;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Optimizer;
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
 * One train run, in steps: read the data (and make the network for it: the sizes --hidden leaves to the data, the
 * task's output and cost); open the backend and check the run's {@link MemoryPlan} against what it can hold
 * (--dry-run prints the plan and stops there); open the run's directory (locked until the run ends); allocate the
 * network and put the data on the backend once; write the configuration and the initial model; train (a
 * {@link TrainListener} reporting and writing as it goes); and finish: the curves, the gradient plot and the last
 * line, or one line saying why training stopped (diverged, interrupted, a write failed) and what is on disk.
 */
final class TrainRun {
    private final TrainCommand cmd;
    private final RunConfig asked;
    private final NetRequest request; // or null: the configuration's network
    private final Path dir;
    private final ResumedRun resumed; // or null
    private final Interrupts interrupts;
    private final PrintWriter out; // the human text: stdout, stderr with --json (not a worker's), nowhere with --quiet
    private final PrintWriter result; // the last line: stdout (or with the human text, with --json)
    private final PrintWriter jsonOut; // --json: stdout, else null
    private String batchNote; // when --batch was larger than the data

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

    /** A file of the run could not be written (a full disk): reported with what is on disk. */
    static final class WriteFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient BadFileException failure;

        WriteFailed(BadFileException failure) {
            super(failure.getMessage(), failure);
            this.failure = failure;
        }
    }

    TrainRun(
            TrainCommand cmd,
            RunConfig asked,
            NetRequest request,
            Path dir,
            ResumedRun resumed,
            Interrupts interrupts) {
        this.cmd = cmd;
        this.asked = asked;
        this.request = request;
        this.dir = dir;
        this.resumed = resumed;
        this.interrupts = interrupts;
        PrintWriter err = cmd.cmd.commandLine().getErr();
        PrintWriter stdout = cmd.cmd.commandLine().getOut();
        this.jsonOut = cmd.json() ? stdout : null;
        // a worker of train --workers N keeps its text next to its JSON lines: worker 0's log, which the driver splits
        boolean worker = DistributedTraining.Worker.EXCHANGE.get() != null;
        this.result = JsonOut.text(cmd.json() && !worker, cmd.quiet(), stdout, err);
        this.out = cmd.quiet() ? new PrintWriter(java.io.Writer.nullWriter()) : result;
    }

    int run() throws Exception {
        Data data = readData();
        RunConfig sized = data.config;
        NetworkSpec spec = data.spec;
        boolean regression = data.sets.task() == dev.jbackprop.data.Task.REGRESSION;
        stopIfInterrupted();
        try (Ops ops = Backends.open(
                sized.backend(),
                sized.threads(),
                cmd.device(),
                sized.tf32(),
                sized.bf16(),
                cmd.debug(),
                cmd.notices())) {
            Optimizer o = sized.optimizerSpec();
            MemoryPlan plan = MemoryPlan.forTraining(
                    spec,
                    sized.batch(),
                    (o.firstState() ? 1 : 0) + (o.secondState() ? 1 : 0),
                    shapes(data),
                    ops.memoryLimits());
            if (cmd.dryRun) {
                printPlan(plan, ops);
                plan.check();
                result.println("the plan fits; nothing was written (--dry-run)");
                return 0;
            }
            plan.check(); // before anything large is allocated
            float[] initial = initialParameters(sized, spec);
            stopIfInterrupted();
            try (RunOutput output = resumed != null
                    ? RunOutput.reopen(dir, resumed.state().epochsDone(), resumed.lock(), regression)
                    : RunOutput.create(dir, cmd.force, RunOutput.TRAIN_FILES, regression)) {
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

    /**
     * Reads the data, makes the network for it and completes the configuration (network, init, sizes, task,
     * normalisation); a resumed run must find the data it was trained on.
     */
    private Data readData() throws IOException {
        TrainingData sets = TrainingData.read(asked, cmd.data().cache, cmd.notices()); // MNIST being fetched
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
        if (asked.batch() > train.count()) {
            batchNote = String.format(
                    "--batch %d is larger than the %d training samples: using --batch %d",
                    asked.batch(), train.count(), train.count());
            b.batch = train.count();
        }
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

    private static List<MemoryPlan.Data> shapes(Data data) {
        List<MemoryPlan.Data> s = new ArrayList<>();
        Dataset[] sets = {data.train(), data.test(), data.validation()};
        String[] names = {"training", "test", "validation"};
        for (int k = 0; k < sets.length; k++) {
            Dataset d = sets[k];
            if (d == null || d.count() == 0) continue;
            s.add(new MemoryPlan.Data(names[k], d.count(), d.features(), d.outputs()));
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

    private int train(Ops ops, RunConfig sized, NetworkSpec spec, Data data, float[] initial, RunOutput output)
            throws Exception {
        try (Network network = new Network(ops, spec, sized.batch(), sized.optimizerSpec());
                BackendData onBackend = new BackendData(ops)) {
            DeviceData trainData = onBackend.of(data.train());
            DeviceData testData = onBackend.of(data.test());
            DeviceData valData = onBackend.of(data.validation());
            try (Trainer trainer = new Trainer(network, trainData, testData, trainerConfig(sized, data));
                    GradientTracker tracker = sized.trackGradients() > 0 ? tracker(network, output) : null) {
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
        EarlyStopping early = valData == null
                ? null
                : new EarlyStopping(EarlyStopping.Monitor.parse(config.monitor()), config.earlyStop());
        if (early != null && resumed != null) restoreEarlyStopping(early, output, saver);
        TrainListener listener = new TrainListener(setup, trainer, network, valData, early, saver, tracker, out);
        if (jsonOut != null)
            listener.json(JsonOut.trainEpochs(
                    jsonOut,
                    ops,
                    config,
                    output.dir(),
                    data.sets.task() == dev.jbackprop.data.Task.REGRESSION,
                    worker == null ? 1 : worker.workers()));
        if (early != null && resumed != null && early.shouldStop(resumed.state().epochsDone())) {
            restore(trainer);
            result.printf(
                    "early stopping ended this run after epoch %d (best on validation: epoch %d); nothing to "
                            + "train (a larger --early-stop continues it)%n",
                    resumed.state().epochsDone(), early.bestEpoch());
            return 0;
        }
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
        result.printf("%s; %d steps; wrote %s%n", listener.summary(), trainer.steps(), output.dir());
        return 0;
    }

    /** A resumed run's early stopping carries on from the state its checkpoint recorded. */
    private void restoreEarlyStopping(EarlyStopping early, RunOutput output, CheckpointSaver saver) {
        Map<String, String> meta = resumed.checkpoint.metadata();
        String e = meta.get(CheckpointSaver.BEST_EPOCH_KEY), v = meta.get(CheckpointSaver.BEST_VALUE_KEY);
        String m = meta.get(CheckpointSaver.BEST_MONITOR_KEY);
        if (e != null && v != null && early.monitor().cliName.equals(m == null ? "loss" : m)) {
            try {
                early.restore(Integer.parseInt(e), Double.parseDouble(v));
            } catch (NumberFormatException ex) {
                throw new Main.Failure(resumed.checkpoint.file() + ": is corrupt: metadata '"
                        + CheckpointSaver.BEST_EPOCH_KEY + "' or '" + CheckpointSaver.BEST_VALUE_KEY
                        + "' is not a number");
            }
        } else {
            // a checkpoint from before its run's first epoch ended, or another --monitor: the kept rows say it
            for (RunOutput.Row r : output.epochs()) early.observe(r.epoch(), r.validationLoss(), r.validation());
        }
        if (saver != null) saver.note(early); // the resumed run's own checkpoints carry it from the first on
    }

    /** gradients.csv: a new one, or a resumed run's continued after the steps its checkpoint holds. */
    private GradientTracker tracker(Network network, RunOutput output) {
        Path csv = output.dir().resolve(RunOutput.GRADIENTS_CSV);
        try {
            return resumed == null
                    ? new GradientTracker(network, csv)
                    : GradientTracker.resume(network, csv, resumed.state().steps());
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
                TrainCommand.hyper(c, data.train().count()),
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
                output.writeModel(s.spec().layout(), initial, s.modelMetadata().of(0, 0));
                listener.modelWritten(0, 0);
            }
        } catch (BadFileException e) {
            throw new WriteFailed(e);
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
                s.output()
                        .writeModel(
                                s.spec().layout(),
                                snap.params(),
                                s.modelMetadata().of(st.epochsDone(), st.steps()));
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

    private Main.Failure diverged(
            DivergedException d, TrainListener listener, CheckpointSaver saver, RunOutput output) {
        String kept = listener.modelSteps() < 0 && resumed != null
                ? "the weights the interrupted run left"
                : listener.lastGood() == 0 ? "the initial weights" : "the weights after epoch " + listener.lastGood();
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
            cmd.notices().accept("could not draw curves.png: " + ex.getMessage());
        }
        if (tracker != null && tracker.size() > 0) {
            try {
                tracker.flush();
                Plots.trackedGradients(tracker, output.dir().resolve("gradients.png"), spec + ": gradient norms");
            } catch (Exception ex) {
                cmd.notices().accept("could not write gradients.csv/png: " + ex.getMessage());
            }
        }
    }
}
