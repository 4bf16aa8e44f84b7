package dev.jbackprop.backend.cuda;

import static dev.jbackprop.backend.cuda.GpuTestSupport.assertBits;
import static dev.jbackprop.backend.cuda.GpuTestSupport.assertUlps;
import static dev.jbackprop.backend.cuda.GpuTestSupport.assertWithin;
import static dev.jbackprop.backend.cuda.GpuTestSupport.constant;
import static dev.jbackprop.backend.cuda.GpuTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuMath;
import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every CudaOps operation against expectations computed here on the host (double-precision
 * references, CpuMath for the elementwise maths), on shapes including 1×1, odd sizes, sizes above
 * 4096 and partial batches (m below the capacity, whose spare columns must stay untouched).
 * Skipped, with the probe's reason, where there is no usable GPU.
 */
@Tag("gpu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaOpsGpuTest {
    static final float SENTINEL = 42.25f;

    CudaOps ops;
    GpuTestSupport.Scratch s;
    SplittableRandom rnd;

    @BeforeAll
    void open() {
        if (CudaProbe.probe().available()) ops = new CudaOps(CudaOptions.defaults());
    }

    @AfterAll
    void close() {
        if (ops != null) ops.close();
    }

    /** Per test rather than in @BeforeAll, so that each test is reported as skipped with the reason. */
    @BeforeEach
    void scratch() {
        GpuTestSupport.assumeGpu();
        s = new GpuTestSupport.Scratch(ops);
        rnd = new SplittableRandom(20261122);
    }

    @AfterEach
    void free() {
        if (s != null) s.close();
    }

    @Test
    void describesItself() {
        assertEquals("cuda", ops.name());
        assertTrue(ops.description().startsWith("cuda: ") && ops.description().contains("FP32"), ops.description());
    }

    // ---- memory -------------------------------------------------------------------------------

    @Test
    void allocationsAreZeroFilledAndCopiesRespectOffsetsAndViews() {
        Mat m = s.mat(7, 11);
        assertArrayEquals(new float[77], s.get(m));
        float[] data = uniform(rnd, 20, -1, 1);
        ops.upload(data, 5, m.block(), 30, 10); // data[5..15) → block[30..40)
        float[] back = s.get(m);
        for (int i = 0; i < 77; i++) assertEquals(i >= 30 && i < 40 ? data[i - 30 + 5] : 0f, back[i], "element " + i);
        float[] part = new float[12];
        ops.download(m.block(), 33, part, 2, 5);
        for (int i = 0; i < 12; i++) assertEquals(i >= 2 && i < 7 ? back[33 + i - 2] : 0f, part[i]);

        Block view = m.block().view(10, 20);
        ops.fill(view, -3.5f);
        back = s.get(m);
        for (int i = 0; i < 77; i++) {
            float want = i >= 10 && i < 30 ? -3.5f : (i >= 30 && i < 40 ? data[i - 30 + 5] : 0f);
            assertEquals(want, back[i], "element " + i + " after filling the view [10, 30)");
        }
        Block inner = view.view(5, 3); // nested view = root offset 15
        ops.upload(new float[] {1, 2, 3}, 0, inner, 0, 3);
        back = s.get(m);
        assertEquals(1f, back[15]);
        assertEquals(3f, back[17]);
        assertEquals(-3.5f, back[18]);

        assertThrows(IndexOutOfBoundsException.class, () -> ops.upload(data, 0, view, 15, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> ops.download(m.block(), 70, new float[10], 0, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> m.block().view(70, 8));

        Block empty = ops.allocate(0);
        assertEquals(0, empty.length());
        assertEquals(0, empty.view(0, 0).length());
        empty.close();
    }

    // ---- gemm ---------------------------------------------------------------------------------

    static Stream<Arguments> gemmShapes() {
        int[][] shapes = {
            {1, 1, 1}, {7, 13, 5}, {33, 17, 65}, {4099, 3, 7}, {5, 4101, 3}, {3, 5, 4097}, {64, 64, 64}, {1, 4100, 1}
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] sh : shapes)
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true}) out.add(Arguments.of(sh[0], sh[1], sh[2], ta, tb));
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("gemmShapes")
    void gemmMatchesADoubleReference(int m, int n, int k, boolean transA, boolean transB) {
        checkGemm(ops, s, rnd, m, n, k, transA, transB, 0.75f, 0.5f, 2e-6);
    }

    /**
     * C = α·op(A)·op(B) + β·C against a double triple loop; each stored operand has one spare column
     * (capacity), C's spare column must not change. Error bound: relTol·√k·Σ|α·a·b| + |β·c| ulp-ish.
     */
    static void checkGemm(
            CudaOps ops,
            GpuTestSupport.Scratch s,
            SplittableRandom rnd,
            int m,
            int n,
            int k,
            boolean transA,
            boolean transB,
            float alpha,
            float beta,
            double relTol) {
        int aRows = transA ? k : m, aCols = (transA ? m : k) + 1;
        int bRows = transB ? n : k, bCols = (transB ? k : n) + 1;
        float[] a = uniform(rnd, aRows * aCols, -1, 1);
        float[] b = uniform(rnd, bRows * bCols, -1, 1);
        float[] c0 = uniform(rnd, m * (n + 1), -1, 1);
        for (int i = 0; i < m; i++) c0[i + n * m] = SENTINEL;
        Mat da = s.mat(aRows, aCols, a), db = s.mat(bRows, bCols, b), dc = s.mat(m, n + 1, c0);
        ops.gemm(transA, transB, m, n, k, alpha, da, db, beta, dc);
        float[] got = s.get(dc);
        double[] want = new double[got.length];
        double[] tol = new double[got.length];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double sum = 0, mag = 0;
                for (int l = 0; l < k; l++) {
                    double x = transA ? a[l + i * aRows] : a[i + l * aRows];
                    double y = transB ? b[j + l * bRows] : b[l + j * bRows];
                    sum += x * y;
                    mag += Math.abs(x * y);
                }
                want[i + j * m] = alpha * sum + (double) beta * c0[i + j * m];
                tol[i + j * m] =
                        relTol * Math.sqrt(k + 1.0) * (Math.abs(alpha) * mag + Math.abs(beta * c0[i + j * m])) + 1e-30;
            }
        }
        for (int i = 0; i < m; i++) {
            want[i + n * m] = SENTINEL;
            tol[i + n * m] = 0;
        }
        assertWithin("gemm m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB, want, got, tol);
    }

    @Test
    void gemmWithBetaZeroIgnoresWhatCHeld() {
        Mat a = s.mat(3, 2, uniform(rnd, 6, -1, 1)),
                b = s.mat(2, 4, uniform(rnd, 8, -1, 1)),
                c = s.mat(3, 4, constant(12, Float.NaN));
        ops.gemm(false, false, 3, 4, 2, 1f, a, b, 0f, c);
        for (float v : s.get(c)) assertTrue(Float.isFinite(v), "β = 0 must not read C (NaN leaked through)");
    }

    @Test
    void tf32GemmStaysWithinTf32Accuracy() {
        try (CudaOps tf32 = new CudaOps(new CudaOptions(0, true, false, false));
                GpuTestSupport.Scratch t = new GpuTestSupport.Scratch(tf32)) {
            assertTrue(tf32.description().contains("TF32"), tf32.description());
            // TF32 keeps 10 mantissa bits: each product is off by up to ~2^-10 relative
            checkGemm(tf32, t, rnd, 256, 192, 320, false, true, 1f, 0f, 2e-4);
        }
    }

    // ---- activations --------------------------------------------------------------------------

    static Stream<Arguments> activationCases() {
        Activation[] acts = {
            Activation.SIGMOID,
            Activation.TANH,
            Activation.RELU,
            Activation.LEAKY_RELU,
            Activation.parse("leaky_relu:0.2"),
            Activation.ELU,
            Activation.parse("elu:0.5"),
            Activation.IDENTITY,
            Activation.SOFTMAX
        };
        int[][] shapes = {{1, 1, 1}, {7, 13, 12}, {4097, 3, 2}, {10, 5000, 4999}, {33, 1, 1}};
        List<Arguments> out = new ArrayList<>();
        for (Activation a : acts) for (int[] sh : shapes) out.add(Arguments.of(a, sh[0], sh[1], sh[2]));
        return out.stream();
    }

    /** z with a few special values (±0, tiny, large) ahead of uniform ones in [−6, 6]. */
    float[] preactivations(int n) {
        float[] z = uniform(rnd, n, -6, 6);
        float[] special = {0f, -0f, 1e-30f, -1e-30f, 30f, -30f, 100f, -100f, 1e-40f};
        for (int i = 0; i < Math.min(n, special.length); i++) z[i] = special[i];
        return z;
    }

    @ParameterizedTest(name = "{0} {1}x{2} m={3}")
    @MethodSource("activationCases")
    void biasActivationMatchesCpuMath(Activation act, int rows, int cols, int m) {
        float[] z = preactivations(rows * cols);
        float[] bias = uniform(rnd, rows, -0.5, 0.5);
        float[] a0 = constant(rows * cols, SENTINEL);
        Mat dz = s.mat(rows, cols, z), db = s.mat(rows, 1, bias), da = s.mat(rows, cols, a0);
        ops.biasActivation(act, dz, db, da, m);
        float[] zWant = z.clone(), aWant = a0.clone();
        for (int j = 0; j < m; j++) for (int i = 0; i < rows; i++) zWant[i + j * rows] = z[i + j * rows] + bias[i];
        if (act.kind() == Activation.Kind.SOFTMAX) {
            for (int j = 0; j < m; j++) softmaxColumn(zWant, aWant, j * rows, rows);
        } else {
            for (int p = 0; p < m * rows; p++)
                aWant[p] = CpuMath.activate(act.kind().code, (float) act.alpha(), zWant[p]);
        }
        assertBits(act + ": z + bias", zWant, s.get(dz));
        assertUlps(act + ": a = σ(z)", aWant, s.get(da), act.kind() == Activation.Kind.SOFTMAX ? 2 : 1, 1e-37);
    }

    /** a = e^(z − max) / Σ e^(z − max) in double, as the kernel does it. */
    static void softmaxColumn(float[] z, float[] a, int off, int rows) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < rows; i++) mx = Math.max(mx, z[off + i]);
        double sum = 0;
        for (int i = 0; i < rows; i++) sum += Math.exp((double) z[off + i] - mx);
        for (int i = 0; i < rows; i++) a[off + i] = (float) (Math.exp((double) z[off + i] - mx) / sum);
    }

    static Stream<Arguments> backwardCases() {
        return activationCases().filter(a -> ((Activation) a.get()[0]).kind() != Activation.Kind.SOFTMAX);
    }

    @ParameterizedTest(name = "{0} {1}x{2} m={3}")
    @MethodSource("backwardCases")
    void activationBackwardMatchesCpuMath(Activation act, int rows, int cols, int m) {
        int code = act.kind().code;
        float alpha = (float) act.alpha();
        float[] z = preactivations(rows * cols);
        float[] a = new float[z.length];
        for (int p = 0; p < z.length; p++) a[p] = CpuMath.activate(code, alpha, z[p]);
        float[] delta = uniform(rnd, z.length, -2, 2);
        Mat dz = s.mat(rows, cols, z), da = s.mat(rows, cols, a), dd = s.mat(rows, cols, delta);
        ops.activationBackward(act, dz, da, dd, m);
        float[] want = delta.clone();
        for (int p = 0; p < m * rows; p++) want[p] = delta[p] * CpuMath.derivative(code, alpha, z[p], a[p]);
        assertBits(act + ": δ ⊙ σ′(z)", want, s.get(dd));
    }

    @Test
    void softmaxHasNoBackwardKernel() {
        Mat z = s.mat(3, 2);
        assertThrows(
                IllegalArgumentException.class,
                () -> ops.activationBackward(Activation.SOFTMAX, z, s.mat(3, 2), s.mat(3, 2), 2));
    }

    // ---- output delta, cost, accuracy ----------------------------------------------------------

    static Stream<Arguments> lossCases() {
        List<Arguments> out = new ArrayList<>();
        int[][] shapes = {{10, 37, 35}, {1, 50, 50}, {4099, 3, 3}, {3, 5000, 4999}, {1, 1, 1}};
        for (int[] sh : shapes) {
            out.add(Arguments.of(Cost.CROSS_ENTROPY, Activation.SOFTMAX, sh[0], sh[1], sh[2]));
            out.add(Arguments.of(Cost.BINARY_CROSS_ENTROPY, Activation.SIGMOID, sh[0], sh[1], sh[2]));
            for (Activation a : Activation.hiddenChoices())
                out.add(Arguments.of(Cost.QUADRATIC, a, sh[0], sh[1], sh[2]));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}+{1} {2}x{3} m={4}")
    @MethodSource("lossCases")
    void outputDeltaAndMetricsMatchTheHost(Cost cost, Activation out, int rows, int cols, int m) {
        int n = rows * cols;
        float[] z = uniform(rnd, n, -5, 5);
        float[] a = new float[n];
        if (out.kind() == Activation.Kind.SOFTMAX) {
            for (int j = 0; j < cols; j++) softmaxColumn(z, a, j * rows, rows);
        } else {
            for (int p = 0; p < n; p++) a[p] = CpuMath.activate(out.kind().code, (float) out.alpha(), z[p]);
        }
        float[] y = new float[n];
        for (int j = 0; j < cols; j++) {
            if (cost == Cost.CROSS_ENTROPY) y[j * rows + rnd.nextInt(rows)] = 1f;
            else
                for (int i = 0; i < rows; i++)
                    y[j * rows + i] = cost == Cost.BINARY_CROSS_ENTROPY ? rnd.nextInt(2) : (float) rnd.nextDouble();
        }
        Mat dz = s.mat(rows, cols, z),
                da = s.mat(rows, cols, a),
                dy = s.mat(rows, cols, y),
                dd = s.mat(rows, cols, constant(n, SENTINEL));

        // host expectations
        float[] deltaWant = constant(n, SENTINEL);
        double costWant = 0;
        int correctWant = 0;
        for (int j = 0; j < m; j++) {
            int off = j * rows;
            double lse = 0;
            if (cost == Cost.CROSS_ENTROPY) {
                double mx = Double.NEGATIVE_INFINITY, sum = 0;
                for (int i = 0; i < rows; i++) mx = Math.max(mx, z[off + i]);
                for (int i = 0; i < rows; i++) sum += Math.exp((double) z[off + i] - mx);
                lse = mx + Math.log(sum);
            }
            for (int i = 0; i < rows; i++) {
                int p = off + i;
                float d = a[p] - y[p];
                deltaWant[p] = cost == Cost.QUADRATIC
                        ? d * CpuMath.derivative(out.kind().code, (float) out.alpha(), z[p], a[p])
                        : d;
                costWant += switch (cost) {
                    case QUADRATIC -> CpuMath.quadraticCost(a[p], y[p]);
                    case BINARY_CROSS_ENTROPY -> CpuMath.binaryCrossEntropyCost(z[p], y[p]);
                    case CROSS_ENTROPY -> y[p] == 0f ? 0.0 : y[p] * (lse - z[p]);
                };
            }
            boolean ok =
                    rows == 1 ? (a[off] >= 0.5f) == (y[off] >= 0.5f) : argmax(a, off, rows) == argmax(y, off, rows);
            if (ok) correctWant++;
        }

        Metrics metrics = ops.allocateMetrics();
        try {
            assertArrayEquals(new double[3], metrics.read(), "fresh metrics are zero");
            ops.outputDelta(cost, out, dz, da, dy, dd, m, metrics);
            assertBits(cost + "+" + out + " delta", deltaWant, s.get(dd));
            double[] got = metrics.read();
            assertEquals(costWant, got[0], 1e-6 * Math.abs(costWant) + 1e-9, "cost sum");
            assertEquals(correctWant, got[1], "correct predictions");
            assertEquals(m, got[2], "samples");

            // evaluation: delta == null adds to the metrics and leaves delta alone
            ops.fill(dd.block(), -1f);
            ops.outputDelta(cost, out, dz, da, dy, null, m, metrics);
            assertArrayEquals(constant(n, -1f), s.get(dd), "delta untouched when null is passed");
            double[] twice = metrics.read();
            assertEquals(2 * costWant, twice[0], 2e-6 * Math.abs(costWant) + 1e-9);
            assertEquals(2.0 * correctWant, twice[1]);
            assertEquals(2.0 * m, twice[2]);

            metrics.reset();
            assertArrayEquals(new double[3], metrics.read(), "reset zeroes the metrics");
        } finally {
            metrics.close();
        }
    }

    /** First index of the largest value. */
    static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }

    @Test
    void accuracyUsesTheFirstMaximumAndIgnoresNaN() {
        // columns: a ties at 0/1 → 0 (y argmax 0: correct); a NaN in row 0 → argmax 2 (y 2: correct); all NaN → wrong
        float[] a = {0.4f, 0.4f, 0.2f, Float.NaN, 0.1f, 0.3f, Float.NaN, Float.NaN, Float.NaN};
        float[] y = {1, 0, 0, 0, 0, 1, 1, 0, 0};
        Mat da = s.mat(3, 3, a), dy = s.mat(3, 3, y), dz = s.mat(3, 3, a);
        Metrics metrics = ops.allocateMetrics();
        try {
            ops.outputDelta(Cost.QUADRATIC, Activation.IDENTITY, dz, da, dy, null, 3, metrics);
            assertEquals(2.0, metrics.read()[1]);
        } finally {
            metrics.close();
        }
    }

    @Test
    void mismatchedCostAndActivationIsRejected() {
        Mat x = s.mat(4, 2);
        Metrics metrics = ops.allocateMetrics();
        try {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> ops.outputDelta(Cost.CROSS_ENTROPY, Activation.SIGMOID, x, x, x, null, 2, metrics));
        } finally {
            metrics.close();
        }
    }

    // ---- bias gradient ------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}x{1} m={2}")
    @MethodSource("sumShapes")
    void sumColumnsMatchesADoubleReference(int rows, int cols, int m) {
        float[] x = uniform(rnd, rows * cols, -1, 1);
        Mat dx = s.mat(rows, cols, x), sums = s.mat(rows, 1, constant(rows, SENTINEL));
        ops.sumColumns(dx, m, sums);
        double[] want = new double[rows], tol = new double[rows];
        for (int i = 0; i < rows; i++) {
            double sum = 0, mag = 0;
            for (int j = 0; j < m; j++) {
                sum += x[i + j * rows];
                mag += Math.abs(x[i + j * rows]);
            }
            want[i] = sum;
            tol[i] = 1e-6 * Math.sqrt(m + 1.0) * mag;
        }
        assertWithin("sumColumns " + rows + "x" + cols + " m=" + m, want, s.get(sums), tol);
    }

    static Stream<Arguments> sumShapes() {
        return Stream.of(
                Arguments.of(1, 1, 1),
                Arguments.of(17, 33, 31),
                Arguments.of(5, 5000, 4999),
                Arguments.of(4099, 2, 2),
                Arguments.of(6, 9000, 9000),
                Arguments.of(8, 4, 0));
    }

    // ---- update -------------------------------------------------------------------------------

    @Test
    void updateMatchesTheFormulaBitForBit() {
        int n = 10007;
        long weights = 9000;
        float rate = 0.1f / 37f, decay = 1f - 0.1f * 5f / 60000f;
        float[] p = uniform(rnd, n, -1, 1), g = uniform(rnd, n, -3, 3), v = uniform(rnd, n, -0.1, 0.1);
        for (float mu : new float[] {0f, 0.9f}) {
            Block dp = ops.allocate(n), dg = ops.allocate(n), dv = ops.allocate(n);
            try {
                ops.upload(p, 0, dp, 0, n);
                ops.upload(g, 0, dg, 0, n);
                ops.upload(v, 0, dv, 0, n);
                ops.update(dp, dg, dv, weights, rate, mu, decay);
                float[] pWant = new float[n], vWant = v.clone();
                for (int i = 0; i < n; i++) {
                    if (mu == 0f) {
                        pWant[i] = i < weights ? decay * p[i] - rate * g[i] : p[i] - rate * g[i];
                    } else {
                        vWant[i] =
                                i < weights ? mu * v[i] - rate * g[i] - (1f - decay) * p[i] : mu * v[i] - rate * g[i];
                        pWant[i] = p[i] + vWant[i];
                    }
                }
                float[] pGot = new float[n], vGot = new float[n];
                ops.download(dp, 0, pGot, 0, n);
                ops.download(dv, 0, vGot, 0, n);
                assertBits("params, μ=" + mu, pWant, pGot);
                assertBits("velocity, μ=" + mu + (mu == 0f ? " (untouched)" : ""), vWant, vGot);
                if (mu == 0f) { // no velocity block at all
                    ops.upload(p, 0, dp, 0, n);
                    ops.update(dp, dg, null, weights, rate, 0f, decay);
                    ops.download(dp, 0, pGot, 0, n);
                    assertBits("params without a velocity block", pWant, pGot);
                }
            } finally {
                dp.close();
                dg.close();
                dv.close();
            }
        }
    }

    // ---- gather -------------------------------------------------------------------------------

    @Test
    void gatherCopiesTheIndexedColumns() {
        int rows = 13, cols = 1000, m = 64, offset = 100;
        float[] src = uniform(rnd, rows * cols, -1, 1);
        int[] perm = new int[cols];
        for (int i = 0; i < cols; i++) perm[i] = i;
        for (int i = cols - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        Mat dsrc = s.mat(rows, cols, src), dst = s.mat(rows, m + 6, constant(rows * (m + 6), SENTINEL));
        IndexBlock idx = ops.allocateIndices(cols);
        try {
            ops.upload(perm, idx);
            ops.gather(dsrc, idx, offset, m, dst);
            float[] want = constant(rows * (m + 6), SENTINEL);
            for (int j = 0; j < m; j++) System.arraycopy(src, perm[offset + j] * rows, want, j * rows, rows);
            assertBits("gathered columns", want, s.get(dst));

            ops.upload(new int[] {5, -1, cols, 7}, idx); // out-of-range indices give NaN columns
            ops.gather(dsrc, idx, 0, 4, dst);
            float[] got = s.get(dst);
            for (int i = 0; i < rows; i++) {
                assertEquals(src[5 * rows + i], got[i]);
                assertTrue(Float.isNaN(got[rows + i]) && Float.isNaN(got[2 * rows + i]), "bad index → NaN");
                assertEquals(src[7 * rows + i], got[3 * rows + i]);
            }
            assertThrows(IllegalArgumentException.class, () -> ops.gather(dsrc, idx, cols - 10, 11, dst));
        } finally {
            idx.close();
        }
    }

    @Test
    void gatherOfWideColumns() {
        int rows = 4099, cols = 40, m = 33;
        float[] src = uniform(rnd, rows * cols, -1, 1);
        int[] order = new int[m];
        for (int j = 0; j < m; j++) order[j] = rnd.nextInt(cols);
        Mat dsrc = s.mat(rows, cols, src), dst = s.mat(rows, m);
        IndexBlock idx = ops.allocateIndices(m);
        try {
            ops.upload(order, idx);
            ops.gather(dsrc, idx, 0, m, dst);
            float[] want = new float[rows * m];
            for (int j = 0; j < m; j++) System.arraycopy(src, order[j] * rows, want, j * rows, rows);
            assertBits("gathered 4099-row columns", want, s.get(dst));
        } finally {
            idx.close();
        }
    }

    // ---- lifecycle and threads ----------------------------------------------------------------

    @Test
    void blocksFreeOnceAndOnlyFromTheRoot() {
        long before = ops.allocatedBytes();
        Block root = ops.allocate(1000);
        assertEquals(before + 4000, ops.allocatedBytes());
        Block view = root.view(10, 100);
        view.close();
        assertEquals(before + 4000, ops.allocatedBytes(), "closing a view frees nothing");
        ops.fill(view, 1f); // still usable
        root.close();
        root.close();
        assertEquals(before, ops.allocatedBytes());
        assertThrows(IllegalStateException.class, () -> ops.fill(view, 2f));
        assertThrows(IllegalStateException.class, () -> ops.download(root, 0, new float[1], 0, 1));
    }

    @Test
    void blocksOfAnotherBackendInstanceAreRejected() {
        try (CudaOps other = new CudaOps(CudaOptions.defaults())) {
            Block foreign = other.allocate(16);
            assertThrows(IllegalArgumentException.class, () -> ops.fill(foreign, 1f));
        }
    }

    @Test
    void closeFreesEverythingAndLaterCallsFailClearly() {
        CudaOps other = new CudaOps(CudaOptions.defaults());
        other.allocate(1 << 20);
        other.allocateIndices(1000);
        other.allocateMetrics();
        assertTrue(other.allocatedBytes() > 4 << 20);
        other.close();
        other.close();
        assertEquals(0, other.allocatedBytes());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.allocate(4));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void anyThreadMayCallIn() throws Exception {
        Mat a = s.mat(4, 4, uniform(rnd, 16, -1, 1)),
                b = s.mat(4, 4, uniform(rnd, 16, -1, 1)),
                c1 = s.mat(4, 4),
                c2 = s.mat(4, 4);
        ops.gemm(false, false, 4, 4, 4, 1f, a, b, 0f, c1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                ops.gemm(false, false, 4, 4, 4, 1f, a, b, 0f, c2);
                ops.synchronize();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) throw new AssertionError("call from another thread failed", failure.get());
        assertArrayEquals(s.get(c1), s.get(c2));
    }

    @Test
    void debugModeGivesTheSameResults() {
        float[] z = uniform(rnd, 50 * 20, -3, 3), bias = uniform(rnd, 50, -1, 1);
        Mat dz = s.mat(50, 20, z), db = s.mat(50, 1, bias), da = s.mat(50, 20);
        ops.biasActivation(Activation.TANH, dz, db, da, 20);
        float[] normal = s.get(da);
        try (CudaOps debug = new CudaOps(new CudaOptions(0, false, false, true));
                GpuTestSupport.Scratch t = new GpuTestSupport.Scratch(debug)) {
            assertTrue(debug.description().contains("debug"), debug.description());
            Mat ez = t.mat(50, 20, z), eb = t.mat(50, 1, bias), ea = t.mat(50, 20);
            debug.biasActivation(Activation.TANH, ez, eb, ea, 20);
            assertArrayEquals(normal, t.get(ea));
        }
        assertNotEquals(0f, normal[0]);
    }
}
