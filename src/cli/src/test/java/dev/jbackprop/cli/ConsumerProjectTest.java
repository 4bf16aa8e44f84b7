package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.ProjectRoot;
import dev.jbackprop.api.Jbackprop;
import dev.jbackprop.api.Model;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A separate Maven project that depends on the library as a user's would: the library (its jar, made from the
 * classes just built, and its pom with the parent's) goes into a temporary local repository that sees the machine's
 * ~/.m2 for everything else (linked, so nothing of ours is installed there). The project is a named module that
 * requires dev.jbackprop, so only the exported package compiles; it trains, predicts, saves and loads, run on the
 * module path; its dependency tree holds no command-line or plotting library.
 */
class ConsumerProjectTest {
    static final String CONSUMER = """
            package example;

            import dev.jbackprop.api.*;
            import java.nio.file.Path;

            public class Consumer {
                public static void main(String[] args) {
                    float[][] x = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
                    int[] xor = {0, 1, 1, 0};
                    Data data = Data.classification(x, xor);
                    try (Backend backend = Backend.cpu(1);
                            Model model = Model.builder().input(2).hidden(8, Activation.tanh()).output(2).seed(4)
                                    .build(backend)) {
                        model.fit(data, TrainingOptions.defaults().epochs(1500).batchSize(4)
                                .optimizer(Optimizer.sgd(0.5).momentum(0.9)));
                        int[] got = model.predict(x).predictedClasses();
                        System.out.println("xor " + got[0] + got[1] + got[2] + got[3]);
                        model.save(Path.of(args[0]));
                        try (Model back = Model.load(Path.of(args[0]), backend)) {
                            System.out.println("loaded " + back + " accuracy " + back.evaluate(data).accuracy());
                        }
                        System.out.println("jbackprop " + Jbackprop.version() + " on " + backend.device().name());
                    }
                }
            }
            """;

    @Test
    void aSeparateProjectTrainsPredictsAndSavesThroughTheApiOnly(@TempDir Path dir) throws Exception {
        String version = Jbackprop.version();
        Path repo = localRepository(dir.resolve("repo"));
        install(repo, version);

        Path project = dir.resolve("consumer");
        Files.createDirectories(project.resolve("src/main/java/example"));
        Files.writeString(project.resolve("pom.xml"), pom(version));
        Files.writeString(
                project.resolve("src/main/java/module-info.java"),
                "module consumer {\n    requires dev.jbackprop;\n}\n");
        Files.writeString(project.resolve("src/main/java/example/Consumer.java"), CONSUMER);

        String built = run(
                project,
                "mvn",
                "-B",
                "-q",
                "-Dmaven.repo.local=" + repo,
                "compile",
                "dependency:build-classpath",
                "-Dmdep.outputFile=cp.txt",
                "dependency:tree",
                "-DoutputFile=tree.txt");
        String tree = Files.readString(project.resolve("tree.txt"));
        assertTrue(tree.contains("dev.jbackprop:jbackprop-core:jar:" + version), tree + built);
        for (String banned : List.of("picocli", "progressbar", "xchart", "jbackprop-cli"))
            assertFalse(tree.contains(banned), banned + " in the library's dependency tree:\n" + tree);

        Path model = dir.resolve("xor.safetensors");
        String cp = Files.readString(project.resolve("cp.txt")).trim();
        String out = run(
                project,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path",
                project.resolve("target/classes") + java.io.File.pathSeparator + cp,
                "--add-modules",
                "ALL-MODULE-PATH",
                "-m",
                "consumer/example.Consumer",
                model.toString());
        assertTrue(out.contains("xor 0110"), out);
        assertTrue(out.contains("loaded [2,8,2] [tanh, softmax] cross-entropy accuracy 1.0"), out);
        assertTrue(Files.size(model) > 100, out);
    }

    /** A fresh local repository that sees every artifact of ~/.m2 but dev.jbackprop's (symbolic links). */
    static Path localRepository(Path repo) throws IOException {
        Path m2 = Path.of(System.getProperty("user.home"), ".m2", "repository");
        Files.createDirectories(repo.resolve("dev"));
        if (!Files.isDirectory(m2)) return repo;
        try (Stream<Path> groups = Files.list(m2)) {
            for (Path g : (Iterable<Path>) groups::iterator) {
                if (!g.getFileName().toString().equals("dev"))
                    Files.createSymbolicLink(repo.resolve(g.getFileName()), g);
            }
        }
        if (Files.isDirectory(m2.resolve("dev"))) {
            try (Stream<Path> groups = Files.list(m2.resolve("dev"))) {
                for (Path g : (Iterable<Path>) groups::iterator) {
                    if (!g.getFileName().toString().equals("jbackprop"))
                        Files.createSymbolicLink(repo.resolve("dev").resolve(g.getFileName()), g);
                }
            }
        }
        return repo;
    }

    /**
     * The library as `mvn install` lays it out: the core jar (the packaged one, or made from the built classes when
     * only the test phase ran) and pom, the parent pom.
     */
    static void install(Path repo, String version) throws Exception {
        Path group = repo.resolve("dev/jbackprop");
        Path core = Files.createDirectories(group.resolve("jbackprop-core/" + version));
        Path parent = Files.createDirectories(group.resolve("jbackprop-parent/" + version));
        Files.copy(ProjectRoot.resolve("pom.xml"), parent.resolve("jbackprop-parent-" + version + ".pom"));
        Files.copy(ProjectRoot.resolve("src/core/pom.xml"), core.resolve("jbackprop-core-" + version + ".pom"));
        Path classes = Path.of(Model.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI()
                .getPath());
        Path target = core.resolve("jbackprop-core-" + version + ".jar");
        if (Files.isRegularFile(classes)) { // mvn verify: the packaged jar
            Files.copy(classes, target);
            return;
        }
        ToolProvider jar = ToolProvider.findFirst("jar").orElseThrow(() -> new AssertionError("no jar tool: a JDK?"));
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        java.io.PrintStream p = new java.io.PrintStream(said, true, StandardCharsets.UTF_8);
        int rc = jar.run(p, p, "--create", "--file", target.toString(), "-C", classes.toString(), ".");
        assertEquals(0, rc, said.toString(StandardCharsets.UTF_8));
    }

    static String pom(String version) {
        return """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>consumer</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>dev.jbackprop</groupId>
                      <artifactId>jbackprop-core</artifactId>
                      <version>%s</version>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>3.3.1</version>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.13.0</version>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-dependency-plugin</artifactId>
                        <version>3.8.1</version>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(version);
    }

    /** Runs a command in dir (5 minutes at most); its output, or a failure with it. */
    static String run(Path dir, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + cmd);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + text);
        return text;
    }
}
