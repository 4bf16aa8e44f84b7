package dev.jbackprop.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-worked cases: every expected number is derived in the comment above it. */
class ReferenceNetworkTest {
    private static final double EPS = 1e-14;

    private static NetworkSpec spec(int[] sizes, Cost cost, Activation... acts) {
        return new NetworkSpec(sizes, List.of(acts), cost);
    }

    /*
     * 1-1 network, sigmoid output, quadratic cost. w = 0.5, b = 0.25, x = 2, y = 1.
     *   z = 0.5·2 + 0.25 = 1.25
     *   a = σ(1.25) = 1/(1 + e^−1.25) = 0.7772998611746911
     *   C = ½(a − 1)² = ½(−0.2227001388253089)² = 0.024797675916405932
     *   δ = (a − y)·σ′(z) = (a − 1)·a(1 − a) = −0.2227001388·0.7772998612·0.2227001388 = −0.03855046009455463
     *   ∂C/∂w = δ·x = −0.07710092018910926,  ∂C/∂b = δ = −0.03855046009455463
     */
    @Test
    void oneByOneSigmoidQuadratic() {
        ReferenceNetwork net = new ReferenceNetwork(
                spec(new int[] {1, 1}, Cost.QUADRATIC, Activation.SIGMOID), new double[] {0.5, 0.25});
        Trace t = net.forward(new double[] {2});
        assertEquals(1.25, t.z()[0][0], EPS);
        assertEquals(0.7772998611746911, t.output()[0], EPS);
        assertEquals(0.024797675916405932, net.cost(new double[] {2}, new double[] {1}), EPS);
        Gradients g = net.backprop(new double[] {2}, new double[] {1});
        assertEquals(-0.03855046009455463, g.delta()[0][0], EPS);
        assertArrayEquals(new double[] {-0.07710092018910926, -0.03855046009455463}, g.grad(), EPS);
        assertEquals(0.024797675916405932, g.cost(), EPS);
    }

    /*
     * 1-1-1 network: tanh hidden, identity output, quadratic. W1 = 0.5, W2 = 2, b1 = −0.1, b2 = 0.3
     * (ParamLayout order: W1, W2, b1, b2), x = 1, y = 0.5.
     *   z1 = 0.5·1 − 0.1 = 0.4,  a1 = tanh 0.4 = 0.3799489622552249
     *   z2 = 2·a1 + 0.3 = 1.0598979245104498 = a2
     *   C = ½(a2 − 0.5)² = ½·0.5598979245104498² = 0.15674284293555468
     *   δ2 = (a2 − y)·1 = 0.5598979245104498
     *   δ1 = W2·δ2·(1 − a1²) = 2·0.5598979245·0.8556387857 = 0.9581407609149843
     *   ∂C/∂W1 = δ1·x = 0.9581407609149843,  ∂C/∂W2 = δ2·a1 = 0.21273263538659967
     *   ∂C/∂b1 = δ1,  ∂C/∂b2 = δ2
     */
    @Test
    void oneOneOneTanhIdentityChainRule() {
        ReferenceNetwork net = new ReferenceNetwork(
                spec(new int[] {1, 1, 1}, Cost.QUADRATIC, Activation.TANH, Activation.IDENTITY),
                new double[] {0.5, 2, -0.1, 0.3});
        Gradients g = net.backprop(new double[] {1}, new double[] {0.5});
        assertEquals(0.4, g.trace().z()[0][0], EPS);
        assertEquals(0.3799489622552249, g.trace().a()[0][0], EPS);
        assertEquals(1.0598979245104498, g.trace().output()[0], EPS);
        assertEquals(0.15674284293555468, g.cost(), EPS);
        assertEquals(0.5598979245104498, g.delta()[1][0], EPS);
        assertEquals(0.9581407609149843, g.delta()[0][0], EPS);
        assertArrayEquals(
                new double[] {0.9581407609149843, 0.21273263538659967, 0.9581407609149843, 0.5598979245104498},
                g.grad(),
                EPS);
    }

