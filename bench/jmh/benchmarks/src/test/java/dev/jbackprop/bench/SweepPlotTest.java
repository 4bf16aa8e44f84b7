package dev.jbackprop.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SweepPlot on small JMH JSON files written here: the samples/s it aggregates, the PNG it writes, and its one-line errors. */
class SweepPlotTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = SweepPlot.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** One JMH result row as -rf json writes it (the fields SweepPlot reads, and a few it does not). */
    static String row(String benchmark, String params, String score, String unit, String samples) {
        String secondary = samples == null
                ? "{}"
                : "{\"samples\": {\"score\": " + samples + ", \"scoreError\": \"NaN\", \"scoreUnit\": \"ops/s\"}}";
        return "{\"jmhVersion\": \"1.37\", \"benchmark\": \"dev.jbackprop.bench." + benchmark
                + "\", \"mode\": \"thrpt\", \"threads\": 1, \"forks\": 1,"
                + " \"jdkVersion\": \"17.0.15\", \"warmupIterations\": 1, \"warmupTime\": \"1 s\", \"measurementIterations\": 2, \"measurementTime\": \"1 s\","
                + " \"params\": {" + params + "},"
                + " \"primaryMetric\": {\"score\": " + score + ", \"scoreError\": \"NaN\", \"scoreUnit\": \"" + unit
                + "\", \"rawData\": [[1.0, 2.0]]},"
                + " \"secondaryMetrics\": " + secondary + "}";
    }

    static String step(String backend, boolean tf32, Boolean bf16, int depth, int width, int batch) {
        return String.format(
                Locale.ROOT,
                "\"backend\": \"%s\", \"tf32\": \"%s\",%s \"width\": \"%d\", \"batch\": \"%d\", \"depth\": \"%d\"",
                backend,
                tf32,
                bf16 == null ? "" : " \"bf16\": \"" + bf16 + "\",",
                width,
                batch,
                depth);
    }

    Path file(String name, String... rows) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, "[\n" + String.join(",\n", rows) + "\n]\n");
        return f;
    }

    /** A sweep with every case: the counter, steps/s × batch, other units, precisions, depths, unusable scores and other benchmarks. */
    Path sweep() throws Exception {
        List<String> rows = new ArrayList<>();
        // cpu, depth 1: the samples counter is read as it is (here deliberately not steps/s × batch, to tell which is
        // used)
        rows.add(row("StepBench.step", step("cpu", false, null, 1, 64, 32), "100.0", "ops/s", "3300.0"));
        rows.add(row("StepBench.step", step("cpu", false, null, 1, 256, 32), "50.0", "ops/s", "1600.0"));
        rows.add(row("StepBench.step", step("cpu", false, null, 1, 64, 128), "40.0", "ops/s", "5120.0"));
        // cpu, depth 1, width 256, batch 128: no counter, steps/s × batch
        rows.add(row("StepBench.step", step("cpu", false, null, 1, 256, 128), "20.0", "ops/s", null));
        // cpu, depth 2: the primary score in other units (ops/ms; ms/op), no counter
        rows.add(row("StepBench.step", step("cpu", false, null, 2, 64, 32), "0.5", "ops/ms", null));
        rows.add(row("StepBench.step", step("cpu", false, null, 2, 256, 32), "4.0", "ms/op", null));
        // cuda fp32, tf32 (bf16 false), bf16
        rows.add(row("StepBench.step", step("cuda", false, false, 1, 64, 32), "1000.0", "ops/s", "32000.0"));
        rows.add(row("StepBench.step", step("cuda", true, false, 1, 64, 32), "2000.0", "ops/s", "64000.0"));
        rows.add(row("StepBench.step", step("cuda", false, true, 1, 64, 32), "3000.0", "ops/s", null));
        // unusable scores: left out, not drawn as zero
        rows.add(row("StepBench.step", step("cuda", false, false, 1, 256, 32), "\"NaN\"", "ops/s", "\"NaN\""));
        rows.add(row("StepBench.step", step("cuda", false, false, 1, 1024, 32), "0.0", "ops/s", "0.0"));
        // other benchmarks are not read
        rows.add(row("KernelBench.copy", "\"backend\": \"cpu\", \"mebibytes\": \"256\"", "7.0", "ops/s", null));
        return file("2026-01-02-testdev-jmh.json", rows.toArray(String[]::new));
    }

    static Map<Integer, Map<Integer, Double>> lines(SweepPlot.Sweep s, String backend, String precision, int depth) {
        var p = s.panels().get(new SweepPlot.Panel(null, backend, precision, depth));
        assertNotNull(
                p,
                backend + " " + precision + " depth " + depth + ": no panel; panels "
                        + s.panels().keySet());
        Map<Integer, Map<Integer, Double>> copy = new TreeMap<>();
        p.forEach((batch, byWidth) -> copy.put(batch, new TreeMap<>(byWidth)));
        return copy;
    }

    @Test
    void aggregatesSamplesPerSecondPerBackendWidthAndBatch() throws Exception {
        SweepPlot.Sweep s = SweepPlot.aggregate(List.of(SweepPlot.read(sweep())));
        assertEquals(5, s.panels().size(), s.panels().keySet().toString());
        assertEquals(
                Map.of(32, Map.of(64, 3300.0, 256, 1600.0), 128, Map.of(64, 5120.0, 256, 20.0 * 128)),
                lines(s, "cpu", "fp32", 1));
        assertEquals(Map.of(32, Map.of(64, 500.0 * 32, 256, 250.0 * 32)), lines(s, "cpu", "fp32", 2));
        assertEquals(
                Map.of(32, Map.of(64, 32000.0)), lines(s, "cuda", "fp32", 1)); // widths 256 (NaN) and 1024 (0) left out
        assertEquals(Map.of(32, Map.of(64, 64000.0)), lines(s, "cuda", "tf32", 1));
        assertEquals(Map.of(32, Map.of(64, 3000.0 * 32)), lines(s, "cuda", "bf16", 1));
        // panels in order: cpu, cuda fp32, tf32, bf16; depths ascending
        assertEquals(
                List.of("cpu 1", "cpu 2", "cuda fp32 1", "cuda tf32 1", "cuda bf16 1"),
                s.panels().keySet().stream()
                        .map(p -> p.label() + " " + p.depth())
                        .toList());
        assertTrue(s.title().contains("testdev, 2026-01-02"), s.title());
        assertTrue(s.notes().isEmpty(), s.notes().toString());
        assertEquals(4, SweepPlot.grid(s)[0]);
        assertEquals(2, SweepPlot.grid(s)[1]);
    }

    @Test
    void writesAPngOfTheGridBesideTheJson() throws Exception {
        Path json = sweep();
        Run r = run(json.toString());
        assertEquals(0, r.code(), r.err());
        Path png = dir.resolve("2026-01-02-testdev-sweep.png");
        assertTrue(r.out().contains(png.getFileName().toString()), r.out());
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not a PNG ImageIO can read");
        assertEquals(4 * SweepPlot.PANEL_WIDTH, image.getWidth()); // cpu, cuda fp32, tf32, bf16
        assertEquals(SweepPlot.HEADER_HEIGHT + 2 * SweepPlot.PANEL_HEIGHT, image.getHeight()); // depths 1, 2
        try (var files = Files.list(dir)) {
            assertEquals(
                    List.of(),
                    files.filter(f -> f.getFileName().toString().endsWith(".tmp"))
                            .toList());
        }
    }

    @Test
    void severalDevicesGetTheirOwnPanelsAndARepeatedPointKeepsTheLaterFile() throws Exception {
        Path a = file(
                "2026-01-02-cpu-2c-jmh.json",
                row("StepBench.step", step("cpu", false, null, 1, 64, 32), "10.0", "ops/s", "320.0"));
        Path b = file(
                "2026-01-03-cpu-2c-jmh.json",
                row("StepBench.step", step("cpu", false, null, 1, 64, 32), "20.0", "ops/s", "640.0"));
        Path c = file(
                "2026-01-03-h100-jmh.json",
                row("StepBench.step", step("cpu", false, null, 1, 64, 32), "30.0", "ops/s", "960.0"));
        SweepPlot.Sweep same = SweepPlot.aggregate(List.of(SweepPlot.read(a), SweepPlot.read(b)));
        assertEquals(Map.of(32, Map.of(64, 640.0)), lines(same, "cpu", "fp32", 1));
        assertEquals(1, same.notes().size(), same.notes().toString());
        SweepPlot.Sweep two = SweepPlot.aggregate(List.of(SweepPlot.read(a), SweepPlot.read(c)));
        assertEquals(
                List.of("cpu-2c: cpu", "h100: cpu"),
                two.panels().keySet().stream().map(SweepPlot.Panel::label).toList());
        Path png = dir.resolve("two.png");
        Run r = run(a.toString(), c.toString(), "-o", png.toString());
        assertEquals(0, r.code(), r.err());
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(2 * SweepPlot.PANEL_WIDTH, image.getWidth());
        assertEquals(SweepPlot.HEADER_HEIGHT + SweepPlot.PANEL_HEIGHT, image.getHeight());
    }

    /** Bad input: exit status 1 (2 for the command line), one line on stderr, no stack trace, no PNG. */
    @Test
    void badInputIsOneLine() throws Exception {
        Path notJson = dir.resolve("a-jmh.json");
        Files.writeString(notJson, "# Run complete. Total time: 00:01:02\n");
        Path object = dir.resolve("b-jmh.json");
        Files.writeString(object, "{\"benchmark\": \"x\"}");
        Path empty = dir.resolve("c-jmh.json");
        Files.writeString(empty, "[]");
        Path kernels = file(
                "d-jmh.json",
                row("KernelBench.copy", "\"backend\": \"cpu\", \"mebibytes\": \"256\"", "7.0", "ops/s", null));
        Path noScore = file(
                "e-jmh.json", row("StepBench.step", step("cuda", false, null, 1, 64, 32), "\"NaN\"", "ops/s", null));
        Path noWidth = file(
                "f-jmh.json",
                row(
                        "StepBench.step",
                        "\"backend\": \"cpu\", \"batch\": \"32\", \"depth\": \"1\"",
                        "1.0",
                        "ops/s",
                        null));
        Object[][] cases = {
            {dir.resolve("missing-jmh.json"), "no such file"},
            {notJson, "not JSON"},
            {object, "not a JMH JSON result"},
            {empty, "not a JMH JSON result"},
            {kernels, "no StepBench.step results"},
            {noScore, "no StepBench.step result with a positive score"},
            {noWidth, "without the parameter 'width'"},
        };
        for (Object[] c : cases) {
            Run r = run(c[0].toString());
            assertEquals(1, r.code(), c[0] + ": " + r.err());
            assertOneLine(r.err(), (String) c[1]);
        }
        assertOneLine(run().err(), "no result file given");
        assertEquals(2, run().code());
        assertEquals(2, run(notJson.toString(), empty.toString()).code()); // several files and no -o
        assertEquals(2, run("--width", "3").code());
        try (var files = Files.list(dir)) {
            assertEquals(
                    List.of(), files.filter(f -> f.toString().endsWith(".png")).toList());
        }
    }

    static void assertOneLine(String err, String expected) {
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("sweep-plot: ") && err.contains(expected), "expected '" + expected + "' in: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    }
}
