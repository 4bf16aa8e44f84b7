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
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What train does around each step and epoch: the progress bar, checkpoints, gradient tracking, the epoch's line,
 * metrics.csv and model.safetensors; with a validation set, which epoch was best on it (by the --monitor figure: the
 * best model, model-best.safetensors, with --save-best) and early stopping. It remembers the best epoch (chosen on
 * the validation set when there is one, else on the test set) and the last epoch whose weights are on disk.
 */
final class TrainListener implements Trainer.Listener {
    private final Trainer trainer;
    private final Network network;
    private final RunOutput run;
    private final ParamLayout layout;
    private final TrainRun.Metadata modelMetadata;
    private final Quality quality;
    private final PrintWriter out;
    private final int epochs;
    private final boolean progress;
    private final DeviceData validation; // or null
    private final EarlyStopping early; // with a validation set: its best epoch, and whether to stop
    private final boolean saveBest;
    private final CheckpointSaver saver; // or null
    private final GradientTracker tracker; // or null
    private final long trackEvery;
    private final int batch;
    private final int trainCount;
    private ProgressBar bar;
    private RunOutput.Row best;
    private EpochJson json; // --json, or null
    private int lastGood;
    private boolean stoppedEarly;
    private long modelSteps = -1; // the steps of the weights in model.safetensors; -1: none written by this run

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
        this.quality = s.quality();
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
        for (RunOutput.Row past : run.epochs()) best(past);
        this.lastGood = s.epochsDone();
    }

    /** --json: told each epoch's figures. */
    interface EpochJson {
        /**
         * One epoch.
         *
         * @param r its figures
         * @param validationLoss the validation set's mean cost after it, or NaN without one
         * @param validationAccuracy the validation set's accuracy after it, or NaN without one
         */
        void epoch(EpochResult r, double validationLoss, double validationAccuracy);
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
        Trainer.Evaluation v = validation == null ? null : trainer.evaluate(validation);
        double vLoss = v == null ? Double.NaN : v.loss(), vAcc = v == null ? Double.NaN : v.accuracy();
        if (json != null) json.epoch(r, vLoss, vAcc);
        RunOutput.Row row = new RunOutput.Row(
                r.epoch(),
                r.steps(),
                r.loss(),
                quality.train(r.loss(), r.trainAccuracy()),
                vLoss,
                quality.validation(vLoss, vAcc),
                r.testLoss(),
                quality.test(r.testLoss(), r.testAccuracy()),
                r.samplesPerSecond(),
                r.seconds(),
                r.learningRate());
        out.println(line(row));
        out.flush();
        best(row);
        // a run that --steps ends inside an epoch reports that partial epoch, but early stopping and the best model
        // watch complete epochs only (a resumed run completes it, and is then judged as the straight run would be)
        boolean complete = trainer.epoch() == r.epoch();
        boolean improved = v != null && complete && early.observe(r.epoch(), vLoss, quality.validation(vLoss, vAcc));
        // the model first: a metrics row never stands for weights that are not on disk
        float[] params = network.parameters();
        try {
            run.writeModel(layout, params, modelMetadata.of(trainer.epoch(), trainer.steps()));
        } catch (IOException ex) {
            throw cannotWrite(RunOutput.MODEL, ex);
        }
        modelWritten(trainer.epoch(), trainer.steps());
        try {
            if (improved && saveBest) run.writeBestModel(layout, params, bestMetadata(row));
        } catch (IOException ex) {
            throw cannotWrite(RunOutput.MODEL_BEST, ex);
        }
        try {
            run.appendEpoch(row);
        } catch (IOException ex) {
            throw cannotWrite(RunOutput.METRICS, ex);
        }
        try {
            if (tracker != null) tracker.flush();
        } catch (IOException ex) {
            throw cannotWrite(RunOutput.GRADIENTS_CSV, ex);
        }
        if (saver != null && early != null && complete) saver.note(early);
        if (saver != null) saver.afterEpoch(trainer, r.epoch());
        if (early != null && complete && early.shouldStop(r.epoch())) {
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
    private Map<String, String> bestMetadata(RunOutput.Row r) {
        Map<String, String> m = new LinkedHashMap<>(modelMetadata.of(r.epoch(), r.steps()));
        m.put("epoch", Integer.toString(r.epoch()));
        m.put("monitor", early.monitor().cliName);
        m.put("validation_loss", Double.toString(r.validationLoss()));
        m.put(quality.regression ? "validation_r2" : "validation_accuracy", Double.toString(r.validation()));
        return m;
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

    /** Whether early stopping ended the run. */
    boolean stoppedEarly() {
        return stoppedEarly;
    }

    /** "epoch   1/8  loss 0.2312  train  92.99%  test  96.18%  validation  96.50%  90,042 samples/s  0.67 s". */
    private String line(RunOutput.Row r) {
        StringBuilder b =
                new StringBuilder(String.format(Locale.ROOT, "epoch %3d/%d  loss %.4f", r.epoch(), epochs, r.loss()));
        if (quality.regression) {
            String n = quality.name();
            if (!Double.isNaN(r.train()))
                b.append("  train ").append(n).append(' ').append(quality.show(r.train()));
            if (!Double.isNaN(r.testLoss()))
                b.append("  test ")
                        .append(n)
                        .append(' ')
                        .append(quality.show(r.test()))
                        .append(String.format(Locale.ROOT, " (loss %.4f)", r.testLoss()));
            if (!Double.isNaN(r.validationLoss()))
                b.append("  validation ")
                        .append(n)
                        .append(' ')
                        .append(quality.show(r.validation()))
                        .append(String.format(Locale.ROOT, " (loss %.4f)", r.validationLoss()));
        } else {
            b.append(String.format(Locale.ROOT, "  train %6.2f%%", 100 * r.train()));
            if (!Double.isNaN(r.test())) b.append(String.format(Locale.ROOT, "  test %6.2f%%", 100 * r.test()));
            if (!Double.isNaN(r.validation()))
                b.append(String.format(Locale.ROOT, "  validation %6.2f%%", 100 * r.validation()));
        }
        return b.append(String.format(Locale.ROOT, "  %,.0f samples/s  %.2f s", r.samplesPerSecond(), r.seconds()))
                .toString();
    }

    /**
     * Better on validation when there is a validation set (by the monitored figure, as early stopping and
     * model-best.safetensors choose), else on the test set: higher accuracy, or lower loss.
     */
    private void best(RunOutput.Row r) {
        if (best == null || better(r, best)) best = r;
    }

    /** With a validation set, whether the best epoch is chosen on its loss (else on its accuracy or R²). */
    private boolean byValidationLoss() {
        return validation != null && early.monitor() == EarlyStopping.Monitor.LOSS;
    }

    private boolean better(RunOutput.Row r, RunOutput.Row than) {
        boolean onValidation = validation != null;
        double a = onValidation ? r.validation() : r.test(), b = onValidation ? than.validation() : than.test();
        if (byValidationLoss()) {
            a = -r.validationLoss();
            b = -than.validationLoss();
        } else if (quality.regression && !onValidation) {
            a = -(onValidation ? r.validationLoss() : r.testLoss());
            b = -(onValidation ? than.validationLoss() : than.testLoss());
        }
        return !Double.isNaN(a) && (Double.isNaN(b) || a > b);
    }

    /**
     * The summary's first part: "best validation accuracy 97.92% (epoch 7; test accuracy then 97.81%)", "best test
     * accuracy 98.13% (epoch 8; chosen on the test set: no validation set)", or that nothing could be chosen.
     */
    String summary() {
        RunOutput.Row best = best();
        boolean onValidation = validation != null;
        if (best == null || Double.isNaN(onValidation ? best.validationLoss() : best.testLoss()))
            return "no validation or test set to choose the best epoch on";
        String n = byValidationLoss() && !quality.regression ? "loss" : quality.name();
        double figure = quality.regression && n.equals("loss")
                ? (onValidation ? best.validationLoss() : best.testLoss())
                : onValidation ? best.validation() : best.test();
        String shown = n.equals("loss") ? String.format(Locale.ROOT, "%.4f", figure) : quality.show(figure);
        String then;
        if (!onValidation) then = "chosen on the test set: no validation set";
        else if (Double.isNaN(best.testLoss())) then = "no test set";
        else {
            String tn = quality.name();
            double t = tn.equals("loss") ? best.testLoss() : best.test();
            then = "test " + tn + " then "
                    + (tn.equals("loss") ? String.format(Locale.ROOT, "%.4f", t) : quality.show(t));
        }
        return "best " + (onValidation ? "validation " : "test ") + n + " " + shown + " (epoch " + best.epoch() + "; "
                + then + ")";
    }

    private TrainRun.WriteFailed cannotWrite(String name, IOException ex) {
        return new TrainRun.WriteFailed(
                dev.jbackprop.io.BadFileException.wrap(run.dir().resolve(name), "write it", ex));
    }

    /**
     * The best epoch's row, or null: with a validation set, the epoch early stopping chose (the one model-best holds,
     * compared in full precision), else the best row by {@link #better}.
     */
    RunOutput.Row best() {
        if (early != null && early.bestEpoch() > 0)
            for (RunOutput.Row r : run.epochs()) if (r.epoch() == early.bestEpoch()) return r;
        return best;
    }

    /** The complete epochs of the weights in model.safetensors (0: the initial weights). */
    int lastGood() {
        return lastGood;
    }
}
