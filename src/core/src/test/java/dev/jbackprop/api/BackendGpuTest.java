package dev.jbackprop.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The API's backends: without a GPU, what AUTO and CUDA do (CPU tests); with one, the device information and a
 * model trained on the GPU against the same model trained on the CPU (gpu-tagged, skipped with the reason).
 */
class BackendGpuTest {
    @Test
    void withoutAGpuAutoFallsBackAndSaysWhyAndCudaIsRefused() {
        Optional<String> why = Backend.cudaUnavailableReason();
        assumeTrue(why.isPresent(), "a GPU is usable here");
        StringBuilder notices = new StringBuilder();
        try (Backend b = Backend.request(Backend.Kind.AUTO)
                .threads(1)
                .notices(notices::append)
                .open()) {
            assertEquals(Backend.Kind.CPU, b.kind());
            assertEquals(why, b.fallbackReason());
            assertTrue(notices.toString().contains(why.get()), notices.toString());
            DeviceInfo d = b.device();
            assertEquals("cpu", d.backend());
            assertEquals(1, d.threads());
            assertTrue(d.blas() != null && d.elementwise() != null && d.cublas() == null, d.toString());
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, Backend::cuda);
        assertEquals(why.get(), e.reason());
        e = assertThrows(
                BackendUnavailableException.class,
                () -> Backend.request(Backend.Kind.AUTO)
                        .precision(Precision.TF32)
                        .open());
        assertTrue(e.getMessage().startsWith("TF32 needs the CUDA backend"), e.getMessage());
        InvalidConfigurationException c = assertThrows(
                InvalidConfigurationException.class,
                () -> Backend.request(Backend.Kind.CPU)
                        .precision(Precision.BF16)
                        .check());
        assertEquals("Backend.Request.precision", c.setting());
        assertThrows(InvalidConfigurationException.class, () -> Backend.cpu(-1));
    }

    @Tag("gpu")
    @Test
    void onAGpuTheDeviceIsDescribedAndTrainingAgreesWithTheCpu() {
        Optional<String> why = Backend.cudaUnavailableReason();
        assumeTrue(why.isEmpty(), () -> "GPU tests skipped: " + why.orElse(""));
        try (Backend gpu = Backend.auto();
                Backend cpu = Backend.cpu()) {
            assertEquals(Backend.Kind.CUDA, gpu.kind());
            DeviceInfo d = gpu.device();
            assertEquals("cuda", d.backend());
            assertEquals(0, d.index());
            assertTrue(d.computeCapability().matches("\\d+\\.\\d+"), d.toString());
            assertTrue(d.memoryBytes() > 0 && d.multiprocessors() > 0, d.toString());
            for (String v : new String[] {d.driver(), d.cudaRuntime(), d.cublas()})
                assertNotEquals("unknown", v, d.toString());
            Data data = ModelTest.blobs(500, 1);
            TrainingOptions o = TrainingOptions.defaults().epochs(3).batchSize(32);
            try (Model g = ModelTest.small().build(gpu);
                    Model c = ModelTest.small().build(cpu)) {
                g.fit(data, o);
                c.fit(data, o);
                float[] pg = g.parameters(), pc = c.parameters();
                double worst = 0, scale = 0;
                for (int i = 0; i < pg.length; i++) {
                    worst = Math.max(worst, Math.abs(pg[i] - pc[i]));
                    scale = Math.max(scale, Math.abs(pc[i]));
                }
                assertTrue(worst / scale < 1e-3, "normalised difference " + worst / scale);
                assertEquals(c.evaluate(data).accuracy(), g.evaluate(data).accuracy(), 0.01);
            }
        }
        BackendUnavailableException e =
                assertThrows(BackendUnavailableException.class, () -> Backend.cuda(4096, Precision.FP32));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
