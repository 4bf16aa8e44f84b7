package dev.jbackprop.diag;

import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import dev.jbackprop.reference.BatchResult;
import dev.jbackprop.reference.ColumnMajor;
import dev.jbackprop.reference.ReferenceNetwork;
import java.util.ArrayList;
import java.util.List;

/**
 * Backend against backend (the GPU against the CPU): the same network, the same weights and the
 * same batches; per layer the max abs and normalised error (max|got − want| / max|want|) of z, a,
 * δ, ∂C/∂W and ∂C/∂b after the first forward/backward, and of W and b after K training steps.
 */
public final class Verify {
    private Verify() {}

    /** Tolerance classes for the normalised error. */
    public enum Tolerance {
        /** FP32 everywhere: only summation order differs (cuBLAS vs OpenBLAS). */
        FP32(1e-4),
        /**
         * cuBLAS TF32 tensor cores (--tf32): A and B of every GEMM with 10-bit mantissas, products exact and
         * sums in FP32, everything else FP32. How cuBLAS turns an FP32 input into TF32 is not documented:
         * truncation (relative error below u = 2^-10 ≈ 9.8e-4) or round to nearest (at most 2^-11); the
         * tolerance takes the worse, truncation. Then the derivation of {@link #BF16} with this u: a product
         * of two rounded inputs is off by at most 2u, the first layer's gradient of an L-layer network sits
         * behind 2L GEMMs, 4Lu to first order, 12u ≈ 1.2e-2 for L = 3, twice that for cancellation in the
         * sums, 24u ≈ 2.3e-2: hence 2.5e-2. The weights after K steps stay within that when training is
         * stable (each update moves them by η times a gradient that carries that error); where it is not,
         * rounding grows by the trajectory's own amplification, step after step (the linear network
         * [37,29,13,11] with quadratic cost at verify's η = 0.1 triples its error each step), so the
         * networks bench/gpu-check.sh verifies train stably (that one with η = 0.03). Tf32ToleranceTest
         * checks it without a GPU: the CPU with its GEMM inputs truncated, and rounded to nearest, on every
         * network gpu-check.sh verifies in TF32, stays under half of it (worst 8e-3 truncated, 1.4e-3 to
         * nearest).
         */
        TF32(2.5e-2),
        /**
         * BF16 GEMM inputs (--bf16): W, x, a and δ rounded to bfloat16 before each GEMM, 8 significant
         * bits, unit roundoff u = 2^-9 ≈ 1.95e-3; products exact and sums in FP32, everything else FP32.
         * A product of two rounded inputs is off by at most 2u + u² ≈ 2u relative, so a GEMM output by at
         * most 2u·Σ|a·b|: 2u of its own size where the terms do not cancel. The longest chain of GEMMs
         * behind a quantity verify compares is the first layer's gradient of an L-layer network: L forward
         * GEMMs, L − 1 backward and the ∂C/∂W GEMM, 2L in all; to first order their errors add, 2L·2u,
         * when σ′ does not amplify them. For L = 3, the deepest networks bench/gpu-check.sh verifies, that
         * is 12u ≈ 2.3e-2; twice that, for moderate cancellation in the sums, 24u ≈ 4.7e-2: hence 5e-2
         * (deeper networks would call for 8Lu). The weights after K steps stay within it where training is
         * stable (see {@link #TF32}). Bf16ToleranceTest checks it without a GPU: the CPU with its GEMM
         * inputs rounded exactly as the GPU rounds them (the GPU differs from that only in the order of
         * FP32 sums) stays under half of it on every network gpu-check.sh verifies in BF16 (typically 4e-3
         * to 7e-3, worst 1.6e-2). With ReLU or leaky ReLU a z within rounding distance of the kink at 0
         * can land on the other side and flip σ′ (that unit's δ then differs by all of itself: 0.6 on
         * [784, 4099, 10] ReLU, batch 129): such flips are reported as {@link KinkFlips}, not as errors.
         */
        BF16(5e-2);

        public final double value;

        Tolerance(double value) {
            this.value = value;
        }
    }

