package dev.jbackprop.spark;

import dev.jbackprop.spark.collective.CollectiveException;
import dev.jbackprop.spark.collective.XgbTracker;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Runs a {@link WorkerLoop} as one barrier stage: N long-lived tasks, scheduled together, joined by a collective whose
 * tracker runs here on the driver. Spark does not retry a failed barrier result stage, so the driver does: on a
 * failure it cancels what is left of the stage, waits for its tasks to end, starts a new tracker and runs the whole
 * stage again, up to {@link BarrierOptions#maxRestarts()} times.
 */
public final class BarrierRunner {
    private static final System.Logger LOG = System.getLogger(BarrierRunner.class.getName());
    private static final AtomicLong RUNS = new AtomicLong();

    private BarrierRunner() {}

    /**
     * Runs {@code loop} on {@code options.workers()} workers and returns their results by rank.
     *
     * @throws SparkSetupException if the cluster has fewer task slots than workers (checked before each attempt)
     * @throws DistributedRunException if every attempt failed
     */
    public static <R extends Serializable> BarrierResult<R> run(
            SparkContext sc, BarrierOptions options, WorkerLoop<R> loop) {
        int workers = options.workers();
        String group = "jbackprop-barrier-" + RUNS.incrementAndGet();
        Exception last = null;
        String lastReason = null;
        for (int attempt = 0; attempt <= options.maxRestarts(); attempt++) {
            requireSlots(sc, options);
            String stage = group + "-attempt-" + attempt;
            sc.setJobGroup(stage, workers + " jbackprop workers, attempt " + attempt, true);
            StageFailures failures = new StageFailures(stage);
            sc.addSparkListener(failures);
            try (XgbTracker tracker =
                    XgbTracker.start(trackerHost(sc), workers, options.collectiveTimeoutSeconds() + 30)) {
                return new BarrierResult<>(runStage(sc, tracker, options, attempt, loop), attempt + 1);
            } catch (Exception e) {
                if (!(e instanceof SparkException || e instanceof CollectiveException)) {
                    throw e; // a fault of the driver's own, not of the stage: a restart would not help
                }
                sc.cancelJobGroup(stage);
                awaitNoActiveTasks(sc, stage, options.collectiveTimeoutSeconds() + 10);
                last = e;
                lastReason = reason(failures, e);
                if (attempt < options.maxRestarts()) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "the " + workers + "-worker stage failed (attempt " + (attempt + 1) + " of "
                                    + (options.maxRestarts() + 1) + "), restarting: " + lastReason);
                }
            } finally {
                sc.removeSparkListener(failures);
                sc.clearJobGroup();
            }
        }
        int attempts = options.maxRestarts() + 1;
        throw new DistributedRunException(
                "the " + workers + "-worker stage failed " + attempts + " time(s) (restarts allowed: "
                        + options.maxRestarts() + "); last failure: " + lastReason,
                attempts,
                last);
    }

    private static <R extends Serializable> List<R> runStage(
            SparkContext sc, XgbTracker tracker, BarrierOptions options, int attempt, WorkerLoop<R> loop) {
        int workers = options.workers();
        RDD<Integer> slots = JavaSparkContext.fromSparkContext(sc)
                .parallelize(IntStream.range(0, workers).boxed().toList(), workers)
                .rdd();
        BarrierTask<R> task =
                new BarrierTask<>(tracker.workerArgs(), workers, attempt, options.collectiveTimeoutSeconds(), loop);
        ClassTag<Object> tag = ClassTag$.MODULE$.apply(Object.class);
        Object[] rows =
                (Object[]) slots.barrier().mapPartitions(task, false, tag).collect();
        if (rows.length != workers) {
            throw new IllegalStateException(
                    "the stage returned " + rows.length + " results for " + workers + " workers");
        }
        List<R> byRank = new ArrayList<>(Collections.nCopies(workers, null));
        for (Object row : rows) {
            BarrierTask.Ranked ranked = (BarrierTask.Ranked) row;
            @SuppressWarnings("unchecked")
            R result = (R) ranked.result();
            byRank.set(ranked.rank(), result);
        }
        return byRank;
    }

    /** Refuses a cluster that cannot run all workers at once, after giving executors time to register. */
    static void requireSlots(SparkContext sc, BarrierOptions options) {
        long deadline = System.nanoTime() + options.slotWait().toNanos();
        int slots = SparkContexts.slots(sc);
        while (slots < options.workers() && !SparkContexts.isInProcess(sc.master()) && System.nanoTime() < deadline) {
            sleep(100);
            slots = SparkContexts.slots(sc);
        }
        if (slots < options.workers()) {
            throw new SparkSetupException(options.workers() + " workers need " + options.workers()
                    + " task slots at once (a barrier stage starts them together), but master " + sc.master()
                    + " offers " + slots + ": use at most " + slots + " workers, or give the cluster more cores");
        }
    }

    /** The address workers reach the tracker at: loopback on a local master, else the driver's host. */
    private static String trackerHost(SparkContext sc) {
        if (SparkContexts.isLocal(sc.master())) {
            return "127.0.0.1";
        }
        return sc.getConf().get("spark.driver.host", "127.0.0.1");
    }

    /** Waits (bounded) until no task of the job group runs, so a restart finds its slots free. */
    private static void awaitNoActiveTasks(SparkContext sc, String group, int seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            int active = 0;
            for (int jobId : sc.statusTracker().getJobIdsForGroup(group)) {
                SparkJobInfo job = sc.statusTracker().getJobInfo(jobId).getOrElse(() -> null);
                if (job == null) {
                    continue;
                }
                for (int stageId : job.stageIds()) {
                    SparkStageInfo stage =
                            sc.statusTracker().getStageInfo(stageId).getOrElse(() -> null);
                    active += stage == null ? 0 : stage.numActiveTasks();
                }
            }
            if (active == 0) {
                return;
            }
            sleep(50);
        }
        LOG.log(System.Logger.Level.WARNING, "tasks of " + group + " still run after " + seconds + " s");
    }

    /**
     * One line: the first failure of the stage that is not an echo of another (as the listener saw it; events arrive
     * shortly after the job fails), else the worker's message carried in Spark's error, else its first line.
     */
    static String reason(StageFailures failures, Throwable e) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        String root = failures.rootCause();
        while ((root == null || BarrierTask.WorkerFailure.isCollectiveEcho(root)) && System.nanoTime() < deadline) {
            sleep(20);
            root = failures.rootCause();
        }
        if (root != null) {
            return root;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BarrierTask.WorkerFailure) {
                return t.getMessage();
            }
        }
        return SparkContexts.firstLine(e);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Spark", e);
        }
    }
}
