package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.IndexBlock;
import java.util.concurrent.atomic.AtomicLong;

/** Sample indices on the heap. */
final class CpuIndexBlock implements IndexBlock {
    // Index (and byte) blocks live on the Java heap; a captured step tracks what each operation reads and writes
    // by address, so each block gets a span of its own in an address range no float block can have.
    private static final AtomicLong NEXT = new AtomicLong(1L << 60);

    final int[] idx;
    /** This block's span for {@link CpuTask.Access} (not a real address). */
    final long address;

    CpuIndexBlock(int n) {
        idx = new int[n];
        address = span(4L * n);
    }

    /**
     * A span of at least {@code bytes} bytes (and 64 more) for a heap block's {@link CpuTask.Access}: index
     * blocks and byte blocks ({@link CpuByteBlock}) take theirs from one range, apart from every float block.
     */
    static long span(long bytes) {
        return NEXT.getAndAdd((bytes + 3) / 4 * 4 + 64);
    }

    @Override
    public int length() {
        return idx.length;
    }

    @Override
    public void close() {}
}
