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
import org.junit.jupiter.api.Test;

/**
 * The CPU training step allocates nothing on the Java heap once warmed up, on the calling thread or
 * on the backend's worker threads; the network is large enough that the first GEMM, the elementwise
 * passes, the column sums and the update are split over the workers.
 */
class AllocationFreeStepTest {

    @Test
    void stepsAllocateNothing() {
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
        Step.Hyper hyper = new Step.Hyper(0.05, 1.0, 0.9, n);
        try (CpuOps ops = new CpuOps(2);
                Network net = new Network(ops, spec, batch, true);
                DeviceData data = DeviceData.upload(ops, x, y, 256, 10, n);
                Metrics metrics = ops.allocateMetrics()) {
            net.setParameters(Init.HE.initialise(spec.layout(), 1));
            data.beginEpoch(order);
            double[] out = new double[3];
            Runnable steps = () -> {
                for (int off = 0; off + batch <= n; off += batch) {
                    data.load(off, batch, net.x, net.y);
                    Step.train(net, batch, metrics, hyper);
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
