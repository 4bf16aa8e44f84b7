package dev.jbackprop.cli;

import dev.jbackprop.data.CsvOptions;
import picocli.CommandLine.Option;

/** How a CSV/TSV file is laid out: its header and its label column (train, gradients, eval, predict). */
final class CsvLayoutOptions {
    @Option(
            names = "--header",
            paramLabel = "yes|no|auto",
            description = "CSV/TSV: whether the first line names the columns; auto: when one of its feature cells is "
                    + "not a number (default: auto).")
    String header;

    @Option(
            names = "--label-column",
            paramLabel = "NAME|INDEX",
            description = "CSV/TSV: the label (target) column, by header name or 0-based index; every other column is "
                    + "a feature (default: the last column; eval and predict: the column the model was trained with).")
    String labelColumn;

    /** The CSV options {@code header} and {@code labelColumn} describe (null: auto, the last column). */
    static CsvOptions csv(String header, String labelColumn) {
        CsvOptions c = CsvOptions.defaults();
        if (header != null) c = c.withHeader(parseHeader(header));
        if (labelColumn != null) c = c.withTargets(CsvOptions.Column.parse(labelColumn.trim()));
        return c;
    }

    /** The header setting, checked (a usage error naming the option). */
    static CsvOptions.Header parseHeader(String s) {
        try {
            return CsvOptions.Header.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--header takes yes, no or auto, not '" + s + "'");
        }
    }

    /** Checks the values given (usage errors). */
    void check() {
        if (header != null) parseHeader(header);
        if (labelColumn != null && labelColumn.isBlank())
            throw new IllegalArgumentException("--label-column needs a column name or a 0-based index");
    }
}
