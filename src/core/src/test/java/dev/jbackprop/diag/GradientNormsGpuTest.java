package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaBackend;
import dev.jbackprop.backend.cuda.CudaProbe;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CUDA backend gives the CPU backend's gradient norms (relative error ≤ 1e-4, FP32 without TF32). */
@Tag("gpu")
class GradientNormsGpuTest {

    static GradientNorms.Norms[] measure(Ops ops, NetworkSpec spec, float[] params, float[][] data, int count) {
        try (Network net = new Network(ops, spec, 300, false);
                DeviceData d = DeviceData.upload(ops, data[0], data[1], spec.inputSize(), spec.outputSize(), count);
                GradientNorms.Averager avg = new GradientNorms.Averager(net, d);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(params);
            GradientNorms.Norms averaged = avg.measure();
            int m = 100;
            ops.upload(data[0], 0, net.x.block(), 0, m * spec.inputSize());
            ops.upload(data[1], 0, net.y.block(), 0, m * spec.outputSize());
            Step.forward(net, m);
            Step.outputError(net, m, metrics, true);
            Step.backward(net, m);
            return new GradientNorms.Norms[] {averaged, GradientNorms.ofBatch(net, m)};
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "relu", "elu"})
    void cudaMatchesCpu(String act) {
        String why = (CudaProbe.probe().available() ? null : CudaProbe.probe().reason());
        assumeTrue(why == null, () -> "CUDA backend unavailable: " + why);
        Activation a = Activation.parse(act);
        NetworkSpec spec = NetworkSpec.of(new int[] {784, 30, 30, 30, 10}, a, null, Cost.CROSS_ENTROPY);
        float[] params = Init.recommendedFor(a).initialise(spec.layout(), 4);
        float[][] data = GradientNormsTest.samples(784, 10, 1000, 6);
        GradientNorms.Norms[] cpu, gpu;
        try (CpuOps c = new CpuOps(2)) {
            cpu = measure(c, spec, params, data, 1000);
        }
        try (Ops g = CudaBackend.open(false, false, false)) {
            gpu = measure(g, spec, params, data, 1000);
        }
        GradientNormsTest.assertNormsClose(cpu[0], gpu[0]);
        GradientNormsTest.assertNormsClose(cpu[1], gpu[1]);
    }
}
