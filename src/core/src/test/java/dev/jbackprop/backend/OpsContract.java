package dev.jbackprop.backend;

import static dev.jbackprop.backend.OpsSupport.SENTINEL;
import static dev.jbackprop.backend.OpsSupport.assertBits;
import static dev.jbackprop.backend.OpsSupport.assertClose;
import static dev.jbackprop.backend.OpsSupport.assertUlps;
import static dev.jbackprop.backend.OpsSupport.assertWithin;
import static dev.jbackprop.backend.OpsSupport.constant;
import static dev.jbackprop.backend.OpsSupport.uniform;
import static dev.jbackprop.backend.OpsSupport.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuMath;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.FeatureMatrix;
import dev.jbackprop.data.Normalization;
import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.ByteMat;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.SampleStore;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.engine.UpdateScalars;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract of {@link Ops}, written once and run against every backend: each operation against
 * expectations computed here on the host (double-precision loops; CpuMath for the elementwise maths,
 * which KernelMathTest holds the CUDA kernels' maths to), on shapes including 1×1, sizes that are not
 * a multiple of any block or warp size, sizes past 4096, seeded random shapes and partial batches (m
 * below the capacity, whose spare columns must stay untouched), with and without edge values (±0,
 * subnormals, ±inf, NaN). {@link OpsArgumentContract}, which this extends, holds them to the argument rules of OpsChecks.
 *
 * <p>A subclass says how to open its backend: CpuOpsContractTest runs everywhere, the CUDA one (tagged
 * gpu) is skipped with the probe's reason where there is no usable GPU.
 */
public abstract class OpsContract extends OpsArgumentContract {
    // ---- memory -------------------------------------------------------------------------------

    @Test
    void allocationsAreZeroFilledAndCopiesRespectOffsetsAndViews() {
        Mat m = mat(7, 11);
        assertArrayEquals(new float[77], get(m));
        float[] data = uniform(rnd, 20, -1, 1);
        ops.upload(data, 5, m.block(), 30, 10); // data[5..15) → block[30..40)
        float[] back = get(m);
        for (int i = 0; i < 77; i++) assertEquals(i >= 30 && i < 40 ? data[i - 30 + 5] : 0f, back[i], "element " + i);
        float[] part = new float[12];
        ops.download(m.block(), 33, part, 2, 5);
        for (int i = 0; i < 12; i++) assertEquals(i >= 2 && i < 7 ? back[33 + i - 2] : 0f, part[i]);

        Block view = m.block().view(10, 20);
        ops.fill(view, -3.5f);
        back = get(m);
        for (int i = 0; i < 77; i++) {
            float want = i >= 10 && i < 30 ? -3.5f : (i >= 30 && i < 40 ? data[i - 30 + 5] : 0f);
            assertEquals(want, back[i], "element " + i + " after filling the view [10, 30)");
        }
        Block inner = view.view(5, 3); // nested view = root offset 15
        ops.upload(new float[] {1, 2, 3}, 0, inner, 0, 3);
        back = get(m);
        assertEquals(1f, back[15]);
        assertEquals(3f, back[17]);
        assertEquals(-3.5f, back[18]);

        assertThrows(IndexOutOfBoundsException.class, () -> ops.upload(data, 0, view, 15, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> ops.download(m.block(), 70, new float[10], 0, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> m.block().view(70, 8));

        Block empty = ops.allocate(0);
        assertEquals(0, empty.length());
        assertEquals(0, empty.view(0, 0).length());
        ops.fill(empty, 1f);
        ops.upload(data, 20, empty, 0, 0);
        empty.close();
    }

    /** Copies and fills keep every bit: −0, subnormals, infinities, NaN payloads. */
    @Test
    void copiesAndFillsKeepEdgeValuesBitForBit() {
        Mat m = mat(OpsSupport.EDGE.length, 1, OpsSupport.EDGE);
        float[] back = get(m);
        for (int i = 0; i < back.length; i++) {
            assertEquals(
                    Float.floatToRawIntBits(OpsSupport.EDGE[i]),
                    Float.floatToRawIntBits(back[i]),
                    "bits of " + OpsSupport.EDGE[i]);
        }
        for (float v : new float[] {-0f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY, Float.NaN}) {
            ops.fill(m.block(), v);
            assertBits("fill with " + v, constant(back.length, v), get(m));
        }
    }

    @Test
    void indexUploadFillsAPrefixAndCopiesQueueLikeKernels() {
        IndexBlock idx = indices(6), batch = indices(4);
        ops.upload(new int[] {5, 4, 3, 2, 1, 0}, idx);
        ops.upload(new int[] {9, 9}, idx); // the first two; the rest keep their values
        ops.copyIndices(idx, 1, 4, batch); // 9 3 2 1
        float[] src = uniform(rnd, 3 * 10, -1, 1);
        Mat x = mat(3, 10, src), dst = mat(3, 4);
        ops.gather(x, batch, 0, 4, dst);
        float[] want = new float[12];
        int[] cols = {9, 3, 2, 1};
        for (int j = 0; j < 4; j++) System.arraycopy(src, cols[j] * 3, want, j * 3, 3);
        assertBits("gathered through copied indices", want, get(dst));
    }

    // ---- gemm ---------------------------------------------------------------------------------

    static Stream<Arguments> gemmShapes() {
        List<int[]> shapes = new ArrayList<>(List.of(
                new int[] {1, 1, 1},
                new int[] {3, 5, 7},
                new int[] {7, 13, 5},
                new int[] {17, 1, 33},
                new int[] {33, 17, 65},
                new int[] {64, 64, 64},
                new int[] {64, 65, 63},
                new int[] {130, 7, 257},
                new int[] {1, 300, 2},
                new int[] {4099, 3, 7},
                new int[] {5, 4101, 3},
                new int[] {3, 5, 4097},
                new int[] {1, 4100, 1},
                new int[] {3, 4, 0}));
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 4; i++) shapes.add(new int[] {1 + r.nextInt(300), 1 + r.nextInt(300), 1 + r.nextInt(300)});
        List<Arguments> out = new ArrayList<>();
        for (int[] sh : shapes)
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true})
                    out.add(Arguments.of(sh[0], sh[1], sh[2], ta, tb, false));
        for (int[] sh : new int[][] {{1, 1, 1}, {7, 13, 5}, {33, 17, 65}})
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true}) out.add(Arguments.of(sh[0], sh[1], sh[2], ta, tb, true));
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4} edge={5}")
    @MethodSource("gemmShapes")
    void gemmMatchesADoubleReference(int m, int n, int k, boolean transA, boolean transB, boolean edge) {
        OpsSupport.checkGemm(ops, rnd, m, n, k, transA, transB, 0.75f, 0.5f, 2e-6, edge);
    }

    @Test
    void gemmWithBetaZeroIgnoresWhatCHeld() {
        float[] c = constant(12, Float.NaN);
        c[5] = Float.POSITIVE_INFINITY;
        Mat a = mat(3, 2, uniform(rnd, 6, -1, 1)), b = mat(2, 4, uniform(rnd, 8, -1, 1)), dc = mat(3, 4, c);
        ops.gemm(false, false, 3, 4, 2, 1f, a, b, 0f, dc);
        for (float v : get(dc)) assertTrue(Float.isFinite(v), "β = 0 must not read C (NaN or inf leaked through)");
    }

    // ---- bias + activation, derivative --------------------------------------------------------

    static Stream<Arguments> activationCases() {
        Activation[] acts = {
            Activation.SIGMOID,
            Activation.TANH,
            Activation.RELU,
            Activation.LEAKY_RELU,
            Activation.parse("leaky_relu:0.2"),
            Activation.ELU,
            Activation.parse("elu:0.5"),
            Activation.parse("elu:0.7"),
            Activation.IDENTITY,
            Activation.SOFTMAX
        };
        // rows, cols, m: 1×1, odd sizes, past 4096, one column, partial batches, and (on the CPU) shapes
        // large enough to split over threads by columns and by rows
        List<int[]> shapes = new ArrayList<>(List.of(
                new int[] {1, 1, 1},
                new int[] {1, 3, 2},
                new int[] {7, 13, 12},
                new int[] {33, 1, 1},
                new int[] {4097, 3, 2},
                new int[] {10, 5000, 4999},
                new int[] {8, 4097, 4096},
                new int[] {300, 200, 199},
                new int[] {1024, 33, 33}));
        SplittableRandom r = new SplittableRandom(6);
        for (int i = 0; i < 2; i++) {
            int cols = 1 + r.nextInt(200);
            shapes.add(new int[] {1 + r.nextInt(200), cols, 1 + r.nextInt(cols)});
        }
        List<Arguments> out = new ArrayList<>();
        for (Activation a : acts) {
            for (int[] sh : shapes) out.add(Arguments.of(a, sh[0], sh[1], sh[2], false));
            for (int[] sh : new int[][] {{1, 1, 1}, {7, 13, 12}, {33, 40, 39}})
                out.add(Arguments.of(a, sh[0], sh[1], sh[2], true));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2} m={3} edge={4}")
    @MethodSource("activationCases")
    void biasActivationMatchesCpuMath(Activation act, int rows, int cols, int m, boolean edge) {
        float[] z = values(rnd, rows * cols, -6, 6, edge);
        float[] bias = values(rnd, rows, -0.5, 0.5, edge);
        float[] a0 = constant(rows * cols, SENTINEL);
        Mat dz = mat(rows, cols, z), db = mat(rows, 1, bias), da = mat(rows, cols, a0);
        ops.biasActivation(act, dz, db, da, m);
        float[] zWant = z.clone(), aWant = a0.clone();
        for (int j = 0; j < m; j++) for (int i = 0; i < rows; i++) zWant[i + j * rows] = z[i + j * rows] + bias[i];
        if (act.kind() == Activation.Kind.SOFTMAX) {
            for (int j = 0; j < m; j++) OpsSupport.softmaxColumn(zWant, aWant, j * rows, rows);
        } else {
            for (int p = 0; p < m * rows; p++)
                aWant[p] = CpuMath.activate(act.kind().code, (float) act.alpha(), zWant[p]);
        }
        assertBits(act + ": z + bias", zWant, get(dz));
        float[] got = get(da);
        assertUlps(act + ": a = σ(z)", aWant, got, act.kind() == Activation.Kind.SOFTMAX ? 2 : 1, 1e-37);
        if (edge) return;
        // and against the textbook formulas in double, independent of CpuMath
        for (int j = 0; j < m; j++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < rows; i++) max = Math.max(max, (double) z[i + j * rows] + bias[i]);
            for (int i = 0; i < rows; i++) sum += Math.exp((double) z[i + j * rows] + bias[i] - max);
            for (int i = 0; i < rows; i++) {
                double zz = (double) z[i + j * rows] + bias[i];
                double want = switch (act.kind()) {
                    case SIGMOID -> 1 / (1 + Math.exp(-zz));
                    case TANH -> Math.tanh(zz);
                    case RELU -> Math.max(0, zz);
                    case LEAKY_RELU -> zz > 0 ? zz : act.alpha() * zz;
                    case ELU -> zz > 0 ? zz : act.alpha() * Math.expm1(zz);
                    case IDENTITY -> zz;
                    case SOFTMAX -> Math.exp(zz - max) / sum;
                };
                assertEquals(want, got[i + j * rows], 2e-6 * (1 + Math.abs(want)), act + " at " + i + "," + j);
            }
        }
    }

    static Stream<Arguments> backwardCases() {
        return activationCases().filter(a -> ((Activation) a.get()[0]).kind() != Activation.Kind.SOFTMAX);
    }

    @ParameterizedTest(name = "{0} {1}x{2} m={3} edge={4}")
    @MethodSource("backwardCases")
    void activationBackwardMatchesCpuMath(Activation act, int rows, int cols, int m, boolean edge) {
        int code = act.kind().code;
        float alpha = (float) act.alpha();
        float[] z = values(rnd, rows * cols, -6, 6, edge);
        float[] a = new float[z.length];
        for (int p = 0; p < z.length; p++) a[p] = CpuMath.activate(code, alpha, z[p]);
        float[] delta = values(rnd, z.length, -2, 2, edge);
        Mat dz = mat(rows, cols, z), da = mat(rows, cols, a), dd = mat(rows, cols, delta);
        ops.activationBackward(act, dz, da, dd, m);
        float[] want = delta.clone();
        for (int p = 0; p < m * rows; p++) want[p] = delta[p] * CpuMath.derivative(code, alpha, z[p], a[p]);
        float[] got = get(dd);
        assertBits(act + ": δ ⊙ σ′(z)", want, got);
        assertBits(act + ": z untouched", z, get(dz));
        if (edge) return;
        for (int p = 0; p < m * rows; p++) { // and against σ′ in double, independent of CpuMath
            double zz = z[p], aa = a[p];
            double der = switch (act.kind()) {
                case SIGMOID -> aa * (1 - aa);
                case TANH -> 1 - aa * aa;
                case RELU -> zz > 0 ? 1 : 0;
                case LEAKY_RELU -> zz > 0 ? 1 : act.alpha();
                case ELU -> zz > 0 ? 1 : act.alpha() * Math.exp(zz);
                default -> 1;
            };
            assertEquals(delta[p] * der, got[p], 1e-5 * (1 + Math.abs(delta[p] * der)), act + " derivative at " + p);
        }
    }

    // ---- output error, cost, accuracy ---------------------------------------------------------

    static Stream<Arguments> lossCases() {
        List<Arguments> out = new ArrayList<>();
        int[][] shapes = {
            {10, 37, 35},
            {1, 50, 50},
            {4099, 3, 3},
            {3, 5000, 4999},
            {1, 1, 1},
            {3, 5, 5},
            {4, 9, 9},
            {10, 13, 13},
            {7, 3, 3},
            {1, 9, 8}
        };
        for (boolean edge : new boolean[] {false, true}) {
            for (int[] sh : edge ? new int[][] {{10, 37, 35}, {1, 50, 50}, {1, 1, 1}} : shapes) {
                out.add(Arguments.of(Cost.CROSS_ENTROPY, Activation.SOFTMAX, sh[0], sh[1], sh[2], edge));
                out.add(Arguments.of(Cost.BINARY_CROSS_ENTROPY, Activation.SIGMOID, sh[0], sh[1], sh[2], edge));
                for (Activation a : Activation.hiddenChoices())
                    out.add(Arguments.of(Cost.QUADRATIC, a, sh[0], sh[1], sh[2], edge));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}+{1} {2}x{3} m={4} edge={5}")
    @MethodSource("lossCases")
    void outputErrorAndMetricsMatchTheHost(Cost cost, Activation out, int rows, int cols, int m, boolean edge) {
        int n = rows * cols;
        float[] z = values(rnd, n, -5, 5, edge);
        float[] a = new float[n];
        if (out.kind() == Activation.Kind.SOFTMAX) {
            for (int j = 0; j < cols; j++) OpsSupport.softmaxColumn(z, a, j * rows, rows);
        } else {
            for (int p = 0; p < n; p++) a[p] = CpuMath.activate(out.kind().code, (float) out.alpha(), z[p]);
        }
        float[] y = new float[n];
        for (int j = 0; j < cols; j++) {
            if (cost == Cost.CROSS_ENTROPY) y[j * rows + rnd.nextInt(rows)] = 1f;
            else
                for (int i = 0; i < rows; i++)
                    y[j * rows + i] = cost == Cost.BINARY_CROSS_ENTROPY ? rnd.nextInt(2) : (float) rnd.nextDouble();
            if (edge && j % 4 == 3)
                y[j * rows + rnd.nextInt(rows)] = OpsSupport.EDGE[rnd.nextInt(OpsSupport.EDGE.length)];
        }
        Mat dz = mat(rows, cols, z), da = mat(rows, cols, a), dy = mat(rows, cols, y);
        Mat dd = mat(rows, cols, constant(n, SENTINEL));

        // expectations: δ and the cost with CpuMath's formulas (the kernels' maths), the cost again
        // from the textbook formulas in double, and the accuracy rule
        float[] deltaWant = constant(n, SENTINEL);
        double costWant = 0, costTextbook = 0;
        int correctWant = 0;
        for (int j = 0; j < m; j++) {
            int off = j * rows;
            double lse = cost == Cost.CROSS_ENTROPY ? OpsSupport.logSumExp(z, off, rows) : 0;
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
                double av = a[p], yv = y[p], zv = z[p];
                double textbookDelta = (av - yv)
                        * (cost != Cost.QUADRATIC
                                ? 1
                                : switch (out.kind()) {
                                    case SIGMOID -> av * (1 - av);
                                    case TANH -> 1 - av * av;
                                    case RELU -> zv > 0 ? 1 : 0;
                                    case LEAKY_RELU -> zv > 0 ? 1 : out.alpha();
                                    case ELU -> zv > 0 ? 1 : out.alpha() * Math.exp(zv);
                                    default -> 1;
                                });
                if (!edge)
                    assertEquals(
                            textbookDelta, deltaWant[p], 1e-6 + 1e-7 * Math.abs(textbookDelta), "δ, textbook, at " + p);
                costTextbook += switch (cost) {
                    case QUADRATIC -> 0.5 * (av - yv) * (av - yv);
                    case CROSS_ENTROPY -> yv == 0 ? 0 : -yv * Math.log(av);
                    case BINARY_CROSS_ENTROPY -> -(yv * Math.log(av) + (1 - yv) * Math.log(1 - av));
                };
            }
            if (OpsSupport.correct(a, y, off, rows)) correctWant++;
        }

        Metrics metrics = metrics();
        assertArrayEquals(new double[3], metrics.read(), "fresh metrics are zero");
        ops.outputError(cost, out, dz, da, dy, dd, m, metrics);
        assertBits(cost + "+" + out + " delta", deltaWant, get(dd));
        double[] got = metrics.read();
        assertClose("cost sum", costWant, got[0], 1e-6 * Math.abs(costWant) + 1e-9);
        if (!edge) assertClose("cost sum, textbook formula", costTextbook, got[0], 1e-5 * (1 + costTextbook));
        assertEquals(correctWant, got[1], "correct predictions");
        assertEquals(m, got[2], "samples");

        // evaluation: delta == null adds to the metrics and leaves delta alone
        ops.fill(dd.block(), -1f);
        ops.outputError(cost, out, dz, da, dy, null, m, metrics);
        assertArrayEquals(constant(n, -1f), get(dd), "delta untouched when null is passed");
        double[] twice = metrics.read();
        assertClose("cost sum after two calls", 2 * costWant, twice[0], 2e-6 * Math.abs(costWant) + 1e-9);
        assertEquals(2.0 * correctWant, twice[1]);
        assertEquals(2.0 * m, twice[2]);

        metrics.reset();
        assertArrayEquals(new double[3], metrics.read(), "reset zeroes the metrics");
    }

    /**
     * The accuracy rule, column by column: the first maximum wins a tie (−0 ties +0), NaN never wins,
     * a column of NaN (output or target) has no argmax and is wrong.
     */
    @Test
    void accuracyUsesTheFirstMaximumAndNeverCountsNaN() {
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        float[] a = {
            0.4f,
            0.4f,
            0.2f, // tie at 0 and 1 → 0; y → 0: right
            nan,
            0.1f,
            0.3f, // NaN skipped → 2; y → 2: right
            nan,
            nan,
            nan, // no argmax: wrong
            nan,
            -inf,
            -inf, // → 1 (first number, ties to the lower index); y → 1: right
            0.9f,
            0.1f,
            0.2f, // → 0, but y is all NaN: wrong
            -0f,
            0f,
            -1f, // −0 ties +0 → 0; y → 1: wrong
            0.2f,
            0.7f,
            0.1f // → 1; y → 1: right
        };
        float[] y = {1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, nan, nan, nan, 0, 1, 0, 0, 1, 0};
        Metrics metrics = metrics();
        Mat da = mat(3, 7, a);
        ops.outputError(Cost.QUADRATIC, Activation.IDENTITY, mat(3, 7, a), da, mat(3, 7, y), null, 7, metrics);
        assertEquals(4.0, metrics.read()[1]);
    }

    /** One output row: right when a and y are on the same side of ½ (½ is above), never with a NaN. */
    @Test
    void aSingleOutputIsRightOnTheSameSideOfAHalfAndNeverWhenNaN() {
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        float[] a = {0.7f, nan, nan, 0.5f, Math.nextDown(0.5f), 0.9f, 0.2f, inf, -inf, -0f, 0.6f};
        float[] y = {1f, 0f, 1f, 1f, 0f, nan, 0f, 1f, 1f, 0f, 0f};
        boolean[] right = {true, false, false, true, true, false, true, true, false, true, false};
        int want = 0;
        for (int j = 0; j < a.length; j++) {
            assertEquals(right[j], OpsSupport.correct(a, y, j, 1), "the test's own rule, column " + j);
            if (right[j]) want++;
        }
        Metrics metrics = metrics();
        ops.outputError(
                Cost.QUADRATIC,
                Activation.IDENTITY,
                mat(1, a.length, a),
                mat(1, a.length, a),
                mat(1, a.length, y),
                null,
                a.length,
                metrics);
        assertEquals(want, metrics.read()[1]);
    }

    // ---- bias gradient ------------------------------------------------------------------------

    static Stream<Arguments> sumShapes() {
        return Stream.of(
                Arguments.of(1, 1, 1, false),
                Arguments.of(5, 9, 7, false),
                Arguments.of(17, 33, 31, false),
                Arguments.of(5, 5000, 4999, false),
                Arguments.of(4099, 2, 2, false),
                Arguments.of(6, 9000, 9000, false),
                Arguments.of(300, 200, 199, false),
                Arguments.of(8, 4, 0, false),
                Arguments.of(1, 1, 1, true),
                Arguments.of(17, 33, 31, true),
                Arguments.of(300, 200, 199, true));
    }

    @ParameterizedTest(name = "{0}x{1} m={2} edge={3}")
    @MethodSource("sumShapes")
    void sumColumnsMatchesADoubleReference(int rows, int cols, int m, boolean edge) {
        float[] x = uniform(rnd, rows * cols, -1, 1);
        if (edge) OpsSupport.sprinkle(rnd, x, Math.max(1, rows / 3));
        Mat dx = mat(rows, cols, x), sums = mat(rows, 1, constant(rows, SENTINEL));
        ops.sumColumns(dx, m, sums);
        double[] want = new double[rows], tol = new double[rows];
        for (int i = 0; i < rows; i++) {
            double sum = 0, mag = 0;
            for (int j = 0; j < m; j++) {
                sum += x[i + j * rows];
                mag += Math.abs(x[i + j * rows]);
            }
            want[i] = sum;
            tol[i] = 1e-6 * Math.sqrt(m + 1.0) * mag + 1e-37 * (m + 1);
        }
        assertWithin("sumColumns " + rows + "x" + cols + " m=" + m, want, get(sums), tol);
        assertBits("x untouched", x, get(dx));
    }

    // ---- update -------------------------------------------------------------------------------

    @ParameterizedTest(name = "edge={0}")
    @MethodSource("booleans")
    void updateMatchesTheFormulaBitForBit(boolean edge) {
        int n = 10007;
        long weights = 9000;
        float rate = 0.1f / 37f, decay = 1f - 0.1f * 5f / 60000f;
        float[] p = values(rnd, n, -1, 1, edge), g = values(rnd, n, -3, 3, edge), v = values(rnd, n, -0.1, 0.1, edge);
        for (float mu : new float[] {0f, 0.9f}) {
            Block dp = block(p), dg = block(g), dv = block(v);
            ops.update(dp, dg, dv, weights, rate, mu, decay);
            float[] pWant = new float[n], vWant = v.clone();
            for (int i = 0; i < n; i++) {
                if (mu == 0f) {
                    pWant[i] = i < weights ? decay * p[i] - rate * g[i] : p[i] - rate * g[i];
                } else {
                    vWant[i] = i < weights ? mu * v[i] - rate * g[i] - (1f - decay) * p[i] : mu * v[i] - rate * g[i];
                    pWant[i] = p[i] + vWant[i];
                }
            }
            assertBits("params, μ=" + mu, pWant, get(dp));
            assertBits("velocity, μ=" + mu + (mu == 0f ? " (untouched)" : ""), vWant, get(dv));
            assertBits("gradients untouched", g, get(dg));
            if (mu == 0f) { // no velocity block at all
                ops.upload(p, 0, dp, 0, n);
                ops.update(dp, dg, null, weights, rate, 0f, decay);
                assertBits("params without a velocity block", pWant, get(dp));
            }
        }
    }

    static Stream<Boolean> booleans() {
        return Stream.of(false, true);
    }

    /** All weights, all biases, and a one-element block. */
    @Test
    void updateSplitsWeightsAndBiasesAtTheEnds() {
        float[] p = {1, -2, 3}, g = {0.5f, -0.25f, 2};
        for (long weights : new long[] {0, 3}) {
            Block dp = block(p), dg = block(g);
            ops.update(dp, dg, null, weights, 0.1f, 0f, 0.9f);
            float[] want = new float[3];
            for (int i = 0; i < 3; i++) want[i] = i < weights ? 0.9f * p[i] - 0.1f * g[i] : p[i] - 0.1f * g[i];
            assertBits("weightCount " + weights, want, get(dp));
        }
        Block one = block(new float[] {2f}), oneG = block(new float[] {4f}), oneV = block(new float[] {1f});
        ops.update(one, oneG, oneV, 1, 0.5f, 0.5f, 1f);
        assertBits("one weight with momentum", new float[] {2f + (0.5f * 1f - 0.5f * 4f - 0f * 2f)}, get(one));
        assertBits("its velocity", new float[] {0.5f * 1f - 0.5f * 4f - 0f * 2f}, get(oneV));
    }

    // ---- optimiser steps ----------------------------------------------------------------------

    /** One optimiser of each rule, with every hyper-parameter away from its neutral value. */
    static Optimizer optimizer(Optimizer.Kind rule) {
        return switch (rule) {
            case SGD -> Optimizer.sgd(0.9);
            case NESTEROV -> Optimizer.nesterov(0.85, 1e-3);
            case ADAM -> Optimizer.adam(0.8, 0.99, 1e-6, 1e-3);
            case ADAMW -> Optimizer.adamw(0.85, 0.995, 1e-7, 0.05);
        };
    }

    static Stream<Arguments> rulesAndEdges() {
        List<Arguments> out = new ArrayList<>();
        for (Optimizer.Kind k : Optimizer.Kind.values())
            for (boolean edge : new boolean[] {false, true}) out.add(Arguments.of(k, edge));
        return out.stream();
    }

    /**
     * Three steps of each rule (t = 1, 2, 3: Adam's bias corrections from the first step on, a rate that changes
     * between steps, a partial batch in the last) on 10,007 parameters, 9,000 of them weights: parameters and
     * state after each step bit for bit the formulas of Ops.optimizerStep, gradients untouched.
     */
    @ParameterizedTest(name = "{0}, edge={1}")
    @MethodSource("rulesAndEdges")
    void optimizerStepMatchesTheFormulaBitForBit(Optimizer.Kind rule, boolean edge) {
        int n = 10007;
        long weights = 9000;
        Optimizer o = optimizer(rule);
        float[] p = values(rnd, n, -1, 1, edge), g = values(rnd, n, -3, 3, edge);
        float[] s1 = values(rnd, n, -0.1, 0.1, edge), s2 = values(rnd, n, 0, 0.01, edge);
        boolean two = rule.adaptive();
        Block dp = block(p), dg = block(g), ds1 = block(s1), ds2 = two ? block(s2) : null;
        Block dsc = mat(UpdateScalars.COUNT, 1).block();
        float[] sc = new float[UpdateScalars.COUNT];
        double[] rates = {0.05, 0.08, 0.02};
        int[] batch = {64, 64, 17};
        for (int t = 1; t <= 3; t++) {
            double lambda = rule == Optimizer.Kind.SGD ? 5.0 : 0.0;
            UpdateScalars.compute(sc, o, rates[t - 1], rates[Math.max(0, t - 2)], lambda, 60000, batch[t - 1], t);
            ops.setScalars(dsc, sc);
            ops.optimizerStep(rule, dp, dg, ds1, ds2, weights, dsc);
            for (int i = 0; i < n; i++) {
                float[] u = UpdateFormulas.step(rule, i < weights, true, p[i], g[i], s1[i], s2[i], sc);
                p[i] = u[0];
                s1[i] = u[1];
                s2[i] = u[2];
            }
            assertBits(rule + " params after step " + t, p, get(dp));
            assertBits(rule + " first state after step " + t, s1, get(ds1));
            if (two) assertBits(rule + " second state after step " + t, s2, get(ds2));
            assertBits("gradients untouched", g, get(dg));
        }
    }

    /**
     * sgd through optimizerStep is Ops.update, bit for bit, with and without a velocity (the textbook's update
     * that every run before optimisers made), edge values included.
     */
    @ParameterizedTest(name = "edge={0}")
    @MethodSource("booleans")
    void sgdStepIsTheUpdateBitForBit(boolean edge) {
        int n = 4099;
        long weights = 3000;
        float[] p = values(rnd, n, -1, 1, edge), g = values(rnd, n, -3, 3, edge), v = values(rnd, n, -1, 1, edge);
        float[] sc = new float[UpdateScalars.COUNT];
        for (double mu : new double[] {0, 0.9}) {
            UpdateScalars.compute(sc, Optimizer.sgd(mu), 0.1, 0.1, 5.0, 60000, 37, 1);
            Block viaUpdate = block(p), viaStep = block(p), dg = block(g);
            Block v1 = mu == 0 ? null : block(v), v2 = mu == 0 ? null : block(v);
            Block dsc = block(sc);
            ops.update(viaUpdate, dg, v1, weights, sc[UpdateScalars.RATE], (float) mu, sc[UpdateScalars.DECAY]);
            ops.optimizerStep(Optimizer.Kind.SGD, viaStep, dg, v2, null, weights, dsc);
            assertBits("params, μ=" + mu, get(viaUpdate), get(viaStep));
            if (mu != 0) assertBits("velocity, μ=" + mu, get(v1), get(v2));
        }
    }

    /**
     * A replayed step (on CUDA a graph; on the CPU the body) that reads the scalars follows what setScalars
     * wrote before each run: Adam's rate and bias corrections change every step and every run matches the
     * formulas at its own step.
     */
    @Test
    void aReplayedStepReadsTheScalarsWrittenBeforeEachRun() {
        int n = 3001;
        Optimizer o = optimizer(Optimizer.Kind.ADAM);
        float[] p = values(rnd, n, -1, 1, false), g = values(rnd, n, -3, 3, false);
        float[] s1 = new float[n], s2 = new float[n];
        Block dp = block(p), dg = block(g), ds1 = block(s1), ds2 = block(s2);
        Block dsc = mat(UpdateScalars.COUNT, 1).block();
        float[] sc = new float[UpdateScalars.COUNT];
        try (StepReplay r = ops.capture(() -> ops.optimizerStep(Optimizer.Kind.ADAM, dp, dg, ds1, ds2, n, dsc))) {
            for (int t = 1; t <= 6; t++) {
                double rate = 0.1 / t;
                UpdateScalars.compute(sc, o, rate, rate, 0, 1, 32, t);
                ops.setScalars(dsc, sc); // outside the body, before each run
                r.run();
                for (int i = 0; i < n; i++) {
                    float[] u = UpdateFormulas.step(Optimizer.Kind.ADAM, true, true, p[i], g[i], s1[i], s2[i], sc);
                    p[i] = u[0];
                    s1[i] = u[1];
                    s2[i] = u[2];
                }
                assertBits("params after run " + t + " (rate " + rate + ")", p, get(dp));
            }
        }
    }

    @Test
    void setScalarsWritesAPrefixAndLeavesTheRest() {
        Block d = block(constant(20, SENTINEL));
        float[] v = new float[Ops.MAX_SCALARS];
        for (int i = 0; i < v.length; i++) v[i] = i == 3 ? Float.NaN : i == 5 ? -0f : 1.5f * i - 7;
        ops.setScalars(d, v);
        float[] want = constant(20, SENTINEL);
        System.arraycopy(v, 0, want, 0, v.length);
        assertBits("all " + Ops.MAX_SCALARS, want, get(d));
        ops.setScalars(d.view(2, 5), new float[] {9, 8, 7});
        want[2] = 9;
        want[3] = 8;
        want[4] = 7;
        assertBits("three into a view", want, get(d));
        ops.setScalars(d, new float[0]);
        assertBits("none", want, get(d));
    }

    // ---- gather -------------------------------------------------------------------------------

    @Test
    void gatherCopiesTheIndexedColumnsAndGivesNaNForAnIndexOutside() {
        int rows = 13, cols = 1000, m = 64, offset = 100;
        float[] src = values(rnd, rows * cols, -1, 1, true);
        int[] perm = new int[cols];
        for (int i = 0; i < cols; i++) perm[i] = i;
        for (int i = cols - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        Mat dsrc = mat(rows, cols, src), dst = mat(rows, m + 6, constant(rows * (m + 6), SENTINEL));
        IndexBlock idx = indices(cols);
        ops.upload(perm, idx);
        ops.gather(dsrc, idx, offset, m, dst);
        float[] want = constant(rows * (m + 6), SENTINEL);
        for (int j = 0; j < m; j++) System.arraycopy(src, perm[offset + j] * rows, want, j * rows, rows);
        assertBits("gathered columns", want, get(dst));

        ops.upload(new int[] {5, -1, cols, 7, 5}, idx); // out-of-range indices give NaN columns; 5 twice
        ops.gather(dsrc, idx, 0, 5, dst);
        float[] got = get(dst);
        for (int i = 0; i < rows; i++) {
            assertEquals(Float.floatToRawIntBits(src[5 * rows + i]), Float.floatToRawIntBits(got[i]));
            assertTrue(Float.isNaN(got[rows + i]) && Float.isNaN(got[2 * rows + i]), "bad index → NaN");
            assertEquals(src[7 * rows + i], got[3 * rows + i]);
            assertEquals(src[5 * rows + i], got[4 * rows + i]);
        }
    }

    @Test
    void gatherOfWideColumns() {
        int rows = 4099, cols = 40, m = 33;
        float[] src = uniform(rnd, rows * cols, -1, 1);
        int[] order = new int[m];
        for (int j = 0; j < m; j++) order[j] = rnd.nextInt(cols);
        Mat dsrc = mat(rows, cols, src), dst = mat(rows, m);
        IndexBlock idx = indices(m);
        ops.upload(order, idx);
        ops.gather(dsrc, idx, 0, m, dst);
        float[] want = new float[rows * m];
        for (int j = 0; j < m; j++) System.arraycopy(src, order[j] * rows, want, j * rows, rows);
        assertBits("gathered 4099-row columns", want, get(dst));
    }

    // ---- uint8 and one-hot gathers ------------------------------------------------------------

    /**
     * The uint8 gather decodes v / 255 and normalises (x − shift)·factor exactly as the data package's
     * host gather (Dataset.gatherFeatures) does, bit for bit: every byte value, shifts and factors from
     * a fitted normalisation and at the edges (0, −0, 1, tiny, huge), a partial batch whose spare columns
     * stay untouched, repeated and out-of-range indices (NaN columns).
     */
    @ParameterizedTest(name = "{0} rows, normalised {1}")
    @MethodSource("byteGatherShapes")
    void gatherBytesDecodesAndNormalisesAsTheDataPackageDoes(int rows, boolean normalised) throws Exception {
        int cols = 300, m = 61, capacity = 64;
        byte[] src = new byte[rows * cols];
        for (int i = 0; i < src.length; i++) src[i] = (byte) (i < 256 ? i : rnd.nextInt(256)); // every value
        Dataset set = Dataset.unlabeled(FeatureMatrix.wrapUint8(rows, src, java.util.List.of()));
        if (normalised) {
            double[] mean = new double[rows], std = new double[rows];
            for (int k = 0; k < rows; k++) {
                mean[k] = rnd.nextDouble();
                std[k] = k % 7 == 0 ? 0 : k % 7 == 1 ? 1e-30 : k % 7 == 2 ? 1e30 : 0.05 + rnd.nextDouble();
            }
            set = set.withNormalization(Normalization.of(Normalization.Kind.STANDARD, mean, std));
        }
        float[] shift = set.normalization().shiftFloats(),
                factor = set.normalization().factorFloats();
        if (normalised) { // edge values the fitted statistics do not reach
            shift[rows - 1] = -0f;
            factor[rows - 1] = Float.MIN_VALUE;
        }
        int[] order = new int[capacity];
        for (int j = 0; j < capacity; j++) order[j] = rnd.nextInt(cols);
        order[3] = order[4];
        ByteMat x = bytes(rows, cols, src);
        IndexBlock idx = indices(order);
        Mat sh = normalised ? mat(rows, 1, shift) : null, fa = normalised ? mat(rows, 1, factor) : null;
        Mat dst = mat(rows, capacity, constant(rows * capacity, SENTINEL));
        ops.gatherBytes(x, idx, 2, m, sh, fa, dst);

        float[] want = constant(rows * capacity, SENTINEL);
        if (normalised && rows > 1) {
            set.gatherFeatures(order, 2, m, want, 0); // the data package's own gather, except the edge row
            for (int j = 0; j < m; j++) {
                int at = j * rows + rows - 1;
                want[at] =
                        (SampleStore.decode(src[order[2 + j] * rows + rows - 1]) - shift[rows - 1]) * factor[rows - 1];
            }
        } else if (!normalised) {
            set.gatherFeatures(order, 2, m, want, 0);
        } else {
            for (int j = 0; j < m; j++) want[j] = (SampleStore.decode(src[order[2 + j]]) - shift[0]) * factor[0];
        }
        assertBits("gathered bytes", want, get(dst));

        ops.upload(new int[] {5, -1, cols, 7}, idx); // bad indices give NaN columns
        ops.gatherBytes(x, idx, 0, 4, sh, fa, dst);
        float[] got = get(dst);
        for (int i = 0; i < rows; i++) {
            assertTrue(Float.isNaN(got[rows + i]) && Float.isNaN(got[2 * rows + i]), "bad index → NaN");
            assertEquals(
                    Float.floatToRawIntBits(want(src, rows, 5, i, shift, factor, normalised)),
                    Float.floatToRawIntBits(got[i]));
            assertEquals(
                    Float.floatToRawIntBits(want(src, rows, 7, i, shift, factor, normalised)),
                    Float.floatToRawIntBits(got[3 * rows + i]));
        }
    }

    private static float want(byte[] src, int rows, int col, int row, float[] shift, float[] factor, boolean norm) {
        float v = SampleStore.decode(src[col * rows + row]);
        return norm ? (v - shift[row]) * factor[row] : v;
    }

    static Stream<Arguments> byteGatherShapes() {
        List<Arguments> out = new ArrayList<>();
        for (int rows : new int[] {1, 13, 784, 4099}) {
            out.add(Arguments.of(rows, false));
            out.add(Arguments.of(rows, true));
        }
        return out.stream();
    }

    /** The host's gather of a SampleStore (what streaming uses) is the same rule: compared with the backend's. */
    @Test
    void gatherBytesEqualsTheHostGatherOfASampleStore() {
        int rows = 29, cols = 50, m = 20;
        byte[] src = new byte[rows * cols];
        for (int i = 0; i < src.length; i++) src[i] = (byte) rnd.nextInt(256);
        float[] shift = uniform(rnd, rows, -1, 1), factor = uniform(rnd, rows, 0.1, 9);
        SampleStore store = SampleStore.uint8(rows, src).withNormalisation(shift, factor);
        int[] order = new int[m];
        for (int j = 0; j < m; j++) order[j] = rnd.nextInt(cols);
        Mat dst = mat(rows, m);
        ops.gatherBytes(bytes(rows, cols, src), indices(order), 0, m, mat(rows, 1, shift), mat(rows, 1, factor), dst);
        float[] want = new float[rows * m];
        store.gatherFeatures(order, 0, m, java.nio.FloatBuffer.wrap(want), 0);
        assertBits("backend gather vs SampleStore.gatherFeatures", want, get(dst));
    }

    /** One-hot columns from class indices; a bad index or a class outside the rows gives NaN; spare columns stay. */
    @Test
    void gatherOneHotMakesOneHotColumns() {
        int classes = 7, count = 500, capacity = 70, m = 66;
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = rnd.nextInt(classes);
        labels[9] = classes; // a class outside the rows
        labels[10] = -1;
        int[] order = new int[capacity];
        for (int j = 0; j < capacity; j++) order[j] = rnd.nextInt(count);
        order[5] = 9;
        order[6] = 10;
        order[7] = count; // an index outside the labels
        order[8] = -3;
        IndexBlock lab = indices(labels), idx = indices(order);
        Mat dst = mat(classes, capacity, constant(classes * capacity, SENTINEL));
        ops.gatherOneHot(lab, idx, 1, m, dst);
        float[] want = constant(classes * capacity, SENTINEL);
        for (int j = 0; j < m; j++) {
            int s = order[1 + j];
            int c = s >= 0 && s < count ? labels[s] : -1;
            for (int i = 0; i < classes; i++)
                want[j * classes + i] = c < 0 || c >= classes ? Float.NaN : i == c ? 1f : 0f;
        }
        assertBits("one-hot columns", want, get(dst));
        Mat one = mat(1, 3); // a single class: every valid label is 0
        ops.gatherOneHot(indices(new int[] {0, 0}), indices(new int[] {1, 0, 1}), 0, 3, one);
        assertBits("one class", new float[] {1, 1, 1}, get(one));
    }

    // ---- sum of squares -----------------------------------------------------------------------

    @Test
    void sumSquaresPerSegmentInDouble() {
        Block x = block(new float[] {1, 2, 3, 4, Float.NaN, 6, Float.NEGATIVE_INFINITY, -0f});
        double[] out = new double[4];
        ops.sumSquares(x, new long[] {0, 2, 4, 7}, new long[] {2, 2, 0, 1}, out);
        assertArrayEquals(new double[] {5.0, 25.0, 0.0, 0.0}, out);
        ops.sumSquares(x, new long[] {3, 5}, new long[] {2, 2}, out);
        assertTrue(Double.isNaN(out[0]), "a NaN makes its segment's sum NaN");
        assertEquals(Double.POSITIVE_INFINITY, out[1], "an infinity makes it infinite");

        float[] v = uniform(rnd, 100_003, -1, 1);
        v[17] = Float.MIN_VALUE;
        v[18] = 1e30f; // its square overflows float, not double
        double[] want = new double[2];
        for (int i = 0; i < 50_000; i++) want[0] += (double) v[i] * v[i];
        for (int i = 50_000; i < v.length; i++) want[1] += (double) v[i] * v[i];
        double[] got = new double[3];
        got[2] = -7;
        ops.sumSquares(block(v), new long[] {0, 50_000}, new long[] {50_000, 50_003}, got);
        assertEquals(want[0], got[0], 1e-12 * want[0]);
        assertEquals(want[1], got[1], 1e-12 * want[1]);
        assertEquals(-7, got[2], "entries past the segments are left alone");
    }

    // ---- threads ------------------------------------------------------------------------------

    @Test
    void anyThreadMayCallIn() throws Exception {
        Mat a = mat(4, 4, uniform(rnd, 16, -1, 1)), b = mat(4, 4, uniform(rnd, 16, -1, 1)), c1 = mat(4, 4);
        Mat c2 = mat(4, 4);
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
        assertArrayEquals(get(c1), get(c2));
    }
}
