package dev.jbackprop.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The training-step sweep of JMH results (bench/jmh StepBench, {@code -rf json}) as one PNG: samples/s
 * (log) against width (log), one line per batch size, one panel per backend + precision (cpu, cuda
 * fp32, tf32, bf16) and depth, and per device when the files come from several.
 *
 * <pre>java -cp bench/jmh/target/benchmarks.jar dev.jbackprop.bench.SweepPlot RESULT-jmh.json... [-o OUT.png]</pre>
 *
 * Samples/s is the benchmark's "samples" counter where it has one, else steps/s × batch. Rows without
 * a positive finite score are left out (a set-up that failed leaves no row at all), never drawn as zero.
 * Bad input is one line on stderr and exit status 1 (2 for a bad command line).
 */
public final class SweepPlot {
    private SweepPlot() {}

    static final String BENCHMARK = "StepBench.step";
    private static final Pattern FILE_NAME = Pattern.compile("(\\d{4}-\\d{2}-\\d{2})-(.+?)(?:-jmh)?\\.json");

    /** Bad input: the message is the whole line shown to the user. */
    public static final class BadInputException extends Exception {
        private static final long serialVersionUID = 1L;

        BadInputException(String message) {
            super(message);
        }
    }

    /** A result file: its date and device (from the name {@code <date>-<device>-jmh.json}, else null and the name) and its points. */
    public record Source(Path file, String date, String device, List<Point> points, JsonNode first) {}

    /** One StepBench result; samplesPerSecond is positive and finite. */
    public record Point(String backend, String precision, int depth, int width, int batch, double samplesPerSecond) {}

    /** One panel: device is null when every file comes from the same device. */
    public record Panel(String device, String backend, String precision, int depth) {
        public String label() {
            String bp = precision.equals("fp32") && backend.equals("cpu") ? "cpu" : backend + " " + precision;
            return (device == null ? "" : device + ": ") + bp;
        }

        int rank() {
            return backend.equals("cpu")
                    ? 0
                    : switch (precision) {
                        case "fp32" -> 1;
                        case "tf32" -> 2;
                        case "bf16" -> 3;
                        default -> 4;
                    };
        }
    }

    static final Comparator<Panel> ORDER = Comparator.comparing((Panel p) -> p.device() == null ? "" : p.device())
            .thenComparingInt(Panel::rank)
            .thenComparing(Panel::backend)
            .thenComparing(Panel::precision)
            .thenComparingInt(Panel::depth);

    /** The sweep: for each panel, for each batch (ascending), samples/s by width (ascending). */
    public record Sweep(
            String title,
            String subtitle,
            Map<Panel, Map<Integer, TreeMap<Integer, Double>>> panels,
            List<String> notes) {}

    // --- reading -------------------------------------------------------------------------------------

