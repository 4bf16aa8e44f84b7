package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.DirectoryLock;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.ParamLayout;
import dev.jbackprop.model.TrainingSnapshot;
import dev.jbackprop.model.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output directory's life in-process: what --force replaces and what it leaves, stale locks and temporary
 * files, a lock held elsewhere, --dry-run writing nothing, a batch larger than the data, how far a model was
 * trained, and checkpoints whose values are impossible (corrupt files, exit 1, never usage errors).
 */
class OutputDirTest {
    static final ParamLayout LAYOUT = new ParamLayout(new int[] {16, 8, 10});

    @TempDir
    static Path root;

    static Path data;

    @BeforeAll
    static void data() throws IOException {
        data = TinyData.write(root.resolve("data"), 40, 10, 3);
    }

    /** train on the tiny data (cpu, 1 thread, 16,8,10, batch 8, 2 epochs) unless extra sets an option itself. */
    static String[] train(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train"));
        String[][] base = {
            {"--data", data.toString()},
            {"--out", out.toString()},
            {"--backend", "cpu"},
            {"--threads", "1"},
            {"--layers", "16,8,10"},
            {"--classes", "10"}, // the tiny data's labels are 0..2 of MNIST's ten classes
            {"--batch", "8"},
            {"--epochs", "2"}
        };
        List<String> given = Arrays.asList(extra);
        for (String[] kv : base) if (!given.contains(kv[0])) a.addAll(List.of(kv));
        a.add("--no-progress");
        a.addAll(given);
        return a.toArray(String[]::new);
    }

