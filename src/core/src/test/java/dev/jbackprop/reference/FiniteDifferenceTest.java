package dev.jbackprop.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backprop against central differences of the summed batch cost, for every hidden activation ×
 * every valid output activation + cost, on 7-5-3-4 networks (three weight layers, odd sizes) with
 * a batch of 5 samples.
 */
class FiniteDifferenceTest {
    static final double MAX_REL = 1e-6;
    static final int[] SIZES = {7, 5, 3, 4};
    static final int BATCH = 5;
    static double worstRel = 0;
    static String worstCase = "";
    static int totalSkipped = 0;
    static int totalChecked = 0;

    /** Output activation + cost pairs: quadratic with every element-wise output, and the two log costs. */
    static List<Object[]> outputs() {
        List<Object[]> o = new ArrayList<>();
        for (Activation a : Activation.hiddenChoices()) o.add(new Object[] {a, Cost.QUADRATIC});
        o.add(new Object[] {Activation.SOFTMAX, Cost.CROSS_ENTROPY});
        o.add(new Object[] {Activation.SIGMOID, Cost.BINARY_CROSS_ENTROPY});
        return o;
    }

    static Stream<Arguments> everyCombination() {
        List<Arguments> args = new ArrayList<>();
        long seed = 1;
        for (Activation h : Activation.hiddenChoices()) {
            for (Object[] out : outputs()) args.add(Arguments.of(List.of(h, h), out[0], out[1], seed++));
        }
        // mixed hidden layers and non-default α
        Activation leaky02 = Activation.parse("leaky_relu:0.2");
        Activation elu05 = Activation.parse("elu:0.5");
        Activation elu17 = Activation.parse("elu:1.7");
        args.add(Arguments.of(List.of(leaky02, elu05), Activation.parse("elu:0.3"), Cost.QUADRATIC, 101L));
        args.add(Arguments.of(List.of(elu17, Activation.SIGMOID), Activation.SOFTMAX, Cost.CROSS_ENTROPY, 102L));
        args.add(Arguments.of(List.of(Activation.TANH, leaky02), Activation.SIGMOID, Cost.BINARY_CROSS_ENTROPY, 103L));
        args.add(Arguments.of(
                List.of(Activation.RELU, elu05), Activation.parse("leaky_relu:0.3"), Cost.QUADRATIC, 104L));
        return args.stream();
    }

    /**
     * A network and batch drawn from {@code seed}; if more than a third of its gradient is exactly zero
     * (dead relu units: nothing to check there) the next seed seed + 1000, … is drawn instead.
     */
    static Case makeCase(List<Activation> hidden, Activation output, Cost cost, long seed) {
        for (int attempt = 0; ; attempt++) {
            Case c = draw(hidden, output, cost, seed + 1000L * attempt);
            double[] g = c.net.batch(c.xs, c.ys).gradSum();
            int zero = 0;
            for (double v : g) if (v == 0.0) zero++;
            if (3 * zero <= g.length) return c;
            if (attempt == 20) throw new IllegalStateException("no live network drawn for " + hidden + " " + output);
        }
    }

