package dev.jbackprop.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jbackprop.backend.cuda.CudaOps;
import dev.jbackprop.backend.cuda.CudaOptions;
import dev.jbackprop.backend.cuda.CudaProbe;
import dev.jbackprop.engine.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NcclExchange} on real GPUs: two workers (threads of this JVM, each with its own CUDA backend on its own GPU,
 * since NCCL refuses two ranks on one device) sum their gradient blocks through NCCL over three steps, and the sums and
 * metrics must equal the host exchange's ({@link CollectiveExchange} without NCCL) bit for bit (a sum of two floats is
 * the same in any order). Skipped, with the reason, without CUDA, without two GPUs, or without the CUDA presets' JNI
 * and NCCL (the presets' linux-x86_64 jar is not a dependency: {@code -Pnccl} adds it to the test class path).
 *
 * <p>Not run yet: no machine of the project has had the GPUs.
 */
@Tag("gpu")
class NcclExchangeGpuTest {
    static final int WORKERS = 2;
    static final int STEPS = 3;

    /** Skips the test, with the reason, unless CUDA, two GPUs and NCCL's binding are here. */
    private static void needsTwoGpusAndNccl() {
        CudaProbe.Availability a = CudaProbe.probe();
        assumeTrue(a.available(), () -> "GPU tests skipped: " + a.reason());
        String missing = null;
        int[] devices = {0};
        try {
            Loader.load(cudart.class);
            Loader.load(nccl.class);
            int e = cudart.cudaGetDeviceCount(devices);
            if (e != cudart.cudaSuccess) missing = "cudaGetDeviceCount returned " + e;
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError: the natives are not here
            missing = "JavaCPP's CUDA presets' JNI or NCCL did not load (" + t
                    + "); run with -Pnccl and NCCL on the library path";
        }
        String why = missing;
        assumeTrue(why == null, () -> "NCCL GPU test skipped: " + why);
        assumeTrue(
                devices[0] >= WORKERS,
                () -> "NCCL GPU test skipped: it needs " + WORKERS + " GPUs (NCCL takes one rank per GPU), found "
                        + devices[0]);
    }

    @Test
    @Timeout(300)
    void ncclSumsEqualTheHostExchange() throws Exception {
        needsTwoGpusAndNccl();
        int n;
        try (CudaOps probe = new CudaOps(CudaOptions.defaults());
                Network net = new Network(probe, NcclExchangeTest.SPEC, 4, true)) {
            n = Math.toIntExact(net.layout.total());
        }
        SplittableRandom random = new SplittableRandom(11);
        float[][][] grads = new float[STEPS][WORKERS][n];
        for (float[][] step : grads)
            for (float[] g : step) for (int i = 0; i < n; i++) g[i] = (float) random.nextDouble(-1, 1);

        List<float[][]> host = run(grads, n, false);
        List<float[][]> viaNccl = run(grads, n, true);
        for (int r = 0; r < WORKERS; r++)
            for (int s = 0; s < STEPS; s++) {
                float[] want = new float[n];
                for (int i = 0; i < n; i++) want[i] = grads[s][0][i] + grads[s][1][i];
                assertArrayEquals(want, host.get(r)[s], "host, worker " + r + ", step " + (s + 1));
                assertArrayEquals(host.get(r)[s], viaNccl.get(r)[s], "NCCL, worker " + r + ", step " + (s + 1));
            }
    }

    /** Each worker's gradients after each step's exchange (the last row: the summed metrics of the last step). */
    private static List<float[][]> run(float[][][] grads, int n, boolean nccl) throws Exception {
        InProcessGroup group = new InProcessGroup(WORKERS);
        Broadcast share = new Broadcast();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<float[][]>> futures = new ArrayList<>();
            for (int r = 0; r < WORKERS; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    float[][] out = new float[STEPS][n];
                    try (CudaOps ops = new CudaOps(new CudaOptions(rank, false, false, false));
                            Network net = new Network(ops, NcclExchangeTest.SPEC, 4, true);
                            CollectiveExchange x = new CollectiveExchange(
                                    group.member(rank), rank, WORKERS, null, nccl ? share : null)) {
                        for (int s = 0; s < STEPS; s++) {
                            ops.upload(grads[s][rank], 0, net.grads, 0, n);
                            double[] metrics = {0.25 * (rank + 1), rank, 2};
                            x.exchange(net, s + 1, metrics);
                            assertEquals(nccl, x.usesNccl());
                            assertEquals(0.75, metrics[0], 1e-6);
                            assertEquals(1, metrics[1]);
                            assertEquals(4, metrics[2]);
                            ops.download(net.grads, 0, out[s], 0, n); // waits for the stream, the all-reduce in it
                        }
                        x.finishedCleanly(); // ncclCommDestroy, not abort
                    }
                    return out;
                }));
            }
            List<float[][]> results = new ArrayList<>();
            for (Future<float[][]> f : futures) results.add(f.get(240, TimeUnit.SECONDS));
            assertTrue(!nccl || share.calls == WORKERS, "the id is shared once per worker");
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Rank 0's id to the other threads. */
    private static final class Broadcast implements NcclExchange.IdShare {
        private final CyclicBarrier barrier = new CyclicBarrier(WORKERS);
        private volatile byte[] id;
        private volatile int calls;

        @Override
        public byte[] fromRankZero(byte[] mine) {
            synchronized (this) {
                calls++;
            }
            if (mine != null) id = mine.clone();
            await();
            byte[] got = id.clone();
            await();
            return got;
        }

        private void await() {
            try {
                barrier.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("a worker did not share the NCCL id", e);
            }
        }
    }
}
