package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.diag.Verify;
import dev.jbackprop.diag.VerifyMatrix;
import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.model.Init;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On a real GPU, what FakeCudaTest checks against the fake driver: the probe's self-test, a capture
 * that survives another backend's copies, a refused capture that runs eagerly, a graph that outlives
 * the ones vector's growth; and verify in TF32 and with σ′ kink flips.
 */
@Tag("gpu")
class CudaRulesGpuTest {
    @BeforeEach
    void gpu() {
        GpuTestSupport.assumeGpu();
    }

    @Test
    void theProbeRanItsSelfTest() {
        assertTrue(CudaProbe.info().contains("self-test: passed"), CudaProbe.info());
        assertTrue(CudaProbe.info().contains("cuBLAS: "), CudaProbe.info());
    }

    /** {@link GpuScenarios#twoBackends}. */
    @Test
    void anotherBackendsCopiesDoNotBreakACapture() throws Exception {
        GpuScenarios.TwoBackends r = GpuScenarios.twoBackends();
        assertEquals(null, r.error());
        assertEquals(1, r.graphs(), "the capture survived");
        assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f}, r.download());
    }

    /**
     * A call the driver refuses during a capture (a wait for the capturing stream, behind our own
     * check's back): the capture is dropped and the step runs eagerly instead.
     */
    @Test
    void aRefusedCaptureRunsTheStepEagerly() {
        try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                Block b = ops.allocate(4)) {
            int[] runs = {0};
            try (StepReplay r = ops.capture(() -> {
                runs[0]++;
                ops.fill(b, runs[0]);
                JCudaDriver.cuStreamSynchronize(
                        ops.device().stream); // CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED in a capture
            })) {
                for (int i = 0; i < 4; i++) r.run();
                assertTrue(((GraphReplay) r).eager());
                assertEquals(0, ops.capturedGraphs());
            }
            float[] out = new float[4];
            ops.download(b, 0, out, 0, 4);
            assertEquals(runs[0], out[0], "the last run was done");
            assertEquals(5, runs[0], "run 1, run 2's refused capture and its eager rerun, runs 3 and 4");
        }
    }

    /** {@link GpuScenarios#onesGrowth}. */
    @Test
    void growingTheOnesVectorLeavesCapturedGraphsValid() {
        GpuScenarios.Ones r = GpuScenarios.onesGrowth();
        assertEquals(9000, r.onesLength());
        assertArrayEquals(new float[] {24f, 48f, 72f}, r.replayed());
        assertArrayEquals(new float[] {26995f, 53990f, 80985f}, r.wide());
    }

    /** verify --tf32 on the matrix's smoke case, and the wide ReLU network in FP32 with its kink flips set apart. */
    @Test
    void verifyPassesInTf32AndWithKinkFlips() {
        try (CudaOps tf32 = new CudaOps(new CudaOptions(0, true, false, false));
                CudaOps fp32 = new CudaOps(CudaOptions.defaults());
                CpuOps cpu = new CpuOps(2)) {
            for (VerifyMatrix.Case c : VerifyMatrix.read()) {
                boolean smokeTf32 = c.tier().equals("smoke") && c.precision().equals("tf32");
                boolean wideRelu = c.precision().equals("fp32") && c.args().contains("784,4099,10");
                if (!smokeTf32 && !wideRelu) continue;
                boolean isTf32 = c.precision().equals("tf32");
                Verify.Report r = Verify.run(
                        cpu,
                        isTf32 ? tf32 : fp32,
                        c.spec(),
                        c.batch(),
                        c.steps(),
                        c.hyper(),
                        Init.SCALED,
                        1,
                        isTf32 ? Verify.Tolerance.TF32 : Verify.Tolerance.FP32);
                Verify.Row w = r.worst();
                assertTrue(r.pass(), c + ": worst " + w + ", flips " + r.flips());
            }
        }
    }
}