    /** Weights ~ N(0, 1.5/n_in), biases ~ N(0, 0.3²), inputs ~ N(0, 1); targets suited to the cost. */
    static Case draw(List<Activation> hidden, Activation output, Cost cost, long seed) {
        List<Activation> acts = new ArrayList<>(hidden);
        acts.add(output);
        NetworkSpec spec = new NetworkSpec(SIZES, acts, cost);
        ParamLayout layout = spec.layout();
        Random r = new Random(seed);
        double[] p = new double[(int) layout.total()];
        for (int l = 0; l < layout.layers(); l++) {
            double std = Math.sqrt(1.5 / layout.nIn(l));
            for (int q = 0; q < layout.weightLength(l); q++)
                p[(int) layout.weightOffset(l) + q] = r.nextGaussian() * std;
            for (int j = 0; j < layout.nOut(l); j++) p[(int) layout.b(l, j)] = 0.3 * r.nextGaussian();
        }
        int nOut = spec.outputSize();
        double[][] xs = new double[BATCH][spec.inputSize()];
        double[][] ys = new double[BATCH][nOut];
        for (int s = 0; s < BATCH; s++) {
            for (int k = 0; k < xs[s].length; k++) xs[s][k] = r.nextGaussian();
            switch (cost) {
                case QUADRATIC -> {
                    for (int j = 0; j < nOut; j++) ys[s][j] = r.nextDouble() * 2 - 0.5;
                }
                case CROSS_ENTROPY -> {
                    if (s % 2 == 0) {
                        ys[s][r.nextInt(nOut)] = 1.0; // one-hot
                    } else { // a soft target distribution
                        double sum = 0;
                        for (int j = 0; j < nOut; j++) sum += ys[s][j] = r.nextDouble();
                        for (int j = 0; j < nOut; j++) ys[s][j] /= sum;
                    }
                }
                case BINARY_CROSS_ENTROPY -> {
                    for (int j = 0; j < nOut; j++) ys[s][j] = s % 2 == 0 ? r.nextInt(2) : r.nextDouble();
                }
            }
        }
        return new Case(new ReferenceNetwork(spec, p), xs, ys);
    }

    record Case(ReferenceNetwork net, double[][] xs, double[][] ys) {}

    @ParameterizedTest(name = "{0} hidden, {1} + {2}")
    @MethodSource("everyCombination")
    void backpropMatchesFiniteDifferences(List<Activation> hidden, Activation output, Cost cost, long seed) {
        Case c = makeCase(hidden, output, cost, seed);
        double[] grad = c.net.batch(c.xs, c.ys).gradSum();
        double[] fd = FiniteDifference.gradient(c.net, c.xs, c.ys);
        List<FiniteDifference.LayerError> errs = FiniteDifference.compare(c.net.layout(), grad, fd);
        double rel = FiniteDifference.maxRel(errs);
        int skipped = FiniteDifference.skipped(errs);
        synchronized (FiniteDifferenceTest.class) {
            totalSkipped += skipped;
            totalChecked += fd.length;
            if (rel > worstRel) {
                worstRel = rel;
                worstCase = hidden + " " + output + " " + cost + " " + errs;
            }
        }
        assertTrue(rel <= MAX_REL, "max relative error " + rel + " > " + MAX_REL + ": " + errs);
        // a kink straddled by the steps (±2·10⁻³) needs some |z| ≲ 10⁻³: it must stay rare
        assertTrue(skipped <= grad.length / 10, skipped + " of " + fd.length + " parameters skipped at kinks");
    }

    @AfterAll
    static void report() {
        System.out.printf(
                "finite differences: worst relative error %.3g (%s); %d of %d components skipped at kinks%n",
                worstRel, worstCase, totalSkipped, totalChecked);
        assertTrue(
                totalSkipped <= totalChecked / 100,
                totalSkipped + " of " + totalChecked + " components skipped at kinks: more than 1%");
    }

    /* The check can fail: a gradient off by 1e-4 (relative) in one weight is reported in its layer. */
    @Test
    void aWrongGradientIsCaught() {
        Case c = makeCase(List.of(Activation.TANH, Activation.TANH), Activation.SOFTMAX, Cost.CROSS_ENTROPY, 7L);
        double[] grad = c.net.batch(c.xs, c.ys).gradSum();
        double[] fd = FiniteDifference.gradient(c.net, c.xs, c.ys);
        int i = (int) c.net.layout().w(1, 2, 4);
        grad[i] *= 1 + 1e-4;
        List<FiniteDifference.LayerError> errs = FiniteDifference.compare(c.net.layout(), grad, fd);
        assertTrue(errs.get(1).weightMaxRel() > 5e-5, errs.toString());
        assertTrue(
                errs.get(0).maxRel() <= MAX_REL
                        && errs.get(2).maxRel() <= MAX_REL
                        && errs.get(1).biasMaxRel() <= MAX_REL,
                errs.toString());
        // a NaN in the gradient is an infinite error, not a silent pass
        grad[(int) c.net.layout().b(2, 0)] = Double.NaN;
        errs = FiniteDifference.compare(c.net.layout(), grad, fd);
        assertEquals(Double.POSITIVE_INFINITY, errs.get(2).biasMaxRel());
    }

