package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.model.Activation;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The C loops (native/cpu/cpu_kernels.c) give the same bits as the Java loops, on the grid of
 * special values of {@link CpuKernelsTest} and on random data, over odd shapes and sub-ranges (the
 * vector loops' remainders), for every activation they take, the update with and without momentum
 * and decay, and the column sums.
 */
class NativeKernelsTest {

    /** The build makes the library on x86-64 Linux (CI's platform); there it must load. */
    @Test
    @EnabledOnOs(
            value = OS.LINUX,
            architectures = {"amd64", "x86_64"})
    void loadsOnX8664Linux() {
        assertTrue(NativeKernels.AVAILABLE, NativeKernels.STATUS);
        assertTrue(NativeKernels.STATUS.endsWith("C loops"), NativeKernels.STATUS);
    }

    private static CpuBlock block(float[] v) {
        CpuBlock b = CpuBlock.allocate(v.length);
        b.buf.put(0, v);
        return b;
    }

    private static float[] read(CpuBlock b) {
        float[] out = new float[(int) b.length()];
        b.buf.get(0, out);
        return out;
    }

    private static void assertBits(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(want[i]) && Float.isNaN(got[i])) continue;
            assertEquals(
                    Float.floatToRawIntBits(want[i]),
                    Float.floatToRawIntBits(got[i]),
                    what + " at " + i + ": want " + want[i] + ", got " + got[i]);
        }
    }

    private static float[] values(Random r, int n) {
        float[] grid = CpuKernelsTest.grid();
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i % 3 == 0 ? grid[r.nextInt(grid.length)] : (float) (r.nextGaussian() * 3);
        return v;
    }

    @ParameterizedTest
    @CsvSource({"relu,37,29", "relu,1,1", "relu,100,64", "leaky_relu,33,17", "leaky_relu:0.3,65,9", "identity,19,23"})
    void activationsSameBitsAsJava(String name, int rows, int cols) {
        assertTrue(NativeKernels.AVAILABLE, NativeKernels.STATUS);
        Activation act = Activation.parse(name);
        int code = act.kind().code;
        float alpha = (float) act.alpha();
        Random r = new Random(rows * 31L + cols);
        float[] z = values(r, rows * cols), bias = values(r, rows), d = values(r, rows * cols);
        int r0 = rows / 3, r1 = rows - rows / 4, c0 = cols / 5, c1 = cols;
        try (CpuBlock zj = block(z);
                CpuBlock zn = block(z);
                CpuBlock b = block(bias);
                CpuBlock aj = block(new float[rows * cols]);
                CpuBlock an = block(new float[rows * cols]);
                CpuBlock dj = block(d);
                CpuBlock dn = block(d)) {
            for (int[] range : new int[][] {{0, rows, 0, cols}, {r0, r1, c0, c1}}) {
                CpuKernels.biasActivationJava(
                        code, alpha, zj.address, b.address, aj.address, rows, range[0], range[1], range[2], range[3]);
                assertTrue(NativeKernels.biasActivation(
                        code, alpha, zn.address, b.address, an.address, rows, range[0], range[1], range[2], range[3]));
                assertBits(read(zj), read(zn), name + " z + b");
                assertBits(read(aj), read(an), name + " a");
                CpuKernels.activationBackwardJava(
                        code, alpha, zj.address, aj.address, dj.address, rows, range[0], range[1], range[2], range[3]);
                assertTrue(NativeKernels.activationBackward(
                        code, alpha, zn.address, dn.address, rows, range[0], range[1], range[2], range[3]));
                assertBits(read(dj), read(dn), name + " δ ⊙ σ′");
            }
        }
    }

    @Test
    void othersAreLeftToJava() {
        try (CpuBlock x = block(new float[] {1f})) {
            for (Activation a : new Activation[] {Activation.SIGMOID, Activation.TANH, Activation.ELU}) {
                assertTrue(
                        !NativeKernels.biasActivation(
                                a.kind().code, 1f, x.address, x.address, x.address, 1, 0, 1, 0, 1),
                        a.toString());
                assertTrue(
                        !NativeKernels.activationBackward(a.kind().code, 1f, x.address, x.address, 1, 0, 1, 0, 1),
                        a.toString());
            }
            assertEquals(1f, x.buf.get(0));
        }
    }

    @ParameterizedTest
    @CsvSource({"1001,700,0.9,0.999", "1001,700,0.9,1", "77,77,0,0.99", "77,0,0.5,1", "5,5,0,1", "1000,1,0.9,0.95"})
    void updateSameBitsAsJava(int n, int weights, float momentum, float decay) {
        Random r = new Random(n + weights);
        float[] p = values(r, n), g = values(r, n), v = values(r, n);
        try (CpuBlock pj = block(p);
                CpuBlock pn = block(p);
                CpuBlock gb = block(g);
                CpuBlock vj = block(v);
                CpuBlock vn = block(v)) {
            for (int[] range : new int[][] {{0, n}, {n / 7, n - n / 5}}) {
                CpuKernels.updateJava(
                        pj.address, gb.address, vj.address, range[0], range[1], weights, 0.013f, momentum, decay);
                NativeKernels.update(
                        pn.address, gb.address, vn.address, range[0], range[1], weights, 0.013f, momentum, decay);
                assertBits(read(pj), read(pn), "parameters");
                assertBits(read(vj), read(vn), "velocity");
            }
            CpuKernels.updateJava(pj.address, gb.address, 0, 0, n, weights, 0.02f, momentum, decay);
            NativeKernels.update(pn.address, gb.address, 0, 0, n, weights, 0.02f, momentum, decay);
            assertBits(read(pj), read(pn), "parameters without velocity");
        }
    }

    /** The update of a block of rows of a matrix (a captured step's update of a layer split by rows), column by column in Java. */
    @ParameterizedTest
    @CsvSource({"37,11,5,30,true,0.9,0.999", "37,11,0,37,false,0.9,1", "8,3,2,3,true,0,0.99", "100,7,50,100,false,0,1"})
    void updateRowsSameBitsAsJava(int rows, int cols, int r0, int r1, boolean weights, float momentum, float decay) {
        Random r = new Random(rows * 31L + cols);
        int n = rows * cols;
        float[] p = values(r, n), g = values(r, n), v = values(r, n);
        try (CpuBlock pj = block(p);
                CpuBlock pn = block(p);
                CpuBlock gb = block(g);
                CpuBlock vj = block(v);
                CpuBlock vn = block(v)) {
            for (int j = 1; j < cols; j++) {
                long o = 4L * (j * rows + r0);
                int len = r1 - r0;
                CpuKernels.updateJava(
                        pj.address + o,
                        gb.address + o,
                        vj.address + o,
                        0,
                        len,
                        weights ? len : 0,
                        0.013f,
                        momentum,
                        decay);
            }
            NativeKernels.updateRows(
                    pn.address, gb.address, vn.address, rows, r0, r1, 1, cols, weights, 0.013f, momentum, decay);
            assertBits(read(pj), read(pn), "parameters");
            assertBits(read(vj), read(vn), "velocity");
        }
    }

    @ParameterizedTest
    @CsvSource({"1,1", "37,129", "1024,3", "10,256"})
    void columnSumsSameBitsAsJava(int rows, int m) {
        Random r = new Random(rows * 7L + m);
        float[] x = values(r, rows * m);
        try (CpuBlock xb = block(x);
                CpuBlock sj = block(new float[rows]);
                CpuBlock sn = block(new float[rows])) {
            CpuKernels.sumColumnsJava(xb.address, sj.address, rows, m, 0, rows);
            NativeKernels.sumColumns(xb.address, sn.address, rows, m, 0, rows);
            assertBits(read(sj), read(sn), "column sums");
            CpuKernels.sumColumnsJava(xb.address, sj.address, rows, m, rows / 3, rows);
            NativeKernels.sumColumns(xb.address, sn.address, rows, m, rows / 3, rows);
            assertBits(read(sj), read(sn), "column sums of a row range");
        }
    }
}
