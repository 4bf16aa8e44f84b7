package dev.jbackprop.reference;

/**
 * Moving between the backends' column-major matrices (rows × cols, element (i, j) at j·rows + i,
 * one sample per column) and the reference's one-array-per-sample form.
 */
public final class ColumnMajor {
    private ColumnMajor() {}

    /** Column j of a rows-row column-major float matrix, as a double sample. */
    public static double[] column(float[] m, int rows, int j) {
        double[] c = new double[rows];
        for (int i = 0; i < rows; i++) c[i] = m[j * rows + i];
        return c;
    }

    /** Column j of a rows-row column-major double matrix. */
    public static double[] column(double[] m, int rows, int j) {
        double[] c = new double[rows];
        for (int i = 0; i < rows; i++) c[i] = m[j * rows + i];
        return c;
    }

    /** The first cols columns of a column-major float matrix, one double[] per column. */
    public static double[][] columns(float[] m, int rows, int cols) {
        double[][] out = new double[cols][];
        for (int j = 0; j < cols; j++) out[j] = column(m, rows, j);
        return out;
    }

    /** The first cols columns of a column-major double matrix, one double[] per column. */
    public static double[][] columns(double[] m, int rows, int cols) {
        double[][] out = new double[cols][];
        for (int j = 0; j < cols; j++) out[j] = column(m, rows, j);
        return out;
    }

    /** Equal-length columns laid side by side as a column-major matrix. */
    public static double[] fromColumns(double[][] cols) {
        if (cols.length == 0) return new double[0];
        int rows = cols[0].length;
        double[] m = new double[rows * cols.length];
        for (int j = 0; j < cols.length; j++) {
            if (cols[j].length != rows)
                throw new IllegalArgumentException(
                        "column " + j + " has " + cols[j].length + " rows, expected " + rows);
            for (int i = 0; i < rows; i++) m[j * rows + i] = cols[j][i];
        }
        return m;
    }
}
