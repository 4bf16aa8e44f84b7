package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.data.CsvOptions;
import dev.jbackprop.data.DataFiles;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.data.Normalization;
import dev.jbackprop.data.Split;
import dev.jbackprop.data.Task;
import dev.jbackprop.data.TrainTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The data of a training run, read as its configuration says (so --config and --resume read what the run read):
 * the training source (a CSV/TSV/npz file, an IDX directory, or MNIST from the cache) and its test set (a separate
 * file, the source's own, a seeded --test-split of the training data, or none); a validation set cut from the
 * training data (--validation-split, seeded, or --train-size: the first N train, the rest validate); the
 * normalisation fitted on what trains and attached to every set. A started run records the training set's size as
 * train_size, so a repeat with --validation-split ignores it.
 *
 * @param test null when there is none
 * @param validation empty when there is none
 */
record TrainingData(Dataset train, Dataset validation, Dataset test, Normalization normalization, Task task) {

    /** The seed of the validation split is the run's seed plus this (the test split takes the seed itself). */
    static final long VALIDATION_SEED_OFFSET = 1;

    /** Reads the data of {@code c} (MNIST fetched into {@code cache} when it names no data). */
    static TrainingData read(RunConfig c, Path cache, Consumer<String> notices) throws IOException {
        checkSplits(c);
        Task task = c.task() == null ? null : Task.parse(c.task());
        TrainTest source = c.train() != null ? readFile(c, task) : readIdx(c, task, cache, notices);
        Dataset train = source.train();
        Dataset test = source.test();
        if (c.testSplit() > 0) {
            if (test != null) {
                throw new IllegalArgumentException("--test-split " + c.testSplit()
                        + ": the data has a test set already ("
                        + (c.test() != null ? c.test() : "the training source's own") + "); leave out --test-split");
            }
            Split s = Split.randomFraction(train, c.testSplit(), c.seed());
            train = s.train();
            test = s.heldOut();
        }
        Dataset validation = train.first(0);
        if (c.validationSplit() > 0) {
            Split s = Split.randomFraction(train, c.validationSplit(), c.seed() + VALIDATION_SEED_OFFSET);
            train = s.train();
            validation = s.validation();
        } else if (c.trainSize() > 0) { // with --validation-split, train_size only records the count
            if (c.trainSize() > train.count())
                throw new IllegalArgumentException(
                        "--train-size " + c.trainSize() + " exceeds the " + train.count() + " training samples");
            Split s = Split.of(train, c.trainSize());
            train = s.train();
            validation = s.validation();
        }
        Normalization.Kind kind =
                c.normalize() != null ? Normalization.Kind.parse(c.normalize()) : Normalization.defaultKind(train);
        Normalization n = Normalization.fit(kind, train);
        train = train.withNormalization(n);
        validation = validation.withNormalization(n);
        if (test != null) test = test.withNormalization(n);
        return new TrainingData(train, validation, test, n, train.task());
    }

    private static void checkSplits(RunConfig c) {
        if (!(c.testSplit() >= 0 && c.testSplit() < 1))
            throw new IllegalArgumentException("--test-split takes a fraction in (0, 1), got " + c.testSplit());
        if (!(c.validationSplit() >= 0 && c.validationSplit() < 1))
            throw new IllegalArgumentException(
                    "--validation-split takes a fraction in (0, 1), got " + c.validationSplit());
    }

    /** The CSV layout a configuration records. */
    static CsvOptions csv(RunConfig c) {
        return CsvLayoutOptions.csv(c.header(), c.labelColumn());
    }

    private static TrainTest readFile(RunConfig c, Task task) throws IOException {
        if (c.classes() > 0)
            throw new IllegalArgumentException("--classes is for IDX data; a CSV or npz file's classes are its labels");
        DataFiles.Options options = new DataFiles.Options(task, csv(c), 0);
        Path test = c.test() == null ? null : Path.of(c.test());
        return DataFiles.read(Path.of(c.train()), test, options);
    }

    private static TrainTest readIdx(RunConfig c, Task task, Path cache, Consumer<String> notices) throws IOException {
        if (c.test() != null)
            throw new IllegalArgumentException("--test " + c.test() + " goes with --train FILE; an IDX directory"
                    + " (--data) holds its own test set");
        if (task == Task.REGRESSION)
            throw new IllegalArgumentException("IDX labels are classes; --task regression needs a CSV or npz file");
        if (c.header() != null || c.labelColumn() != null)
            throw new IllegalArgumentException("--header and --label-column are for CSV/TSV files, not IDX data");
        Path dir = DataOptions.directory(c.data());
        Mnist m = read(dir, cache, c.classes(), notices);
        return new TrainTest(m.train(), m.test());
    }

    private static Mnist read(Path dir, Path cache, int classes, Consumer<String> notices) throws IOException {
        if (dir != null) return Mnist.readDir(dir, classes);
        Mnist m = Mnist.load(null, cache, notices);
        return classes == 0 || classes == Mnist.CLASSES ? m : Mnist.readDir(Mnist.cacheDir(cache), classes);
    }

    /** What the outputs of this data are called in messages: "classes" or "regression targets". */
    String outputsWord() {
        if (task == Task.REGRESSION) return "regression targets";
        return train.featureMatrix().type() == dev.jbackprop.data.FeatureMatrix.Type.UINT8
                        && train.featureNames().isEmpty()
                ? "classes (IDX: the largest label + 1, or --classes N)"
                : "classes";
    }
}
