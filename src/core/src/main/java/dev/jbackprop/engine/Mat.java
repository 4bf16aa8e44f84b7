package dev.jbackprop.engine;

/**
 * A column-major matrix of {@code rows} × {@code cols} floats stored contiguously in {@code block}
 * (leading dimension = rows, one sample per column). {@code cols} is the capacity; operations are
 * told how many columns are live, so a partial last batch uses the first columns of the same view.
 */
public record Mat(Block block, int rows, int cols) {
    public Mat {
        if ((long) rows * cols != block.length()) {
            throw new IllegalArgumentException(
                    "matrix " + rows + "×" + cols + " does not match its block of " + block.length() + " floats");
        }
    }

    /** Carves a rows × cols matrix out of {@code parent} at {@code offset}. */
    public static Mat of(Block parent, long offset, int rows, int cols) {
        return new Mat(parent.view(offset, (long) rows * cols), rows, cols);
    }

    /** A column vector of n floats at {@code offset}. */
    public static Mat vector(Block parent, long offset, int n) {
        return of(parent, offset, n, 1);
    }

    public long size() {
        return (long) rows * cols;
    }
}
