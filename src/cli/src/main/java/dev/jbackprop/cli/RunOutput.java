package dev.jbackprop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jbackprop.engine.Trainer.EpochResult;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run's output directory: config.json, metrics.csv (appended and flushed per epoch),
 * curves.png and model.safetensors (rewritten atomically after each good epoch, so a crash or a
 * divergence leaves the last good weights).
 */
public final class RunOutput {
    /** The first line of metrics.csv. */
    public static final String METRICS_HEADER =
            "epoch,loss,train_accuracy,test_accuracy,samples_per_second,seconds,learning_rate";
    /** The header of metrics.csv before the learning rate was recorded (a resumed older run gains the column). */
    static final String METRICS_HEADER_V010 = "epoch,loss,train_accuracy,test_accuracy,samples_per_second,seconds";
    /** The run's configuration ({@link dev.jbackprop.config.RunConfigJson}). */
    public static final String CONFIG = "config.json";
    /** The trained weights ({@link ModelFile}). */
    public static final String MODEL = "model.safetensors";
    /** The weights of the epoch best on the validation set (--save-best). */
    public static final String MODEL_BEST = "model-best.safetensors";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final Path dir;
    private final List<EpochResult> epochs = new ArrayList<>();

    private RunOutput(Path dir) {
        this.dir = dir;
    }

    /** Creates (or checks) the directory; refuses one that already holds a run unless force. */
    public static RunOutput create(Path dir, boolean force) {
        check(dir, force);
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new Main.Failure("cannot write to the output directory " + dir + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); choose another --out");
        }
        return new RunOutput(dir);
    }

    /** Refuses a file or a directory that already holds a run (unless force), without creating anything. */
    public static void check(Path dir, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new Main.Failure("--out " + dir + " is a file, not a directory; choose a directory");
        }
        if (!force && (Files.exists(dir.resolve("metrics.csv")) || Files.exists(dir.resolve(MODEL)))) {
            throw new Main.Failure(
                    "--out " + dir + " already holds a run; choose another --out, or add --force to replace it");
        }
    }

    /**
     * Reopens a run's directory to continue it after {@code epochsDone} epochs: metrics.csv keeps its
     * header and the complete rows of those epochs (later or partial rows are dropped, as the resumed
     * run writes them again).
     */
    public static RunOutput reopen(Path dir, int epochsDone) throws IOException {
        Path csv = dir.resolve("metrics.csv");
        List<String> lines = Files.exists(csv)
                ? List.of(Files.readString(csv, StandardCharsets.UTF_8).split("\n", -1))
                : List.of();
        RunOutput run = new RunOutput(dir);
        StringBuilder kept = new StringBuilder(METRICS_HEADER + "\n");
        boolean addRate = !lines.isEmpty() && lines.get(0).equals(METRICS_HEADER_V010);
        if (!lines.isEmpty() && !lines.get(0).isEmpty())
            kept = new StringBuilder((addRate ? METRICS_HEADER : lines.get(0)) + "\n");
        // the last element follows the final newline: empty, or a row cut short
        for (int i = 1; i < lines.size() - 1; i++) {
            String[] f = lines.get(i).split(",", -1);
            try {
                int epoch = Integer.parseInt(f[0]);
                if (epoch < 1 || epoch > epochsDone) continue;
                double test = f[3].isEmpty() ? Double.NaN : Double.parseDouble(f[3]);
                run.epochs.add(new EpochResult(
                        epoch,
                        0,
                        Double.parseDouble(f[1]),
                        Double.parseDouble(f[2]),
                        Double.NaN,
                        test,
                        Double.parseDouble(f[4]),
                        Double.parseDouble(f[5])));
                kept.append(lines.get(i)).append(addRate ? ",\n" : "\n"); // an older row's rate: not recorded
            } catch (RuntimeException e) {
                // not a row (cut short by a crash): dropped
            }
        }
        writeAtomically(csv, kept.toString());
        return run;
    }

    /** The epochs recorded so far (after {@link #reopen}, those read back from metrics.csv). */
    public List<EpochResult> epochs() {
        return List.copyOf(epochs);
    }

    public Path dir() {
        return dir;
    }

    /** Writes config.json (atomically). */
    public void writeConfig(String json) throws IOException {
        writeAtomically(dir.resolve(CONFIG), json + "\n");
    }

    /** Starts metrics.csv with its header (a new run). */
    public void startMetrics() throws IOException {
        writeAtomically(dir.resolve("metrics.csv"), METRICS_HEADER + "\n");
    }

    /** Rewrites model-best.safetensors (atomically). */
    public void writeBestModel(ParamLayout layout, float[] params, Map<String, String> metadata) throws IOException {
        ModelFile.write(dir.resolve(MODEL_BEST), layout, params, metadata);
    }

    /** Rewrites model.safetensors (atomically). */
    public void writeModel(ParamLayout layout, float[] params, Map<String, String> metadata) throws IOException {
        ModelFile.write(dir.resolve(MODEL), layout, params, metadata);
    }

    public void appendEpoch(EpochResult r) throws IOException {
        epochs.add(r);
        String line = String.format(
                Locale.ROOT,
                "%d,%.6f,%.6f,%s,%.1f,%.3f,%s%n",
                r.epoch(),
                r.loss(),
                r.trainAccuracy(),
                Double.isNaN(r.testAccuracy()) ? "" : String.format(Locale.ROOT, "%.6f", r.testAccuracy()),
                r.samplesPerSecond(),
                r.seconds(),
                Double.isNaN(r.learningRate()) ? "" : String.format(Locale.ROOT, "%.8g", r.learningRate()));
        try (Writer w = Files.newBufferedWriter(
                dir.resolve("metrics.csv"), StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            w.write(line);
        }
    }

    public void writeCurves(String title) throws IOException {
        int n = epochs.size();
        double[] ep = new double[n], loss = new double[n], train = new double[n], test = new double[n];
        int nTest = 0;
        for (int i = 0; i < n; i++) {
            EpochResult r = epochs.get(i);
            ep[i] = r.epoch();
            loss[i] = r.loss();
            train[i] = 100 * r.trainAccuracy();
            if (!Double.isNaN(r.testAccuracy())) test[nTest++] = 100 * r.testAccuracy();
        }
        List<Plots.Series> s = new ArrayList<>();
        s.add(new Plots.Series("training loss (mean cost)", ep, loss, false));
        s.add(new Plots.Series("train accuracy %", ep, train, true));
        if (nTest == n) s.add(new Plots.Series("test accuracy %", ep, test, true));
        Plots.line(dir.resolve("curves.png"), title, "epoch", "loss", "accuracy %", false, s);
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