    /*
     * 1-1 network, sigmoid output, binary cross-entropy. w = −1, b = 0.5, x = 1.5, y = 1.
     *   z = −1.5 + 0.5 = −1,  a = σ(−1) = 0.2689414213699951
     *   C = −[1·ln a + 0·ln(1 − a)] = ln(1 + e) = 1.3132616875182228
     *   δ = a − y = −0.7310585786300049
     *   ∂C/∂w = δ·1.5 = −1.0965878679450074,  ∂C/∂b = δ
     */
    @Test
    void oneByOneSigmoidBinaryCrossEntropy() {
        ReferenceNetwork net = new ReferenceNetwork(
                spec(new int[] {1, 1}, Cost.BINARY_CROSS_ENTROPY, Activation.SIGMOID), new double[] {-1, 0.5});
        Gradients g = net.backprop(new double[] {1.5}, new double[] {1});
        assertEquals(0.2689414213699951, g.trace().output()[0], EPS);
        assertEquals(1.3132616875182228, g.cost(), EPS);
        assertArrayEquals(new double[] {-1.0965878679450074, -0.7310585786300049}, g.grad(), EPS);
    }

    /*
     * The column-major layout: a 2-3 identity network, W (3×2) stored as [1, 2, 3, 4, 5, 6], so
     * W = [[1, 4], [2, 5], [3, 6]]; b = [0.1, 0.2, 0.3]; x = [1, 10]:
     *   z = [1 + 40 + 0.1, 2 + 50 + 0.2, 3 + 60 + 0.3] = [41.1, 52.2, 63.3].
     * With y = z − [1, 2, 3], δ = a − y = [1, 2, 3] and ∂C/∂W(j,k) = δ_j·x_k, stored column-major:
     *   [1·1, 2·1, 3·1, 1·10, 2·10, 3·10], then ∂C/∂b = [1, 2, 3]; C = ½(1 + 4 + 9) = 7.
     */
    @Test
    void weightsAreColumnMajor() {
        ReferenceNetwork net = new ReferenceNetwork(
                spec(new int[] {2, 3}, Cost.QUADRATIC, Activation.IDENTITY),
                new float[] {1, 2, 3, 4, 5, 6, 0.1f, 0.2f, 0.3f});
        Trace t = net.forward(new double[] {1, 10});
        assertArrayEquals(
                new double[] {41 + (double) 0.1f, 52 + (double) 0.2f, 63 + (double) 0.3f}, t.output(), EPS * 100);
        double[] y = {t.output()[0] - 1, t.output()[1] - 2, t.output()[2] - 3};
        Gradients g = net.backprop(new double[] {1, 10}, y);
        assertArrayEquals(new double[] {1, 2, 3, 10, 20, 30, 1, 2, 3}, g.grad(), 1e-12);
        assertEquals(7.0, g.cost(), 1e-12);
        assertEquals(4.0, net.weight(0, 0, 1));
        assertEquals(2.0, net.weight(0, 1, 0));
    }

    /*
     * update(), 1-1 network with w = 0.5, b = 0.25, Σ∂C/∂w = 0.4, Σ∂C/∂b = −0.2, m = 2, η = 0.5,
     * λ = 0.1, n = 10, μ = 0.9; so η/m = 0.25 and ηλ/n = 0.005.
     * Step 1: v_w = 0.9·0 − 0.25·0.4 − 0.005·0.5 = −0.1025,  w = 0.5 − 0.1025 = 0.3975
     *         v_b = 0.9·0 − 0.25·(−0.2) = 0.05,             b = 0.25 + 0.05 = 0.30
     * Step 2 (same gradient):
     *         v_w = 0.9·(−0.1025) − 0.1 − 0.005·0.3975 = −0.09225 − 0.1 − 0.0019875 = −0.1942375
     *         w = 0.3975 − 0.1942375 = 0.2032625
     *         v_b = 0.9·0.05 + 0.05 = 0.095,  b = 0.30 + 0.095 = 0.395
     */
    @Test
    void updateWithMomentumAndL2() {
        ReferenceNetwork net = new ReferenceNetwork(
                spec(new int[] {1, 1}, Cost.QUADRATIC, Activation.SIGMOID), new double[] {0.5, 0.25});
        double[] g = {0.4, -0.2};
        net.update(g, 2, 0.5, 0.1, 10, 0.9);
        assertArrayEquals(new double[] {0.3975, 0.30}, net.parameters(), 1e-15);
        assertArrayEquals(new double[] {-0.1025, 0.05}, net.velocity(), 1e-15);
        net.update(g, 2, 0.5, 0.1, 10, 0.9);
        assertArrayEquals(new double[] {0.2032625, 0.395}, net.parameters(), 1e-15);
        assertArrayEquals(new double[] {-0.1942375, 0.095}, net.velocity(), 1e-15);
    }

