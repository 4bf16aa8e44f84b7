package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.io.SafeTensors;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.ParamLayout;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jbackprop train, eval, info, gradcheck and verify on tiny IDX data the test writes (no download). */
class CliTrainTest {
    static final int[] SIZES = {16, 12, 10};
    static final ParamLayout LAYOUT = new ParamLayout(SIZES);
    static final int EPOCHS = 3;
    /** Columns of metrics.csv. */
    static final int STEPS = 1, LOSS = 2, TRAIN = 3, VALIDATION_LOSS = 4, VALIDATION = 5, TEST_LOSS = 6, TEST = 7;

    @TempDir
    static Path root;

    static Path data;
    static Path run1;
    static Cli.Result r1;

    /** train with the base options (tiny data, cpu, 16,12,10, 3 epochs, batch 16, seed 5) unless extra sets them. */
    static String[] train(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train"));
        String[][] base = {
            {"--data", data.toString()},
            {"--out", out.toString()},
            {"--backend", "cpu"},
            {"--threads", "2"},
            {"--layers", "16,12,10"},
            {"--classes", "10"}, // the tiny data's labels are 0..2 of MNIST's ten classes
            {"--epochs", String.valueOf(EPOCHS)},
            {"--batch", "16"},
            {"--seed", "5"}
        };
        List<String> given = Arrays.asList(extra);
        for (String[] kv : base) if (!given.contains(kv[0])) a.addAll(List.of(kv));
        a.add("--no-progress");
        a.addAll(given);
        return a.toArray(String[]::new);
    }