    /* Dropping σ′(zᴸ) from the quadratic output error (a common slip) is caught by the check. */
    @Test
    void aMissingOutputDerivativeIsCaught() {
        Case c = makeCase(List.of(Activation.SIGMOID, Activation.SIGMOID), Activation.SIGMOID, Cost.QUADRATIC, 8L);
        double[] fd = FiniteDifference.gradient(c.net, c.xs, c.ys);
        // the gradient of the last layer's biases if δᴸ were a − y
        ParamLayout layout = c.net.layout();
        double[] wrong = c.net.batch(c.xs, c.ys).gradSum();
        for (int j = 0; j < 4; j++) {
            double s = 0;
            for (int q = 0; q < c.xs.length; q++) s += c.net.forward(c.xs[q]).output()[j] - c.ys[q][j];
            wrong[(int) layout.b(2, j)] = s;
        }
        assertTrue(FiniteDifference.compare(layout, wrong, fd).get(2).biasMaxRel() > 0.1);
    }

    /*
     * A kink straddled on purpose: 1-1-1 network, relu hidden, x = 2, W1 = 0.5, b1 = −1, so z1 = 0
     * exactly. Moving W1 or b1 by ±h crosses the kink, so both estimates are NaN and counted as
     * skipped; W2 and b2 do not move z1 and are compared (relu(0) = 0 gives ∂C/∂W2 = 0).
     */
    @Test
    void kinkCrossingsAreSkipped() {
        NetworkSpec s =
                new NetworkSpec(new int[] {1, 1, 1}, List.of(Activation.RELU, Activation.IDENTITY), Cost.QUADRATIC);
        ReferenceNetwork net = new ReferenceNetwork(s, new double[] {0.5, 3, -1, 0.2});
        double[][] xs = {{2}};
        double[][] ys = {{1}};
        double[] fd = FiniteDifference.gradient(net, xs, ys);
        assertTrue(Double.isNaN(fd[0]) && Double.isNaN(fd[2]));
        List<FiniteDifference.LayerError> errs =
                FiniteDifference.compare(s.layout(), net.batch(xs, ys).gradSum(), fd);
        assertEquals(2, errs.get(0).skipped());
        assertEquals(0, errs.get(1).skipped());
        assertTrue(errs.get(1).maxRel() <= MAX_REL, errs.toString());
    }

    /* The two-point stencil agrees too, less tightly (its error is ~10⁻¹¹ absolute, not ~10⁻¹³). */
    @Test
    void twoPointStencilAgrees() {
        Case c = makeCase(List.of(Activation.SIGMOID, Activation.ELU), Activation.SOFTMAX, Cost.CROSS_ENTROPY, 10L);
        double[] grad = c.net.batch(c.xs, c.ys).gradSum();
        double[] fd = FiniteDifference.gradient(
                c.net, c.xs, c.ys, FiniteDifference.TWO_POINT_H, FiniteDifference.Stencil.TWO_POINT);
        List<FiniteDifference.LayerError> errs = FiniteDifference.compare(c.net.layout(), grad, fd);
        for (FiniteDifference.LayerError e : errs) assertTrue(e.maxAbs() < 1e-9, errs.toString());
    }

    /* The float overload compares a float gradient block (as the fast path produces) without loss of its float value. */
    @Test
    void floatGradientBlock() {
        Case c = makeCase(List.of(Activation.ELU, Activation.TANH), Activation.IDENTITY, Cost.QUADRATIC, 9L);
        double[] grad = c.net.batch(c.xs, c.ys).gradSum();
        double[] fd = FiniteDifference.gradient(c.net, c.xs, c.ys);
        float[] f = new float[grad.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) grad[i];
        double rel = FiniteDifference.maxRel(FiniteDifference.compare(c.net.layout(), f, fd));
        assertTrue(rel > 0 && rel < 1e-6, "float rounding gives a relative error ~6e-8, got " + rel);
    }
}
