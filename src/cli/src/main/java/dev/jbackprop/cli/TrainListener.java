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
    private double bestAccuracy = -1;
    private int bestEpoch;
    private int lastGood;
    private long modelSteps = -1; // the steps of the weights in model.safetensors; -1: none written by this run

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
                throw cannotWrite(RunOutput.GRADIENTS_CSV, ex);
            }
        }
    }

    @Override
    public boolean epochEnd(EpochResult r) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        String val = validation == null
                ? ""
                : String.format(
                        Locale.ROOT,
                        "  validation %6.2f%%",
                        100 * trainer.evaluate(validation).accuracy());
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
        // the model first: a metrics row never stands for weights that are not on disk
        try {
            run.writeModel(layout, network.parameters(), modelMetadata, trainer.epoch(), trainer.steps());
        } catch (IOException ex) {
            throw cannotWrite(RunOutput.MODEL, ex);
        }
        modelWritten(trainer.epoch(), trainer.steps());
        try {
            run.appendEpoch(r);
        } catch (IOException ex) {
            throw cannotWrite(RunOutput.METRICS, ex);
        }
        try {
            if (tracker != null) tracker.flush();
        } catch (IOException ex) {
            throw cannotWrite(RunOutput.GRADIENTS_CSV, ex);
        }
        if (saver != null) saver.afterEpoch(trainer, r.epoch());
        return true;
    }

    /** model.safetensors now holds the weights after {@code epochs} complete epochs and {@code steps} steps. */
    void modelWritten(int epochs, long steps) {
        lastGood = epochs;
        modelSteps = steps;
    }

    /** The steps of the weights this run wrote into model.safetensors (-1: none yet). */
    long modelSteps() {
        return modelSteps;
    }

    private void best(EpochResult r) {
        if (r.testAccuracy() > bestAccuracy) {
            bestAccuracy = r.testAccuracy();
            bestEpoch = r.epoch();
        }
    }

    private TrainRun.WriteFailed cannotWrite(String name, IOException ex) {
        return new TrainRun.WriteFailed(
                dev.jbackprop.io.BadFileException.wrap(run.dir().resolve(name), "write it", ex));
    }

    double bestAccuracy() {
        return bestAccuracy;
    }

    int bestEpoch() {
        return bestEpoch;
    }

    /** The complete epochs of the weights in model.safetensors (0: the initial weights). */
    int lastGood() {
        return lastGood;
    }
}
