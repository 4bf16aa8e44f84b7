package dev.jbackprop.spark;

import java.io.Serializable;

/**
 * What one worker of a barrier stage runs, start to end: typically load its shard, join the training loop, and return
 * its summary. It is serialised to the executors, so it must capture only serialisable values. An exception fails the
 * stage; the driver then restarts the whole stage (every worker, a new collective) up to its restart limit, with
 * {@link WorkerContext#attempt()} one higher, so the loop can resume from its last checkpoint.
 */
@FunctionalInterface
public interface WorkerLoop<R extends Serializable> extends Serializable {
    R run(WorkerContext worker) throws Exception;
}
