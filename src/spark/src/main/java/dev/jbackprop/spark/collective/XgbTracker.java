package dev.jbackprop.spark.collective;

import ml.dmlc.xgboost4j.java.XgbCollectiveJni;

/**
 * XGBoost's collective tracker (its rendezvous service), run by the Spark driver for one barrier stage: workers
 * connect to it once to learn their peers, then talk to each other directly. One tracker per attempt; close it when the
 * stage has ended.
 */
public final class XgbTracker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(XgbTracker.class.getName());

    private final int workers;
    private final String workerArgs;
    private long handle;

    private XgbTracker(int workers, long handle, String workerArgs) {
        this.workers = workers;
        this.handle = handle;
        this.workerArgs = workerArgs;
    }

    /**
     * Starts a tracker on {@code host} (an address the workers can reach; any free port) for {@code workers} workers,
     * giving up when they have not all connected within {@code connectTimeoutSeconds}.
     */
    public static XgbTracker start(String host, int workers, int connectTimeoutSeconds) {
        if (workers < 1) {
            throw new IllegalArgumentException("a collective needs at least 1 worker, got " + workers);
        }
        if (connectTimeoutSeconds < 1) {
            throw new IllegalArgumentException("the tracker's timeout must be >= 1 s, got " + connectTimeoutSeconds);
        }
        long[] handle = new long[1];
        if (XgbCollectiveJni.trackerCreate(host, workers, 0, connectTimeoutSeconds, handle) != 0) {
            throw new CollectiveException(
                    "cannot create the XGBoost tracker on " + host + ": " + XgbErrors.lastReasons());
        }
        long h = handle[0];
        String[] json = new String[1];
        if (XgbCollectiveJni.trackerRun(h) != 0
                || XgbCollectiveJni.trackerWorkerArgs(h, json) != 0
                || json[0] == null) {
            String reason = XgbErrors.lastReasons();
            XgbCollectiveJni.trackerFree(h);
            throw new CollectiveException("cannot start the XGBoost tracker on " + host + ": " + reason);
        }
        return new XgbTracker(workers, h, json[0]);
    }

    /** The JSON object (tracker address and port) each worker passes to {@link XgbCollective#join}. */
    public String workerArgs() {
        return workerArgs;
    }

    public int workers() {
        return workers;
    }

    /** Stops the tracker (waiting at most a second for it to wind down). Logs, never throws. */
    @Override
    public synchronized void close() {
        if (handle == 0) {
            return;
        }
        long h = handle;
        handle = 0;
        if (XgbCollectiveJni.trackerWaitFor(h, 1) != 0) {
            LOG.log(System.Logger.Level.DEBUG, "XGBoost tracker ended with: " + XgbErrors.lastReasons());
        }
        if (XgbCollectiveJni.trackerFree(h) != 0) {
            LOG.log(System.Logger.Level.DEBUG, "freeing the XGBoost tracker: " + XgbErrors.lastReasons());
        }
    }
}
