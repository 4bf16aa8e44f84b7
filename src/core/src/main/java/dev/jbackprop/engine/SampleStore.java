package dev.jbackprop.engine;

import java.nio.FloatBuffer;

/**
 * The samples of one source as the host holds them, for a backend to take once ({@link Ops#loadData}):
 *
 * <ul>
 *   <li><b>features</b>, {@code features} values per sample, sample after sample (the features × count
 *       column-major matrix), stored as uint8 (one byte a value) or float32;
 *   <li><b>the rule that makes them inputs</b>: a byte v becomes v / 255f, then, when a normalisation is
 *       given, x' = (x − shift[k]) · factor[k] for feature k, each operation rounded to float (as
 *       {@code dev.jbackprop.data.Dataset#gatherFeatures} does, so every backend gives the same bits);
 *   <li><b>targets</b>: one class index per sample (classification: made one-hot per batch), or {@code
 *       outputs} floats per sample (regression), or none (inputs to predict on).
 * </ul>
 *
 * The arrays are shared, not copied: nobody may modify them. A backend keeps uint8 features as bytes and
 * decodes them in its gather ({@link Ops#gatherBytes}); float32 features it may hold already normalised
 * ({@link #normalisedFloats}), the same floats its gather would make. {@link #gatherFeatures} and
 * {@link #gatherTargets} are the host's gathers (for streaming), and the rule the backends' gathers are held to.
 */
public final class SampleStore {
    /** How the features are stored. */
    public enum Type {
        UINT8(1),
        FLOAT32(4);

        /** Bytes per stored value. */
        public final int bytes;

        Type(int bytes) {
            this.bytes = bytes;
        }
    }

    private final int features;
    private final int count;
    private final byte[] u8; // or null
    private final float[] f32; // or null
    private final float[] shift, factor; // per feature, or null: no normalisation
    private final int outputs; // classes or regression outputs; 0 without targets
    private final int[] classes; // class index per sample, or null
    private final float[] targets; // outputs per sample, sample after sample, or null

    private SampleStore(
            int features,
            int count,
            byte[] u8,
            float[] f32,
            float[] shift,
            float[] factor,
            int outputs,
            int[] classes,
            float[] targets) {
        this.features = features;
        this.count = count;
        this.u8 = u8;
        this.f32 = f32;
        this.shift = shift;
        this.factor = factor;
        this.outputs = outputs;
        this.classes = classes;
        this.targets = targets;
    }

    /** Bytes, {@code values.length / features} samples, no targets (add them with {@link #withClasses} or {@link #withTargets}). */
    public static SampleStore uint8(int features, byte[] values) {
        return new SampleStore(features, samples(features, values.length), values, null, null, null, 0, null, null);
    }

    /** Floats, {@code values.length / features} samples, no targets. */
    public static SampleStore float32(int features, float[] values) {
        return new SampleStore(features, samples(features, values.length), null, values, null, null, 0, null, null);
    }

    private static int samples(int features, long length) {
        if (features <= 0)
            throw new IllegalArgumentException("a sample store needs at least one feature, got " + features);
        if (length % features != 0)
            throw new IllegalArgumentException(
                    length + " values is not a whole number of samples of " + features + " features");
        return (int) (length / features);
    }

    /**
     * This store with its features normalised: x' = (x − shift[k]) · factor[k] after decoding.
     *
     * @throws IllegalArgumentException unless both have one entry per feature
     */
    public SampleStore withNormalisation(float[] shift, float[] factor) {
        if (shift.length != features || factor.length != features)
            throw new IllegalArgumentException("a normalisation needs one shift and one factor per feature (" + features
                    + "), got " + shift.length + " and " + factor.length);
        return new SampleStore(features, count, u8, f32, shift, factor, outputs, classes, targets);
    }

    /**
     * This store with class targets: sample i is of class {@code classIndex[i]} of {@code classes}.
     *
     * @throws IllegalArgumentException on another number of samples or a class outside [0, classes)
     */
    public SampleStore withClasses(int[] classIndex, int classes) {
        if (classes <= 0) throw new IllegalArgumentException("at least one class is needed, got " + classes);
        if (classIndex.length != count)
            throw new IllegalArgumentException(classIndex.length + " classes for " + count + " samples");
        for (int i = 0; i < count; i++) {
            if (classIndex[i] < 0 || classIndex[i] >= classes)
                throw new IllegalArgumentException(
                        "class " + classIndex[i] + " of sample " + i + " is outside 0.." + (classes - 1));
        }
        return new SampleStore(features, count, u8, f32, shift, factor, classes, classIndex, null);
    }

    /**
     * This store with real targets: {@code outputs} values per sample, sample after sample (the outputs ×
     * count column-major matrix).
     *
     * @throws IllegalArgumentException on another number of samples
     */
    public SampleStore withTargets(float[] values, int outputs) {
        if (outputs <= 0) throw new IllegalArgumentException("at least one output is needed, got " + outputs);
        if (values.length != (long) outputs * count)
            throw new IllegalArgumentException(
                    values.length + " target values for " + count + " samples of " + outputs + " outputs");
        return new SampleStore(features, count, u8, f32, shift, factor, outputs, null, values);
    }

