package dev.jbackprop.spark.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** The integrity tail against collectives that misbehave in the ways a real one can: no Spark, no network. */
class CheckedSumTest {

    /** A stand-in for {@code size} workers: adds {@code peers} to the caller's block, as the other workers would. */
    private static final class Fake implements Collective {
        final int size;
        final float[][] peers;

        Fake(int size, float[]... peers) {
            this.size = size;
            this.peers = peers;
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public void allReduceSum(ByteBuffer block) {
            FloatBuffer f = block.asFloatBuffer();
            for (float[] peer : peers) {
                for (int i = 0; i < peer.length; i++) {
                    f.put(i, f.get(i) + peer[i]);
                }
            }
        }

        @Override
        public void allReduceSum(float[] values, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }

    /** A peer's block: payload then tail (workers, step tag, samples, loss sum, correct). */
    private static float[] peer(float[] payload, float workers, float tag, int samples, float loss, int correct) {
        float[] b = new float[payload.length + CheckedSum.TAIL];
        System.arraycopy(payload, 0, b, 0, payload.length);
        b[payload.length + CheckedSum.WORKERS] = workers;
        b[payload.length + CheckedSum.STEP_TAG] = tag;
        b[payload.length + CheckedSum.SAMPLES] = samples;
        b[payload.length + CheckedSum.LOSS_SUM] = loss;
        b[payload.length + CheckedSum.CORRECT] = correct;
        return b;
    }

    @Test
    void sumsPayloadAndTailWhenEveryWorkerContributesOnce() {
        CheckedSum sum = new CheckedSum(new Fake(2, peer(new float[] {10, 20, 30}, 1, 7, 32, 1.5f, 30)), 3);
        sum.payload().put(0, 1).put(1, 2).put(2, 3);
        CheckedSum.Totals totals = sum.sum(7, 32, 2.5, 29);
        assertEquals(new CheckedSum.Totals(2, 64, 4.0, 59), totals);
        assertEquals(11, sum.payload().get(0));
        assertEquals(22, sum.payload().get(1));
        assertEquals(33, sum.payload().get(2));
    }

    @Test
    void refusesTheCallersOwnValuesReturnedAsTheSum() {
        // what XGBoost4J's Communicator.allReduce returns when a peer has died: the input, unchanged
        CheckedSum sum = new CheckedSum(new Fake(2), 3);
        IntegrityException e = assertThrows(IntegrityException.class, () -> sum.sum(0, 32, 1.0, 3));
        assertEquals(
                "the summed block counts 1 worker(s), expected 2: a contribution is missing or doubled;"
                        + " step 0's sum is discarded",
                e.getMessage());
    }

    @Test
    void refusesAContributionCountedTwice() {
        float[] other = peer(new float[2], 1, 5, 32, 1, 3);
        CheckedSum sum = new CheckedSum(new Fake(3, other, other, other), 2);
        IntegrityException e = assertThrows(IntegrityException.class, () -> sum.sum(5, 32, 1.0, 3));
        assertTrue(e.getMessage().startsWith("the summed block counts 4 worker(s), expected 3"), e.getMessage());
    }

    @Test
    void refusesWorkersAtDifferentSteps() {
        CheckedSum sum = new CheckedSum(new Fake(2, peer(new float[2], 1, 6, 32, 1, 3)), 2);
        IntegrityException e = assertThrows(IntegrityException.class, () -> sum.sum(5, 32, 1.0, 3));
        assertEquals(
                "the workers are not at the same step: the step tags sum to 11, expected 2 x 5 (step 5); the sum is"
                        + " discarded",
                e.getMessage());
    }

    @Test
    void refusesCorruptCounts() {
        CheckedSum sum = new CheckedSum(new Fake(2, peer(new float[1], 1, 0, 3, 0, 9)), 1);
        IntegrityException e = assertThrows(IntegrityException.class, () -> sum.sum(0, 2, 0.0, 2));
        assertTrue(e.getMessage().startsWith("the summed counts are not consistent (samples 5, correct 11)"));
    }

    @Test
    void stepTagsWrapWithoutLosingExactness() {
        // 3 workers: tags are step mod floor(2^24 / 3); a late step still sums exactly
        long step = 40_000_000_000L;
        int tag = (int) (step % ((1 << 24) / 3));
        float[] other = peer(new float[1], 1, tag, 1, 0, 0);
        CheckedSum sum = new CheckedSum(new Fake(3, other, other), 1);
        assertEquals(3, sum.sum(step, 1, 0.0, 0).samples());
    }

    @Test
    void refusesCountsTooLargeForAnExactTail() {
        CheckedSum sum = new CheckedSum(new Fake(2, peer(new float[1], 1, 0, 1, 0, 0)), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sum.sum(0, 1 << 24, 0.0, 0));
        assertEquals(
                "samples per worker must be in [0, 8388607] for an exact sum over 2 workers, got 16777216",
                e.getMessage());
    }

    @Test
    void sumsInPlaceInABlockTheCallerOwns() {
        // the engine's case: its gradient block with the tail reserved after it, summed without a copy
        ByteBuffer grads = Collective.allocateBlock(2 + CheckedSum.TAIL);
        grads.asFloatBuffer().put(0, 1.5f).put(1, -2f);
        CheckedSum sum = new CheckedSum(new Fake(2, peer(new float[] {0.25f, 4f}, 1, 3, 8, 0.5f, 8)), grads);
        assertEquals(2, sum.payloadLength());
        assertEquals(new CheckedSum.Totals(2, 16, 1.0, 9), sum.sum(3, 8, 0.5, 1));
        assertEquals(1.75f, grads.asFloatBuffer().get(0));
        assertEquals(2f, grads.asFloatBuffer().get(1));
    }

    @Test
    void refusesABlockItCannotSumInPlace() {
        Fake fake = new Fake(2);
        assertThrows(IllegalArgumentException.class, () -> new CheckedSum(fake, ByteBuffer.allocate(64)));
        ByteOrder foreign =
                ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        assertThrows(
                IllegalArgumentException.class,
                () -> new CheckedSum(fake, ByteBuffer.allocateDirect(64).order(foreign)));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new CheckedSum(fake, Collective.allocateBlock(4)));
        assertEquals(
                "a checked sum needs whole floats and room for its 5-float tail; the buffer has 16 bytes",
                e.getMessage());
    }
}