    /**
     * One quantity of one layer compared.
     *
     * @param layer 1-based
     * @param quantity "z", "a", "delta", "dC/dW", "dC/db", "W after K", "b after K"
     * @param maxAbs max |got − want|
     * @param normalised max |got − want| / max |want|
     * @param tolerance the normalised error allowed
     * @param beyond elements whose |got − want| exceeds tolerance · max |want| (NaN on one side counts)
     * @param elements elements compared
     * @param worst the worst element's index: [row, column] of the quantity (unit and sample for z, a and δ; unit
     *     and input for W; [unit, 0] for b), or empty when nothing was compared
     * @param worstGot the checked backend's value there
     * @param worstWant the trusted value there
     */
    public record Row(
            int layer,
            String quantity,
            double maxAbs,
            double normalised,
            double tolerance,
            long beyond,
            long elements,
            int[] worst,
            double worstGot,
            double worstWant) {
        /** Without the element details. */
        public Row(int layer, String quantity, double maxAbs, double normalised, double tolerance) {
            this(layer, quantity, maxAbs, normalised, tolerance, 0, 0, new int[0], Double.NaN, Double.NaN);
        }

        public boolean pass() {
            return normalised <= tolerance;
        }
    }

    /** The batches to compare on: step k's inputs (features × m) and targets (outputs × m), column-major. */
    public interface Batches {
        /**
         * The batch of step k.
         *
         * @param step 0-based
         * @return {x, y}
         */
        float[][] batch(int step);
    }

    /**
     * σ′ kink flips of one layer, over all the steps compared: pre-activations that lie within rounding
     * of a kink of σ′ (0 for ReLU, leaky ReLU, and ELU with α ≠ 1) and that the two backends put on
     * different sides of it. There σ′ differs by a whole step (1 against 0 or α), so that unit's δ, and
     * through it every δ and gradient below it in that sample, differs by far more than rounding
     * however right both backends are. "Within rounding" is within the z comparison's own tolerance:
     * both values at most {@code tolerance · max|z|} of the layer from the kink, so a flip can only
     * hide a difference that the z row already accepts. Verify counts them and takes σ′ there from the
     * checked backend's side (it copies that z into the trusted backend's z before the backward
     * pass), so they are reported here instead of failing δ and the gradients.
     *
     * @param layer 1-based, as in {@link Row}
     * @param count flips over all steps
     * @param preActivations pre-activations compared (rows × batch × steps)
     * @param largest the largest |z| of a flipped pre-activation
     * @param bound the largest |z| that counted as within rounding of the kink
     */
    public record KinkFlips(int layer, long count, long preActivations, double largest, double bound) {}

    /**
     * A comparison.
     *
     * @param tolerance the normalised error allowed
     * @param costWant the first batch's summed cost on the trusted side
     * @param costGot the same on the checked backend
     */
    public record Report(
            NetworkSpec spec,
            int batch,
            int steps,
            double tolerance,
            List<Row> rows,
            double costWant,
            double costGot,
            List<KinkFlips> flips) {
        public boolean pass() {
            return rows.stream().allMatch(Row::pass) && costPass();
        }

        /** Whether the first batch's cost agrees within the tolerance (relative, or absolute below 1). */
        public boolean costPass() {
            return Math.abs(costGot - costWant) <= tolerance * Math.max(1, Math.abs(costWant));
        }

        public Row worst() {
            Row w = null;
            for (Row r : rows) if (w == null || !(r.normalised() <= w.normalised())) w = r;
            return w;
        }

        /** Kink flips over all layers. */
        public long flipCount() {
            long n = 0;
            for (KinkFlips f : flips) n += f.count();
            return n;
        }
    }

    /** Whether σ′ jumps at 0 (ReLU, leaky ReLU, ELU with α ≠ 1); sigmoid, tanh, identity, softmax and ELU with α = 1 are smooth. */
    static boolean kinked(Activation act) {
        return switch (act.kind()) {
            case RELU, LEAKY_RELU -> true;
            case ELU -> act.alpha() != 1.0;
            default -> false;
        };
    }

    /**
     * Runs the comparison on random batches from weights drawn by {@code init}; {@code want} is the trusted backend
     * (the CPU), {@code got} the one checked.
     */
    public static Report run(
            Ops want,
            Ops got,
            NetworkSpec spec,
            int m,
            int steps,
            Step.Hyper hyper,
            Init init,
            long seed,
            Tolerance tol) {
        return run(
                want,
                got,
                spec,
                init.initialise(spec.layout(), seed),
                m,
                steps,
                hyper,
                k -> GradCheck.batch(spec, m, seed * 1000 + k),
                tol.value);
    }