    static Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + "\n" + r);
        return r;
    }

    static Cli.Result fails(int code, String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(code, r.code(), () -> String.join(" ", args) + "\n" + r);
        assertFalse(r.err().contains("\tat "), r::toString);
        return r;
    }

    static String last(Cli.Result r) {
        List<String> l = r.errLines();
        return l.get(l.size() - 1);
    }

    @Test
    void forceReplacesJbackpropsFilesAndLeavesEveryoneElses() throws IOException {
        Path dir = root.resolve("shared");
        ok(train(dir, "--checkpoint-every", "2", "--track-gradients", "3"));
        Files.writeString(dir.resolve("notes.txt"), "mine\n");
        Files.createDirectories(dir.resolve("plots"));
        Files.writeString(dir.resolve("plots/a.svg"), "<svg/>\n");
        Map<String, String> before = Cli.snapshot(dir);

        Cli.Result refused = fails(1, train(dir));
        assertTrue(last(refused).contains("already holds a run (checkpoints, config.json"), refused::toString);
        assertTrue(last(refused).contains("or continue it with --resume " + dir), refused::toString);
        assertEquals(before, Cli.snapshot(dir), "a refused run changes nothing");

        ok(train(dir, "--force", "--epochs", "1"));
        assertEquals("mine\n", Files.readString(dir.resolve("notes.txt")), "others' files stay");
        assertEquals("<svg/>\n", Files.readString(dir.resolve("plots/a.svg")));
        assertFalse(Files.exists(dir.resolve("gradients.csv")), "the old run's gradients went with it");
        assertTrue(CheckpointDir.list(dir.resolve("checkpoints")).isEmpty(), "and its checkpoints");
        assertEquals(2, Files.readAllLines(dir.resolve("metrics.csv")).size(), "the new run's one epoch");
    }

    @Test
    void aStaleLockAndTemporaryFilesAreJbackpropsAndCleared() throws IOException {
        Path dir = Files.createDirectories(root.resolve("stale"));
        Files.writeString(dir.resolve(DirectoryLock.FILE), "999999\n"); // a dead process's lock: not held
        Files.writeString(dir.resolve(".model.safetensors.123.tmp"), "cut short");
        Files.writeString(dir.resolve(".metrics.csv.456.tmp"), "cut short");
        ok(train(dir));
        assertEquals(List.of(), tmpFiles(dir), "temporary files of dead writes are removed");
        assertEquals(
                ProcessHandle.current().pid() + "\n", Files.readString(dir.resolve(DirectoryLock.FILE)), "our pid");
    }

    @Test
    void aDirectoryInUseIsRefusedWithForceToo() throws IOException {
        Path dir = Files.createDirectories(root.resolve("in-use"));
        try (DirectoryLock held = DirectoryLock.acquire(dir)) {
            for (String[] args : List.of(
                    train(dir),
                    train(dir, "--force"),
                    new String[] {"train", "--resume", dir.toString(), "--data", data.toString()},
                    new String[] {
                        "gradients",
                        "--data",
                        data.toString(),
                        "--layers",
                        "16,8,10",
                        "--classes",
                        "10",
                        "--train-epochs",
                        "1",
                        "--train-size",
                        "40",
                        "--samples",
                        "10",
                        "--backend",
                        "cpu",
                        "--out",
                        dir.toString(),
                        "--force"
                    })) {
                Cli.Result r = fails(1, args);
                assertEquals(1, r.errLines().size(), r::toString);
                assertTrue(
                        last(r).contains(dir + " is in use by another run in this process (pid "
                                + ProcessHandle.current().pid() + ")"),
                        r::toString);
            }
        }
        assertEquals(List.of(DirectoryLock.FILE), names(dir), "nothing written while it was held");
    }

    @Test
    void dryRunPrintsThePlanAndWritesNothing() {
        Path dir = root.resolve("dry");
        Cli.Result r = ok(train(dir, "--dry-run", "--batch", "1000"));
        assertFalse(Files.exists(dir), "nothing created");
        String out = r.out();
        assertTrue(out.startsWith("memory plan: [16,8,10]"), out);
        assertTrue(out.contains("--batch 1000 is larger than the 40 training samples: using --batch 40"), out);
        assertTrue(out.contains("parameters (226 floats)"), out);
        assertTrue(out.contains("activations for a batch of 40"), out);
        assertTrue(out.contains("total host memory: "), out);
        assertTrue(out.contains("total Java heap: "), out);
        assertTrue(out.contains("largest block: 536,870,911 floats"), out);
        assertTrue(out.trim().endsWith("the plan fits; nothing was written (--dry-run)"), out);
    }

    @Test
    void aBatchLargerThanTheDataIsTheDataAndSaysSo() throws Exception {
        Path dir = root.resolve("big-batch");
        Cli.Result r = ok(train(dir, "--batch", "1000000"));
        assertTrue(
                r.out().contains("--batch 1000000 is larger than the 40 training samples: using --batch 40"), r.out());
        assertEquals("", r.err());
        assertEquals(40, RunConfigJson.read(dir.resolve("config.json")).batch(), "the batch it ran with");
        assertEquals(new ModelFile.Progress(2, 2), ModelFile.progress(dir.resolve("model.safetensors")));
    }

    @Test
    void theModelSaysHowFarItWasTrained() throws Exception {
        Path dir = root.resolve("progress");
        ok(train(dir, "--steps", "7"));
        // 5 steps an epoch: epoch 1, then 2 steps of epoch 2
        assertEquals(new ModelFile.Progress(1, 7), ModelFile.progress(dir.resolve("model.safetensors")));
    }

    /** A checkpoint whose stored configuration or state is impossible: exit 1, the file and the field named. */
    @Test
    void impossibleCheckpointValuesAreCorruptFilesNotUsageErrors() throws Exception {
        Path dir = root.resolve("forged");
        ok(train(dir, "--checkpoint-every", "5"));
        Path cdir = dir.resolve("checkpoints");
        Path newest = CheckpointDir.list(cdir).get(0);
        Checkpoint.Loaded good = Checkpoint.read(newest);

        // a stored configuration with batch 0 (a valid checksum: forged, not torn)
        RunConfig.Builder b = RunConfigJson.fromJson(good.config()).toBuilder();
        b.batch = 0;
        Checkpoint.write(newest, LAYOUT, good.snapshot(), RunConfigJson.toJson(b.build()), extra(good));
        Cli.Result r = fails(1, "train", "--resume", dir.toString(), "--data", data.toString(), "--no-progress");
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(
                last(r).contains(newest + ": is corrupt: its stored configuration's 'batch' is impossible"),
                r::toString);

        // a state that does not fit the run's own steps per epoch (5): step 999 after 1 epoch
        TrainingState st = new TrainingState(1, 0, 999, good.state().shuffler(), 0, 0, 0);
        Path wrongStep = cdir.resolve(CheckpointDir.fileName(999));
        Checkpoint.write(wrongStep, LAYOUT, snapshot(good, st), good.config(), extra(good));
        r = fails(1, "train", "--resume", dir.toString(), "--data", data.toString(), "--no-progress");
        assertTrue(last(r).contains(wrongStep + ": is corrupt: metadata 'step' 999, 'epochs_done' 1"), r::toString);
        Files.delete(wrongStep);

        // negative epochs in every checkpoint: none is intact; the newest's field is named
        for (Path p : CheckpointDir.list(cdir)) {
            Checkpoint.Loaded c = Checkpoint.read(p);
            TrainingState bad = new TrainingState(-1, 0, c.state().steps(), 0, 0, 0, 0);
            Checkpoint.write(p, LAYOUT, snapshot(good, bad), good.config(), extra(good));
        }
        r = fails(1, "train", "--resume", dir.toString(), "--data", data.toString(), "--no-progress");
        assertTrue(last(r).contains("none of the checkpoints in " + cdir + " is complete and intact"), r::toString);
        assertTrue(last(r).contains("is corrupt: metadata 'epochs_done' is -1"), r::toString);
    }

    @Test
    void aResumedRunWhoseFilesAreLinksIsRefused() throws IOException {
        Path dir = root.resolve("linked-resume");
        ok(train(dir, "--checkpoint-every", "5"));
        Path elsewhere = root.resolve("elsewhere.safetensors");
        Files.move(dir.resolve("model.safetensors"), elsewhere);
        Files.createSymbolicLink(dir.resolve("model.safetensors"), elsewhere);
        Cli.Result r = fails(1, "train", "--resume", dir.toString(), "--data", data.toString(), "--no-progress");
        assertTrue(
                last(r).contains("holds model.safetensors, a symbolic link to " + elsewhere.toRealPath()), r::toString);
    }

    static Map<String, String> extra(Checkpoint.Loaded c) {
        return Map.of(CheckpointSaver.DATA_KEY, c.metadata().get(CheckpointSaver.DATA_KEY));
    }

    static TrainingSnapshot snapshot(Checkpoint.Loaded c, TrainingState st) {
        return new TrainingSnapshot(st, c.snapshot().params(), c.snapshot().velocity());
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static List<String> tmpFiles(Path dir) throws IOException {
        return names(dir).stream().filter(n -> n.endsWith(".tmp")).toList();
    }
}
