package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cuda.CublasCompat.CublasUnavailableException;
import dev.jbackprop.backend.cuda.CublasCompat.Inputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CublasCompat's decisions (what it loads, in which order, what it says), with loading recorded instead of done. */
class CublasBridgeLoaderTest {
    @TempDir
    Path tmp;

    private final List<String> loaded = new ArrayList<>();

    private Path touch(String rel) throws IOException {
        Path p = tmp.resolve(rel);
        Files.createDirectories(p.getParent());
        return Files.write(p, new byte[] {0});
    }

    /** Python asked for: counts how often, so tests see it is asked only when needed. */
    private int pythonAsked;

    private List<Path> pythonDirs = List.of();

    private Inputs inputs(
            Map<String, String> env, String mode, Path bridge, Map<String, Path> linker, List<Path> dirs) {
        return new Inputs(
                env,
                mode,
                bridge == null ? null : bridge.toString(),
                linker,
                dirs,
                () -> {
                    pythonAsked++;
                    return new CublasCompat.PythonLibs(Path.of("/venv/bin/python3"), pythonDirs, "");
                },
                tmp.resolve("cache"),
                true);
    }

    @Test
    void cublas13FromEnvIsLoadedBeforeTheBridgeAndAfterItsLt() throws IOException {
        Path c13 = touch("cuda13/libcublas.so.13");
        Path lt13 = touch("cuda13/libcublasLt.so.13");
        Path bridge = touch("bridge/libcublas.so.12");
        String said = CublasCompat.ensure(
                inputs(
                        Map.of(CublasCompat.ENV_CUBLAS13, c13.getParent().toString()),
                        null,
                        bridge,
                        Map.of(),
                        List.of()),
                loaded::add);
        assertEquals(List.of(lt13.toString(), c13.toString(), bridge.toString()), loaded);
        assertTrue(said.contains(c13.toString()) && said.contains(bridge.toString()), said);
    }

    @Test
    void cublas12OnTheLinkerPathNeedsNothing() throws IOException {
        Path c12 = touch("sys/libcublas.so.12");
        touch("cuda13/libcublas.so.13");
        String said = CublasCompat.ensure(
                inputs(Map.of(), "auto", null, Map.of(CublasCompat.CUBLAS12, c12), List.of(tmp.resolve("cuda13"))),
                loaded::add);
        assertEquals(List.of(), loaded);
        assertTrue(said.contains("no bridge needed") && said.contains(c12.toString()), said);
    }

    @Test
    void cublas12OnlyInACudaFolderIsPreloaded() throws IOException {
        Path lt12 = touch("cuda12/lib64/libcublasLt.so.12");
        Path c12 = touch("cuda12/lib64/libcublas.so.12");
        String said = CublasCompat.ensure(
                inputs(Map.of(), null, null, Map.of(), List.of(tmp.resolve("nothing"), c12.getParent())), loaded::add);
        assertEquals(List.of(lt12.toString(), c12.toString()), loaded);
        assertTrue(said.contains("preloaded"), said);
    }

    @Test
    void forceUsesTheBridgeEvenWithCublas12Around() throws IOException {
        Path c12 = touch("sys/libcublas.so.12");
        Path c13 = touch("sys13/libcublas.so.13");
        Path bridge = touch("bridge/libcublas.so.12");
        CublasCompat.ensure(
                inputs(
                        Map.of(),
                        "force",
                        bridge,
                        Map.of(CublasCompat.CUBLAS12, c12, CublasCompat.CUBLAS13, c13),
                        List.of()),
                loaded::add);
        assertEquals(List.of(c13.toString(), bridge.toString()), loaded);
    }

    @Test
    void offLoadsNothing() {
        String said = CublasCompat.ensure(inputs(Map.of(), "OFF", null, Map.of(), List.of()), loaded::add);
        assertEquals(List.of(), loaded);
        assertTrue(said.contains("off"), said);
    }

