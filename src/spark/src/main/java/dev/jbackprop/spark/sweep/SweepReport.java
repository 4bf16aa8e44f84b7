package dev.jbackprop.spark.sweep;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.cli.Plots;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * A sweep's results: {@value #CSV} (a row per run), {@value #JSON} (the plan, every run's figures and per-epoch curves,
 * the best run) and {@value #PNG} (each run's accuracy per epoch), all written atomically; and the table and best
 * configuration printed. The best run is the one with the highest validation accuracy when every finished run has a
 * validation set (train's --train-size), else the highest test accuracy, else the lowest final loss; ties go to the
 * lower final loss, then to the earlier run.
 */
public final class SweepReport {
    public static final String CSV = "sweep.csv";
    public static final String JSON = "sweep.json";
    public static final String PNG = "sweep.png";

    /** What runs are ranked by. */
    public enum Metric {
        VALIDATION_ACCURACY("validation accuracy"),
        TEST_ACCURACY("test accuracy"),
        FINAL_LOSS("final loss");

        final String text;

        Metric(String text) {
            this.text = text;
        }
    }

    private final SweepPlan plan;
    private final List<RunResult> results;
    private final Metric metric;
    private final RunResult best; // or null when no run finished

    public SweepReport(SweepPlan plan, List<RunResult> results) {
        this.plan = plan;
        this.results = List.copyOf(results);
        List<RunResult> trained = results.stream().filter(r -> r.epochs() > 0).toList();
        if (!trained.isEmpty() && trained.stream().allMatch(r -> !Double.isNaN(r.bestValidationAccuracy()))) {
            metric = Metric.VALIDATION_ACCURACY;
        } else if (!trained.isEmpty() && trained.stream().allMatch(r -> !Double.isNaN(r.bestTestAccuracy()))) {
            metric = Metric.TEST_ACCURACY;
        } else {
            metric = Metric.FINAL_LOSS;
        }
        best = trained.stream()
                .filter(r -> r.status() == RunResult.Status.OK)
                .filter(r -> !Double.isNaN(score(r)))
                .max(Comparator.comparingDouble(this::score)
                        .thenComparing(
                                Comparator.comparingDouble(RunResult::finalLoss).reversed()))
                .orElse(null);
    }

    /** Higher is better. */
    private double score(RunResult r) {
        return switch (metric) {
            case VALIDATION_ACCURACY -> r.bestValidationAccuracy();
            case TEST_ACCURACY -> r.bestTestAccuracy();
            case FINAL_LOSS -> -r.finalLoss();
        };
    }

    public Metric metric() {
        return metric;
    }

    /** The best finished run, or null when none finished. */
    public RunResult best() {
        return best;
    }

    public List<RunResult> results() {
        return results;
    }

    /** Writes sweep.csv, sweep.json and (unless the Java runtime cannot draw) sweep.png into dir. */
    public void write(Path dir, String master, double seconds, java.util.function.Consumer<String> notices)
            throws IOException {
        Files2.writeAtomically(dir.resolve(CSV), csv());
        Files2.writeAtomically(dir.resolve(JSON), json(master, seconds));
        try {
            plot(dir.resolve(PNG));
        } catch (IOException e) {
            notices.accept("could not draw " + PNG + ": " + e.getMessage());
        }
    }

    String csv() {
        List<String> keys = plan.keys();
        StringBuilder s = new StringBuilder("run,status");
        for (String k : keys) s.append(',').append(cell(k));
        s.append(",best_validation_accuracy,best_validation_epoch,test_accuracy_at_best_validation,"
                + "best_test_accuracy,best_test_epoch,final_loss,epochs,attempts,seconds,train_seconds,message\n");
        for (RunResult r : results) {
            s.append(r.name()).append(',').append(r.status().name().toLowerCase(Locale.ROOT));
            for (String k : keys) s.append(',').append(cell(r.options().get(k)));
            s.append(',')
                    .append(fraction(r.bestValidationAccuracy()))
                    .append(',')
                    .append(epoch(r.bestValidationEpoch()))
                    .append(',')
                    .append(fraction(r.testAccuracyAtBestValidation()))
                    .append(',')
                    .append(fraction(r.bestTestAccuracy()))
                    .append(',')
                    .append(epoch(r.bestTestEpoch()))
                    .append(',')
                    .append(fraction(r.finalLoss()))
                    .append(',')
                    .append(r.epochs())
                    .append(',')
                    .append(r.attempts())
                    .append(',')
                    .append(seconds(r.seconds()))
                    .append(',')
                    .append(seconds(r.trainSeconds()))
                    .append(',')
                    .append(r.message() == null ? "" : cell(r.message()))
                    .append('\n');
        }
        return s.toString();
    }

    /** A CSV cell, quoted (RFC 4180) when it holds a comma, a quote or a line break. */
    static String cell(String v) {
        if (v == null) return "";
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) return v;
        return '"' + v.replace("\"", "\"\"") + '"';
    }

    private static String fraction(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    private static String epoch(int e) {
        return e == 0 ? "" : Integer.toString(e);
    }

    private static String seconds(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }

    String json(String master, double seconds) throws IOException {
        ObjectNode o = SweepPlan.JSON.createObjectNode();
        o.put("master", master);
        o.put("grid", plan.grid());
        if (plan.random() > 0) {
            o.put("random", plan.random());
            o.put("random_seed", plan.randomSeed());
        }
        plan.base().forEach(o.putArray("base")::add);
        o.put("checkpoint_every", plan.checkpointEvery());
        o.put("cores_per_run", plan.coresPerRun());
        o.put("seconds", Math.round(seconds * 1000) / 1000.0);
        o.put("ranked_by", metric.name().toLowerCase(Locale.ROOT));
        if (best != null) o.put("best", best.name());
        else o.putNull("best");
        ArrayNode runs = o.putArray("runs");
        for (int i = 0; i < results.size(); i++) {
            ObjectNode r = results.get(i).toJson();
            plan.runs().get(i).args().forEach(r.putArray("args")::add);
            runs.add(r);
        }
        return SweepPlan.JSON.writeValueAsString(o) + "\n";
    }

    /** Each run's validation (else test) accuracy per epoch, one line per run. */
    void plot(Path png) throws IOException {
        boolean validation = metric == Metric.VALIDATION_ACCURACY;
        List<Plots.Series> series = new ArrayList<>();
        for (RunResult r : results) {
            double[] acc = validation ? r.validationAccuracy() : r.testAccuracy();
            int[] kept = IntStream.range(0, acc.length)
                    .filter(i -> !Double.isNaN(acc[i]))
                    .toArray();
            if (kept.length == 0) continue;
            double[] x = new double[kept.length], y = new double[kept.length];
            for (int i = 0; i < kept.length; i++) {
                x[i] = kept[i] + 1;
                y[i] = 100 * acc[kept[i]];
            }
            String name = r.name() + " " + new SweepPlan.Run(r.name(), r.options(), List.of()).describe()
                    + (r == best ? " (best)" : "");
            series.add(new Plots.Series(name, x, y, false));
        }
        String what = validation ? "validation accuracy %" : "test accuracy %";
        Plots.line(png, "sweep: " + plan.grid(), "epoch", what, null, false, series);
    }

    /** The table of runs, then the best run and how to repeat it. */
    public void print(PrintWriter out, Path dir) {
        List<String> keys = plan.keys();
        List<String[]> rows = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("run", "status"));
        head.addAll(keys);
        head.addAll(List.of("validation", "test", "epochs", "time"));
        rows.add(head.toArray(String[]::new));
        for (RunResult r : results) {
            List<String> row =
                    new ArrayList<>(List.of(r.name(), r.status().name().toLowerCase(Locale.ROOT)));
            for (String k : keys) row.add(r.options().get(k));
            boolean val = !Double.isNaN(r.bestValidationAccuracy());
            row.add(val ? percent(r.bestValidationAccuracy()) : "");
            row.add(percent(val ? r.testAccuracyAtBestValidation() : r.bestTestAccuracy()));
            row.add(Integer.toString(r.epochs()));
            row.add(Double.isNaN(r.seconds()) ? "" : String.format(Locale.ROOT, "%.1f s", r.seconds()));
            rows.add(row.toArray(String[]::new));
        }
        int[] width = new int[head.size()];
        for (String[] row : rows) for (int i = 0; i < row.length; i++) width[i] = Math.max(width[i], row[i].length());
        for (String[] row : rows) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                s.append(i == 0 ? "" : "  ").append(String.format(Locale.ROOT, "%-" + width[i] + "s", row[i]));
            }
            out.println(s.toString().stripTrailing());
        }
        if (best == null) {
            out.println("no run finished; see each run's " + SweepTask.LOG + " under " + dir);
        } else {
            String figures = switch (metric) {
                case VALIDATION_ACCURACY ->
                    String.format(
                            Locale.ROOT,
                            "validation %s (epoch %d), test %s at that epoch",
                            percent(best.bestValidationAccuracy()),
                            best.bestValidationEpoch(),
                            percent(best.testAccuracyAtBestValidation()));
                case TEST_ACCURACY ->
                    String.format(
                            Locale.ROOT, "test %s (epoch %d)", percent(best.bestTestAccuracy()), best.bestTestEpoch());
                case FINAL_LOSS -> String.format(Locale.ROOT, "final loss %.6f", best.finalLoss());
            };
            out.println("best by " + metric.text + ": " + best.name() + " ("
                    + new SweepPlan.Run(best.name(), best.options(), List.of()).describe() + "): " + figures);
            out.println("  repeat it with: jbackprop train --config " + dir.resolve(best.name()));
        }
        out.println("wrote " + dir.resolve(CSV) + ", " + JSON + ", " + PNG);
        out.flush();
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }
}
