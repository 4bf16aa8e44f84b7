package dev.jbackprop.spark;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.TaskEndReason;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.TaskKilled;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Why the tasks of one job group failed, as Spark's listener bus reports them. When a worker fails, its peers fail
 * next (their all-reduce sees the closed socket) and Spark kills the rest, so Spark's own job error often names an echo;
 * {@link #rootCause()} prefers the failure that is not a collective's or a kill.
 */
final class StageFailures extends SparkListener {
    private final String group;
    private final Set<Integer> stages = new HashSet<>();
    private final List<String> roots = new ArrayList<>();
    private final List<String> echoes = new ArrayList<>();

    StageFailures(String group) {
        this.group = group;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart job) {
        if (job.properties() != null && group.equals(job.properties().getProperty("spark.jobGroup.id"))) {
            for (Object id : CollectionConverters.asJava(job.stageIds())) {
                stages.add((Integer) id);
            }
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd task) {
        if (!stages.contains(task.stageId())) {
            return;
        }
        TaskEndReason reason = task.reason();
        if (reason instanceof ExceptionFailure failure) {
            String text = SparkContexts.firstLine(failure.description());
            (BarrierTask.WorkerFailure.isCollectiveEcho(text) ? echoes : roots).add(text);
        } else if (reason instanceof TaskKilled killed) {
            echoes.add("task killed: " + SparkContexts.firstLine(killed.reason()));
        } else if (reason instanceof TaskFailedReason failed) { // an executor lost, a result lost, ...
            roots.add(SparkContexts.firstLine(failed.toErrorString()));
        }
    }

    /** The first failure that is not an echo of another, else the first echo, else null. */
    synchronized String rootCause() {
        return !roots.isEmpty() ? roots.get(0) : echoes.isEmpty() ? null : echoes.get(0);
    }
}
