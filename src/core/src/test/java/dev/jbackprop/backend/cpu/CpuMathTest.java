package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.model.Activation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CPU's float elementwise maths: each derivative against finite differences, and the edge values. */
class CpuMathTest {
    static final float[] GRID = {-90f, -30f, -8f, -3f, -1f, -0.25f, -1e-3f, 0f, 1e-3f, 0.25f, 1f, 3f, 8f, 30f, 90f};

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu:0.3", "elu", "elu:0.5", "identity"})
    void derivativeMatchesFiniteDifferences(String name) {
        Activation act = Activation.parse(name);
        int code = act.kind().code;
        float alpha = (float) act.alpha();
        for (float z : GRID) {
            float a = CpuMath.activate(code, alpha, z);
            assertTrue(Float.isFinite(a), name + "(" + z + ") = " + a);
            double h = 1e-3 * Math.max(1, Math.abs(z));
            if (Math.abs(z) < 2 * h
                    && (act.kind() != Activation.Kind.SIGMOID
                            && act.kind() != Activation.Kind.TANH
                            && act.kind() != Activation.Kind.IDENTITY)) {
                continue; // the ReLU family's kink at 0 is checked below
            }
            double fd = (CpuMath.activate(code, alpha, (float) (z + h))
                            - (double) CpuMath.activate(code, alpha, (float) (z - h)))
                    / (2 * h);
            double d = CpuMath.derivative(code, alpha, z, a);
            assertEquals(fd, d, 2e-3 * Math.max(1e-3, Math.abs(fd)) + 1e-6, name + "'(" + z + ")");
        }
    }

    @Test
    void kinksAndLimits() {
        assertEquals(0f, CpuMath.derivative(CpuMath.RELU, 0, 0f, 0f));
        assertEquals(0.01f, CpuMath.derivative(CpuMath.LEAKY_RELU, 0.01f, 0f, 0f));
        assertEquals(1f, CpuMath.derivative(CpuMath.ELU, 1f, 0f, 0f)); // α·e⁰ = a + α at z = 0
        assertEquals(1f, CpuMath.sigmoid(200f));
        assertEquals(0f, CpuMath.sigmoid(-200f));
        assertEquals(0f, CpuMath.derivative(CpuMath.SIGMOID, 0, 200f, CpuMath.sigmoid(200f)));
        // where σ(z) rounds to 1, σ′(z) = σ(z)·σ(−z) is still accurate (a·(1 − a) would give 0)
        double want = Math.exp(-20) / Math.pow(1 + Math.exp(-20), 2);
        assertEquals(want, CpuMath.derivative(CpuMath.SIGMOID, 0, 20f, CpuMath.sigmoid(20f)), 1e-6 * want);
        assertEquals(-1f, CpuMath.activate(CpuMath.ELU, 1f, -1e30f));
        assertTrue(Float.isNaN(CpuMath.activate(CpuMath.RELU, 0, Float.NaN)), "NaN propagates through relu");
        assertTrue(Float.isNaN(CpuMath.activate(CpuMath.SIGMOID, 0, Float.NaN)), "NaN propagates through sigmoid");
        assertEquals(Float.POSITIVE_INFINITY, CpuMath.activate(CpuMath.RELU, 0, Float.POSITIVE_INFINITY));
    }

    @Test
    void costsAreStableAndMatchTheirDefinitions() {
        for (float z : GRID) {
            for (float y : new float[] {0f, 0.3f, 1f}) {
                double a = 1 / (1 + Math.exp(-(double) z));
                double bce = CpuMath.binaryCrossEntropyCost(z, y);
                assertTrue(Double.isFinite(bce) && bce >= -1e-6, "bce(" + z + "," + y + ") = " + bce);
                if (Math.abs(z) <= 8) {
                    double want = -(y * Math.log(a) + (1 - y) * Math.log(1 - a));
                    assertEquals(want, bce, 1e-5 * (1 + want));
                }
            }
        }
        assertEquals(1000f, CpuMath.binaryCrossEntropyCost(-1000f, 1f), 1e-3); // −ln σ(−1000) = 1000
        assertEquals(0.5f * 0.09f, CpuMath.quadraticCost(0.7f, 1f), 1e-7);
        assertEquals(Math.log(2), CpuMath.softplus(0f), 1e-7);
        assertEquals(100f, CpuMath.softplus(100f), 1e-5);
    }
}
