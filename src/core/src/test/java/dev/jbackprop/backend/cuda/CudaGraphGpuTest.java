package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.ResumeTest;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CUDA graphs: training with full-size steps replayed as a graph gives the eager run's weights bit
 * for bit (the same kernels and cuBLAS calls in the same order, with the same workspace, so the same
 * algorithms; weights involve no atomics), with a partial last batch run eagerly each epoch. The
 * loss sums use double atomicAdd, whose order may vary, so they are compared to 1e-9. Skipped,
 * with the probe's reason, where there is no usable GPU.
 */
@Tag("gpu")
class CudaGraphGpuTest {

    /** {parameters, velocity, {last epoch's loss}} after training; graphsSeen: capturedGraphs() before the trainer closes. */
    static float[][] train(
            CudaOps ops, NetworkSpec spec, int count, int batch, int epochs, boolean graphs, int[] graphsSeen) {
        float[][] d = ResumeTest.synthetic(spec.inputSize(), spec.outputSize(), count, 3);
        Trainer.Config cfg = new Trainer.Config(batch, epochs, 0, 42, new Step.Hyper(0.1, 0.5, 0.9, count), graphs);
        try (Network net = new Network(ops, spec, batch, true);
                DeviceData data = DeviceData.upload(ops, d[0], d[1], spec.inputSize(), spec.outputSize(), count);
                Trainer t = new Trainer(net, data, null, cfg)) {
            net.setParameters(Init.HE.initialise(spec.layout(), 7));
            assertEquals(graphs, t.replaying(), "replaying (resident data: " + data.describe() + ")");
            List<Trainer.EpochResult> res = t.run(new Trainer.Listener() {});
            graphsSeen[0] = ops.capturedGraphs();
            return new float[][] {
                net.parameters(),
                net.velocity(),
                {(float) res.get(res.size() - 1).loss()}
            };
        }
    }

    static void sameRun(CudaOps ops, NetworkSpec spec, int count, int batch, int epochs) {
        int[] seen = new int[1];
        float[][] eager = train(ops, spec, count, batch, epochs, false, seen);
        assertEquals(0, seen[0], "graphs off: nothing captured");
        float[][] graph = train(ops, spec, count, batch, epochs, true, seen);
        assertEquals(1, seen[0], "graphs on: one captured step");
        assertEquals(0, ops.capturedGraphs(), "closing the trainer frees its graph");
        assertArrayEquals(eager[0], graph[0], spec + ": parameters, graph against eager");
        assertArrayEquals(eager[1], graph[1], spec + ": momentum, graph against eager");
        assertEquals(eager[2][0], graph[2][0], 1e-6 * Math.abs(eager[2][0]), spec + ": loss");
    }

    @Test
    void graphAndEagerGiveTheSameWeights() {
        GpuTestSupport.assumeGpu();
        try (CudaOps ops = new CudaOps(CudaOptions.defaults())) {
            // 203 = 12·16 + 11 and 1000 = 7·128 + 104: partial last batches, run eagerly between replays
            sameRun(
                    ops,
                    NetworkSpec.of(new int[] {12, 16, 5}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY),
                    203,
                    16,
                    3);
            sameRun(
                    ops,
                    NetworkSpec.of(
                            new int[] {784, 300, 100, 10}, Activation.SIGMOID, Activation.SOFTMAX, Cost.CROSS_ENTROPY),
                    1000,
                    128,
                    2);
        }
    }

    /** With --bf16 the captured step holds the same launches (and the fused copies), so graph and eager still agree bit for bit. */
    @Test
    void graphAndEagerGiveTheSameWeightsWithBf16() {
        GpuTestSupport.assumeGpu();
        try (CudaOps ops = new CudaOps(new CudaOptions(0, false, true, false))) {
            sameRun(
                    ops,
                    NetworkSpec.of(new int[] {12, 16, 5}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY),
                    203,
                    16,
                    3);
            sameRun(
                    ops,
                    NetworkSpec.of(
                            new int[] {784, 300, 100, 10}, Activation.SIGMOID, Activation.SOFTMAX, Cost.CROSS_ENTROPY),
                    1000,
                    128,
                    2);
        }
    }

    @Test
    void debugModeRunsEagerly() {
        GpuTestSupport.assumeGpu();
        NetworkSpec spec =
                NetworkSpec.of(new int[] {12, 16, 5}, Activation.TANH, Activation.SIGMOID, Cost.BINARY_CROSS_ENTROPY);
        try (CudaOps ops = new CudaOps(new CudaOptions(0, false, false, true))) {
            int[] seen = new int[1];
            float[][] eager = train(ops, spec, 203, 16, 2, false, seen);
            float[][] graph = train(ops, spec, 203, 16, 2, true, seen);
            assertEquals(0, seen[0], "debug: no graph");
            assertArrayEquals(eager[0], graph[0]);
        }
    }

    @Test
    void hostSynchronisationInsideACaptureFailsAndLeavesTheStreamUsable() {
        GpuTestSupport.assumeGpu();
        try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                Block b = ops.allocate(1000);
                Metrics m = ops.allocateMetrics()) {
            try (StepReplay r = ops.capture(() -> {
                ops.fill(b, 2f);
                m.read();
            })) {
                r.run(); // eager warm-up: reading is allowed
                IllegalStateException e = assertThrows(IllegalStateException.class, r::run);
                assertTrue(e.getMessage().contains("captured"), e.getMessage());
                assertEquals(0, ops.capturedGraphs());
            }
            ops.fill(b, 3f);
            float[] out = new float[1000];
            ops.download(b, 0, out, 0, out.length);
            for (float v : out) assertEquals(3f, v);
        }
    }

    @Test
    void replayWritesWhatTheBodyWrites() {
        GpuTestSupport.assumeGpu();
        try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                Block b = ops.allocate(257)) {
            float[] value = {1f};
            // fill's value is baked in at capture: run 1 eager (1), run 2 captured (2), run 3 replays run 2's graph
            try (StepReplay r = ops.capture(() -> ops.fill(b, value[0]))) {
                float[] out = new float[257];
                for (int run = 1; run <= 3; run++) {
                    value[0] = run;
                    r.run();
                    ops.download(b, 0, out, 0, out.length);
                    assertEquals(run == 3 ? 2f : run, out[256], "run " + run);
                }
                assertEquals(1, ops.capturedGraphs());
            }
            assertEquals(0, ops.capturedGraphs());
        }
    }
}
