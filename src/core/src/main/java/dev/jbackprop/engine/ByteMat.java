package dev.jbackprop.engine;

/**
 * A column-major matrix of {@code rows} × {@code cols} bytes stored in {@code block} (one sample per
 * column, leading dimension = rows): uint8 features on a backend.
 */
public record ByteMat(ByteBlock block, int rows, int cols) {
    public ByteMat {
        if (rows < 0 || cols < 0 || (long) rows * cols != block.length()) {
            throw new IllegalArgumentException(
                    "byte matrix " + rows + "×" + cols + " does not match its block of " + block.length() + " bytes");
        }
    }
}
