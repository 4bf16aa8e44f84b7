package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.diag.Verify;
import dev.jbackprop.diag.VerifyMatrix;
import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.model.Init;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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

    /** Another backend's upload, download, metrics read and norms on another thread while one captures. */
    @Test
    void anotherBackendsCopiesDoNotBreakACapture() throws Exception {
        try (CudaOps capturing = new CudaOps(CudaOptions.defaults());
                CudaOps other = new CudaOps(CudaOptions.defaults());
                Block b = capturing.allocate(2);
                Block o = other.allocate(3);
                Block params = other.allocate(4);
                Metrics m = other.allocateMetrics()) {
            CountDownLatch capturingNow = new CountDownLatch(1), otherDone = new CountDownLatch(1);
            AtomicReference<Throwable> error = new AtomicReference<>();
            float[] seen = new float[3];
            Thread t = new Thread(() -> {
                try {
                    capturingNow.await();
                    other.upload(new float[] {1.5f, 2.5f, 3.5f}, 0, o, 0, 3);
                    other.download(o, 0, seen, 0, 3);
                    m.read();
                    other.sumSquares(params, new long[] {0}, new long[] {4}, new double[1]);
                } catch (Throwable e) {
                    error.set(e);
                } finally {
                    otherDone.countDown();
                }
            });
            t.start();
            int[] runs = {0};
            try (StepReplay r = capturing.capture(() -> {
                capturing.fill(b, 7f);
                if (++runs[0] == 2) {
                    capturingNow.countDown();
                    try {
                        assertTrue(otherDone.await(60, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            })) {
                r.run();
                r.run();
                r.run();
                t.join();
                assertEquals(null, error.get());
                assertEquals(1, capturing.capturedGraphs(), "the capture survived");
            }
            assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f}, seen);
        }
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

    @Test
    void growingTheOnesVectorLeavesCapturedGraphsValid() {
        int rows = 3, cols = 9000;
        float[] x = new float[rows * cols];
        for (int j = 0; j < cols; j++) for (int i = 0; i < rows; i++) x[j * rows + i] = (i + 1) * (j % 7);
        try (CudaOps ops = new CudaOps(CudaOptions.defaults());
                Block xb = ops.allocate(x.length);
                Block narrow = ops.allocate(rows);
                Block wide = ops.allocate(rows)) {
            ops.upload(x, 0, xb, 0, x.length);
            Mat xm = new Mat(xb, rows, cols);
            try (StepReplay r = ops.capture(() -> ops.sumColumns(xm, 10, new Mat(narrow, rows, 1)))) {
                for (int i = 0; i < 3; i++) r.run();
                ops.sumColumns(xm, cols, new Mat(wide, rows, 1));
                assertEquals(cols, ops.gemmForTests().onesLength());
                ops.fill(narrow, -1f);
                r.run();
                float[] out = new float[rows];
                ops.download(narrow, 0, out, 0, rows);
                // Σ (i+1)·(j mod 7) over j < 10 = (i+1)·(0+1+…+6 + 0+1+2) = 24·(i+1)
                assertArrayEquals(new float[] {24f, 48f, 72f}, out);
            }
        }
    }

    /** verify --tf32 on the matrix's smoke case, and the wide ReLU network in FP32 with its kink flips set apart. */
    @Test
    void verifyPassesInTf32AndWithKinkFlips() {
        try (CudaOps tf32 = new CudaOps(new CudaOptions(0, true, false, false));
                CudaOps fp32 = new CudaOps(CudaOptions.defaults());
                CpuOps cpu = new CpuOps(2)) {
            for (VerifyMatrix.Case c : List.of(
                    new VerifyMatrix.Case(
                            "smoke",
                            "tf32",
                            List.of(
                                    "--layers",
                                    "37,29,13,11",
                                    "--activation",
                                    "tanh",
                                    "--cost",
                                    "binary-cross-entropy",
                                    "--batch",
                                    "7",
                                    "--steps",
                                    "3")),
                    new VerifyMatrix.Case(
                            "matrix",
                            "fp32",
                            List.of(
                                    "--layers",
                                    "784,4099,10",
                                    "--activation",
                                    "relu",
                                    "--cost",
                                    "cross-entropy",
                                    "--batch",
                                    "129",
                                    "--steps",
                                    "2")))) {
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
