package dev.jbackprop.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.spark.LocalClusterAccess;
import dev.jbackprop.spark.sweep.SweepCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * train --workers 2 on {@code local-cluster[2,1,1024]}, each worker in an executor JVM of its own, and worker 1's JVM
 * halted at step 6 (a machine that dies: no exception, no goodbye): worker 0's sum fails at once, Spark replaces the
 * executor, the stage restarts from the checkpoint after epoch 1, and the run ends as one process with the whole batch
 * trains it (up to summation order).
 */
@Tag("local-cluster")
@Timeout(180)
class TrainWorkersClusterTest {
    @TempDir
    Path tmp;

    @Test
    void aWorkerWhoseJvmDiesIsReplacedAndTheRunResumes() throws Exception {
        Path data = SweepCli.tinyData(tmp.resolve("data"), 300, 90, 11);
        List<Object> base = new ArrayList<>(List.of("train"));
        base.addAll(SweepCli.tinyRun(data));
        base.addAll(List.of("--batch", "64", "--threads", "1"));
        List<Object> one = new ArrayList<>(base);
        one.addAll(List.of("--out", tmp.resolve("one")));
        assertEquals(0, SweepCli.run(one.toArray()).code());

        List<Object> two = new ArrayList<>(base);
        two.addAll(List.of("--out", tmp.resolve("two"), "--workers", "2", "--spark", "local-cluster[2,1,1024]"));
        LocalClusterAccess.setProperties(1024);
        System.setProperty(CollectiveExchange.Fault.PROPERTY, "1@6:halt");
        SweepCli.Result r;
        long t0 = System.nanoTime();
        try {
            r = SweepCli.run(two.toArray());
        } finally {
            System.clearProperty(CollectiveExchange.Fault.PROPERTY);
            LocalClusterAccess.clearProperties();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("2 workers on local-cluster, worker 1's JVM halted at step 6 (%.1f s):%n%s%n", seconds, r);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("2 workers, 2 attempts: the same parameters on every worker"), r.out());
        String log = Files.readString(tmp.resolve("two").resolve(TrainWorker.LOG));
        assertTrue(log.contains("== worker 0, attempt 1 stopped at step 6: "), log);
        assertTrue(log.contains("attempt 2, from " + CheckpointDir.fileName(4)), log);
        float[] a = TrainWorkersTest.weights(tmp.resolve("one")), b = TrainWorkersTest.weights(tmp.resolve("two"));
        double d = 0, n = 0;
        for (int i = 0; i < a.length; i++) {
            d += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            n += (double) a[i] * a[i];
        }
        assertTrue(Math.sqrt(d / n) < 1e-5, "normalised distance " + Math.sqrt(d / n));
    }
}
