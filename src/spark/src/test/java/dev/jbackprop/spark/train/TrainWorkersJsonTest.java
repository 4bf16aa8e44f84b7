package dev.jbackprop.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbackprop.cli.DistributedTraining;
import dev.jbackprop.cli.JsonSchemas;
import dev.jbackprop.spark.sweep.SweepCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * train --workers 2 --json on an embedded local[2] Spark, on tiny data (240 training images and 60 for validation,
 * batch 64: 4 steps per epoch, 3 epochs). Run as a process of its own, stdout holds the JSON lines of single-process
 * train --json and nothing else (not Spark's logging, the XGBoost tracker's lines or worker 0's text, which go to
 * stderr): valid against docs/schemas/train.epoch.schema.json, one object per epoch, with the same fields as one
 * process prints and the figures of metrics.csv. A stage restarted from a checkpoint before an epoch already printed
 * prints that epoch once; with --quiet there is no text at all.
 */
@Timeout(240)
class TrainWorkersJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    static Path data;
    static SweepCli.Result one, restarted;
    static String stdout, stderr;
    static int code;

    static List<String> base(Path out) {
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(SweepCli.tinyRun(data));
        args.addAll(List.of("--batch", "64", "--threads", "1", "--backend", "cpu", "--json", "--out", out.toString()));
        return args;
    }

    @BeforeAll
    static void runs() throws Exception {
        data = SweepCli.tinyData(tmp.resolve("data"), 300, 90, 11);
        one = SweepCli.run(base(tmp.resolve("one")).toArray());

        // the command line as a process: what reaches its stdout from anywhere (Spark, XGBoost's native tracker, our
        // code, the workers' threads) is seen
        List<String> two = new ArrayList<>(base(tmp.resolve("two")));
        two.addAll(List.of("--workers", "2", "--spark", "local[2]"));
        long t0 = System.nanoTime();
        code = jbackprop(two, tmp.resolve("two.out"), tmp.resolve("two.err"));
        stdout = Files.readString(tmp.resolve("two.out"), StandardCharsets.UTF_8);
        stderr = Files.readString(tmp.resolve("two.err"), StandardCharsets.UTF_8);
        long t1 = System.nanoTime();

        // worker 1 fails at step 6 (in epoch 2); with checkpoints every 2 epochs the stage restarts from the first
        // one, at step 0, and trains epoch 1 again
        List<Object> failing = new ArrayList<>(base(tmp.resolve("restarted")));
        failing.addAll(List.of("--workers", "2", "--spark", "local[2]", "--checkpoint-every", "2e", "--quiet"));
        System.setProperty(CollectiveExchange.Fault.PROPERTY, "1@6");
        try {
            restarted = SweepCli.run(failing.toArray());
        } finally {
            System.clearProperty(CollectiveExchange.Fault.PROPERTY);
        }
        System.out.printf(
                "1 process:%n%s%n2 workers, a process of its own (%.1f s): exit %d%n--- stdout%n%s--- stderr%n%s%n",
                one, (t1 - t0) / 1e9, code, stdout, stderr);
        System.out.printf(
                "2 workers, worker 1 failing at step 6, --quiet (%.1f s):%n%s%n",
                (System.nanoTime() - t1) / 1e9, restarted);
    }

    /** Runs jbackprop in a JVM of its own (this one's class path and Spark's openings); returns its exit code. */
    static int jbackprop(List<String> args, Path out, Path err) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + Path.of("jvm", "spark-java17.args").toAbsolutePath(),
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Djava.awt.headless=true",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.jbackprop.cli.Main"));
        command.addAll(args);
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("jbackprop " + args + " did not end within 180 s");
        }
        return p.exitValue();
    }

    /** Every line of a --json stdout, checked against the schema; the objects. */
    static List<JsonNode> objects(String out) throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        for (String line : out.lines().toList()) {
            assertTrue(line.startsWith(DistributedTraining.JSON_LINE), "not a JSON line on stdout: " + line);
            List<String> bad = JsonSchemas.errors("train.epoch", line);
            assertTrue(bad.isEmpty(), bad + "\n" + line);
            objects.add(JSON.readTree(line));
        }
        return objects;
    }

    static List<String[]> metrics(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.csv")).stream()
                .skip(1)
                .map(l -> l.split(",", -1))
                .toList();
    }

    static TreeSet<String> fields(JsonNode o) {
        TreeSet<String> names = new TreeSet<>();
        for (Iterator<String> i = o.fieldNames(); i.hasNext(); ) names.add(i.next());
        return names;
    }

    @Test
    void stdoutHoldsOneValidObjectPerEpochAndNothingElse() throws Exception {
        assertEquals(0, one.code(), one.toString());
        assertEquals(0, code, "exit " + code + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr);
        List<JsonNode> single = objects(one.out());
        List<JsonNode> epochs = objects(stdout);
        assertEquals(3, epochs.size(), stdout);
        assertEquals(single.size(), epochs.size());

        Path run = tmp.resolve("two").toAbsolutePath();
        List<String[]> rows = metrics(run);
        assertEquals(3, rows.size());
        for (int i = 0; i < 3; i++) {
            JsonNode o = epochs.get(i), s = single.get(i);
            String[] row = rows.get(i);
            assertEquals(fields(s), fields(o), "the fields of one process's train --json");
            assertEquals(i + 1, o.get("epoch").asInt());
            assertEquals(Integer.parseInt(row[0]), o.get("epoch").asInt());
            assertEquals(Long.parseLong(row[1]), o.get("steps").asLong());
            assertEquals(4L * (i + 1), o.get("steps").asLong());
            assertEquals(Double.parseDouble(row[2]), o.get("loss").asDouble(), 1e-6, "loss, epoch " + (i + 1));
            assertEquals(Double.parseDouble(row[4]), o.get("validation_loss").asDouble(), 1e-6);
            assertEquals(Double.parseDouble(row[6]), o.get("test_loss").asDouble(), 1e-6);
            // the run one process trains with the same batch, up to the order of summation
            double l1 = s.get("loss").asDouble();
            assertEquals(l1, o.get("loss").asDouble(), 1e-5 * l1, "loss of epoch " + (i + 1) + " against 1 process");
            assertEquals(3, o.get("epochs").asInt());
            assertEquals(2, o.get("workers").asInt());
            assertEquals(1, s.get("workers").asInt());
            assertEquals(run.toString(), o.get("out").asText());
            assertEquals("cpu", o.get("backend").asText());
            assertEquals(1, o.path("device").path("threads").asInt()); // each worker's
            assertEquals(s.get("network").asText(), o.get("network").asText());
        }

        // the human text went to stderr: the driver's, and worker 0's
        assertTrue(stderr.contains("jbackprop train: 2 workers on local[2]"), stderr);
        assertTrue(stderr.contains("epoch   3/3"), stderr);
        assertTrue(stderr.contains(TrainWorker.MARK + "0 of 2, attempt 1"), stderr);
        assertTrue(stderr.contains("2 workers, 1 attempt: the same parameters on every worker"), stderr);
        // train.log keeps worker 0's text and its JSON lines
        String log = Files.readString(run.resolve(TrainWorker.LOG));
        assertTrue(log.contains("epoch   3/3"), log);
        assertEquals(
                3,
                log.lines()
                        .filter(l -> l.startsWith(DistributedTraining.JSON_LINE))
                        .count(),
                log);
    }

    @Test
    void aRestartedStagePrintsEachEpochOnceAndQuietPrintsNoText() throws Exception {
        assertEquals(0, restarted.code(), restarted.toString());
        assertEquals("", restarted.err(), "--json --quiet: no text at all");
        List<JsonNode> epochs = objects(restarted.out());
        assertEquals(
                List.of(1, 2, 3),
                epochs.stream().map(o -> o.get("epoch").asInt()).toList());
        Path run = tmp.resolve("restarted");
        String log = Files.readString(run.resolve(TrainWorker.LOG));
        assertTrue(log.contains(TrainWorker.MARK + "0 of 2, attempt 2, from "), log);
        // attempt 2 trained epoch 1 again: the log has it twice, stdout once
        assertEquals(
                2,
                log.lines()
                        .filter(l -> l.startsWith(DistributedTraining.JSON_LINE))
                        .filter(l -> l.contains("\"epoch\":1,"))
                        .count(),
                log);
        List<String[]> rows = metrics(run);
        assertEquals(3, rows.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(
                    Long.parseLong(rows.get(i)[1]), epochs.get(i).get("steps").asLong());
            assertEquals(
                    Double.parseDouble(rows.get(i)[2]),
                    epochs.get(i).get("loss").asDouble(),
                    1e-6);
        }
        // the restarted run is the one that never failed (parameters bit for bit on the CPU)
        assertArrayEquals(TrainWorkersTest.weights(tmp.resolve("two")), TrainWorkersTest.weights(run));
    }
}
