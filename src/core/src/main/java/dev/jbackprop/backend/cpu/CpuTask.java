package dev.jbackprop.backend.cpu;

/**
 * One operation of the CPU backend with its arguments, cut into {@link #parts} parts that may run on
 * different threads at once. An eager call sets the fields of one reusable task and runs it
 * ({@link CpuOps}); a captured step keeps a copy of each task and replays them with barriers only
 * where one part reads or writes what another thread's part of an earlier task wrote or read
 * ({@link CpuPlan}, from {@link #access}). The parts are a function of the arguments and the thread
 * count only, so a replayed step computes exactly the eager step's floats.
 */
abstract class CpuTask implements WorkerPool.PartTask, Cloneable {
    /** How many parts (≤ the thread count); part p runs on thread p. */
    int parts = 1;

    /** Runs part p. */
    @Override
    public abstract void run(int part);

    /** Declares what part p reads and writes. */
    abstract void access(int part, Access access);

    /**
     * An independent copy with the same arguments (for a captured step): a field-by-field copy, which a task holding
     * an array it changes, or scratch of its own, overrides to copy that too (the eager call sets the original's
     * fields again for the next operation; the copy keeps these).
     */
    CpuTask copy() {
        try {
            return (CpuTask) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e); // Cloneable
        }
    }

    /** A short name for messages and plans ("gemm", "bias+activation", …). */
    abstract String name();

    /**
     * Receives the memory a part touches as rectangles of column-major matrices: rows [r0, r1) of
     * columns [c0, c1) of the matrix whose element (0, 0) is at {@code base} with {@code ld} rows. A
     * range of n consecutive floats is the column of an n-row matrix.
     */
    interface Access {
        void touch(boolean write, long base, long ld, int r0, int r1, int c0, int c1);

        default void read(long base, long ld, int r0, int r1, int c0, int c1) {
            touch(false, base, ld, r0, r1, c0, c1);
        }

        default void write(long base, long ld, int r0, int r1, int c0, int c1) {
            touch(true, base, ld, r0, r1, c0, c1);
        }

        /** Floats [from, to) after base. */
        default void readRange(long base, long from, long to) {
            if (from < to) touch(false, base + 4 * from, to - from, 0, (int) (to - from), 0, 1);
        }

        default void writeRange(long base, long from, long to) {
            if (from < to) touch(true, base + 4 * from, to - from, 0, (int) (to - from), 0, 1);
        }
    }
}