    /** Reads one JMH JSON result file; its StepBench rows without a usable score are left out. */
    public static Source read(Path file) throws BadInputException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": no such file");
        } catch (JsonProcessingException e) {
            throw new BadInputException(file + ": not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new BadInputException(file
                    + ": not a JMH JSON result (expected a non-empty array of benchmark results, as -rf json writes)");
        }
        List<Point> points = new ArrayList<>();
        JsonNode first = null;
        for (JsonNode r : root) {
            if (!r.isObject()
                    || !r.path("benchmark").isTextual()
                    || !r.path("primaryMetric").isObject()) {
                throw new BadInputException(
                        file + ": not a JMH JSON result (an element without \"benchmark\" and \"primaryMetric\")");
            }
            if (!r.path("benchmark").asText().endsWith("." + BENCHMARK)) continue;
            if (first == null) first = r;
            Point p = point(file, r);
            if (p != null) points.add(p);
        }
        if (first == null) throw new BadInputException(file + ": no " + BENCHMARK + " results in this JMH file");
        Matcher m = FILE_NAME.matcher(file.getFileName().toString());
        String name = file.getFileName().toString().replaceFirst("(-jmh)?\\.json$", "");
        return m.matches()
                ? new Source(file, m.group(1), m.group(2), points, first)
                : new Source(file, null, name, points, first);
    }

    private static Point point(Path file, JsonNode r) throws BadInputException {
        JsonNode params = r.path("params");
        String backend = text(file, params, "backend", null);
        int width = integer(file, params, "width");
        int batch = integer(file, params, "batch");
        int depth = integer(file, params, "depth");
        boolean tf32 = Boolean.parseBoolean(text(file, params, "tf32", "false"));
        boolean bf16 = Boolean.parseBoolean(text(file, params, "bf16", "false"));
        String precision = bf16 ? (tf32 ? "bf16+tf32" : "bf16") : tf32 ? "tf32" : "fp32";
        double samples = Double.NaN;
        JsonNode counter = r.path("secondaryMetrics").path("samples");
        if (counter.isObject()) samples = perSecond(counter);
        if (!(samples > 0 && Double.isFinite(samples))) samples = perSecond(r.get("primaryMetric")) * batch;
        return samples > 0 && Double.isFinite(samples)
                ? new Point(backend, precision, depth, width, batch, samples)
                : null;
    }

    private static String text(Path file, JsonNode params, String key, String absent) throws BadInputException {
        JsonNode v = params.get(key);
        if (v == null || v.isNull()) {
            if (absent != null) return absent;
            throw new BadInputException(file + ": a " + BENCHMARK + " result without the parameter '" + key + "'");
        }
        return v.asText();
    }

    private static int integer(Path file, JsonNode params, String key) throws BadInputException {
        String s = text(file, params, key, null);
        try {
            int v = Integer.parseInt(s.trim());
            if (v > 0) return v;
        } catch (NumberFormatException e) {
            // below
        }
        throw new BadInputException(
                file + ": a " + BENCHMARK + " result with " + key + "='" + s + "', not a positive integer");
    }

    /** A JMH metric's score as operations per second, from its unit (ops/s, ops/ms, s/op, us/op ...); NaN when it has none. */
    static double perSecond(JsonNode metric) {
        JsonNode s = metric.path("score");
        double score = s.isNumber() ? s.doubleValue() : s.isTextual() ? parse(s.asText()) : Double.NaN;
        String unit = metric.path("scoreUnit").asText("ops/s");
        if (unit.startsWith("ops/")) {
            double t = seconds(unit.substring(4));
            return score / t;
        }
        if (unit.endsWith("/op")) {
            double t = seconds(unit.substring(0, unit.length() - 3));
            return 1 / (score * t);
        }
        return Double.NaN;
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Seconds in a JMH time unit. */
    private static double seconds(String unit) {
        return switch (unit) {
            case "ns" -> 1e-9;
            case "us" -> 1e-6;
            case "ms" -> 1e-3;
            case "s" -> 1;
            case "min" -> 60;
            case "hr" -> 3600;
            case "day" -> 86400;
            default -> Double.NaN;
        };
    }

    // --- aggregating -----------------------------------------------------------------------------------

    /** Groups the points of the files into panels; a point given twice keeps the later file's value, with a note. */
    public static Sweep aggregate(List<Source> sources) throws BadInputException {
        Set<String> devices = new LinkedHashSet<>();
        for (Source s : sources) devices.add(s.device());
        boolean perDevice = devices.size() > 1;
        Map<Panel, Map<Integer, TreeMap<Integer, Double>>> panels = new TreeMap<>(ORDER);
        Map<String, Path> seen = new TreeMap<>();
        List<String> notes = new ArrayList<>();
        int count = 0;
        for (Source s : sources) {
            for (Point p : s.points()) {
                Panel panel = new Panel(perDevice ? s.device() : null, p.backend(), p.precision(), p.depth());
                String key = panel + "/" + p.width() + "/" + p.batch();
                Path before = seen.put(key, s.file());
                if (before != null) {
                    notes.add(String.format(
                            Locale.ROOT,
                            "%s, width %d, batch %d is in %s and %s: %s's is plotted",
                            panel.label() + " depth " + p.depth(),
                            p.width(),
                            p.batch(),
                            before.getFileName(),
                            s.file().getFileName(),
                            s.file().getFileName()));
                }
                panels.computeIfAbsent(panel, k -> new TreeMap<>())
                        .computeIfAbsent(p.batch(), k -> new TreeMap<>())
                        .put(p.width(), p.samplesPerSecond());
                count++;
            }
        }
        if (count == 0) {
            throw new BadInputException("no " + BENCHMARK + " result with a positive score in "
                    + String.join(
                            ", ", sources.stream().map(s -> s.file().toString()).toList()));
        }
        Set<String> where = new LinkedHashSet<>();
        for (Source s : sources) where.add(s.device() + (s.date() == null ? "" : ", " + s.date()));
        String title = "jbackprop training step: samples/s against width and batch — " + String.join("; ", where);
        return new Sweep(title, subtitle(sources.get(0).first()), panels, notes);
    }

    /** JMH's settings of the (first file's) run, for the record; no line breaks inside "3 × 2 s" (no-break spaces). */
    private static String subtitle(JsonNode r) {
        return String.format(
                Locale.ROOT,
                "StepBench: one training step (gather, forward, loss, backward, update) of [784, w × depth, 10] ReLU; "
                        + "samples/s = steps/s × batch; JMH %s, %s fork(s), warm-up %s\u00a0×\u00a0%s, measured %s\u00a0×\u00a0%s (mean); Java %s",
                r.path("jmhVersion").asText("?"),
                r.path("forks").asText("?"),
                r.path("warmupIterations").asText("?"),
                nbsp(r.path("warmupTime").asText("?")),
                r.path("measurementIterations").asText("?"),
                nbsp(r.path("measurementTime").asText("?")),
                r.path("jdkVersion").asText("?"));
    }

    private static String nbsp(String s) {
        return s.replace(' ', '\u00a0');
    }

    // --- drawing -----------------------------------------------------------------------------------------

    /** Pixels of one panel and of the title band above the grid. */
    public static final int PANEL_WIDTH = 620, PANEL_HEIGHT = 440, HEADER_HEIGHT = 88;

    /** Columns (backend + precision, per device) × rows (depths) of the grid. */
    public static int[] grid(Sweep sweep) {
        Set<Panel> columns = new TreeSet<>(ORDER);
        Set<Integer> depths = new TreeSet<>();
        for (Panel p : sweep.panels().keySet()) {
            columns.add(new Panel(p.device(), p.backend(), p.precision(), 0));
            depths.add(p.depth());
        }
        return new int[] {columns.size(), depths.size()};
    }

    /** Writes the PNG: {@link #grid} columns × rows of {@link #PANEL_WIDTH} × {@link #PANEL_HEIGHT}, below a title band. */
    public static void write(Sweep sweep, Path png) throws IOException {
        try {
            SweepDrawer.draw(sweep, png);
        } catch (LinkageError
                | UnsupportedOperationException e) { // HeadlessException is an UnsupportedOperationException
            throw new IOException(
                    "plotting needs the java.desktop module, which this Java runtime lacks (" + e + "); "
                            + "make the plot on a machine with a full JDK from the JSON file",
                    e);
        }
    }

    // --- command line ------------------------------------------------------------------------------------

    static final String USAGE =
            "usage: SweepPlot RESULT-jmh.json... [-o OUT.png]   (one file: OUT defaults to RESULT-sweep.png beside it)";

    public static void main(String[] args) {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        System.exit(run(args, System.out, System.err));
    }

    /** The command: 0 on success, 1 for bad input or a failed write, 2 for a bad command line. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<Path> files = new ArrayList<>();
        Path png = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-o") || a.equals("--output")) {
                if (i + 1 >= args.length) {
                    err.println("sweep-plot: " + a + " needs a file name; " + USAGE);
                    return 2;
                }
                png = Path.of(args[++i]);
            } else if (a.equals("-h") || a.equals("--help")) {
                out.println(USAGE);
                return 0;
            } else if (a.startsWith("-") && a.length() > 1) {
                err.println("sweep-plot: unknown option " + a + "; " + USAGE);
                return 2;
            } else {
                files.add(Path.of(a));
            }
        }
        if (files.isEmpty()) {
            err.println("sweep-plot: no result file given; " + USAGE);
            return 2;
        }
        if (png == null) {
            if (files.size() > 1) {
                err.println("sweep-plot: with several files, name the PNG with -o; " + USAGE);
                return 2;
            }
            Path f = files.get(0).toAbsolutePath();
            png = f.resolveSibling(f.getFileName().toString().replaceFirst("(-jmh)?\\.json$", "") + "-sweep.png");
        }
        try {
            List<Source> sources = new ArrayList<>();
            for (Path f : files) sources.add(read(f));
            Sweep sweep = aggregate(sources);
            for (String n : sweep.notes()) err.println("sweep-plot: note: " + n);
            write(sweep, png);
            int[] g = grid(sweep);
            out.println("sweep-plot: " + png + " (" + g[0] + " × " + g[1] + " panels)");
            return 0;
        } catch (BadInputException e) {
            err.println("sweep-plot: " + e.getMessage());
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println("sweep-plot: cannot write " + png + ": " + e.getMessage());
            return 1;
        }
    }
}
