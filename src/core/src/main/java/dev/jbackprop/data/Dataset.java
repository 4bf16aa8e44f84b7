package dev.jbackprop.data;

/**
 * An immutable set of {@code count} samples, each with {@code features} inputs and a target over
 * {@code classes} outputs.
 *
 * <p>The inputs are stored sample after sample (row-major m × n), which is exactly the n × m
 * column-major matrix with one sample per column that the engine works on; likewise the targets
 * form the c × m column-major matrix. For classification the target column is the one-hot
 * encoding of the sample's label.
 *
 * <p>The arrays are never exposed: {@link #x()}, {@link #y()} and {@link #labels()} return copies
 * (call them once), {@link #copyX} and {@link #copyY} copy a range of samples into a caller's
 * array (for chunked uploads without a full-size copy).
 */
public final class Dataset {
    private final int features;
    private final int count;
    private final int classes;
    private final float[] x;
    private final float[] y;
    private final int[] labels;

    private Dataset(int features, int count, int classes, float[] x, float[] y, int[] labels) {
        this.features = features;
        this.count = count;
        this.classes = classes;
        this.x = x;
        this.y = y;
        this.labels = labels;
    }

    /**
     * A classification data set: {@code x} holds {@code labels.length} samples of {@code features}
     * values (sample-major), each label is in [0, classes); targets are the one-hot labels.
     * The arrays are copied.
     *
     * @throws IllegalArgumentException on a shape mismatch, a label out of range or a non-finite input
     */
    public static Dataset of(int features, int classes, float[] x, int[] labels) {
        checkSizes(features, classes);
        int m = labels.length;
        checkX(features, m, x);
        float[] y = new float[checkedProduct(classes, m, "classes × count")];
        for (int i = 0; i < m; i++) {
            int l = labels[i];
            if (l < 0 || l >= classes) {
                throw new IllegalArgumentException(
                        "label " + l + " of sample " + i + " is outside 0.." + (classes - 1));
            }
            y[i * classes + l] = 1f;
        }
        return new Dataset(features, m, classes, x.clone(), y, labels.clone());
    }

    /**
     * A data set with arbitrary targets: {@code y} holds one column of {@code outputs} values per
     * sample (c × m column-major); each sample's label is the index of its largest target (first on
     * ties). The arrays are copied.
     *
     * @throws IllegalArgumentException on a shape mismatch or a non-finite value
     */
    public static Dataset ofTargets(int features, int outputs, float[] x, float[] y) {
        checkSizes(features, outputs);
        if (y.length % outputs != 0) {
            throw new IllegalArgumentException(
                    "targets: " + y.length + " values is not a whole number of columns of " + outputs);
        }
        int m = y.length / outputs;
        checkX(features, m, x);
        int[] labels = new int[m];
        for (int i = 0; i < m; i++) {
            int best = 0;
            for (int c = 0; c < outputs; c++) {
                float v = y[i * outputs + c];
                if (!Float.isFinite(v))
                    throw new IllegalArgumentException("target " + c + " of sample " + i + " is " + v);
                if (v > y[i * outputs + best]) best = c;
            }
            labels[i] = best;
        }
        return new Dataset(features, m, outputs, x.clone(), y.clone(), labels);
    }

    private static void checkSizes(int features, int classes) {
        if (features <= 0) throw new IllegalArgumentException("a data set needs at least one feature, got " + features);
        if (classes <= 0)
            throw new IllegalArgumentException("a data set needs at least one class/output, got " + classes);
    }

    private static void checkX(int features, int m, float[] x) {
        long want = (long) features * m;
        if (x.length != want) {
            throw new IllegalArgumentException("inputs: expected " + m + " samples × " + features + " features = "
                    + want + " values, got " + x.length);
        }
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException(
                        "input " + (i % features) + " of sample " + (i / features) + " is " + x[i]);
            }
        }
    }

    private static int checkedProduct(int a, int b, String what) {
        long p = (long) a * b;
        if (p > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(what + " = " + p + " is too large for one array");
        return (int) p;
    }

    /** Number of inputs per sample (n). */
    public int features() {
        return features;
    }

    /** Number of samples (m). */
    public int count() {
        return count;
    }

    /** Number of classes / outputs per sample (c). */
    public int classes() {
        return classes;
    }

    /** A copy of the inputs: n × m column-major (sample i's features at [i·n, (i+1)·n)). */
    public float[] x() {
        return x.clone();
    }

    /** A copy of the targets: c × m column-major. */
    public float[] y() {
        return y.clone();
    }

    /** A copy of the labels (m entries). */
    public int[] labels() {
        return labels.clone();
    }

    /** Feature k of sample i. */
    public float x(int sample, int feature) {
        checkIndex(sample, count, "sample");
        checkIndex(feature, features, "feature");
        return x[sample * features + feature];
    }

    /** Target c of sample i. */
    public float y(int sample, int cls) {
        checkIndex(sample, count, "sample");
        checkIndex(cls, classes, "class");
        return y[sample * classes + cls];
    }

    public int label(int sample) {
        checkIndex(sample, count, "sample");
        return labels[sample];
    }

    /** Copies the inputs of samples [from, to) into {@code dst} at {@code dstOffset} ((to−from)·n floats). */
    public void copyX(int from, int to, float[] dst, int dstOffset) {
        checkRange(from, to);
        System.arraycopy(x, from * features, dst, dstOffset, (to - from) * features);
    }

    /** Copies the targets of samples [from, to) into {@code dst} at {@code dstOffset} ((to−from)·c floats). */
    public void copyY(int from, int to, float[] dst, int dstOffset) {
        checkRange(from, to);
        System.arraycopy(y, from * classes, dst, dstOffset, (to - from) * classes);
    }

    /** Samples [from, to) as a new data set (copied). */
    public Dataset slice(int from, int to) {
        checkRange(from, to);
        float[] sx = new float[(to - from) * features];
        float[] sy = new float[(to - from) * classes];
        copyX(from, to, sx, 0);
        copyY(from, to, sy, 0);
        int[] sl = java.util.Arrays.copyOfRange(labels, from, to);
        return new Dataset(features, to - from, classes, sx, sy, sl);
    }

    /** The first n samples (copied). */
    public Dataset first(int n) {
        return slice(0, n);
    }

    /** How many samples carry each label (c entries). */
    public int[] labelHistogram() {
        int[] h = new int[classes];
        for (int l : labels) h[l]++;
        return h;
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to < from || to > count) {
            throw new IndexOutOfBoundsException(
                    "sample range [" + from + ", " + to + ") is not within the " + count + " samples");
        }
    }

    private static void checkIndex(int i, int n, String what) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException(what + " " + i + " is not within 0.." + (n - 1));
    }

    @Override
    public String toString() {
        return "Dataset[" + count + " samples × " + features + " features, " + classes + " classes]";
    }
}
