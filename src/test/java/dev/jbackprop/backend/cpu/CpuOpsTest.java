package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each CPU operation against a plain double-precision loop written here, on odd shapes including 1×1. */
class CpuOpsTest {
    static CpuOps ops;

    @BeforeAll
    static void open() {
        ops = new CpuOps(2);
    }

    @AfterAll
    static void close() {
        ops.close();
    }

    static Mat mat(float[] values, int rows, int cols) {
        Block b = ops.allocate((long) rows * cols);
        ops.upload(values, 0, b, 0, values.length);
        return new Mat(b, rows, cols);
    }

    static float[] read(Mat m) {
        float[] out = new float[(int) m.size()];
        ops.download(m.block(), 0, out, 0, out.length);
        return out;
    }

    static float[] random(Random r, int n, double scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (r.nextGaussian() * scale);
        return f;
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "3,5,7", "17,1,33", "64,65,63", "130,7,257", "1,300,2"})
    void gemmAllTransposes(int m, int n, int k) {
        Random r = new Random(m * 1000 + n * 10 + k);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = random(r, m * k, 1), b = random(r, k * n, 1), c = random(r, m * n, 1);
                Mat A = ta ? mat(a, k, m) : mat(a, m, k);
                Mat B = tb ? mat(b, n, k) : mat(b, k, n);
                Mat C = mat(c, m, n);
                ops.gemm(ta, tb, m, n, k, 0.5f, A, B, 2f, C);
                float[] got = read(C);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int p = 0; p < k; p++) {
                            double av = ta ? a[p + i * k] : a[i + p * m];
                            double bv = tb ? b[j + p * n] : b[p + j * k];
                            s += av * bv;
                        }
                        double want = 0.5 * s + 2.0 * c[i + j * m];
                        assertEquals(
                                want,
                                got[i + j * m],
                                1e-4 * (1 + Math.abs(want)) * Math.sqrt(k),
                                "gemm " + ta + tb + " at " + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void gemmRejectsWrongShapes() {
        Mat a = mat(new float[6], 2, 3), b = mat(new float[6], 2, 3), c = mat(new float[4], 2, 2);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ops.gemm(false, false, 2, 2, 3, 1f, a, b, 0f, c));
        assertTrue(e.getMessage().contains("gemm"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "sigmoid,1,1",
        "tanh,5,3",
        "relu,7,9",
        "leaky_relu:0.2,33,17",
        "elu:0.7,4,4097",
        "identity,3,2",
        "softmax,10,37",
        "softmax,1,3",
        // large enough that the pass is split over the two threads: by columns, by rows, by rows, softmax by columns
        "elu:0.7,8,4097",
        "tanh,300,200",
        "relu,1024,33",
        "softmax,10,4001"
    })
    void biasActivationAndBackward(String actName, int rows, int cols) {
        Activation act = Activation.parse(actName);
        Random r = new Random(rows * 31 + cols);
        float[] z = random(r, rows * cols, 3), bias = random(r, rows, 1), d = random(r, rows * cols, 1);
        Mat Z = mat(z, rows, cols), Bv = mat(bias, rows, 1), A = mat(new float[rows * cols], rows, cols);
        int m = Math.max(1, cols - 1); // one column left untouched
        ops.biasActivation(act, Z, Bv, A, m);
        float[] gz = read(Z), ga = read(A);
        for (int j = 0; j < cols; j++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < rows; i++) max = Math.max(max, (double) z[i + j * rows] + bias[i]);
            for (int i = 0; i < rows; i++) sum += Math.exp((double) z[i + j * rows] + bias[i] - max);
            for (int i = 0; i < rows; i++) {
                int p = i + j * rows;
                if (j >= m) {
                    assertEquals(z[p], gz[p], 0.0, "column beyond m touched");
                    assertEquals(0f, ga[p], 0.0);
                    continue;
                }
                double zz = (double) z[p] + bias[i];
                assertEquals(zz, gz[p], 1e-6 * (1 + Math.abs(zz)));
                double want = switch (act.kind()) {
                    case SIGMOID -> 1 / (1 + Math.exp(-zz));
                    case TANH -> Math.tanh(zz);
                    case RELU -> Math.max(0, zz);
                    case LEAKY_RELU -> zz > 0 ? zz : act.alpha() * zz;
                    case ELU -> zz > 0 ? zz : act.alpha() * Math.expm1(zz);
                    case IDENTITY -> zz;
                    case SOFTMAX -> Math.exp(zz - max) / sum;
                };
                assertEquals(want, ga[p], 2e-6 * (1 + Math.abs(want)), act + " at " + p);
            }
        }
        if (act.kind() == Activation.Kind.SOFTMAX) return;
        Mat D = mat(d, rows, cols);
        ops.activationBackward(act, Z, A, D, m);
        float[] gd = read(D);
        for (int p = 0; p < rows * cols; p++) {
            if (p >= rows * m) {
                assertEquals(d[p], gd[p], 0.0);
                continue;
            }
            double zz = gz[p], aa = ga[p];
            double der = switch (act.kind()) {
                case SIGMOID -> aa * (1 - aa);
                case TANH -> 1 - aa * aa;
                case RELU -> zz > 0 ? 1 : 0;
                case LEAKY_RELU -> zz > 0 ? 1 : act.alpha();
                case ELU -> zz > 0 ? 1 : act.alpha() * Math.exp(zz);
                default -> 1;
            };
            assertEquals(d[p] * der, gd[p], 1e-5 * (1 + Math.abs(d[p] * der)), act + " derivative at " + p);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "quadratic,sigmoid,3,5",
        "quadratic,identity,1,1",
        "quadratic,tanh,4,9",
        "cross-entropy,softmax,10,13",
        "binary-cross-entropy,sigmoid,7,3",
        "binary-cross-entropy,sigmoid,1,9"
    })
    void outputDeltaAndMetrics(String costName, String outName, int rows, int cols) {
        Cost cost = Cost.parse(costName);
        Activation out = Activation.parse(outName);
        Random r = new Random(rows + 7L * cols);
        float[] z = random(r, rows * cols, 2);
        float[] y = new float[rows * cols];
        int[] label = new int[cols];
        for (int j = 0; j < cols; j++) {
            label[j] = r.nextInt(rows);
            // one output: y is 0 or 1, and a sample is right when a is on y's side of ½ (an argmax always would be)
            y[label[j] + j * rows] = rows == 1 ? r.nextInt(2) : 1f;
        }
        Mat Z = mat(z, rows, cols),
                A = mat(new float[rows * cols], rows, cols),
                Y = mat(y, rows, cols),
                D = mat(new float[rows * cols], rows, cols);
        ops.biasActivation(out, Z, mat(new float[rows], rows, 1), A, cols);
        float[] a = read(A);
        Metrics metrics = ops.allocateMetrics();
        ops.outputDelta(cost, out, Z, A, Y, D, cols, metrics);
        float[] d = read(D);
        double loss = 0;
        int correct = 0;
        for (int j = 0; j < cols; j++) {
            int arg = 0;
            for (int i = 0; i < rows; i++) {
                int p = i + j * rows;
                if (a[p] > a[arg + j * rows]) arg = i;
                double av = a[p], yv = y[p];
                double want = switch (cost) {
                    case QUADRATIC ->
                        (av - yv)
                                * (out.kind() == Activation.Kind.SIGMOID
                                        ? av * (1 - av)
                                        : out.kind() == Activation.Kind.TANH ? 1 - av * av : 1);
                    default -> av - yv;
                };
                assertEquals(want, d[p], 1e-6, "delta at " + p);
                loss += switch (cost) {
                    case QUADRATIC -> 0.5 * (av - yv) * (av - yv);
                    case CROSS_ENTROPY -> -yv * Math.log(av);
                    case BINARY_CROSS_ENTROPY -> -(yv * Math.log(av) + (1 - yv) * Math.log(1 - av));
                };
            }
            if (rows == 1 ? (a[j] >= 0.5f) == (y[j] >= 0.5f) : arg == label[j]) correct++;
        }
        double[] mt = metrics.read();
        assertEquals(loss, mt[0], 1e-5 * (1 + loss));
        assertEquals(correct, mt[1], 0.0);
        assertEquals(cols, mt[2], 0.0);
    }

    @Test
    void sumColumnsGatherAndUpdate() {
        Random r = new Random(5);
        int rows = 5, cols = 9;
        float[] x = random(r, rows * cols, 1);
        Mat X = mat(x, rows, cols), S = mat(new float[rows], rows, 1);
        ops.sumColumns(X, 7, S);
        float[] s = read(S);
        for (int i = 0; i < rows; i++) {
            double want = 0;
            for (int j = 0; j < 7; j++) want += x[i + j * rows];
            assertEquals(want, s[i], 1e-5);
        }
        IndexBlock idx = ops.allocateIndices(4);
        ops.upload(new int[] {8, 0, 3, 3}, idx);
        Mat G = mat(new float[rows * 3], rows, 3);
        ops.gather(X, idx, 1, 3, G);
        float[] g = read(G);
        int[] want = {0, 3, 3};
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < rows; i++) assertEquals(x[i + want[j] * rows], g[i + j * rows], 0.0);

        // update: 3 weights then 2 biases
        float[] p = {1, -2, 3, 4, 5}, gr = {0.5f, 0.5f, -1, 2, -2};
        Block P = mat(p, 5, 1).block(),
                Gb = mat(gr, 5, 1).block(),
                V = mat(new float[5], 5, 1).block();
        ops.update(P, Gb, null, 3, 0.1f, 0f, 0.9f);
        float[] got = new float[5];
        ops.download(P, 0, got, 0, 5);
        float[] expect = {0.9f * 1 - 0.05f, 0.9f * -2 - 0.05f, 0.9f * 3 + 0.1f, 4 - 0.2f, 5 + 0.2f};
        for (int i = 0; i < 5; i++) assertEquals(expect[i], got[i], 1e-6);
        ops.upload(new float[] {0.1f, 0.1f, 0.1f, 0.1f, 0.1f}, 0, V, 0, 5);
        ops.upload(p, 0, P, 0, 5);
        ops.update(P, Gb, V, 3, 0.1f, 0.5f, 0.9f);
        ops.download(P, 0, got, 0, 5);
        for (int i = 0; i < 5; i++) {
            double v = 0.5 * 0.1 - 0.1 * gr[i] - (i < 3 ? 0.1 * p[i] : 0);
            assertEquals(p[i] + v, got[i], 1e-6, "momentum update at " + i);
        }
    }

    /** Tall enough that the column sums are split over the threads by rows. */
    @Test
    void sumColumnsSplitOverThreads() {
        Random r = new Random(6);
        int rows = 300, cols = 200, m = 199;
        float[] x = random(r, rows * cols, 1);
        Mat S = mat(new float[rows], rows, 1);
        ops.sumColumns(mat(x, rows, cols), m, S);
        float[] s = read(S);
        for (int i = 0; i < rows; i++) {
            double want = 0;
            for (int j = 0; j < m; j++) want += x[i + j * rows];
            assertEquals(want, s[i], 1e-4, "row " + i);
        }
    }

    @Test
    void sumSquaresPerSegment() {
        Mat x = mat(new float[] {1, 2, 3, 4, Float.NaN, 6}, 6, 1);
        double[] out = new double[3];
        ops.sumSquares(x.block(), new long[] {0, 2, 4}, new long[] {2, 2, 0}, out);
        assertEquals(5.0, out[0], 0.0);
        assertEquals(25.0, out[1], 0.0);
        assertEquals(0.0, out[2], 0.0);
        ops.sumSquares(x.block(), new long[] {3}, new long[] {2}, out);
        assertTrue(Double.isNaN(out[0]));
        assertThrows(
                IllegalArgumentException.class, () -> ops.sumSquares(x.block(), new long[] {5}, new long[] {2}, out));
    }

    /** Large enough that the worker pool splits it: every element still gets the update's formula. */
    @Test
    void updateSplitAcrossThreadsMatchesTheFormula() {
        int n = 3_000_001, weights = 2_000_003;
        Random r = new Random(9);
        float[] p = random(r, n, 1), g = random(r, n, 1), v = random(r, n, 1);
        Block P = mat(p, n, 1).block(),
                G = mat(g, n, 1).block(),
                V = mat(v, n, 1).block();
        ops.update(P, G, V, weights, 0.01f, 0.9f, 0.999f);
        float[] gotP = new float[n], gotV = new float[n];
        ops.download(P, 0, gotP, 0, n);
        ops.download(V, 0, gotV, 0, n);
        for (int i = 0; i < n; i++) {
            float vi = 0.9f * v[i] - 0.01f * g[i] - (i < weights ? (1f - 0.999f) * p[i] : 0f);
            assertEquals(vi, gotV[i], 0f, "velocity at " + i);
            assertEquals(p[i] + vi, gotP[i], 0f, "parameter at " + i);
        }
    }

    /**
     * Shapes large enough that the GEMM is split over the worker threads by rows or by columns of C,
     * on operands that are views at odd offsets: on one thread and on three, the result matches a
     * double loop. (The bits may differ between thread counts: OpenBLAS's Haswell kernels, chosen on
     * Zen 4, sum the edges of a smaller block in another order.)
     */
    @ParameterizedTest
    @CsvSource({"300,129,200", "257,1000,33", "10,512,1024", "1024,3,700", "1024,3,1400", "1000,40,300", "700,17,900"})
    void gemmSplitOverThreads(int m, int n, int k) {
        Random r = new Random(m + 31L * n + 977L * k);
        try (CpuOps one = new CpuOps(1);
                CpuOps three = new CpuOps(3)) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    float[] a = random(r, m * k, 1), b = random(r, k * n, 1), c = random(r, m * n, 1);
                    float[][] got = new float[2][];
                    int run = 0;
                    for (CpuOps o : new CpuOps[] {one, three}) {
                        Mat A = view(o, a, ta ? k : m, ta ? m : k, 5);
                        Mat B = view(o, b, tb ? n : k, tb ? k : n, 11);
                        Mat C = view(o, c, m, n, 3);
                        o.gemm(ta, tb, m, n, k, 0.5f, A, B, 2f, C);
                        got[run] = new float[m * n];
                        o.download(C.block(), 0, got[run++], 0, m * n);
                    }
                    for (int i = 0; i < m; i++) {
                        for (int j = 0;
                                j < n;
                                j++) { // every element, so each part's first and last row and column are checked
                            double sum = 0;
                            for (int p = 0; p < k; p++)
                                sum += (double) (ta ? a[p + i * k] : a[i + p * m]) * (tb ? b[j + p * n] : b[p + j * k]);
                            double want = 0.5 * sum + 2.0 * c[i + j * m];
                            for (int t = 0; t < 2; t++) {
                                assertEquals(
                                        want,
                                        got[t][i + j * m],
                                        1e-4 * (1 + Math.abs(want)) * Math.sqrt(k),
                                        (t == 0 ? "1 thread" : "3 threads") + ", gemm " + ta + tb + " at " + i + ","
                                                + j);
                            }
                        }
                    }
                }
            }
        }
    }

    /** rows × cols of values in a view that starts offset floats into its block. */
    private static Mat view(CpuOps o, float[] values, int rows, int cols, int offset) {
        Block b = o.allocate((long) rows * cols + offset);
        Block v = b.view(offset, (long) rows * cols);
        o.upload(values, 0, v, 0, values.length);
        return new Mat(v, rows, cols);
    }
}
