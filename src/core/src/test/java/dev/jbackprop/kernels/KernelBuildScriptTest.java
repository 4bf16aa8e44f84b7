package dev.jbackprop.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kernels/build.sh's behaviour with a stand-in nvcc (a script that records its arguments), so it
 * runs anywhere in milliseconds: the flags and architectures, skipping when up to date, rebuilding
 * when a source changes, and succeeding with one line when there is no nvcc.
 */
class KernelBuildScriptTest {
    @TempDir
    Path tmp;

    Path kernels;
    Path out;
    Path fakeNvcc;
    Path argsLog;

    @BeforeEach
    void setUp() throws Exception {
        // a copy of kernels/ so that touching sources does not disturb the real build
        kernels = tmp.resolve("kernels");
        Files.createDirectories(kernels);
        try (Stream<Path> files = Files.list(Nvcc.projectDir().resolve("kernels"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) Files.copy(f, kernels.resolve(f.getFileName()));
        }
        out = tmp.resolve("out");
        argsLog = tmp.resolve("nvcc-args");
        fakeNvcc = tmp.resolve("fake-nvcc");
        Files.writeString(fakeNvcc, """
        #!/usr/bin/env bash
        if [ "$1" = --version ]; then echo "Cuda compilation tools, release 99.1, V99.1.7"; exit 0; fi
        printf '%%s\\n' "$@" >> "%s"
        while [ $# -gt 0 ]; do if [ "$1" = -o ]; then echo fatbin > "$2"; fi; shift; done
        """.formatted(argsLog));
        Files.setPosixFilePermissions(fakeNvcc, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Nvcc.Result build(String nvcc) throws Exception {
        return Nvcc.run(
                List.of("bash", kernels.resolve("build.sh").toString(), out.toString()),
                null,
                Map.of("JBACKPROP_NVCC", nvcc),
                60);
    }

    @Test
    void compilesOneFatbinForAllArchitecturesWithTheKernelFlags() throws Exception {
        Nvcc.Result r = build(fakeNvcc.toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(Files.isRegularFile(out.resolve("jbackprop.fatbin")), r.output());
        List<String> args = Files.readAllLines(argsLog);
        for (String a : List.of(
                "-fatbin",
                "-O3",
                "-fmad=false",
                "--compress-mode=none",
                kernels.resolve("jbackprop.cu").toString())) {
            assertTrue(args.contains(a), "nvcc not given " + a + ": " + args);
        }
        for (int sm : new int[] {75, 80, 86, 89, 90}) {
            assertTrue(args.contains("arch=compute_" + sm + ",code=sm_" + sm), "no SASS for sm_" + sm + ": " + args);
        }
        assertTrue(args.contains("arch=compute_90,code=compute_90"), "no compute_90 PTX: " + args);
        String props = Files.readString(out.resolve("jbackprop-kernels.properties"));
        assertTrue(props.contains("nvcc=99.1 (V99.1.7)"), props);
    }

    @Test
    void skipsWhenUpToDateAndRebuildsWhenASourceChanges() throws Exception {
        assertEquals(0, build(fakeNvcc.toString()).exit());
        assertEquals(1, compileCount());

        Nvcc.Result again = build(fakeNvcc.toString());
        assertEquals(0, again.exit(), again.output());
        assertTrue(again.output().contains("up to date"), again.output());
        assertEquals(1, compileCount(), "recompiled although nothing changed");

        Path header = kernels.resolve("elementwise.cuh");
        Files.setLastModifiedTime(
                header,
                FileTime.fromMillis(Files.getLastModifiedTime(out.resolve("jbackprop.fatbin"))
                                .toMillis()
                        + 5000));
        assertEquals(0, build(fakeNvcc.toString()).exit());
        assertEquals(2, compileCount(), "a changed header must trigger a rebuild");
    }

    private long compileCount() throws Exception {
        return Files.readAllLines(argsLog).stream()
                .filter(a -> a.equals("-fatbin"))
                .count();
    }

    @Test
    void withoutNvccPrintsOneLineAndSucceeds() throws Exception {
        Nvcc.Result r = build("none");
        assertEquals(0, r.exit(), r.output());
        assertEquals(1, r.output().strip().lines().count(), r.output());
        assertTrue(r.output().contains("nvcc not found"), r.output());
        assertFalse(Files.exists(out.resolve("jbackprop.fatbin")));
    }

    @Test
    void aFailingCompileFailsTheBuild() throws Exception {
        Path broken = tmp.resolve("broken-nvcc");
        Files.writeString(broken, "#!/usr/bin/env bash\necho 'error: something' >&2\nexit 1\n");
        Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwxr-xr-x"));
        Nvcc.Result r = build(broken.toString());
        assertTrue(r.exit() != 0, "a compile error must fail the build: " + r.output());
        assertFalse(Files.exists(out.resolve("jbackprop.fatbin")));
    }
}
