package dev.jbackprop.api;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Data that cannot be used: a file that is missing or malformed (a ragged row, a cell that is not a number, a
 * label the training data never had, an array of the wrong type or shape), or arrays given in memory that do not
 * fit (rows of different lengths, NaN among the features, a label out of range). Where they apply, the file, the
 * line (1-based, as an editor shows it) and the column (0-based) are in the message and in the fields.
 */
public class DataException extends JbackpropException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** The line (or row), or −1. */
    private final long line;
    /** The column, or −1. */
    private final int column;

    /**
     * A problem with data.
     *
     * @param file the file, or null for data given in memory
     * @param line the 1-based line (or, in memory, the 0-based row), or −1
     * @param column the 0-based column, or −1
     * @param message the whole message
     * @param cause the lower-level error, or null
     */
    public DataException(Path file, long line, int column, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
        this.line = line;
        this.column = column;
    }

    /**
     * The file the problem is in.
     *
     * @return the file, or empty for data given in memory
     */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /**
     * Where the problem is.
     *
     * @return the 1-based line of a text file, the 0-based row of arrays given in memory, or −1
     */
    public long line() {
        return line;
    }

    /**
     * Where the problem is.
     *
     * @return the 0-based column, or −1
     */
    public int column() {
        return column;
    }
}
