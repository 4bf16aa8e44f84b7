package dev.jbackprop.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.ModelFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety for real: training runs in a child JVM that checkpoints after every step and is
 * killed with SIGKILL at random moments, again and again, each time resumed with --resume. After
 * every kill all files under a checkpoint name read back whole, the latest is at least as far as
 * before, and the next child resumes from exactly that one; at the end a resumed run finishes and
 * its weights and metrics equal those of a run that was never interrupted.
 */
class CrashTest {
    static final int KILLS = 24;
    static final long SEED = 20240611L;

    @TempDir
    Path tmp;

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    Process start(List<String> trainArgs, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                javaBinary(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-cp",
                classPath(),
                "dev.jbackprop.cli.Main",
                "train"));
        cmd.addAll(trainArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        return pb.start();
    }

    static long latestStepName(Path dir) throws IOException {
        List<Path> all = CheckpointDir.list(dir);
        return all.isEmpty() ? -1 : CheckpointDir.stepOf(all.get(0));
    }

    /** The temporary files of checkpoint writes that a kill cut short. */
    static Set<Path> temporaries(Path dir) throws IOException {
        Set<Path> out = new HashSet<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".ckpt-*.tmp")) {
            for (Path p : ds) out.add(p);
        }
        return out;
    }

    @Test
    void killedAgainAndAgainItAlwaysResumesFromAWholeCheckpoint() throws Exception {
        long t0 = System.nanoTime();
        Path data = TinyData.write(tmp.resolve("data"), 4, 256, 64, 3);
        Path run = tmp.resolve("run");
        Path ckpts = run.resolve("checkpoints");
        // a constant rate: the run is finished with --steps, which a schedule spanning the run would stretch
        List<String> common =
                List.of("--backend", "cpu", "--threads", "1", "--no-progress", "--lr-schedule", "constant");
        List<String> freshArgs = new ArrayList<>(List.of(
                "--data",
                data.toString(),
                "--layers",
                "16,24,10",
                "--batch",
                "8",
                "--epochs",
                "1000",
                "--checkpoint-every",
                "1",
                "--out",
                run.toString()));
        freshArgs.addAll(common);
        List<String> resumeArgs = new ArrayList<>(List.of("--resume", run.toString()));
        resumeArgs.addAll(common);

        Random rnd = new Random(SEED);
        long verified = -1; // the step of the latest complete checkpoint after the last kill
        int midWrite = 0, beforeProgress = 0;
        Set<Path> seenTemporaries = new HashSet<>();
        List<String> log = new ArrayList<>();
        for (int kill = 0; kill < KILLS; kill++) {
            Path out = tmp.resolve("child-" + kill + ".log");
            Process p = start(kill == 0 ? freshArgs : resumeArgs, out);
            long launched = System.nanoTime();
            // Kills cycle through three kinds: at a random moment after launch (start-up, reading the
            // checkpoint, the first steps); once the child has written a newer checkpoint, plus a random
            // delay; and the moment a checkpoint write is seen under way (its temporary file exists).
            int kind = kill == 0 ? 1 : kill % 3;
            boolean early = kind == 0;
            if (early) {
                Thread.sleep(rnd.nextInt(1500));
            } else {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (latestStepName(ckpts) <= verified) {
                    if (!p.isAlive())
                        fail("child " + kill + " exited with " + p.exitValue() + " before writing a checkpoint:\n"
                                + Files.readString(out));
                    if (System.nanoTime() > deadline)
                        fail("child " + kill + " wrote no checkpoint in 30 s:\n" + Files.readString(out));
                    Thread.sleep(1);
                }
                if (kind == 1) {
                    Thread.sleep(rnd.nextInt(120));
                } else {
                    Thread.sleep(rnd.nextInt(40));
                    Set<Path> before = temporaries(ckpts);
                    while (before.containsAll(temporaries(ckpts)) && p.isAlive() && System.nanoTime() < deadline)
                        Thread.sleep(0, 200_000);
                }
            }
            if (!p.isAlive())
                fail("child " + kill + " ended by itself (exit " + p.exitValue() + "):\n" + Files.readString(out));
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the killed child is gone");
            long ms = (System.nanoTime() - launched) / 1_000_000;

            // What the dead child left: a temporary from a cut-short write at most, never a partial checkpoint.
            Set<Path> tmps = temporaries(ckpts);
            boolean cut = !seenTemporaries.containsAll(tmps); // a new one: this kill landed inside a write
            if (cut) midWrite++;
            seenTemporaries.addAll(tmps);
            String childOut = Files.readString(out);
            if (kill > 0 && childOut.contains("resuming from ")) {
                String expect = "resuming from " + ckpts.resolve(CheckpointDir.fileName(verified)) + ":";
                assertTrue(
                        childOut.contains(expect),
                        "child " + kill + " should resume from step " + verified + ":\n" + childOut);
            }
            for (Path f : CheckpointDir.list(ckpts)) {
                Checkpoint.read(f); // every file under a checkpoint name is whole and verifies
            }
            List<String> warnings = new ArrayList<>();
            Checkpoint.Loaded latest = CheckpointDir.latest(ckpts, warnings::add);
            assertNotNull(latest, "a complete checkpoint after kill " + kill);
            assertEquals(List.of(), warnings, "no broken checkpoint after kill " + kill);
            long step = latest.state().steps();
            assertTrue(
                    step >= verified,
                    "kill " + kill + ": the latest checkpoint went back from step " + verified + " to " + step);
            if (step == verified) beforeProgress++;
            log.add(String.format(
                    "kill %2d after %4d ms (%s): latest complete checkpoint at step %d%s",
                    kill,
                    ms,
                    List.of("at random", "after progress", "at a write").get(kind),
                    step,
                    cut ? ", killed inside a checkpoint write" : ""));
            verified = step;
        }

        // A resumed run that finishes, against one that was never interrupted.
        long stop = verified + 40;
        List<String> finish = new ArrayList<>(resumeArgs);
        finish.addAll(List.of("--steps", Long.toString(stop)));
        Path out = tmp.resolve("child-final.log");
        Process p = start(finish, out);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the final resumed run finishes");
        String finalOut = Files.readString(out);
        assertEquals(0, p.exitValue(), finalOut);
        assertTrue(
                finalOut.contains("resuming from " + ckpts.resolve(CheckpointDir.fileName(verified)) + ":"), finalOut);

        Path straight = tmp.resolve("straight");
        List<String> straightArgs = new ArrayList<>(freshArgs.subList(0, freshArgs.indexOf("--checkpoint-every")));
        straightArgs.addAll(List.of("--out", straight.toString(), "--steps", Long.toString(stop)));
        straightArgs.addAll(common);
        ResumeCliTest.Result r = ResumeCliTest.train(straightArgs.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        dev.jbackprop.model.ParamLayout layout = new dev.jbackprop.model.ParamLayout(new int[] {16, 24, 10});
        assertArrayEquals(
                ModelFile.read(straight.resolve("model.safetensors"), layout),
                ModelFile.read(run.resolve("model.safetensors"), layout),
                "weights after " + KILLS + " kills and resumes");
        assertEquals(
                ResumeCliTest.metrics(straight),
                ResumeCliTest.metrics(run),
                "per-epoch metrics after " + KILLS + " kills and resumes");

        double seconds = (System.nanoTime() - t0) / 1e9;
        log.forEach(System.out::println);
        System.out.printf(
                "%d kills (%d inside a checkpoint write, %d before the child wrote a new checkpoint); final step %d; %.1f s%n",
                KILLS, midWrite, beforeProgress, stop, seconds);
        assertTrue(midWrite > 0, "some kills should land inside a checkpoint write (" + KILLS + " kills, none did)");
    }
}
