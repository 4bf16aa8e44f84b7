package dev.jbackprop.engine;

import dev.jbackprop.diag.GradCheck;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.LearningRateSchedule;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Optimizer;
import dev.jbackprop.reference.BatchResult;
import dev.jbackprop.reference.ColumnMajor;
import dev.jbackprop.reference.ReferenceNetwork;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's optimiser steps against the reference's, in double, on one backend: the same network, weights and
 * batches; each step's rate from a schedule with a warm-up (so it changes every step), the first step included
 * (Adam's bias corrections at t = 1), a partial batch among them. Shared by the CPU test and the gpu-tagged one.
 */
public final class OptimizerScenarios {
    private OptimizerScenarios() {}

    /** The optimisers compared, one per rule, with their hyper-parameters away from neutral values. */
    public static List<Optimizer> optimizers() {
        return List.of(
                Optimizer.sgd(0.9),
                Optimizer.sgd(0),
                Optimizer.nesterov(0.9, 1e-3),
                Optimizer.adam(0.9, 0.999, 1e-8, 1e-3),
                Optimizer.adamw(0.9, 0.99, 1e-8, 0.05));
    }

    /** One comparison: what, and its normalised error (max |got − want| / max |want|). */
    public record Error(String what, double error) {}

    /**
     * Runs {@code steps} steps of {@code o} on the backend and on the reference and returns, per step, the
     * normalised errors of the parameters and of each state block (sgd's velocity against −η_t·b, PyTorch's
     * buffer scaled as the engine keeps it).
     */
    public static List<List<Error>> run(Ops ops, Optimizer o, int steps) {
        NetworkSpec spec = NetworkSpec.of(
                new int[] {9, 8, 6, 3},
                List.of(Activation.TANH, Activation.RELU),
                Activation.SOFTMAX,
                Cost.CROSS_ENTROPY);
        int capacity = 7, n = 50;
        double eta = o.kind().adaptive() ? 0.01 : 0.2, lambda = o.kind() == Optimizer.Kind.SGD ? 2.0 : 0.0;
        LearningRateSchedule schedule = LearningRateSchedule.parse("cosine", 3);
        Step.Hyper hyper = new Step.Hyper(eta, lambda, n, o, schedule);
        float[] params = Init.XAVIER.initialise(spec.layout(), 5);
        ReferenceNetwork ref = new ReferenceNetwork(spec, params);
        List<List<Error>> out = new ArrayList<>();
        try (Network net = new Network(ops, spec, capacity, o);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(params);
            for (int t = 1; t <= steps; t++) {
                int m = t == steps - 1 ? 5 : capacity; // a partial batch near the end
                double rate = eta * schedule.factor(t, steps, 1000);
                double previous = t == 1 ? rate : eta * schedule.factor(t - 1, steps, 1000);
                float[][] data = GradCheck.batch(spec, m, 300 + t);
                ops.upload(data[0], 0, net.x.block(), 0, data[0].length);
                ops.upload(data[1], 0, net.y.block(), 0, data[1].length);
                Step.forward(net, m);
                Step.outputError(net, m, metrics, true);
                Step.backward(net, m);
                Step.prepareUpdate(net, m, hyper, rate, previous, t);
                Step.applyUpdate(net, hyper);

                BatchResult rb = ref.batch(ColumnMajor.columns(data[0], 9, m), ColumnMajor.columns(data[1], 3, m));
                switch (o.kind()) {
                    case SGD -> ref.updateSgd(rb.gradSum(), m, rate, lambda, n, o.momentum());
                    case NESTEROV -> ref.updateNesterov(rb.gradSum(), m, rate, o.momentum(), o.weightDecay());
                    case ADAM, ADAMW ->
                        ref.updateAdam(
                                rb.gradSum(),
                                m,
                                rate,
                                o.beta1(),
                                o.beta2(),
                                o.epsilon(),
                                o.weightDecay(),
                                t,
                                o.kind() == Optimizer.Kind.ADAMW);
                }
                List<Error> errors = new ArrayList<>();
                errors.add(new Error("parameters", error(ref.parameters(), net.parameters())));
                switch (o.kind()) {
                    case SGD -> {
                        if (o.momentum() > 0) {
                            double[] v = ref.momentumBuffer();
                            for (int i = 0; i < v.length; i++) v[i] *= -rate;
                            errors.add(new Error("velocity = −η_t·momentum_buffer", error(v, net.velocity())));
                        }
                    }
                    case NESTEROV ->
                        errors.add(new Error("momentum_buffer", error(ref.momentumBuffer(), net.velocity())));
                    case ADAM, ADAMW -> {
                        errors.add(new Error("exp_avg", error(ref.expAvg(), net.velocity())));
                        errors.add(new Error("exp_avg_sq", error(ref.expAvgSq(), net.secondMoment())));
                    }
                }
                out.add(errors);
            }
        }
        return out;
    }

    static double error(double[] want, float[] got) {
        double maxRef = 0, maxErr = 0;
        for (int i = 0; i < want.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(want[i]));
            double e = Math.abs(want[i] - got[i]);
            maxErr = Double.isNaN(e) ? Double.POSITIVE_INFINITY : Math.max(maxErr, e);
        }
        return maxErr / Math.max(maxRef, 1e-30);
    }
}
