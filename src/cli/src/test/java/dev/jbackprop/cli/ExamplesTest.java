package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.ProjectRoot;
import dev.jbackprop.api.Backend;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The programs in examples/: each under 40 lines, compiled against the library as a module (so that only its
 * exported package, dev.jbackprop.api, can be used; lint warnings are errors, but for the class-path entries of
 * the OpenBLAS jar's manifest), then run.
 */
class ExamplesTest {
    @TempDir
    static Path classes;

    static Path examples;

    @BeforeAll
    static void compile() throws IOException {
        examples = ProjectRoot.resolve("examples");
        List<String> sources = new ArrayList<>();
        try (Stream<Path> s = Files.list(examples)) {
            s.filter(p -> p.toString().endsWith(".java")).forEach(p -> sources.add(p.toString()));
        }
        assertTrue(sources.size() >= 3, sources.toString());
        for (String src : sources) {
            long lines = Files.readAllLines(Path.of(src)).size();
            assertTrue(lines < 40, src + " has " + lines + " lines; an example stays under 40");
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of(
                "--release",
                "17",
                "-Xlint:all,-path",
                "-Werror",
                "-d",
                classes.toString(),
                "-classpath",
                classes.toString(), // not the test's class path, which javac in-process would take by default
                "--module-path",
                libraryModulePath(),
                "--add-modules",
                "dev.jbackprop"));
        args.addAll(sources);
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
        assertEquals(0, rc, "the examples do not compile against the public API: " + diagnostics);
    }

    /** The library (its classes, a module) and its runtime dependencies, from the test's class path. */
    static String libraryModulePath() {
        List<String> path = new ArrayList<>();
        path.add(Path.of(dev.jbackprop.api.Model.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .getPath())
                .toString());
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String u = e.replace('\\', '/');
            if (u.contains("/com/fasterxml/jackson/core/")
                    || u.contains("/de/siegmar/")
                    || u.contains("/ch/randelshofer/")
                    || u.contains("/org/bytedeco/")
                    || u.contains("/org/jcuda/")) path.add(e);
        }
        return String.join(File.pathSeparator, path);
    }

    /** The module path is what keeps examples on the public API: a program that reaches into the engine fails. */
    @Test
    void theEngineIsNotReachableFromTheModulePath(@TempDir Path dir) throws IOException {
        Path src = dir.resolve("Sneaky.java");
        Files.writeString(src, "public class Sneaky { dev.jbackprop.engine.Ops ops; }\n");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler()
                .run(
                        null,
                        diagnostics,
                        diagnostics,
                        "--release",
                        "17",
                        "-d",
                        dir.toString(),
                        "-classpath",
                        dir.toString(),
                        "--module-path",
                        libraryModulePath(),
                        "--add-modules",
                        "dev.jbackprop",
                        src.toString());
        String said = diagnostics.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, said);
        assertTrue(said.contains("dev.jbackprop.engine") && said.contains("not visible"), said);
    }

    /** Runs an example's main in this JVM and returns what it printed. */
    static String run(String name) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {classes.toUri().toURL()}, ExamplesTest.class.getClassLoader())) {
            System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
            loader.loadClass(name).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(saved);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(name + ":\n" + out);
        return out;
    }

    static double number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no '" + regex + "' in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void trainAndPredict() throws Exception {
        String out = run("TrainAndPredict");
        assertTrue(number(out, "accuracy ([0-9.]+)") > 0.95, out);
        assertTrue(out.contains("classes 0 1 2"), out);
        assertTrue(number(out, "saved (\\d+) bytes") > 200, out);
    }

    @Test
    void regression() throws Exception {
        String out = run("Regression");
        assertTrue(number(out, "R2 ([-0-9.]+)") > 0.95, out);
        double got = number(out, "= ([-0-9.]+) \\(true");
        assertEquals(Math.sin(1) + 0.125, got, 0.15, out);
    }

    /** Without a GPU the example says why it skipped, in one line; with one, it compares the two. */
    @Test
    void gpuAgainstCpu() throws Exception {
        String out = run("GpuAgainstCpu");
        Optional<String> why = Backend.cudaUnavailableReason();
        if (why.isPresent()) assertEquals("skipped: " + why.get() + System.lineSeparator(), out);
        else assertTrue(number(out, "max \\|gpu - cpu\\| = ([0-9.e+-]+)") <= 1e-3, out);
    }
}
