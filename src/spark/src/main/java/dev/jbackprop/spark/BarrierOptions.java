package dev.jbackprop.spark;

import java.time.Duration;

/**
 * How a barrier stage runs: {@code workers} tasks at once; restarted by the driver up to {@code maxRestarts} times
 * after a failure; {@code collectiveTimeoutSeconds} bounds each wait on a peer (so it must exceed the longest time one
 * worker can run ahead of another between two sums: a checkpoint write, an evaluation); {@code slotWait} is how long to
 * wait for executors to register before refusing a cluster with too few task slots.
 */
public record BarrierOptions(int workers, int maxRestarts, int collectiveTimeoutSeconds, Duration slotWait) {

    public BarrierOptions {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("maxRestarts must be >= 0, got " + maxRestarts);
        }
        if (collectiveTimeoutSeconds < 1) {
            throw new IllegalArgumentException(
                    "the collective timeout must be >= 1 s, got " + collectiveTimeoutSeconds);
        }
        if (slotWait == null || slotWait.isNegative()) {
            throw new IllegalArgumentException("slotWait must be >= 0, got " + slotWait);
        }
    }

    /** {@code workers} workers, 2 restarts, a 60 s collective timeout, 30 s for executors to register. */
    public static BarrierOptions of(int workers) {
        return new BarrierOptions(workers, 2, 60, Duration.ofSeconds(30));
    }

    public BarrierOptions withMaxRestarts(int restarts) {
        return new BarrierOptions(workers, restarts, collectiveTimeoutSeconds, slotWait);
    }

    public BarrierOptions withCollectiveTimeoutSeconds(int seconds) {
        return new BarrierOptions(workers, maxRestarts, seconds, slotWait);
    }

    public BarrierOptions withSlotWait(Duration wait) {
        return new BarrierOptions(workers, maxRestarts, collectiveTimeoutSeconds, wait);
    }
}
