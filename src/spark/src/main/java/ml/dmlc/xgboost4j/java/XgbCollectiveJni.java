package ml.dmlc.xgboost4j.java;

import java.nio.ByteBuffer;

/**
 * The few XGBoost4J natives that jbackprop-spark calls, reached from XGBoost4J's own package because they are
 * package-private there. Every method returns the native status (0 on success) and never throws; the caller checks
 * it and reads {@link #lastError()}.
 *
 * <p>Why not XGBoost4J's public {@code Communicator.allReduce(float[], OpType)}: it drops the native status, so when a
 * peer has died it returns the caller's own values as if they were the sum (the silently wrong sum of issue 19), and
 * it allocates a direct buffer and a float[] per call. {@code RabitTracker} and {@code Communicator.init} need Jackson
 * to pass JSON that these methods take as a string.
 */
public final class XgbCollectiveJni {
    /** XGBoost's data type code for float32 and operation code for sum (Communicator.DataType, OpType). */
    public static final int FLOAT32 = Communicator.DataType.FLOAT32.getEnumOp();

    public static final int SUM = Communicator.OpType.SUM.getOperand();

    private XgbCollectiveJni() {}

    /** The native library's last error message on this thread. */
    public static String lastError() {
        return XGBoostJNI.XGBGetLastError();
    }

    /** Creates a tracker for {@code workers} workers on host:port (0: any free port), sorted by host. */
    public static int trackerCreate(String host, int workers, int port, int timeoutSeconds, long[] handle) {
        return XGBoostJNI.TrackerCreate(host, workers, port, 0, timeoutSeconds, handle);
    }

    public static int trackerRun(long handle) {
        return XGBoostJNI.TrackerRun(handle);
    }

    /** The JSON object the workers pass to {@link #communicatorInit} (tracker host and port). */
    public static int trackerWorkerArgs(long handle, String[] json) {
        return XGBoostJNI.TrackerWorkerArgs(handle, 0, json);
    }

    public static int trackerWaitFor(long handle, long timeoutSeconds) {
        return XGBoostJNI.TrackerWaitFor(handle, timeoutSeconds);
    }

    public static int trackerFree(long handle) {
        return XGBoostJNI.TrackerFree(handle);
    }

    /** Joins the collective of the calling thread (XGBoost keeps one communicator per thread). */
    public static int communicatorInit(String json) {
        return XGBoostJNI.CommunicatorInit(json);
    }

    public static int communicatorFinalize() {
        return XGBoostJNI.CommunicatorFinalize();
    }

    public static int rank(int[] out) {
        return XGBoostJNI.CommunicatorGetRank(out);
    }

    public static int worldSize(int[] out) {
        return XGBoostJNI.CommunicatorGetWorldSize(out);
    }

    /** Sums {@code count} floats in place, starting at the buffer's address (its position is ignored). */
    public static int allReduceSumFloats(ByteBuffer direct, int count) {
        return XGBoostJNI.CommunicatorAllreduce(direct, count, FLOAT32, SUM);
    }
}
