package dev.jbackprop.backend.cuda;

import static dev.jbackprop.backend.cuda.GpuTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.OpsSupport;
import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.model.Activation;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What only the CUDA backend has: its description, TF32 GEMMs, debug mode, device memory accounting,
 * blocks of another instance, and close. The Ops contract itself (every operation, shapes, edge
 * values, argument rules) is CudaOpsContractGpuTest. Skipped, with the probe's reason, where there is
 * no usable GPU.
 */
@Tag("gpu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaOpsGpuTest {
    CudaOps ops;
    GpuTestSupport.Scratch s;
    SplittableRandom rnd;

    @BeforeAll
    void open() {
        if (CudaProbe.probe().available()) ops = new CudaOps(CudaOptions.defaults());
    }

    @AfterAll
    void close() {
        if (ops != null) ops.close();
    }

    /** Per test rather than in @BeforeAll, so that each test is reported as skipped with the reason. */
    @BeforeEach
    void scratch() {
        GpuTestSupport.assumeGpu();
        s = new GpuTestSupport.Scratch(ops);
        rnd = new SplittableRandom(20261122);
    }

    @AfterEach
    void free() {
        if (s != null) s.close();
    }

    @Test
    void describesItself() {
        assertEquals("cuda", ops.name());
        assertTrue(ops.description().startsWith("cuda: ") && ops.description().contains("FP32"), ops.description());
    }

    @Test
    void tf32GemmStaysWithinTf32Accuracy() {
        try (CudaOps tf32 = new CudaOps(new CudaOptions(0, true, false, false))) {
            assertTrue(tf32.description().contains("TF32"), tf32.description());
            // TF32 keeps 10 mantissa bits: each product is off by up to ~2^-10 relative
            OpsSupport.checkGemm(tf32, rnd, 256, 192, 320, false, true, 1f, 0f, 2e-4, false);
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    @Test
    void blocksFreeOnceAndOnlyFromTheRoot() {
        long before = ops.allocatedBytes();
        Block root = ops.allocate(1000);
        assertEquals(before + 4000, ops.allocatedBytes());
        Block view = root.view(10, 100);
        view.close();
        assertEquals(before + 4000, ops.allocatedBytes(), "closing a view frees nothing");
        ops.fill(view, 1f); // still usable
        root.close();
        root.close();
        assertEquals(before, ops.allocatedBytes());
        assertThrows(IllegalStateException.class, () -> ops.fill(view, 2f));
        assertThrows(IllegalStateException.class, () -> ops.download(root, 0, new float[1], 0, 1));
    }

    @Test
    void blocksOfAnotherBackendInstanceAreRejected() {
        try (CudaOps other = new CudaOps(CudaOptions.defaults())) {
            Block foreign = other.allocate(16);
            assertThrows(IllegalArgumentException.class, () -> ops.fill(foreign, 1f));
        }
    }

    @Test
    void closeFreesEverythingAndLaterCallsFailClearly() {
        CudaOps other = new CudaOps(CudaOptions.defaults());
        other.allocate(1 << 20);
        other.allocateIndices(1000);
        other.allocateMetrics();
        assertTrue(other.allocatedBytes() > 4 << 20);
        other.close();
        other.close();
        assertEquals(0, other.allocatedBytes());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.allocate(4));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void debugModeGivesTheSameResults() {
        float[] z = uniform(rnd, 50 * 20, -3, 3), bias = uniform(rnd, 50, -1, 1);
        Mat dz = s.mat(50, 20, z), db = s.mat(50, 1, bias), da = s.mat(50, 20);
        ops.biasActivation(Activation.TANH, dz, db, da, 20);
        float[] normal = s.get(da);
        try (CudaOps debug = new CudaOps(new CudaOptions(0, false, false, true));
                GpuTestSupport.Scratch t = new GpuTestSupport.Scratch(debug)) {
            assertTrue(debug.description().contains("debug"), debug.description());
            Mat ez = t.mat(50, 20, z), eb = t.mat(50, 1, bias), ea = t.mat(50, 20);
            debug.biasActivation(Activation.TANH, ez, eb, ea, 20);
            assertArrayEquals(normal, t.get(ea));
        }
        assertNotEquals(0f, normal[0]);
    }
}
