package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.engine.Network;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** verify's σ′ kink flips: what counts as one, that it is set apart, and that nothing else is. */
class VerifyKinkTest {

    @Test
    void onlyOppositeSidesWithinTheZToleranceAreFlips() {
        NetworkSpec spec = NetworkSpec.of(new int[] {2, 6, 2}, Activation.RELU, null, Cost.CROSS_ENTROPY);
        try (CpuOps ops = new CpuOps(1);
                Network want = new Network(ops, spec, 1, false)) {
            // max|z| = 10, so FP32's bound is 1e-3
            float[] zw = {10f, -5e-4f, 5e-4f, -2e-3f, Float.NaN, 0f};
            float[] zg = {10f, 4e-4f, -1e-4f, 2e-3f, 1e-4f, 1e-5f};
            long[] count = new long[2];
            double[] largest = new double[2], bound = new double[2];
            Verify.alignKinks(want, 0, zw.clone(), zg, Verify.Tolerance.FP32.value, count, largest, bound);
            // flips: [1] and [2] (opposite sides, both within 1e-3) and [5] (0 is on the left of the kink);
            // [3] is beyond the bound on both sides (a z error the z row must judge), [4] is NaN
            assertEquals(3, count[0]);
            assertEquals(5e-4, largest[0], 1e-9);
            assertEquals(1e-3, bound[0], 1e-9);
            assertArrayEquals(
                    new float[] {10f, 4e-4f, -1e-4f, -2e-3f, Float.NaN, 1e-5f},
                    want.read(want.z[0], 1),
                    "the trusted z takes the checked side at the flips only");
        }
    }

    @Test
    void noFlipsNoChange() {
        NetworkSpec spec = NetworkSpec.of(new int[] {2, 3, 2}, Activation.RELU, null, Cost.CROSS_ENTROPY);
        try (CpuOps ops = new CpuOps(1);
                Network want = new Network(ops, spec, 1, false)) {
            float[] before = {7f, 8f, 9f};
            ops.upload(before, 0, want.z[0].block(), 0, 3);
            long[] count = new long[2];
            Verify.alignKinks(
                    want,
                    0,
                    new float[] {1f, -1f, 0f},
                    new float[] {1.0001f, -0.9999f, 0f},
                    Verify.Tolerance.FP32.value,
                    count,
                    new double[2],
                    new double[2]);
            assertEquals(0, count[0]);
            assertArrayEquals(before, want.read(want.z[0], 1), "nothing written");
        }
    }

    @Test
    void onlyActivationsWithAKinkInTheirDerivativeAreChecked() {
        assertTrue(Verify.kinked(Activation.RELU));
        assertTrue(Verify.kinked(Activation.LEAKY_RELU));
        assertTrue(Verify.kinked(Activation.parse("elu:0.5")));
        assertFalse(Verify.kinked(Activation.ELU), "ELU with α = 1: σ′ is continuous at 0");
        for (Activation a : List.of(Activation.SIGMOID, Activation.TANH, Activation.IDENTITY, Activation.SOFTMAX))
            assertFalse(Verify.kinked(a), a.toString());
    }

    /**
     * FP32 too: two CPU backends whose GEMMs split the sums differently (1 and 3 threads) round the
     * wide layer's pre-activations differently, as cuBLAS and OpenBLAS do; verify passes, with any
     * flips reported apart.
     */
    @Test
    void anotherSummationOrderPassesInFp32() {
        NetworkSpec spec =
                NetworkSpec.of(new int[] {784, 4099, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        try (CpuOps one = new CpuOps(1);
                CpuOps three = new CpuOps(3)) {
            Verify.Report r = Verify.run(
                    one,
                    three,
                    spec,
                    129,
                    2,
                    new VerifyMatrix.Case("matrix", "fp32", List.of()).hyper(),
                    Init.SCALED,
                    1,
                    Verify.Tolerance.FP32);
            Verify.Row w = r.worst();
            System.out.println(spec + " batch 129, 1 against 3 threads: worst " + w.quantity() + " of layer "
                    + w.layer() + " at " + w.normalised() + ", kink flips " + r.flips());
            assertTrue(r.pass(), w.toString());
            assertTrue(w.normalised() > 0, "the two splits did round differently");
        }
    }
}