    public int features() {
        return features;
    }

    /** Samples stored. */
    public int count() {
        return count;
    }

    public Type type() {
        return u8 != null ? Type.UINT8 : Type.FLOAT32;
    }

    /** Targets per sample as the network sees them (classes or regression outputs); 0 without targets. */
    public int outputs() {
        return outputs;
    }

    public boolean hasTargets() {
        return outputs > 0;
    }

    /** True when the targets are class indices. */
    public boolean hasClasses() {
        return classes != null;
    }

    public boolean normalised() {
        return shift != null;
    }

    /** The stored bytes (not a copy); only for {@link Type#UINT8}. */
    public byte[] uint8() {
        if (u8 == null) throw new IllegalStateException("the features are float32, not uint8");
        return u8;
    }

    /** The stored floats (not a copy, not normalised); only for {@link Type#FLOAT32}. */
    public float[] float32() {
        if (f32 == null) throw new IllegalStateException("the features are uint8, not float32");
        return f32;
    }

    /** Per feature: the shift subtracted (not a copy), or null without normalisation. */
    public float[] shift() {
        return shift;
    }

    /** Per feature: the factor multiplied by (not a copy), or null without normalisation. */
    public float[] factor() {
        return factor;
    }

    /** The class index of each sample (not a copy), or null. */
    public int[] classIndices() {
        return classes;
    }

    /** The regression targets, outputs per sample (not a copy), or null. */
    public float[] targets() {
        return targets;
    }

    /** Bytes a backend holds for this store: the features as stored, plus 4 per class index or target value. */
    public long residentBytes() {
        long t = classes != null ? 4L * count : targets != null ? 4L * targets.length : 0;
        return (long) features * count * type().bytes + t;
    }

    // ---- the rule -------------------------------------------------------------------------------

    /** Stored value {@code at} (= sample · features + k) as the network sees it, k its feature. */
    private float input(int at, int k) {
        float v = u8 != null ? decode(u8[at]) : f32[at];
        return shift == null ? v : (v - shift[k]) * factor[k];
    }

    /** The decoding of a stored byte: v / 255f (pixels to [0, 1]), rounded once. */
    public static float decode(byte v) {
        return (v & 0xff) / 255f;
    }

    /**
     * The float32 features [from, from + length) (stored order: sample after sample) normalised, into
     * {@code dst} from 0: what a backend holding normalised floats uploads.
     */
    public void normalisedFloats(long from, int length, float[] dst) {
        float[] src = float32();
        if (from < 0 || length < 0 || from + length > src.length || length > dst.length)
            throw new IndexOutOfBoundsException("values [" + from + ", " + (from + length) + ") of " + src.length);
        int k = (int) (from % features);
        for (int i = 0; i < length; i++) {
            int at = (int) from + i;
            dst[i] = input(at, k);
            if (++k == features) k = 0;
        }
    }

    /**
     * The features of stored samples {@code samples[from … from+m)} into {@code dst} from {@code at}: n
     * floats per sample, one sample after another (an n × m column-major batch), decoded and normalised.
     */
    public void gatherFeatures(int[] samples, int from, int m, FloatBuffer dst, int at) {
        for (int j = 0; j < m; j++) {
            int s = checkSample(samples[from + j]);
            int base = s * features, out = at + j * features;
            for (int k = 0; k < features; k++) dst.put(out + k, input(base + k, k));
        }
    }

    /**
     * The targets of stored samples {@code samples[from … from+m)} into {@code dst} from {@code at}:
     * outputs floats per sample, the one-hot class or the regression targets.
     */
    public void gatherTargets(int[] samples, int from, int m, FloatBuffer dst, int at) {
        if (!hasTargets()) throw new IllegalStateException("this store has no targets");
        for (int j = 0; j < m; j++) {
            int s = checkSample(samples[from + j]);
            int out = at + j * outputs;
            if (classes != null) {
                for (int c = 0; c < outputs; c++) dst.put(out + c, 0f);
                dst.put(out + classes[s], 1f);
            } else {
                for (int c = 0; c < outputs; c++) dst.put(out + c, targets[s * outputs + c]);
            }
        }
    }

    private int checkSample(int s) {
        if (s < 0 || s >= count) throw new IndexOutOfBoundsException("sample " + s + " of " + count);
        return s;
    }

    @Override
    public String toString() {
        return "SampleStore[" + count + " samples × " + features + " "
                + type().name().toLowerCase(java.util.Locale.ROOT)
                + (shift != null ? " normalised" : "") + " features, "
                + (classes != null ? outputs + " classes" : targets != null ? outputs + " targets" : "no targets")
                + "]";
    }
}
