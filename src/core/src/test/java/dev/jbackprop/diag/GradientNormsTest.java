package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.reference.ReferenceNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Gradient norms from the engine (CPU) against norms of the reference oracle's summed per-sample gradients. */
class GradientNormsTest {
    static final double TOLERANCE = 1e-4;
    static CpuOps ops;

    @BeforeAll
    static void open() {
        ops = new CpuOps(2);
    }

    @AfterAll
    static void close() {
        ops.close();
    }

    /** MNIST-like samples: pixels uniform in [0, 1), one-hot labels; x and y column-major. */
    static float[][] samples(int features, int classes, int count, long seed) {
        Random r = new Random(seed);
        float[] x = new float[features * count];
        float[] y = new float[classes * count];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        for (int j = 0; j < count; j++) y[j * classes + r.nextInt(classes)] = 1f;
        return new float[][] {x, y};
    }

    /** Norms of (Σ reference per-sample gradients) / count over the given columns. */
    static GradientNorms.Norms reference(NetworkSpec spec, float[] params, float[][] data, int from, int count) {
        ReferenceNetwork ref = new ReferenceNetwork(spec, params);
        int n = spec.inputSize(), c = spec.outputSize();
        double[] sum = new double[params.length];
        for (int j = from; j < from + count; j++) {
            double[] x = new double[n], y = new double[c];
            for (int i = 0; i < n; i++) x[i] = data[0][j * n + i];
            for (int i = 0; i < c; i++) y[i] = data[1][j * c + i];
            double[] g = ref.backprop(x, y).grad();
            for (int q = 0; q < g.length; q++) sum[q] += g[q];
        }
        return GradientNorms.ofSum(spec.layout(), sum, count);
    }

    static void assertNormsClose(GradientNorms.Norms want, GradientNorms.Norms got) {
        assertEquals(want.layers(), got.layers());
        for (int l = 0; l < want.layers(); l++) {
            assertTrue(
                    want.bias()[l] > 0 && want.weight()[l] > 0,
                    "layer " + (l + 1) + " has a zero reference gradient: the test would prove nothing");
            double eb = Math.abs(got.bias()[l] - want.bias()[l]) / want.bias()[l];
            double ew = Math.abs(got.weight()[l] - want.weight()[l]) / want.weight()[l];
            final int ll = l;
            assertTrue(
                    eb <= TOLERANCE,
                    () -> "layer " + (ll + 1) + " ‖∂C/∂b‖ " + got.bias()[ll] + " vs reference " + want.bias()[ll]);
            assertTrue(
                    ew <= TOLERANCE,
                    () -> "layer " + (ll + 1) + " ‖∂C/∂W‖ " + got.weight()[ll] + " vs reference " + want.weight()[ll]);
        }
    }

    /** The textbook's network and sample count: 1000 samples in chunks of 300 (the last one partial). */
    @Test
    void averagedOverThousandSamplesMatchesReference() {
        NetworkSpec spec =
                NetworkSpec.of(new int[] {784, 30, 30, 30, 10}, Activation.SIGMOID, null, Cost.CROSS_ENTROPY);
        float[] params = Init.SCALED.initialise(spec.layout(), 1);
        float[][] data = samples(784, 10, 1000, 5);
        GradientNorms.Norms got;
        try (Network net = new Network(ops, spec, 300, false);
                DeviceData d = DeviceData.upload(ops, data[0], data[1], 784, 10, 1000);
                GradientNorms.Averager avg = new GradientNorms.Averager(net, d)) {
            net.setParameters(params);
            got = avg.measure();
            assertArrayEquals(params, net.parameters(), "measuring must not change the parameters");
        }
        GradientNorms.Norms want = reference(spec, params, data, 0, 1000);
        assertNormsClose(want, got);
        // the vanishing gradient itself: the first hidden layer learns slower than the last
        assertTrue(want.bias()[0] < want.bias()[2]);
    }

