package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScalarChainTest {
    static double sig(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** [1,1,1,1] sigmoid with chosen weights: the factors written out by hand. */
    @Test
    void factorsByHand() {
        NetworkSpec chain =
                NetworkSpec.of(new int[] {1, 1, 1, 1}, Activation.SIGMOID, Activation.SIGMOID, Cost.QUADRATIC);
        // ParamLayout: w1, w2, w3, then b1, b2, b3
        float[] p = {0.5f, -2f, 3f, 0.25f, -1f, 0.5f};
        double x = 1.0;
        double z1 = 0.5 * x + 0.25, a1 = sig(z1);
        double z2 = -2 * a1 - 1;
        double f1 = Math.abs(-2 * sig(z1) * (1 - sig(z1)));
        double f2 = Math.abs(3 * sig(z2) * (1 - sig(z2)));
        assertArrayEquals(new double[] {f1, f2}, ScalarChain.factors(chain, p, x), 1e-6);
    }

    /** With sigmoid every factor is at most |w|/4; tanh and ReLU allow |w|. */
    @Test
    void sigmoidFactorsAreAtMostAQuarterOfTheWeight() {
        NetworkSpec chain = ScalarChain.chainOf(
                NetworkSpec.of(new int[] {784, 30, 30, 30, 10}, Activation.SIGMOID, null, Cost.CROSS_ENTROPY));
        assertEquals(
                List.of(1, 1, 1, 1, 1),
                java.util.Arrays.stream(chain.sizes()).boxed().toList());
        for (long seed = 1; seed <= 50; seed++) {
            float[] p = Init.SCALED.initialise(chain.layout(), seed);
            double[] f = ScalarChain.factors(chain, p, 1.0);
            for (int l = 0; l < f.length; l++) {
                double w = Math.abs(p[l + 1]);
                assertTrue(f[l] <= w / 4 + 1e-12, "factor " + f[l] + " > |w|/4 = " + w / 4);
            }
        }
        assertEquals(0.25, ScalarChain.maxSigmaPrime(Activation.SIGMOID), 1e-9);
        assertEquals(1.0, ScalarChain.maxSigmaPrime(Activation.TANH), 1e-9);
        assertEquals(1.0, ScalarChain.maxSigmaPrime(Activation.RELU), 1e-9);
        assertEquals(1.0, ScalarChain.maxSigmaPrime(Activation.parse("elu:0.5")), 1e-9); // max(1, α)
        assertEquals(2.0, ScalarChain.maxSigmaPrime(Activation.parse("elu:2")), 1e-9);
    }

    @Test
    void rejectsWideNetworks() {
        NetworkSpec wide = NetworkSpec.of(new int[] {2, 1, 1}, Activation.SIGMOID, Activation.SIGMOID, Cost.QUADRATIC);
        assertThrows(
                IllegalArgumentException.class,
                () -> ScalarChain.factors(wide, new float[(int) wide.layout().total()], 1.0));
    }
}
