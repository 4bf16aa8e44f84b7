package dev.jbackprop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
 *
 * <p>metrics.csv has one row per epoch: {@link #METRICS_HEADER} for classification, {@link #REGRESSION_HEADER} for
 * regression (R² instead of accuracies); a figure not measured (no validation or test set, R² of a cost other than
 * the quadratic one) is an empty cell.
 */
public final class RunOutput {
    /** The first line of metrics.csv for classification. */
    public static final String METRICS_HEADER = "epoch,steps,loss,train_accuracy,validation_loss,validation_accuracy,"
            + "test_loss,test_accuracy,samples_per_second,seconds,learning_rate";
    /** The first line of metrics.csv for regression. */
    public static final String REGRESSION_HEADER =
            "epoch,steps,loss,train_r2,validation_loss,validation_r2,test_loss,test_r2,samples_per_second,seconds,"
                    + "learning_rate";
    /** The first line of metrics.csv as jbackprop 0.1.0 wrote it (read when such a run is resumed). */
    static final String OLD_HEADER = "epoch,loss,train_accuracy,test_accuracy,samples_per_second,seconds";
    /** The run's configuration ({@link dev.jbackprop.config.RunConfigJson}). */
    public static final String CONFIG = "config.json";
    /** The trained weights ({@link ModelFile}). */
    public static final String MODEL = "model.safetensors";
    /** The weights of the epoch best on the validation set (--save-best). */
    public static final String MODEL_BEST = "model-best.safetensors";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One epoch's row of metrics.csv. train, validation and test are accuracies (classification) or R²
     * (regression); NaN where not measured. learningRate: the rate of the epoch's last step (NaN when not recorded).
     */
    public record Row(
            int epoch,
            long steps,
            double loss,
            double train,
            double validationLoss,
            double validation,
            double testLoss,
            double test,
            double samplesPerSecond,
            double seconds,
            double learningRate) {}

    final Path dir;
    private final boolean regression;
    private final List<Row> rows = new ArrayList<>();

    private RunOutput(Path dir, boolean regression) {
        this.dir = dir;
        this.regression = regression;
    }

    /** Creates (or checks) the directory; refuses one that already holds a run unless force. */
    public static RunOutput create(Path dir, boolean force) {
        return create(dir, force, false);
    }

    /** {@link #create(Path, boolean)} for a classification or regression run. */
    public static RunOutput create(Path dir, boolean force, boolean regression) {
        check(dir, force);
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new Main.Failure("cannot write to the output directory " + dir + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); choose another --out");
        }
        return new RunOutput(dir, regression);
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

    String header() {
        return regression ? REGRESSION_HEADER : METRICS_HEADER;
    }

    /**
     * Reopens a run's directory to continue it after {@code epochsDone} epochs: metrics.csv keeps the
     * complete rows of those epochs (later or partial rows are dropped, as the resumed run writes them
     * again), read by their column names; a file in the format of 0.1.0 is rewritten in today's columns, the
     * figures it lacks left empty.
     */
    public static RunOutput reopen(Path dir, int epochsDone, boolean regression) throws IOException {
        Path csv = dir.resolve("metrics.csv");
        List<String> lines = Files.exists(csv)
                ? List.of(Files.readString(csv, StandardCharsets.UTF_8).split("\n", -1))
                : List.of();
        RunOutput run = new RunOutput(dir, regression);
        List<String> names = lines.isEmpty() ? List.of() : List.of(lines.get(0).split(",", -1));
        StringBuilder kept = new StringBuilder(run.header()).append('\n');
        // the last element follows the final newline: empty, or a row cut short
        for (int i = 1; i < lines.size() - 1; i++) {
            String[] f = lines.get(i).split(",", -1);
            try {
                if (f.length != names.size()) continue;
                Row r = new Row(
                        (int) cell(names, f, "epoch"),
                        (long) cell(names, f, "steps"),
                        cell(names, f, "loss"),
                        cell(names, f, regression ? "train_r2" : "train_accuracy"),
                        cell(names, f, "validation_loss"),
                        cell(names, f, regression ? "validation_r2" : "validation_accuracy"),
                        cell(names, f, "test_loss"),
                        cell(names, f, regression ? "test_r2" : "test_accuracy"),
                        cell(names, f, "samples_per_second"),
                        cell(names, f, "seconds"),
                        cell(names, f, "learning_rate"));
                if (r.epoch() < 1 || r.epoch() > epochsDone) continue;
                run.rows.add(r);
                kept.append(run.line(r));
            } catch (RuntimeException e) {
                // not a row (cut short by a crash): dropped
            }
        }
        writeAtomically(csv, kept.toString());
        return run;
    }

    /** The named cell as a number; NaN when empty or when the file has no such column (then steps: −1). */
    private static double cell(List<String> names, String[] f, String name) {
        int at = names.indexOf(name);
        if (at < 0) return name.equals("steps") ? -1 : Double.NaN;
        if (f[at].isEmpty()) {
            if (name.equals("epoch")) throw new IllegalArgumentException("no epoch");
            return name.equals("steps") ? -1 : Double.NaN;
        }
        return Double.parseDouble(f[at]);
    }

    /** The epochs recorded so far (after {@link #reopen}, those read back from metrics.csv). */
    public List<Row> epochs() {
        return List.copyOf(rows);
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
        writeAtomically(dir.resolve("metrics.csv"), header() + "\n");
    }

    /** Rewrites model-best.safetensors (atomically). */
    public void writeBestModel(ParamLayout layout, float[] params, Map<String, String> metadata) throws IOException {
        ModelFile.write(dir.resolve(MODEL_BEST), layout, params, metadata);
    }

    /** Rewrites model.safetensors (atomically). */
    public void writeModel(ParamLayout layout, float[] params, Map<String, String> metadata) throws IOException {
        ModelFile.write(dir.resolve(MODEL), layout, params, metadata);
    }

    public void appendEpoch(Row r) throws IOException {
        rows.add(r);
        try (Writer w = Files.newBufferedWriter(
                dir.resolve("metrics.csv"), StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            w.write(line(r));
        }
    }

    private String line(Row r) {
        return String.format(
                Locale.ROOT,
                "%d,%s,%.6f,%s,%s,%s,%s,%s,%.1f,%.3f,%s%n",
                r.epoch(),
                r.steps() < 0 ? "" : Long.toString(r.steps()),
                r.loss(),
                figure(r.train()),
                figure(r.validationLoss()),
                figure(r.validation()),
                figure(r.testLoss()),
                figure(r.test()),
                r.samplesPerSecond(),
                r.seconds(),
                Double.isNaN(r.learningRate()) ? "" : String.format(Locale.ROOT, "%.8g", r.learningRate()));
    }

    private static String figure(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    public void writeCurves(String title) throws IOException {
        int n = rows.size();
        double[] ep = new double[n], loss = new double[n];
        double[][] q = new double[3][n];
        int[] have = new int[3];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            ep[i] = r.epoch();
            loss[i] = r.loss();
            double[] v = {r.train(), r.validation(), r.test()};
            for (int k = 0; k < 3; k++) {
                if (!Double.isNaN(v[k])) q[k][have[k]++] = regression ? v[k] : 100 * v[k];
            }
        }
        String unit = regression ? "R²" : "accuracy %";
        String[] names = {"train", "validation", "test"};
        List<Plots.Series> s = new ArrayList<>();
        s.add(new Plots.Series("training loss (mean cost)", ep, loss, false));
        for (int k = 0; k < 3; k++)
            if (have[k] == n && n > 0) s.add(new Plots.Series(names[k] + " " + unit, ep, q[k], true));
        Plots.line(dir.resolve("curves.png"), title, "epoch", "loss", unit, false, s);
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
