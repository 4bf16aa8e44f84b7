package dev.jbackprop.backend.cuda;

/** Launch geometry. Kernels use grid-stride loops, so the grid is capped rather than sized to the work. */
final class Grid {
    private Grid() {}

    /** Threads per block for the elementwise kernels. */
    static final int BLOCK = 256;
    /** Warps per block for the one-warp-per-column kernels (blockDim = 32 · this). */
    static final int COLUMN_WARPS = 8;
    /** Resident blocks per SM worth launching; beyond that, the grid-stride loop does the rest. */
    static final int BLOCKS_PER_SM = 32;

    /** Blocks for {@code items} work items at {@code perBlock} per block: ceil(items / perBlock), at most {@code maxBlocks}, at least 1. */
    static int blocks(long items, int perBlock, int maxBlocks) {
        if (items <= 0) throw new IllegalArgumentException("no work to launch: " + items + " items");
        long b = (items + perBlock - 1) / perBlock;
        return (int) Math.max(1, Math.min(b, maxBlocks));
    }

    static int maxBlocks(int multiprocessors) {
        return Math.max(1, multiprocessors) * BLOCKS_PER_SM;
    }
}
