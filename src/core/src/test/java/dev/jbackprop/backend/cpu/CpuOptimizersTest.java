package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.UpdateScalars;
import dev.jbackprop.model.Optimizer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The optimiser loops in C (native/cpu/cpu_optim.c) give the bits of the Java loops (CpuOptimizers.stepJava), on
 * random data with CpuKernelsTest's special values among them, over odd lengths and sub-ranges (the vector
 * loops' remainders), for nesterov, adam and adamw at several steps.
 */
class CpuOptimizersTest {
    @Test
    @EnabledOnOs(
            value = OS.LINUX,
            architectures = {"amd64", "x86_64"})
    void theCLoopsAreInTheLibrary() {
        assertTrue(CpuOptimizers.NATIVE, "the native library lacks the optimiser loops: " + NativeKernels.STATUS);
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

    private static float[] values(Random r, int n, double scale) {
        float[] grid = CpuKernelsTest.grid();
        float[] v = new float[n];
        for (int i = 0; i < n; i++)
            v[i] = i % 5 == 0 ? grid[r.nextInt(grid.length)] : (float) (r.nextGaussian() * scale);
        return v;
    }

    @ParameterizedTest(name = "{0}, n={1}, t={2}")
    @CsvSource({
        "NESTEROV,1001,1",
        "NESTEROV,77,5",
        "ADAM,1001,1",
        "ADAM,33,2",
        "ADAM,4099,1000",
        "ADAMW,1001,1",
        "ADAMW,5,7",
        "ADAMW,257,3"
    })
    void sameBitsAsJava(Optimizer.Kind rule, int n, long t) {
        org.junit.jupiter.api.Assumptions.assumeTrue(CpuOptimizers.NATIVE, "no C loops here");
        Random r = new Random(n * 31L + t);
        Optimizer o = switch (rule) {
            case NESTEROV -> Optimizer.nesterov(0.9, 1e-4);
            case ADAM -> Optimizer.adam(0.9, 0.999, 1e-8, 1e-3);
            default -> Optimizer.adamw(0.9, 0.999, 1e-8, 0.01);
        };
        float[] sc = new float[UpdateScalars.COUNT];
        UpdateScalars.compute(sc, o, 1e-3, 1e-3, 0, 1, 64, t);
        float[] p = values(r, n, 1), g = values(r, n, 3), s1 = values(r, n, 0.1), s2 = values(r, n, 0.01);
        for (int i = 0; i < n; i++) s2[i] = Math.abs(s2[i]); // a second moment is not negative (NaN stays)
        try (CpuBlock sb = block(sc);
                CpuBlock pj = block(p);
                CpuBlock pn = block(p);
                CpuBlock gb = block(g);
                CpuBlock aj = block(s1);
                CpuBlock an = block(s1);
                CpuBlock vj = block(s2);
                CpuBlock vn = block(s2)) {
            for (int[] range : new int[][] {{0, n}, {n / 7, n - n / 5}, {0, 0}}) {
                CpuOptimizers.stepJava(
                        rule.code, pj.address, gb.address, aj.address, vj.address, sb.address, range[0], range[1]);
                assertTrue(CpuOptimizers.stepNative(
                        rule.code, pn.address, gb.address, an.address, vn.address, sb.address, range[0], range[1]));
                assertBits(read(pj), read(pn), "parameters");
                assertBits(read(aj), read(an), "first state");
                if (rule.adaptive()) assertBits(read(vj), read(vn), "second state");
            }
        }
    }

    /** sgd is not the C optimiser loops' (it is the update loop): they say so and touch nothing. */
    @Test
    void sgdIsLeftToTheUpdateLoop() {
        org.junit.jupiter.api.Assumptions.assumeTrue(CpuOptimizers.NATIVE, "no C loops here");
        try (CpuBlock p = block(new float[] {1f})) {
            assertTrue(!CpuOptimizers.stepNative(Optimizer.Kind.SGD.code, p.address, 0, 0, 0, 0, 0, 1));
            assertEquals(1f, p.buf.get(0));
        }
    }
}
