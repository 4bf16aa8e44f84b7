package dev.jbackprop.diag;

import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import dev.jbackprop.reference.ColumnMajor;
import dev.jbackprop.reference.FiniteDifference;
import dev.jbackprop.reference.ReferenceNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Gradient checks: (1) the reference's backprop against central finite differences, both in double;
 * (2) a backend's float32 gradients against the reference's. Tolerances are stated here and printed.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Reference backprop vs finite differences: max relative error. */
    public static final double FD_TOLERANCE = 1e-6;
    /** Backend (float32) vs reference: normalised error max|g − r| / max|r| per tensor. */
    public static final double BACKEND_TOLERANCE = 1e-4;

    /** One layer's errors: FD check of the reference, and the backend against the reference. */
    public record Row(
            int layer,
            String shape,
            double fdWeightRel,
            double fdBiasRel,
            int skipped,
            double backendWeightAbs,
            double backendWeightNorm,
            double backendBiasAbs,
            double backendBiasNorm) {
        public boolean fdPass() {
            return fdWeightRel <= FD_TOLERANCE && fdBiasRel <= FD_TOLERANCE;
        }

        public boolean backendPass() {
            return backendWeightNorm <= BACKEND_TOLERANCE && backendBiasNorm <= BACKEND_TOLERANCE;
        }
    }

    public record Result(NetworkSpec spec, int batch, List<Row> rows, double costRef, double costBackend) {
        public boolean pass() {
            return rows.stream().allMatch(r -> r.fdPass() && r.backendPass());
        }

        public double worstFd() {
            return rows.stream()
                    .mapToDouble(r -> Math.max(r.fdWeightRel(), r.fdBiasRel()))
                    .max()
                    .orElse(0);
        }

        public double worstBackend() {
            return rows.stream()
                    .mapToDouble(r -> Math.max(r.backendWeightNorm(), r.backendBiasNorm()))
                    .max()
                    .orElse(0);
        }
    }

    /** Random inputs N(0,1) and targets that suit the cost (one-hot for cross-entropy, [0,1] otherwise). */
    public static float[][] batch(NetworkSpec spec, int m, long seed) {
        Random r = new Random(seed ^ 0x5DEECE66DL);
        float[] x = new float[spec.inputSize() * m];
        float[] y = new float[spec.outputSize() * m];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int j = 0; j < m; j++) {
            if (spec.cost() == Cost.CROSS_ENTROPY) {
                y[j * spec.outputSize() + r.nextInt(spec.outputSize())] = 1f;
            } else {
                for (int i = 0; i < spec.outputSize(); i++) y[j * spec.outputSize() + i] = r.nextFloat();
            }
        }
        return new float[][] {x, y};
    }

    /** Runs both checks on one network with parameters drawn by {@code init} from {@code seed}. */
    public static Result run(Ops ops, NetworkSpec spec, int m, Init init, long seed) {
        ParamLayout layout = spec.layout();
        float[] params = init.initialise(layout, seed);
        float[][] data = batch(spec, m, seed);
        double[][] xs = ColumnMajor.columns(data[0], spec.inputSize(), m);
        double[][] ys = ColumnMajor.columns(data[1], spec.outputSize(), m);

        ReferenceNetwork ref = new ReferenceNetwork(spec, params);
        var refBatch = ref.batch(xs, ys);
        double[] fd = FiniteDifference.gradient(ref, xs, ys);
        List<FiniteDifference.LayerError> fdErr = FiniteDifference.compare(layout, refBatch.gradSum(), fd);

        float[] g;
        double costBackend;
        try (Network net = new Network(ops, spec, m, false);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(params);
            ops.upload(data[0], 0, net.x.block(), 0, data[0].length);
            ops.upload(data[1], 0, net.y.block(), 0, data[1].length);
            Step.forward(net, m);
            Step.outputError(net, m, metrics, true);
            Step.backward(net, m);
            g = net.gradients();
            costBackend = metrics.read()[0];
        }
        double[] r = refBatch.gradSum();
        List<Row> rows = new ArrayList<>();
        for (int l = 0; l < layout.layers(); l++) {
            double[] w = NormalisedError.of(r, g, (int) layout.weightOffset(l), (int) layout.weightLength(l));
            double[] b = NormalisedError.of(r, g, (int) layout.biasOffset(l), layout.nOut(l));
            FiniteDifference.LayerError e = fdErr.get(l);
            rows.add(new Row(
                    l + 1,
                    layout.nOut(l) + "×" + layout.nIn(l),
                    e.weightMaxRel(),
                    e.biasMaxRel(),
                    e.skipped(),
                    w[0],
                    w[1],
                    b[0],
                    b[1]));
        }
        return new Result(spec, m, rows, refBatch.costSum(), costBackend);
    }
}
