package dev.jbackprop.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbackprop.io.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jbackprop sweep end to end on an embedded local[2] Spark, through the command line in this JVM, in two sweeps that
 * the tests look at: a 2×2 grid on tiny data in which run-002 fails once (Spark retries it, and it resumes from its
 * checkpoint) and run-003 fails on every attempt (the sweep reports it, exit 1); then the sweep resumed, which keeps
 * the finished runs and finishes run-003 from its checkpoint. Each run must be the training run train itself makes
 * (bit for bit on the CPU), however it got there.
 */
@Timeout(240)
class SweepRunTest {
    @TempDir
    static Path tmp;

    static Path data;

    /** The sweep's directory. */
    static Path grid;

    /** The first sweep, the resumed one, and sweep.csv as the first one left it. */
    static SweepCli.Result first, resumed;

    static String firstCsv;

    /** Train's options of every run: tiny data, 240 training images (60 validation), three epochs. */
    static List<Object> base() {
        List<Object> args = new ArrayList<>(SweepCli.tinyRun(data));
        args.addAll(List.of("--batch", "32"));
        return args;
    }

    @BeforeAll
    static void sweeps() throws Exception {
        data = SweepCli.tinyData(tmp.resolve("data"), 300, 90, 11);
        grid = tmp.resolve("grid");
        System.setProperty(SweepTask.FAIL, "run-002@2,run-003@3*");
        long t0 = System.nanoTime();
        try {
            first = sweep(grid, "eta=0.05,0.5;hidden=4,12");
        } finally {
            System.clearProperty(SweepTask.FAIL);
        }
        long t1 = System.nanoTime();
        firstCsv = Files.readString(grid.resolve("sweep.csv"));
        resumed = SweepCli.run("sweep", "--resume", grid, "--spark", "local[2]");
        System.out.printf(
                "2x2 sweep on local[2]: %.1f s%n%s%nresumed: %.1f s%n%s%n",
                (t1 - t0) / 1e9, first, (System.nanoTime() - t1) / 1e9, resumed);
    }

    static SweepCli.Result sweep(Path out, String grid, Object... more) {
        List<Object> args = new ArrayList<>(List.of("sweep", "--spark", "local[2]", "--grid", grid, "--out", out));
        args.addAll(List.of(more));
        args.addAll(base());
        return SweepCli.run(args.toArray());
    }

    /** The parameters in a run directory's model.safetensors. */
    static float[] weights(Path runDir) throws Exception {
        Path file = runDir.resolve("model.safetensors");
        return ModelFile.read(file, ModelFile.network(file).layout());
    }

    /** The weights of the run train makes of a sweep run's arguments by itself, into dir. */
    static float[] reference(Path sweep, String run, Path dir) throws Exception {
        SweepPlan.Run r = SweepPlan.read(sweep).runs().stream()
                .filter(x -> x.name().equals(run))
                .findFirst()
                .orElseThrow();
        List<Object> args = new ArrayList<>(List.of("train", "--out", dir));
        args.addAll(r.args());
        SweepCli.Result t = SweepCli.run(args.toArray());
        assertEquals(0, t.code(), t.toString());
        return weights(dir);
    }

    @Test
    void aGridRunsEachConfigurationAndRanksThem() throws Exception {
        Path out = grid;
        SweepCli.Result r = resumed;
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(), r.errLines(), r.toString());

        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(5, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(0)
                .startsWith("run,status,eta,hidden,best_validation_accuracy,best_validation_epoch,"
                        + "test_accuracy_at_best_validation,best_test_accuracy,best_test_epoch,final_loss,epochs,attempts,"
                        + "seconds,train_seconds,message"));
        List<String> expectedOptions = List.of("0.05,4", "0.05,12", "0.5,4", "0.5,12");
        List<String> attempts = List.of("1", "2", "4", "1"); // run-002 failed once, run-003 three times
        for (int i = 0; i < 4; i++) {
            String[] f = csv.get(i + 1).split(",", -1);
            assertEquals("run-00" + (i + 1), f[0]);
            assertEquals("ok", f[1]);
            assertEquals(expectedOptions.get(i), f[2] + "," + f[3]);
            assertEquals("3", f[10]); // epochs
            assertEquals(attempts.get(i), f[11], csv.get(i + 1));
            double val = Double.parseDouble(f[4]);
            assertTrue(val > 0.4 && val <= 1, csv.get(i + 1)); // better than chance (1/3) on the easy data
        }