    /** Every hidden activation, its recommended init, chunks of 8 over 37 samples. */
    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "tanh", "relu", "leaky_relu", "elu"})
    void averagedMatchesReferenceForEachActivation(String act) {
        Activation a = Activation.parse(act);
        NetworkSpec spec = NetworkSpec.of(new int[] {20, 9, 8, 7, 5}, a, null, Cost.CROSS_ENTROPY);
        float[] params = Init.recommendedFor(a).initialise(spec.layout(), 3);
        float[][] data = samples(20, 5, 37, 9);
        GradientNorms.Norms got;
        try (Network net = new Network(ops, spec, 8, false);
                DeviceData d = DeviceData.upload(ops, data[0], data[1], 20, 5, 37);
                GradientNorms.Averager avg = new GradientNorms.Averager(net, d)) {
            net.setParameters(params);
            got = avg.measure();
            GradientNorms.Norms again = avg.measure();
            assertArrayEquals(got.bias(), again.bias(), "a second measurement must give the same norms");
            assertArrayEquals(got.weight(), again.weight(), "a second measurement must give the same weight norms");
        }
        assertNormsClose(reference(spec, params, data, 0, 37), got);
    }

    /** ofBatch (one sumSquares call) on a partial batch in a larger buffer: the batch's mean gradient. */
    @Test
    void batchNormsMatchReference() {
        NetworkSpec spec =
                NetworkSpec.of(new int[] {30, 12, 11, 10, 4}, List.of(Activation.SIGMOID), null, Cost.CROSS_ENTROPY);
        float[] params = Init.SCALED.initialise(spec.layout(), 8);
        int m = 13;
        float[][] data = samples(30, 4, m, 2);
        GradientNorms.Norms got;
        try (Network net = new Network(ops, spec, 16, false);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(params);
            ops.upload(data[0], 0, net.x.block(), 0, data[0].length);
            ops.upload(data[1], 0, net.y.block(), 0, data[1].length);
            Step.forward(net, m);
            Step.outputError(net, m, metrics, true);
            Step.backward(net, m);
            got = GradientNorms.ofBatch(net, m);
        }
        assertNormsClose(reference(spec, params, data, 0, m), got);
    }

    /** The tracker writes what ofBatch reads, one row per layer, and keeps the points (cli.PlotsTest draws them). */
    @Test
    void trackerWritesRowsAndPlot(@TempDir Path dir) throws Exception {
        NetworkSpec spec = NetworkSpec.of(new int[] {6, 5, 4, 3}, Activation.TANH, null, Cost.CROSS_ENTROPY);
        float[][] data = samples(6, 3, 4, 1);
        try (Network net = new Network(ops, spec, 4, false);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(Init.XAVIER.initialise(spec.layout(), 1));
            ops.upload(data[0], 0, net.x.block(), 0, data[0].length);
            ops.upload(data[1], 0, net.y.block(), 0, data[1].length);
            Step.forward(net, 4);
            Step.outputError(net, 4, metrics, true);
            Step.backward(net, 4);
            GradientNorms.Norms n;
            try (GradientTracker t = new GradientTracker(net, dir.resolve("g.csv"))) {
                n = t.record(7, 0.5, 4);
                t.record(14, 1.0, 4);
                t.flush();
                assertEquals(List.of(7L, 14L), t.steps());
                assertEquals(2, t.size());
                assertEquals(3, t.layers());
            }
            List<String> lines = Files.readAllLines(dir.resolve("g.csv"));
            assertEquals(GradientTracker.HEADER, lines.get(0));
            assertEquals(1 + 2 * 3, lines.size());
            String[] row = lines.get(2).split(",");
            assertEquals("7", row[0]);
            assertEquals("2", row[3]);
            assertEquals(n.weight()[1], Double.parseDouble(row[4]), 1e-6 * n.weight()[1]);
            assertEquals(n.bias()[1], Double.parseDouble(row[5]), 1e-6 * n.bias()[1]);
        }
    }
}
