package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.model.Activation;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Device memory comes back when blocks and backends are closed, and running out says what to do. */
@Tag("gpu")
class CudaMemoryGpuTest {
    @BeforeEach
    void gpu() {
        GpuTestSupport.assumeGpu();
    }

    /** The blocks a small network's training set-up makes: parameters with views, activations, indices, metrics. */
    private static void blockSet(CudaOps ops, boolean closeEach) {
        Block params = ops.allocate(784 * 100 + 100 + 100 * 10 + 10);
        Mat w = Mat.of(params, 0, 100, 784);
        Mat b = Mat.of(params, 784 * 100, 100, 1);
        Block acts = ops.allocate(3L * 100 * 128);
        Mat z = Mat.of(acts, 0, 100, 128);
        Mat a = Mat.of(acts, 100 * 128, 100, 128);
        Block input = ops.allocate(784L * 128);
        Mat x = new Mat(input, 784, 128);
        IndexBlock idx = ops.allocateIndices(60000);
        Metrics metrics = ops.allocateMetrics();
        ops.gemm(false, false, 100, 128, 784, 1f, w, x, 0f, z);
        ops.biasActivation(Activation.RELU, z, b, a, 128);
        ops.synchronize();
        if (closeEach) {
            metrics.close();
            idx.close();
            input.close();
            acts.close();
            params.close();
        }
    }

    /**
     * Our own count of allocated bytes is exact; the device's free memory (cuMemGetInfo) is not ours
     * alone (the driver's pools, other processes), so it is only checked not to have shrunk by a
     * leak's worth: 100 rounds of about 0.9 MB each.
     */
    @Test
    void freeMemoryReturnsToItsStartAfterHundredBlockSets() {
        try (CudaOps ops = new CudaOps(CudaOptions.defaults())) {
            blockSet(ops, true); // warm-up: lazily created driver state
            long baseline = ops.allocatedBytes();
            long free = ops.memoryInfo()[0];
            for (int i = 0; i < 100; i++) blockSet(ops, true);
            ops.synchronize();
            assertEquals(baseline, ops.allocatedBytes(), "bytes still tracked as allocated");
            long lost = free - ops.memoryInfo()[0];
            assertTrue(lost <= 16L << 20, "free device memory shrank by " + lost + " bytes over 100 rounds");
        }
    }

    @Test
    void closingTheBackendFreesWhatItsBlocksHeld() {
        try (CudaOps witness = new CudaOps(CudaOptions.defaults())) { // keeps the primary context alive between rounds
            for (int i = 0; i < 2; i++) roundTrip(); // warm-up
            long free = witness.memoryInfo()[0];
            for (int i = 0; i < 100; i++) roundTrip();
            long lost = free - witness.memoryInfo()[0];
            // a leak of one block set (≈ 0.9 MB) per round would lose ≈ 90 MB; allow driver-side noise only
            assertTrue(
                    lost <= 2L << 20,
                    "100 backends that were closed without closing their blocks lost " + lost + " bytes");
        }
    }

    private static void roundTrip() {
        CudaOps ops = new CudaOps(CudaOptions.defaults());
        blockSet(ops, false);
        ops.close();
    }

    @Test
    void outOfMemorySaysHowMuchIsFreeAndWhatToTry() {
        try (CudaOps ops = new CudaOps(CudaOptions.defaults())) {
            long total = ops.memoryInfo()[1];
            long before = ops.allocatedBytes();
            long floats = total / 4 + (1L << 28);
            GpuOutOfMemoryException e = assertThrows(GpuOutOfMemoryException.class, () -> ops.allocate(floats));
            assertEquals(4 * floats, e.requestedBytes());
            assertTrue(e.freeBytes() >= 0 && e.freeBytes() <= total, "free " + e.freeBytes());
            assertTrue(
                    e.getMessage()
                            .startsWith("out of GPU memory: a block of " + floats + " floats needs " + 4 * floats
                                    + " bytes"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("--batch"), e.getMessage());
            assertEquals(before, ops.allocatedBytes());
            ops.allocate(1024).close(); // still usable
        }
    }
}
