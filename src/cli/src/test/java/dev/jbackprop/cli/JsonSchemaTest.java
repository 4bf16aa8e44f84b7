package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command's --json output, validated against its schema in docs/schemas: stdout holds only JSON lines, the
 * envelope is there (version, commit, timestamp, backend, device), and the human text went to stderr.
 */
class JsonSchemaTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path root;

    static Path data;

    @BeforeAll
    static void setUp() throws IOException {
        assertEquals(9, JsonSchemas.files().size(), JsonSchemas.files().toString());
        data = TinyData.write(root.resolve("data"), 120, 40, 7);
    }

    static List<String> errors(String name, String json) {
        return JsonSchemas.errors(name, json);
    }

    /** Runs a command with --json; checks the exit code, that every stdout line is valid, and returns the objects. */
    static List<JsonNode> run(String schema, int code, String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--json");
        Cli.Result r = Cli.run(a.toArray(String[]::new));
        assertEquals(code, r.code(), r::toString);
        List<JsonNode> objects = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            List<String> bad = errors(schema, line);
            assertTrue(bad.isEmpty(), schema + ": " + bad + "\n" + line);
            JsonNode o = JSON.readTree(line);
            assertEquals("jbackprop." + schema, o.path("schema").path("name").asText(), line);
            assertFalse(o.path("commit").asText().isEmpty(), line);
            objects.add(o);
        }
        assertFalse(objects.isEmpty(), r::toString);
        return objects;
    }

    @Test
    void trainPrintsOneObjectPerEpochAndItsTextOnStderr() throws IOException {
        Path out = root.resolve("run");
        Cli.Result text = Cli.run(
                "train",
                "--data",
                data.toString(),
                "--out",
                root.resolve("text").toString(),
                "--backend",
                "cpu",
                "--layers",
                "16,8,10",
                "--classes",
                "10",
                "--epochs",
                "2",
                "--batch",
                "16",
                "--no-progress");
        assertEquals(0, text.code(), text::toString);
        List<JsonNode> epochs = run(
                "train.epoch",
                0,
                "train",
                "--data",
                data.toString(),
                "--out",
                out.toString(),
                "--backend",
                "cpu",
                "--threads",
                "2",
                "--layers",
                "16,8,10",
                "--classes",
                "10",
                "--epochs",
                "2",
                "--batch",
                "16",
                "--no-progress");
        assertEquals(2, epochs.size());
        assertEquals(2, epochs.get(1).get("epoch").asInt());
        assertEquals("cpu", epochs.get(0).get("backend").asText());
        assertEquals(1, epochs.get(0).get("workers").asInt()); // this process alone
        assertEquals(2, epochs.get(0).path("device").path("threads").asInt());
        assertTrue(epochs.get(0).get("validation_accuracy").isNull()); // no validation set
        Cli.Result r = Cli.run(
                "train",
                "--data",
                data.toString(),
                "--out",
                root.resolve("quiet").toString(),
                "--backend",
                "cpu",
                "--layers",
                "16,8,10",
                "--classes",
                "10",
                "--epochs",
                "1",
                "--no-progress",
                "--json",
                "--quiet");
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err(), "--json --quiet: no text at all");
        assertEquals(1, r.out().lines().count(), r::toString);
    }

    @Test
    void evalGradcheckThroughputGradientsAndInfo() throws IOException {
        Path out = root.resolve("for-eval");
        assertEquals(
                0,
                Cli.run(
                                "train",
                                "--data",
                                data.toString(),
                                "--out",
                                out.toString(),
                                "--backend",
                                "cpu",
                                "--layers",
                                "16,8,10",
                                "--classes",
                                "10",
                                "--epochs",
                                "1",
                                "--no-progress")
                        .code());
        JsonNode e = run(
                        "eval",
                        0,
                        "eval",
                        "--model",
                        out.resolve("model.safetensors").toString(),
                        "--data",
                        data.toString(),
                        "--backend",
                        "cpu")
                .get(0);
        assertEquals(40, e.get("count").asInt());
        assertEquals(10, e.get("confusion").size());
        assertEquals("classification", e.get("task").asText());

        Path predictions = root.resolve("predictions.csv");
        JsonNode p = run(
                        "predict",
                        0,
                        "predict",
                        "--model",
                        out.resolve("model.safetensors").toString(),
                        "--input",
                        data.resolve(TinyData.TEST_IMAGES).toString(),
                        "--output",
                        predictions.toString(),
                        "--backend",
                        "cpu")
                .get(0);
        assertEquals(40, p.get("rows").asInt());
        assertEquals(10, p.get("outputs").asInt());
        assertEquals("csv", p.get("format").asText());
        assertEquals(41, Files.readAllLines(predictions).size(), "a header and a line per row");

        JsonNode g = run(
                        "gradcheck",
                        0,
                        "gradcheck",
                        "--layers",
                        "7,5,3,4",
                        "--activation",
                        "tanh",
                        "--cost",
                        "quadratic")
                .get(0);
        assertEquals(3, g.get("rows").size());
        JsonNode grid = run("gradcheck", 0, "gradcheck", "--layers", "3,2,2").get(0);
        assertEquals("grid", grid.get("mode").asText());
        assertEquals(6 * 8, grid.get("grid").size()); // hidden activations × (outputs with quadratic + 2)

        JsonNode t = run(
                        "throughput",
                        0,
                        "throughput",
                        "--backend",
                        "cpu",
                        "--layers",
                        "16,8,10",
                        "--steps",
                        "5",
                        "--warmup",
                        "1",
                        "--repeats",
                        "1")
                .get(0);
        assertTrue(t.get("samples_per_second").asDouble() > 0);

        JsonNode gr = run(
                        "gradients",
                        0,
                        "gradients",
                        "--data",
                        data.toString(),
                        "--backend",
                        "cpu",
                        "--layers",
                        "16,8,8,10",
                        "--classes",
                        "10",
                        "--samples",
                        "20",
                        "--inits",
                        "2")
                .get(0);
        assertEquals(2, gr.at("/networks/0/runs").size());
        assertEquals(2, gr.at("/networks/0/runs/0/at_init/bias").size());

        JsonNode i = run("info", 0, "info").get(0);
        assertTrue(i.at("/backends/cpu/available").asBoolean());
    }

    @Test
    void verifyAgainstTheReferenceCarriesRowsAndTheWorstElements() throws IOException {
        JsonNode v = run(
                        "verify",
                        0,
                        "verify",
                        "--backend",
                        "cpu",
                        "--against",
                        "reference",
                        "--layers",
                        "9,7,5",
                        "--steps",
                        "2")
                .get(0);
        assertTrue(v.get("pass").asBoolean());
        assertEquals("reference", v.get("against").asText());
        assertEquals(2 * 5 + 2 * 2, v.get("rows").size()); // z, a, delta, dC/dW, dC/db per layer; W, b after
        JsonNode fail = run(
                        "verify",
                        1,
                        "verify",
                        "--backend",
                        "cpu",
                        "--against",
                        "reference",
                        "--layers",
                        "9,7,5",
                        "--tolerance",
                        "1e-13")
                .get(0);
        assertFalse(fail.get("pass").asBoolean());
        assertTrue(fail.at("/rows/0/beyond").asLong() > 0, fail.toString());
    }

    /** The schemas can fail: a line without the envelope, or with a wrong field, is caught. */
    @Test
    void theSchemasRejectWhatIsWrong() throws IOException {
        JsonNode ok = run("info", 0, "info").get(0);
        ObjectNode noCommit = ok.deepCopy();
        noCommit.remove("commit");
        assertFalse(errors("info", noCommit.toString()).isEmpty());
        ObjectNode badBackend = ok.deepCopy();
        badBackend.put("backend", "tpu");
        assertFalse(errors("info", badBackend.toString()).isEmpty());
        ObjectNode cudaWithoutVersions = ok.deepCopy();
        cudaWithoutVersions.put("backend", "cuda");
        assertFalse(errors("info", cudaWithoutVersions.toString()).isEmpty());
        ObjectNode otherSchema = ok.deepCopy();
        ((ObjectNode) otherSchema.get("schema")).put("name", "jbackprop.eval");
        assertFalse(errors("info", otherSchema.toString()).isEmpty());
    }
}
