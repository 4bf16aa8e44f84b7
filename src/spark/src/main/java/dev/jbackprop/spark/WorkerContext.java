package dev.jbackprop.spark;

import dev.jbackprop.spark.collective.Collective;

/**
 * What a worker of a barrier stage knows: its rank (the Spark partition index, 0 to workers - 1, stable across
 * restarts: use it to pick the data shard), the number of workers, the attempt (0 for the first run of the stage) and
 * the collective shared with its peers.
 */
public final class WorkerContext {
    private final int rank;
    private final int workers;
    private final int attempt;
    private final Collective collective;
    private final java.util.function.BooleanSupplier cancelled;

    WorkerContext(
            int rank, int workers, int attempt, Collective collective, java.util.function.BooleanSupplier cancelled) {
        this.rank = rank;
        this.workers = workers;
        this.attempt = attempt;
        this.collective = collective;
        this.cancelled = cancelled;
    }

    public int rank() {
        return rank;
    }

    public int workers() {
        return workers;
    }

    public int attempt() {
        return attempt;
    }

    /** The collective of this stage; each call first checks that Spark has not cancelled the task. */
    public Collective collective() {
        return collective;
    }

    /** True once Spark has asked this task to stop (a peer failed, the job was cancelled): return or throw soon. */
    public boolean cancelled() {
        return cancelled.getAsBoolean();
    }
}
