package dev.jbackprop.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbackprop.io.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jbackprop sweep end to end on an embedded local[2] Spark, through the command line in this JVM: a 2×2 grid on tiny
 * data, one of whose tasks fails once and resumes from its checkpoint (one sweep, looked at by two tests); a run that
 * fails for good, then the sweep resumed. Each run must be the training run train itself makes (bit for bit on the
 * CPU), however it got there.
 */
@Timeout(240)
class SweepRunTest {
    @TempDir
    static Path tmp;

    static Path data;

    /** Train's options of every run: tiny data, 240 training images (60 validation), three epochs. */
    static List<Object> base() {
        return List.of("--data", data, "--layers", "16,8,10", "--epochs", "3", "--train-size", "240", "--batch", "32");
    }

    /** The 2×2 grid's sweep, whose run-002 fails at its epoch 2 the first time. */
    static Path grid;

    static SweepCli.Result gridSweep;

    @BeforeAll
    static void gridSweep() throws Exception {
        data = SweepCli.tinyData(tmp.resolve("data"), 300, 90, 11);
        grid = tmp.resolve("grid");
        System.setProperty(SweepTask.FAIL_ONCE, "run-002@2");
        long t0 = System.nanoTime();
        try {
            gridSweep = sweep(grid, "eta=0.05,0.5;hidden=4,12");
        } finally {
            System.clearProperty(SweepTask.FAIL_ONCE);
        }
        System.out.printf("2x2 sweep on local[2]: %.1f s%n%s", (System.nanoTime() - t0) / 1e9, gridSweep);
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
        SweepCli.Result r = gridSweep;
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(), r.errLines(), r.toString());

        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(5, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(0)
                .startsWith("run,status,eta,hidden,best_validation_accuracy,best_validation_epoch,"
                        + "test_accuracy_at_best_validation,best_test_accuracy,best_test_epoch,final_loss,epochs,attempts,"
                        + "seconds,train_seconds,message"));
        List<String> expectedOptions = List.of("0.05,4", "0.05,12", "0.5,4", "0.5,12");
        for (int i = 0; i < 4; i++) {
            String[] f = csv.get(i + 1).split(",", -1);
            assertEquals("run-00" + (i + 1), f[0]);
            assertEquals("ok", f[1]);
            assertEquals(expectedOptions.get(i), f[2] + "," + f[3]);
            assertEquals("3", f[10]); // epochs
            assertEquals(i == 1 ? "2" : "1", f[11]); // attempts: run-002 failed once
            double val = Double.parseDouble(f[4]);
            assertTrue(val > 0.4 && val <= 1, csv.get(i + 1)); // better than chance (1/3) on the easy data
        }

        JsonNode json = SweepPlan.JSON.readTree(out.resolve("sweep.json").toFile());
        assertEquals("local[2]", json.get("master").asText());
        assertEquals("validation_accuracy", json.get("ranked_by").asText());
        JsonNode runs = json.get("runs");
        assertEquals(4, runs.size());
        int best = IntStream.range(0, 4)
                .boxed()
                .max(Comparator.comparingDouble(
                        i -> runs.get(i).get("best_validation_accuracy").asDouble()))
                .orElseThrow();
        double bestAccuracy = runs.get(best).get("best_validation_accuracy").asDouble();
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
        assertArrayEquals(weights(out.resolve("run-004")), reference(out, "run-004", tmp.resolve("grid-reference")));
    }

    @Test
    void aTaskThatFailsResumesFromItsLastCheckpoint() throws Exception {
        Path out = grid;
        SweepCli.Result r = gridSweep;
        assertTrue(
                r.out()
                        .contains("run-002: attempt 1 failed (internal error: dev.jbackprop.spark.sweep.SweepTask"
                                + "$InjectedFailure: injected failure (jbackprop.sweep.failOnce) at epoch 2"),
                r.out());
        Path run = out.resolve("run-002");
        String log = Files.readString(run.resolve("train.log"));
        assertTrue(log.contains("== attempt 2, resuming: jbackprop train --resume " + run.toAbsolutePath()), log);
        assertTrue(log.contains("1 epochs done"), log); // the checkpoint after epoch 1, not a new start
        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(
                List.of("epoch", "1", "2", "3"),
                metrics.stream().map(l -> l.split(",")[0]).toList());
        assertEquals(
                2,
                SweepPlan.JSON
                        .readTree(out.resolve("sweep.json").toFile())
                        .get("runs")
                        .get(1)
                        .get("attempts")
                        .asInt());
        // resumed, the run is the one that never stopped
        assertArrayEquals(weights(run), reference(out, "run-002", tmp.resolve("retry-reference")));
    }

    @Test
    void aRunThatFailsForGoodIsReportedAndTheSweepCanBeResumed() throws Exception {
        Path out = tmp.resolve("resume");
        System.setProperty(SweepTask.FAIL_ONCE, "run-001@3");
        SweepCli.Result r;
        try {
            r = sweep(out, "eta=0.05", "--max-attempts", 1);
        } finally {
            System.clearProperty(SweepTask.FAIL_ONCE);
        }
        assertEquals(1, r.code(), r.toString());
        assertEquals(
                List.of("jbackprop: 1 of 1 runs did not finish (run-001 failed: internal error:"
                        + " dev.jbackprop.spark.sweep.SweepTask$InjectedFailure: injected failure"
                        + " (jbackprop.sweep.failOnce) at epoch 3 (run again with --debug for the stack trace, and"
                        + " please report it)); the results are in " + out.resolve("sweep.csv") + " and each run's"
                        + " train.log; after a fix, continue with jbackprop sweep --resume " + out),
                r.errLines());
        assertTrue(Files.readString(out.resolve("sweep.csv")).contains("\nrun-001,failed,0.05,"));

        SweepCli.Result again = SweepCli.run("sweep", "--resume", out, "--spark", "local[2]");
        assertEquals(0, again.code(), again.toString());
        String log = Files.readString(out.resolve("run-001").resolve("train.log"));
        assertTrue(log.contains("== attempt 2, resuming"), log);
        assertTrue(log.contains("2 epochs done"), log);
        assertTrue(Files.readString(out.resolve("sweep.csv")).contains("\nrun-001,ok,0.05,"));
        assertArrayEquals(weights(out.resolve("run-001")), reference(out, "run-001", tmp.resolve("resume-reference")));
    }
}
