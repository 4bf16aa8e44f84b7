package dev.jbackprop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules between packages, read from the compiled classes with jdeps (so a fully qualified name
 * counts as much as an import): dependencies point down, towards model; the public API (api) sits on top of the
 * library, used only by the command line; nothing but the command line uses the
 * command line, and only it draws (xchart, java.awt), parses arguments or shows progress; every jcuda class is used
 * from backend.cuda and every JavaCPP/OpenBLAS class from backend.cpu.
 */
class PackageRulesTest {
    /** Which jbackprop packages each package may use (besides itself); cli may use all of them. */
    static final Map<String, Set<String>> MAY_USE = Map.of(
            "model", Set.of(),
            "reference", Set.of("model"),
            "engine", Set.of("model"),
            "io", Set.of("model"),
            "data", Set.of("model", "io"),
            "config", Set.of("model", "io"),
            "diag", Set.of("model", "engine", "reference"),
            "api", Set.of("model", "engine", "backend.cpu", "backend.cuda", "data", "io"),
            "backend.cpu", Set.of("model", "engine"),
            "backend.cuda", Set.of("model", "engine"));

    /** Libraries only some packages may use: prefix of the class name -> those packages. */
    static final Map<String, Set<String>> LIBRARIES = Map.of(
            "jcuda.", Set.of("backend.cuda"),
            "org.bytedeco.", Set.of("backend.cpu"),
            "picocli.", Set.of("cli"),
            "me.tongfei.", Set.of("cli"),
            "org.knowm.xchart.", Set.of("cli"),
            "java.awt.", Set.of("cli"),
            "javax.imageio.", Set.of("cli"));

    /** One class's use of another. */
    record Use(String from, String to) {}

    private static final Pattern LINE = Pattern.compile("^\\s*(\\S+)\\s+->\\s+(\\S+)\\s");

    /** Every use of a class by a class of ours, from jdeps -verbose:class over the compiled main classes. */
    static List<Use> uses() throws Exception {
        // the command line's classes and the library's (a directory in the reactor, a jar from an installed build)
        Path classes = Path.of(
                Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path core = Path.of(dev.jbackprop.engine.Ops.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        assertTrue(Files.isDirectory(classes.resolve("dev/jbackprop/cli")), classes.toString());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new AssertionError("jdeps is missing: run the tests on a JDK"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = jdeps.run(
                new PrintWriter(out),
                new PrintWriter(err),
                "-verbose:class",
                "-filter:none",
                "--multi-release", // OpenBLAS's and Jackson's module descriptors are in META-INF/versions
                "17",
                "--module-path", // the library is a module: jdeps resolves what it requires
                libraryDependencies(),
                classes.toString(),
                core.toString());
        assertEquals(0, rc, err.toString());
        List<Use> uses = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.find() && m.group(1).startsWith("dev.jbackprop.")) uses.add(new Use(m.group(1), m.group(2)));
        }
        assertTrue(uses.size() > 1000, "jdeps said too little:\n" + out);
        return uses;
    }

    /** The library's runtime dependencies, from the test's class path (its module's requires). */
    static String libraryDependencies() {
        List<String> path = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String u = e.replace('\\', '/');
            if (u.contains("/com/fasterxml/jackson/core/")
                    || u.contains("/de/siegmar/")
                    || u.contains("/ch/randelshofer/")
                    || u.contains("/org/bytedeco/")
                    || u.contains("/org/jcuda/")) path.add(e);
        }
        return String.join(java.io.File.pathSeparator, path);
    }

    /** The package of a class below dev.jbackprop: "engine", "backend.cuda"; null for other classes. */
    static String packageOf(String className) {
        if (!className.startsWith("dev.jbackprop.")) return null;
        String rest = className.substring("dev.jbackprop.".length());
        String[] parts = rest.split("\\.");
        if (parts.length < 2) return "";
        return parts[0].equals("backend") && parts.length > 2 ? "backend." + parts[1] : parts[0];
    }

