package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** native/build.sh: builds, skips when up to date, and succeeds with one line when gcc is missing. */
class CublasBridgeBuildTest {
    @TempDir
    Path tmp;

    private record Run(int rc, String out) {}

    private Run build(Path outDir, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(
                        "bash",
                        dev.jbackprop.ProjectRoot.resolve("native/build.sh").toString(),
                        outDir.toString())
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "build.sh hung");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void missingCompilerIsOneLineAndSuccess() throws Exception {
        Path out = tmp.resolve("out");
        Run r = build(out, Map.of("CC", "no-such-gcc-" + ProcessHandle.current().pid()));
        assertEquals(0, r.rc, r.out);
        assertEquals(1, r.out.strip().lines().count(), r.out);
        assertTrue(r.out.contains("not built"), r.out);
        assertFalse(Files.exists(out.resolve("libcublas.so.12")));
    }

    @Test
    void buildsOnceThenSkips() throws Exception {
        assumeTrue(new ProcessBuilder("gcc", "--version").start().waitFor() == 0, "gcc is not installed");
        Path out = tmp.resolve("out");
        Run first = build(out, Map.of());
        assertEquals(0, first.rc, first.out);
        Path lib = out.resolve("libcublas.so.12");
        assertTrue(Files.size(lib) > 0, first.out);
        long built = Files.getLastModifiedTime(lib).toMillis();
        Run second = build(out, Map.of());
        assertEquals(0, second.rc, second.out);
        assertTrue(second.out.contains("up to date"), second.out);
        assertEquals(built, Files.getLastModifiedTime(lib).toMillis());
        // the ELF soname is what lets the dynamic linker match JCublas2's DT_NEEDED
        byte[] elf = Files.readAllBytes(lib);
        assertEquals(List.of((byte) 0x7f, (byte) 'E', (byte) 'L', (byte) 'F'), List.of(elf[0], elf[1], elf[2], elf[3]));
        assertTrue(new String(elf, StandardCharsets.ISO_8859_1).contains("libcublas.so.12\0"));
    }
}
