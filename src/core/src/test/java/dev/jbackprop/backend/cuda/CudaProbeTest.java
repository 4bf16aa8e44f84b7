package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The probe on any machine: it never throws, gives one line, and the backend refuses to open with that line. */
class CudaProbeTest {

    @Test
    void probeNeverThrowsGivesOneLineAndIsCached() {
        CudaProbe.Availability a = CudaProbe.probe();
        assertFalse(a.reason().isBlank());
        assertFalse(a.reason().contains("\n"), "the reason must be one line: " + a.reason());
        assertSame(a, CudaProbe.probe());
    }

    @Test
    void infoStartsWithTheVerdictAndDescribesTheKernels() {
        String info = CudaProbe.info();
        assertTrue(info.startsWith(CudaProbe.probe().toString()), info);
        assertTrue(info.contains("kernels: "), info);
        assertSame(info, CudaProbe.info());
    }

    @Test
    void unavailableBackendRefusesToOpenWithTheReason() {
        CudaProbe.Availability a = CudaProbe.probe();
        assumeFalse(a.available(), "CUDA is available here, so the refusal path cannot be exercised");
        GpuException viaFactory = assertThrows(GpuException.class, () -> CudaBackend.open(false, false, false));
        assertTrue(viaFactory.getMessage().contains(a.reason()), viaFactory.getMessage());
        GpuException direct = assertThrows(GpuException.class, () -> new CudaOps(CudaOptions.defaults()));
        assertTrue(direct.getMessage().contains(a.reason()), direct.getMessage());
    }

    @Test
    void withoutTheDriverLibraryTheReasonSaysSo() throws Exception {
        Boolean present = libcudaInstalled();
        assumeTrue(present != null, "cannot tell whether libcuda.so.1 is installed (no ldconfig)");
        assumeFalse(present, "libcuda.so.1 is installed here");
        String reason = CudaProbe.probe().reason();
        assertTrue(reason.startsWith("CUDA driver library not found (libcuda.so.1 is missing"), reason);
    }

    /** Whether the dynamic linker can find libcuda.so.1 (ldconfig cache or LD_LIBRARY_PATH); null if unknown. */
    private static Boolean libcudaInstalled() throws IOException, InterruptedException {
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null)
            for (String d : ld.split(":")) if (!d.isEmpty() && Files.exists(Path.of(d, "libcuda.so.1"))) return true;
        for (String ldconfig : new String[] {"/sbin/ldconfig", "/usr/sbin/ldconfig"}) {
            if (!Files.isExecutable(Path.of(ldconfig))) continue;
            Process p =
                    new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out.contains("libcuda.so.1");
        }
        return null;
    }

    @Test
    void missingLibraryIsFoundInJCudasNestedMessage() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(
                "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                        + "java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/lib\n"
                        + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory");
        assertEquals("libcuda.so.1", CudaProbe.missingLibrary(e));
        assertEquals(
                "libcublas.so.12",
                CudaProbe.missingLibrary(
                        new RuntimeException(
                                "wrap",
                                new UnsatisfiedLinkError(
                                        "/tmp/libJCublas2-12.6.0-linux-x86_64.so: libcublas.so.12: cannot open shared object file: No such file"))));
        assertNull(CudaProbe.missingLibrary(new UnsatisfiedLinkError("something else")));
    }

    @Test
    void versionsAndSizesFormat() {
        assertEquals("12.6", CudaProbe.version(12060));
        assertEquals("13.0", CudaProbe.version(13000));
        assertEquals("1.5 GiB", CudaProbe.gib(3L << 29));
    }

    @Test
    void failureMessagesNameOperationShapesAndDevice() {
        String m = CudaDevice.failureMessage(
                "gemm", "m=3 n=4 k=5", "device 0 (NVIDIA H200, sm_90)", false, "CUDA_ERROR_ILLEGAL_ADDRESS");
        assertTrue(
                m.startsWith(
                        "CUDA error in gemm [m=3 n=4 k=5] on device 0 (NVIDIA H200, sm_90): CUDA_ERROR_ILLEGAL_ADDRESS"),
                m);
        assertTrue(m.contains("debug option"), "outside debug mode the message says how to pin the error down: " + m);
        assertFalse(CudaDevice.failureMessage("x", "", "d", true, "E").contains("debug option"));
    }

    @Test
    void outOfMemoryMessageSaysHowMuchAndWhatToTry() {
        GpuOutOfMemoryException e = new GpuOutOfMemoryException(
                "a block of 10 floats", 40L << 30, 1L << 30, 80L << 30, "device 0 (X, sm_90)", null);
        assertTrue(e.getMessage().contains("needs 42949672960 bytes (40960.0 MiB)"), e.getMessage());
        assertTrue(e.getMessage().contains("only 1073741824 bytes (1024.0 MiB) of 85899345920 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("try a smaller batch"), e.getMessage());
        assertEquals(40L << 30, e.requestedBytes());
    }

    @Test
    void kernelImageIsOnTheClasspathWhenNvccBuiltIt() {
        boolean built = Files.isRegularFile(Path.of("target/classes/dev/jbackprop/kernels/jbackprop.fatbin"));
        assertEquals(built, KernelImage.present());
        if (built) {
            assertTrue(KernelImage.load().length > 1000);
            assertTrue(KernelImage.buildInfo().startsWith("nvcc "), KernelImage.buildInfo());
        } else {
            GpuException e = assertThrows(GpuException.class, KernelImage::load);
            assertTrue(
                    e.getMessage().contains("kernels not built")
                            && e.getMessage().contains("mvn package"),
                    e.getMessage());
        }
    }
}
