package dev.jbackprop.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class RefMathTest {

    /* softmax(z) with z = 1000 must not overflow: e^(z − max) keeps every exponent ≤ 0. */
    @Test
    void softmaxIsStableForLargeZ() {
        double[] a = RefMath.activate(Activation.SOFTMAX, new double[] {1000, 1000});
        assertEquals(0.5, a[0], 0);
        assertEquals(0.5, a[1], 0);
        // z = [1000, 999, 0]: a = [1, e⁻¹, e⁻¹⁰⁰⁰] / (1 + e⁻¹ + e⁻¹⁰⁰⁰)
        a = RefMath.activate(Activation.SOFTMAX, new double[] {1000, 999, 0});
        double e1 = Math.exp(-1);
        assertEquals(1 / (1 + e1), a[0], 1e-15);
        assertEquals(e1 / (1 + e1), a[1], 1e-15);
        assertEquals(0.0, a[2], 1e-300);
        a = RefMath.activate(Activation.SOFTMAX, new double[] {-1000, -1000, -1000, -1000});
        for (double v : a) assertEquals(0.25, v, 1e-15);
    }

    /*
     * Through a network: a 1-3 softmax + cross-entropy net with W = [1000, 999, 0]ᵀ, b = 0, x = 1
     * gives z = [1000, 999, 0]. With y = [0, 0, 1] the cost is −ln a₃ = 1000 + ln(1 + e⁻¹ + e⁻¹⁰⁰⁰)
     * = 1000.3132616875182, finite although a₃ underflows to 0; δ = a − y = [0.731…, 0.269…, −1].
     */
    @Test
    void crossEntropyIsFiniteWhenSoftmaxSaturates() {
        NetworkSpec s = new NetworkSpec(new int[] {1, 3}, List.of(Activation.SOFTMAX), Cost.CROSS_ENTROPY);
        ReferenceNetwork net = new ReferenceNetwork(s, new double[] {1000, 999, 0, 0, 0, 0});
        Gradients g = net.backprop(new double[] {1}, new double[] {0, 0, 1});
        assertEquals(1000 + Math.log1p(Math.exp(-1)), g.cost(), 1e-12);
        assertEquals(1 / (1 + Math.exp(-1)), g.delta()[0][0], 1e-15);
        assertEquals(-1.0, g.delta()[0][2], 1e-15);
        for (double v : g.grad()) assertTrue(Double.isFinite(v));
    }

    /* Binary cross-entropy at z = ±1000: ln σ(z) via −softplus(−z), finite; C(z = −1000, y = 1) = 1000. */
    @Test
    void binaryCrossEntropyIsFiniteWhenSigmoidSaturates() {
        double c = RefMath.cost(
                Cost.BINARY_CROSS_ENTROPY, new double[] {-1000, 1000}, new double[] {0, 1}, new double[] {1, 0});
        assertEquals(2000.0, c, 1e-9);
        assertEquals(
                0.0,
                RefMath.cost(Cost.BINARY_CROSS_ENTROPY, new double[] {1000}, new double[] {1}, new double[] {1}),
                1e-300);
    }

    /* The left derivative at the kink; elu′(z) = α eᶻ for z ≤ 0. */
    @Test
    void derivativeConventionsAtZero() {
        assertEquals(0.0, RefMath.sigmaPrime(Activation.RELU, 0.0));
        assertEquals(0.01, RefMath.sigmaPrime(Activation.LEAKY_RELU, 0.0));
        assertEquals(0.2, RefMath.sigmaPrime(Activation.parse("leaky_relu:0.2"), 0.0));
        assertEquals(0.5, RefMath.sigmaPrime(Activation.parse("elu:0.5"), 0.0));
        assertEquals(0.5 * Math.exp(-2), RefMath.sigmaPrime(Activation.parse("elu:0.5"), -2.0), 1e-17);
        assertEquals(0.5 * (Math.exp(-2) - 1), RefMath.sigma(Activation.parse("elu:0.5"), -2.0), 1e-17);
        assertEquals(1.0, RefMath.sigmaPrime(Activation.ELU, 1e-300));
        assertEquals(-0.02, RefMath.sigma(Activation.LEAKY_RELU, -2.0), 1e-17);
        assertEquals(0.0, RefMath.sigma(Activation.RELU, -2.0));
    }

    /* Derivatives of the smooth activations against a central difference, at a few points. */
    @Test
    void derivativesMatchDifferences() {
        double h = 1e-6;
        for (Activation act : Activation.hiddenChoices()) {
            for (double z : new double[] {-3.1, -0.7, 0.4, 2.2}) {
                double fd = (RefMath.sigma(act, z + h) - RefMath.sigma(act, z - h)) / (2 * h);
                assertEquals(fd, RefMath.sigmaPrime(act, z), 1e-8, act + " at " + z);
            }
        }
    }

    /* For sigmoid + BCE the general rule ∇ₐC ⊙ σ′(z) equals the a − y the oracle uses. */
    @Test
    void generalRuleEqualsSimplifiedBinaryCrossEntropy() {
        double[] z = {-2.5, 0.3, 1.7};
        double[] a = RefMath.activate(Activation.SIGMOID, z);
        double[] y = {1, 0, 0.4};
        double[] g = RefMath.costGradient(Cost.BINARY_CROSS_ENTROPY, a, y);
        for (int j = 0; j < z.length; j++)
            assertEquals(a[j] - y[j], g[j] * RefMath.sigmaPrime(Activation.SIGMOID, z[j]), 1e-15);
    }

    /*
     * For softmax + cross-entropy the general rule, ∇ₐC through the full softmax Jacobian
     * ∂aⱼ/∂zₖ = aⱼ(δⱼₖ − aₖ), gives Σⱼ (−yⱼ/aⱼ)·aⱼ(δⱼₖ − aₖ) = −yₖ + aₖ Σⱼ yⱼ = aₖ − yₖ when Σ y = 1.
     */
    @Test
    void generalRuleEqualsSimplifiedCrossEntropy() {
        double[] z = {0.3, -1.2, 2.0, 0.7};
        double[] a = RefMath.activate(Activation.SOFTMAX, z);
        double[] y = {0.1, 0.2, 0.3, 0.4};
        double[] g = RefMath.costGradient(Cost.CROSS_ENTROPY, a, y);
        for (int k = 0; k < z.length; k++) {
            double d = 0;
            for (int j = 0; j < z.length; j++) d += g[j] * a[j] * ((j == k ? 1 : 0) - a[k]);
            assertEquals(a[k] - y[k], d, 1e-15);
        }
    }
}
