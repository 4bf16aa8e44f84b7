package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The C kernel for small products (native/cpu/cpu_gemm.c), A and B each as they are or transposed:
 * each element is exactly the chain of fused multiply-adds over k in order (compared bit for bit with Math.fma in Java, special values
 * included), so it does not depend on the block, the edge or the split; it agrees with a product in
 * double; and its bias + activation epilogue gives the bits of the separate pass.
 */
class CpuGemmTest {

    @BeforeEach
    void needsTheKernel() {
        Assumptions.assumeTrue(NativeKernels.GEMM, () -> "no C GEMM kernel here: " + NativeKernels.GEMM_STATUS);
    }

    /** Where the build makes the library (x86-64 Linux, with AVX2 and FMA), the kernel must be there. */
    @Test
    @EnabledOnOs(
            value = OS.LINUX,
            architectures = {"amd64", "x86_64"})
    void loadsWhereTheCpuHasAvx2() {
        boolean avx2 = NativeKernels.AVAILABLE && NativeKernels.gemmAvailable();
        assertEquals(avx2, NativeKernels.GEMM, NativeKernels.GEMM_STATUS);
    }

    static CpuBlock block(float[] v) {
        CpuBlock b = CpuBlock.allocate(Math.max(1, v.length));
        b.buf.put(0, v);
        return b;
    }

    static float[] read(CpuBlock b) {
        float[] out = new float[(int) b.length()];
        b.buf.get(0, out);
        return out;
    }

    /** Bit for bit, a NaN matching any NaN (payloads may differ between Math.fma and the FMA instruction). */
    static void assertBits(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++)
            if (!(Float.isNaN(want[i]) && Float.isNaN(got[i])))
                assertEquals(
                        Float.floatToRawIntBits(want[i]),
                        Float.floatToRawIntBits(got[i]),
                        what + " at " + i + ": want " + want[i] + ", got " + got[i]);
    }

    /** op(B)(kk, j): B is k × n (ldb = k) or, transposed, n × k (ldb = n). */
    static float opB(float[] b, boolean transB, int kk, int j, int k, int n) {
        return transB ? b[j + kk * n] : b[kk + j * k];
    }

    /** op(A)(i, kk): A is m × k (lda = m) or, transposed, k × m (lda = k). */
    static float opA(float[] a, boolean transA, int i, int kk, int m, int k) {
        return transA ? a[kk + i * k] : a[i + kk * m];
    }

    /** The chain the kernel must compute: acc = fma(op(A)(i, kk), op(B)(kk, j), acc) for kk = 0 … k−1 from +0. */
    static float[] fmaChain(float[] a, float[] b, boolean transA, boolean transB, int m, int n, int k) {
        float[] c = new float[m * n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) {
                float acc = 0f;
                for (int kk = 0; kk < k; kk++)
                    acc = Math.fma(opA(a, transA, i, kk, m, k), opB(b, transB, kk, j, k, n), acc);
                c[i + j * m] = acc;
            }
        return c;
    }

    static float[] values(Random r, int n, boolean special) {
        float[] grid = CpuKernelsTest.grid();
        float[] v = new float[n];
        for (int i = 0; i < n; i++)
            v[i] = special && r.nextInt(50) == 0 ? grid[r.nextInt(grid.length)] : (float) r.nextGaussian();
        return v;
    }

    @ParameterizedTest
    @CsvSource({
        "false, false, 1, 1, 1",
        "false, false, 7, 5, 3",
        "false, false, 8, 6, 9",
        "false, false, 9, 7, 0",
        "false, false, 16, 12, 300",
        "false, false, 17, 13, 257",
        "false, false, 100, 64, 784",
        "false, true, 100, 784, 64",
        "false, true, 15, 23, 31",
        "false, true, 33, 6, 1000",
        "false, true, 10, 100, 64",
        "true, false, 100, 64, 10",
        "true, false, 37, 13, 333",
        "true, true, 21, 9, 17",
        "true, false, 1, 1, 0"
    })
    void elementsAreTheFmaChainWhateverTheSplit(boolean transA, boolean transB, int m, int n, int k) {
        Random r = new Random(m * 31L + n * 7L + k);
        float[] a = values(r, m * k, true), b = values(r, k * n, true);
        float[] want = fmaChain(a, b, transA, transB, m, n, k);
        CpuBlock A = block(a), B = block(b), C = block(new float[m * n]);
        int lda = transA ? k : m, ldb = transB ? n : k;
        NativeKernels.gemm(transA, transB, k, A.address, lda, B.address, ldb, C.address, m, 0, m, 0, n);
        assertBits(want, read(C), "whole product");
        // the same product in pieces: rows and columns cut at odd places
        CpuBlock P = block(new float[m * n]);
        int ri = Math.max(1, m / 3), cj = Math.max(1, n / 2 - 1);
        int[][] cuts = {{0, ri, 0, cj}, {ri, m, 0, cj}, {0, ri, cj, n}, {ri, m, cj, n}};
        for (int[] q : cuts)
            if (q[0] < q[1] && q[2] < q[3])
                NativeKernels.gemm(
                        transA, transB, k, A.address, lda, B.address, ldb, P.address, m, q[0], q[1], q[2], q[3]);
        assertBits(want, read(P), "product in four pieces");
        for (CpuBlock x : new CpuBlock[] {A, B, C, P}) x.close();
    }

    @Test
    void agreesWithAProductInDouble() {
        Random r = new Random(3);
        int m = 37, n = 29, k = 600;
        float[] a = values(r, m * k, false), b = values(r, k * n, false);
        CpuBlock A = block(a), B = block(b), C = block(new float[m * n]);
        NativeKernels.gemm(false, false, k, A.address, m, B.address, k, C.address, m, 0, m, 0, n);
        float[] c = read(C);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++) {
                double want = 0, scale = 0;
                for (int kk = 0; kk < k; kk++) {
                    want += (double) a[i + kk * m] * b[kk + j * k];
                    scale += Math.abs((double) a[i + kk * m] * b[kk + j * k]);
                }
                assertTrue(Math.abs(c[i + j * m] - want) <= 1e-6 * scale, "C(" + i + ", " + j + ")");
            }
    }

    @ParameterizedTest
    @CsvSource({"2, 0", "3, 0.01", "5, 0"})
    void biasActivationEpilogueGivesTheSeparatePassesBits(int code, float alpha) {
        Random r = new Random(code);
        int m = 45, n = 13, k = 40;
        float[] a = values(r, m * k, true), b = values(r, k * n, true), bias = values(r, m, true);
        CpuBlock A = block(a), B = block(b), Bias = block(bias);
        CpuBlock z1 = block(new float[m * n]), a1 = block(new float[m * n]);
        CpuBlock z2 = block(new float[m * n]), a2 = block(new float[m * n]);
        NativeKernels.gemm(false, false, k, A.address, m, B.address, k, z1.address, m, 0, m, 0, n);
        CpuKernels.biasActivation(code, alpha, z1.address, Bias.address, a1.address, m, 0, m, 0, n);
        NativeKernels.gemmBiasActivation(
                false,
                false,
                k,
                A.address,
                m,
                B.address,
                k,
                z2.address,
                m,
                0,
                m,
                0,
                n,
                Bias.address,
                code,
                alpha,
                a2.address);
        assertBits(read(z1), read(z2), "z");
        assertBits(read(a1), read(a2), "a");
    }
}
