package dev.jbackprop.diag;

import java.util.Arrays;
import java.util.Locale;

/** Median and 10th–90th percentiles of a sample (linear interpolation between order statistics). */
public record Spread(double median, double p10, double p90, int n) {

    public static Spread of(double[] values) {
        if (values.length == 0) throw new IllegalArgumentException("no values");
        double[] v = values.clone();
        Arrays.sort(v);
        return new Spread(percentile(v, 0.5), percentile(v, 0.1), percentile(v, 0.9), v.length);
    }

    /** The p-quantile of sorted values: position p·(n−1), interpolated (NumPy's default). */
    public static double percentile(double[] sorted, double p) {
        double h = p * (sorted.length - 1);
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** "1.23e-02" for one value, "1.23e-02 [9.8e-03, 1.6e-02]" (median [p10, p90]) for several. */
    public String format() {
        if (n == 1) return String.format(Locale.ROOT, "%.2e", median);
        return String.format(Locale.ROOT, "%.2e [%.1e, %.1e]", median, p10, p90);
    }
}
