package dev.jbackprop.api;

import dev.jbackprop.data.CsvOptions;
import dev.jbackprop.data.DataFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How {@link Data#read(java.nio.file.Path, ReadOptions)} reads a file. Immutable: each method returns new options.
 * Defaults: the task inferred from the targets, a CSV header detected, the last column the target, the delimiter
 * from the file name (tab for .tsv, comma otherwise), IDX classes from the largest label.
 */
public final class ReadOptions {
    private final Task task;
    private final CsvOptions.Header header;
    private final List<CsvOptions.Column> targets;
    private final Character delimiter;
    private final int classes;

    private ReadOptions(
            Task task, CsvOptions.Header header, List<CsvOptions.Column> targets, Character delimiter, int classes) {
        this.task = task;
        this.header = header;
        this.targets = List.copyOf(targets);
        this.delimiter = delimiter;
        this.classes = classes;
    }

    /**
     * The defaults.
     *
     * @return the default options
     */
    public static ReadOptions defaults() {
        return new ReadOptions(null, CsvOptions.Header.AUTO, List.of(CsvOptions.Column.LAST), null, 0);
    }

    /**
     * The task, instead of inferring it (integer or string labels are classes; numbers with a fraction, or several
     * target columns, are regression).
     *
     * @param task the task
     * @return the new options
     */
    public ReadOptions task(Task task) {
        return new ReadOptions(Objects.requireNonNull(task, "task"), header, targets, delimiter, classes);
    }

    /**
     * CSV/TSV: whether the first line names the columns (by default: when one of its non-target cells is not a
     * number).
     *
     * @param hasHeader true or false
     * @return the new options
     */
    public ReadOptions header(boolean hasHeader) {
        return new ReadOptions(
                task, hasHeader ? CsvOptions.Header.YES : CsvOptions.Header.NO, targets, delimiter, classes);
    }

    /**
     * CSV/TSV: the target columns by header name (one label column for classification, one or more for
     * regression).
     *
     * @param names the columns' names
     * @return the new options
     * @throws InvalidConfigurationException when none or an empty name is given
     */
    public ReadOptions targetColumns(String... names) {
        List<CsvOptions.Column> cols = new ArrayList<>();
        for (String n : names) {
            if (n == null || n.isEmpty())
                throw new InvalidConfigurationException("ReadOptions.targetColumns", "a column name cannot be empty");
            cols.add(CsvOptions.Column.named(n));
        }
        return withTargets(cols);
    }

    /**
     * CSV/TSV: the target columns by 0-based index.
     *
     * @param indices the columns' indices
     * @return the new options
     * @throws InvalidConfigurationException when none or a negative index is given
     */
    public ReadOptions targetColumnIndices(int... indices) {
        List<CsvOptions.Column> cols = new ArrayList<>();
        for (int i : indices) {
            if (i < 0)
                throw new InvalidConfigurationException(
                        "ReadOptions.targetColumnIndices", "a column index cannot be negative, got " + i);
            cols.add(CsvOptions.Column.at(i));
        }
        return withTargets(cols);
    }

    private ReadOptions withTargets(List<CsvOptions.Column> cols) {
        if (cols.isEmpty())
            throw new InvalidConfigurationException("ReadOptions.targetColumns", "at least one column is needed");
        return new ReadOptions(task, header, cols, delimiter, classes);
    }

    /**
     * CSV/TSV: the field delimiter.
     *
     * @param delimiter e.g. ';'
     * @return the new options
     */
    public ReadOptions delimiter(char delimiter) {
        return new ReadOptions(task, header, targets, delimiter, classes);
    }

    /**
     * IDX: the number of classes, when the files do not hold every class.
     *
     * @param classes 1 to 256
     * @return the new options
     * @throws InvalidConfigurationException when outside 1 to 256
     */
    public ReadOptions classes(int classes) {
        if (classes < 1 || classes > 256)
            throw new InvalidConfigurationException("ReadOptions.classes", "must be 1 to 256, got " + classes);
        return new ReadOptions(task, header, targets, delimiter, classes);
    }

    DataFiles.Options internal() {
        return new DataFiles.Options(
                task == null ? null : task.internal(), new CsvOptions(header, targets, delimiter), classes);
    }
}
