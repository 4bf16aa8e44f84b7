package dev.jbackprop.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaOps;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CPU side of {@link NcclExchange}: which backend takes it, that asking for NCCL on the CPU backend keeps the host
 * path (and sums as before), and the typed error's message. Nothing here loads NCCL or CUDA.
 */
class NcclExchangeTest {
    static final NetworkSpec SPEC = NetworkSpec.of(new int[] {5, 4, 3}, Activation.RELU, null, Cost.CROSS_ENTROPY);

    @Test
    void onlyTheCudaBackendTakesNccl() {
        assertTrue(NcclExchange.applies(CudaOps.class));
        assertFalse(NcclExchange.applies(CpuOps.class));
        assertFalse(NcclExchange.applies(Object.class));
        assertFalse(NcclExchange.applies((Ops) null));
        try (CpuOps ops = new CpuOps(1)) {
            assertFalse(NcclExchange.applies(ops));
        }
    }

    @Test
    @Timeout(120)
    void askingForNcclOnTheCpuBackendSumsOnTheHostPath() throws Exception {
        int workers = 2, n;
        try (CpuOps probe = new CpuOps(1);
                Network net = new Network(probe, SPEC, 4, true)) {
            n = Math.toIntExact(net.layout.total());
        }
        float[][] grads = new float[workers][n];
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (float[] g : grads) for (int i = 0; i < n; i++) g[i] = (float) random.nextDouble(-1, 1);
        float[] want = new float[n];
        for (int i = 0; i < n; i++) want[i] = grads[0][i] + grads[1][i];

        InProcessGroup group = new InProcessGroup(workers);
        boolean[] shareCalled = new boolean[1];
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int r = 0; r < workers; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (CpuOps ops = new CpuOps(1);
                            Network net = new Network(ops, SPEC, 4, true);
                            CollectiveExchange x =
                                    new CollectiveExchange(group.member(rank), rank, workers, null, mine -> {
                                        shareCalled[0] = true;
                                        return mine;
                                    })) {
                        ops.upload(grads[rank], 0, net.grads, 0, n);
                        double[] metrics = {0.5 + rank, 1 + rank, 2};
                        x.exchange(net, 1, metrics);
                        assertFalse(x.usesNccl(), "the CPU backend must not take NCCL");
                        assertNull(x.failure());
                        assertEquals(4, metrics[2]);
                        assertEquals(3, metrics[1]);
                        assertEquals(2.0, metrics[0], 1e-6);
                        float[] got = new float[n];
                        ops.download(net.grads, 0, got, 0, n);
                        return got;
                    }
                }));
            }
            for (Future<float[]> f : results) assertArrayEquals(want, f.get(100, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertFalse(shareCalled[0], "no NCCL id is shared on the CPU backend");
    }

    @Test
    void anNcclErrorCodeBecomesTheTypedMessage() {
        NcclException e = new NcclException("ncclAllReduce", 5, "invalid usage (run with NCCL_DEBUG=WARN for details)");
        assertEquals(
                "ncclAllReduce failed: ncclInvalidUsage (5), invalid usage (run with NCCL_DEBUG=WARN for details)",
                e.getMessage());
        assertEquals("ncclAllReduce", e.call());
        assertEquals(5, e.code());
        assertEquals(
                "ncclCommInitRank failed: error 42, no description",
                NcclException.message("ncclCommInitRank", 42, null));
        assertEquals(
                "cudaSetDevice failed: error 101, invalid device ordinal",
                NcclException.message("cudaSetDevice", 101, "invalid device ordinal"));
        // the names are nccl.h's (the binding's constants are compile-time constants: nothing native loads)
        assertEquals("ncclSuccess", NcclException.resultName(org.bytedeco.cuda.global.nccl.ncclSuccess));
        assertEquals(
                "ncclUnhandledCudaError",
                NcclException.resultName(org.bytedeco.cuda.global.nccl.ncclUnhandledCudaError));
        assertEquals("ncclSystemError", NcclException.resultName(org.bytedeco.cuda.global.nccl.ncclSystemError));
        assertEquals("ncclInternalError", NcclException.resultName(org.bytedeco.cuda.global.nccl.ncclInternalError));
        assertEquals(
                "ncclInvalidArgument", NcclException.resultName(org.bytedeco.cuda.global.nccl.ncclInvalidArgument));
        assertEquals("ncclInvalidUsage", NcclException.resultName(org.bytedeco.cuda.global.nccl.ncclInvalidUsage));
        assertEquals("ncclRemoteError", NcclException.resultName(org.bytedeco.cuda.global.nccl.ncclRemoteError));
        assertEquals("ncclInProgress", NcclException.resultName(org.bytedeco.cuda.global.nccl.ncclInProgress));
        assertNull(NcclException.resultName(8));
    }
}
