package dev.jbackprop.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.spark.sweep.SweepCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jbackprop train --workers 2 end to end on an embedded local[2] Spark, through the command line in this JVM, on tiny
 * data (240 training images, batch 64: 4 steps per epoch, 3 epochs): two workers of 32 train the network one process
 * trains with batch 64, up to the order of summation; a worker that fails at step 6 makes the stage fail at once, and
 * the run restarts from the checkpoint after epoch 1 and ends with the same parameters, bit for bit, as the run that
 * never failed.
 */
@Timeout(240)
class TrainWorkersTest {
    @TempDir
    static Path tmp;

    static Path data;
    static SweepCli.Result one, two, failed, resumed;
    static double failedSeconds;

    static List<Object> base(Path out) {
        List<Object> args = new ArrayList<>(List.of("train"));
        args.addAll(SweepCli.tinyRun(data));
        args.addAll(List.of("--batch", "64", "--threads", "1", "--backend", "cpu", "--out", out));
        return args;
    }

    static SweepCli.Result workers(Path out, Object... more) {
        List<Object> args = new ArrayList<>(base(out));
        args.addAll(List.of("--workers", "2", "--spark", "local[2]"));
        args.addAll(List.of(more));
        return SweepCli.run(args.toArray());
    }

    @BeforeAll
    static void runs() throws Exception {
        data = SweepCli.tinyData(tmp.resolve("data"), 300, 90, 11);
        one = SweepCli.run(base(tmp.resolve("one")).toArray());
        long t0 = System.nanoTime();
        two = workers(tmp.resolve("two"));
        long t1 = System.nanoTime();
        System.setProperty(CollectiveExchange.Fault.PROPERTY, "1@6");
        try {
            failed = workers(tmp.resolve("failed"));
        } finally {
            System.clearProperty(CollectiveExchange.Fault.PROPERTY);
        }
        failedSeconds = (System.nanoTime() - t1) / 1e9;
        // the finished 2-worker run continued by one more epoch, on 2 workers again
        Path copy = tmp.resolve("resumed");
        copyTree(tmp.resolve("two"), copy);
        resumed = SweepCli.run(
                "train",
                "--resume",
                copy,
                "--epochs",
                "4",
                "--threads",
                "1",
                "--backend",
                "cpu",
                "--workers",
                "2",
                "--spark",
                "local[2]");
        System.out.printf(
                "1 x 64:%n%s%n2 x 32 on local[2] (%.1f s):%n%s%nfailing at step 6 (%.1f s):%n%s%n",
                one, (t1 - t0) / 1e9, two, failedSeconds, failed);
        System.out.println("resumed on 2 workers:\n" + resumed);
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList())
                Files.copy(p, to.resolve(from.relativize(p).toString()));
        }
    }

    static float[] weights(Path run) throws Exception {
        NetworkSpec spec = ModelFile.network(run.resolve("model.safetensors"));
        return ModelFile.read(run.resolve("model.safetensors"), spec.layout());
    }

    @Test
    void twoWorkersOfHalfTheBatchTrainAsOneWithTheWholeBatch() throws Exception {
        assertEquals(0, one.code(), one.toString());
        assertEquals(0, two.code(), two.toString());
        assertEquals(List.of(), two.errLines(), two.toString());
        assertTrue(two.out().contains("jbackprop train: 2 workers on local[2]"), two.out());
        assertTrue(two.out().contains("batch 64 (32 per worker)"), two.out());
        assertTrue(two.out().contains("epoch   3/3"), two.out()); // worker 0's lines, printed by the driver
        assertTrue(two.out().contains("2 workers, 1 attempt: the same parameters on every worker"), two.out());

        float[] a = weights(tmp.resolve("one")), b = weights(tmp.resolve("two"));
        double d = 0, n = 0;
        for (int i = 0; i < a.length; i++) {
            d += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            n += (double) a[i] * a[i];
        }
        double normalised = Math.sqrt(d / n);
        System.out.printf("‖θ(2×32) − θ(1×64)‖ / ‖θ(1×64)‖ after 12 steps = %.3g%n", normalised);
        assertTrue(normalised < 1e-5, "normalised distance " + normalised);

        // the run's directory is train's: metrics per epoch, the configuration, checkpoints (added: 1e)
        Path run = tmp.resolve("two");
        assertEquals(4, Files.readAllLines(run.resolve("metrics.csv")).size());
        List<String> oneMetrics = Files.readAllLines(tmp.resolve("one").resolve("metrics.csv"));
        List<String> twoMetrics = Files.readAllLines(run.resolve("metrics.csv"));
        for (int e = 1; e <= 3; e++) {
            double lossOne = Double.parseDouble(oneMetrics.get(e).split(",")[1]);
            double lossTwo = Double.parseDouble(twoMetrics.get(e).split(",")[1]);
            assertEquals(lossOne, lossTwo, 1e-5 * lossOne, "loss of epoch " + e + " (the workers' together)");
        }
        assertTrue(Files.exists(run.resolve("config.json")));
        assertTrue(Files.exists(run.resolve("checkpoints").resolve(CheckpointDir.fileName(12))));
    }

    /**
     * --quiet: stdout keeps the result, as train's in one process (worker 0's last line), stderr nothing; the run
     * without it printed worker 0's epochs, the driver's header and the workers' agreement (the first test), and
     * metrics.csv has every epoch here too.
     */
    @Test
    void quietKeepsOnlyTheResult() throws Exception {
        SweepCli.Result r = workers(tmp.resolve("quiet"), "--quiet");
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), r.toString());
        assertTrue(lines.get(0).startsWith("best ") && lines.get(0).contains("; wrote "), r.toString());
        assertTrue(two.out().lines().count() > 3, two.toString());
        assertTrue(two.out().contains("2 workers, 1 attempt: the same parameters on every worker"), two.toString());
        assertEquals(
                4,
                Files.readAllLines(tmp.resolve("quiet").resolve("metrics.csv")).size());
    }

    @Test
    void aRunOfSeveralWorkersIsResumedOnSeveralWorkers() throws Exception {
        assertEquals(0, resumed.code(), resumed.toString());
        assertEquals(List.of(), resumed.errLines(), resumed.toString());
        assertTrue(resumed.out().contains("resuming from "), resumed.out());
        assertTrue(resumed.out().contains("epoch   4/4"), resumed.out());
        assertTrue(resumed.out().contains("2 workers, 1 attempt: the same parameters"), resumed.out());
        Path run = tmp.resolve("resumed");
        assertEquals(5, Files.readAllLines(run.resolve("metrics.csv")).size()); // header + 4 epochs
        assertTrue(Files.readString(run.resolve(TrainWorker.LOG))
                .contains("== worker 0 of 2, attempt 1, from " + CheckpointDir.fileName(12)));
    }

    @Test
    void aWorkerThatFailsMakesTheRunRestartFromItsLastCheckpoint() throws Exception {
        assertEquals(0, failed.code(), failed.toString());
        Path run = tmp.resolve("failed");
        String log = Files.readString(run.resolve(TrainWorker.LOG));
        assertTrue(log.contains("== worker 0 of 2, attempt 1: jbackprop train"), log);
        // worker 1 left at step 6: worker 0's sum of step 6 failed (it did not apply a partial one)
        assertTrue(log.contains("== worker 0, attempt 1 stopped at step 6: dev.jbackprop.spark.collective."), log);
        assertTrue(
                log.contains("== worker 0 of 2, attempt 2, from " + CheckpointDir.fileName(4)
                        + ": jbackprop train --resume"),
                log);
        assertTrue(failed.out().contains("2 workers, 2 attempts: the same parameters on every worker"), failed.out());
        // one notice: the restart (the library's log record, as the command's one line)
        assertEquals(1, failed.errLines().size(), failed.toString());
        assertTrue(
                failed.errLines()
                        .get(0)
                        .startsWith("jbackprop: the 2-worker stage failed (attempt 1 of 3), restarting: "),
                failed.toString());
        // fail fast: far below the collective's 60 s timeout, which a hanging peer would wait out
        assertTrue(failedSeconds < 50, "took " + failedSeconds + " s");
        // resumed from epoch 1's checkpoint, the run is the one that never failed
        assertArrayEquals(weights(tmp.resolve("two")), weights(run));
        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(
                List.of("epoch", "1", "2", "3"),
                metrics.stream().map(l -> l.split(",")[0]).toList());
    }
}
