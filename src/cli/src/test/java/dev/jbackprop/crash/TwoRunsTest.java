package dev.jbackprop.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.DirectoryLock;
import dev.jbackprop.io.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run per output directory, between real processes: while one JVM trains into a directory, a second JVM's
 * train (with --force too), train --resume and gradients --force into it are each refused in one line naming the
 * first one's pid, exit 1, and change nothing of it: the first run, stopped later, holds exactly what a run that
 * was never disturbed holds.
 */
class TwoRunsTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondProcessIsRefusedNamingTheHolderAndTouchesNothing() throws Exception {
        long t0 = System.nanoTime();
        Path data = TinyData.write(tmp.resolve("data"), 4, 256, 64, 3);
        Path run = tmp.resolve("run");
        List<String> common = List.of(
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
                "--lr-schedule", // a cosine schedule spans the run's length, which differs from the straight run's
                "constant",
                "--no-progress");
        List<String> first = new ArrayList<>(List.of("train", "--epochs", "100000", "--checkpoint-every", "1e"));
        first.addAll(common);
        first.addAll(List.of("--out", run.toString()));
        Child a = Child.start(tmp.resolve("a.log"), first.toArray(String[]::new));
        a.await(
                "its lock and first epoch",
                () -> Files.exists(run.resolve(DirectoryLock.FILE)) && lines(run.resolve("metrics.csv")) >= 2);
        assertEquals(a.pid() + "\n", Files.readString(run.resolve(DirectoryLock.FILE)), "the lock names its holder");

        List<String> force = new ArrayList<>(List.of("train", "--epochs", "1", "--force"));
        force.addAll(common);
        force.addAll(List.of("--out", run.toString()));
        List<String> resume = List.of("train", "--resume", run.toString(), "--data", data.toString(), "--no-progress");
        List<String> gradients = List.of(
                "gradients",
                "--data",
                data.toString(),
                "--layers",
                "16,24,10",
                "--train-epochs",
                "1",
                "--train-size",
                "256",
                "--samples",
                "16",
                "--backend",
                "cpu",
                "--out",
                run.toString(),
                "--force");
        List<Child> second = new ArrayList<>();
        int i = 0;
        for (List<String> args : List.of(force, resume, gradients))
            second.add(Child.start(tmp.resolve("b" + i++ + ".log"), args.toArray(String[]::new)));
        for (Child b : second) {
            assertEquals(1, b.waitFor(60), b::toString);
            List<String> err = b.errLines();
            assertEquals(1, err.size(), b::toString);
            assertTrue(err.get(0).contains(run + " is in use by jbackprop process " + a.pid()), b::toString);
            assertTrue(err.get(0).contains("one run at a time writes into a directory"), b::toString);
            assertEquals("", b.out(), b::toString);
        }
        assertTrue(a.process.isAlive(), "the first run goes on:\n" + a);

        // stop the first run; it holds what a run of as many steps that nobody disturbed holds
        a.signal("TERM");
        assertEquals(143, a.waitFor(60), a::toString);
        Matcher m = Pattern.compile("at step (\\d+)|\\(step (\\d+)\\)")
                .matcher(a.errLines().get(0));
        assertTrue(m.find(), a::toString);
        long steps = Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2));
        List<String> straightArgs = new ArrayList<>(List.of("train", "--epochs", "100000", "--steps", "" + steps));
        straightArgs.addAll(common);
        straightArgs.addAll(List.of("--out", tmp.resolve("straight").toString()));
        ResumeCliTest.Result s = Child.here(straightArgs.toArray(String[]::new));
        assertEquals(0, s.code(), s.err());
        dev.jbackprop.model.ParamLayout layout = new dev.jbackprop.model.ParamLayout(new int[] {16, 24, 10});
        assertArrayEquals(
                ModelFile.read(tmp.resolve("straight/model.safetensors"), layout),
                ModelFile.read(run.resolve("model.safetensors"), layout),
                "the refused runs changed nothing");
        for (Path p : CheckpointDir.list(run.resolve("checkpoints"))) Checkpoint.read(p);
        assertEquals(List.of(), Child.temporaries(run));

        // now that it is free, --force takes it
        Child b = Child.start(tmp.resolve("b-after.log"), force.toArray(String[]::new));
        assertEquals(0, b.waitFor(60), b::toString);
        System.out.printf(
                "two runs: 3 refused while pid %d trained (%d steps); %.1f s%n",
                a.pid(), steps, (System.nanoTime() - t0) / 1e9);
    }

    static long lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p).size() : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
