package dev.jbackprop.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.cli.Main;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --checkpoint-every / --resume on the command line (in-process). */
class ResumeCliTest {
    static final ParamLayout LAYOUT = new ParamLayout(new int[] {16, 12, 10});

    @TempDir
    static Path shared;

    static Path data;
    static Path straight;

    @TempDir
    Path tmp;

    /** What a run printed and returned. */
    record Result(int code, String out, String err) {}

    static Result train(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        List<String> all = new ArrayList<>(List.of("train"));
        all.addAll(Arrays.asList(args));
        int code = Main.execute(all.toArray(String[]::new), new PrintWriter(o, true), new PrintWriter(e, true));
        return new Result(code, o.toString(), e.toString());
    }

    /**
     * The common options of a fresh run into out (32 steps per epoch); a constant rate, as runs resumed with more
     * epochs are compared with the straight run (a schedule spanning the run would stretch).
     */
    static String[] fresh(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "--lr-schedule",
                "constant",
                "--data",
                data.toString(),
                "--layers",
                "16,12,10",
                "--batch",
                "8",
                "--eta",
                "0.1",
                "--lambda",
                "0.5",
                "--backend",
                "cpu",
                "--threads",
                "1",
                "--no-progress",
                "--out",
                out.toString()));
        a.addAll(Arrays.asList(more));
        return a.toArray(String[]::new);
    }

    static Result ok(Result r) {
        assertEquals(0, r.code(), () -> "exit " + r.code() + ": " + r.err() + r.out());
        return r;
    }

    /** metrics.csv without the timing columns. */
    static List<String> metrics(Path run) throws IOException {
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.csv"))) {
            String[] f = line.split(",", -1);
            rows.add(String.join(",", Arrays.copyOf(f, 4)));
        }
        return rows;
    }

    static float[] model(Path run) throws IOException {
        return ModelFile.read(run.resolve("model.safetensors"), LAYOUT);
    }

    @BeforeAll
    static void straightRun() throws IOException {
        data = TinyData.write(shared.resolve("data"), 4, 256, 64, 9);
        straight = shared.resolve("straight");
        ok(train(fresh(straight, "--epochs", "3")));
        assertEquals(4, metrics(straight).size());
    }

    static void assertSameAsStraight(Path run) throws IOException {
        assertArrayEquals(model(straight), model(run), "final weights");
        assertEquals(metrics(straight), metrics(run), "per-epoch loss and accuracies");
    }

    @Test
    void stopAtAnEpochAndResumeWithMoreEpochs() throws IOException {
        Path run = tmp.resolve("run");
        ok(train(fresh(run, "--epochs", "1", "--checkpoint-every", "1e")));
        assertEquals(
                List.of(
                        run.resolve("checkpoints").resolve(CheckpointDir.fileName(32)),
                        run.resolve("checkpoints").resolve(CheckpointDir.fileName(0))),
                CheckpointDir.list(run.resolve("checkpoints")));
        Result r = ok(train("--resume", run.toString(), "--epochs", "3"));
        assertTrue(
                r.out()
                        .contains("resuming from " + run.resolve("checkpoints").resolve(CheckpointDir.fileName(32))
                                + ": 1 epochs done, step 32"),
                r.out());
        assertSameAsStraight(run);
        assertTrue(Files.readString(run.resolve("config.json")).contains("\"epochs\" : 3"));
        Checkpoint.Loaded last =
                Checkpoint.read(CheckpointDir.list(run.resolve("checkpoints")).get(0));
        assertEquals(3, last.state().epochsDone(), "a checkpoint is written at the end");
        assertArrayEquals(model(straight), last.snapshot().params());
    }

    @Test
    void stopMidEpochAndResumeFromTheLastOrAnEarlierCheckpoint() throws IOException {
        Path run = tmp.resolve("run");
        ok(train(fresh(run, "--epochs", "3", "--steps", "45", "--checkpoint-every", "10")));
        Path ckpts = run.resolve("checkpoints");
        assertEquals(
                List.of(ckpts.resolve(CheckpointDir.fileName(45)), ckpts.resolve(CheckpointDir.fileName(40))),
                CheckpointDir.list(ckpts));
        Path copy = tmp.resolve("copy");
        copyTree(run, copy);

        Result r = ok(train("--resume", run.toString(), "--steps", "0"));
        assertTrue(r.out().contains(": 1 epochs done, step 45 (13 of 32 in epoch 2)"), r.out());
        assertSameAsStraight(run);

        Files.delete(copy.resolve("checkpoints")
                .resolve(CheckpointDir.fileName(45))); // as if stopped just before step 45's checkpoint
        r = ok(train("--resume", copy.toString(), "--steps", "0", "--checkpoint-every", "7"));
        assertTrue(r.out().contains(": 1 epochs done, step 40 (8 of 32 in epoch 2)"), r.out());
        assertSameAsStraight(copy);
    }

    @Test
    void skipsTruncatedAndGarbageCheckpointsWithAWarning() throws IOException {
        Path run = tmp.resolve("run");
        ok(train(fresh(run, "--epochs", "3", "--steps", "40", "--checkpoint-every", "20")));
        Path ckpts = run.resolve("checkpoints");
        byte[] good = Files.readAllBytes(ckpts.resolve(CheckpointDir.fileName(40)));
        Files.write(ckpts.resolve(CheckpointDir.fileName(50)), Arrays.copyOf(good, good.length - 100)); // truncated
        Files.write(ckpts.resolve(CheckpointDir.fileName(60)), "not a checkpoint at all".getBytes()); // garbage
        Files.write(ckpts.resolve(".ckpt-000000070.safetensors.1.tmp"), good); // a write cut short: never a checkpoint

        Result r = ok(train("--resume", run.toString(), "--steps", "0"));
        List<String> warnings = r.err()
                .lines()
                .filter(l -> l.startsWith("jbackprop: skipping checkpoint "))
                .toList();
        assertEquals(2, warnings.size(), r.err());
        assertTrue(
                warnings.get(0).contains(CheckpointDir.fileName(60))
                        && warnings.get(1).contains(CheckpointDir.fileName(50)),
                r.err());
        assertTrue(warnings.get(1).contains("truncated"), warnings.get(1));
        assertTrue(r.out().contains("resuming from " + ckpts.resolve(CheckpointDir.fileName(40))), r.out());
        assertTrue(Files.exists(ckpts.resolve(CheckpointDir.fileName(60) + ".corrupt")), "set aside, not deleted");
        assertTrue(Files.notExists(ckpts.resolve(".ckpt-000000070.safetensors.1.tmp")));
        assertSameAsStraight(run);
    }

    @Test
    void optionsThatContradictTheRunAreUsageErrors() throws IOException {
        Path run = tmp.resolve("run");
        ok(train(fresh(run, "--epochs", "2", "--checkpoint-every", "1e")));
        String dir = run.toString();
        String[][] bad = {
            {"--eta", "0.2"},
            {"--batch", "16"},
            {"--layers", "16,13,10"},
            {"--activation", "tanh"},
            {"--cost", "quadratic"},
            {"--seed", "2"},
            {"--momentum", "0.5"},
            {"--lambda", "0"},
            {"--train-size", "100"},
            {"--init", "xavier"},
            {"--force"},
            {"--out", tmp.resolve("x").toString()},
            {"--epochs", "1"},
            {"--tf32"},
            {"--bf16"}
        };
        for (String[] opt : bad) {
            List<String> args = new ArrayList<>(List.of("--resume", dir));
            args.addAll(List.of(opt));
            Result r = train(args.toArray(String[]::new));
            assertEquals(2, r.code(), () -> String.join(" ", opt) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(opt[0]), r.err());
        }
        // agreeing options are fine; with nothing left to do the run just ends
        Result r = ok(train(
                "--resume",
                dir,
                "--eta",
                "0.1",
                "--batch",
                "8",
                "--layers",
                "16,12,10",
                "--activation",
                "relu",
                "--init",
                "he"));
        assertTrue(r.out().contains("2 epochs done"), r.out());
        assertEquals(3, metrics(run).size());
    }

    /**
     * A run trained with --bf16 on a GPU (made here by editing a CPU run's stored configuration: no GPU
     * needed) and resumed with --backend cpu continues in FP32, says so, and its config.json says so;
     * without --backend (auto) on a machine without a GPU, it stops with why.
     */
    @Test
    void aBf16RunResumedOnTheCpuContinuesInFp32() throws IOException {
        Path run = tmp.resolve("run");
        ok(train(fresh(run, "--epochs", "1", "--checkpoint-every", "1e")));
        Checkpoint.Loaded last =
                Checkpoint.read(CheckpointDir.list(run.resolve("checkpoints")).get(0));
        String config = last.config();
        String edited = config.replaceAll("\"bf16\"\\s*:\\s*false", "\"bf16\" : true");
        assertTrue(!edited.equals(config), config);
        Checkpoint.write(
                last.file(),
                last.layout(),
                last.snapshot(),
                edited,
                java.util.Map.of("data_crc32c", last.metadata().get("data_crc32c")));

        if (dev.jbackprop.cli.Backends.cudaUnavailableReason() != null) {
            Result r = train("--resume", run.toString(), "--epochs", "2");
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("--bf16 needs the CUDA backend"), r.err());
        }
        Result r = ok(train("--resume", run.toString(), "--epochs", "2", "--backend", "cpu"));
        assertTrue(r.err().contains("used --bf16 on the GPU; it continues in FP32 on the CPU"), r.err());
        String json = Files.readString(run.resolve("config.json"));
        assertTrue(json.contains("\"bf16\" : false") && json.contains("\"backend\" : \"cpu\""), json);
    }

    @Test
    void otherDataOrNoCheckpointsAreFailures() throws IOException {
        Path run = tmp.resolve("run");
        ok(train(fresh(run, "--epochs", "1", "--checkpoint-every", "1e")));
        Path other = TinyData.write(tmp.resolve("other"), 4, 256, 64, 10);
        Result r = train("--resume", run.toString(), "--data", other.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("is not the data the run in " + run + " was trained on"), r.err());

        Path plain = tmp.resolve("plain");
        ok(train(fresh(plain, "--epochs", "1")));
        r = train("--resume", plain.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("no checkpoint in"), r.err());
        r = train("--resume", tmp.resolve("missing").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("no such run directory"), r.err());
        r = train(fresh(tmp.resolve("x"), "--checkpoint-every", "0"));
        assertEquals(2, r.code(), r.err());
        r = train(fresh(tmp.resolve("y"), "--checkpoint-every", "2x"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--checkpoint-every takes N (every N steps) or Ne (every N epochs)"), r.err());
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }
}
