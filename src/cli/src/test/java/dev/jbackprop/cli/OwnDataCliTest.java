package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbackprop.data.NpzFiles;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.io.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training, evaluating and predicting on data the tests write as a user would bring it: a CSV with a header and
 * string labels, a regression CSV, a multi-output npz, IDX sets with 3 classes; the model file's metadata; metrics.csv
 * with validation; predictions as CSV and .npy.
 */
class OwnDataCliTest {
    @TempDir
    static Path root;

    static Path flowers, flowersTest, flowersFeatures, regression, multi, flowersRun, regressionRun;
    static Cli.Result flowersTrain, regressionTrain;
    static final String[] SPECIES = {"setosa", "versi, color", "virginica"}; // a comma: quoted in the CSV

    static final String[] CPU = {"--backend", "cpu", "--threads", "2"};

    static String[] args(String... a) {
        List<String> l = new ArrayList<>(Arrays.asList(a));
        l.addAll(Arrays.asList(CPU));
        if (a[0].equals("train")) l.add("--no-progress");
        return l.toArray(String[]::new);
    }

    static Cli.Result ok(String... a) {
        Cli.Result r = Cli.run(a);
        assertEquals(0, r.code(), () -> String.join(" ", a) + "\n" + r);
        return r;
    }

    /** Three separable classes in four features (means 10 apart, so standardising matters). */
    static void writeFlowers(Path file, int n, long seed, boolean label) throws IOException {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder(
                        "sepal_length,sepal_width,petal_length,petal_width" + (label ? ",species" : ""))
                .append('\n');
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(3);
            for (int k = 0; k < 4; k++) {
                b.append(k == 0 ? "" : ",")
                        .append(String.format(Locale.ROOT, "%.3f", 50 + 10 * k + 3 * c + r.nextGaussian()));
            }
            if (label) b.append(",\"").append(SPECIES[c]).append('"');
            b.append('\n');
        }
        Files.writeString(file, b);
    }

    @BeforeAll
    static void data() throws IOException {
        flowers = root.resolve("flowers.csv");
        flowersTest = root.resolve("flowers_test.csv");
        flowersFeatures = root.resolve("flowers_features.csv");
        writeFlowers(flowers, 300, 1, true);
        writeFlowers(flowersTest, 90, 2, true);
        writeFlowers(flowersFeatures, 90, 2, false); // the same rows without the label column
        regression = root.resolve("regression.csv");
        Random r = new Random(3);
        StringBuilder b = new StringBuilder("a,b,target\n");
        for (int i = 0; i < 500; i++) {
            double x1 = r.nextDouble() * 4 - 2, x2 = r.nextDouble() * 4 - 2;
            b.append(String.format(
                    Locale.ROOT, "%.4f,%.4f,%.4f%n", x1, x2, 2 * x1 - x2 + 0.5 + 0.01 * r.nextGaussian()));
        }
        Files.writeString(regression, b);
        multi = root.resolve("multi.npz");
        int n = 400;
        float[] x = new float[3 * n], y = new float[2 * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) x[3 * i + k] = (float) (r.nextDouble() * 2 - 1);
            y[2 * i] = x[3 * i] + x[3 * i + 1];
            y[2 * i + 1] = x[3 * i + 2] - 0.5f * x[3 * i];
        }
        NpzFiles.npz(multi, false, NpzFiles.arrays("x", NpzFiles.float32(x, n, 3), "y", NpzFiles.float32(y, n, 2)));

        flowersRun = root.resolve("flowers-run");
        flowersTrain = Cli.run(args(
                "train",
                "--train",
                flowers.toString(),
                "--test",
                flowersTest.toString(),
                "--hidden",
                "8",
                "--epochs",
                "12",
                "--batch",
                "16",
                "--out",
                flowersRun.toString()));
        regressionRun = root.resolve("regression-run");
        regressionTrain = Cli.run(args(
                "train",
                "--train",
                regression.toString(),
                "--test-split",
                "0.2",
                "--validation-split",
                "0.25",
                "--hidden",
                "16",
                "--eta",
                "0.02",
                "--epochs",
                "25",
                "--batch",
                "16",
                "--out",
                regressionRun.toString()));
    }

    static List<String[]> rows(Path csv) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String l : Files.readAllLines(csv)) out.add(l.split(",", -1));
        return out;
    }

    @Test
    void aCsvWithAHeaderAndStringLabelsTrains() throws IOException {
        assertEquals(0, flowersTrain.code(), flowersTrain::toString);
        assertTrue(flowersTrain.out().contains("[4,8,3] [relu, softmax] cross-entropy"), flowersTrain::toString);
        assertTrue(
                flowersTrain
                        .out()
                        .contains(
                                "300 training samples (0 validation, 90 test), 3 classes, " + "normalisation standard"),
                flowersTrain::toString);
        JsonNode c =
                new ObjectMapper().readTree(flowersRun.resolve("config.json").toFile());
        assertEquals(flowers.toAbsolutePath().toString(), c.get("train").asText());
        assertEquals(flowersTest.toAbsolutePath().toString(), c.get("test").asText());
        assertTrue(c.get("data").isNull());
        assertEquals("classification", c.get("task").asText());
        assertEquals("standard", c.get("normalize").asText());
        assertEquals("[4,8,3]", c.get("layers").toString());
        List<String[]> m = rows(flowersRun.resolve("metrics.csv"));
        assertEquals(RunOutput.METRICS_HEADER, String.join(",", m.get(0)));
        String[] last = m.get(12);
        assertTrue(Double.parseDouble(last[7]) >= 0.9, "test accuracy on separable classes: " + String.join(",", last));

        Map<String, String> meta = SafeTensors.readMetadata(flowersRun.resolve("model.safetensors"));
        JsonNode schema = new ObjectMapper().readTree(meta.get(ModelFile.DATA_KEY));
        assertEquals(
                "[\"setosa\",\"versi, color\",\"virginica\"]",
                schema.get("class_names").toString(),
                "sorted");
        assertEquals(
                "[\"sepal_length\",\"sepal_width\",\"petal_length\",\"petal_width\"]",
                schema.get("feature_names").toString());
        assertEquals("[\"species\"]", schema.get("target_names").toString());
        JsonNode norm = new ObjectMapper().readTree(meta.get(ModelFile.NORMALIZATION_KEY));
        assertEquals("standard", norm.get("kind").asText());
        double mean0 = norm.get("shift").get(0).asDouble(),
                mean3 = norm.get("shift").get(3).asDouble();
        assertTrue(Math.abs(mean0 - 53) < 1 && Math.abs(mean3 - 83) < 1, norm.toString());
        assertEquals("{\"epochs\":12,\"steps\":228}", meta.get(ModelFile.TRAINED_KEY), "19 steps an epoch");
    }

    @Test
    void evalNeedsOnlyTheModelAndTheTestFile() throws IOException {
        assertEquals(0, flowersTrain.code(), flowersTrain::toString);
        Cli.Result r = ok(args(
                "eval",
                "--model",
                flowersRun.resolve("model.safetensors").toString(),
                "--test",
                flowersTest.toString()));
        String o = r.out();
        assertTrue(o.contains("classification, 3 classes; trained 12 epochs (228 steps); normalisation standard"), o);
        Matcher acc = Pattern.compile("test accuracy ([0-9.]+)% \\(90 samples\\), mean cost ([0-9.]+)")
                .matcher(o);
        assertTrue(acc.find(), o);
        String[] last = rows(flowersRun.resolve("metrics.csv")).get(12);
        assertEquals(String.format(Locale.ROOT, "%.2f", 100 * Double.parseDouble(last[7])), acc.group(1));
        assertEquals(Double.parseDouble(last[6]), Double.parseDouble(acc.group(2)), 1e-5, "the test loss of the run");
        // the confusion matrix: three rows named by class, their counts summing to the 90 samples
        List<String> lines = o.lines().toList();
        int at = lines.indexOf("confusion matrix (rows: true class, columns: predicted class)");
        assertTrue(at >= 0, o);
        long total = 0, diagonal = 0;
        for (int t = 0; t < 3; t++) {
            String line = lines.get(at + 2 + t);
            assertTrue(line.startsWith(SPECIES[t].length() > 12 ? SPECIES[t].substring(0, 11) : SPECIES[t]), line);
            String[] cells = line.substring(12).trim().split("\\s+");
            assertEquals(3, cells.length, line);
            for (int p = 0; p < 3; p++) {
                total += Long.parseLong(cells[p]);
                if (p == t) diagonal += Long.parseLong(cells[p]);
            }
        }
        assertEquals(90, total);
        assertEquals(Double.parseDouble(acc.group(1)), 100.0 * diagonal / 90, 0.006, "accuracy = the diagonal");
        assertTrue(lines.stream().anyMatch(l -> l.matches("versi, color\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+\\d+")), o);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("macro avg") && l.endsWith(" 90")), o);
    }

    @Test
    void predictWritesClassNamesAndProbabilitiesAsCsvAndNpy() throws IOException {
        assertEquals(0, flowersTrain.code(), flowersTrain::toString);
        String model = flowersRun.resolve("model.safetensors").toString();
        Path withLabels = root.resolve("p1.csv"), without = root.resolve("p2.csv"), npy = root.resolve("p.npy");
        Cli.Result r = ok(args(
                "predict",
                "--model",
                model,
                "--input",
                flowersTest.toString(),
                "--output",
                withLabels.toString(),
                "--batch",
                "7"));
        assertTrue(r.out().startsWith("predicted 90 rows of " + flowersTest), r::toString);
        ok(args("predict", "--model", model, "--input", flowersFeatures.toString(), "--output", without.toString()));
        assertArrayEquals(Files.readAllBytes(withLabels), Files.readAllBytes(without), "the label column is ignored");
        List<String> lines = Files.readAllLines(withLabels);
        assertEquals("row,prediction,p_setosa,\"p_versi, color\",p_virginica", lines.get(0));
        assertEquals(91, lines.size());
        ok(args("predict", "--model", model, "--input", flowersTest.toString(), "--output", npy.toString()));
        float[][] probs = readNpy(npy, 90, 3);
        int right = 0;
        List<String> truth = Files.readAllLines(flowersTest);
        for (int i = 0; i < 90; i++) {
            String line = lines.get(i + 1);
            String[] head = line.split(",", 2);
            assertEquals(Integer.toString(i), head[0]);
            String rest = head[1];
            String name = rest.startsWith("\"")
                    ? rest.substring(1, rest.indexOf('"', 1))
                    : rest.substring(0, rest.indexOf(','));
            String[] p = rest.substring(rest.lastIndexOf(name) + name.length() + (rest.startsWith("\"") ? 2 : 1))
                    .split(",");
            assertEquals(3, p.length, line);
            double sum = 0;
            int best = 0;
            for (int k = 0; k < 3; k++) {
                float v = Float.parseFloat(p[k]);
                assertEquals(probs[i][k], v, "the .npy holds the same probabilities");
                sum += v;
                if (v > Float.parseFloat(p[best])) best = k;
            }
            assertEquals(1, sum, 1e-5);
            assertEquals(SPECIES[best], name, "prediction = the most probable class");
            if (truth.get(i + 1).endsWith("\"" + name + "\"")) right++;
        }
        assertTrue(right >= 81, right + " of 90 right");
        // an existing output is not replaced without --force, and stays as it was
        byte[] before = Files.readAllBytes(npy);
        Cli.Result refused = Cli.run(
                args("predict", "--model", model, "--input", flowersTest.toString(), "--output", npy.toString()));
        assertEquals(1, refused.code(), refused::toString);
        assertTrue(
                refused.errLines().get(0).contains("exists; choose another name, or add --force"), refused::toString);
        assertArrayEquals(before, Files.readAllBytes(npy));
        assertEquals(
                2,
                Cli.run(args(
                                "predict",
                                "--model",
                                model,
                                "--input",
                                flowersTest.toString(),
                                "--output",
                                root.resolve("p.txt").toString()))
                        .code());
    }

    /** numpy's .npy: magic, version 1.0, a header dict whose length makes the data start at a multiple of 64. */
    static float[][] readNpy(Path file, int rows, int cols) throws IOException {
        byte[] b = Files.readAllBytes(file);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        int len = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        String header = new String(b, 10, len, StandardCharsets.US_ASCII);
        assertEquals(0, (10 + len) % 64, "the data starts 64-byte aligned");
        assertTrue(
                header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }"),
                header);
        assertTrue(header.endsWith("\n"));
        assertEquals(10 + len + 4L * rows * cols, b.length);
        ByteBuffer d = ByteBuffer.wrap(b, 10 + len, 4 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
        float[][] out = new float[rows][cols];
        for (float[] row : out) for (int k = 0; k < cols; k++) row[k] = d.getFloat();
        return out;
    }

    @Test
    void regressionReportsR2AndChoosesTheBestEpochOnValidation() throws IOException {
        assertEquals(0, regressionTrain.code(), regressionTrain::toString);
        String o = regressionTrain.out();
        assertTrue(o.contains("[2,16,1] [relu, identity] quadratic"), o);
        assertTrue(o.contains("1 regression target, normalisation standard"), o);
        assertTrue(o.contains("300 training samples (100 validation, 100 test)"), o);
        assertTrue(o.contains("best validation R² "), o);
        List<String[]> m = rows(regressionRun.resolve("metrics.csv"));
        assertEquals(RunOutput.REGRESSION_HEADER, String.join(",", m.get(0)));
        assertEquals(26, m.size());
        String[] last = m.get(25);
        for (int k : new int[] {3, 4, 5, 6, 7}) assertFalse(last[k].isEmpty(), String.join(",", last));
        double testR2 = Double.parseDouble(last[7]);
        assertTrue(testR2 > 0.97, "a linear target: " + String.join(",", last));
        // the best epoch is the one with the lowest validation loss, and the summary gives its test R²
        int best = 1;
        for (int e = 1; e <= 25; e++)
            if (Double.parseDouble(m.get(e)[4]) < Double.parseDouble(m.get(best)[4])) best = e;
        assertTrue(
                o.contains("(epoch " + best + "; test R² then "
                        + String.format(Locale.ROOT, "%.4f", Double.parseDouble(m.get(best)[7])) + ")"),
                o);

        Cli.Result ev = ok(args(
                "eval",
                "--model",
                regressionRun.resolve("model.safetensors").toString(),
                "--test",
                regression.toString()));
        Matcher mm = Pattern.compile(
                        "MSE ([0-9.e-]+)  MAE ([0-9.e-]+)  R² ([0-9.]+) \\(500 samples\\), mean cost ([0-9.e-]+)")
                .matcher(ev.out());
        assertTrue(mm.find(), ev::toString);
        double mse = Double.parseDouble(mm.group(1)), mae = Double.parseDouble(mm.group(2));
        assertEquals(mse, 2 * Double.parseDouble(mm.group(4)), 1e-4 * mse, "MSE = 2 × the quadratic cost (one output)");
        assertTrue(mae <= Math.sqrt(mse) + 1e-9 && Double.parseDouble(mm.group(3)) > 0.97, ev::toString);

        Path pred = root.resolve("regression-predictions.csv");
        ok(args(
                "predict",
                "--model",
                regressionRun.resolve("model.safetensors").toString(),
                "--input",
                regression.toString(),
                "--output",
                pred.toString()));
        List<String> lines = Files.readAllLines(pred);
        assertEquals("row,target", lines.get(0));
        assertEquals(501, lines.size());
        String[] first = Files.readAllLines(regression).get(1).split(",");
        assertEquals(
                Double.parseDouble(first[2]), Double.parseDouble(lines.get(1).split(",")[1]), 0.3);
    }

    @Test
    void multiOutputRegressionFromNpz() {
        Path run = root.resolve("multi-run");
        Cli.Result t = ok(args(
                "train",
                "--train",
                multi.toString(),
                "--test-split",
                "0.25",
                "--hidden",
                "12",
                "--epochs",
                "30",
                "--eta",
                "0.02",
                "--batch",
                "16",
                "--out",
                run.toString()));
        assertTrue(t.out().contains("[3,12,2] [relu, identity] quadratic"), t::toString);
        assertTrue(t.out().contains("2 regression targets"), t::toString);
        Cli.Result e =
                ok(args("eval", "--model", run.resolve("model.safetensors").toString(), "--test", multi.toString()));
        assertTrue(e.out().contains("regression, 2 targets"), e::toString);
        assertTrue(
                e.out().lines().anyMatch(l -> l.startsWith("y0 "))
                        && e.out().lines().anyMatch(l -> l.startsWith("y1 ")),
                e::toString);
        Matcher r2 = Pattern.compile("R² ([0-9.]+) \\(400 samples\\)").matcher(e.out());
        assertTrue(r2.find() && Double.parseDouble(r2.group(1)) > 0.95, e::toString);
    }

    /** IDX data with labels 0..2 has 3 classes; --classes widens them; --layers must match the data. */
    @Test
    void idxDataHasAsManyClassesAsItsLabels() throws IOException {
        Path idx = TinyData.write(root.resolve("idx"), 150, 60, 9);
        Cli.Result three = ok(args(
                "train",
                "--data",
                idx.toString(),
                "--hidden",
                "10",
                "--epochs",
                "2",
                "--out",
                root.resolve("idx3").toString()));
        assertTrue(
                three.out().contains("[16,10,3] [relu, softmax]") && three.out().contains("3 classes"),
                three::toString);
        Cli.Result five = ok(args(
                "train",
                "--data",
                idx.toString(),
                "--classes",
                "5",
                "--hidden",
                "10",
                "--epochs",
                "1",
                "--out",
                root.resolve("idx5").toString()));
        assertTrue(five.out().contains("[16,10,5]"), five::toString);
        Cli.Result wrong = Cli.run(args(
                "train",
                "--data",
                idx.toString(),
                "--layers",
                "16,10,10",
                "--out",
                root.resolve("idx-wrong").toString()));
        assertEquals(2, wrong.code(), wrong::toString);
        assertEquals(1, wrong.errLines().size(), wrong::toString);
        assertTrue(
                wrong.errLines().get(0).contains("--layers ends with 10 outputs but the data has 3 classes")
                        && wrong.errLines().get(0).contains("--layers must be 16,…,3"),
                wrong::toString);
        assertFalse(Files.exists(root.resolve("idx-wrong")), "nothing written");
        Cli.Result eval = ok(
                args("eval", "--model", root.resolve("idx3/model.safetensors").toString(), "--data", idx.toString()));
        assertTrue(eval.out().contains("test accuracy") && eval.out().contains("(60 samples)"), eval::toString);
        Path out = root.resolve("idx-predictions.csv");
        ok(args(
                "predict",
                "--model",
                root.resolve("idx3/model.safetensors").toString(),
                "--input",
                idx.resolve(TinyData.TEST_IMAGES).toString(),
                "--output",
                out.toString()));
        List<String> lines = Files.readAllLines(out);
        assertEquals("row,prediction,p_0,p_1,p_2", lines.get(0));
        assertEquals(61, lines.size(), "an IDX image file in, one row per image out");
    }

    /**
     * IDX data written as CSV (label first, pixels 0..255, no header) trains as from IDX: its default normalisation is
     * minmax (pixels to [0, 1]), and both reach the same accuracy on this easy data.
     */
    @Test
    void idxDataWrittenAsCsvTrainsAsFromIdx() throws IOException {
        Path idx = TinyData.write(root.resolve("idx-csv"), 300, 100, 11);
        Path train = root.resolve("tiny_train.csv"), test = root.resolve("tiny_test.csv");
        for (String[] f : new String[][] {
            {TinyData.TRAIN_IMAGES, TinyData.TRAIN_LABELS, train.toString()},
            {TinyData.TEST_IMAGES, TinyData.TEST_LABELS, test.toString()}
        }) {
            byte[] im = Files.readAllBytes(idx.resolve(f[0])), lb = Files.readAllBytes(idx.resolve(f[1]));
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < lb.length - 8; i++) {
                b.append(lb[8 + i]);
                for (int k = 0; k < 16; k++) b.append(',').append(im[16 + 16 * i + k] & 0xff);
                b.append('\n');
            }
            Files.writeString(Path.of(f[2]), b);
        }
        Cli.Result fromIdx = ok(args(
                "train",
                "--data",
                idx.toString(),
                "--hidden",
                "12",
                "--epochs",
                "4",
                "--out",
                root.resolve("tiny-idx").toString()));
        Cli.Result fromCsv = ok(args(
                "train",
                "--train",
                train.toString(),
                "--test",
                test.toString(),
                "--label-column",
                "0",
                "--hidden",
                "12",
                "--epochs",
                "4",
                "--out",
                root.resolve("tiny-csv").toString()));
        assertTrue(fromCsv.out().contains("3 classes, normalisation minmax"), fromCsv::toString);
        double a = Double.parseDouble(rows(root.resolve("tiny-idx/metrics.csv")).get(4)[7]);
        double b = Double.parseDouble(rows(root.resolve("tiny-csv/metrics.csv")).get(4)[7]);
        assertTrue(a >= 0.8 && b >= 0.8 && Math.abs(a - b) <= 0.05, "IDX " + a + ", CSV " + b);
        assertTrue(fromIdx.out().contains("normalisation none"), fromIdx::toString);
        Path pred = root.resolve("tiny-csv-predictions.csv");
        ok(args(
                "predict",
                "--model",
                root.resolve("tiny-csv/model.safetensors").toString(),
                "--input",
                test.toString(),
                "--output",
                pred.toString()));
        assertEquals(101, Files.readAllLines(pred).size(), "the label column 0 remembered from training");
    }

    /** A validation split of tiny IDX data: the summary chooses on it and names the test accuracy then. */
    @Test
    void theBestEpochIsChosenOnValidation() throws IOException {
        Path idx = TinyData.write(root.resolve("idx-v"), 200, 60, 4);
        Path run = root.resolve("idx-val");
        Cli.Result r = ok(args(
                "train",
                "--data",
                idx.toString(),
                "--hidden",
                "10",
                "--epochs",
                "3",
                "--validation-split",
                "0.25",
                "--monitor",
                "accuracy",
                "--out",
                run.toString()));
        assertTrue(r.out().contains("150 training images (50 validation, 60 test)"), r::toString);
        Matcher m = Pattern.compile(
                        "best validation accuracy ([0-9.]+)% \\(epoch (\\d); test accuracy then ([0-9.]+)%\\)")
                .matcher(r.out());
        assertTrue(m.find(), r::toString);
        List<String[]> rows = rows(run.resolve("metrics.csv"));
        String[] best = rows.get(Integer.parseInt(m.group(2)));
        assertEquals(String.format(Locale.ROOT, "%.2f", 100 * Double.parseDouble(best[5])), m.group(1));
        assertEquals(String.format(Locale.ROOT, "%.2f", 100 * Double.parseDouble(best[7])), m.group(3));
        for (String[] row : rows.subList(1, rows.size())) assertFalse(row[4].isEmpty() || row[5].isEmpty());
    }

    /** A CSV run with test and validation splits, cut short and resumed, ends as the run that never stopped. */
    @Test
    void aCsvRunWithSplitsResumesBitForBit() throws IOException {
        Path straight = root.resolve("csv-straight"), cut = root.resolve("csv-cut");
        String[] common = {
            "--train",
            flowers.toString(),
            "--test-split",
            "0.2",
            "--validation-split",
            "0.2",
            "--hidden",
            "6",
            "--batch",
            "16",
            "--epochs",
            "3",
            "--lr-schedule", // a cosine schedule spans the run's length, which the cut run changes
            "constant"
        };
        List<String> a = new ArrayList<>(List.of("train"));
        a.addAll(List.of(common));
        List<String> b = new ArrayList<>(a);
        a.addAll(List.of("--out", straight.toString()));
        b.addAll(List.of("--out", cut.toString(), "--steps", "20", "--checkpoint-every", "7"));
        Cli.Result s = ok(args(a.toArray(String[]::new)));
        assertTrue(s.out().contains("192 training samples (48 validation, 60 test)"), s::toString);
        ok(args(b.toArray(String[]::new)));
        Cli.Result resumed = ok(args("train", "--resume", cut.toString(), "--steps", "0"));
        assertTrue(resumed.out().contains("resuming from"), resumed::toString);
        dev.jbackprop.model.ParamLayout layout = new dev.jbackprop.model.ParamLayout(new int[] {4, 6, 3});
        assertArrayEquals(
                ModelFile.read(straight.resolve("model.safetensors"), layout),
                ModelFile.read(cut.resolve("model.safetensors"), layout));
        List<String[]> x = rows(straight.resolve("metrics.csv")), y = rows(cut.resolve("metrics.csv"));
        assertEquals(x.size(), y.size());
        for (int i = 0; i < x.size(); i++)
            assertArrayEquals(Arrays.copyOf(x.get(i), 8), Arrays.copyOf(y.get(i), 8), "metrics row " + i);
        Cli.Result other =
                Cli.run(args("train", "--resume", cut.toString(), "--train", flowersTest.toString(), "--epochs", "4"));
        assertEquals(1, other.code(), other::toString);
        assertTrue(other.errLines().get(0).contains("is not the data the run in"), other::toString);
        Cli.Result task = Cli.run(args("train", "--resume", cut.toString(), "--task", "regression", "--epochs", "4"));
        assertEquals(2, task.code(), task::toString);
        assertTrue(task.errLines().get(0).contains("--task regression contradicts the stored value"), task::toString);
    }

    @Test
    void evalOfAFileWithoutMetadataNeedsTheCost() throws IOException {
        Path bare = root.resolve("bare.safetensors");
        dev.jbackprop.model.ParamLayout layout = new dev.jbackprop.model.ParamLayout(new int[] {4, 3});
        ModelFile.write(bare, layout, new float[(int) layout.total()], Map.of());
        Cli.Result noCost =
                Cli.run(args("eval", "--model", bare.toString(), "--layers", "4,3", "--test", flowersTest.toString()));
        assertEquals(2, noCost.code(), noCost::toString);
        assertTrue(noCost.errLines().get(0).contains("give --cost"), noCost::toString);
        Cli.Result nothing = Cli.run(args("eval", "--model", bare.toString(), "--test", flowersTest.toString()));
        assertEquals(2, nothing.code(), nothing::toString);
        assertTrue(nothing.errLines().get(0).contains("no jbackprop metadata"), nothing::toString);
        Cli.Result predict = Cli.run(args(
                "predict",
                "--model",
                bare.toString(),
                "--input",
                flowersTest.toString(),
                "--output",
                root.resolve("bare.csv").toString()));
        assertEquals(1, predict.code(), predict::toString);
        assertNotNull(predict.errLines().get(0));
    }
}
