package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The CPU training step allocates nothing on the Java heap once warmed up, on the calling thread or
 * on the backend's worker thread; the network is large enough that the first GEMM, the elementwise
 * passes, the column sums and the update are split over the workers.
 *
 * <p>Why the warm-up waits for the JIT: the VM allocates a few KB on the thread running the step, once, when it
 * swaps in newly compiled code for a method on the step's path (measured per round and per part of the step: 3,104
 * bytes inside Step.backward in exactly the round in which C2 installed OpsChecks.columns and made its C1 code not
 * entrant, 400 in the round of CpuGemm.Task.run and OpsChecks.sameShape, none in any round before or after). The
 * compilations run on the JIT's own threads; on a busy machine they get the CPU late, and after a fixed 20 rounds of
 * warm-up they still landed inside the measured window now and then (2 failures in 6 runs under load, 2 in 8 with two
 * busy loops on this 2-core machine). So the warm-up goes on until three rounds in a row see no compilation finish,
 * and a measured window in which one finished is measured again: the JIT's one-off work is kept out of the window,
 * while an allocation made by the step itself shows in every window and still fails the test.
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
        // this backend's worker by identity: a worker of the previous case's backend may still be on its way out
        Set<Thread> earlier = workers();
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
            Set<Thread> mine = workers();
            mine.removeAll(earlier);
            assertEquals(1, mine.size(), "one worker thread of this backend, got " + mine);
            long[] tids = {
                Thread.currentThread().getId(), mine.iterator().next().getId()
            };
            int stepsRun = ROUNDS * (n / batch);
            // Warm up until the JIT has settled (see the class comment): at least 20 rounds, then until three rounds
            // in a row ran with no compilation finishing and nothing allocated.
            int quiet = 0;
            for (int round = 0; round < MAX_WARMUP_ROUNDS && quiet < 3; round++) {
                long jit = jitMillis(), before = sum(threads.getThreadAllocatedBytes(tids));
                steps.run();
                boolean still =
                        sum(threads.getThreadAllocatedBytes(tids)) - before <= ARRAY_BYTES && jitMillis() == jit;
                quiet = round >= 20 && still ? quiet + 1 : 0;
            }
            // A window during which the JIT finished a compilation says nothing (it may have allocated for it): it
            // is measured again, a few times at most. A window with the JIT idle must allocate nothing.
            long allocated = 0;
            for (int attempt = 0; attempt < MAX_WINDOWS; attempt++) {
                long jit = jitMillis();
                long before = sum(threads.getThreadAllocatedBytes(tids));
                for (int i = 0; i < ROUNDS; i++) steps.run();
                allocated = sum(threads.getThreadAllocatedBytes(tids)) - before;
                if (jitMillis() == jit) break;
            }
            assertTrue(allocated < 16L * stepsRun, allocated + " bytes allocated over " + stepsRun + " steps");
        }
    }

    /** Rounds (passes over the 1,000 samples, 15 steps each) in the measured window. */
    private static final int ROUNDS = 10;

    /** At most this many rounds of warm-up, and of measured windows, however busy the JIT stays. */
    private static final int MAX_WARMUP_ROUNDS = 400, MAX_WINDOWS = 5;

    /** What one getThreadAllocatedBytes call allocates itself: its result, a long[2]. */
    private static final long ARRAY_BYTES = 32;

    /** The JIT's total compilation time so far (ms): it moves when a compilation finishes. */
    private static long jitMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    /** The CPU backends' worker threads alive now. */
    private static Set<Thread> workers() {
        Set<Thread> s = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet())
            if (t.getName().startsWith("jbackprop-cpu-") && t.isAlive()) s.add(t);
        return s;
    }

    /** A plain loop: a stream's first use would allocate inside the measured window. */
    private static long sum(long[] xs) {
        long s = 0;
        for (long x : xs) s += x;
        return s;
    }
}
