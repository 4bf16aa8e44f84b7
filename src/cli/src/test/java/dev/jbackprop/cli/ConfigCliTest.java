package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --config: a run repeated from its config.json, options next to it overriding it, and bad files refused. */
class ConfigCliTest {
    static final ParamLayout LAYOUT = new ParamLayout(new int[] {16, 9, 10});
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path root;

    static Path data;
    static Path first;

    static Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + "\n" + r);
        return r;
    }

    static String[] train(String... args) {
        List<String> a = new ArrayList<>(List.of("train", "--no-progress"));
        a.addAll(Arrays.asList(args));
        return a.toArray(String[]::new);
    }

    @BeforeAll
    static void firstRun() throws IOException {
        data = TinyData.write(root.resolve("data"), 120, 40, 4);
        first = root.resolve("first");
        ok(train(
                "--data", data.toString(),
                "--out", first.toString(),
                "--backend", "cpu",
                "--threads", "1",
                "--layers", "16,9,10",
                "--classes", "10",
                "--activation", "tanh",
                "--init", "scaled",
                "--eta", "0.2",
                "--momentum", "0.5",
                "--lambda", "0.1",
                "--batch", "12",
                "--epochs", "2",
                "--train-size", "100",
                "--seed", "11"));
    }

    static JsonNode config(Path run) throws IOException {
        return JSON.readTree(run.resolve("config.json").toFile());
    }

    static float[] model(Path run) throws IOException {
        return ModelFile.read(run.resolve("model.safetensors"), LAYOUT);
    }

    /** The run's config.json without the entries that say where it ran rather than what it is. */
    static ObjectNode what(Path run) throws IOException {
        ObjectNode c = (ObjectNode) config(run);
        c.remove(List.of("jbackprop_version", "device"));
        return c;
    }

    @Test
    void theFileOrItsDirectoryRepeatsTheRunBitForBit() throws IOException {
        for (Path given : List.of(first.resolve("config.json"), first)) {
            Path again = root.resolve("again-" + given.getFileName());
            Cli.Result r = ok(train("--config", given.toString(), "--out", again.toString()));
            assertTrue(r.out().contains("init scaled, seed 11"), r.out());
            assertArrayEquals(model(first), model(again), "the same weights, bit for bit");
            assertEquals(what(first), what(again), "the same configuration recorded");
            assertEquals(
                    Files.readAllLines(first.resolve("metrics.csv")).size(),
                    Files.readAllLines(again.resolve("metrics.csv")).size());
        }
    }

    @Test
    void optionsNextToItOverrideItAndAreRecorded() throws IOException {
        Path changed = root.resolve("changed");
        ok(train(
                "--config",
                first.toString(),
                "--out",
                changed.toString(),
                "--eta",
                "0.1",
                "--epochs",
                "1",
                "--activation",
                "relu"));
        ObjectNode want = what(first);
        want.put("eta", 0.1);
        want.put("epochs", 1);
        want.putArray("activations").add("relu").add("softmax");
        assertEquals(want, what(changed), "only the options given differ");

        // the same run written out in full gives the same weights
        Path explicit = root.resolve("explicit");
        ok(train(
                "--data", data.toString(),
                "--out", explicit.toString(),
                "--backend", "cpu",
                "--threads", "1",
                "--layers", "16,9,10",
                "--classes", "10",
                "--activation", "relu",
                "--init", "scaled",
                "--eta", "0.1",
                "--momentum", "0.5",
                "--lambda", "0.1",
                "--batch", "12",
                "--epochs", "1",
                "--train-size", "100",
                "--seed", "11"));
        assertArrayEquals(model(explicit), model(changed));
        assertFalse(Arrays.equals(model(first), model(changed)));
    }

    @Test
    void aChangedCostBringsItsOwnOutputActivation() throws IOException {
        Path run = root.resolve("quadratic");
        ok(train("--config", first.toString(), "--out", run.toString(), "--cost", "quadratic", "--epochs", "1"));
        JsonNode c = config(run);
        assertEquals("quadratic", c.get("cost").asText());
        assertEquals("[\"tanh\",\"sigmoid\"]", c.get("activations").toString());
    }

    @Test
    void badConfigurationsAreOneLineFailures() throws IOException {
        Path dir = root.resolve("bad");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notjson.json"), "{ eta: ");
        ObjectNode unknown = (ObjectNode) config(first);
        unknown.put("etaa", 1);
        Files.writeString(dir.resolve("unknown.json"), unknown.toString());
        ObjectNode missing = (ObjectNode) config(first);
        missing.remove("eta");
        Files.writeString(dir.resolve("missing.json"), missing.toString());
        ObjectNode wrongType = (ObjectNode) config(first);
        wrongType.put("batch", "twelve");
        Files.writeString(dir.resolve("type.json"), wrongType.toString());
        ObjectNode invalid = (ObjectNode) config(first);
        invalid.put("eta", -1.0);
        Files.writeString(dir.resolve("eta.json"), invalid.toString());

        String[][] cases = {
            {"nowhere.json", "1", "does not exist"},
            {"notjson.json", "1", "is not valid JSON"},
            {"unknown.json", "1", "unknown setting 'etaa'"},
            {"missing.json", "1", "has no 'eta'"},
            {"type.json", "1", "'batch' \"twelve\", not a whole number"},
            {"eta.json", "2", "--eta must be a positive number, got -1.0"},
        };
        for (String[] c : cases) {
            Path out = root.resolve("out-" + c[0]);
            Cli.Result r = Cli.run(train("--config", dir.resolve(c[0]).toString(), "--out", out.toString()));
            assertEquals(Integer.parseInt(c[1]), r.code(), c[0] + ": " + r);
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.err().contains(c[2]), c[0] + ": " + r);
            assertFalse(Files.exists(out), "nothing written for " + c[0]);
        }
        Cli.Result r = Cli.run(train("--config", first.toString(), "--resume", first.toString()));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--config does not go with --resume"), r.toString());
    }

    /**
     * A run written by jbackprop 0.1.0 (src/test/resources/dev/jbackprop/cli/v010-run: its config.json and
     * checkpoint, with neither threads nor graphs in the stored configuration) resumes: it continues from its
     * checkpoint as a new run from the same initial weights trains, and config.json is then in the current form.
     */
    @Test
    void aRunOfVersion010Resumes() throws Exception {
        Path fixture = Path.of(ConfigCliTest.class.getResource("v010-run").toURI());
        Path old = root.resolve("v010");
        ResumeCliCopy.copyTree(fixture, old);
        Path run = old.resolve("run");
        JsonNode stored = config(run);
        assertFalse(stored.has("threads") || stored.has("graphs"), stored.toString());

        Cli.Result r = ok(train(
                "--resume",
                run.toString(),
                "--data",
                old.resolve("data").toString(),
                "--epochs",
                "2",
                "--backend",
                "cpu"));
        assertTrue(
                r.out()
                        .contains("resuming from " + run.resolve("checkpoints") + "/ckpt-000000001.safetensors: "
                                + "1 epochs done, step 1"),
                r.out());
        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(3, metrics.size());
        assertEquals(RunOutput.METRICS_HEADER, metrics.get(0), "0.1.0's metrics.csv is rewritten in today's columns");
        String[] first = metrics.get(1).split(",", -1);
        assertEquals("1", first[0]);
        assertEquals("", first[1], "0.1.0 did not record the steps");
        assertEquals("", first[4], "nor validation figures");
        assertEquals("", first[6], "nor the test loss");
        assertFalse(first[7].isEmpty(), "its test accuracy is kept");
        JsonNode c = config(run);
        assertEquals(2, c.get("epochs").asInt());
        assertTrue(c.has("threads") && c.get("graphs").asBoolean(), c.toString());
        assertEquals("file:w.safetensors", c.get("init").asText(), "the stored init is kept as it was");

        Path straight = root.resolve("v010-straight");
        ok(train(
                "--data", old.resolve("data").toString(),
                "--layers", "16,8,10",
                "--classes", "10",
                "--epochs", "2",
                "--backend", "cpu",
                "--init-weights", old.resolve("w.safetensors").toString(),
                "--train-size", "40",
                "--eta", "0.05", // 0.1.0's defaults, which its config.json records
                "--lr-schedule", "constant",
                "--out", straight.toString()));
        ParamLayout layout = new ParamLayout(new int[] {16, 8, 10});
        float[] want = ModelFile.read(straight.resolve("model.safetensors"), layout);
        float[] got = ModelFile.read(run.resolve("model.safetensors"), layout);
        assertArrayEquals(want, got, 1e-5f, "0.1.0's first epoch and this version's second continue the same run");
        assertFalse(Arrays.equals(ModelFile.read(old.resolve("w.safetensors"), layout), got), "it trained");
    }

    /** Copies a directory tree. */
    static final class ResumeCliCopy {
        static void copyTree(Path from, Path to) throws IOException {
            try (var s = Files.walk(from)) {
                for (Path p : s.toList()) {
                    Path q = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(q);
                    else Files.copy(p, q);
                }
            }
        }
    }
}
