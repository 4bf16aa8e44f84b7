package dev.jbackprop.cli;

import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Task;
import dev.jbackprop.model.Cost;

/**
 * What an epoch's figures mean for the task: accuracies for classification; for regression R², from the mean
 * quadratic cost and the spread of each set's targets:
 *
 * <pre>
 *   R² = 1 − SS_res / SS_tot,   SS_res = Σ_samples Σ_outputs (a − y)² = 2 · (mean cost) · count,
 *                               SS_tot = Σ_samples Σ_outputs (y − ȳ_output)²
 * </pre>
 *
 * (pooled over the outputs: scikit-learn's "variance_weighted" R²; for one output the usual one). With another
 * cost than the quadratic one, or targets without spread, R² is not measured (NaN).
 */
final class Quality {
    final boolean regression;
    private final boolean quadratic;
    private final double train, validation, test; // SS_tot / count of each set (NaN: none)

    Quality(Task task, Cost cost, Dataset train, Dataset validation, Dataset test) {
        this.regression = task == Task.REGRESSION;
        this.quadratic = cost == Cost.QUADRATIC;
        this.train = regression ? meanSquaredDeviation(train) : Double.NaN;
        this.validation = regression ? meanSquaredDeviation(validation) : Double.NaN;
        this.test = regression ? meanSquaredDeviation(test) : Double.NaN;
    }

    /** SS_tot / count, in double (two passes), or NaN for no samples. */
    static double meanSquaredDeviation(Dataset d) {
        if (d == null || d.count() == 0) return Double.NaN;
        int k = d.outputs(), m = d.count();
        double[] mean = new double[k];
        for (int i = 0; i < m; i++) for (int c = 0; c < k; c++) mean[c] += d.y(i, c);
        for (int c = 0; c < k; c++) mean[c] /= m;
        double ss = 0;
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < k; c++) {
                double e = d.y(i, c) - mean[c];
                ss += e * e;
            }
        }
        return ss / m;
    }

    /** R² of a mean quadratic cost over a set whose SS_tot / count is {@code msd}. */
    double r2(double meanCost, double msd) {
        if (!quadratic || !(msd > 0) || Double.isNaN(meanCost)) return Double.NaN;
        return 1 - 2 * meanCost / msd;
    }

    /** The training figure: the accuracy measured on the fly, or R² from the epoch's mean cost. */
    double train(double loss, double accuracy) {
        return regression ? r2(loss, train) : accuracy;
    }

    double validation(double loss, double accuracy) {
        return regression ? r2(loss, validation) : accuracy;
    }

    double test(double loss, double accuracy) {
        return regression ? r2(loss, test) : accuracy;
    }

    /** The figure's name in lines and the summary: "accuracy" or "R²" (or "loss" where R² is not measured). */
    String name() {
        return !regression ? "accuracy" : quadratic ? "R²" : "loss";
    }

    /** A figure as printed: a percentage, or R² with four decimals. */
    String show(double v) {
        if (Double.isNaN(v)) return "-";
        return regression
                ? String.format(java.util.Locale.ROOT, "%.4f", v)
                : String.format(java.util.Locale.ROOT, "%.2f%%", 100 * v);
    }
}
