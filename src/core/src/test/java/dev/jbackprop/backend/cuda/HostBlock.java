package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.Mat;

/** A plain block for shape checks that never reach a device. */
final class HostBlock implements Block {
    private final long length;

    HostBlock(long length) {
        this.length = length;
    }

    static Mat mat(int rows, int cols) {
        return new Mat(new HostBlock((long) rows * cols), rows, cols);
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public Block view(long offset, long length) {
        return new HostBlock(length);
    }

    @Override
    public void close() {}
}
