package dev.jbackprop.data;

import java.util.List;

/**
 * The features of every sample of one source, held once and compactly: {@code count} samples of
 * {@code features} values, sample after sample (row-major count × features, which is the features ×
 * count column-major matrix with one sample per column). Values are either
 *
 * <ul>
 *   <li>{@link Type#UINT8} — bytes 0..255 as read (IDX images, npz uint8), one byte per value, or
 *   <li>{@link Type#FLOAT32} — finite floats (CSV, npz float32/float64), four bytes per value.
 * </ul>
 *
 * <p>A value becomes the float the network sees by {@link #decode decoding}: uint8 {@code v} is
 * {@code v / 255f} (pixels to [0, 1], an IEEE float division, so a device gather reproduces it exactly);
 * float32 is itself. Normalisation ({@link Normalization}) acts on decoded values. Decoding happens
 * when a batch is converted ({@link Dataset#gatherFeatures}), never for the whole set.
 *
 * <p>The backing arrays ({@link #uint8Array()}, {@link #float32Array()}) are exposed, not copied, for
 * uploads to a device; nobody may modify them. Data sets ({@link Dataset}) are views over a matrix.
 */
public final class FeatureMatrix {
    /** How the values are stored. */
    public enum Type {
        UINT8(1),
        FLOAT32(4);

        /** Bytes per stored value. */
        public final int bytes;

        Type(int bytes) {
            this.bytes = bytes;
        }
    }

    private final Type type;
    private final int features;
    private final int count;
    private final byte[] u8;
    private final float[] f32;
    private final List<String> names;

    private FeatureMatrix(Type type, int features, int count, byte[] u8, float[] f32, List<String> names) {
        if (features <= 0) throw new IllegalArgumentException("a data set needs at least one feature, got " + features);
        if (names != null && !names.isEmpty() && names.size() != features) {
            throw new IllegalArgumentException(names.size() + " feature names for " + features + " features");
        }
        this.type = type;
        this.features = features;
        this.count = count;
        this.u8 = u8;
        this.f32 = f32;
        this.names = names == null ? List.of() : List.copyOf(names);
    }

    /**
     * Bytes 0..255, {@code values.length / features} samples. The array is taken over, not copied: the
     * caller must not modify it afterwards.
     *
     * @param names one per feature, or empty
     */
    public static FeatureMatrix wrapUint8(int features, byte[] values, List<String> names) {
        return new FeatureMatrix(Type.UINT8, features, samples(features, values.length), values, null, names);
    }

    /**
     * Finite floats, {@code values.length / features} samples. The array is taken over, not copied:
     * the caller must not modify it afterwards.
     *
     * @throws IllegalArgumentException on a NaN or infinite value
     */
    public static FeatureMatrix wrapFloat32(int features, float[] values, List<String> names) {
        int m = samples(features, values.length);
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(
                        "input " + (i % features) + " of sample " + (i / features) + " is " + values[i]);
            }
        }
        return new FeatureMatrix(Type.FLOAT32, features, m, null, values, names);
    }

    /** For readers that have checked every value already. */
    static FeatureMatrix float32Unchecked(int features, float[] values, List<String> names) {
        return new FeatureMatrix(Type.FLOAT32, features, samples(features, values.length), null, values, names);
    }

    private static int samples(int features, int length) {
        if (features <= 0) throw new IllegalArgumentException("a data set needs at least one feature, got " + features);
        if (length % features != 0) {
            throw new IllegalArgumentException(
                    length + " values is not a whole number of samples of " + features + " features");
        }
        return length / features;
    }

    public Type type() {
        return type;
    }

    /** Values per sample (n). */
    public int features() {
        return features;
    }

    /** Samples held (m). */
    public int count() {
        return count;
    }

    /** The feature names (a CSV header), or an empty list. */
    public List<String> names() {
        return names;
    }

    /** Bytes held by the values. */
    public long bytes() {
        return (long) features * count * type.bytes;
    }

    /** The stored bytes themselves (not a copy; do not modify). Sample i's values at [i·n, (i+1)·n). */
    public byte[] uint8Array() {
        if (u8 == null) throw new IllegalStateException("the features are " + type + ", not UINT8");
        return u8;
    }

    /** The stored floats themselves (not a copy; do not modify). Sample i's values at [i·n, (i+1)·n). */
    public float[] float32Array() {
        if (f32 == null) throw new IllegalStateException("the features are " + type + ", not FLOAT32");
        return f32;
    }

    /** The rule that turns a stored byte into the network's input: v / 255 (pixels to [0, 1]). */
    public static float decode(byte v) {
        return (v & 0xff) / 255f;
    }

    /** Feature k of stored sample i, decoded. */
    public float value(int sample, int feature) {
        int at = sample * features + feature;
        return u8 != null ? decode(u8[at]) : f32[at];
    }

    /** Writes stored sample i's decoded values to dst[offset … offset+n). */
    void decodeSample(int sample, float[] dst, int offset) {
        int from = sample * features;
        if (f32 != null) {
            System.arraycopy(f32, from, dst, offset, features);
        } else {
            for (int k = 0; k < features; k++) dst[offset + k] = decode(u8[from + k]);
        }
    }

    @Override
    public String toString() {
        return "FeatureMatrix[" + count + " × " + features + " " + type + "]";
    }
}
