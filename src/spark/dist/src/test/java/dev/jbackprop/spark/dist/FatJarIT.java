package dev.jbackprop.spark.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * jbackprop-spark-all.jar as ./jbackprop sweep runs it: next to Spark's own jars (src/spark/target/spark-classpath.txt)
 * in a fresh JVM with Spark's Java 17 openings. Spark 3.5 refuses to start beside the core's Jackson 2.22, so this
 * checks that the core's Jackson is inside the jar, relocated, and that a sweep then starts Spark and trains.
 */
@Timeout(300)
class FatJarIT {
    static final Path JAR = Path.of(System.getProperty("jbackprop.dist.jar"));

    @TempDir
    Path tmp;

    @Test
    void theJarCarriesTheCoresJacksonRelocatedAndNoSpark() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(e -> e.getName()).toList();
            assertTrue(names.contains("dev/jbackprop/shaded/jackson/databind/ObjectMapper.class"));
            assertFalse(names.stream().anyMatch(n -> n.startsWith("com/fasterxml/jackson/")), "unrelocated Jackson");
            assertFalse(names.stream().anyMatch(n -> n.startsWith("org/apache/spark/")), "Spark is provided");
            assertTrue(names.contains("dev/jbackprop/spark/sweep/SweepCommand.class"));
            assertTrue(names.contains("dev/jbackprop/cli/Main.class"));
            Properties databind = new Properties();
            try (InputStream in = jar.getInputStream(
                    jar.getEntry("META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties"))) {
                databind.load(in);
            }
            assertEquals(System.getProperty("jbackprop.jackson.version"), databind.getProperty("version"));
            String services = new String(
                    jar.getInputStream(jar.getEntry("META-INF/services/dev.jbackprop.cli.CommandExtension"))
                            .readAllBytes(),
                    StandardCharsets.UTF_8);
            assertEquals("dev.jbackprop.spark.sweep.SweepExtension", services.strip());
            String training = new String(
                    jar.getInputStream(jar.getEntry("META-INF/services/dev.jbackprop.cli.DistributedTraining"))
                            .readAllBytes(),
                    StandardCharsets.UTF_8);
            assertEquals("dev.jbackprop.spark.train.SparkTraining", training.strip()); // train --workers N
            assertEquals(
                    "dev.jbackprop.cli.Main",
                    jar.getManifest().getMainAttributes().getValue("Main-Class"));
        }
    }

    /** One run of one epoch: Spark's start is what this checks (and most of what it costs). */
    @Test
    void aSweepRunsOnSparksClassPath() throws Exception {
        Path data = tinyData(tmp.resolve("data"));
        Path out = tmp.resolve("sweep");
        String sparkJars = Files.readString(Path.of(System.getProperty("jbackprop.spark.classpath")))
                .strip();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + System.getProperty("jbackprop.spark.args"),
                "-Xmx1g",
                "-cp",
                JAR + java.io.File.pathSeparator + sparkJars,
                "dev.jbackprop.cli.Main",
                "sweep",
                "--spark",
                "local[2]",
                "--grid",
                "eta=0.05",
                "--out",
                out.toString(),
                "--data",
                data.toString(),
                "--layers",
                "16,8,10",
                "--classes",
                "10",
                "--epochs",
                "1",
                "--train-size",
                "240"));
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(tmp.resolve("out.txt").toFile())
                .redirectError(tmp.resolve("err.txt").toFile())
                .start();
        boolean ended = p.waitFor(240, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly();
        String stdout = Files.readString(tmp.resolve("out.txt")), stderr = Files.readString(tmp.resolve("err.txt"));
        String all = "--- stdout\n" + stdout + "--- stderr\n" + stderr;
        System.out.println(all);
        assertTrue(ended, all);
        assertEquals(0, p.exitValue(), all);
        assertTrue(stdout.contains("best by validation accuracy: run-00"), all);
        List<String> csv = Files.readAllLines(out.resolve("sweep.csv"));
        assertEquals(2, csv.size(), String.join("\n", csv));
        assertTrue(csv.get(1).startsWith("run-001,ok,0.05,"), csv.toString());
        assertFalse(stderr.contains("Jackson"), all);
    }

    /** 300 training and 90 test images of 4×4 pixels in MNIST's IDX layout, labels 0..2: row c bright for class c. */
    static Path tinyData(Path dir) throws IOException {
        Files.createDirectories(dir);
        Random rng = new Random(3);
        for (String[] set : new String[][] {{"train", "300"}, {"t10k", "90"}}) {
            int n = Integer.parseInt(set[1]);
            ByteBuffer px = ByteBuffer.allocate(16 + n * 16)
                    .putInt(0x803)
                    .putInt(n)
                    .putInt(4)
                    .putInt(4);
            ByteBuffer lab = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
            for (int i = 0; i < n; i++) {
                int c = rng.nextInt(3);
                lab.put((byte) (rng.nextInt(4) == 0 ? rng.nextInt(3) : c));
                for (int k = 0; k < 16; k++) px.put((byte) (k / 4 == c ? 160 + rng.nextInt(96) : rng.nextInt(90)));
            }
            Files.write(dir.resolve(set[0] + "-images-idx3-ubyte"), px.array());
            Files.write(dir.resolve(set[0] + "-labels-idx1-ubyte"), lab.array());
        }
        return dir;
    }
}
