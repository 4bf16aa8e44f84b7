package dev.jbackprop.cli;

import dev.jbackprop.diag.GradientTracker;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.EarlyStopping;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.engine.Trainer.EpochResult;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What train does around each step and epoch: the progress bar, checkpoints, gradient tracking, the epoch's line,
 * metrics.csv and model.safetensors; with a validation set its loss and accuracy each epoch, which epoch was best
 * on it (the best model, model-best.safetensors, with --save-best) and early stopping; it remembers the best test
 * accuracy and the last epoch whose weights are on disk.
 */
final class TrainListener implements Trainer.Listener {
    private final Trainer trainer;
    private final Network network;
    private final RunOutput run;
    private final ParamLayout layout;
    private final Map<String, String> modelMetadata;
    private final PrintWriter out;
    private final int epochs;
    private final boolean progress;
    private final DeviceData validation; // or null
    private final EarlyStopping early; // with a validation set: its best epoch, and whether to stop
    private final boolean saveBest;
    private final Map<Integer, Double> testByEpoch = new java.util.HashMap<>();
    private boolean stoppedEarly;
    private final CheckpointSaver saver; // or null
    private final GradientTracker tracker; // or null
    private final long trackEvery;
    private final int batch;
    private final int trainCount;
    private ProgressBar bar;
    private double bestAccuracy = -1;
    private int bestEpoch;
    private int lastGood;

    TrainListener(
            TrainRun.Setup s,
            Trainer trainer,
            Network network,
            DeviceData validation,
            EarlyStopping early,
            CheckpointSaver saver,
            GradientTracker tracker,
            PrintWriter out) {
        this.trainer = trainer;
        this.network = network;
        this.run = s.output();
        this.layout = s.spec().layout();
        this.modelMetadata = s.modelMetadata();
        this.out = out;
        this.epochs = s.config().epochs();
        this.progress = s.progress();
        this.validation = validation;
        this.early = early;
        this.saveBest = s.config().saveBest();
        this.saver = saver;
        this.tracker = tracker;
        this.trackEvery = s.config().trackGradients();
        this.batch = s.config().batch();
        this.trainCount = s.config().trainSize();
        for (EpochResult past : run.epochs()) best(past);
        this.lastGood = s.epochsDone();
    }

    @Override
    public void epochStart(int epoch, int stepsInEpoch) {
        if (!progress) return;
        bar = new ProgressBarBuilder()
                .setTaskName("epoch " + epoch + "/" + epochs)
                .setInitialMax(stepsInEpoch)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .build();
    }

    @Override
    public void step(int epoch, int stepInEpoch) {
        if (bar != null) bar.stepTo(stepInEpoch);
        if (saver != null) saver.afterStep(trainer);
        if (tracker != null && trainer.steps() % trackEvery == 0) {
            int m = Math.min(batch, trainCount - (stepInEpoch - 1) * batch); // this step's batch size
            double at = epoch - 1 + (double) stepInEpoch / ((trainCount + batch - 1) / batch);
            try {
                tracker.record(trainer.steps(), at, m);
            } catch (IOException ex) {
                throw cannotWrite(ex);
            }
        }
    }

    @Override
    public boolean epochEnd(EpochResult r) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        Trainer.Evaluation v = validation == null ? null : trainer.evaluate(validation);
        String val = v == null ? "" : String.format(Locale.ROOT, "  validation %6.2f%%", 100 * v.accuracy());
        out.printf(
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
        out.flush();
        best(r);
        boolean improved = v != null && early.observe(r.epoch(), v.loss(), v.accuracy());
        try {
            run.appendEpoch(r);
            if (tracker != null) tracker.flush();
            float[] params = network.parameters();
            run.writeModel(layout, params, modelMetadata);
            lastGood = r.epoch();
            if (improved && saveBest) run.writeBestModel(layout, params, bestMetadata(r.epoch(), v));
        } catch (IOException ex) {
            throw cannotWrite(ex);
        }
        if (saver != null && early != null) saver.note(early);
        if (saver != null) saver.afterEpoch(trainer, r.epoch());
        if (early != null && early.shouldStop(r.epoch())) {
            stoppedEarly = true;
            out.printf(
                    Locale.ROOT,
                    "stopping early: the validation %s has not improved for %d epochs (best: epoch %d)%n",
                    early.monitor().cliName,
                    r.epoch() - early.bestEpoch(),
                    early.bestEpoch());
            return false;
        }
        return true;
    }

    /** model-best.safetensors's metadata: the model's, and which epoch it is with its validation figures. */
    private Map<String, String> bestMetadata(int epoch, Trainer.Evaluation v) {
        Map<String, String> m = new java.util.LinkedHashMap<>(modelMetadata);
        m.put("epoch", Integer.toString(epoch));
        m.put("monitor", early.monitor().cliName);
        m.put("validation_loss", Double.toString(v.loss()));
        m.put("validation_accuracy", Double.toString(v.accuracy()));
        return m;
    }

    /** Whether early stopping ended the run. */
    boolean stoppedEarly() {
        return stoppedEarly;
    }

    /** The validation tracker (null without a validation set). */
    EarlyStopping early() {
        return early;
    }

    /** Test accuracy of an epoch of this run (NaN when unknown). */
    double testAccuracy(int epoch) {
        return testByEpoch.getOrDefault(epoch, Double.NaN);
    }

    private void best(EpochResult r) {
        testByEpoch.put(r.epoch(), r.testAccuracy());
        if (r.testAccuracy() > bestAccuracy) {
            bestAccuracy = r.testAccuracy();
            bestEpoch = r.epoch();
        }
    }

    private Main.Failure cannotWrite(IOException ex) {
        return new Main.Failure("cannot write to " + run.dir() + ": " + ex.getMessage(), Main.FAILURE, ex);
    }

    double bestAccuracy() {
        return bestAccuracy;
    }

    int bestEpoch() {
        return bestEpoch;
    }

    /** The last epoch whose weights are in model.safetensors (0: the initial weights). */
    int lastGood() {
        return lastGood;
    }
}
