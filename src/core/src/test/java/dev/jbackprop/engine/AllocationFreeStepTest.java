package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;

/**
 * The CPU training step allocates nothing on the Java heap once warmed up, on the calling thread or
 * on the backend's worker threads; the network is large enough that the first GEMM, the elementwise
 * passes, the column sums and the update are split over the workers.
 */
class AllocationFreeStepTest {

    static java.util.stream.Stream<Step.Hyper> hypers() {
        return java.util.stream.Stream.of(
                new Step.Hyper(0.05, 1.0, 0.9, 1000),
                new Step.Hyper(
                        1e-3,
                        0,
                        1000,
                        dev.jbackprop.model.Optimizer.adam(0.9, 0.999, 1e-8, 1e-4),
                        dev.jbackprop.model.LearningRateSchedule.parse("cosine", 10)),
                new Step.Hyper(
                        0.05,
                        0,
                        1000,
                        dev.jbackprop.model.Optimizer.nesterov(0.9, 1e-4),
                        dev.jbackprop.model.LearningRateSchedule.parse("onecycle", 0)));
    }

    /** Momentum SGD, Adam with a schedule and Nesterov with onecycle: the update's numbers per step included. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("hypers")
    void stepsAllocateNothing(Step.Hyper hyper) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        NetworkSpec spec = NetworkSpec.of(
                new int[] {256, 512, 30, 10},
                List.of(Activation.RELU, Activation.TANH),
                Activation.SOFTMAX,
                Cost.CROSS_ENTROPY);
        int n = 1000, batch = 64;
        Random r = new Random(1);
        float[] x = new float[256 * n], y = new float[10 * n];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        for (int j = 0; j < n; j++) y[j * 10 + r.nextInt(10)] = 1f;
        int[] order = new int[n];
        new Shuffler(3).shuffle(order);
        try (CpuOps ops = new CpuOps(2);
                Network net = new Network(ops, spec, batch, hyper.optimizer());
                DeviceData data = DeviceData.upload(ops, x, y, 256, 10, n);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(Init.HE.initialise(spec.layout(), 1));
            data.beginEpoch(order);
            double[] out = new double[3];
            Runnable steps = () -> {
                for (int off = 0; off + batch <= n; off += batch) {
                    data.load(off, batch, net.x, net.y);
                    long t = net.updates() + 1;
                    double rate = hyper.eta() * hyper.schedule().factor(t, 1_000_000, 15);
                    Step.prepareUpdate(net, batch, hyper, rate, rate, t);
                    Step.trainPrepared(net, batch, metrics, hyper);
                    metrics.read(out);
                }
            };
            for (int i = 0; i < 20; i++) steps.run(); // warm up: JIT compilation may allocate
            long[] tids = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t == Thread.currentThread() || t.getName().startsWith("jbackprop-cpu-"))
                    .mapToLong(Thread::getId)
                    .toArray();
            assertTrue(tids.length == 2, "the calling thread and one worker, got " + tids.length);
            long before = sum(threads.getThreadAllocatedBytes(tids));
            for (int i = 0; i < 10; i++) steps.run();
            long allocated = sum(threads.getThreadAllocatedBytes(tids)) - before;
            int stepsRun = 10 * (n / batch);
            assertTrue(allocated < 16L * stepsRun, allocated + " bytes allocated over " + stepsRun + " steps");
        }
    }

    /** A plain loop: a stream's first use would allocate inside the measured window. */
    private static long sum(long[] xs) {
        long s = 0;
        for (long x : xs) s += x;
        return s;
    }
}