    /*
     * Without momentum: w ← (1 − ηλ/n) w − (η/m) Σ∂C/∂w = 0.995·0.5 − 0.25·0.4 = 0.4975 − 0.1 = 0.3975,
     * b ← b − (η/m) Σ∂C/∂b = 0.25 + 0.05 = 0.30 (no decay on the bias). Then with λ = 0:
     * w = 0.3975 − 0.1 = 0.2975, b = 0.35. The velocity stays zero.
     */
    @Test
    void updatePlainSgdWithL2() {
        ReferenceNetwork net = new ReferenceNetwork(
                spec(new int[] {1, 1}, Cost.QUADRATIC, Activation.SIGMOID), new double[] {0.5, 0.25});
        double[] g = {0.4, -0.2};
        net.update(g, 2, 0.5, 0.1, 10, 0.0);
        assertArrayEquals(new double[] {0.3975, 0.30}, net.parameters(), 1e-15);
        net.update(g, 2, 0.5, 0.0, 0, 0.0);
        assertArrayEquals(new double[] {0.2975, 0.35}, net.parameters(), 1e-15);
        assertArrayEquals(new double[] {0, 0}, net.velocity());
        assertThrows(IllegalArgumentException.class, () -> net.update(g, 2, 0.5, 0.1, 0, 0.0));
    }

    /* trainStep = batch, then update with m = batch size; the batch sums gradients and costs. */
    @Test
    void trainStepIsBatchThenUpdate() {
        NetworkSpec s = spec(new int[] {2, 3, 2}, Cost.QUADRATIC, Activation.TANH, Activation.SIGMOID);
        double[] p = {0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, -1.0, 1.1, -1.2, 0.01, 0.02, 0.03, -0.04, 0.05};
        double[][] xs = {{1, 2}, {-0.5, 0.25}, {0.3, -0.9}};
        double[][] ys = {{1, 0}, {0, 1}, {0.5, 0.5}};
        ReferenceNetwork a = new ReferenceNetwork(s, p);
        ReferenceNetwork b = new ReferenceNetwork(s, p);
        BatchResult r = a.trainStep(xs, ys, 0.3, 0.2, 100, 0.5);
        double[] sum = new double[p.length];
        double cost = 0;
        for (int i = 0; i < xs.length; i++) {
            Gradients g = b.backprop(xs[i], ys[i]);
            for (int q = 0; q < sum.length; q++) sum[q] += g.grad()[q];
            cost += b.cost(xs[i], ys[i]);
        }
        assertArrayEquals(sum, r.gradSum(), 0);
        assertEquals(cost, r.costSum(), 1e-15);
        assertEquals(cost, b.batchCost(xs, ys), 1e-15);
        b.update(sum, 3, 0.3, 0.2, 100, 0.5);
        assertArrayEquals(b.parameters(), a.parameters(), 0);
        // the batch's per-layer matrices are column-major, one sample per column
        double[] z1 = r.zMatrix(0);
        assertEquals(9, z1.length);
        assertArrayEquals(r.trace(1).z()[0], ColumnMajor.column(z1, 3, 1), 0);
        assertArrayEquals(r.deltas(2)[1], ColumnMajor.column(r.deltaMatrix(1), 2, 2), 0);
        assertArrayEquals(r.trace(0).a()[1], ColumnMajor.column(r.aMatrix(1), 2, 0), 0);
    }

    @Test
    void floatRoundTrip() {
        ReferenceNetwork net = new ReferenceNetwork(
                spec(new int[] {1, 2, 1}, Cost.QUADRATIC, Activation.RELU, Activation.IDENTITY),
                new float[] {0.1f, -0.2f, 3.5f, 1e-8f, 0.5f, -0.5f, 2f});
        assertArrayEquals(new float[] {0.1f, -0.2f, 3.5f, 1e-8f, 0.5f, -0.5f, 2f}, net.parametersAsFloat());
        assertEquals((double) 0.1f, net.parameters()[0]);
        assertThrows(
                IllegalArgumentException.class,
                () -> new ReferenceNetwork(
                        spec(new int[] {1, 2, 1}, Cost.QUADRATIC, Activation.RELU, Activation.IDENTITY), new float[6]));
    }

    @Test
    void columnHelpers() {
        float[] m = {1, 2, 3, 4, 5, 6}; // 3 × 2
        assertArrayEquals(new double[] {4, 5, 6}, ColumnMajor.column(m, 3, 1));
        double[][] cols = ColumnMajor.columns(m, 3, 2);
        assertArrayEquals(new double[] {1, 2, 3}, cols[0]);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, ColumnMajor.fromColumns(cols));
    }
}
