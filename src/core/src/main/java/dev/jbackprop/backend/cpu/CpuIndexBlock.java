package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.IndexBlock;

/** Sample indices on the heap. */
final class CpuIndexBlock implements IndexBlock {
    final int[] idx;

    CpuIndexBlock(int n) {
        idx = new int[n];
    }

    @Override
    public int length() {
        return idx.length;
    }

    @Override
    public void close() {}
}
