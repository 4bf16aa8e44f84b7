package dev.jbackprop.cli;

import dev.jbackprop.data.Normalization;
import dev.jbackprop.data.Task;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The training data as a file, and how it is read (train, gradients): task, classes, normalisation. */
final class TrainDataOptions {
    @Option(
            names = "--train",
            paramLabel = "FILE",
            description = "Training data: CSV/TSV (optionally .gz; header detected, label column the last one unless "
                    + "--label-column) or NumPy .npz (x/y, or x_train/y_train with optional x_test/y_test); instead "
                    + "of --data (default: none).")
    Path train;

    @Option(
            names = "--classes",
            paramLabel = "N",
            description = "IDX data: the number of classes (default: the largest label in the training and test "
                    + "files plus one, or the output size --layers gives when that is larger).")
    Integer classes;

    @Option(
            names = "--task",
            paramLabel = "classification|regression",
            description = "What the targets are (default: inferred: integer or string labels are classes, numbers "
                    + "with a fraction are regression targets; npz: by y's dtype).")
    String task;

    @Option(
            names = "--normalize",
            paramLabel = "none|minmax|standard",
            description = "Feature scaling, fitted on the training set and stored in the model (default: standard for "
                    + "float data, minmax for float data that is all whole numbers in 0..255 (pixels as text), none "
                    + "for uint8 data, whose pixels become [0, 1]).")
    String normalize;

    /** Checks the values given (usage errors naming the options). */
    void check() {
        if (classes != null && (classes < 1 || classes > 256))
            throw new IllegalArgumentException("--classes must be 1..256, got " + classes);
        if (task != null) task();
        if (normalize != null) normalization();
    }

    /** The task asked for, or null. */
    Task task() {
        if (task == null) return null;
        try {
            return Task.parse(task);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--task takes classification or regression, not '" + task + "'");
        }
    }

    /** The normalisation asked for, or null. */
    Normalization.Kind normalization() {
        if (normalize == null) return null;
        try {
            return Normalization.Kind.parse(normalize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--normalize takes none, minmax or standard, not '" + normalize + "'");
        }
    }
}
