package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.diag.GradCheck;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.reference.BatchResult;
import dev.jbackprop.reference.ColumnMajor;
import dev.jbackprop.reference.ReferenceNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The shared engine on the CPU backend against the reference oracle. */
class StepVsReferenceTest {
    static CpuOps ops;

    @BeforeAll
    static void open() {
        ops = new CpuOps(2);
    }

    @AfterAll
    static void close() {
        ops.close();
    }

    static Stream<Arguments> grid() {
        List<Arguments> out = new ArrayList<>();
        for (Activation hidden : Activation.hiddenChoices()) {
            for (Activation o : Activation.hiddenChoices()) out.add(Arguments.of(hidden, o, Cost.QUADRATIC));
            out.add(Arguments.of(hidden, Activation.SOFTMAX, Cost.CROSS_ENTROPY));
            out.add(Arguments.of(hidden, Activation.SIGMOID, Cost.BINARY_CROSS_ENTROPY));
        }
        return out.stream();
    }

    /** Every activation × valid cost on 7-5-3-4: CPU float32 gradients within 1e-4 (normalised) of the reference, FD within 1e-6. */
    @ParameterizedTest(name = "{0} hidden, {1} output, {2}")
    @MethodSource("grid")
    void gradientsMatchReference(Activation hidden, Activation out, Cost cost) {
        NetworkSpec spec = NetworkSpec.of(new int[] {7, 5, 3, 4}, hidden, out, cost);
        GradCheck.Result r = GradCheck.run(ops, spec, 5, Init.SCALED, 11);
        assertTrue(
                r.worstBackend() <= GradCheck.BACKEND_TOLERANCE,
                () -> "cpu vs reference " + r.worstBackend() + " for " + spec);
        assertTrue(r.worstFd() <= GradCheck.FD_TOLERANCE, () -> "fd vs reference " + r.worstFd() + " for " + spec);
        assertTrue(
                Math.abs(r.costBackend() - r.costRef()) <= 1e-5 * (1 + Math.abs(r.costRef())),
                () -> r.costBackend() + " vs " + r.costRef());
    }

    /** z, a and δ of each layer for a whole batch, as column-major matrices, and several training steps with momentum and L2. */
    @Test
    void activationsDeltasAndTrainingStepsMatchReference() {
        NetworkSpec spec = NetworkSpec.of(
                new int[] {9, 8, 1, 6, 3},
                List.of(Activation.TANH, Activation.parse("elu:0.5"), Activation.parse("leaky_relu:0.1")),
                Activation.SOFTMAX,
                Cost.CROSS_ENTROPY);
        int m = 7, capacity = 8; // a partial batch in a larger buffer
        float[] params = Init.XAVIER.initialise(spec.layout(), 3);
        ReferenceNetwork ref = new ReferenceNetwork(spec, params);
        try (Network net = new Network(ops, spec, capacity, true);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(params);
            Step.Hyper hyper = new Step.Hyper(0.3, 2.0, 0.8, 50);
            for (int step = 0; step < 5; step++) {
                float[][] data = GradCheck.batch(spec, m, 100 + step);
                ops.upload(data[0], 0, net.x.block(), 0, data[0].length);
                ops.upload(data[1], 0, net.y.block(), 0, data[1].length);
                Step.forward(net, m);
                Step.outputError(net, m, metrics, true);
                Step.backward(net, m);
                BatchResult rb = ref.batch(ColumnMajor.columns(data[0], 9, m), ColumnMajor.columns(data[1], 3, m));
                for (int l = 0; l < net.layers(); l++) {
                    assertClose("z" + l, rb.zMatrix(l), net.read(net.z[l], m), 1e-5);
                    assertClose("a" + l, rb.aMatrix(l), net.read(net.a[l], m), 1e-5);
                    assertClose("delta" + l, rb.deltaMatrix(l), net.read(net.delta[l], m), 1e-4);
                }
                assertClose("grad", rb.gradSum(), net.gradients(), 1e-4);
                Step.update(net, m, hyper);
                ref.update(rb.gradSum(), m, hyper.eta(), hyper.lambda(), hyper.trainingSetSize(), hyper.momentum());
                assertClose("params after step " + step, ref.parameters(), net.parameters(), 1e-5);
            }
        }
    }

    static void assertClose(String what, double[] want, float[] got, double tol) {
        double maxRef = 0, maxErr = 0;
        int worst = -1;
        for (int i = 0; i < want.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(want[i]));
            double e = Math.abs(want[i] - got[i]);
            if (!(e <= maxErr)) {
                maxErr = e;
                worst = i;
                if (Double.isNaN(e)) break; // a NaN stays the worst: a later finite error must not replace it
            }
        }
        double norm = maxErr / Math.max(maxRef, 1e-30);
        int w = worst;
        assertTrue(
                norm <= tol,
                () -> what + ": normalised error " + norm + " at " + w + " (want " + want[w] + ", got " + got[w] + ")");
    }
}