        JsonNode json = SweepPlan.JSON.readTree(out.resolve("sweep.json").toFile());
        assertEquals("local[2]", json.get("master").asText());
        assertEquals("validation_accuracy", json.get("ranked_by").asText());
        JsonNode runs = json.get("runs");
        assertEquals(4, runs.size());
        double bestAccuracy = 0;
        for (JsonNode run : runs)
            bestAccuracy =
                    Math.max(bestAccuracy, run.get("best_validation_accuracy").asDouble());
        String bestName = json.get("best").asText();
        JsonNode chosen = runs.get(Integer.parseInt(bestName.substring(4)) - 1);
        assertEquals(bestAccuracy, chosen.get("best_validation_accuracy").asDouble()); // the best, or one as good
        assertEquals(3, runs.get(0).get("validation_accuracy").size());
        assertTrue(
                runs.get(0).get("args").toString().contains("\"--layers\",\"16,4,10\""),
                runs.get(0).toString());
        assertTrue(r.out().contains("best by validation accuracy: " + bestName + " ("), r.out());
        assertTrue(r.out().contains("repeat it with: jbackprop train --config " + out.resolve(bestName)), r.out());
        assertTrue(Files.size(out.resolve("sweep.png")) > 1000);

        for (int i = 1; i <= 4; i++) {
            Path run = out.resolve("run-00" + i);
            for (String f : List.of("config.json", "metrics.csv", "model.safetensors", "curves.png", "train.log"))
                assertTrue(Files.exists(run.resolve(f)), run.resolve(f).toString());
            assertEquals(4, Files.readAllLines(run.resolve("metrics.csv")).size()); // header + 3 epochs
        }
        // a sweep's run is train's own run of the same arguments
        assertArrayEquals(weights(out.resolve("run-004")), reference(out, "run-004", tmp.resolve("ref-004")));
    }

    /** --quiet: stdout keeps the report (no header, no line per run), stderr nothing. */
    @Test
    void quietKeepsOnlyTheReport() throws Exception {
        SweepCli.Result r = sweep(tmp.resolve("quiet"), "eta=0.05,0.5", "--quiet");
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err(), r.toString());
        assertTrue(r.out().contains("best by "), r.toString());
        assertTrue(
                r.out().lines().noneMatch(l -> l.startsWith("[") || l.startsWith("jbackprop sweep: ")), r.toString());
        // without --quiet both are there
        assertTrue(first.out().lines().anyMatch(l -> l.startsWith("[1/4] ")), first.toString());
        assertTrue(first.out().lines().anyMatch(l -> l.startsWith("jbackprop sweep: ")), first.toString());
    }

    @Test
    void aTaskThatFailsResumesFromItsLastCheckpoint() throws Exception {
        assertTrue(
                first.out()
                        .contains("run-002: attempt 1 failed (internal error: dev.jbackprop.spark.sweep.SweepTask"
                                + "$InjectedFailure: injected failure (jbackprop.sweep.fail) at epoch 2"),
                first.out());
        assertTrue(firstCsv.contains("\nrun-002,ok,0.05,12,"), firstCsv);
        Path run = grid.resolve("run-002");
        String log = Files.readString(run.resolve("train.log"));
        assertTrue(log.contains("== attempt 2, resuming: jbackprop train --resume " + run.toAbsolutePath()), log);
        assertTrue(log.contains("1 epochs done"), log); // the checkpoint after epoch 1, not a new start
        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(
                List.of("epoch", "1", "2", "3"),
                metrics.stream().map(l -> l.split(",")[0]).toList());
        // resumed, the run is the one that never stopped
        assertArrayEquals(weights(run), reference(grid, "run-002", tmp.resolve("ref-002")));
    }

    @Test
    void aRunThatFailsForGoodIsReportedAndTheSweepCanBeResumed() throws Exception {
        assertEquals(1, first.code(), first.toString());
        assertEquals(
                List.of("jbackprop: 1 of 4 runs did not finish (run-003 failed: internal error:"
                        + " dev.jbackprop.spark.sweep.SweepTask$InjectedFailure: injected failure"
                        + " (jbackprop.sweep.fail) at epoch 3 (run again with --debug for the stack trace, and"
                        + " please report it)); the results are in " + grid.resolve("sweep.csv") + " and each run's"
                        + " train.log; after a fix, continue with jbackprop sweep --resume " + grid),
                first.errLines());
        assertTrue(firstCsv.contains("\nrun-003,failed,0.5,4,"), firstCsv);
        String[] failed = firstCsv.lines()
                .filter(l -> l.startsWith("run-003,"))
                .findFirst()
                .orElseThrow()
                .split(",");
        assertEquals("2", failed[10]); // the epochs it got through, read from its directory
        assertEquals("3", failed[11]); // attempts
        assertTrue(first.out().contains("best by validation accuracy: "), first.out()); // of the runs that finished

        assertEquals(0, resumed.code(), resumed.toString());
        String log = Files.readString(grid.resolve("run-003").resolve("train.log"));
        assertTrue(log.contains("== attempt 4, resuming"), log);
        assertTrue(log.contains("2 epochs done"), log);
        // the finished runs are kept, not run again
        assertEquals(1, count(Files.readString(grid.resolve("run-001").resolve("train.log")), "== attempt"));
        assertArrayEquals(weights(grid.resolve("run-003")), reference(grid, "run-003", tmp.resolve("ref-003")));
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }
}
