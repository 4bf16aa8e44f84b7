package dev.jbackprop.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.spark.collective.CheckedSum;
import java.time.Duration;
import java.util.List;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Barrier stages on an embedded local[2] Spark (both workers are threads of this JVM). */
@Timeout(120)
class LocalBarrierTest {
    private static SparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkContexts.start("local[2]", "LocalBarrierTest");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    /**
     * A stand-in for data-parallel training: each step, every worker fills the block from (rank, step), sums it with
     * its integrity tail and folds the sum into a running total it returns; {@code fault} may break one worker.
     */
    static WorkerLoop<double[]> steps(int steps, int length, Fault fault) {
        return worker -> {
            CheckedSum sum = new CheckedSum(worker.collective(), length);
            double[] totals = new double[3]; // checksum of sums, samples, correct
            for (int step = 0; step < steps; step++) {
                fault.at(worker, step);
                for (int i = 0; i < length; i++) {
                    sum.payload().put(i, worker.rank() * 7 + step + (i % 13));
                }
                CheckedSum.Totals t = sum.sum(step, 16 + worker.rank(), 0.25, worker.rank());
                for (int i = 0; i < length; i++) {
                    totals[0] += sum.payload().get(i);
                }
                totals[1] += t.samples();
                totals[2] += t.correct();
            }
            return totals;
        };
    }

    /** What {@link #steps} returns when nothing fails: the same on every worker. */
    static double[] expected(int steps, int length, int workers) {
        double checksum = 0;
        for (int step = 0; step < steps; step++) {
            for (int i = 0; i < length; i++) {
                for (int r = 0; r < workers; r++) {
                    checksum += r * 7 + step + (i % 13);
                }
            }
        }
        double samples = 0;
        double correct = 0;
        for (int r = 0; r < workers; r++) {
            samples += steps * (16 + r);
            correct += steps * r;
        }
        return new double[] {checksum, samples, correct};
    }

    interface Fault extends java.io.Serializable {
        void at(WorkerContext worker, int step) throws Exception;
    }

    static final Fault NONE = (worker, step) -> {};

    @Test
    void twoWorkersSumEveryStep() {
        BarrierResult<double[]> result = BarrierRunner.run(sc, BarrierOptions.of(2), steps(5, 1000, NONE));
        assertEquals(1, result.attempts());
        for (double[] r : result.byRank()) {
            assertEquals(
                    List.of(expected(5, 1000, 2)[0], expected(5, 1000, 2)[1], expected(5, 1000, 2)[2]),
                    List.of(r[0], r[1], r[2]));
        }
    }

    @Test
    void aWorkerThatDiesFailsTheStageAtOnceAndTheDriverRestartsIt() {
        Fault dies = (worker, step) -> {
            if (worker.attempt() == 0 && worker.rank() == 1 && step == 3) {
                throw new IllegalStateException("worker lost (test)");
            }
        };
        long t0 = System.nanoTime();
        BarrierResult<double[]> result =
                BarrierRunner.run(sc, BarrierOptions.of(2).withCollectiveTimeoutSeconds(60), steps(5, 1000, dies));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, result.attempts());
        for (double[] r : result.byRank()) {
            assertEquals(expected(5, 1000, 2)[0], r[0]);
        }
        // the survivor sees its peer's socket close at once, not after the 60 s collective timeout
        assertTrue(seconds < 30, "failure and restart took " + seconds + " s");
    }

    @Test
    void aWorkerThatStallsFailsTheStageAfterTheTimeoutAndTheDriverRestartsIt() {
        Fault stalls = (worker, step) -> {
            if (worker.attempt() == 0 && worker.rank() == 0 && step == 2) {
                while (!worker.cancelled()) { // alive but stuck, until Spark cancels the task
                    Thread.sleep(20);
                }
                throw new InterruptedException("cancelled while stalled (test)");
            }
        };
        long t0 = System.nanoTime();
        BarrierResult<double[]> result =
                BarrierRunner.run(sc, BarrierOptions.of(2).withCollectiveTimeoutSeconds(2), steps(4, 100, stalls));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, result.attempts());
        assertEquals(expected(4, 100, 2)[0], result.byRank().get(1)[0]);
        assertTrue(seconds >= 2 && seconds < 20, "stall, timeout and restart took " + seconds + " s");
    }

    @Test
    void givesUpAfterTheRestartsAllowedWithOneLine() {
        Fault always = (worker, step) -> {
            if (worker.rank() == 1 && step == 1) {
                throw new IllegalStateException("disk full (test)");
            }
        };
        DistributedRunException e = assertThrows(
                DistributedRunException.class,
                () -> BarrierRunner.run(sc, BarrierOptions.of(2).withMaxRestarts(1), steps(3, 10, always)));
        assertEquals(2, e.attempts());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        // the root cause, not its echo on the other worker ("worker 0 ... lost its collective: ...")
        assertEquals(
                "the 2-worker stage failed 2 time(s) (restarts allowed: 1); last failure: worker 1 (attempt 1) failed:"
                        + " disk full (test)",
                e.getMessage());
    }

    @Test
    void refusesASecondContextForAnotherMaster() {
        SparkSetupException e = assertThrows(SparkSetupException.class, () -> SparkContexts.start("local[1]", "t"));
        assertEquals(
                "a SparkContext with master 'local[2]' already runs in this JVM (one per JVM): stop it first, or ask"
                        + " for that master",
                e.getMessage());
        assertEquals(sc, SparkContexts.start("local[2]", "t"), "the same master joins the running context");
    }

    @Test
    void refusesMoreWorkersThanSlotsInOneLine() {
        long t0 = System.nanoTime();
        SparkSetupException e = assertThrows(
                SparkSetupException.class,
                () -> BarrierRunner.run(
                        sc, BarrierOptions.of(3).withSlotWait(Duration.ofSeconds(5)), steps(1, 1, NONE)));
        assertEquals(
                "3 workers need 3 task slots at once (a barrier stage starts them together), but master local[2]"
                        + " offers 2: use at most 2 workers, or give the cluster more cores",
                e.getMessage());
        assertTrue((System.nanoTime() - t0) < 2_000_000_000L, "a local master is refused without waiting");
    }
}
