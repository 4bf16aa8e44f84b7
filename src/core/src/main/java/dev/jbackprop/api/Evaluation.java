package dev.jbackprop.api;

import java.util.List;
import java.util.Locale;

/**
 * How well a model does on labelled data: the mean cost, and for classification the accuracy and the confusion
 * matrix, for regression the mean squared and absolute errors and R².
 */
public final class Evaluation {
    private final Task task;
    private final long count;
    private final double loss;
    private final double accuracy;
    private final int[][] confusion;
    private final List<String> classNames;
    private final double mse;
    private final double mae;
    private final double r2;

    Evaluation(
            Task task,
            long count,
            double loss,
            double accuracy,
            int[][] confusion,
            List<String> classNames,
            double mse,
            double mae,
            double r2) {
        this.task = task;
        this.count = count;
        this.loss = loss;
        this.accuracy = accuracy;
        this.confusion = confusion;
        this.classNames = List.copyOf(classNames);
        this.mse = mse;
        this.mae = mae;
        this.r2 = r2;
    }

    /**
     * The task the data is for.
     *
     * @return classification or regression
     */
    public Task task() {
        return task;
    }

    /**
     * The samples evaluated.
     *
     * @return the count
     */
    public long count() {
        return count;
    }

    /**
     * The mean cost per sample (the model's loss, as in training).
     *
     * @return the mean cost
     */
    public double loss() {
        return loss;
    }

    /**
     * The fraction of samples whose largest output is their class.
     *
     * @return in [0, 1]; NaN for regression
     */
    public double accuracy() {
        return accuracy;
    }

    /**
     * The confusion matrix.
     *
     * @return [true class][predicted class] counts (a copy); empty for regression
     */
    public int[][] confusion() {
        int[][] c = new int[confusion.length][];
        for (int i = 0; i < c.length; i++) c[i] = confusion[i].clone();
        return c;
    }

    /**
     * The classes, in the order of the confusion matrix.
     *
     * @return their names; empty for regression
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * The mean squared error over every output of every sample.
     *
     * @return it; NaN for classification
     */
    public double meanSquaredError() {
        return mse;
    }

    /**
     * The mean absolute error over every output of every sample.
     *
     * @return it; NaN for classification
     */
    public double meanAbsoluteError() {
        return mae;
    }

    /**
     * The coefficient of determination, 1 − SS_res/SS_tot per output, averaged over the outputs.
     *
     * @return R²; NaN for classification, or when a target is constant
     */
    public double r2() {
        return r2;
    }

    @Override
    public String toString() {
        return task == Task.CLASSIFICATION
                ? String.format(Locale.ROOT, "Evaluation[%d samples, loss %.5f, accuracy %.4f]", count, loss, accuracy)
                : String.format(
                        Locale.ROOT,
                        "Evaluation[%d samples, loss %.5f, MSE %.5g, MAE %.5g, R² %.4f]",
                        count,
                        loss,
                        mse,
                        mae,
                        r2);
    }
}
