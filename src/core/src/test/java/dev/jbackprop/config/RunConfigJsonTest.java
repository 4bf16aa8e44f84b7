package dev.jbackprop.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.BadFileException;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigJsonTest {
    /** config.json files written by jbackprop 0.1.0 (commit 1cd651b), without and with checkpoints. */
    static final String V010 = resource("v010-plain.json");

    static final String V010_CHECKPOINTS = resource("v010-checkpoints.json");

    static String resource(String name) {
        try (var in = RunConfigJsonTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static RunConfig sample() {
        RunConfig.Builder b = new RunConfig.Builder();
        b.version = "test";
        b.network(NetworkSpec.of(new int[] {5, 4, 3}, Activation.ELU, null, Cost.CROSS_ENTROPY));
        b.init = "file:/tmp/w.safetensors";
        b.eta = 0.125;
        b.batch = 7;
        b.epochs = 3;
        b.steps = 1L << 40;
        b.momentum = 0.5;
        b.lambda = 2.5;
        b.optimizer = "adamw";
        b.beta1 = 0.8;
        b.beta2 = 0.99;
        b.epsilon = 1e-7;
        b.weightDecay = 0.02;
        b.lrSchedule = "step:3e:0.5";
        b.warmup = 100;
        b.seed = -3;
        b.trainSize = 100;
        b.validationSize = 20;
        b.testSize = 30;
        b.data = "/data/mnist";
        b.backend = "cuda";
        b.device = "a GPU";
        b.threads = 3;
        b.bf16 = true;
        b.graphs = false;
        b.checkpointEvery = "2e";
        b.trackGradients = 5;
        b.earlyStop = 4;
        b.monitor = "accuracy";
        b.saveBest = true;
        return b.build();
    }

    @Test
    void roundTripsEverySetting() throws Exception {
        RunConfig c = sample();
        assertEquals(c, RunConfigJson.fromJson(RunConfigJson.toJson(c)));
        RunConfig.Builder b = c.toBuilder();
        b.checkpointEvery = null;
        b.trackGradients = 0;
        RunConfig off = b.build();
        String json = RunConfigJson.toJson(off);
        assertTrue(json.contains("\"checkpoint_every\" : null") && !json.contains("track_gradients"), json);
        assertEquals(off, RunConfigJson.fromJson(json));
    }

    /** The optimiser and the schedule a configuration describes, and its values' checks. */
    @Test
    void describesItsOptimizerAndSchedule() {
        RunConfig c = sample();
        assertEquals(dev.jbackprop.model.Optimizer.adamw(0.8, 0.99, 1e-7, 0.02), c.optimizerSpec());
        assertEquals(dev.jbackprop.model.LearningRateSchedule.parse("step:3e:0.5", 100), c.schedule());
        RunConfig.Builder b = c.toBuilder();
        b.optimizer = "lion";
        RunConfig bad = b.build();
        assertThrows(dev.jbackprop.model.InvalidConfigException.class, bad::optimizerSpec);
    }

    @Test
    void requiresWhatVersion010RequiredOnResume() {
        assertEquals(
                List.of(
                        "layers",
                        "activations",
                        "cost",
                        "eta",
                        "batch",
                        "epochs",
                        "steps",
                        "momentum",
                        "lambda",
                        "seed",
                        "train_size"),
                RunConfigJson.REQUIRED,
                "data is not required any more: a run on a CSV or npz file names its train file instead");
    }

    /** The settings of issue 15 (the data's file, layout, task, normalisation and splits) round-trip. */
    @Test
    void roundTripsTheDataSettings() throws Exception {
        RunConfig.Builder b = sample().toBuilder();
        b.data = null;
        b.train = "/data/train.csv";
        b.test = "/data/test.csv.gz";
        b.header = "yes";
        b.labelColumn = "species";
        b.task = "classification";
        b.normalize = "minmax";
        b.testSplit = 0.125;
        b.validationSplit = 0.25;
        RunConfig c = b.build();
        String json = RunConfigJson.toJson(c);
        assertTrue(json.contains("\"label_column\" : \"species\"") && json.contains("\"test_split\" : 0.125"), json);
        assertTrue(
                json.indexOf("\"data\"") < json.indexOf("\"train\"")
                        && json.indexOf("\"train\"") < json.indexOf("\"backend\""),
                json);
        assertEquals(c, RunConfigJson.fromJson(json));
        assertEquals(c, RunConfigJson.fromJson(json.replace("\"test_split\" : 0.125", "\"test_split\" : 0.125")));
        RunConfigJson.Invalid e = assertThrows(
                RunConfigJson.Invalid.class,
                () -> RunConfigJson.fromJson(json.replace("\"test_split\" : 0.125", "\"test_split\" : \"x\"")));
        assertTrue(e.getMessage().contains("'test_split'"), e.getMessage());
    }

    /** A file written before these settings: IDX data was read with ten classes then, and still is. */
    @Test
    void oldFilesKeepTheirMeaning() throws Exception {
        RunConfig c = RunConfigJson.fromJson(V010);
        assertEquals(10, c.classes(), "0.1.0 read IDX data with ten classes");
        assertNull(c.train());
        assertNull(c.task(), "inferred from the data");
        assertNull(c.normalize(), "the data's default: none for IDX pixels, as then");
        assertEquals(0, c.testSplit());
        RunConfig.Builder b = c.toBuilder();
        b.classes = 0;
        String now = RunConfigJson.toJson(b.build());
        assertEquals(0, RunConfigJson.fromJson(now).classes(), "a file that records classes keeps what it says");
    }

    @Test
    void readsTheFilesOfVersion010() throws Exception {
        RunConfig c = RunConfigJson.fromJson(V010);
        assertEquals(List.of(16, 8, 10), c.layers());
        assertEquals(NetworkSpec.of(new int[] {16, 8, 10}, Activation.RELU, null, Cost.CROSS_ENTROPY), c.network());
        assertEquals("he", c.init());
        assertNull(c.initWeights());
        assertEquals(0.05, c.eta());
        assertEquals(50, c.trainSize());
        assertEquals(0, c.threads(), "not recorded then: all cores");
        assertTrue(c.graphs(), "not recorded then: graphs on");
        assertNull(c.checkpointEvery());
        assertEquals(0, c.trackGradients());
        assertEquals("sgd", c.optimizer(), "no optimizer key: the update of 0.1.0, momentum SGD");
        assertEquals(dev.jbackprop.model.Optimizer.sgd(c.momentum()), c.optimizerSpec());
        assertEquals(dev.jbackprop.model.LearningRateSchedule.CONSTANT, c.schedule());
        assertEquals(0, c.earlyStop());
        assertEquals("loss", c.monitor());
        assertTrue(!c.saveBest());
        RunConfig k = RunConfigJson.fromJson(V010_CHECKPOINTS);
        assertEquals("1e", k.checkpointEvery());
        assertEquals(1, k.trackGradients());
        assertEquals(Path.of("w.safetensors"), k.initWeights());
        assertEquals(40, k.trainSize());
        assertEquals(k, RunConfigJson.fromJson(RunConfigJson.toJson(k)), "and writes them back whole");
    }

    @Test
    void sayWhatIsWrong() {
        String[][] cases = {
            {"[1]", "is not a JSON object"},
            {"{", "is not valid JSON"},
            {V010.replace("\"eta\"", "\"etaa\""), "unknown setting 'etaa'"},
            {V010.replace("\"eta\" : 0.05,", ""), "has no 'eta'"},
            {V010.replace("\"batch\" : 64", "\"batch\" : 6.5"), "has 'batch' 6.5, not a whole number"},
            {V010.replace("\"batch\" : 64", "\"batch\" : 1e12"), "not a whole number"},
            {V010.replace("\"tf32\" : false", "\"tf32\" : \"no\""), "'tf32' \"no\", not true or false"},
            {V010.replace("[ 16, 8, 10 ]", "[ 16, \"x\", 10 ]"), "not a list of whole numbers"},
            {V010.replace("\"eta\" : 0.05", "\"eta\" : \"fast\""), "'eta' \"fast\", not a number"},
            {V010.replace("\"seed\" : 1,", "\"seed\" : 1, \"seed\" : 2,"), "is not valid JSON"},
        };
        for (String[] c : cases) {
            RunConfigJson.Invalid e = assertThrows(RunConfigJson.Invalid.class, () -> RunConfigJson.fromJson(c[0]));
            assertTrue(e.getMessage().contains(c[1]), c[1] + " / " + e.getMessage());
        }
    }

    @Test
    void aFileNamesItselfInItsErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, V010.replace("\"eta\" : 0.05,", ""));
        BadFileException e = assertThrows(BadFileException.class, () -> RunConfigJson.read(f));
        assertTrue(
                e.getMessage().startsWith(f + ": is not a jbackprop run configuration: it has no 'eta'"),
                e.getMessage());
        assertThrows(BadFileException.class, () -> RunConfigJson.read(dir));
        assertThrows(BadFileException.class, () -> RunConfigJson.read(dir.resolve("missing.json")));
        Files.writeString(f, RunConfigJson.toJson(sample()));
        assertEquals(sample(), RunConfigJson.read(f));
    }

    @Test
    void theSettingsAResumedRunMustKeep() throws Exception {
        RunConfig stored = sample();
        assertEquals(List.of(), stored.changesFixedOnResume(stored));
        RunConfig.Builder free = stored.toBuilder();
        free.epochs = 9;
        free.steps = 0;
        free.data = "/elsewhere";
        free.train = "/elsewhere.csv";
        free.test = "/elsewhere-test.csv";
        free.backend = "cpu";
        free.threads = 1;
        free.graphs = true;
        free.checkpointEvery = "10";
        free.trackGradients = 0;
        free.device = "x";
        free.version = "y";
        free.earlyStop = 0;
        free.monitor = "loss";
        free.saveBest = false;
        assertEquals(List.of(), stored.changesFixedOnResume(free.build()), "these may change");
        RunConfig.Builder fixed = stored.toBuilder();
        fixed.network(NetworkSpec.of(new int[] {5, 4, 3}, Activation.TANH, null, Cost.CROSS_ENTROPY));
        fixed.init = "he";
        fixed.eta = 1;
        fixed.batch = 1;
        fixed.momentum = 0;
        fixed.lambda = 0;
        fixed.optimizer = "adam";
        fixed.beta1 = 0.9;
        fixed.beta2 = 0.999;
        fixed.epsilon = 1e-8;
        fixed.weightDecay = 0;
        fixed.lrSchedule = "cosine";
        fixed.warmup = 0;
        fixed.seed = 1;
        fixed.trainSize = 1;
        fixed.tf32 = true;
        fixed.bf16 = false;
        fixed.task = "regression";
        fixed.normalize = "standard";
        fixed.header = "no";
        fixed.labelColumn = "0";
        fixed.classes = 12;
        fixed.testSplit = 0.1;
        fixed.validationSplit = 0.2;
        assertEquals(
                List.of(
                        RunConfigJson.NETWORK,
                        "init",
                        "eta",
                        "batch",
                        "momentum",
                        "lambda",
                        "optimizer",
                        "beta1",
                        "beta2",
                        "epsilon",
                        "weight_decay",
                        "lr_schedule",
                        "warmup",
                        "seed",
                        "train_size",
                        "task",
                        "normalize",
                        "header",
                        "label_column",
                        "classes",
                        "test_split",
                        "validation_split",
                        "tf32",
                        "bf16"),
                stored.changesFixedOnResume(fixed.build()));
    }
}
