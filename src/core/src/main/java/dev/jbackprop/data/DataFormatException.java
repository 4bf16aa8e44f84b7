package dev.jbackprop.data;

import dev.jbackprop.io.BadFileException;
import java.nio.file.Path;

/**
 * A data file whose contents cannot be used: a ragged row, a cell that is not a number, an empty cell,
 * NaN or infinity among the features, a label the training data never had, an array of the wrong
 * dtype or shape, a missing array, the wrong number of features.
 *
 * <p>The message reads {@code FILE: line L, column "name" (index C): what is wrong}, leaving out the
 * parts that do not apply (line and column are for text files; npz and IDX problems name the array or
 * item in the text). Lines count from 1 as an editor shows them (a header is line 1); column indices
 * count from 0, as a label column is chosen by index. It is a {@link BadFileException}, so whoever
 * reports bad files reports these too.
 */
public final class DataFormatException extends BadFileException {
    private static final long serialVersionUID = 1L;

    private final long line;
    private final int column;
    private final String columnName;
    private final String detail;

    /**
     * @param line the 1-based line, or −1 when not about a line
     * @param column the 0-based column, or −1 when not about a column
     * @param columnName the column's header name, or null
     */
    public DataFormatException(Path file, long line, int column, String columnName, String problem) {
        super(file, where(line, column, columnName) + problem);
        this.line = line;
        this.column = column;
        this.columnName = columnName;
        this.detail = problem;
    }

    /** A problem with the file as a whole (or one named array in it). */
    public DataFormatException(Path file, String problem) {
        this(file, -1, -1, null, problem);
    }

    private static String where(long line, int column, String name) {
        StringBuilder b = new StringBuilder();
        if (line >= 1) b.append("line ").append(line);
        if (column >= 0) {
            if (b.length() > 0) b.append(", ");
            if (name != null && !name.isEmpty())
                b.append("column \"")
                        .append(name)
                        .append("\" (index ")
                        .append(column)
                        .append(')');
            else b.append("column index ").append(column);
        }
        return b.length() == 0 ? "" : b.append(": ").toString();
    }

    /** The same problem {@code lines} lines further down (for a part of a file read on its own). */
    DataFormatException shifted(long lines) {
        if (line < 1 || lines == 0) return this;
        DataFormatException e = new DataFormatException(file(), line + lines, column, columnName, detail);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The 1-based line the problem is on, or −1. */
    public long line() {
        return line;
    }

    /** The 0-based column the problem is in, or −1. */
    public int column() {
        return column;
    }

    /** The column's header name, or null (no header, or not about a column). */
    public String columnName() {
        return columnName;
    }
}
