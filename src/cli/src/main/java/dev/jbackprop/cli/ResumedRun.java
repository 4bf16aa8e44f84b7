package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.model.TrainingState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.ParseResult;

/**
 * train --resume DIR: the run in DIR, locked for this process, with its latest complete checkpoint and the
 * configuration stored in it; {@link #check} compares that configuration with the one the options ask for.
 */
final class ResumedRun implements AutoCloseable {
    final Path dir;
    final Checkpoint.Loaded checkpoint;
    final RunConfig stored;
    private final AutoCloseable lock;

    private ResumedRun(Path dir, Checkpoint.Loaded checkpoint, RunConfig stored, AutoCloseable lock) {
        this.dir = dir;
        this.checkpoint = checkpoint;
        this.stored = stored;
        this.lock = lock;
    }

    TrainingState state() {
        return checkpoint.state();
    }

    /**
     * Locks DIR's checkpoints and finds the latest complete one; newer ones that do not verify are reported to
     * warn and renamed to *.corrupt; temporary files left by a crash are removed.
     */
    static ResumedRun open(Path dir, Consumer<String> warn) throws IOException {
        AutoCloseable lock = lock(dir);
        try {
            Checkpoint.Loaded c = latest(dir, warn);
            return new ResumedRun(dir, c, storedConfig(c), lock);
        } catch (IOException | RuntimeException e) {
            closeQuietly(lock);
            throw e;
        }
    }

    /** Locks runDir/checkpoints for this process (another process training the same run is refused). */
    static AutoCloseable lock(Path runDir) {
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) throw new Main.Failure(runDir + " is not a directory");
        if (!Files.isDirectory(runDir)) throw new Main.Failure("--resume " + runDir + ": no such run directory");
        try {
            return CheckpointDir.lock(runDir.resolve(CheckpointSaver.DIR));
        } catch (IllegalStateException | IOException e) {
            throw new Main.Failure(e.getMessage());
        }
    }

    private static Checkpoint.Loaded latest(Path dir, Consumer<String> warn) throws IOException {
        Path cdir = dir.resolve(CheckpointSaver.DIR);
        if (CheckpointDir.list(cdir).isEmpty()) {
            throw new Main.Failure("--resume " + dir + ": no checkpoint in " + cdir
                    + " (was the run started with --checkpoint-every?)");
        }
        Checkpoint.Loaded c = CheckpointDir.latest(cdir, warn);
        if (c == null)
            throw new Main.Failure(
                    "--resume " + dir + ": none of the checkpoints in " + cdir + " is complete and intact");
        int aside = CheckpointDir.setAsideNewer(cdir, c);
        if (aside > 0)
            warn.accept("renamed " + aside + " unreadable checkpoint(s) newer than "
                    + c.file().getFileName() + " to *.corrupt");
        CheckpointDir.removeTemporaries(cdir);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".model.safetensors.*.tmp")) {
            for (Path p : ds) Files.deleteIfExists(p); // a model write cut short by a crash
        }
        return c;
    }

    private static RunConfig storedConfig(Checkpoint.Loaded c) throws BadFileException {
        RunConfig config;
        try {
            config = RunConfigJson.fromJson(c.config());
        } catch (RunConfigJson.Invalid e) {
            throw new BadFileException(c.file(), "the stored configuration " + e.getMessage(), e);
        }
        try {
            config.network();
        } catch (IllegalArgumentException e) {
            throw new BadFileException(
                    c.file(), "the stored configuration's network is invalid (" + e.getMessage() + ")");
        }
        return config;
    }

    /**
     * The one comparison of a resumed run: the options given may extend the run (--epochs, --steps) and change
     * where and how it runs (--checkpoint-every, --data, --train, --test, --cache, --backend, --threads, --no-graph,
     * --track-gradients; the data itself is checked by its fingerprint), but what the run is must stay as stored. A contradiction is a usage error naming the
     * option.
     *
     * @param asked the stored configuration with the options given applied, init resolved
     * @param given what was given on the command line
     */
    void check(RunConfig asked, ParseResult given) {
        String from = " (the run in " + dir + " has ";
        String tail = "); a resumed run keeps its configuration: leave the option out, or start a new run with --out";
        List<String> changed = stored.changesFixedOnResume(asked);
        if (!changed.isEmpty()) {
            String key = changed.get(0);
            switch (key) {
                case RunConfigJson.NETWORK ->
                    throw new IllegalArgumentException(String.join(", ", NetOptions.given(given)) + " describe "
                            + asked.network() + from + stored.network() + tail);
                case "init" -> {
                    String opt = given.hasMatchedOption("--init-weights") ? "--init-weights" : "--init";
                    String value = opt.equals("--init") ? asked.init() : String.valueOf(asked.initWeights());
                    throw new IllegalArgumentException(
                            opt + " " + value + " contradicts the stored init" + from + "init " + stored.init() + tail);
                }
                default -> {
                    String name = key.replace('_', '-');
                    throw new IllegalArgumentException("--" + name + " " + value(asked, key)
                            + " contradicts the stored value" + from + name + " " + value(stored, key) + tail);
                }
            }
        }
        int done = state().epochsDone();
        if (asked.epochs() < done) {
            throw new IllegalArgumentException("--epochs " + asked.epochs() + " is fewer than the " + done
                    + " epochs the run in " + dir + " has done");
        }
    }

    private static Object value(RunConfig c, String key) {
        return switch (key) {
            case "eta" -> c.eta();
            case "batch" -> c.batch();
            case "momentum" -> c.momentum();
            case "lambda" -> c.lambda();
            case "optimizer" -> c.optimizer();
            case "beta1" -> c.beta1();
            case "beta2" -> c.beta2();
            case "epsilon" -> c.epsilon();
            case "weight_decay" -> c.weightDecay();
            case "lr_schedule" -> c.lrSchedule();
            case "warmup" -> c.warmup();
            case "seed" -> c.seed();
            case "train_size" -> c.trainSize();
            case "task" -> c.task();
            case "normalize" -> c.normalize();
            case "header" -> c.header();
            case "label_column" -> c.labelColumn();
            case "classes" -> c.classes();
            case "test_split" -> c.testSplit();
            case "validation_split" -> c.validationSplit();
            case "tf32" -> c.tf32();
            case "bf16" -> c.bf16();
            default -> throw new IllegalStateException("no such setting: " + key);
        };
    }

    @Override
    public void close() throws Exception {
        lock.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // the lock goes with the process anyway
        }
    }
}
