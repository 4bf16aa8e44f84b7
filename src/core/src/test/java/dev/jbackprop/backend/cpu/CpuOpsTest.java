package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.Mat;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What only the CPU backend has: work split over its worker threads, compared between thread counts
 * and against the formulas on inputs too large for the contract suite. The Ops contract itself (every
 * operation, shapes, edge values, argument rules) is CpuOpsContractTest.
 */
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
    /**
     * A weight gradient with few rows (an output layer's: m classes, a sum over a batch of k) goes to the C kernel
     * whatever the batch, where OpenBLAS's packing costs more than it saves; one with more rows over a large batch
     * stays on OpenBLAS. On the C kernel each element is the FMA chain over the batch in order, on 1 or 3 threads.
     */
    @ParameterizedTest
    @CsvSource({"10,300,256", "32,100,512", "3,50,1000"})
    void aFewRowsWeightGradientTakesTheKernelOverAnyBatch(int m, int n, int k) {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeKernels.GEMM, "the C GEMM kernel needs AVX2 and FMA");
        assertTrue(CpuGemm.nativeTakes(false, true, m, n, k, 1f, 0f), "the C kernel takes " + m + "×" + n + "×" + k);
        assertFalse(CpuGemm.nativeTakes(false, true, 48, n, 256, 1f, 0f), "OpenBLAS keeps 48 rows over batch 256");
        Random r = new Random(m * 7L + n + k);
        float[] a = CpuGemmTest.values(r, m * k, true), b = CpuGemmTest.values(r, n * k, true);
        float[] want = CpuGemmTest.fmaChain(a, b, false, true, m, n, k);
        for (int threads : new int[] {1, 3})
            try (CpuOps o = new CpuOps(threads)) {
                Mat A = view(o, a, m, k, 5), B = view(o, b, n, k, 11), C = view(o, new float[m * n], m, n, 3);
                o.gemm(false, true, m, n, k, 1f, A, B, 0f, C);
                float[] got = new float[m * n];
                o.download(C.block(), 0, got, 0, m * n);
                CpuGemmTest.assertBits(want, got, threads + " threads");
            }
    }

    private static Mat view(CpuOps o, float[] values, int rows, int cols, int offset) {
        Block b = o.allocate((long) rows * cols + offset);
        Block v = b.view(offset, (long) rows * cols);
        o.upload(values, 0, v, 0, values.length);
        return new Mat(v, rows, cols);
    }
}
