package dev.jbackprop.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write failures for real, in a child JVM: a disk that fills up while the run trains (a small tmpfs, where the test
 * may mount one: as root) and a file-size limit (RLIMIT_FSIZE through bash's ulimit -f, anywhere; the JVM ignores
 * SIGXFSZ, so a write past the limit fails with "File too large"). Each time: exit 1, one line naming the file
 * and the reason, no temporary file left, and the directory consistent: every checkpoint whole, the model readable,
 * metrics.csv never ahead of the model; and the run resumes once there is room.
 */
class DiskFullTest {
    static final ParamLayout LAYOUT = new ParamLayout(new int[] {16, 24, 10});
    static final Pattern CANNOT = Pattern.compile("^jbackprop: cannot write (\\S+) \\(([^)]+)\\); ");

    @TempDir
    Path tmp;

    List<String> args(Path data, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(
                "train",
                "--data",
                data.toString(),
                "--layers",
                "16,24,10",
                "--batch",
                "8",
                "--backend",
                "cpu",
                "--threads",
                "1",
                "--no-progress",
                "--out",
                out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    /** What must hold of a run directory after any write failed. */
    static void assertConsistent(Path run) throws IOException {
        assertEquals(List.of(), Child.temporaries(run), "no temporary file left");
        for (Path p : CheckpointDir.list(run.resolve("checkpoints"))) Checkpoint.read(p);
        Path model = run.resolve("model.safetensors");
        if (Files.exists(model)) {
            ModelFile.read(model, LAYOUT);
            ModelFile.Progress pr = ModelFile.progress(model);
            List<String> rows = Files.readAllLines(run.resolve("metrics.csv"));
            int last = rows.size() <= 1
                    ? 0
                    : Integer.parseInt(rows.get(rows.size() - 1).split(",")[0]);
            assertTrue(last <= pr.epochs(), "metrics.csv reaches epoch " + last + " but the model only " + pr);
        } else {
            assertTrue(TwoRunsTest.lines(run.resolve("metrics.csv")) <= 1, "no epoch without a model");
        }
    }

    /** The most epochs the run's files say it reached: the model's progress, metrics.csv's last row. */
    static int epochsReached(Path run) throws Exception {
        Path model = run.resolve("model.safetensors");
        int epochs = Files.exists(model) ? ModelFile.progress(model).epochs() : 0;
        List<String> rows = Files.readAllLines(run.resolve("metrics.csv"));
        if (rows.size() > 1)
            epochs = Math.max(epochs, Integer.parseInt(rows.get(rows.size() - 1).split(",")[0]));
        return epochs;
    }

    static boolean run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Test
    void aDiskThatFillsUpWhileTraining() throws Exception {
        Path disk = Files.createDirectories(tmp.resolve("disk"));
        assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.toString()),
                "cannot mount a small tmpfs here (needs root): the file-size limit test covers write failures");
        try {
            Path data = TinyData.write(tmp.resolve("data"), 4, 256, 64, 3);
            Path out = disk.resolve("run");
            Child c = Child.start(
                    tmp.resolve("a.log"),
                    args(data, out, "--epochs", "100000", "--checkpoint-every", "5")
                            .toArray(String[]::new));
            c.await("two epochs", () -> TwoRunsTest.lines(out.resolve("metrics.csv")) >= 3);
            Path filler = disk.resolve("filler");
            try (OutputStream f = Files.newOutputStream(filler)) {
                byte[] block = new byte[4096];
                while (true) f.write(block); // until the disk is full
            } catch (IOException full) {
                assertTrue(full.getMessage().contains("No space left on device"), full.toString());
            }
            assertEquals(1, c.waitFor(60), c::toString);
            List<String> err = c.errLines();
            assertEquals(1, err.size(), c::toString);
            Matcher m = CANNOT.matcher(err.get(0));
            assertTrue(m.find(), c::toString);
            assertTrue(m.group(1).startsWith(out.toString()), err.get(0));
            assertEquals("No space left on device", m.group(2));
            assertTrue(
                    err.get(0).contains("free space, then continue with jbackprop train --resume " + out), err.get(0));
            assertConsistent(out);

            Files.delete(filler);
            // how far it got before the disk filled depends on the machine's speed (55 epochs once, on a quiet
            // machine, which made a fixed --epochs 6 fail): go 3 further
            int target = epochsReached(out) + 3;
            ResumeCliTest.Result r = Child.here(
                    "train",
                    "--resume",
                    out.toString(),
                    "--data",
                    data.toString(),
                    "--epochs",
                    Integer.toString(target),
                    "--no-progress",
                    "--backend",
                    "cpu",
                    "--threads",
                    "1");
            assertEquals(0, r.code(), r.err());
            assertEquals(
                    target, ModelFile.progress(out.resolve("model.safetensors")).epochs());
            System.out.println("disk full: " + err.get(0));
        } finally {
            run("umount", disk.toString());
        }
    }

