package dev.jbackprop.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.ParamLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGINT and SIGTERM to a training JVM: it stops at the end of the step under way, exits 130 or 143 with one line
 * saying where it stopped, what is on disk and how to go on, leaves no temporary file, and its model's metadata
 * says how far it was trained. With checkpoints, the run resumes to exactly the run that was never stopped; without,
 * the weights on disk are exactly those of a run of as many steps.
 */
class InterruptTest {
    static final ParamLayout LAYOUT = new ParamLayout(new int[] {16, 24, 10});
    static final Pattern WHERE = Pattern.compile(
            "^jbackprop: stopped by (SIG\\w+) (?:in epoch (\\d+) at step (\\d+) \\(step (\\d+) of 32 of the epoch\\)"
                    + "|after epoch (\\d+) \\(step (\\d+)\\)); ");

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
                "--lr-schedule", // a cosine schedule spans the run's length, which differs from the straight run's
                "constant",
                "--no-progress",
                "--out",
                out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    /** The steps in all and the complete epochs where the line says it stopped. */
    static long[] where(String line) {
        Matcher m = WHERE.matcher(line);
        assertTrue(m.find(), line);
        if (m.group(3) != null) {
            long steps = Long.parseLong(m.group(3));
            int epoch = Integer.parseInt(m.group(2));
            assertEquals((epoch - 1) * 32L + Long.parseLong(m.group(4)), steps, line);
            return new long[] {steps, epoch - 1};
        }
        return new long[] {Long.parseLong(m.group(6)), Long.parseLong(m.group(5))};
    }

    @Test
    void sigintStopsAtAStepAndTheRunResumesExactly() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 4, 256, 64, 3);
        Path run = tmp.resolve("run");
        Child c = Child.start(
                tmp.resolve("a.log"),
                args(data, run, "--epochs", "100000", "--checkpoint-every", "7").toArray(String[]::new));
        c.await("a checkpoint past step 40", () -> {
            try {
                List<Path> all = CheckpointDir.list(run.resolve("checkpoints"));
                return !all.isEmpty() && CheckpointDir.stepOf(all.get(0)) >= 40;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        long sent = System.nanoTime();
        c.signal("INT");
        assertEquals(130, c.waitFor(60), c::toString);
        System.out.printf(
                "SIGINT to exit: %.0f ms; %s%n",
                (System.nanoTime() - sent) / 1e6, c.errLines().get(0));
        List<String> err = c.errLines();
        assertEquals(1, err.size(), c::toString);
        long[] at = where(err.get(0));
        String line = err.get(0);
        assertTrue(line.startsWith("jbackprop: stopped by SIGINT "), line);
        assertTrue(line.contains(run.resolve("model.safetensors") + " holds the weights after step " + at[0]), line);
        assertTrue(line.contains("checkpoint " + CheckpointDir.fileName(at[0]) + " holds the whole state"), line);
        assertTrue(line.endsWith("continue with jbackprop train --resume " + run), line);
        assertEquals(List.of(), Child.temporaries(run), "no temporary file left");
        assertEquals(
                new ModelFile.Progress((int) at[1], at[0]),
                ModelFile.progress(run.resolve("model.safetensors")),
                "the model says how far it was trained");
        assertEquals(
                at[0],
                Checkpoint.read(run.resolve("checkpoints/" + CheckpointDir.fileName(at[0])))
                        .state()
                        .steps());

        // resumed, it ends where a run that never stopped ends, bit for bit
        long stop = at[0] + 45;
        ResumeCliTest.Result r = Child.here(
                "train",
                "--resume",
                run.toString(),
                "--data",
                data.toString(),
                "--steps",
                "" + stop,
                "--no-progress",
                "--threads",
                "1",
                "--backend",
                "cpu");
        assertEquals(0, r.code(), r.err());
        Path straight = tmp.resolve("straight");
        ResumeCliTest.Result s = Child.here(
                args(data, straight, "--epochs", "100000", "--steps", "" + stop).toArray(String[]::new));
        assertEquals(0, s.code(), s.err());
        assertArrayEquals(
                ModelFile.read(straight.resolve("model.safetensors"), LAYOUT),
                ModelFile.read(run.resolve("model.safetensors"), LAYOUT));
        assertEquals(ResumeCliTest.metrics(straight), ResumeCliTest.metrics(run));
    }

    @Test
    void sigtermWithoutCheckpointsKeepsTheWeightsOfTheLastStep() throws Exception {
        Path data = TinyData.write(tmp.resolve("data"), 4, 256, 64, 3);
        Path run = tmp.resolve("run");
        Child c = Child.start(
                tmp.resolve("a.log"), args(data, run, "--epochs", "100000").toArray(String[]::new));
        c.await("two epochs", () -> TwoRunsTest.lines(run.resolve("metrics.csv")) >= 3);
        long sent = System.nanoTime();
        c.signal("TERM");
        assertEquals(143, c.waitFor(60), c::toString);
        System.out.printf(
                "SIGTERM to exit: %.0f ms; %s%n",
                (System.nanoTime() - sent) / 1e6, c.errLines().get(0));
        List<String> err = c.errLines();
        assertEquals(1, err.size(), c::toString);
        String line = err.get(0);
        long[] at = where(line);
        assertTrue(line.startsWith("jbackprop: stopped by SIGTERM "), line);
        assertTrue(line.contains("there is no checkpoint (no --checkpoint-every)"), line);
        assertTrue(
                line.endsWith("start from these weights with --init-weights " + run.resolve("model.safetensors")),
                line);
        assertEquals(List.of(), Child.temporaries(run));
        assertEquals(new ModelFile.Progress((int) at[1], at[0]), ModelFile.progress(run.resolve("model.safetensors")));
        long rows = TwoRunsTest.lines(run.resolve("metrics.csv")) - 1;
        assertEquals(at[1], rows, "metrics.csv holds the complete epochs");

        Path straight = tmp.resolve("straight");
        ResumeCliTest.Result s = Child.here(args(data, straight, "--epochs", "100000", "--steps", "" + at[0])
                .toArray(String[]::new));
        assertEquals(0, s.code(), s.err());
        assertArrayEquals(
                ModelFile.read(straight.resolve("model.safetensors"), LAYOUT),
                ModelFile.read(run.resolve("model.safetensors"), LAYOUT),
                "the weights after step " + at[0]);
        assertTrue(Files.exists(run.resolve("curves.png")), "a stopped run keeps its figures");
    }
}
