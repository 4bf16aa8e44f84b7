package dev.jbackprop.spark;

import dev.jbackprop.spark.collective.Collective;
import dev.jbackprop.spark.collective.CollectiveException;
import dev.jbackprop.spark.collective.IntegrityException;
import dev.jbackprop.spark.collective.XgbCollective;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import scala.Function1;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;

/** The body of one barrier task on an executor: join the collective, run the loop, leave, return (rank, result). */
final class BarrierTask<R extends Serializable>
        implements Function1<Iterator<Integer>, Iterator<Object>>, Serializable {
    private static final long serialVersionUID = 1L;

    private final String trackerArgs;
    private final int workers;
    private final int attempt;
    private final int timeoutSeconds;
    private final WorkerLoop<R> loop;

    BarrierTask(String trackerArgs, int workers, int attempt, int timeoutSeconds, WorkerLoop<R> loop) {
        this.trackerArgs = trackerArgs;
        this.workers = workers;
        this.attempt = attempt;
        this.timeoutSeconds = timeoutSeconds;
        this.loop = loop;
    }

    @Override
    public Iterator<Object> apply(Iterator<Integer> ignored) {
        BarrierTaskContext task = BarrierTaskContext.get();
        int rank = task.partitionId();
        R result;
        try (XgbCollective collective =
                XgbCollective.join(trackerArgs, "worker-" + rank + "-attempt-" + attempt, timeoutSeconds)) {
            if (collective.size() != workers) {
                throw new CollectiveException(
                        "the collective has " + collective.size() + " workers, the stage " + workers);
            }
            WorkerContext context =
                    new WorkerContext(rank, workers, attempt, new Guarded(collective, task), task::isInterrupted);
            result = loop.run(context);
        } catch (Exception e) {
            throw new WorkerFailure(rank, attempt, e);
        }
        return CollectionConverters.asScala(
                List.<Object>of(new Ranked(rank, result)).iterator());
    }

    /** One worker's result with its rank, as it travels back to the driver. */
    record Ranked(int rank, Serializable result) implements Serializable {}

    /**
     * A worker's loop failed; the message names the worker and the first line of the reason, and says whether the
     * reason was its collective failing (most often the echo of a peer's failure) or its own.
     */
    static final class WorkerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private static final String ECHO = ") lost its collective: ";

        WorkerFailure(int rank, int attempt, Exception cause) {
            super(
                    "worker " + rank + " (attempt " + attempt + (isEcho(cause) ? ECHO : ") failed: ")
                            + SparkContexts.firstLine(cause),
                    cause);
        }

        private static boolean isEcho(Exception cause) {
            return cause instanceof CollectiveException && !(cause instanceof IntegrityException);
        }

        static boolean isCollectiveEcho(String message) {
            return message.contains(ECHO);
        }
    }

    /** The collective, refusing to start a call once Spark has asked the task to stop. */
    private record Guarded(Collective inner, BarrierTaskContext task) implements Collective {
        @Override
        public int rank() {
            return inner.rank();
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public void allReduceSum(ByteBuffer block) {
            checkAlive();
            inner.allReduceSum(block);
        }

        @Override
        public void allReduceSum(float[] values, int offset, int length) {
            checkAlive();
            inner.allReduceSum(values, offset, length);
        }

        private void checkAlive() {
            if (task.isInterrupted()) {
                throw new CollectiveException(
                        "Spark cancelled this task (another worker failed or the job was stopped)");
            }
        }

        /** The task owns the membership and leaves when the loop returns. */
        @Override
        public void close() {}
    }
}
