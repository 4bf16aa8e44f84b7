package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.OptimizerScenarios;
import dev.jbackprop.engine.ResumeTest;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.LearningRateSchedule;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Optimizer;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimisers on the GPU: each against the reference over ten steps with a changing rate (as
 * OptimizerVsReferenceTest on the CPU), and training with a schedule replayed as a CUDA graph gives the eager
 * run's weights bit for bit (the rate reaches the graph through the scalars block, not baked into it). Skipped,
 * with the probe's reason, where there is no usable GPU.
 */
@Tag("gpu")
class OptimizerGpuTest {
    static Stream<Optimizer> optimizers() {
        return OptimizerScenarios.optimizers().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void tenStepsMatchTheReference(Optimizer o) {
        GpuTestSupport.assumeGpu();
        try (CudaOps ops = new CudaOps(CudaOptions.defaults())) {
            List<List<OptimizerScenarios.Error>> steps = OptimizerScenarios.run(ops, o, 10);
            for (int t = 0; t < steps.size(); t++) {
                for (OptimizerScenarios.Error e : steps.get(t)) {
                    int step = t + 1;
                    assertTrue(
                            e.error() <= 2e-6,
                            () -> o.describe() + " step " + step + ": " + e.what() + " off by " + e.error());
                }
            }
        }
    }

    /** {parameters, first state, second state} after training with adam and a onecycle schedule. */
    static float[][] train(dev.jbackprop.engine.Ops ops, Optimizer o, boolean graphs) {
        NetworkSpec spec =
                NetworkSpec.of(new int[] {12, 16, 5}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        int count = 203, batch = 16;
        float[][] d = ResumeTest.synthetic(12, 5, count, 3);
        Step.Hyper h = new Step.Hyper(0.01, 0, count, o, LearningRateSchedule.parse("onecycle", 5));
        try (Network net = new Network(ops, spec, batch, o);
                DeviceData data = DeviceData.upload(ops, d[0], d[1], 12, 5, count);
                Trainer t = new Trainer(net, data, null, new Trainer.Config(batch, 3, 0, 42, h, graphs))) {
            net.setParameters(Init.HE.initialise(spec.layout(), 7));
            t.run(new Trainer.Listener() {});
            return new float[][] {net.parameters(), net.velocity(), net.secondMoment()};
        }
    }

    /** Graph against eager on the GPU bit for bit, and both within rounding of the CPU. */
    @Test
    void aScheduleReachesTheReplayedGraph() {
        GpuTestSupport.assumeGpu();
        for (Optimizer o :
                List.of(Optimizer.adam(0.9, 0.999, 1e-8, 0), Optimizer.nesterov(0.9, 0), Optimizer.sgd(0.9))) {
            float[][] eager, graph, cpu;
            try (CudaOps ops = new CudaOps(CudaOptions.defaults())) {
                eager = train(ops, o, false);
                graph = train(ops, o, true);
            }
            try (CpuOps ops = new CpuOps(2)) {
                cpu = train(ops, o, true);
            }
            assertArrayEquals(eager[0], graph[0], o + ": parameters, graph against eager");
            assertArrayEquals(eager[1], graph[1], o + ": first state, graph against eager");
            assertArrayEquals(eager[2], graph[2], o + ": second state, graph against eager");
            double maxRef = 0, maxErr = 0;
            for (int i = 0; i < cpu[0].length; i++) {
                maxRef = Math.max(maxRef, Math.abs(cpu[0][i]));
                maxErr = Math.max(maxErr, Math.abs(cpu[0][i] - graph[0][i]));
            }
            double err = maxErr / maxRef;
            assertTrue(err <= 1e-4, o + ": GPU against CPU after 39 steps, normalised " + err);
        }
    }
}
