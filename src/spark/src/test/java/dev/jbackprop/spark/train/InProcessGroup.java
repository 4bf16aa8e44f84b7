package dev.jbackprop.spark.train;

import dev.jbackprop.spark.collective.Collective;
import dev.jbackprop.spark.collective.CollectiveException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Workers as threads of one JVM summing through a barrier (for tests of the exchanges without Spark or a tracker): each
 * call, every member posts its floats, then each sums them all in rank order (so every member gets the same bits).
 */
final class InProcessGroup {
    private final int size;
    private final CyclicBarrier barrier;
    private final float[][] posted;

    InProcessGroup(int size) {
        this.size = size;
        this.barrier = new CyclicBarrier(size);
        this.posted = new float[size][];
    }

    Collective member(int rank) {
        return new Collective() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int size() {
                return size;
            }

            @Override
            public void allReduceSum(ByteBuffer block) {
                FloatBuffer f = block.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
                float[] v = new float[f.remaining()];
                f.duplicate().get(v);
                allReduceSum(v, 0, v.length);
                f.put(v);
            }

            @Override
            public void allReduceSum(float[] values, int offset, int length) {
                posted[rank] = java.util.Arrays.copyOfRange(values, offset, offset + length);
                await();
                for (int i = 0; i < length; i++) {
                    float s = 0;
                    for (int r = 0; r < size; r++) s += posted[r][i];
                    values[offset + i] = s;
                }
                await(); // nobody posts the next call's floats before everyone has read these
            }

            @Override
            public void close() {}
        };
    }

    private void await() {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new CollectiveException("a peer did not arrive", e);
        }
    }
}
