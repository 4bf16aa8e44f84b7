package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.IndexBlock;
import java.util.concurrent.atomic.AtomicLong;

/** Sample indices on the heap. */
final class CpuIndexBlock implements IndexBlock {
    // Index blocks live on the Java heap; a captured step tracks what each operation reads and writes
    // by address, so each block gets a span of its own in an address range no float block can have.
    private static final AtomicLong NEXT = new AtomicLong(1L << 60);

    final int[] idx;
    /** This block's span for {@link CpuTask.Access} (not a real address). */
    final long address;

    CpuIndexBlock(int n) {
        idx = new int[n];
        address = NEXT.getAndAdd(4L * (n + 16));
    }

    @Override
    public int length() {
        return idx.length;
    }

    @Override
    public void close() {}
}