    /**
     * Runs the comparison from given weights on given batches; {@code want} is the trusted backend, {@code got}
     * the one checked, {@code tol} the normalised error allowed (also the width of the kink band, see {@link
     * KinkFlips}).
     */
    public static Report run(
            Ops want,
            Ops got,
            NetworkSpec spec,
            float[] params,
            int m,
            int steps,
            Step.Hyper hyper,
            Batches batches,
            double tol) {
        ParamLayout layout = spec.layout();
        List<Row> forwardRows = new ArrayList<>(), rows = new ArrayList<>();
        long[] flipCount = new long[layout.layers()], compared = new long[layout.layers()];
        double[] flipLargest = new double[layout.layers()], flipBound = new double[layout.layers()];
        double costWant = 0, costGot = 0;
        boolean momentum = hyper.momentum() > 0;
        try (Network a = new Network(want, spec, m, momentum);
                Network b = new Network(got, spec, m, momentum);
                Metrics ma = want.allocateMetrics();
                Metrics mb = got.allocateMetrics()) {
            a.setParameters(params);
            b.setParameters(params);
            for (int k = 0; k < Math.max(1, steps); k++) {
                float[][] data = batches.batch(k);
                for (Network n : new Network[] {a, b}) {
                    n.ops.upload(data[0], 0, n.x.block(), 0, data[0].length);
                    n.ops.upload(data[1], 0, n.y.block(), 0, data[1].length);
                    Step.forward(n, m);
                }
                for (int l = 0; l < layout.layers(); l++) {
                    float[] zw = a.read(a.z[l], m), zg = b.read(b.z[l], m);
                    if (k == 0) {
                        forwardRows.add(row(l, "z", zw, zg, layout.nOut(l), tol));
                        forwardRows.add(row(l, "a", a.read(a.a[l], m), b.read(b.a[l], m), layout.nOut(l), tol));
                    }
                    compared[l] += zw.length;
                    if (kinked(spec.activation(l))) alignKinks(a, l, zw, zg, tol, flipCount, flipLargest, flipBound);
                }
                Step.outputError(a, m, ma, true);
                Step.outputError(b, m, mb, true);
                Step.backward(a, m);
                Step.backward(b, m);
                if (k == 0) {
                    costWant = ma.read()[0];
                    costGot = mb.read()[0];
                    for (int l = 0; l < layout.layers(); l++) {
                        rows.add(forwardRows.get(2 * l));
                        rows.add(forwardRows.get(2 * l + 1));
                        rows.add(row(l, "delta", a.read(a.delta[l], m), b.read(b.delta[l], m), layout.nOut(l), tol));
                        rows.add(row(
                                l,
                                "dC/dW",
                                slice(a.gradients(), layout.weightOffset(l), layout.weightLength(l)),
                                slice(b.gradients(), layout.weightOffset(l), layout.weightLength(l)),
                                layout.nOut(l),
                                tol));
                        rows.add(row(
                                l,
                                "dC/db",
                                slice(a.gradients(), layout.biasOffset(l), layout.nOut(l)),
                                slice(b.gradients(), layout.biasOffset(l), layout.nOut(l)),
                                layout.nOut(l),
                                tol));
                    }
                }
                if (steps > 0) {
                    Step.update(a, m, hyper);
                    Step.update(b, m, hyper);
                }
            }
            if (steps > 0) {
                float[] pa = a.parameters(), pb = b.parameters();
                for (int l = 0; l < layout.layers(); l++) {
                    rows.add(row(
                            l,
                            "W after " + steps,
                            slice(pa, layout.weightOffset(l), layout.weightLength(l)),
                            slice(pb, layout.weightOffset(l), layout.weightLength(l)),
                            layout.nOut(l),
                            tol));
                    rows.add(row(
                            l,
                            "b after " + steps,
                            slice(pa, layout.biasOffset(l), layout.nOut(l)),
                            slice(pb, layout.biasOffset(l), layout.nOut(l)),
                            layout.nOut(l),
                            tol));
                }
            }
        }
        List<KinkFlips> flips = new ArrayList<>();
        for (int l = 0; l < layout.layers(); l++)
            if (flipCount[l] > 0)
                flips.add(new KinkFlips(l + 1, flipCount[l], compared[l], flipLargest[l], flipBound[l]));
        return new Report(spec, m, steps, tol, rows, costWant, costGot, flips);
    }

