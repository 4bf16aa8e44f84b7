package dev.jbackprop.data;

import java.util.List;

/**
 * How to read a CSV/TSV file: whether its first line is a header, which column(s) hold the targets,
 * and the field delimiter.
 *
 * @param header {@link Header#AUTO} detects it (see {@link Csv})
 * @param targets the target columns: one label column for classification, one or more columns for
 *     regression; by default the last column
 * @param delimiter the field delimiter, or null: tab for .tsv / .tsv.gz, comma otherwise
 */
public record CsvOptions(Header header, List<Column> targets, Character delimiter) {
    /** Whether the first line names the columns. */
    public enum Header {
        YES,
        NO,
        AUTO;

        public static Header parse(String s) {
            for (Header h : values()) if (h.name().equalsIgnoreCase(s.trim())) return h;
            throw new IllegalArgumentException("unknown header setting '" + s + "'; expected yes, no or auto");
        }
    }

    /**
     * A column, by header name or by 0-based index ({@code index} −1 with a null name is the last
     * column).
     */
    public record Column(String name, int index) {
        /** The last column (the default label column). */
        public static final Column LAST = new Column(null, -1);

        public Column {
            if (name == null && index < -1)
                throw new IllegalArgumentException("column index " + index + " is negative");
            if (name != null && name.isEmpty()) throw new IllegalArgumentException("a column name cannot be empty");
        }

        public static Column named(String name) {
            return new Column(name, -1);
        }

        public static Column at(int index) {
            if (index < 0) throw new IllegalArgumentException("column index " + index + " is negative");
            return new Column(null, index);
        }

        /** An index when {@code s} is all digits, else a name. */
        public static Column parse(String s) {
            return !s.isEmpty() && s.chars().allMatch(Character::isDigit) ? at(Integer.parseInt(s)) : named(s);
        }

        @Override
        public String toString() {
            return name != null ? "\"" + name + "\"" : index < 0 ? "the last column" : "column index " + index;
        }
    }

    public CsvOptions {
        if (header == null) throw new IllegalArgumentException("header setting is null");
        targets = List.copyOf(targets);
        if (targets.isEmpty()) throw new IllegalArgumentException("at least one target column is needed");
    }

    /** Header detected, the last column the label, the delimiter from the file name. */
    public static CsvOptions defaults() {
        return new CsvOptions(Header.AUTO, List.of(Column.LAST), null);
    }

    public CsvOptions withHeader(Header h) {
        return new CsvOptions(h, targets, delimiter);
    }

    public CsvOptions withTargets(Column... columns) {
        return new CsvOptions(header, List.of(columns), delimiter);
    }

    public CsvOptions withDelimiter(char d) {
        return new CsvOptions(header, targets, d);
    }
}
