package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real JCublas2 native library through the bridge against a fake libcublas.so.13
 * (native/test/fake-cublas13.c, built here with gcc), in a child JVM so no GPU is needed and a
 * crash cannot take the test JVM down. Checks that arguments arrive intact and that missing
 * functions answer CUBLAS_STATUS_NOT_SUPPORTED with a message.
 */
class CublasBridgeTest {
    private static final String FAKE_HANDLE = "0x5eedc0b1a5";

    @TempDir
    static Path tmp;

    private static Path fake;

    @BeforeAll
    static void buildFake() throws Exception {
        assumeTrue(
                FakeNatives.gccAvailable(),
                "gcc is not installed: cannot build the fake libcublas.so.13 (nor the bridge)");
        fake = FakeNatives.buildCublas13(tmp.resolve("fake"));
    }

    @Test
    void jcublas2CallsReachCublas13WithArgumentsIntact() throws Exception {
        Path log = tmp.resolve("calls.log");
        Files.deleteIfExists(log);
        FakeNatives.Result r =
                child("bridge", Map.of("JBACKPROP_CUBLAS13", fake.toString(), "FAKE_CUBLAS13_LOG", log.toString()));
        assertEquals(0, r.rc(), "child JVM failed:\n" + r);
        Map<String, String> out = r.values();

        assertTrue(out.get("ensure").contains(fake.toString()), out.get("ensure"));
        assertTrue(r.err().contains("jbackprop cuBLAS bridge: 13 of 494 names resolved in " + fake), r.err());
        assertEquals("0", out.get("create"));
        assertEquals(FAKE_HANDLE, out.get("handle"));
        assertEquals("0", out.get("version.status"));
        assertEquals("130042", out.get("version"));
        assertEquals("0", out.get("sgemm"));
        assertEquals("0", out.get("gemmEx"));
        assertEquals("0", out.get("dgemm64"));
        assertEquals("0", out.get("sdot"));
        assertEquals("42.25", out.get("sdot.result"), "value written by cuBLAS through a host pointer");
        assertEquals("0", out.get("destroy"));

        List<String> calls = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertEquals(7, calls.size(), "calls the fake saw: " + calls);
        // the out-parameter is JCublas2's own native variable: only its presence can be checked
        assertTrue(calls.get(0).matches("cublasCreate_v2 out=0x[0-9a-f]+"), calls.get(0));
        assertEquals(
                List.of(
                        "cublasGetVersion_v2 handle=" + FAKE_HANDLE,
                        "cublasSgemm_v2 handle=" + FAKE_HANDLE
                                + " transa=1 transb=2 m=11 n=22 k=33 alpha=1.5 A=0xa000 lda=44"
                                + " B=0xb000 ldb=55 beta=-0.25 C=0xc000 ldc=66",
                        // Gemm's BF16 GEMM: A, B CUDA_R_16BF (14), C CUDA_R_32F (0), CUBLAS_COMPUTE_32F (68),
                        // CUBLAS_GEMM_DEFAULT (-1)
                        "cublasGemmEx handle=" + FAKE_HANDLE
                                + " transa=1 transb=0 m=11 n=22 k=33 alpha=1.5 A=0xa000 Atype=14 lda=44"
                                + " B=0xb000 Btype=14 ldb=55 beta=-0.25 C=0xc000 Ctype=0 ldc=66 computeType=68 algo=-1",
                        "cublasDgemm_v2_64 handle=" + FAKE_HANDLE
                                + " transa=2 transb=0 m=5000000001 n=6000000002 k=7000000003"
                                + " alpha=3.1415926535897931 A=0xa000 lda=8000000004 B=0xb000 ldb=9000000005"
                                + " beta=-2.7182818284590451 C=0xc000 ldc=10000000006",
                        "cublasSdot_v2 handle=" + FAKE_HANDLE + " n=3 x=0xa000 incx=1 y=0xb000 incy=-2",
                        "cublasDestroy_v2 handle=" + FAKE_HANDLE),
                calls.subList(1, calls.size()),
                "the fake's record of the calls");
    }

    @Test
    void functionMissingFromCublas13ReturnsNotSupportedWithMessage() throws Exception {
        FakeNatives.Result r = child(
                "bridge",
                Map.of(
                        "JBACKPROP_CUBLAS13",
                        fake.toString(),
                        "FAKE_CUBLAS13_LOG",
                        tmp.resolve("missing.log").toString()));
        assertEquals(0, r.rc(), "child JVM failed:\n" + r);
        Map<String, String> out = r.values();
        assertEquals("15", out.get("snrm2"), "CUBLAS_STATUS_NOT_SUPPORTED");
        assertEquals("15", out.get("snrm2.again"));
        assertTrue(
                r.err()
                        .contains("jbackprop cuBLAS bridge: cublasSnrm2_v2 is not available (not exported by"
                                + " libcublas.so.13); returning CUBLAS_STATUS_NOT_SUPPORTED"),
                r.err());
        assertEquals(1, count(r.err(), "cublasSnrm2_v2 is not available"), "said once per function:\n" + r.err());
        // string-returning names get a readable placeholder rather than 15 read as a pointer
        assertTrue(out.get("statusName").startsWith("CUBLAS_STATUS_NOT_SUPPORTED"), out.get("statusName"));
        assertEquals("done", out.get("end"), "the JVM carried on after the missing calls");
    }