    /**
     * Finds the kink flips of layer l (see {@link KinkFlips}) between the trusted z (zw) and the
     * checked one (zg), and writes the checked value into the trusted network's z there, so that both
     * backward passes take σ′ from the same side.
     */
    static void alignKinks(
            Network want,
            int l,
            float[] zw,
            float[] zg,
            double tol,
            long[] count,
            double[] largest,
            double[] boundOut) {
        double max = 0;
        for (float v : zw) if (Math.abs(v) > max) max = Math.abs(v);
        double bound = tol * max;
        boundOut[l] = Math.max(boundOut[l], bound);
        int flipped = 0;
        for (int i = 0; i < zw.length; i++) {
            boolean sideW = zw[i] > 0, sideG = zg[i] > 0; // NaN is on neither side: never a flip
            if (sideW != sideG
                    && !Float.isNaN(zw[i])
                    && !Float.isNaN(zg[i])
                    && Math.abs(zw[i]) <= bound
                    && Math.abs(zg[i]) <= bound) {
                largest[l] = Math.max(largest[l], Math.abs(zw[i]));
                zw[i] = zg[i];
                flipped++;
            }
        }
        if (flipped == 0) return;
        count[l] += flipped;
        want.ops.upload(zw, 0, want.z[l].block(), 0, zw.length);
    }

    static float[] slice(float[] v, long off, long len) {
        float[] out = new float[(int) len];
        System.arraycopy(v, (int) off, out, 0, (int) len);
        return out;
    }

    static Row row(int layer, String what, float[] want, float[] got, int rows, double tol) {
        double[] w = new double[want.length];
        for (int i = 0; i < w.length; i++) w[i] = want[i];
        return row(layer, what, w, got, rows, tol);
    }

    /**
     * The errors of got against want (a rows × n column-major quantity of layer {@code layer}, 0-based): as
     * {@link NormalisedError} measures them, and the elements beyond the tolerance and the worst one.
     */
    static Row row(int layer, String what, double[] want, float[] got, int rows, double tol) {
        double[] e = NormalisedError.of(want, got, 0, want.length);
        double maxRef = 0;
        for (double v : want) if (Double.isFinite(v)) maxRef = Math.max(maxRef, Math.abs(v));
        double bound = tol * maxRef;
        long beyond = 0;
        int worst = -1;
        double worstDiff = -1;
        for (int i = 0; i < want.length; i++) {
            double d = diff(want[i], got[i]);
            if (d > bound) beyond++;
            if (d > worstDiff) {
                worstDiff = d;
                worst = i;
            }
        }
        int[] index = worst < 0 ? new int[0] : new int[] {worst % rows, worst / rows};
        return new Row(
                layer + 1,
                what,
                e[0],
                e[1],
                tol,
                beyond,
                want.length,
                index,
                worst < 0 ? Double.NaN : got[worst],
                worst < 0 ? Double.NaN : want[worst]);
    }

    /** |g − w|, with NaN against a number (or different infinities) infinite and NaN against NaN 0. */
    private static double diff(double w, double g) {
        if (Double.isNaN(w) || Double.isNaN(g))
            return Double.isNaN(w) == Double.isNaN(g) ? 0 : Double.POSITIVE_INFINITY;
        if (w == g) return 0;
        return Math.abs(g - w);
    }

    // ---- against the reference ----------------------------------------------------------------------------

