package dev.jbackprop.api;

import dev.jbackprop.data.DataFiles;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.TrainTest;
import dev.jbackprop.io.BadFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Samples to train, evaluate or predict on: features and targets, in memory or read from a file (CSV/TSV, NumPy
 * .npz, a directory of MNIST-format IDX files). Immutable; slices share the samples.
 *
 * <p>Held compactly: uint8 features (IDX, npz) stay one byte each until a batch is converted, other features are
 * float32, class labels one index per sample.
 */
public final class Data {
    private final Dataset set;
    private final Dataset test; // the source's own test set, or null
    private final ReadOptions options; // how it was read, or null for in-memory data

    private Data(Dataset set, Dataset test, ReadOptions options) {
        this.set = set;
        this.test = test;
        this.options = options;
    }

    static Data of(Dataset set) {
        return new Data(set, null, null);
    }

    /**
     * Classification data in memory; the classes are 0 … max(labels), named "0", "1", ….
     *
     * @param x one row per sample, all of the same length, finite
     * @param labels each sample's class, 0 or more
     * @return the data (the arrays are copied)
     * @throws DataException on rows of different lengths, a non-finite feature, a negative label, or lengths that
     *     differ
     */
    public static Data classification(float[][] x, int[] labels) {
        Objects.requireNonNull(labels, "labels");
        int max = -1;
        for (int l : labels) max = Math.max(max, l);
        List<String> names = new ArrayList<>();
        for (int c = 0; c <= max; c++) names.add(Integer.toString(c));
        return classification(x, labels, names);
    }

