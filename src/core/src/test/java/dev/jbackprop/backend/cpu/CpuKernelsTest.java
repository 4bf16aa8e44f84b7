package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jbackprop.model.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The branch-free loops of {@link CpuKernels} give the same floats as {@link CpuMath}, bit for bit
 * (any NaN for a NaN), over a grid of z that includes ±0, the smallest subnormals, ±1, values next to
 * 0, huge values, ±inf and NaNs of both signs.
 */
class CpuKernelsTest {

    static float[] grid() {
        List<Float> g = new ArrayList<>();
        float[] special = {
            0f,
            -0f,
            Float.MIN_VALUE,
            -Float.MIN_VALUE,
            Float.MIN_NORMAL,
            -Float.MIN_NORMAL,
            1e-30f,
            -1e-30f,
            0.5f,
            -0.5f,
            1f,
            -1f,
            Math.nextUp(0f),
            Math.nextDown(0f),
            Math.nextDown(1f),
            3f,
            -3f,
            20f,
            -20f,
            90f,
            -90f,
            1e30f,
            -1e30f,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NaN,
            Float.intBitsToFloat(0xFFC00000),
            Float.intBitsToFloat(0x7F800001),
            Float.intBitsToFloat(0xFF800001)
        };
        for (float f : special) g.add(f);
        Random r = new Random(7);
        for (int i = 0; i < 200; i++) g.add((float) (r.nextGaussian() * 4));
        for (int i = 0; i < 50; i++) g.add(Float.intBitsToFloat(r.nextInt()));
        float[] out = new float[g.size()];
        for (int i = 0; i < out.length; i++) out[i] = g.get(i);
        return out;
    }

    static void assertSame(float want, float got, String what) {
        if (Float.isNaN(want) && Float.isNaN(got)) return;
        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got)) {
            fail(what + ": want " + want + " (0x" + Integer.toHexString(Float.floatToRawIntBits(want)) + "), got " + got
                    + " (0x" + Integer.toHexString(Float.floatToRawIntBits(got)) + ")");
        }
    }

    @ParameterizedTest
    @CsvSource({"relu", "leaky_relu", "leaky_relu:0.2", "elu", "elu:0.5", "sigmoid", "tanh", "identity"})
    void sameBitsAsCpuMath(String name) {
        check(name, false); // as the backend runs them: the C loops where the native library loads
    }

    /** The Java loops themselves (the fallback), which the test above does not reach where the C loops load. */
    @ParameterizedTest
    @CsvSource({"relu", "leaky_relu", "leaky_relu:0.2", "elu", "elu:0.5", "sigmoid", "tanh", "identity"})
    void javaLoopsSameBitsAsCpuMath(String name) {
        check(name, true);
    }

    private static void check(String name, boolean javaLoops) {
        Activation act = Activation.parse(name);
        int code = act.kind().code;
        float alpha = (float) act.alpha();
        float[] z = grid();
        int rows = 7, cols = (z.length + rows - 1) / rows, n = rows * cols;
        try (CpuBlock zb = CpuBlock.allocate(n);
                CpuBlock bias = CpuBlock.allocate(rows);
                CpuBlock ab = CpuBlock.allocate(n);
                CpuBlock db = CpuBlock.allocate(n)) {
            float[] zs = new float[n], deltas = new float[n];
            Random r = new Random(3);
            for (int i = 0; i < n; i++) {
                zs[i] = z[i % z.length];
                deltas[i] = i % 11 == 0 ? -0f : (float) r.nextGaussian();
            }
            zb.buf.put(0, zs);
            db.buf.put(0, deltas);
            float b0 = -0f; // z + (−0) is z itself, −0 included, so the grid reaches the loops unchanged
            for (int i = 0; i < rows; i++) bias.buf.put(i, b0);
            // in pieces, as threads would run them: rows 0..2 of every column, then the rest in two column ranges
            int[][] forward = {{0, 3, 0, cols}, {3, rows, 0, 5}, {3, rows, 5, cols}};
            for (int[] p : forward) {
                if (javaLoops)
                    CpuKernels.biasActivationJava(
                            code, alpha, zb.address, bias.address, ab.address, rows, p[0], p[1], p[2], p[3]);
                else
                    CpuKernels.biasActivation(
                            code, alpha, zb.address, bias.address, ab.address, rows, p[0], p[1], p[2], p[3]);
            }
            float[] a = new float[n];
            ab.buf.get(0, a);
            for (int i = 0; i < n; i++) {
                float want = CpuMath.activate(code, alpha, zs[i] + b0);
                assertSame(want, a[i], name + "(" + zs[i] + ")");
                assertSame(zs[i] + b0, zb.buf.get(i), "z + b at " + i);
            }
            int[][] backward = {{0, 4, 0, cols}, {4, rows, 0, 2}, {4, rows, 2, cols}};
            for (int[] p : backward) {
                if (javaLoops)
                    CpuKernels.activationBackwardJava(
                            code, alpha, zb.address, ab.address, db.address, rows, p[0], p[1], p[2], p[3]);
                else
                    CpuKernels.activationBackward(
                            code, alpha, zb.address, ab.address, db.address, rows, p[0], p[1], p[2], p[3]);
            }
            for (int i = 0; i < n; i++) {
                float zi = zb.buf.get(i);
                float want = deltas[i] * CpuMath.derivative(code, alpha, zi, a[i]);
                assertSame(want, db.buf.get(i), name + "′(" + zi + ") · " + deltas[i]);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"0", "-0", "1", "-1", "1e-45", "-1e-45", "Infinity", "-Infinity", "NaN", "3.4e38"})
    void masks(float f) {
        int x = Float.floatToRawIntBits(f);
        assertEquals(f > 0f ? -1 : 0, CpuKernels.positiveMask(x), "positive mask of " + f);
        assertEquals(Float.isNaN(f) ? -1 : 0, CpuKernels.nanMask(x), "NaN mask of " + f);
        int neg = Float.floatToRawIntBits(Float.intBitsToFloat(0xFFC00000));
        assertEquals(-1, CpuKernels.nanMask(neg));
        assertEquals(0, CpuKernels.positiveMask(neg));
    }
}