    /**
     * A backend against the double-precision reference oracle ({@link ReferenceNetwork}): the same weights and
     * batches; per layer z, a, δ, ∂C/∂W and ∂C/∂b of the first batch, and W and b after {@code steps} updates (the
     * reference's update in double against the backend's). Pre-activations within the tolerance band of a kink
     * that the two put on different sides are {@link KinkFlips}: there the backend's z takes the reference's side
     * before its backward pass.
     */
    public static Report againstReference(
            Ops got,
            NetworkSpec spec,
            float[] params,
            int m,
            int steps,
            Step.Hyper hyper,
            Batches batches,
            double tol) {
        ParamLayout layout = spec.layout();
        ReferenceNetwork ref = new ReferenceNetwork(spec, params);
        List<Row> rows = new ArrayList<>(), forwardRows = new ArrayList<>();
        long[] flipCount = new long[layout.layers()], compared = new long[layout.layers()];
        double[] flipLargest = new double[layout.layers()], flipBound = new double[layout.layers()];
        double costWant = 0, costGot = 0;
        try (Network b = new Network(got, spec, m, hyper.momentum() > 0);
                Metrics mb = got.allocateMetrics()) {
            b.setParameters(params);
            for (int k = 0; k < Math.max(1, steps); k++) {
                float[][] data = batches.batch(k);
                got.upload(data[0], 0, b.x.block(), 0, data[0].length);
                got.upload(data[1], 0, b.y.block(), 0, data[1].length);
                Step.forward(b, m);
                BatchResult r = ref.batch(
                        ColumnMajor.columns(data[0], spec.inputSize(), m),
                        ColumnMajor.columns(data[1], spec.outputSize(), m));
                for (int l = 0; l < layout.layers(); l++) {
                    double[] zw = r.zMatrix(l);
                    float[] zg = b.read(b.z[l], m);
                    if (k == 0) {
                        forwardRows.add(row(l, "z", zw, zg, layout.nOut(l), tol));
                        forwardRows.add(row(l, "a", r.aMatrix(l), b.read(b.a[l], m), layout.nOut(l), tol));
                    }
                    compared[l] += zw.length;
                    if (kinked(spec.activation(l)))
                        alignToReference(b, l, zw, zg, tol, flipCount, flipLargest, flipBound);
                }
                mb.reset();
                Step.outputError(b, m, mb, true);
                Step.backward(b, m);
                if (k == 0) {
                    costWant = r.costSum();
                    costGot = mb.read()[0];
                    float[] g = b.gradients();
                    double[] gw = r.gradSum();
                    for (int l = 0; l < layout.layers(); l++) {
                        rows.add(forwardRows.get(2 * l));
                        rows.add(forwardRows.get(2 * l + 1));
                        rows.add(row(l, "delta", r.deltaMatrix(l), b.read(b.delta[l], m), layout.nOut(l), tol));
                        int wo = (int) layout.weightOffset(l), wl = (int) layout.weightLength(l);
                        int bo = (int) layout.biasOffset(l), n = layout.nOut(l);
                        rows.add(row(
                                l,
                                "dC/dW",
                                java.util.Arrays.copyOfRange(gw, wo, wo + wl),
                                java.util.Arrays.copyOfRange(g, wo, wo + wl),
                                n,
                                tol));
                        rows.add(row(
                                l,
                                "dC/db",
                                java.util.Arrays.copyOfRange(gw, bo, bo + n),
                                java.util.Arrays.copyOfRange(g, bo, bo + n),
                                n,
                                tol));
                    }
                }
                if (steps > 0) {
                    ref.update(r.gradSum(), m, hyper.eta(), hyper.lambda(), hyper.trainingSetSize(), hyper.momentum());
                    Step.update(b, m, hyper);
                }
            }
            if (steps > 0) {
                double[] pw = ref.parameters();
                float[] pg = b.parameters();
                for (int l = 0; l < layout.layers(); l++) {
                    int wo = (int) layout.weightOffset(l), wl = (int) layout.weightLength(l);
                    int bo = (int) layout.biasOffset(l), n = layout.nOut(l);
                    rows.add(row(
                            l,
                            "W after " + steps,
                            java.util.Arrays.copyOfRange(pw, wo, wo + wl),
                            java.util.Arrays.copyOfRange(pg, wo, wo + wl),
                            n,
                            tol));
                    rows.add(row(
                            l,
                            "b after " + steps,
                            java.util.Arrays.copyOfRange(pw, bo, bo + n),
                            java.util.Arrays.copyOfRange(pg, bo, bo + n),
                            n,
                            tol));
                }
            }
        }
        List<KinkFlips> flips = new ArrayList<>();
        for (int l = 0; l < layout.layers(); l++)
            if (flipCount[l] > 0)
                flips.add(new KinkFlips(l + 1, flipCount[l], compared[l], flipLargest[l], flipBound[l]));
        return new Report(spec, m, steps, tol, rows, costWant, costGot, flips);
    }

    /**
     * Kink flips between the reference's z (zw) and the backend's (zg) of layer l: there the backend's z is set to
     * the reference's value, so that its backward pass takes σ′ from the reference's side.
     */
    private static void alignToReference(
            Network got,
            int l,
            double[] zw,
            float[] zg,
            double tol,
            long[] count,
            double[] largest,
            double[] boundOut) {
        double max = 0;
        for (double v : zw) if (Math.abs(v) > max) max = Math.abs(v);
        double bound = tol * max;
        boundOut[l] = Math.max(boundOut[l], bound);
        int flipped = 0;
        for (int i = 0; i < zw.length; i++) {
            boolean sideW = zw[i] > 0, sideG = zg[i] > 0;
            if (sideW != sideG
                    && !Double.isNaN(zw[i])
                    && !Float.isNaN(zg[i])
                    && Math.abs(zw[i]) <= bound
                    && Math.abs(zg[i]) <= bound) {
                largest[l] = Math.max(largest[l], Math.abs(zw[i]));
                zg[i] = sideW ? Math.max((float) zw[i], Float.MIN_VALUE) : Math.min((float) zw[i], 0f);
                flipped++;
            }
        }
        if (flipped == 0) return;
        count[l] += flipped;
        got.ops.upload(zg, 0, got.z[l].block(), 0, zg.length);
    }
}
