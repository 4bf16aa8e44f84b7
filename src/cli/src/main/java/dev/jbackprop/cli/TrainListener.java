package dev.jbackprop.cli;

import dev.jbackprop.diag.GradientTracker;
import dev.jbackprop.engine.DeviceData;
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
 * metrics.csv and model.safetensors; it remembers the best test accuracy and the last epoch whose weights are on
 * disk.
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
    private final CheckpointSaver saver; // or null
    private final GradientTracker tracker; // or null
    private final long trackEvery;
    private final int batch;
    private final int trainCount;
    private ProgressBar bar;
    private EpochJson json; // --json, or null
    private double bestAccuracy = -1;
    private int bestEpoch;
    private int lastGood;

    TrainListener(
            TrainRun.Setup s,
            Trainer trainer,
            Network network,
            DeviceData validation,
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
        this.saver = saver;
        this.tracker = tracker;
        this.trackEvery = s.config().trackGradients();
        this.batch = s.config().batch();
        this.trainCount = s.config().trainSize();
        for (EpochResult past : run.epochs()) best(past);
        this.lastGood = s.epochsDone();
    }

    /** --json: told each epoch's figures. */
    interface EpochJson {
        /**
         * One epoch.
         *
         * @param r its figures
         * @param validationAccuracy the validation set's accuracy after it, or NaN without one
         */
        void epoch(EpochResult r, double validationAccuracy);
    }

    void json(EpochJson json) {
        this.json = json;
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
        double valAccuracy =
                validation == null ? Double.NaN : trainer.evaluate(validation).accuracy();
        String val = validation == null ? "" : String.format(Locale.ROOT, "  validation %6.2f%%", 100 * valAccuracy);
        if (json != null) json.epoch(r, valAccuracy);
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
        try {
            run.appendEpoch(r);
            if (tracker != null) tracker.flush();
            run.writeModel(layout, network.parameters(), modelMetadata);
            lastGood = r.epoch();
        } catch (IOException ex) {
            throw cannotWrite(ex);
        }
        if (saver != null) saver.afterEpoch(trainer, r.epoch());
        return true;
    }

    private void best(EpochResult r) {
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
