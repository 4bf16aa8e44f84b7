package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaBackend;
import dev.jbackprop.backend.cuda.CudaProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The data-parallel seam without a cluster: N trainers on N threads, their gradients summed through a {@link
 * GradientExchange} in memory, must train the network one trainer trains with the same (global) batch, up to the order
 * of summation, and stay identical to each other bit for bit.
 */
@Timeout(60)
class GradientExchangeTest {

    /** Sums the workers' gradient blocks and step metrics in rank order, in float like a collective. */
    static final class MemorySum {
        final int workers;
        final CyclicBarrier barrier;
        final float[][] grads;
        final double[][] metrics;
        final float[] sum;
        final double[] metricSum = new double[3];
        int exchanges;
        private int phase; // the barrier is passed twice per step: to sum, then to release the block

        MemorySum(int workers, int length) {
            this.workers = workers;
            this.grads = new float[workers][length];
            this.metrics = new double[workers][3];
            this.sum = new float[length];
            this.barrier = new CyclicBarrier(workers, () -> {
                if (phase++ % 2 == 1) return;
                java.util.Arrays.fill(sum, 0f);
                java.util.Arrays.fill(metricSum, 0);
                for (int r = 0; r < workers; r++) {
                    for (int i = 0; i < length; i++) sum[i] += grads[r][i];
                    for (int k = 0; k < 3; k++) metricSum[k] += metrics[r][k];
                }
                exchanges++;
            });
        }

        GradientExchange worker(int rank, boolean sumMetrics) {
            return new GradientExchange() {
                @Override
                public int rank() {
                    return rank;
                }

                @Override
                public int workers() {
                    return workers;
                }

                @Override
                public void exchange(Network net, long step, double[] mt) {
                    net.ops.download(net.grads, 0, grads[rank], 0, sum.length);
                    System.arraycopy(mt, 0, metrics[rank], 0, 3);
                    await();
                    net.ops.upload(sum, 0, net.grads, 0, sum.length);
                    if (sumMetrics) System.arraycopy(metricSum, 0, mt, 0, 3);
                    await(); // nobody writes the next step's block before all have read this one's
                }
            };
        }

        private void await() {
            try {
                barrier.await();
            } catch (Exception e) {
                throw new IllegalStateException("a worker is missing", e);
            }
        }
    }

    record Outcome(float[] params, List<Trainer.EpochResult> epochs) {}

    static Trainer.Config config(int batch, int epochs) {
        return new Trainer.Config(
                batch, epochs, 0, 42, new Step.Hyper(0.1, 0.5, 0.9, ResumeTest.TRAIN)); // graphs on: ignored
    }

    static Outcome single(Trainer.Config cfg) {
        try (CpuOps ops = new CpuOps(1);
                ResumeTest.Run r = new ResumeTest.Run(ops, cfg)) {
            List<Trainer.EpochResult> epochs = r.trainer.run(ResumeTest.QUIET);
            return new Outcome(r.net.parameters(), epochs);
        }
    }

    static List<Outcome> parallel(Trainer.Config cfg, int workers, boolean sumMetrics) throws Exception {
        return parallel(cfg, workers, sumMetrics, rank -> new CpuOps(1));
    }

