package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * train with --optimizer, --lr-schedule and --warmup (recorded in config.json, repeated by --config, kept on
 * resume, the rate used in metrics.csv), --early-stop and --save-best on the validation set, and the usage errors
 * of options that do not apply or lack a validation set. Tiny IDX data the test writes.
 */
class OptimizerCliTest {
    @TempDir
    static Path root;

    static Path data;

    @BeforeAll
    static void writeData() throws IOException {
        data = TinyData.write(root.resolve("data"), 200, 60, 3);
    }

    static String[] train(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of(
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
                "16,12,10",
                "--classes", // the tiny set's labels are 0..2: ten outputs as the network says
                "10",
                "--batch",
                "16",
                "--seed",
                "5",
                "--no-progress"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    static Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + "\n" + r);
        return r;
    }

    static List<String[]> rows(Path run) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(RunOutput.METRICS_HEADER, lines.get(0));
        List<String[]> out = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) out.add(l.split(",", -1));
        return out;
    }

    static float[] params(Path file) throws IOException {
        return ModelFile.read(file, new dev.jbackprop.model.ParamLayout(new int[] {16, 12, 10}));
    }

    @Test
    void adamWithAScheduleIsRecordedAndRepeatedBitForBit() throws IOException {
        Path run = root.resolve("adam");
        Cli.Result r = ok(train(
                run,
                "--optimizer",
                "adam",
                "--eta",
                "0.01",
                "--lr-schedule",
                "cosine",
                "--warmup",
                "5",
                "--epochs",
                "3"));
        assertTrue(
                r.out()
                        .contains("adam η=0.01, β₁=0.9, β₂=0.999, ε=1.0E-8, wd=0.0, schedule cosine after 5 "
                                + "warm-up steps"),
                r.toString());
        JsonNode c = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("adam", c.get("optimizer").asText());
        assertEquals(0.9, c.get("beta1").asDouble());
        assertEquals(0.999, c.get("beta2").asDouble());
        assertEquals(1e-8, c.get("epsilon").asDouble());
        assertEquals(0.0, c.get("weight_decay").asDouble());
        assertEquals(0.0, c.get("momentum").asDouble(), "adam has no momentum of its own");
        assertEquals("cosine", c.get("lr_schedule").asText());
        assertEquals(5, c.get("warmup").asLong());
        // 13 steps an epoch, 39 in all: each epoch's last step's rate, warm-up then cosine over 34 steps
        List<String[]> rows = rows(run);
        assertEquals(3, rows.size());
        for (int e = 1; e <= 3; e++) {
            double want = 0.01 * (1 + Math.cos(Math.PI * (13 * e - 6) / 34.0)) / 2;
            assertEquals(want, Double.parseDouble(rows.get(e - 1)[10]), 1e-7, "rate of epoch " + e);
        }
        Path again = root.resolve("adam-again");
        ok("train", "--config", run.toString(), "--out", again.toString(), "--no-progress");
        assertArrayEquals(params(run.resolve("model.safetensors")), params(again.resolve("model.safetensors")));
    }

    @Test
    void everyOptimizerTrainsTheTinyProblem() throws IOException {
        for (String[] o : new String[][] {
            {"--optimizer", "sgd"},
            {"--optimizer", "nesterov", "--weight-decay", "1e-4"},
            {"--optimizer", "adam", "--eta", "0.01"},
            {"--optimizer", "adamw", "--eta", "0.01", "--lr-schedule", "onecycle"}
        }) {
            Path run = root.resolve("each-" + o[1]);
            List<String> args = new ArrayList<>(List.of(o));
            args.addAll(List.of("--epochs", "4"));
            ok(train(run, args.toArray(String[]::new)));
            List<String[]> rows = rows(run);
            assertTrue(
                    Double.parseDouble(rows.get(3)[2]) < Double.parseDouble(rows.get(0)[2]), o[1] + ": the loss falls");
            assertTrue(
                    Double.parseDouble(rows.get(3)[7]) >= 0.8,
                    o[1] + ": test accuracy on this easy data " + rows.get(3)[7]);
        }
        JsonNode c = new ObjectMapper()
                .readTree(root.resolve("each-adamw").resolve("config.json").toFile());
        assertEquals(0.01, c.get("weight_decay").asDouble(), "adamw's weight decay defaults to PyTorch's");
    }

    /** An adam run with a step schedule, stopped after 2 epochs and resumed to 4: the straight run's model. */
    @Test
    void adamResumesBitForBit() throws IOException {
        String[] common = {"--optimizer", "adam", "--eta", "0.005", "--lr-schedule", "step:1e:0.5"};
        Path straight = root.resolve("straight"), cut = root.resolve("cut");
        List<String> a = new ArrayList<>(List.of(common));
        a.addAll(List.of("--epochs", "4"));
        ok(train(straight, a.toArray(String[]::new)));
        List<String> b = new ArrayList<>(List.of(common));
        b.addAll(List.of("--epochs", "2", "--checkpoint-every", "7"));
        ok(train(cut, b.toArray(String[]::new)));
        Map<String, SafeTensors.Tensor> t = SafeTensors.readTensors(
                dev.jbackprop.io.CheckpointDir.list(cut.resolve("checkpoints")).get(0));
        Set<String> names = new HashSet<>(t.keySet());
        assertTrue(
                names.contains("exp_avg.layers.0.weight") && names.contains("exp_avg_sq.layers.1.bias"),
                names.toString());
        Cli.Result r = ok("train", "--resume", cut.toString(), "--epochs", "4", "--no-progress");
        assertTrue(r.out().contains("resuming from"), r.toString());
        assertArrayEquals(params(straight.resolve("model.safetensors")), params(cut.resolve("model.safetensors")));
        List<String[]> s = rows(straight), c = rows(cut);
        assertEquals(4, c.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(s.get(i)[2], c.get(i)[2], "loss of epoch " + (i + 1));
            assertEquals(s.get(i)[10], c.get(i)[10], "rate of epoch " + (i + 1));
        }
        Cli.Result other = Cli.run("train", "--resume", cut.toString(), "--optimizer", "adamw", "--no-progress");
        assertEquals(2, other.code(), other.toString());
        assertTrue(other.err().contains("--optimizer adamw contradicts the stored value"), other.toString());
    }

    /**
     * A run tracking gradients, cut inside an epoch and resumed with --track-gradients again: gradients.csv is the
     * straight run's, whole (the rows before the cut kept, not replaced).
     */
    @Test
    void aResumedRunContinuesItsGradientsCsv() throws IOException {
        String[] common = {"--epochs", "3", "--lr-schedule", "constant", "--track-gradients", "3"};
        Path straight = root.resolve("grad-straight"), cut = root.resolve("grad-cut");
        ok(train(straight, common));
        List<String> b = new ArrayList<>(List.of(common));
        b.addAll(List.of("--steps", "17", "--checkpoint-every", "5"));
        ok(train(cut, b.toArray(String[]::new)));
        assertTrue(Files.readAllLines(cut.resolve("gradients.csv")).size() > 1, "the cut run tracked");
        ok("train", "--resume", cut.toString(), "--steps", "0", "--track-gradients", "3", "--no-progress");
        assertEquals(
                Files.readString(straight.resolve("gradients.csv")),
                Files.readString(cut.resolve("gradients.csv")),
                "the rows before the cut are kept, the later ones appended");
        assertTrue(Files.exists(cut.resolve("gradients.png")));
    }

    private static final Pattern BEST =
            Pattern.compile("best validation accuracy ([\\d.]+)% \\(epoch (\\d+); test accuracy then");

    /**
     * --early-stop on accuracy with patience 2 on an easy problem: validation accuracy stops rising, training
     * stops before its 30 epochs, the summary names the best epoch, and model-best.safetensors is that epoch's
     * model (its metadata says so; the final model is later). Resuming the stopped run has nothing to train.
     */
    @Test
    void earlyStoppingKeepsTheBestModel() throws IOException {
        Path run = root.resolve("early");
        Cli.Result r = ok(train(
                run,
                "--train-size",
                "150",
                "--epochs",
                "30",
                "--early-stop",
                "2",
                "--monitor",
                "accuracy",
                "--save-best",
                "--checkpoint-every",
                "1e"));
        assertTrue(
                r.out().contains("stopping early: the validation accuracy has not improved for 2 epochs"),
                r.toString());
        Matcher m = BEST.matcher(r.out());
        assertTrue(m.find(), r.toString());
        int best = Integer.parseInt(m.group(2));
        List<String[]> rows = rows(run);
        assertEquals(best + 2, rows.size(), "stopped 2 epochs after the best:\n" + r);
        assertTrue(rows.size() < 30);
        Map<String, String> meta = SafeTensors.readMetadata(run.resolve(RunOutput.MODEL_BEST));
        assertEquals(String.valueOf(best), meta.get("epoch"));
        assertEquals("accuracy", meta.get("monitor"));
        assertEquals(Double.parseDouble(m.group(1)) / 100, Double.parseDouble(meta.get("validation_accuracy")), 1e-4);
        assertFalse(java.util.Arrays.equals(
                params(run.resolve("model.safetensors")), params(run.resolve(RunOutput.MODEL_BEST))));
        Cli.Result again = ok("train", "--resume", run.toString(), "--epochs", "30", "--no-progress");
        assertTrue(again.out().contains("early stopping ended this run after epoch " + rows.size()), again.toString());
        assertEquals(rows.size(), rows(run).size());
    }

    /**
     * A run that --steps cuts inside an epoch, resumed: early stopping watched complete epochs only, so the resumed
     * run stops where the straight one did, with the same best model and the same last line.
     */
    @Test
    void earlyStoppingIgnoresTheCutEpochAndResumesAsTheStraightRun() throws IOException {
        String[] common = {
            "--train-size",
            "150",
            "--epochs",
            "30",
            "--early-stop",
            "2",
            "--monitor",
            "accuracy",
            "--save-best",
            "--lr-schedule",
            "constant",
            "--checkpoint-every",
            "7"
        };
        Path straight = root.resolve("es-straight"), cut = root.resolve("es-cut");
        Cli.Result s = ok(train(straight, common));
        List<String> c = new ArrayList<>(List.of(common));
        c.addAll(List.of("--steps", "23")); // 10 steps an epoch: inside epoch 3
        ok(train(cut, c.toArray(String[]::new)));
        Cli.Result r = ok("train", "--resume", cut.toString(), "--steps", "0", "--no-progress");
        assertEquals(rows(straight).size(), rows(cut).size(), s + "\n" + r);
        assertArrayEquals(params(straight.resolve(RunOutput.MODEL_BEST)), params(cut.resolve(RunOutput.MODEL_BEST)));
        assertEquals(
                SafeTensors.readMetadata(straight.resolve(RunOutput.MODEL_BEST)).get("epoch"),
                SafeTensors.readMetadata(cut.resolve(RunOutput.MODEL_BEST)).get("epoch"));
        String last = s.out()
                .lines()
                .filter(l -> l.startsWith("best validation"))
                .findFirst()
                .orElseThrow();
        assertTrue(r.out().contains(last.substring(0, last.indexOf(';'))), s + "\n" + r);
    }

    /** With a validation set and no --early-stop, the summary still names the epoch best on it (loss by default). */
    @Test
    void theSummaryNamesTheEpochBestOnValidation() {
        Cli.Result r = ok(train(root.resolve("val"), "--train-size", "150", "--epochs", "3"));
        assertTrue(
                r.out()
                        .matches(
                                "(?s).*best validation loss [\\d.]+ \\(epoch \\d; test accuracy then [\\d.]+%\\); 30 steps.*"),
                r.toString());
        assertFalse(Files.exists(root.resolve("val").resolve(RunOutput.MODEL_BEST)), "only with --save-best");
    }

    @Test
    void optionsThatDoNotApplyOrLackAValidationSetAreUsageErrors() {
        String[][] cases = {
            {"--beta1 applies to adam and adamw, not to sgd", "--beta1", "0.8"},
            {"--epsilon applies to adam and adamw, not to nesterov", "--optimizer", "nesterov", "--epsilon", "1e-6"},
            {"--momentum does not apply to adam", "--optimizer", "adam", "--momentum", "0.5"},
            {"--weight-decay does not apply to sgd, whose L2 is the textbook's --lambda", "--weight-decay", "0.1"},
            {
                "--lambda (the textbook's L2) is sgd's; adamw takes PyTorch's --weight-decay",
                "--optimizer",
                "adamw",
                "--lambda",
                "1"
            },
            {"--optimizer must be one of sgd, nesterov, adam, adamw; got 'rmsprop'", "--optimizer", "rmsprop"},
            {"--momentum must be positive for nesterov", "--optimizer", "nesterov", "--momentum", "0"},
            {"--beta2 must be in [0, 1), got 1.0", "--optimizer", "adam", "--beta2", "1"},
            {"--lr-schedule must be constant, step:EVERY:GAMMA", "--lr-schedule", "linear"},
            {"--lr-schedule step:EVERY:GAMMA needs GAMMA in (0, 1]", "--lr-schedule", "step:10:2"},
            {"--warmup must be zero or a number of steps", "--warmup", "-3"},
            {
                "--early-stop watches the validation set, and this run has none: hold some training samples out "
                        + "with --validation-split F (e.g. 0.1), or --train-size N",
                "--early-stop",
                "3"
            },
            {"--save-best watches the validation set, and this run has none", "--save-best"},
            {"--save-best watches the validation set", "--save-best", "--train-size", "200"},
            {"--monitor chooses the best epoch on the validation set, and this run has none", "--monitor", "accuracy"},
            {"--monitor must be loss or accuracy", "--monitor", "f1", "--save-best", "--train-size", "150"},
            {"--early-stop must be 0 (off) or a number of epochs", "--early-stop", "-1", "--train-size", "150"},
        };
        int n = 0;
        for (String[] c : cases) {
            Path out = root.resolve("bad-" + n++);
            String[] extra = java.util.Arrays.copyOfRange(c, 1, c.length);
            Cli.Result r = Cli.run(train(out, extra));
            assertEquals(2, r.code(), String.join(" ", extra) + "\n" + r);
            assertEquals(1, r.errLines().size(), r.toString());
            assertTrue(r.err().contains(c[0]), "want '" + c[0] + "':\n" + r);
            assertFalse(Files.exists(out.resolve("metrics.csv")), "nothing written:\n" + r);
        }
    }

    /** The defaults: momentum SGD at η = 0.1 with a cosine schedule (chosen on a validation set, see README). */
    @Test
    void theDefaultsAreSgdWithACosineSchedule() throws IOException {
        Path run = root.resolve("defaults");
        Cli.Result r = ok(train(run, "--epochs", "1"));
        assertTrue(r.out().contains("η=0.1, μ=0.9, λ=0.0, schedule cosine,"), r.toString());
        JsonNode c = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("sgd", c.get("optimizer").asText());
        assertEquals(0.1, c.get("eta").asDouble());
        assertEquals("cosine", c.get("lr_schedule").asText());
        assertEquals(0, c.get("warmup").asLong());
        assertEquals(0, c.get("early_stop").asInt());
        assertNotEquals(null, c.get("save_best"));
    }
}
