package dev.jbackprop.spark.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import ml.dmlc.xgboost4j.java.XgbCollectiveJni;

/**
 * One worker's membership of an XGBoost collective (its ring all-reduce over TCP). XGBoost keeps the communicator per
 * thread, so every call must come from the thread that joined; a failed call leaves the instance broken and every later
 * call throws at once.
 *
 * <p>Unlike XGBoost4J's {@code Communicator.allReduce}, every native status is checked, so a dead peer is an exception
 * and never a silently wrong sum; a peer that stalls fails the call after the timeout given to {@link #join}.
 */
public final class XgbCollective implements Collective {
    private static final System.Logger LOG = System.getLogger(XgbCollective.class.getName());

    private final Thread owner;
    private final int rank;
    private final int size;
    private ByteBuffer staging = Collective.allocateBlock(0);
    private boolean open = true;
    private String broken;

    private XgbCollective(Thread owner, int rank, int size) {
        this.owner = owner;
        this.rank = rank;
        this.size = size;
    }

    /**
     * Joins the collective whose tracker gave {@code trackerArgs} (see {@link XgbTracker#workerArgs()}), from the
     * calling thread. {@code taskId} names this worker in XGBoost's messages; {@code timeoutSeconds} bounds every wait
     * on a peer (connecting and each all-reduce), so it must exceed the longest time one worker may run ahead of another
     * between two sums.
     */
    public static XgbCollective join(String trackerArgs, String taskId, int timeoutSeconds) {
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("the collective's timeout must be >= 1 s, got " + timeoutSeconds);
        }
        String json = trackerArgs.strip();
        if (!json.startsWith("{") || !json.endsWith("}")) {
            throw new IllegalArgumentException("tracker arguments must be a JSON object, got: " + trackerArgs);
        }
        String config = json.substring(0, json.length() - 1)
                + (json.length() > 2 ? "," : "")
                + "\"dmlc_communicator\":\"rabit\",\"dmlc_task_id\":\"" + taskId.replaceAll("[\"\\\\]", "_")
                + "\",\"dmlc_timeout\":" + timeoutSeconds + ",\"dmlc_retry\":3}";
        if (XgbCollectiveJni.communicatorInit(config) != 0) {
            throw new CollectiveException("cannot join the collective as " + taskId + ": " + XgbErrors.lastReasons());
        }
        int[] out = new int[1];
        if (XgbCollectiveJni.rank(out) != 0) {
            String reason = XgbErrors.lastReasons();
            XgbCollectiveJni.communicatorFinalize();
            throw new CollectiveException("cannot read this worker's rank: " + reason);
        }
        int rank = out[0];
        if (XgbCollectiveJni.worldSize(out) != 0) {
            String reason = XgbErrors.lastReasons();
            XgbCollectiveJni.communicatorFinalize();
            throw new CollectiveException("cannot read the collective's size: " + reason);
        }
        return new XgbCollective(Thread.currentThread(), rank, out[0]);
    }

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
        if (!block.isDirect() || block.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException(
                    "all-reduce needs a direct buffer in native byte order (Collective.allocateBlock)");
        }
        if (block.remaining() % Float.BYTES != 0) {
            throw new IllegalArgumentException(
                    "all-reduce sums floats, but the buffer has " + block.remaining() + " bytes left");
        }
        ByteBuffer from = block.position() == 0 ? block : block.slice().order(ByteOrder.nativeOrder());
        sumInPlace(from, block.remaining() / Float.BYTES);
    }

    @Override
    public void allReduceSum(float[] values, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, values.length);
        if (staging.capacity() < length * Float.BYTES) {
            staging = Collective.allocateBlock(length);
        }
        staging.clear();
        staging.asFloatBuffer().put(values, offset, length);
        sumInPlace(staging, length);
        staging.asFloatBuffer().get(values, offset, length);
    }

    private void sumInPlace(ByteBuffer direct, int count) {
        checkUsable();
        if (count == 0) {
            return;
        }
        if (XgbCollectiveJni.allReduceSumFloats(direct, count) != 0) {
            broken = "all-reduce of " + count + " floats failed on rank " + rank + " of " + size + ": "
                    + XgbErrors.lastReasons();
            throw new CollectiveException(broken);
        }
    }

    private void checkUsable() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("the collective was joined on thread '" + owner.getName()
                    + "' and XGBoost's communicator is per thread; called from '"
                    + Thread.currentThread().getName() + "'");
        }
        if (!open) {
            throw new IllegalStateException("the collective is closed");
        }
        if (broken != null) {
            throw new CollectiveException("the collective failed earlier and cannot be used: " + broken);
        }
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        if (Thread.currentThread() != owner) {
            LOG.log(System.Logger.Level.WARNING, "collective closed from another thread than the one that joined");
            return;
        }
        if (XgbCollectiveJni.communicatorFinalize() != 0) {
            LOG.log(System.Logger.Level.DEBUG, "leaving the collective: " + XgbErrors.lastReasons());
        }
    }
}