    /** The uses that break the rules, one line each. */
    static Set<String> violations(List<Use> uses) {
        Set<String> bad = new TreeSet<>();
        for (Use u : uses) {
            String from = packageOf(u.from());
            String to = packageOf(u.to());
            if (to != null && !to.equals(from) && !from.equals("cli")) {
                Set<String> allowed = MAY_USE.get(from);
                if (allowed == null) bad.add(u.from() + ": package '" + from + "' has no rule");
                else if (!allowed.contains(to))
                    bad.add(u.from() + " -> " + u.to() + " (" + from + " may use " + allowed + ")");
            }
            for (Map.Entry<String, Set<String>> lib : LIBRARIES.entrySet()) {
                if (u.to().startsWith(lib.getKey()) && !lib.getValue().contains(from))
                    bad.add(u.from() + " -> " + u.to() + " (only " + lib.getValue() + " may use " + lib.getKey()
                            + "*)");
            }
        }
        return bad;
    }

    @Test
    void theCompiledClassesKeepTheRules() throws Exception {
        Set<String> bad = violations(uses());
        assertTrue(bad.isEmpty(), bad.size() + " uses break the package rules:\n" + String.join("\n", bad));
    }

    @Test
    void everyPackageHasARule() throws Exception {
        Set<String> packages = new TreeSet<>();
        for (Use u : uses()) packages.add(packageOf(u.from()));
        packages.remove("cli");
        assertEquals(new TreeSet<>(MAY_USE.keySet()), packages);
    }

    /** Each package says what it owns and what it may use, as the rules above have it. */
    @Test
    void everyPackageDocumentsItsRule() throws Exception {
        Set<String> packages = new TreeSet<>(MAY_USE.keySet());
        packages.add("cli");
        for (String p : packages) {
            Path info = dev.jbackprop.ProjectRoot.resolve((p.equals("cli") ? "src/cli" : "src/core")
                    + "/src/main/java/dev/jbackprop/" + p.replace('.', '/') + "/package-info.java");
            assertTrue(Files.exists(info), info + " is missing");
            String text = Files.readString(info);
            assertTrue(text.contains("May use:"), info + " does not say what the package may use");
            for (String used : MAY_USE.getOrDefault(p, Set.of()))
                assertTrue(text.contains("{@code " + used + "}"), info + " does not name " + used);
        }
    }

    /** The check itself finds each kind of violation (so that a broken parser cannot pass everything). */
    @Test
    void violationsAreFound() {
        List<Use> uses = List.of(
                new Use("dev.jbackprop.io.Checkpoint", "dev.jbackprop.engine.Trainer"),
                new Use("dev.jbackprop.engine.Trainer", "dev.jbackprop.cli.Main"),
                new Use("dev.jbackprop.reference.RefMath", "dev.jbackprop.engine.Ops"),
                new Use("dev.jbackprop.data.Mnist", "dev.jbackprop.backend.cpu.CpuOps"),
                new Use("dev.jbackprop.diag.Plots", "org.knowm.xchart.XYChart"),
                new Use("dev.jbackprop.engine.Step", "jcuda.Pointer"),
                new Use("dev.jbackprop.data.Idx", "dev.jbackprop.io.BadFileException"), // allowed
                new Use("dev.jbackprop.cli.Main", "dev.jbackprop.backend.cuda.GpuException"), // allowed
                new Use("dev.jbackprop.backend.cuda.Gemm", "jcuda.jcublas.JCublas2")); // allowed
        Set<String> bad = violations(uses);
        assertEquals(6, bad.size(), String.join("\n", bad));
        assertTrue(bad.stream().anyMatch(s -> s.startsWith("dev.jbackprop.io.Checkpoint -> dev.jbackprop.engine")));
        assertEquals("backend.cuda", packageOf("dev.jbackprop.backend.cuda.Gemm"));
        assertEquals("engine", packageOf("dev.jbackprop.engine.Trainer$Config"));
    }
}
