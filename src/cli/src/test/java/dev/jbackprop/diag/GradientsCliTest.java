package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.cli.Main;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.engine.Shuffler;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** jbackprop gradients and train --track-gradients on a tiny IDX data set (4×4 images), checked against the reference. */
class GradientsCliTest {
    @TempDir
    static Path data;

    static final String[] NET = {"--data", null, "--layers", "16,6,5,10", "--backend", "cpu", "--threads", "1"};

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void writeData() throws Exception {
        Random r = new Random(42);
        write(data.resolve("train-images-idx3-ubyte"), data.resolve("train-labels-idx1-ubyte"), 120, r);
        write(data.resolve("t10k-images-idx3-ubyte"), data.resolve("t10k-labels-idx1-ubyte"), 30, r);
        NET[1] = data.toString();
    }

    static void write(Path images, Path labels, int count, Random r) throws Exception {
        ByteBuffer im = ByteBuffer.allocate(16 + count * 16)
                .putInt(0x803)
                .putInt(count)
                .putInt(4)
                .putInt(4);
        byte[] px = new byte[count * 16];
        r.nextBytes(px);
        im.put(px);
        ByteBuffer lb = ByteBuffer.allocate(8 + count).putInt(0x801).putInt(count);
        for (int i = 0; i < count; i++) lb.put((byte) r.nextInt(10));
        Files.write(images, im.array());
        Files.write(labels, lb.array());
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    static String[] args(String... more) {
        List<String> a = new ArrayList<>(List.of(more));
        a.addAll(1, List.of(NET));
        return a.toArray(String[]::new);
    }

    static List<String[]> csv(Path file) throws Exception {
        List<String[]> rows = new ArrayList<>();
        for (String line :
                Files.readAllLines(file).subList(1, Files.readAllLines(file).size())) rows.add(line.split(","));
        return rows;
    }

    static NetworkSpec spec() {
        return NetworkSpec.of(new int[] {16, 6, 5, 10}, Activation.SIGMOID, null, Cost.CROSS_ENTROPY);
    }

    /** Norms of the reference's mean gradient over the given samples of the training set. */
    static GradientNorms.Norms reference(float[] params, int[] samples) throws Exception {
        Dataset train = Mnist.readDir(data).train();
        float[][] cols = {new float[16 * samples.length], new float[10 * samples.length]};
        for (int j = 0; j < samples.length; j++) {
            train.copyX(samples[j], samples[j] + 1, cols[0], j * 16);
            train.copyY(samples[j], samples[j] + 1, cols[1], j * 10);
        }
        return GradientNormsTest.reference(spec(), params, cols, 0, samples.length);
    }

    static void assertRowsMatch(List<String[]> rows, int weightCol, GradientNorms.Norms want) {
        assertEquals(3, rows.size());
        for (int l = 0; l < 3; l++) {
            double w = Double.parseDouble(rows.get(l)[weightCol]), b = Double.parseDouble(rows.get(l)[weightCol + 1]);
            assertEquals(want.weight()[l], w, 1e-4 * want.weight()[l], "‖∂C/∂W‖ of layer " + (l + 1));
            assertEquals(want.bias()[l], b, 1e-4 * want.bias()[l], "‖∂C/∂b‖ of layer " + (l + 1));
        }
    }

    @Test
    void atInitMatchesReference(@TempDir Path out) throws Exception {
        Run r = run(args("gradients", "--init", "scaled", "--samples", "50", "--seed", "3", "--out", out.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(
                r.out().contains("hidden 1")
                        && r.out().contains("hidden 2")
                        && !r.out().contains("hidden 3"),
                r.out());
        int[] first50 = new int[50];
        for (int i = 0; i < 50; i++) first50[i] = i;
        GradientNorms.Norms want = reference(Init.SCALED.initialise(spec().layout(), 3), first50);
        List<String[]> rows = csv(out.resolve("gradients.csv"));
        assertEquals("3", rows.get(0)[0]);
        assertRowsMatch(rows, 4, want);
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%.2e", want.bias()[0])), r.out());
    }

    @Test
    void trainingIsTrackedForEveryInit(@TempDir Path out) throws Exception {
        Run r = run(args(
                "gradients",
                "--samples",
                "40",
                "--inits",
                "3",
                "--train-epochs",
                "1",
                "--train-size",
                "100",
                "--batch",
                "10",
                "--track-every",
                "5",
                "--out",
                out.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("after 1 epoch") && r.out().contains("["), r.out());
        List<String[]> rows = csv(out.resolve("gradients.csv"));
        assertEquals(3 * 3 * 3, rows.size()); // seeds 1..3 × steps 0, 5, 10 × 3 layers
        assertEquals(
                List.of("1", "2", "3"), rows.stream().map(x -> x[0]).distinct().toList());
        assertEquals(
                List.of("0", "5", "10"), rows.stream().map(x -> x[1]).distinct().toList());
        assertTrue(Files.size(out.resolve("gradients.png")) > 1000);
    }

    @Test
    void compareActivations() {
        Run r = run(args(
                "gradients",
                "--samples",
                "40",
                "--inits",
                "2",
                "--train-size",
                "100",
                "--compare-activations",
                "sigmoid,relu"));
        assertEquals(0, r.code(), r.err());
        String o = r.out();
        assertTrue(
                o.contains("sigmoid      xavier") && o.contains("relu         he") && o.contains("after 1 epoch"), o);
        assertTrue(o.contains("scalar chain [1,1,1,1]") && o.contains("0.250"), o);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "--samples 0 | --samples must be at least 1",
                "--samples 121 | --samples 121 exceeds the 120 training samples",
                "--inits 0 | --inits must be",
                "--train-epochs -1 | --train-epochs must be",
                "--compare-activations sigmoid,softmax | softmax is only valid",
                "--compare-activations sigmoid --activation relu | not both",
                "--layers 16,10 | has no hidden layer",
                "--track-every 5 | needs --train-epochs",
                "--eta 0 | --eta must be",
                "--batch 0 | --batch must be",
                "--layers 15,6,10 | --layers starts with 15 inputs but the data has 16 features per sample; --layers must be 16,…,10",
                "--compare-activations sigmoid,,relu | empty name",
                "--activation nope | unknown activation 'nope'",
                "--compare-activations relu --out x | --out is for a single activation"
            })
    void usageErrorsExitTwo(String extra, String message) {
        List<String> a = new ArrayList<>(List.of(args("gradients")));
        List<String> e = List.of(extra.trim().split(" "));
        if (e.contains("--layers"))
            a.subList(a.indexOf("--layers"), a.indexOf("--layers") + 2).clear();
        a.addAll(e);
        Run r = run(a.toArray(String[]::new));
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("jbackprop: ") && r.err().contains(message.trim()), r.err());
    }

    /** The first step's row is the norm of the mean gradient over the first shuffled batch at the initial weights. */
    @Test
    void trainTrackGradientsRecordsTheBatchGradient(@TempDir Path out) throws Exception {
        Run r = run(args(
                "train",
                "--activation",
                "sigmoid",
                "--init",
                "scaled",
                "--batch",
                "10",
                "--epochs",
                "1",
                "--steps",
                "1",
                "--momentum",
                "0",
                "--train-size",
                "100",
                "--seed",
                "5",
                "--track-gradients",
                "1",
                "--no-progress",
                "--out",
                out.toString()));
        assertEquals(0, r.code(), r.err());
        int[] perm = new int[100];
        new Shuffler(5).shuffle(perm);
        GradientNorms.Norms want =
                reference(Init.SCALED.initialise(spec().layout(), 5), java.util.Arrays.copyOf(perm, 10));
        List<String[]> rows = csv(out.resolve("gradients.csv"));
        assertEquals("1", rows.get(0)[0]);
        assertEquals("10", rows.get(0)[2]);
        assertRowsMatch(rows, 4, want);
        assertTrue(Files.size(out.resolve("gradients.png")) > 1000);
    }

    /** 95 images in batches of 10: every 10th step is an epoch's last, partial batch of 5. */
    @Test
    void trainTrackGradientsEveryNSteps(@TempDir Path out) throws Exception {
        Run r = run(args(
                "train",
                "--batch",
                "10",
                "--epochs",
                "2",
                "--train-size",
                "95",
                "--track-gradients",
                "10",
                "--no-progress",
                "--out",
                out.toString()));
        assertEquals(0, r.code(), r.err());
        List<String[]> rows = csv(out.resolve("gradients.csv"));
        assertEquals(2 * 3, rows.size());
        assertEquals(
                List.of("10", "20"), rows.stream().map(x -> x[0]).distinct().toList());
        assertTrue(
                rows.stream().allMatch(x -> x[2].equals("5")),
                "batch sizes " + rows.stream().map(x -> x[2]).toList());
        assertTrue(rows.stream().allMatch(x -> Double.parseDouble(x[5]) > 0));
        assertEquals(
                2,
                run(args(
                                "train",
                                "--track-gradients",
                                "-1",
                                "--out",
                                out.resolve("x").toString()))
                        .code());
    }
}
