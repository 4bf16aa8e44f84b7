package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Shuffler;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A captured CPU step ({@link CpuPlan}: one parallel region, fused epilogues and updates, barriers
 * only where needed) against the same steps run eagerly: every float of the parameters, velocity,
 * gradients, z, a and δ, and the cost and accuracy sums, bit for bit, for networks on the C kernel and
 * on OpenBLAS, every hidden activation and output/cost, with and without momentum and decay, on 1, 2
 * and 3 threads.
 */
class CpuPlanTest {

    static Stream<Arguments> cases() {
        NetworkSpec tiny =
                NetworkSpec.of(new int[] {30, 20, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        // at least CpuPlan.TEAM_MIN_WORK multiply-adds per step: the plans run on the whole team
        NetworkSpec small =
                NetworkSpec.of(new int[] {300, 100, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        NetworkSpec deep = NetworkSpec.of(
                new int[] {400, 133, 17, 3},
                List.of(Activation.parse("leaky_relu:0.1"), Activation.TANH),
                Activation.SIGMOID,
                Cost.BINARY_CROSS_ENTROPY);
        NetworkSpec quad = NetworkSpec.of(
                new int[] {250, 120, 120, 4},
                List.of(Activation.SIGMOID, Activation.parse("elu:0.5")),
                Activation.IDENTITY,
                Cost.QUADRATIC);
        // products of more than CpuGemm.NATIVE_MAX multiply-adds: OpenBLAS, split by rows
        NetworkSpec blas =
                NetworkSpec.of(new int[] {784, 600, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        return Stream.of(
                Arguments.of(tiny, 64, 0.9, 0.0, 2),
                Arguments.of(tiny, 37, 0.9, 1.0, 3),
                Arguments.of(small, 64, 0.9, 0.0, 1),
                Arguments.of(small, 64, 0.9, 0.0, 2),
                Arguments.of(small, 67, 0.9, 1.0, 3),
                Arguments.of(small, 64, 0.0, 1.0, 2),
                Arguments.of(deep, 50, 0.9, 0.5, 2),
                Arguments.of(deep, 50, 0.0, 0.0, 3),
                Arguments.of(quad, 72, 0.5, 0.0, 2),
                Arguments.of(blas, 64, 0.9, 0.1, 2),
                Arguments.of(blas, 64, 0.9, 0.1, 1));
    }

    /** Trains `steps` steps eagerly or through ops.capture; returns every buffer and the metrics. */
    static float[][] train(CpuOps ops, NetworkSpec spec, int batch, double momentum, double lambda, boolean replay) {
        int n = batch * 5 + 3;
        Random r = new Random(5);
        float[] x = new float[spec.inputSize() * n], y = new float[spec.outputSize() * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int j = 0; j < n; j++) y[j * spec.outputSize() + r.nextInt(spec.outputSize())] = 1f;
        Step.Hyper hyper = new Step.Hyper(0.05, lambda, momentum, n);
        try (Network net = new Network(ops, spec, batch, momentum > 0);
                DeviceData data = DeviceData.upload(ops, x, y, spec.inputSize(), spec.outputSize(), n);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(Init.HE.initialise(spec.layout(), 3));
            int[] order = new int[n];
            new Shuffler(9).shuffle(order);
            data.beginEpoch(order);
            StepReplay rep = replay
                    ? ops.capture(() -> {
                        data.loadPrepared(batch, net.x, net.y);
                        Step.train(net, batch, metrics, hyper);
                    })
                    : null;
            double[] sums = new double[3];
            for (int s = 0; s < 5; s++) {
                if (rep != null) {
                    data.prepare(s * batch, batch);
                    rep.run();
                } else {
                    data.load(s * batch, batch, net.x, net.y);
                    Step.train(net, batch, metrics, hyper);
                }
                double[] mt = metrics.read();
                metrics.reset();
                for (int i = 0; i < 3; i++) sums[i] += mt[i];
            }
            if (rep != null) {
                CpuPlan plan = ((CpuOps.Replay) rep).plan();
                assertNotNull(plan, "the body was planned");
                long work = 0;
                for (int l = 0; l < spec.layers(); l++)
                    work += (l == 0 ? 2L : 3L)
                            * spec.layout().nIn(l)
                            * spec.layout().nOut(l)
                            * batch;
                int team = work < CpuPlan.TEAM_MIN_WORK ? 1 : ops.threads();
                assertEquals(team, plan.threads(), "threads of the plan for " + work + " multiply-adds a step");
                rep.close();
            }
            float[] act = new float[(int) net.activations.length()];
            ops.download(net.activations, 0, act, 0, act.length);
            return new float[][] {
                net.parameters(),
                momentum > 0 ? net.velocity() : new float[0],
                net.gradients(),
                act,
                {(float) sums[0], (float) sums[1], (float) sums[2]},
                {(float) (sums[0] - (float) sums[0])}
            };
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void replayGivesTheEagerStepsBits(NetworkSpec spec, int batch, double momentum, double lambda, int threads) {
        float[][] eager, replay;
        try (CpuOps ops = new CpuOps(threads)) {
            eager = train(ops, spec, batch, momentum, lambda, false);
        }
        try (CpuOps ops = new CpuOps(threads)) {
            replay = train(ops, spec, batch, momentum, lambda, true);
        }
        String[] what = {"parameters", "velocity", "gradients", "z, a and δ", "cost, correct, count", "cost's low bits"
        };
        for (int i = 0; i < what.length; i++) assertArrayEquals(eager[i], replay[i], what[i] + " of " + spec);
    }

    /** A step with little work runs on the calling thread: no barrier. */
    @Test
    void smallStepRunsOnOneThread() {
        NetworkSpec spec =
                NetworkSpec.of(new int[] {784, 30, 10}, Activation.SIGMOID, Activation.SIGMOID, Cost.QUADRATIC);
        try (CpuOps ops = new CpuOps(2)) {
            CpuOps.Replay rep = captured(ops, spec, 10);
            assertEquals(1, rep.plan().threads(), rep.plan().describe());
            assertEquals(0, rep.plan().barriers(), rep.plan().describe());
        }
    }

    /** The small net's step on 2 threads: its products fused with what follows, and few barriers. */
    @Test
    void smallStepIsFusedWithFewBarriers() {
        NetworkSpec spec =
                NetworkSpec.of(new int[] {784, 100, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        try (CpuOps ops = new CpuOps(2)) {
            CpuOps.Replay rep = captured(ops, spec, 64);
            String plan = rep.plan().describe();
            assertTrue(plan.contains("+ bias and activation"), plan);
            assertTrue(plan.contains("update weights 100×784 by columns"), plan);
            assertTrue(plan.contains("update biases 100×1 by rows"), plan);
            assertTrue(rep.plan().barriers() <= 3, plan);
        }
    }

    static CpuOps.Replay captured(CpuOps ops, NetworkSpec spec, int batch) {
        int n = batch * 2;
        Network net = new Network(ops, spec, batch, true);
        DeviceData data = DeviceData.upload(
                ops,
                new float[spec.inputSize() * n],
                new float[spec.outputSize() * n],
                spec.inputSize(),
                spec.outputSize(),
                n);
        Metrics metrics = ops.allocateMetrics();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        data.beginEpoch(order);
        Step.Hyper hyper = new Step.Hyper(0.05, 0, 0.9, n);
        CpuOps.Replay rep = (CpuOps.Replay) ops.capture(() -> {
            data.loadPrepared(batch, net.x, net.y);
            Step.train(net, batch, metrics, hyper);
        });
        data.prepare(0, batch);
        rep.run();
        return rep;
    }

    /** A body that reads back from the host cannot be a plan: it runs eagerly every time, with the same results. */
    @Test
    void bodyWithHostWorkRunsEagerly() {
        NetworkSpec spec =
                NetworkSpec.of(new int[] {30, 20, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        try (CpuOps ops = new CpuOps(2);
                Network net = new Network(ops, spec, 8, true);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(Init.HE.initialise(spec.layout(), 3));
            float[] seen = new float[8 * 10];
            int[] runs = {0};
            CpuOps.Replay rep = (CpuOps.Replay) ops.capture(() -> {
                Step.forward(net, 8);
                ops.download(net.a[1].block(), 0, seen, 0, seen.length);
                runs[0]++;
            });
            rep.run();
            rep.run();
            assertNull(rep.plan());
            assertEquals(2, runs[0], "the body itself ran each time");
            float[] want = net.read(net.a[1], 8);
            assertArrayEquals(want, seen);
            assertFalse(Float.isNaN(want[0]));
        }
    }

    /** Replayed steps allocate nothing on the Java heap, on the calling thread or on the workers. */
    @Test
    void replayAllocatesNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        NetworkSpec spec =
                NetworkSpec.of(new int[] {784, 100, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        try (CpuOps ops = new CpuOps(2)) {
            CpuOps.Replay rep = captured(ops, spec, 64);
            for (int i = 0; i < 200; i++) rep.run(); // warm up: JIT compilation may allocate
            long[] tids = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t == Thread.currentThread() || t.getName().startsWith("jbackprop-cpu-"))
                    .mapToLong(Thread::getId)
                    .toArray();
            long before = 0, after = 0;
            for (long b : mx.getThreadAllocatedBytes(tids)) before += b;
            for (int i = 0; i < 200; i++) rep.run();
            for (long b : mx.getThreadAllocatedBytes(tids)) after += b;
            assertTrue(after - before < 16L * 200, (after - before) + " bytes allocated over 200 replayed steps");
        }
    }
}
