package dev.jbackprop.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Barrier stages across two executor JVMs ({@code local-cluster[2,1,1024]}): the all-reduce between processes, and a
 * worker whose JVM really dies (halted mid-run): the survivor fails at once, Spark replaces the executor, and the
 * driver restarts the stage once it has two slots again.
 */
@Tag("local-cluster")
@Timeout(180)
class LocalClusterTest {
    private static SparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        sc = LocalCluster.start(2, 1024, "LocalClusterTest", LocalCluster.FAST_START);
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    private static final BarrierOptions OPTIONS =
            BarrierOptions.of(2).withCollectiveTimeoutSeconds(120).withSlotWait(Duration.ofSeconds(60));

    @Test
    void twoExecutorJvmsSumEveryStep() {
        BarrierResult<double[]> result =
                BarrierRunner.run(sc, OPTIONS, LocalBarrierTest.steps(5, 203_530, LocalBarrierTest.NONE));
        assertEquals(1, result.attempts());
        double[] expected = LocalBarrierTest.expected(5, 203_530, 2);
        for (double[] r : result.byRank()) {
            assertEquals(expected[0], r[0]);
            assertEquals(expected[1], r[1]);
            assertEquals(expected[2], r[2]);
        }
    }

    @Test
    void aWorkerWhoseJvmDiesFailsTheStageAtOnceAndTheDriverRestartsIt() {
        LocalBarrierTest.Fault halts = (worker, step) -> {
            if (worker.attempt() == 0 && worker.rank() == 1 && step == 3) {
                Runtime.getRuntime().halt(137); // the executor process dies: no finally, no goodbye
            }
        };
        long t0 = System.nanoTime();
        BarrierResult<double[]> result = BarrierRunner.run(sc, OPTIONS, LocalBarrierTest.steps(5, 10_000, halts));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, result.attempts());
        assertEquals(LocalBarrierTest.expected(5, 10_000, 2)[0], result.byRank().get(0)[0]);
        assertEquals(LocalBarrierTest.expected(5, 10_000, 2)[0], result.byRank().get(1)[0]);
        // bounded by executor replacement (the survivor sees the dead JVM's sockets close at once), not by the 120 s
        // collective timeout
        assertTrue(seconds < 100, "failure, new executor and restart took " + seconds + " s");
        assertNotEquals(0, SparkContexts.slots(sc));
    }
}