    @Test
    void withoutAnyCublas13EveryCallFallsBackAndSaysSo() throws Exception {
        FakeNatives.Result r = child("nolib", Map.of());
        assertEquals(0, r.rc(), "child JVM failed:\n" + r);
        assumeFalse(
                r.err().contains("names resolved in"), "this machine has a real libcublas.so.13 the bridge can find");
        assertTrue(r.err().contains("jbackprop cuBLAS bridge: libcublas.so.13 was not found"), r.err());
        Map<String, String> out = r.values();
        assertEquals("15", out.get("create"));
        assertTrue(r.err().contains("cublasCreate_v2 is not available (libcublas.so.13 was not found"), r.err());
        assertEquals("done", out.get("end"));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** The bridge as built into target/classes by native/build.sh during generate-resources. */
    private static Path builtBridge() throws URISyntaxException {
        URL url = CublasCompat.class.getResource(CublasCompat.BRIDGE_RESOURCE);
        assertNotNull(
                url,
                "no " + CublasCompat.BRIDGE_RESOURCE + " on the classpath although gcc is present:"
                        + " native/build.sh did not run or failed (run mvn generate-resources)");
        return Path.of(url.toURI());
    }

    private static FakeNatives.Result child(String scenario, Map<String, String> env) throws Exception {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("JBACKPROP_CUBLAS_BRIDGE_VERBOSE", "1");
        // resolve all of JCublas2's cuBLAS imports at load: fails unless the bridge exports every one with its version
        e.put("LD_BIND_NOW", "1");
        return FakeNatives.java(
                Child.class,
                List.of(scenario, builtBridge().toString()),
                List.of(
                        "-D" + CublasCompat.PROP_MODE + "=force",
                        "-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve("jtmp"))),
                e,
                tmp.resolve("child"));
    }

    /** Runs in the child JVM: JCublas2 calls through the bridge, results printed as key=value lines. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            String scenario = args[0];
            if (scenario.equals("bridge")) {
                System.out.println("ensure=" + CublasCompat.ensureCublas12());
            } else {
                // the bridge alone, with no libcublas.so.13 loaded beforehand
                System.load(args[1]);
            }
            JCublas2.setExceptionsEnabled(false);
            cublasHandle h = new cublasHandle();
            System.out.println("create=" + JCublas2.cublasCreate(h));
            if (scenario.equals("bridge")) {
                bridgeCalls(h);
            }
            System.out.println("end=done");
        }

        private static void bridgeCalls(cublasHandle h) throws Exception {
            System.out.println("handle=" + String.format("0x%x", nativePointer(h)));
            int[] version = new int[1];
            System.out.println("version.status=" + JCublas2.cublasGetVersion(h, version));
            System.out.println("version=" + version[0]);
            // device pointers are plain addresses to JCublas2: recognisable ones, never dereferenced by the fake
            Pointer a = new Pointer().withByteOffset(0xA000);
            Pointer b = new Pointer().withByteOffset(0xB000);
            Pointer c = new Pointer().withByteOffset(0xC000);
            System.out.println("sgemm="
                    + JCublas2.cublasSgemm(
                            h,
                            1,
                            2,
                            11,
                            22,
                            33,
                            Pointer.to(new float[] {1.5f}),
                            a,
                            44,
                            b,
                            55,
                            Pointer.to(new float[] {-0.25f}),
                            c,
                            66));
            System.out.println("gemmEx="
                    + Gemm.gemmEx(
                            h,
                            true,
                            false,
                            11,
                            22,
                            33,
                            Pointer.to(new float[] {1.5f}),
                            a,
                            44,
                            b,
                            55,
                            Pointer.to(new float[] {-0.25f}),
                            c,
                            66));
            System.out.println("dgemm64="
                    + JCublas2.cublasDgemm_v2_64(
                            h,
                            2,
                            0,
                            5_000_000_001L,
                            6_000_000_002L,
                            7_000_000_003L,
                            Pointer.to(new double[] {Math.PI}),
                            a,
                            8_000_000_004L,
                            b,
                            9_000_000_005L,
                            Pointer.to(new double[] {-Math.E}),
                            c,
                            10_000_000_006L));
            float[] dot = new float[1];
            System.out.println("sdot=" + JCublas2.cublasSdot(h, 3, a, 1, b, -2, Pointer.to(dot)));
            System.out.println("sdot.result=" + dot[0]);
            float[] nrm = new float[1];
            System.out.println("snrm2=" + JCublas2.cublasSnrm2(h, 3, a, 1, Pointer.to(nrm)));
            System.out.println("snrm2.again=" + JCublas2.cublasSnrm2(h, 3, a, 1, Pointer.to(nrm)));
            System.out.println("statusName=" + JCublas2.cublasGetStatusName(3));
            System.out.println("destroy=" + JCublas2.cublasDestroy(h));
        }

        private static long nativePointer(Object o) throws ReflectiveOperationException {
            java.lang.reflect.Method m = jcuda.NativePointerObject.class.getDeclaredMethod("getNativePointer");
            m.setAccessible(true);
            return (long) m.invoke(o);
        }
    }
}
