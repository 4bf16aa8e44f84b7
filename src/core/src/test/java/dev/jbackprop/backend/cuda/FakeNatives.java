package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The stand-in native libraries of the no-GPU tests (native/test): a fake libcublas.so.13 and a fake
 * libcuda.so.1, built here with gcc, and a child JVM to run them in (so that a crash, and the
 * libraries themselves, stay out of the test JVM).
 */
final class FakeNatives {
    private FakeNatives() {}

    static final Path SOURCES = dev.jbackprop.ProjectRoot.resolve("native/test");

    static boolean gccAvailable() {
        try {
            return exec(List.of("gcc", "--version"), Map.of(), Path.of(System.getProperty("java.io.tmpdir"))).rc == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** dir/libcublas.so.13 from fake-cublas13.c. */
    static Path buildCublas13(Path dir) throws Exception {
        return build(
                dir,
                "libcublas.so.13",
                "fake-cublas13.c",
                "-Wl,--version-script," + SOURCES.resolve("fake-cublas13.map"),
                "-ldl");
    }

    /** dir/libcuda.so.1 from fake-cuda.c (with the kernels' host-compilable maths). */
    static Path buildCuda(Path dir) throws Exception {
        return build(
                dir,
                "libcuda.so.1",
                "fake-cuda.c",
                "-I" + dev.jbackprop.ProjectRoot.resolve("kernels"),
                "-lpthread",
                "-lm");
    }

    private static Path build(Path dir, String soname, String source, String... more) throws Exception {
        Path lib = Files.createDirectories(dir).resolve(soname);
        List<String> cmd = new ArrayList<>(List.of(
                "gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-Wl,-soname," + soname, "-o"));
        cmd.add(lib.toString());
        cmd.add(SOURCES.resolve(source).toString());
        cmd.addAll(List.of(more));
        Result r = exec(cmd, Map.of(), dir);
        assertEquals(0, r.rc, "building " + lib + " failed:\n" + r.err);
        return lib;
    }

    record Result(int rc, String out, String err) {
        /** The child's key=value lines. */
        Map<String, String> values() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) m.put(line.substring(0, eq), line.substring(eq + 1));
            }
            return m;
        }

        @Override
        public String toString() {
            return "rc=" + rc + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    /** Runs the command with env added (JBACKPROP_CUBLAS13 removed first), its output in files under dir. */
    static Result exec(List<String> cmd, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove(CublasCompat.ENV_CUBLAS13);
        pb.environment().putAll(env);
        Files.createDirectories(dir);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd + "\n" + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A child JVM running mainClass with args, on this test's class path, with the given system properties and env. */
    static Result java(Class<?> mainClass, List<String> args, List<String> props, Map<String, String> env, Path dir)
            throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp", cp));
        cmd.addAll(props);
        cmd.add(mainClass.getName());
        cmd.addAll(args);
        return exec(cmd, env, dir);
    }
}