    static List<Outcome> parallel(
            Trainer.Config cfg, int workers, boolean sumMetrics, java.util.function.IntFunction<Ops> backend)
            throws Exception {
        MemorySum shared =
                new MemorySum(workers, Math.toIntExact(ResumeTest.SPEC.layout().total()));
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int rank = 0; rank < workers; rank++) {
                int r0 = rank;
                futures.add(pool.submit(() -> {
                    try (Ops ops = backend.apply(r0);
                            ResumeTest.Run r = new ResumeTest.Run(ops, cfg)) {
                        r.trainer.exchangeGradients(shared.worker(r0, sumMetrics));
                        try {
                            List<Trainer.EpochResult> epochs = r.trainer.run(ResumeTest.QUIET);
                            return new Outcome(r.net.parameters(), epochs);
                        } catch (RuntimeException e) {
                            shared.barrier.reset(); // the others then fail instead of waiting
                            throw e;
                        }
                    }
                }));
            }
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) out.add(f.get());
            assertEquals(cfg.epochs() * ((ResumeTest.TRAIN + cfg.batch() - 1) / cfg.batch()), shared.exchanges);
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static double normalisedDistance(float[] a, float[] b) {
        double d = 0, n = 0;
        for (int i = 0; i < a.length; i++) {
            d += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            n += (double) b[i] * b[i];
        }
        return Math.sqrt(d / n);
    }

    private static void assertLikeOne(Outcome one, List<Outcome> workers) {
        for (Outcome w : workers) assertArrayEquals(workers.get(0).params(), w.params()); // identical everywhere
        double dist = normalisedDistance(workers.get(0).params(), one.params());
        assertTrue(dist < 1e-5, "‖θ_N − θ_1‖/‖θ_1‖ = " + dist);
        assertTrue(dist > 0 || workers.size() == 1, "summation order differs, so should the last bits"); // not a copy
        for (Outcome w : workers) {
            assertEquals(one.epochs().size(), w.epochs().size());
            for (int e = 0; e < one.epochs().size(); e++) {
                Trainer.EpochResult a = one.epochs().get(e), b = w.epochs().get(e);
                assertEquals(a.steps(), b.steps());
                assertEquals(a.loss(), b.loss(), 1e-5 * Math.abs(a.loss()), "loss of epoch " + (e + 1));
                assertEquals(a.trainAccuracy(), b.trainAccuracy(), 2.0 / ResumeTest.TRAIN); // a sample at the edge
                assertEquals(a.testAccuracy(), b.testAccuracy(), 2.0 / 50);
            }
        }
    }

    @Test
    void twoWorkersOfHalfTheBatchTrainAsOneWithTheWholeBatch() throws Exception {
        Trainer.Config cfg = config(32, 3); // 7 steps per epoch, the last of 11 samples: slices of 5 and 6
        assertLikeOne(single(cfg), parallel(cfg, 2, true));
    }

    @Test
    void aWorkerWithAnEmptySliceStillTakesPart() throws Exception {
        Trainer.Config cfg = config(2, 1); // 3 workers, batches of 2 (and a last one of 1): someone has nothing
        assertLikeOne(single(cfg), parallel(cfg, 3, true));
    }

    @Test
    void anExchangeThatDoesNotSumTheCountsIsRefused() {
        Exception e = assertThrows(Exception.class, () -> parallel(config(32, 1), 2, false));
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        assertTrue(
                root.getMessage().contains("counted 16 samples, not the batch's 32"),
                String.valueOf(root.getMessage()));
    }

    /**
     * The exchange's host round trip on the GPU backend: worker 0 on the GPU, worker 1 on the CPU, against one CPU
     * trainer (FP32 on both; the GPU's sums round differently, hence the tolerance of the GPU resume test).
     */
    @Test
    @Tag("gpu")
    void aGpuWorkerExchangesThroughTheHost() throws Exception {
        String why = CudaProbe.probe().available() ? null : CudaProbe.probe().reason();
        Assumptions.assumeTrue(why == null, () -> "no GPU: " + why);
        Trainer.Config cfg = config(32, 2);
        List<Outcome> workers =
                parallel(cfg, 2, true, rank -> rank == 0 ? CudaBackend.open(false, false, false) : new CpuOps(1));
        double apart =
                normalisedDistance(workers.get(0).params(), workers.get(1).params());
        assertTrue(apart < 1e-6, "the two workers' parameters: " + apart); // the same sums, each backend's update
        double dist = normalisedDistance(workers.get(0).params(), single(cfg).params());
        assertTrue(dist < 1e-4, "‖θ_GPU+CPU − θ_CPU‖/‖θ_CPU‖ = " + dist);
    }

    @Test
    void aWorkerOutsideTheGroupIsRefused() throws Exception {
        try (CpuOps ops = new CpuOps(1);
                ResumeTest.Run r = new ResumeTest.Run(ops, config(32, 1))) {
            MemorySum shared = new MemorySum(2, 1);
            assertThrows(IllegalArgumentException.class, () -> r.trainer.exchangeGradients(shared.worker(2, true)));
        }
    }
}
