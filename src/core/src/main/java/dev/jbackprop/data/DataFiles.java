package dev.jbackprop.data;

import dev.jbackprop.io.BadFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One entry point for every data source, chosen by the path: a directory of IDX files (the MNIST
 * names, {@link Mnist#readDir(Path, int)}), {@code .csv}/{@code .tsv} (optionally {@code .gz}:
 * {@link Csv}), {@code .npz} ({@link Npz}), or for prediction inputs also an IDX image file
 * ({@code …idx3-ubyte}, optionally {@code .gz}).
 */
public final class DataFiles {
    private DataFiles() {}

    public enum Format {
        CSV,
        NPZ,
        /** A directory holding the four IDX files, or (for prediction) one IDX image file. */
        IDX
    }

    /**
     * How to read data files.
     *
     * @param task the task, or null to infer it
     * @param csv CSV layout (header, target columns, delimiter)
     * @param classes IDX: the number of classes, or 0 for the largest label + 1 (other formats: unused)
     */
    public record Options(Task task, CsvOptions csv, int classes) {
        public Options {
            if (csv == null) throw new IllegalArgumentException("CSV options are null");
            if (classes < 0 || classes > 256)
                throw new IllegalArgumentException("classes must be 0..256, got " + classes);
        }

        public static Options defaults() {
            return new Options(null, CsvOptions.defaults(), 0);
        }

        public Options withTask(Task t) {
            return new Options(t, csv, classes);
        }

        public Options withCsv(CsvOptions c) {
            return new Options(task, c, classes);
        }

        public Options withClasses(int c) {
            return new Options(task, csv, c);
        }
    }

    /**
     * The format of {@code path}.
     *
     * @throws BadFileException when it does not exist or its name says no known format
     */
    public static Format format(Path path) throws BadFileException {
        if (Files.isDirectory(path)) return Format.IDX;
        if (!Files.exists(path)) throw new BadFileException(path, "does not exist");
        String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) n = n.substring(0, n.length() - 3);
        if (n.endsWith(".csv") || n.endsWith(".tsv")) return Format.CSV;
        if (n.endsWith(".npz")) return Format.NPZ;
        if (n.endsWith("idx3-ubyte")) return Format.IDX;
        throw new BadFileException(
                path,
                "is not a known data format: expected .csv, .tsv (optionally .gz), .npz, an IDX image file"
                        + " (…idx3-ubyte) or a directory of IDX files");
    }

    /**
     * A training set and its test set: from {@code test} when given, else from the training source when
     * it has one (an IDX directory, an npz with x_test/y_test), else none.
     *
     * @throws IllegalArgumentException when a test file is given but the training source holds a test
     *     set too, or the training path is an IDX image file rather than a directory
     */
    public static TrainTest read(Path train, Path test, Options options) throws BadFileException {
        TrainTest t = switch (format(train)) {
            case CSV -> new TrainTest(Csv.read(train, options.csv(), options.task()), null);
            case NPZ -> Npz.read(train, options.task());
            case IDX -> {
                if (!Files.isDirectory(train)) {
                    throw new IllegalArgumentException(
                            train + " is one IDX file; IDX training data is a directory holding "
                                    + String.join(", ", Mnist.FILES));
                }
                if (options.task() == Task.REGRESSION) {
                    throw new IllegalArgumentException("IDX labels are classes; they cannot be read for regression");
                }
                Mnist m = Mnist.readDir(train, options.classes());
                yield new TrainTest(m.train(), m.test());
            }
        };
        if (test == null) return t;
        if (t.test() != null) {
            throw new IllegalArgumentException(
                    train + " holds a test set already; leave out the separate test file " + test);
        }
        return new TrainTest(t.train(), readTest(test, t.train().schema(), options));
    }

    /** A test set read against the training set's schema (CSV or npz). */
    public static Dataset readTest(Path test, DataSchema training, Options options) throws BadFileException {
        return switch (format(test)) {
            case CSV -> Csv.readTest(test, options.csv(), training);
            case NPZ -> Npz.readTest(test, training);
            case IDX ->
                throw new IllegalArgumentException(
                        test + ": a separate IDX test set is read from its directory with the training set");
        };
    }

    /** Inputs to predict on (CSV, npz x, or an IDX image file), checked against the training data's features. */
    public static Dataset readFeatures(Path input, DataSchema training, Options options) throws BadFileException {
        return switch (format(input)) {
            case CSV -> Csv.readFeatures(input, options.csv(), training);
            case NPZ -> Npz.readFeatures(input, training);
            case IDX -> {
                if (Files.isDirectory(input)) {
                    throw new IllegalArgumentException(
                            input + " is a directory; give the IDX image file to predict on");
                }
                yield Idx.readFeatures(input, training);
            }
        };
    }
}