    @Test
    void aFileSizeLimitFailsTheModelWriteCleanlyAlsoOnResume() throws Exception {
        assumeTrue(run("bash", "-c", "ulimit -f 4"), "no bash with ulimit here");
        Path data = TinyData.write(tmp.resolve("data"), 4, 256, 64, 3);
        // sizes of this run's files, to put the limit between config.json and the model
        Path sizes = tmp.resolve("sizes");
        ResumeCliTest.Result s = Child.here(args(data, sizes, "--steps", "1").toArray(String[]::new));
        assertEquals(0, s.code(), s.err());
        long config = Files.size(sizes.resolve("config.json")), model = Files.size(sizes.resolve("model.safetensors"));
        long limitKiB = model / 1024; // ulimit -f counts 1024-byte blocks
        assumeTrue(limitKiB * 1024 > config + 200, "config.json " + config + " B and the model " + model + " B");

        Path out = tmp.resolve("run");
        Child c = Child.start(
                tmp.resolve("a.log"),
                List.of(),
                "ulimit -f " + limitKiB + ";",
                args(data, out, "--epochs", "3").toArray(String[]::new));
        assertEquals(1, c.waitFor(60), c::toString);
        List<String> err = c.errLines();
        assertEquals(1, err.size(), c::toString);
        assertTrue(
                err.get(0)
                        .startsWith(
                                "jbackprop: cannot write " + out.resolve("model.safetensors") + " (File too large)"),
                err.get(0));
        assertTrue(err.get(0).contains("its temporary file is removed"), err.get(0));
        assertFalse(Files.exists(out.resolve("model.safetensors")));
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"layers\""), "config.json is whole");
        assertConsistent(out);

        // a run with checkpoints, resumed under the limit: the model of its first epoch fails (before that epoch's
        // metrics row and checkpoint), the checkpoints stay whole
        Path ck = tmp.resolve("ck");
        s = Child.here(
                args(data, ck, "--epochs", "2", "--checkpoint-every", "1e").toArray(String[]::new));
        assertEquals(0, s.code(), s.err());
        List<String> before = Files.readAllLines(ck.resolve("metrics.csv"));
        Child r = Child.start(
                tmp.resolve("r.log"),
                List.of(),
                "ulimit -f " + limitKiB + ";",
                "train",
                "--resume",
                ck.toString(),
                "--data",
                data.toString(),
                "--epochs",
                "4",
                "--no-progress",
                "--backend",
                "cpu",
                "--threads",
                "1");
        assertEquals(1, r.waitFor(60), r::toString);
        List<String> rerr = r.errLines();
        assertEquals(1, rerr.size(), r::toString);
        assertTrue(
                rerr.get(0)
                        .startsWith("jbackprop: cannot write " + ck.resolve("model.safetensors") + " (File too large)"),
                rerr.get(0));
        assertTrue(rerr.get(0).contains("free space, then continue with jbackprop train --resume " + ck), rerr.get(0));
        assertConsistent(ck);
        assertEquals(before, Files.readAllLines(ck.resolve("metrics.csv")), "no row for an epoch whose model failed");
    }
}