    @Test
    void unknownModeIsRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> CublasCompat.ensure(inputs(Map.of(), "maybe", null, Map.of(), List.of()), loaded::add));
    }

    @Test
    void noCublasAtAllSaysWhatToInstall() {
        CublasUnavailableException e = assertThrows(
                CublasUnavailableException.class,
                () -> CublasCompat.ensure(inputs(Map.of(), null, null, Map.of(), List.of(tmp)), loaded::add));
        String m = e.getMessage();
        assertTrue(
                m.contains("libcublas.so.12")
                        && m.contains("libcublas.so.13")
                        && m.contains("Install")
                        && m.contains(CublasCompat.ENV_CUBLAS13)
                        && m.contains(tmp.toString())
                        && m.contains("the Python environment of /venv/bin/python3"),
                m);
        assertEquals(List.of(), loaded);
    }

    /** PyTorch's CUDA 13 wheels: nvidia/cu13/lib of the Python on PATH; asked only when nothing else has cuBLAS. */
    @Test
    void cublas13InThePythonEnvironmentIsFoundLastAndSaidSo() throws IOException {
        Path lt13 = touch("site-packages/nvidia/cu13/lib/libcublasLt.so.13");
        Path c13 = touch("site-packages/nvidia/cu13/lib/libcublas.so.13");
        Path bridge = touch("bridge/libcublas.so.12");
        pythonDirs = List.of(tmp.resolve("site-packages/nvidia/cublas/lib"), c13.getParent());
        String said = CublasCompat.ensure(
                inputs(Map.of(), null, bridge, Map.of(), List.of(tmp.resolve("usr-local-cuda"))), loaded::add);
        assertEquals(List.of(lt13.toString(), c13.toString(), bridge.toString()), loaded);
        assertTrue(said.contains(c13.toString()), said);
        assertTrue(CublasCompat.locate(inputs(Map.of(), null, bridge, Map.of(), List.of()))
                .contains(c13.toString()));

        pythonAsked = 0;
        Path sys13 = touch("sys/libcublas.so.13");
        CublasCompat.ensure(inputs(Map.of(), null, bridge, Map.of(CublasCompat.CUBLAS13, sys13), List.of()), p -> {});
        assertEquals(0, pythonAsked, "cuBLAS on the linker's path: python is not run");
    }

    @Test
    void cublas12InThePythonEnvironmentIsPreloaded() throws IOException {
        Path c12 = touch("site-packages/nvidia/cublas/lib/libcublas.so.12");
        pythonDirs = List.of(c12.getParent());
        String said = CublasCompat.ensure(inputs(Map.of(), null, null, Map.of(), List.of()), loaded::add);
        assertEquals(List.of(c12.toString()), loaded);
        assertTrue(said.contains("preloaded from " + c12), said);
    }

    @Test
    void pythonsAnswerBecomesTheCublasFolders() {
        CublasCompat.PythonLibs p = CublasCompat.parsePython(
                Path.of("python3"), "/venv/bin/python3\n/venv/lib/site-packages/nvidia\n/home/u/.local/nvidia\n");
        assertEquals(Path.of("/venv/bin/python3"), p.interpreter());
        assertEquals(
                List.of(
                        Path.of("/venv/lib/site-packages/nvidia/cublas/lib"),
                        Path.of("/venv/lib/site-packages/nvidia/cu13/lib"),
                        Path.of("/home/u/.local/nvidia/cublas/lib"),
                        Path.of("/home/u/.local/nvidia/cu13/lib")),
                p.dirs());
        assertEquals(
                "no python3 or python on PATH",
                CublasCompat.pythonLibs(Map.of("PATH", tmp.resolve("empty").toString()))
                        .describe());
    }

    /** The interpreter on this machine, when there is one: asked for real, it answers with folders or says why not. */
    @Test
    void theRealPythonAnswers() {
        CublasCompat.PythonLibs p = CublasCompat.pythonLibs(System.getenv());
        assertTrue(p.interpreter() == null ? !p.note().isBlank() : !p.dirs().isEmpty(), p.toString());
    }

    /** Not /tmp: the bridge goes to the jbackprop cache, in a folder named by its content, and is reused. */
    @Test
    void theBridgeIsWrittenToTheCacheOnce() throws IOException {
        Path c13 = touch("c/libcublas.so.13");
        Inputs in = inputs(Map.of(CublasCompat.ENV_CUBLAS13, c13.toString()), null, null, Map.of(), List.of());
        CublasCompat.ensure(in, loaded::add);
        Path bridge = Path.of(loaded.get(loaded.size() - 1));
        assertTrue(bridge.startsWith(tmp.resolve("cache")), bridge.toString());
        assertEquals(CublasCompat.CUBLAS12, bridge.getFileName().toString());
        long modified = Files.getLastModifiedTime(bridge).toMillis();
        loaded.clear();
        CublasCompat.ensure(in, loaded::add);
        assertEquals(bridge.toString(), loaded.get(loaded.size() - 1));
        assertEquals(modified, Files.getLastModifiedTime(bridge).toMillis(), "reused, not rewritten");
    }

    @Test
    void theCacheRootFollowsTheEnvironment() {
        assertEquals(Path.of("/c"), NativeCache.root(Map.of("JBACKPROP_CACHE", "/c", "XDG_CACHE_HOME", "/x"), "/h"));
        assertEquals(Path.of("/x/jbackprop"), NativeCache.root(Map.of("XDG_CACHE_HOME", "/x"), "/h"));
        assertEquals(Path.of("/h/.cache/jbackprop"), NativeCache.root(Map.of(), "/h"));
    }

    @Test
    void envPointingNowhereIsReportedAsSuch() {
        CublasUnavailableException e = assertThrows(
                CublasUnavailableException.class,
                () -> CublasCompat.ensure(
                        inputs(
                                Map.of(
                                        CublasCompat.ENV_CUBLAS13,
                                        tmp.resolve("gone/libcublas.so.13").toString()),
                                null,
                                null,
                                Map.of(),
                                List.of()),
                        loaded::add));
        assertTrue(e.getMessage().startsWith(CublasCompat.ENV_CUBLAS13 + "="), e.getMessage());
    }

    @Test
    void linkErrorsAreWrappedWithThePath() throws IOException {
        Path c13 = touch("c/libcublas.so.13");
        Path bridge = touch("b/libcublas.so.12");
        UnsatisfiedLinkError cause = new UnsatisfiedLinkError("wrong ELF class");
        CublasUnavailableException e = assertThrows(
                CublasUnavailableException.class,
                () -> CublasCompat.ensure(
                        inputs(Map.of(CublasCompat.ENV_CUBLAS13, c13.toString()), null, bridge, Map.of(), List.of()),
                        p -> {
                            throw cause;
                        }));
        assertSame(cause, e.getCause());
        assertTrue(
                e.getMessage().contains(c13.toString()) && e.getMessage().contains("wrong ELF class"), e.getMessage());
    }

    @Test
    void offLinuxX64NothingIsDone() {
        String said = CublasCompat.ensure(
                new Inputs(Map.of(), null, null, Map.of(), List.of(), () -> null, tmp, false), loaded::add);
        assertEquals(List.of(), loaded);
        assertTrue(said.contains("not used"), said);
    }

    @Test
    void ldconfigOutputKeepsOnlyX64CublasEntries() {
        Map<String, Path> m = new HashMap<>();
        CublasCompat.parseLdconfig(
                "1234 libs found in cache `/etc/ld.so.cache'\n"
                        + "\tlibcublas.so.13 (libc6) => /usr/lib32/libcublas.so.13\n"
                        + "\tlibcublas.so.13 (libc6,x86-64) => /usr/local/cuda-13.0/lib64/libcublas.so.13\n"
                        + "\tlibcublasLt.so.13 (libc6,x86-64) => /usr/local/cuda-13.0/lib64/libcublasLt.so.13\n"
                        + "\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6\n",
                m);
        assertEquals(Map.of("libcublas.so.13", Path.of("/usr/local/cuda-13.0/lib64/libcublas.so.13")), m);
    }

    @Test
    void newerCudaInstallsComeFirst() {
        assertTrue(CublasCompat.compareVersions("cuda-13.0", "cuda-12.10") > 0);
        assertTrue(CublasCompat.compareVersions("cuda-12.10", "cuda-12.6") > 0);
        assertTrue(CublasCompat.compareVersions("cuda-12", "cuda-12.1") < 0);
        List<Path> dirs = CublasCompat.cudaDirs(Map.of("CUDA_HOME", "/opt/mycuda"));
        assertEquals(Path.of("/opt/mycuda/lib64"), dirs.get(0));
    }
}
