package dev.jbackprop.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of {@code count} samples: {@code features} inputs each and, unless it is a
 * prediction input, a target over {@code outputs} values — a class (classification: one output per
 * class, the target column is the one-hot class) or real targets (regression).
 *
 * <p><b>Compact.</b> The features live once in a {@link FeatureMatrix} (uint8 stays uint8, everything
 * else float32); classification targets are one class index per sample plus the class names;
 * regression targets are float32. A data set is a <i>view</i> over that storage: a range or a list of
 * stored samples ({@link #slice}, {@link #select}, the {@link Split splits}), so cutting a set in
 * parts copies no features. Converting to the floats the network sees (decoding uint8 as v/255,
 * then the attached {@link Normalization}) happens per batch: {@link #gatherFeatures} and
 * {@link #gatherTargets} write one sample per column (column-major features × m and outputs × m), the
 * layout of the engine. For a device upload, {@link #featureMatrix()} gives the stored arrays and
 * {@link #storeIndex}/{@link #storeIndices()} map this view's samples into them.
 *
 * <p>The older whole-set accessors ({@link #x()}, {@link #y()}, {@link #labels()}) still work and
 * return new arrays (for uint8 data {@link #x()} expands to four bytes a value: prefer the gathers).
 */
public final class Dataset {
    private final FeatureMatrix x;
    private final Task task; // null: no targets
    private final int outputs;
    private final int[] classIndex; // classification: per stored sample
    private final float[] targets; // regression: stored samples × outputs, sample-major
    private final List<String> classNames;
    private final List<String> targetNames;
    private final int offset; // the view: stored samples offset … offset+count−1, unless rows != null
    private final int[] rows; // the view: stored sample of each sample
    private final int count;
    private final Normalization normalization;

    private Dataset(
            FeatureMatrix x,
            Task task,
            int outputs,
            int[] classIndex,
            float[] targets,
            List<String> classNames,
            List<String> targetNames,
            int offset,
            int[] rows,
            int count,
            Normalization normalization) {
        this.x = x;
        this.task = task;
        this.outputs = outputs;
        this.classIndex = classIndex;
        this.targets = targets;
        this.classNames = classNames;
        this.targetNames = targetNames;
        this.offset = offset;
        this.rows = rows;
        this.count = count;
        this.normalization = normalization;
    }

    private Dataset view(int newOffset, int[] newRows, int newCount, Normalization n) {
        return new Dataset(
                x, task, outputs, classIndex, targets, classNames, targetNames, newOffset, newRows, newCount, n);
    }

    // ---- construction ---------------------------------------------------------------------------

    /**
     * A classification data set: {@code x} holds {@code labels.length} samples of {@code features}
     * values (sample-major), each label is in [0, classes) and names class "0" … "classes−1"; targets are
     * the one-hot labels. The arrays are copied.
     *
     * @throws IllegalArgumentException on a shape mismatch, a label out of range or a non-finite input
     */
    public static Dataset of(int features, int classes, float[] x, int[] labels) {
        checkSizes(features, classes);
        checkX(features, labels.length, x);
        return classification(
                FeatureMatrix.wrapFloat32(features, x.clone(), List.of()), labels, numberedNames("", classes), "label");
    }

    /**
     * A data set with arbitrary real targets (regression): {@code y} holds one column of {@code outputs}
     * values per sample (c × m column-major); {@link #labels()} gives each sample's largest target
     * (first on ties). The arrays are copied.
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
        return regression(
                FeatureMatrix.wrapFloat32(features, x.clone(), List.of()), y.clone(), defaultTargetNames(outputs));
    }

    /**
     * Classification over stored features: sample i is of class {@code classIndices[i]}, an index into
     * {@code classNames} (the outputs, in order). The features are shared, the small arrays copied.
     *
     * @param labelName the name of the label column in the source ("label" when it has none)
     */
    public static Dataset classification(
            FeatureMatrix x, int[] classIndices, List<String> classNames, String labelName) {
        int c = classNames.size();
        if (c == 0) throw new IllegalArgumentException("a data set needs at least one class/output, got 0");
        if (classIndices.length != x.count()) {
            throw new IllegalArgumentException(
                    classIndices.length + " labels for " + x.count() + " samples of features");
        }
        for (int i = 0; i < classIndices.length; i++) {
            int l = classIndices[i];
            if (l < 0 || l >= c) {
                throw new IllegalArgumentException("label " + l + " of sample " + i + " is outside 0.." + (c - 1));
            }
        }
        return new Dataset(
                x,
                Task.CLASSIFICATION,
                c,
                classIndices.clone(),
                null,
                List.copyOf(classNames),
                List.of(labelName),
                0,
                null,
                x.count(),
                Normalization.NONE);
    }

    /**
     * Regression over stored features: {@code targets} holds {@code targetNames.size()} finite values per
     * sample, sample after sample. The features and the targets array are shared, not copied.
     */
    public static Dataset regression(FeatureMatrix x, float[] targets, List<String> targetNames) {
        int k = targetNames.size();
        if (k == 0) throw new IllegalArgumentException("a data set needs at least one class/output, got 0");
        if (targets.length != (long) k * x.count()) {
            throw new IllegalArgumentException(targets.length + " target values for " + x.count() + " samples of " + k);
        }
        for (int i = 0; i < targets.length; i++) {
            if (!Float.isFinite(targets[i]))
                throw new IllegalArgumentException("target " + (i % k) + " of sample " + (i / k) + " is " + targets[i]);
        }
        return new Dataset(
                x,
                Task.REGRESSION,
                k,
                null,
                targets,
                List.of(),
                List.copyOf(targetNames),
                0,
                null,
                x.count(),
                Normalization.NONE);
    }

    /** Features only (inputs to predict on): no task, no targets. */
    public static Dataset unlabeled(FeatureMatrix x) {
        return new Dataset(x, null, 0, null, null, List.of(), List.of(), 0, null, x.count(), Normalization.NONE);
    }

    static List<String> numberedNames(String prefix, int n) {
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) names.add(prefix + i);
        return names;
    }

    /** "y" for one output, else "y0", "y1", …. */
    static List<String> defaultTargetNames(int outputs) {
        return outputs == 1 ? List.of("y") : numberedNames("y", outputs);
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
    }

    private static int checkedProduct(long a, long b, String what) {
        long p = a * b;
        if (p > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(what + " = " + p + " is too large for one array");
        return (int) p;
    }

    // ---- shape and description ------------------------------------------------------------------

    /** Number of inputs per sample (n). */
    public int features() {
        return x.features();
    }

    /** Number of samples (m). */
    public int count() {
        return count;
    }

    /** Number of outputs per sample (c): classes, or regression targets (0 without targets). */
    public int outputs() {
        return outputs;
    }

    /** Same as {@link #outputs()} (the name from the time every data set was a classification). */
    public int classes() {
        return outputs;
    }

    /** The task, or null for a set without targets. */
    public Task task() {
        return task;
    }

    public boolean hasTargets() {
        return task != null;
    }

    /** Classification: the class names in output order; otherwise empty. */
    public List<String> classNames() {
        return classNames;
    }

    /** The target column(s): the label column's name (classification) or one name per output (regression). */
    public List<String> targetNames() {
        return targetNames;
    }

    /** The feature names (a CSV header), or empty. */
    public List<String> featureNames() {
        return x.names();
    }

    /** What a model trained on this set needs to read other data the same way. */
    public DataSchema schema() {
        return new DataSchema(task, x.features(), x.type(), x.names(), classNames, targetNames);
    }

    /** The storage under this view: all samples of the source, not only this view's. */
    public FeatureMatrix featureMatrix() {
        return x;
    }

    /**
     * Classification: the class index of every stored sample of the source (not only this view's; the
     * array itself, not a copy: do not modify), for an upload with {@link #featureMatrix()}; else null.
     */
    public int[] storedClassIndices() {
        return classIndex;
    }

    /**
     * Regression: the targets of every stored sample of the source, {@link #outputs()} per sample, sample
     * after sample (the array itself: do not modify); else null.
     */
    public float[] storedTargets() {
        return targets;
    }

    /** True when this set is all the stored samples, in stored order (not a subset or a reordering). */
    public boolean coversStore() {
        return count == x.count() && (rows == null ? offset == 0 : isIdentity(rows));
    }

    private static boolean isIdentity(int[] r) {
        for (int i = 0; i < r.length; i++) if (r[i] != i) return false;
        return true;
    }

    /** The stored sample that is this set's sample i. */
    public int storeIndex(int sample) {
        checkIndex(sample, count, "sample");
        return rows != null ? rows[sample] : offset + sample;
    }

    /** The stored sample of each of this set's samples (a new array). */
    public int[] storeIndices() {
        if (rows != null) return rows.clone();
        int[] r = new int[count];
        for (int i = 0; i < count; i++) r[i] = offset + i;
        return r;
    }

    /** The normalisation applied to decoded features when they are converted (NONE unless attached). */
    public Normalization normalization() {
        return normalization;
    }

    /** This set with {@code n} applied to its decoded features (a view; nothing is copied). */
    public Dataset withNormalization(Normalization n) {
        n.checkFeatures(x.features());
        return view(offset, rows, count, n);
    }

    // ---- batches ---------------------------------------------------------------------------------

    /**
     * Writes the features of samples {@code samples[from … from+m)} (indices into this set) into
     * {@code dst} from {@code dstOffset}: n floats per sample, one sample after another (an n × m
     * column-major batch), decoded and normalised.
     */
    public void gatherFeatures(int[] samples, int from, int m, float[] dst, int dstOffset) {
        checkBatch(samples, from, m);
        int n = x.features();
        for (int j = 0; j < m; j++) x.decodeSample(storeIndex(samples[from + j]), dst, dstOffset + j * n);
        normalization.apply(dst, dstOffset, m);
    }

    /**
     * Writes the targets of samples {@code samples[from … from+m)} into {@code dst} from
     * {@code dstOffset}: c floats per sample (an outputs × m column-major batch): the one-hot class, or
     * the regression targets.
     */
    public void gatherTargets(int[] samples, int from, int m, float[] dst, int dstOffset) {
        checkBatch(samples, from, m);
        requireTargets();
        for (int j = 0; j < m; j++) writeTarget(storeIndex(samples[from + j]), dst, dstOffset + j * outputs);
    }

    /** Writes the class index of samples {@code samples[from … from+m)} into {@code dst} (classification). */
    public void gatherClassIndices(int[] samples, int from, int m, int[] dst, int dstOffset) {
        checkBatch(samples, from, m);
        if (task != Task.CLASSIFICATION)
            throw new IllegalStateException("class indices of a " + describeTask() + " set");
        for (int j = 0; j < m; j++) dst[dstOffset + j] = classIndex[storeIndex(samples[from + j])];
    }

    private void writeTarget(int stored, float[] dst, int at) {
        if (task == Task.CLASSIFICATION) {
            Arrays.fill(dst, at, at + outputs, 0f);
            dst[at + classIndex[stored]] = 1f;
        } else {
            System.arraycopy(targets, stored * outputs, dst, at, outputs);
        }
    }

    private void checkBatch(int[] samples, int from, int m) {
        if (from < 0 || m < 0 || from + m > samples.length) {
            throw new IndexOutOfBoundsException(
                    "batch [" + from + ", " + (from + m) + ") is not within the " + samples.length + " indices");
        }
        for (int j = from; j < from + m; j++) checkIndex(samples[j], count, "sample");
    }

    private void requireTargets() {
        if (task == null) throw new IllegalStateException("this data set has no targets (a prediction input)");
    }

    private String describeTask() {
        return task == null ? "target-less" : task.id();
    }

    // ---- whole-set and per-sample access ---------------------------------------------------------

    /** The inputs as the network sees them: n × m column-major (sample i's features at [i·n, (i+1)·n)), a new array. */
    public float[] x() {
        float[] out = new float[checkedProduct(x.features(), count, "features × count")];
        copyX(0, count, out, 0);
        return out;
    }

    /** The targets: c × m column-major (one-hot classes or regression targets), a new array. */
    public float[] y() {
        requireTargets();
        float[] out = new float[checkedProduct(outputs, count, "outputs × count")];
        copyY(0, count, out, 0);
        return out;
    }

    /** The class of each sample (m entries; for regression the index of its largest target). */
    public int[] labels() {
        requireTargets();
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = label(i);
        return out;
    }

    /** Feature k of sample i, decoded and normalised. */
    public float x(int sample, int feature) {
        int s = storeIndex(sample);
        checkIndex(feature, x.features(), "feature");
        return normalization.apply(feature, x.value(s, feature));
    }

    /** Target c of sample i (one-hot for classification). */
    public float y(int sample, int cls) {
        int s = storeIndex(sample);
        requireTargets();
        checkIndex(cls, outputs, "class");
        return task == Task.CLASSIFICATION ? (classIndex[s] == cls ? 1f : 0f) : targets[s * outputs + cls];
    }

    /** The class of sample i (for regression: the index of its largest target, first on ties). */
    public int label(int sample) {
        int s = storeIndex(sample);
        requireTargets();
        if (task == Task.CLASSIFICATION) return classIndex[s];
        int best = 0;
        for (int c = 1; c < outputs; c++) if (targets[s * outputs + c] > targets[s * outputs + best]) best = c;
        return best;
    }

    /** Copies the inputs of samples [from, to) into {@code dst} at {@code dstOffset} ((to−from)·n floats). */
    public void copyX(int from, int to, float[] dst, int dstOffset) {
        checkRange(from, to);
        int n = x.features();
        for (int i = from; i < to; i++) x.decodeSample(storeIndex(i), dst, dstOffset + (i - from) * n);
        normalization.apply(dst, dstOffset, to - from);
    }

    /** Copies the targets of samples [from, to) into {@code dst} at {@code dstOffset} ((to−from)·c floats). */
    public void copyY(int from, int to, float[] dst, int dstOffset) {
        checkRange(from, to);
        requireTargets();
        for (int i = from; i < to; i++) writeTarget(storeIndex(i), dst, dstOffset + (i - from) * outputs);
    }

    // ---- views -----------------------------------------------------------------------------------

    /** Samples [from, to) (a view: nothing is copied). */
    public Dataset slice(int from, int to) {
        checkRange(from, to);
        if (rows == null) return view(offset + from, null, to - from, normalization);
        return view(0, Arrays.copyOfRange(rows, from, to), to - from, normalization);
    }

    /** The first n samples (a view). */
    public Dataset first(int n) {
        return slice(0, n);
    }

    /** The samples {@code samples} of this set, in that order (a view; the index list is copied). */
    public Dataset select(int[] samples) {
        int[] r = new int[samples.length];
        for (int j = 0; j < samples.length; j++) r[j] = storeIndex(samples[j]);
        return view(0, r, r.length, normalization);
    }

    /** How many samples carry each label (c entries). */
    public int[] labelHistogram() {
        requireTargets();
        int[] h = new int[outputs];
        for (int i = 0; i < count; i++) h[label(i)]++;
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
        String t = task == null
                ? "no targets"
                : task == Task.CLASSIFICATION ? outputs + " classes" : outputs + " regression targets";
        return "Dataset[" + count + " samples × " + x.features() + " "
                + x.type().name().toLowerCase(java.util.Locale.ROOT) + " features, " + t + "]";
    }
}