    static Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + "\n" + r);
        return r;
    }

    @BeforeAll
    static void firstRun() throws IOException {
        data = TinyData.write(root.resolve("data"), 200, 60, 3);
        run1 = root.resolve("run1");
        r1 = Cli.run(train(run1));
    }

    static List<String[]> metricsRows(Path run) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(RunOutput.METRICS_HEADER, lines.get(0));
        assertEquals(
                "epoch,steps,loss,train_accuracy,validation_loss,validation_accuracy,test_loss,test_accuracy,"
                        + "samples_per_second,seconds,learning_rate",
                lines.get(0));
        List<String[]> rows = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) rows.add(l.split(",", -1));
        return rows;
    }

    static float[] params(Path run) throws IOException {
        return params(run, LAYOUT);
    }

    static float[] params(Path run, ParamLayout layout) throws IOException {
        return ModelFile.read(run.resolve("model.safetensors"), layout);
    }

    @Test
    void trainWritesConfigMetricsCurvesAndModel() throws IOException {
        assertEquals(0, r1.code(), r1::toString);
        assertTrue(r1.out().contains("epoch   3/3"), r1::toString);

        JsonNode c = new ObjectMapper().readTree(run1.resolve("config.json").toFile());
        assertEquals("[16,12,10]", c.get("layers").toString());
        assertEquals("[\"relu\",\"softmax\"]", c.get("activations").toString());
        assertEquals("cross-entropy", c.get("cost").asText());
        assertEquals("he", c.get("init").asText());
        assertEquals(0.1, c.get("eta").asDouble());
        assertEquals("sgd", c.get("optimizer").asText());
        assertEquals("cosine", c.get("lr_schedule").asText());
        assertEquals(16, c.get("batch").asInt());
        assertEquals(EPOCHS, c.get("epochs").asInt());
        assertEquals(0.9, c.get("momentum").asDouble());
        assertEquals(0.0, c.get("lambda").asDouble());
        assertEquals(5, c.get("seed").asLong());
        assertEquals(200, c.get("train_size").asInt());
        assertEquals(60, c.get("test_size").asInt());
        assertEquals("cpu", c.get("backend").asText());
        assertEquals(data.toString(), c.get("data").asText());

        List<String[]> rows = metricsRows(run1);
        assertEquals(EPOCHS, rows.size());
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            assertEquals(11, r.length, Arrays.toString(r));
            // the default schedule: cosine over 3 epochs of 13 steps, the rate of each epoch's last step
            double rate = 0.1 * (1 + Math.cos(Math.PI * (13 * (i + 1) - 1) / 39.0)) / 2;
            assertEquals(rate, Double.parseDouble(r[10]), 1e-6 * rate, "the rate used");
            assertEquals(i + 1, Integer.parseInt(r[0]));
            assertEquals(13L * (i + 1), Long.parseLong(r[STEPS]), "200 samples in batches of 16: 13 steps an epoch");
            assertTrue(Double.parseDouble(r[LOSS]) > 0);
            for (int k : new int[] {TRAIN, TEST}) {
                double acc = Double.parseDouble(r[k]);
                assertTrue(acc >= 0 && acc <= 1, Arrays.toString(r));
            }
            assertEquals("", r[VALIDATION_LOSS], "no validation set: not measured");
            assertEquals("", r[VALIDATION], "no validation set: not measured");
            assertTrue(Double.parseDouble(r[TEST_LOSS]) > 0, Arrays.toString(r));
            assertTrue(Double.parseDouble(r[8]) > 0 && Double.parseDouble(r[9]) >= 0, Arrays.toString(r));
        }
        assertTrue(
                Double.parseDouble(rows.get(EPOCHS - 1)[LOSS]) < Double.parseDouble(rows.get(0)[LOSS]),
                "loss should fall on this easy data");
        assertTrue(Double.parseDouble(rows.get(EPOCHS - 1)[TEST]) >= 0.8, "test accuracy on this easy data");

        BufferedImage png = ImageIO.read(run1.resolve("curves.png").toFile());
        assertNotNull(png, "curves.png is not an image ImageIO can read");
        assertTrue(png.getWidth() > 100 && png.getHeight() > 100);
        byte[] sig = Arrays.copyOf(Files.readAllBytes(run1.resolve("curves.png")), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, sig);

        float[] p = params(run1);
        assertEquals(LAYOUT.total(), p.length);
        assertFalse(
                Arrays.equals(p, Init.HE.initialise(LAYOUT, 5)),
                "the saved model should be the trained weights, not the init");
        JsonNode meta = new ObjectMapper()
                .readTree(SafeTensors.readMetadata(run1.resolve("model.safetensors"))
                        .get("jbackprop"));
        assertEquals("[16,12,10]", meta.get("layers").toString());
        java.util.Map<String, String> md = SafeTensors.readMetadata(run1.resolve("model.safetensors"));
        JsonNode schema = new ObjectMapper().readTree(md.get(ModelFile.DATA_KEY));
        assertEquals("classification", schema.get("task").asText());
        assertEquals("uint8", schema.get("feature_type").asText());
        assertEquals(10, schema.get("class_names").size());
        assertEquals("{\"kind\":\"none\"}", md.get(ModelFile.NORMALIZATION_KEY));
        assertEquals("{\"epochs\":3,\"steps\":39}", md.get(ModelFile.TRAINED_KEY));
        assertTrue(
                r1.out().contains("best test accuracy ")
                        && r1.out().contains("chosen on the test set: no validation set"),
                r1::toString);
    }

    @Test
    void evalPrintsTheLastEpochsTestAccuracy() throws IOException {
        assertEquals(0, r1.code(), r1::toString);
        Cli.Result r = ok(
                "eval",
                "--model",
                run1.resolve("model.safetensors").toString(),
                "--data",
                data.toString(),
                "--backend",
                "cpu");
        Matcher m =
                Pattern.compile("test accuracy ([0-9.]+)% \\((\\d+) samples\\)").matcher(r.out());
        assertTrue(m.find(), r::toString);
        double last = Double.parseDouble(metricsRows(run1).get(EPOCHS - 1)[TEST]);
        assertEquals(String.format(Locale.ROOT, "%.2f", 100 * last), m.group(1));
        assertEquals("60", m.group(2));
        assertTrue(r.out().contains("; trained " + EPOCHS + " epochs ("), r::toString);
    }

    /** Starting from run1's model with a vanishing learning rate keeps its weights and its test accuracy. */
    @Test
    void initWeightsReproducesTheModel() throws IOException {
        assertEquals(0, r1.code(), r1::toString);
        Path out = root.resolve("from-init-weights");
        ok(train(
                out,
                "--init-weights",
                run1.resolve("model.safetensors").toString(),
                "--eta",
                "1e-30",
                "--momentum",
                "0",
                "--epochs",
                "1"));
        assertArrayEquals(params(run1), params(out), 1e-6f);
        assertEquals(metricsRows(run1).get(EPOCHS - 1)[TEST], metricsRows(out).get(0)[TEST]);
        JsonNode c = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertTrue(c.get("init").asText().startsWith("file:"), c.toString());
    }

    @Test
    void stepsStopsAfterNSteps() throws IOException {
        // 200 samples in batches of 64: 4 steps per epoch.
        Path six = root.resolve("steps6");
        Cli.Result r = ok(train(six, "--batch", "64", "--epochs", "5", "--steps", "6"));
        assertTrue(r.out().contains("; 6 steps;"), r::toString);
        assertEquals(2, metricsRows(six).size());
        Path four = root.resolve("steps4");
        ok(train(four, "--batch", "64", "--epochs", "5", "--steps", "4"));
        Path oneEpoch = root.resolve("epoch1");
        ok(train(oneEpoch, "--batch", "64", "--epochs", "1"));
        assertEquals(1, metricsRows(four).size());
        assertArrayEquals(params(oneEpoch), params(four), "4 steps are exactly one epoch");
        assertFalse(Arrays.equals(params(four), params(six)));
    }

    @Test
    void sameSeedGivesIdenticalModelFiles() throws IOException {
        assertEquals(0, r1.code(), r1::toString);
        Path again = root.resolve("run1-again");
        ok(train(again));
        assertArrayEquals(
                Files.readAllBytes(run1.resolve("model.safetensors")),
                Files.readAllBytes(again.resolve("model.safetensors")));
        Path other = root.resolve("seed6");
        ok(train(other, "--seed", "6"));
        assertFalse(Arrays.equals(params(run1), params(other)), "another seed should give other weights");
    }

    @Test
    void forceReplacesAnExistingRun() throws IOException {
        Path dir = root.resolve("forced");
        ok(train(dir, "--epochs", "2"));
        assertEquals(1, Cli.run(train(dir, "--epochs", "1")).code());
        assertEquals(2, metricsRows(dir).size());
        ok(train(dir, "--epochs", "1", "--force"));
        assertEquals(1, metricsRows(dir).size());
    }

    /** A learning rate that blows up in the first epoch: exit 1, and the file keeps the initial weights. */
    @Test
    void divergenceInTheFirstEpochKeepsTheInitialWeights() throws IOException {
        Path out = root.resolve("diverged");
        Cli.Result r = Cli.run(train(
                out,
                "--eta",
                "1e6",
                "--cost",
                "quadratic",
                "--activation",
                "identity",
                "--output-activation",
                "identity",
                "--init",
                "xavier"));
        assertEquals(1, r.code(), r::toString);
        List<String> err = r.errLines();
        assertEquals(1, err.size(), r::toString);
        String line = err.get(0);
        assertTrue(line.startsWith("jbackprop: training diverged"), line);
        assertTrue(line.contains("epoch 1"), line);
        assertTrue(Pattern.compile("step \\d+").matcher(line).find(), line);
        assertTrue(line.contains("--eta") && line.contains(String.valueOf(1e6)), line);
        assertTrue(line.contains("initial weights"), line);
        assertFalse(r.err().contains("\tat "), r::toString);
        assertEquals(0, metricsRows(out).size());
        float[] saved = params(out); // read() rejects non-finite values
        assertArrayEquals(Init.XAVIER.initialise(LAYOUT, 5), saved);
    }

    /**
     * Divergence after good epochs (linear regression, whose error grows geometrically at this rate):
     * the file holds the weights of the last good epoch, bit for bit.
     */
    @Test
    void divergenceLaterKeepsTheLastGoodEpoch() throws IOException {
        String[] opts = {
            "--eta",
            "1.5",
            "--momentum",
            "0",
            "--batch",
            "20",
            "--epochs",
            "8",
            "--layers",
            "16,10",
            "--cost",
            "quadratic",
            "--output-activation",
            "identity",
            "--lr-schedule",
            "constant", // cosine would calm the rate down before it diverges
            "--divergence-factor", // this run's cost grows geometrically from the first step: only NaN stops it here
            "0"
        };
        Path out = root.resolve("diverged-later");
        Cli.Result r = Cli.run(train(out, opts));
        assertEquals(1, r.code(), r::toString);
        Matcher m = Pattern.compile(
                        "training diverged: .*in epoch (\\d+) at step (\\d+) \\(step \\d+ of the epoch\\).*--eta \\(now 1\\.5\\).*the weights after epoch (\\d+) are in")
                .matcher(r.errLines().get(0));
        assertTrue(m.find(), r::toString);
        int epoch = Integer.parseInt(m.group(1));
        assertTrue(epoch >= 2, "this learning rate should survive the first epoch: " + r);
        int step = Integer.parseInt(m.group(2));
        assertTrue(
                step > (epoch - 1) * 10 && step <= epoch * 10,
                "step " + step + " is not in epoch " + epoch + " (10 steps each)");
        assertEquals(epoch - 1, Integer.parseInt(m.group(3)));
        assertEquals(epoch - 1, metricsRows(out).size());

        String[] shorter = opts.clone();
        shorter[7] = String.valueOf(epoch - 1);
        Path good = root.resolve("good-epochs");
        ok(train(good, shorter));
        ParamLayout linear = new ParamLayout(new int[] {16, 10});
        assertArrayEquals(params(good, linear), params(out, linear));
        assertFalse(
                Arrays.equals(Init.XAVIER.initialise(linear, 5), params(out, linear)),
                "the file should hold trained weights");
    }

    @Test
    void infoSaysWhichBackendsAreAvailable() {
        Cli.Result r = ok("info");
        assertTrue(r.out().contains("cpu:  available"), r::toString);
        String why = Backends.cudaUnavailableReason();
        assertTrue(r.out().contains(why == null ? "cuda: available" : "cuda: NOT available: " + why), r::toString);
        assertTrue(r.out().contains("GEMM precision: cpu FP32; cuda FP32, TF32 with --tf32, or BF16"), r::toString);
    }

    @Test
    void gradcheckGridPasses() {
        Cli.Result r = ok("gradcheck");
        assertTrue(r.out().contains("all passed"), r::toString);
        assertFalse(r.out().contains("FAIL"), r::toString);
    }

    @Test
    void gradcheckOneNetworkPrintsALayerTable() {
        Cli.Result r = ok("gradcheck", "--layers", "7,5,3,4", "--activation", "tanh", "--cost", "quadratic");
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("layer ") && l.contains("W max rel")), r::toString);
        String[] shapes = {"5×7", "3×5", "4×3"};
        for (int l = 0; l < 3; l++) {
            String prefix = String.format("%-6d %-10s |", l + 1, shapes[l]);
            assertTrue(lines.stream().anyMatch(x -> x.startsWith(prefix) && x.endsWith("| pass")), prefix + "\n" + r);
        }
        assertEquals("pass", lines.get(lines.size() - 1));
    }

    @Test
    void verifyCpuAgainstTheReferencePasses() {
        Cli.Result r =
                ok("verify", "--backend", "cpu", "--against", "reference", "--layers", "9,7,5", "--activation", "relu");
        assertTrue(
                r.out().lines().anyMatch(l -> l.startsWith("PASS: cpu vs reference [9,7,5] [relu, softmax]")),
                r::toString);
        // every row: layer, quantity, errors, elements beyond the tolerance out of those compared, the worst element
        assertTrue(
                r.out()
                        .lines()
                        .anyMatch(l -> l.matches("1\\s+dC/dW\\s+\\S+\\s+\\S+\\s+0/63\\s+\\[\\d+,\\d+\\] .* pass")),
                r::toString);
    }

    /** A tolerance below float32's rounding: the CPU cannot match the double reference, exit 1 and FAIL rows. */
    @Test
    void verifyFailsBeyondATightTolerance() {
        Cli.Result r = Cli.run(
                "verify",
                "--backend",
                "cpu",
                "--against",
                "reference",
                "--layers",
                "9,7,5",
                "--tolerance",
                "1e-12",
                "--quiet");
        assertEquals(1, r.code(), r::toString);
        List<String> lines = r.out().lines().toList();
        assertEquals(1, lines.size(), r::toString); // --quiet: only the verdict
        assertTrue(lines.get(0).startsWith("FAIL: cpu vs reference [9,7,5]"), r::toString);
    }

    /** Real data and given weights: run1's model on the test data, against the reference. */
    @Test
    void verifyRunsOnRealDataAndGivenWeights() {
        assertEquals(0, r1.code(), r1::toString);
        Cli.Result r = ok(
                "verify",
                "--backend",
                "cpu",
                "--against",
                "reference",
                "--data",
                data.toString(),
                "--init-weights",
                run1.resolve("model.safetensors").toString(),
                "--steps",
                "3",
                "--batch",
                "8");
        assertTrue(r.out().contains("batches from " + data), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("PASS: cpu vs reference [16,12,10]")), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.contains("W after 3")), r::toString);
    }
}
