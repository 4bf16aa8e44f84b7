package dev.jbackprop.spark.collective;

import java.nio.ByteBuffer;

/**
 * A group of {@link #size()} workers that sum float blocks element by element: after {@link #allReduceSum} returns,
 * every worker holds the same sum, bit for bit. Each worker calls it with the same length in the same order; a call
 * that cannot complete (a peer died, closed, or stalled past the timeout) throws {@link CollectiveException} and never
 * returns a partial sum. One instance per worker thread; not thread-safe.
 */
public interface Collective extends AutoCloseable {

    /** This worker's index in the collective, 0 to size - 1 (not necessarily the Spark partition index). */
    int rank();

    /** The number of workers. */
    int size();

    /**
     * Sums, in place, the floats from the buffer's position to its limit across all workers. The buffer must be direct
     * and in native byte order, and its remaining bytes a multiple of 4.
     */
    void allReduceSum(ByteBuffer block);

    /** Sums {@code values[offset, offset + length)} in place across all workers (copies through a reused buffer). */
    void allReduceSum(float[] values, int offset, int length);

    default void allReduceSum(float[] values) {
        allReduceSum(values, 0, values.length);
    }

    /** Leaves the collective; peers still in a call then fail instead of waiting. Logs, never throws. */
    @Override
    void close();

    /** A direct, native-order buffer of {@code floats} floats, the kind {@link #allReduceSum(ByteBuffer)} takes. */
    static ByteBuffer allocateBlock(int floats) {
        if (floats < 0) {
            throw new IllegalArgumentException("a block needs a length >= 0, got " + floats);
        }
        return ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES))
                .order(java.nio.ByteOrder.nativeOrder());
    }
}
