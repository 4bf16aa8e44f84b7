package dev.jbackprop.spark.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One per-step sum of a payload (the gradient block) with an integrity tail, in a single all-reduce. Layout, in floats:
 *
 * <pre>
 *   [0, payload)          the payload, written by the caller before each {@link #sum}
 *   payload + WORKERS     1 from each worker: the sum must be size()
 *   payload + STEP_TAG    step mod m from each worker, m = floor(2^24 / size): the sum must be size() * tag
 *   payload + SAMPLES     this worker's sample count (the sum: the global batch)
 *   payload + LOSS_SUM    this worker's summed loss
 *   payload + CORRECT     this worker's correct predictions
 * </pre>
 *
 * Every tail value is a whole number below 2^24 (bar the loss), so its float sum is exact in any order: a contribution
 * missing, doubled, or from another step shows as a wrong count, and the sum is refused with {@link IntegrityException}.
 * Allocates once; {@link #sum} allocates nothing.
 */
public final class CheckedSum {
    public static final int WORKERS = 0;
    public static final int STEP_TAG = 1;
    public static final int SAMPLES = 2;
    public static final int LOSS_SUM = 3;
    public static final int CORRECT = 4;
    /** Floats in the tail. */
    public static final int TAIL = 5;

    private static final int EXACT = 1 << 24; // floats hold every integer below this exactly

    private final Collective collective;
    private final int payload;
    private final int workers;
    private final int tagModulus;
    private final int countLimit;
    private final ByteBuffer block;
    private final FloatBuffer floats;
    private final FloatBuffer payloadView;

    /** A checked sum with a block of its own: the caller writes the payload through {@link #payload()}. */
    public CheckedSum(Collective collective, int payloadFloats) {
        this(collective, newBlock(payloadFloats));
    }

    /**
     * A checked sum over a block the caller owns, so that nothing is copied: for example the engine's gradient block
     * with {@link #TAIL} floats reserved after it. The buffer must be direct, in native byte order, and hold the payload
     * then the tail from index 0 to its capacity.
     */
    public CheckedSum(Collective collective, ByteBuffer block) {
        if (!block.isDirect() || block.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("a checked sum needs a direct buffer in native byte order");
        }
        if (block.capacity() % Float.BYTES != 0 || block.capacity() / Float.BYTES < TAIL) {
            throw new IllegalArgumentException("a checked sum needs whole floats and room for its " + TAIL
                    + "-float tail; the buffer has " + block.capacity() + " bytes");
        }
        this.collective = collective;
        this.block = block.duplicate().order(ByteOrder.nativeOrder()).clear();
        this.payload = block.capacity() / Float.BYTES - TAIL;
        this.workers = collective.size();
        this.tagModulus = EXACT / workers;
        this.countLimit = (EXACT - 1) / workers;
        this.floats = this.block.asFloatBuffer();
        this.payloadView = floats.duplicate().limit(payload).slice();
    }

    private static ByteBuffer newBlock(int payloadFloats) {
        if (payloadFloats < 0 || payloadFloats > Integer.MAX_VALUE / Float.BYTES - TAIL) {
            throw new IllegalArgumentException("payload of " + payloadFloats + " floats is out of range");
        }
        return Collective.allocateBlock(payloadFloats + TAIL);
    }

    /** The payload's floats: write the gradients here (a view; its position and limit are the caller's). */
    public FloatBuffer payload() {
        return payloadView;
    }

    /** The whole block (payload and tail) as a direct buffer, for a backend that copies into memory directly. */
    public ByteBuffer block() {
        return block.duplicate().order(ByteOrder.nativeOrder());
    }

    public int payloadLength() {
        return payload;
    }

    /** The largest per-worker sample or correct count a tail can carry exactly. */
    public int countLimit() {
        return countLimit;
    }

    /**
     * Writes this worker's tail, sums payload and tail across workers in place, and checks the tail.
     *
     * @throws IntegrityException when the summed worker count or step tag is wrong (the payload must not be used)
     * @throws CollectiveException when the all-reduce itself failed
     */
    public Totals sum(long step, int samples, double lossSum, int correct) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        checkCount("samples", samples);
        checkCount("correct", correct);
        int tag = (int) (step % tagModulus);
        floats.put(payload + WORKERS, 1f);
        floats.put(payload + STEP_TAG, tag);
        floats.put(payload + SAMPLES, samples);
        floats.put(payload + LOSS_SUM, (float) lossSum);
        floats.put(payload + CORRECT, correct);
        block.clear();
        collective.allReduceSum(block);
        float summedWorkers = floats.get(payload + WORKERS);
        if (summedWorkers != workers) {
            throw new IntegrityException("the summed block counts " + format(summedWorkers) + " worker(s), expected "
                    + workers + ": a contribution is missing or doubled; step " + step + "'s sum is discarded");
        }
        float summedTag = floats.get(payload + STEP_TAG);
        if (summedTag != (float) workers * tag) {
            throw new IntegrityException("the workers are not at the same step: the step tags sum to "
                    + format(summedTag) + ", expected " + workers + " x " + tag + " (step " + step
                    + "); the sum is discarded");
        }
        float summedSamples = floats.get(payload + SAMPLES);
        float summedCorrect = floats.get(payload + CORRECT);
        if (!isCount(summedSamples) || !isCount(summedCorrect) || summedCorrect > summedSamples) {
            throw new IntegrityException("the summed counts are not consistent (samples " + format(summedSamples)
                    + ", correct " + format(summedCorrect) + ") at step " + step + "; the sum is discarded");
        }
        return new Totals(workers, (int) summedSamples, floats.get(payload + LOSS_SUM), (int) summedCorrect);
    }

    private void checkCount(String what, int value) {
        if (value < 0 || value > countLimit) {
            throw new IllegalArgumentException(what + " per worker must be in [0, " + countLimit
                    + "] for an exact sum over " + workers + " workers, got " + value);
        }
    }

    private static boolean isCount(float v) {
        return v >= 0 && v < EXACT && v == Math.rint(v);
    }

    private static String format(float v) {
        return v == Math.rint(v) && Math.abs(v) < EXACT ? Integer.toString((int) v) : Float.toString(v);
    }

    /** What the workers contributed together in one step. */
    public record Totals(int workers, int samples, double lossSum, int correct) {}
}