    /**
     * Classification data in memory with named classes.
     *
     * @param x one row per sample, all of the same length, finite
     * @param labels each sample's class: an index into {@code classNames}
     * @param classNames the classes, in output order (at least one)
     * @return the data (the arrays are copied)
     * @throws DataException on rows of different lengths, a non-finite feature, a label out of range, or lengths
     *     that differ
     */
    public static Data classification(float[][] x, int[] labels, List<String> classNames) {
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(classNames, "classNames");
        float[] flat = Arrays2.flatten(x, "x");
        int features = x[0].length;
        if (labels.length != x.length)
            throw new DataException(
                    null, -1, -1, "labels: " + labels.length + " labels for " + x.length + " rows of x", null);
        if (classNames.isEmpty())
            throw new DataException(null, -1, -1, "classNames: at least one class is needed", null);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size())
                throw new DataException(
                        null,
                        i,
                        -1,
                        "labels[" + i + "] is " + labels[i] + ", outside 0.." + (classNames.size() - 1),
                        null);
        }
        return of(Dataset.classification(
                dev.jbackprop.data.FeatureMatrix.wrapFloat32(features, flat, List.of()),
                labels.clone(),
                classNames,
                "label"));
    }

    /**
     * Regression data in memory with several targets per sample.
     *
     * @param x one row per sample, all of the same length, finite
     * @param y one row of targets per sample, all of the same length, finite
     * @return the data (the arrays are copied)
     * @throws DataException on ragged rows, a non-finite value, or a different number of rows
     */
    public static Data regression(float[][] x, float[][] y) {
        float[] flat = Arrays2.flatten(x, "x");
        float[] targets = Arrays2.flatten(y, "y");
        if (y.length != x.length)
            throw new DataException(null, -1, -1, "y: " + y.length + " rows for " + x.length + " rows of x", null);
        List<String> names = new ArrayList<>();
        if (y[0].length == 1) names.add("y");
        else for (int k = 0; k < y[0].length; k++) names.add("y" + k);
        return of(Dataset.regression(
                dev.jbackprop.data.FeatureMatrix.wrapFloat32(x[0].length, flat, List.of()), targets, names));
    }

    /**
     * Regression data in memory with one target per sample.
     *
     * @param x one row per sample, all of the same length, finite
     * @param y one target per sample, finite
     * @return the data (the arrays are copied)
     * @throws DataException on ragged rows, a non-finite value, or a different number of rows
     */
    public static Data regression(float[][] x, float[] y) {
        Objects.requireNonNull(y, "y");
        float[][] rows = new float[y.length][];
        for (int i = 0; i < y.length; i++) rows[i] = new float[] {y[i]};
        return regression(x, rows);
    }

    /**
     * Reads a data file with the default {@link ReadOptions}.
     *
     * @param path a .csv/.tsv file (optionally .gz), an .npz file, or a directory holding the four MNIST-format
     *     IDX files
     * @return the training data; {@link #test()} holds the file's test set where it has one (IDX, an npz with
     *     x_test/y_test)
     * @throws DataException when the file is missing, of an unknown kind, or malformed (the message names the line
     *     and column)
     */
    public static Data read(Path path) {
        return read(path, ReadOptions.defaults());
    }

    /**
     * Reads a data file.
     *
     * @param path see {@link #read(Path)}
     * @param options how to read it
     * @return the training data, with the file's test set in {@link #test()} where it has one
     * @throws DataException when the file is missing, of an unknown kind, or malformed
     */
    public static Data read(Path path, ReadOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        try {
            TrainTest t = DataFiles.read(path, null, options.internal());
            return new Data(t.train(), t.test(), options);
        } catch (BadFileException e) {
            throw Errors.data(e);
        } catch (IllegalArgumentException e) {
            throw new DataException(path, -1, -1, path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a test file against this data: the same features, and the classes of this data in the same order.
     *
     * @param path a .csv/.tsv or .npz file
     * @return the test data
     * @throws DataException when the file is missing or malformed, has other features, or a class this data lacks
     */
    public Data readTest(Path path) {
        Objects.requireNonNull(path, "path");
        try {
            return of(DataFiles.readTest(
                    path, set.schema(), (options == null ? ReadOptions.defaults() : options).internal()));
        } catch (BadFileException e) {
            throw Errors.data(e);
        } catch (IllegalArgumentException e) {
            throw new DataException(path, -1, -1, path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The test set that came with the file (an IDX directory's t10k files, an npz's x_test/y_test).
     *
     * @return the test data, or empty
     */
    public Optional<Data> test() {
        return test == null ? Optional.empty() : Optional.of(of(test));
    }

    /**
     * Samples [from, to), sharing this data's storage.
     *
     * @param from the first sample, 0-based
     * @param to one past the last
     * @return the slice
     * @throws IndexOutOfBoundsException when the range is not within the data
     */
    public Data slice(int from, int to) {
        return of(set.slice(from, to));
    }

    /**
     * The number of samples.
     *
     * @return the samples
     */
    public int count() {
        return set.count();
    }

    /**
     * The number of features per sample: the network's input size.
     *
     * @return the features
     */
    public int features() {
        return set.features();
    }

    /**
     * The number of outputs per sample: classes (classification) or targets (regression); the network's output
     * size.
     *
     * @return the outputs
     */
    public int outputs() {
        return set.outputs();
    }

    /**
     * The task the targets are for.
     *
     * @return classification or regression
     */
    public Task task() {
        return Task.of(set.task());
    }

    /**
     * The classes' names, in output order.
     *
     * @return them (classification), or an empty list (regression)
     */
    public List<String> classNames() {
        return set.classNames();
    }

    /**
     * The features' names (a CSV header).
     *
     * @return them, or an empty list when the source has none
     */
    public List<String> featureNames() {
        return set.featureNames();
    }

    Dataset dataset() {
        return set;
    }

    @Override
    public String toString() {
        return set.toString();
    }

    /** Flattening float[][] rows into one sample-major array, checked. */
    static final class Arrays2 {
        private Arrays2() {}

        static float[] flatten(float[][] rows, String name) {
            Objects.requireNonNull(rows, name);
            if (rows.length == 0) throw new DataException(null, -1, -1, name + ": no rows", null);
            if (rows[0] == null || rows[0].length == 0)
                throw new DataException(null, 0, -1, name + "[0] is empty: a row needs at least one value", null);
            int n = rows[0].length;
            if ((long) n * rows.length > Integer.MAX_VALUE - 8)
                throw new DataException(
                        null, -1, -1, name + ": " + rows.length + " × " + n + " is too many values", null);
            float[] flat = new float[n * rows.length];
            for (int i = 0; i < rows.length; i++) {
                float[] r = rows[i];
                if (r == null || r.length != n)
                    throw new DataException(
                            null,
                            i,
                            -1,
                            name + "[" + i + "] has " + (r == null ? "no" : r.length) + " values; row 0 has " + n,
                            null);
                for (int k = 0; k < n; k++) {
                    if (!Float.isFinite(r[k]))
                        throw new DataException(null, i, k, name + "[" + i + "][" + k + "] is " + r[k], null);
                }
                System.arraycopy(r, 0, flat, i * n, n);
            }
            return flat;
        }
    }
}
