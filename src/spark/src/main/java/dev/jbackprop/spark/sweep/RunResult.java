package dev.jbackprop.spark.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one run of a sweep came to: its status, its per-epoch figures (read from the run's metrics.csv and, for the
 * validation accuracy, the lines train printed) and its time. Accuracies are fractions (0 to 1), NaN where a run has
 * none. Stored as {@value #FILE} in the run's directory when the run is over, so that a retried task or a resumed sweep
 * does not run it again.
 *
 * @param name the run's name (its directory)
 * @param options the grid's values
 * @param status how it ended
 * @param message train's message when it did not end well (else null)
 * @param attempts how many times a task started the run (across retries and resumed sweeps)
 * @param seconds from the first attempt's start to the end, retries included
 * @param trainSeconds the epochs' training time (metrics.csv)
 * @param loss each epoch's training loss
 * @param testAccuracy each epoch's test accuracy
 * @param validationAccuracy each epoch's validation accuracy
 */
public record RunResult(
        String name,
        Map<String, String> options,
        Status status,
        String message,
        int attempts,
        double seconds,
        double trainSeconds,
        double[] loss,
        double[] testAccuracy,
        double[] validationAccuracy)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The file in a run's directory that says the run is over. */
    public static final String FILE = "sweep-run.json";

    /** How a run ended. */
    public enum Status {
        /** Trained to the end. */
        OK,
        /** Training diverged (train's exit 1, "training diverged"): a result, not retried. */
        DIVERGED,
        /** Train refused the configuration (its exit 2): not retried. */
        INVALID,
        /** Failed on every attempt Spark gave it. */
        FAILED
    }

    public RunResult {
        options = new LinkedHashMap<>(options);
    }

    /**
     * A run that failed on every attempt (the driver's record: the task never returned), with the epochs its
     * directory holds where the driver can read it (on a cluster, when --out is shared), else none.
     */
    static RunResult failed(SweepPlan.Run run, String message, int attempts, Path out) {
        Path dir = out.resolve(run.name());
        try {
            String log = Files.exists(dir.resolve(SweepTask.LOG))
                    ? Files.readString(dir.resolve(SweepTask.LOG), StandardCharsets.UTF_8)
                    : "";
            return read(dir, run, Status.FAILED, message, attempts, Double.NaN, log);
        } catch (IOException | RuntimeException e) {
            double[] none = new double[0];
            return new RunResult(
                    run.name(),
                    run.options(),
                    Status.FAILED,
                    message,
                    attempts,
                    Double.NaN,
                    Double.NaN,
                    none,
                    none,
                    none);
        }
    }

    public int epochs() {
        return loss.length;
    }

    /** The epoch (from 1) of the best validation accuracy, or 0 when there is none. */
    public int bestValidationEpoch() {
        return argmax(validationAccuracy);
    }

    /** The epoch (from 1) of the best test accuracy, or 0 when there is none. */
    public int bestTestEpoch() {
        return argmax(testAccuracy);
    }

    public double bestValidationAccuracy() {
        return at(validationAccuracy, bestValidationEpoch());
    }

    /** The test accuracy after the epoch the validation set chose (model selection without looking at the test set). */
    public double testAccuracyAtBestValidation() {
        return at(testAccuracy, bestValidationEpoch());
    }

    public double bestTestAccuracy() {
        return at(testAccuracy, bestTestEpoch());
    }

    public double finalLoss() {
        return loss.length == 0 ? Double.NaN : loss[loss.length - 1];
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 0; i < v.length; i++) {
            if (!Double.isNaN(v[i]) && (best == 0 || v[i] > v[best - 1])) best = i + 1;
        }
        return best;
    }

    private static double at(double[] v, int epoch) {
        return epoch == 0 ? Double.NaN : v[epoch - 1];
    }

    /**
     * The figures of the run in dir: metrics.csv's columns found by their names in its header (epoch, loss,
     * test_accuracy, seconds, and validation_accuracy where train writes it), else the validation accuracy train
     * printed on each epoch's line (the last line of an epoch wins: a resumed run prints the epochs it repeats again).
     */
    static RunResult read(
            Path dir, SweepPlan.Run run, Status status, String message, int attempts, double seconds, String log)
            throws IOException {
        Path csv = dir.resolve("metrics.csv");
        List<String> lines = Files.exists(csv) ? Files.readAllLines(csv, StandardCharsets.UTF_8) : List.of();
        TreeMap<Integer, double[]> rows = new TreeMap<>(); // epoch -> loss, test, validation, seconds
        if (!lines.isEmpty()) {
            List<String> header = Arrays.asList(lines.get(0).split(",", -1));
            int epoch = header.indexOf("epoch"), loss = header.indexOf("loss"), test = header.indexOf("test_accuracy");
            int val = header.indexOf("validation_accuracy"), secs = header.indexOf("seconds");
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",", -1);
                if (epoch < 0 || f.length != header.size()) continue; // a row cut short
                try {
                    rows.put(
                            Integer.parseInt(f[epoch].strip()),
                            new double[] {number(f, loss), number(f, test), number(f, val), number(f, secs)});
                } catch (NumberFormatException e) {
                    // not a row
                }
            }
        }
        if (!lines.isEmpty() && !lines.get(0).contains("validation_accuracy")) {
            Matcher m = VALIDATION_LINE.matcher(log);
            while (m.find()) {
                double[] row = rows.get(Integer.parseInt(m.group(1)));
                if (row != null) row[2] = Double.parseDouble(m.group(2)) / 100;
            }
        }
        int n = rows.isEmpty() ? 0 : rows.lastKey();
        double[] l = nans(n), t = nans(n), v = nans(n);
        double train = 0;
        for (Map.Entry<Integer, double[]> e : rows.entrySet()) {
            int i = e.getKey() - 1;
            if (i < 0) continue;
            l[i] = e.getValue()[0];
            t[i] = e.getValue()[1];
            v[i] = e.getValue()[2];
            if (!Double.isNaN(e.getValue()[3])) train += e.getValue()[3];
        }
        return new RunResult(run.name(), run.options(), status, message, attempts, seconds, train, l, t, v);
    }

    private static final Pattern VALIDATION_LINE =
            Pattern.compile("(?m)^epoch\\s+(\\d+)/\\d+\\b[^\\n]*?\\bvalidation\\s+([0-9]+(?:\\.[0-9]+)?)%");

    private static double number(String[] f, int i) {
        if (i < 0 || f[i].isBlank()) return Double.NaN;
        return Double.parseDouble(f[i].strip());
    }

    private static double[] nans(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }

    /** The result as JSON (the form of {@value #FILE} and of each run in sweep.json). */
    ObjectNode toJson() {
        ObjectNode o = SweepPlan.JSON.createObjectNode();
        o.put("name", name);
        ObjectNode opts = o.putObject("options");
        options.forEach(opts::put);
        o.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
        if (message != null) o.put("message", message);
        o.put("attempts", attempts);
        put(o, "seconds", seconds);
        put(o, "train_seconds", trainSeconds);
        o.put("epochs", epochs());
        put(o, "best_validation_accuracy", bestValidationAccuracy());
        o.put("best_validation_epoch", bestValidationEpoch());
        put(o, "test_accuracy_at_best_validation", testAccuracyAtBestValidation());
        put(o, "best_test_accuracy", bestTestAccuracy());
        o.put("best_test_epoch", bestTestEpoch());
        put(o, "final_loss", finalLoss());
        array(o.putArray("loss"), loss);
        array(o.putArray("test_accuracy"), testAccuracy);
        array(o.putArray("validation_accuracy"), validationAccuracy);
        return o;
    }

    private static void put(ObjectNode o, String key, double v) {
        if (Double.isNaN(v)) o.putNull(key);
        else o.put(key, v);
    }

    private static void array(ArrayNode a, double[] v) {
        for (double x : v) {
            if (Double.isNaN(x)) a.addNull();
            else a.add(x);
        }
    }

    static RunResult fromJson(JsonNode o) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.required("options").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            opts.put(e.getKey(), e.getValue().asText());
        }
        return new RunResult(
                o.required("name").asText(),
                opts,
                Status.valueOf(o.required("status").asText().toUpperCase(java.util.Locale.ROOT)),
                o.hasNonNull("message") ? o.get("message").asText() : null,
                o.required("attempts").asInt(),
                number(o.get("seconds")),
                number(o.get("train_seconds")),
                numbers(o.required("loss")),
                numbers(o.required("test_accuracy")),
                numbers(o.required("validation_accuracy")));
    }

    private static double number(JsonNode n) {
        return n == null || n.isNull() ? Double.NaN : n.asDouble();
    }

    private static double[] numbers(JsonNode a) {
        List<Double> out = new ArrayList<>();
        for (JsonNode n : a) out.add(number(n));
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Writes {@value #FILE} into the run's directory (atomically): the run is over. */
    void write(Path dir) throws IOException {
        Files2.writeAtomically(dir.resolve(FILE), SweepPlan.JSON.writeValueAsString(toJson()) + "\n");
    }

    /** The result stored in the run's directory, or null when the run is not over. */
    static RunResult stored(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) return null;
        try {
            return fromJson(SweepPlan.JSON.readTree(file.toFile()));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + " is damaged (" + e.getMessage().replace('\n', ' ') + ")", e);
        }
    }
}
