package dev.jbackprop.cli;

import dev.jbackprop.data.Dataset;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.model.ParamLayout;
import dev.jbackprop.model.TrainingSnapshot;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/** train's --checkpoint-every: writes a run's checkpoints into DIR/checkpoints, at most once per step. */
final class CheckpointSaver {
    /** The run directory's checkpoint subdirectory. */
    static final String DIR = "checkpoints";
    /** The checkpoint metadata key of the data's fingerprint. */
    static final String DATA_KEY = "data_crc32c";

    /** --checkpoint-every: every {@code steps} steps, or every {@code epochs} epochs. */
    record Every(long steps, int epochs) {
        private static final Pattern FORM = Pattern.compile("(\\d{1,12})(e?)");

        static Every parse(String text) {
            Matcher m = FORM.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
            long n = m.matches() ? Long.parseLong(m.group(1)) : 0;
            if (n < 1 || (!m.group(2).isEmpty() && n > Integer.MAX_VALUE)) {
                throw new IllegalArgumentException(
                        "--checkpoint-every takes N (every N steps) or Ne (every N epochs), N ≥ 1; got '" + text + "'");
            }
            return m.group(2).isEmpty() ? new Every(n, 0) : new Every(0, (int) n);
        }

        @Override
        public String toString() {
            return steps > 0 ? Long.toString(steps) : epochs + "e";
        }
    }

    final Every every;
    private final Path dir;
    private final ParamLayout layout;
    private final String configJson;
    private final Map<String, String> extra;
    /** Checkpoint metadata keys of early stopping's state (the best validation epoch and its figure). */
    static final String BEST_EPOCH_KEY = "best_epoch", BEST_VALUE_KEY = "best_value", BEST_MONITOR_KEY = "best_monitor";

    private long lastStep = -1;
    private int lastEpochs = -1;
    private Path last;

    CheckpointSaver(Every every, Path runDir, ParamLayout layout, String configJson, String dataFingerprint) {
        this.every = every;
        this.dir = runDir.resolve(DIR);
        this.layout = layout;
        this.configJson = configJson;
        this.extra = new java.util.LinkedHashMap<>(Map.of(DATA_KEY, dataFingerprint));
    }

    /** Early stopping's state, written with the next checkpoints (a resumed run carries on from it). */
    void note(dev.jbackprop.engine.EarlyStopping early) {
        extra.put(BEST_EPOCH_KEY, Integer.toString(early.bestEpoch()));
        extra.put(BEST_VALUE_KEY, Double.toString(early.best()));
        extra.put(BEST_MONITOR_KEY, early.monitor().cliName);
    }

    /** Continuing from a checkpoint that is already on disk. */
    void resumedFrom(Checkpoint.Loaded c) {
        last = c.file();
        lastStep = c.state().steps();
        lastEpochs = c.state().epochsDone();
    }

    /** After a step: saves when the step count is a multiple of N steps. */
    void afterStep(Trainer trainer) {
        if (every.steps() > 0 && trainer.steps() % every.steps() == 0) save(trainer);
    }

    /** After epoch {@code epoch}: saves when it is complete and a multiple of N epochs. */
    void afterEpoch(Trainer trainer, int epoch) {
        if (every.epochs() > 0 && trainer.epoch() == epoch && epoch % every.epochs() == 0) save(trainer);
    }

    /**
     * Checks the parameters (the divergence guard) and writes the trainer's state, unless that state
     * is already written (a step's checkpoint is rewritten once its epoch has ended).
     */
    void save(Trainer trainer) {
        if (trainer.steps() == lastStep && trainer.epoch() == lastEpochs) return;
        TrainingSnapshot snap = trainer.snapshot();
        try {
            last = CheckpointDir.save(dir, layout, snap, configJson, extra);
            lastStep = snap.state().steps();
            lastEpochs = snap.state().epochsDone();
        } catch (BadFileException e) {
            throw new TrainRun.WriteFailed(e);
        }
    }

    /** The latest checkpoint written (or resumed from), or null. */
    Path last() {
        return last;
    }

    long lastStep() {
        return lastStep;
    }

    /** CRC-32C over the shapes and values of the data sets (a resumed run must train on the same data). */
    static String fingerprint(Dataset... sets) {
        CRC32C crc = new CRC32C();
        ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        int chunkSamples = 1024;
        for (Dataset d : sets) {
            head.clear();
            head.putInt(d.count()).putInt(d.features()).putInt(d.classes());
            crc.update(head.flip());
            float[] x = new float[chunkSamples * d.features()];
            float[] y = new float[chunkSamples * d.classes()];
            ByteBuffer bytes =
                    ByteBuffer.allocate(4 * Math.max(x.length, y.length)).order(ByteOrder.LITTLE_ENDIAN);
            for (int from = 0; from < d.count(); from += chunkSamples) {
                int to = Math.min(d.count(), from + chunkSamples);
                d.copyX(from, to, x, 0);
                bytes.clear();
                bytes.asFloatBuffer().put(x, 0, (to - from) * d.features());
                crc.update(bytes.limit(4 * (to - from) * d.features()));
                d.copyY(from, to, y, 0);
                bytes.clear();
                bytes.asFloatBuffer().put(y, 0, (to - from) * d.classes());
                crc.update(bytes.limit(4 * (to - from) * d.classes()));
            }
        }
        return String.format("%08x", crc.getValue());
    }
}
