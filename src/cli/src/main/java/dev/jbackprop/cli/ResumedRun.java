package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.DirectoryLock;
import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.Setting;
import dev.jbackprop.model.TrainingState;
import java.io.IOException;
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
    private final DirectoryLock lock;

    private ResumedRun(Path dir, Checkpoint.Loaded checkpoint, RunConfig stored, DirectoryLock lock) {
        this.dir = dir;
        this.checkpoint = checkpoint;
        this.stored = stored;
        this.lock = lock;
    }

    TrainingState state() {
        return checkpoint.state();
    }

    /** The lock on the run's directory, held from before its checkpoints are read until {@link #close}. */
    DirectoryLock lock() {
        return lock;
    }

    /**
     * Locks DIR (another process writing into it is refused, naming it) and finds the latest complete checkpoint;
     * newer ones that do not verify are reported to warn and renamed to *.corrupt; temporary files left by a crash
     * are removed. A checkpoint whose values no run can produce is a corrupt file (exit 1), not a usage error.
     */
    static ResumedRun open(Path dir, Consumer<String> warn) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new Main.Failure(dir + " is not a directory");
        if (!Files.isDirectory(dir) && !Files.isSymbolicLink(dir))
            throw new Main.Failure("--resume " + dir + ": no such run directory");
        DirectoryLock lock = RunOutput.lockRun(dir);
        try {
            Checkpoint.Loaded c = latest(dir, warn);
            return new ResumedRun(dir, c, storedConfig(c), lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static Checkpoint.Loaded latest(Path dir, Consumer<String> warn) throws IOException {
        Path cdir = dir.resolve(CheckpointSaver.DIR);
        if (CheckpointDir.list(cdir).isEmpty()) {
            throw new Main.Failure("--resume " + dir + ": no checkpoint in " + cdir
                    + " (was the run started with --checkpoint-every?)");
        }
        List<String> problems = new java.util.ArrayList<>();
        Checkpoint.Loaded c = CheckpointDir.latest(cdir, w -> {
            problems.add(w);
            warn.accept(w);
        });
        if (c == null)
            throw new Main.Failure("--resume " + dir + ": none of the checkpoints in " + cdir
                    + " is complete and intact (the newest: "
                    + problems.get(0)
                            .replaceFirst("^skipping checkpoint ", "")
                            .replaceFirst("; trying the previous one$", "")
                    + ")");
        int aside = CheckpointDir.setAsideNewer(cdir, c);
        if (aside > 0)
            warn.accept("renamed " + aside + " unreadable checkpoint(s) newer than "
                    + c.file().getFileName() + " to *.corrupt");
        CheckpointDir.removeTemporaries(cdir);
        RunOutput.removeTemporaries(dir); // writes cut short by a crash
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
        checkStoredValues(c.file(), config);
        return config;
    }

    /** The stored configuration's numbers as a run can have them; any other is a corrupt file, naming the field. */
    static void checkStoredValues(Path file, RunConfig config) throws BadFileException {
        try {
            new Trainer.Config(
                    config.batch(),
                    config.epochs(),
                    config.steps(),
                    config.seed(),
                    new Step.Hyper(config.eta(), config.lambda(), config.momentum(), Math.max(1, config.trainSize())));
        } catch (InvalidConfigException e) {
            throw corrupt(file, jsonKey(e.setting()), e.wording().render(s -> jsonKey(s)));
        }
        if (config.trainSize() < 0) throw corrupt(file, "train_size", "train_size is " + config.trainSize());
        if (config.threads() < 0) throw corrupt(file, "threads", "threads is " + config.threads());
        if (config.trackGradients() < 0)
            throw corrupt(file, "track_gradients", "track_gradients is " + config.trackGradients());
        if (config.checkpointEvery() != null) {
            try {
                CheckpointSaver.Every.parse(config.checkpointEvery());
            } catch (IllegalArgumentException e) {
                throw corrupt(file, "checkpoint_every", "checkpoint_every is '" + config.checkpointEvery() + "'");
            }
        }
    }

    private static BadFileException corrupt(Path file, String key, String what) {
        return new BadFileException(
                file, "is corrupt: its stored configuration's '" + key + "' is impossible (" + what + ")");
    }

    /** config.json's name of a setting. */
    private static String jsonKey(Setting s) {
        return switch (s) {
            case MAX_STEPS -> "steps";
            case TRAIN_SIZE -> "train_size";
            case VALIDATION_SIZE -> "validation_size";
            default -> s.apiName();
        };
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
    public void close() {
        lock.close();
    }
}
