package dev.jbackprop.diag;

import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
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
        /** cuBLAS TF32 tensor cores: 10-bit mantissas in the GEMM inputs. */
        TF32(2e-2),
        /**
         * BF16 GEMM inputs (--bf16): W, x, a and δ rounded to bfloat16 before each GEMM, 8 significant
         * bits, unit roundoff u = 2^-9 ≈ 1.95e-3; products exact and sums in FP32, everything else FP32.
         * A product of two rounded inputs is off by at most 2u + u² ≈ 2u relative, so a GEMM output by at
         * most 2u·Σ|a·b|: 2u of its own size where the terms do not cancel. The longest chain of GEMMs
         * behind a quantity verify compares is the first layer's gradient of an L-layer network: L forward
         * GEMMs, L − 1 backward and the ∂C/∂W GEMM, 2L in all; to first order their errors add, 2L·2u,
         * when σ′ does not amplify them. For L = 3, the deepest networks bench/gpu-check.sh verifies, that
         * is 12u ≈ 2.3e-2; twice that, for moderate cancellation in the sums, 24u ≈ 4.7e-2: hence 5e-2
         * (deeper networks would call for 8Lu). Bf16ToleranceTest checks it without a GPU: the CPU with
         * its GEMM inputs rounded exactly as the GPU rounds them (the GPU differs from that only in the
         * order of FP32 sums) stays under half of it on every network gpu-check.sh verifies in BF16 (worst
         * 2.4e-2, weights after 3 steps of a linear network; typically 4e-3 to 7e-3). Not meaningful for
         * ReLU or leaky ReLU on wide layers: a z within rounding distance of the kink at 0 flips σ′, and
         * that unit's δ then differs by all of itself (0.6 on [784, 4099, 10] ReLU, batch 129).
         */
        BF16(5e-2);

        public final double value;

        Tolerance(double value) {
            this.value = value;
        }
    }

    public record Row(int layer, String quantity, double maxAbs, double normalised, double tolerance) {
        public boolean pass() {
            return normalised <= tolerance;
        }
    }

    public record Report(
            NetworkSpec spec,
            int batch,
            int steps,
            Tolerance tolerance,
            List<Row> rows,
            double costWant,
            double costGot) {
        public boolean pass() {
            return rows.stream().allMatch(Row::pass)
                    && Math.abs(costGot - costWant) <= tolerance.value * Math.max(1, Math.abs(costWant));
        }

        public Row worst() {
            Row w = null;
            for (Row r : rows) if (w == null || !(r.normalised() <= w.normalised())) w = r;
            return w;
        }
    }

    /** Runs the comparison; {@code want} is the trusted backend (the CPU), {@code got} the one checked. */
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
        ParamLayout layout = spec.layout();
        float[] params = init.initialise(layout, seed);
        List<Row> rows = new ArrayList<>();
        double costWant = 0, costGot = 0;
        boolean momentum = hyper.momentum() > 0;
        try (Network a = new Network(want, spec, m, momentum);
                Network b = new Network(got, spec, m, momentum);
                Metrics ma = want.allocateMetrics();
                Metrics mb = got.allocateMetrics()) {
            a.setParameters(params);
            b.setParameters(params);
            for (int k = 0; k < Math.max(1, steps); k++) {
                float[][] data = GradCheck.batch(spec, m, seed * 1000 + k);
                for (Network n : new Network[] {a, b}) {
                    n.ops.upload(data[0], 0, n.x.block(), 0, data[0].length);
                    n.ops.upload(data[1], 0, n.y.block(), 0, data[1].length);
                    Step.forward(n, m);
                }
                Step.outputError(a, m, ma, true);
                Step.outputError(b, m, mb, true);
                Step.backward(a, m);
                Step.backward(b, m);
                if (k == 0) {
                    costWant = ma.read()[0];
                    costGot = mb.read()[0];
                    for (int l = 0; l < layout.layers(); l++) {
                        rows.add(row(l, "z", a.read(a.z[l], m), b.read(b.z[l], m), tol));
                        rows.add(row(l, "a", a.read(a.a[l], m), b.read(b.a[l], m), tol));
                        rows.add(row(l, "delta", a.read(a.delta[l], m), b.read(b.delta[l], m), tol));
                        rows.add(row(
                                l,
                                "dC/dW",
                                slice(a.gradients(), layout.weightOffset(l), layout.weightLength(l)),
                                slice(b.gradients(), layout.weightOffset(l), layout.weightLength(l)),
                                tol));
                        rows.add(row(
                                l,
                                "dC/db",
                                slice(a.gradients(), layout.biasOffset(l), layout.nOut(l)),
                                slice(b.gradients(), layout.biasOffset(l), layout.nOut(l)),
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
                            tol));
                    rows.add(row(
                            l,
                            "b after " + steps,
                            slice(pa, layout.biasOffset(l), layout.nOut(l)),
                            slice(pb, layout.biasOffset(l), layout.nOut(l)),
                            tol));
                }
            }
        }
        return new Report(spec, m, steps, tol, rows, costWant, costGot);
    }

    static float[] slice(float[] v, long off, long len) {
        float[] out = new float[(int) len];
        System.arraycopy(v, (int) off, out, 0, (int) len);
        return out;
    }

    static Row row(int layer, String what, float[] want, float[] got, Tolerance tol) {
        double[] e = NormalisedError.of(want, got);
        return new Row(layer + 1, what, e[0], e[1], tol.value);
    }
}
