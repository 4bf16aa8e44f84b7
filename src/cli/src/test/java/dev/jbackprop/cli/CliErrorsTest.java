package dev.jbackprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Wrong invocations, in-process: the exit code, exactly one "jbackprop: " line on stderr naming the
 * problem, no stack trace, nothing on stdout, and nothing on disk changed (no file destroyed, no
 * --out directory left behind).
 */
class CliErrorsTest {
    static final int USAGE = Main.USAGE;
    static final int FAILURE = Main.FAILURE;
    /** Exception class names, which only belong in a message when the case says so. */
    static final Pattern EXCEPTION_NAME = Pattern.compile("\\b\\w*(Exception|Error)\\b");

    @TempDir
    static Path root;

    /**
     * One wrong invocation. keys: substrings the error line must contain ('|'-separated);
     * "{cuda-reason}" stands for why the GPU is not available (the case is skipped where it is).
     */
    record Case(String name, int code, String keys, List<String> args, boolean exceptionNameAllowed) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case usage(String name, String keys, String... args) {
        return new Case(name, USAGE, keys, List.of(args), false);
    }

    static Case failure(String name, String keys, String... args) {
        return new Case(name, FAILURE, keys, List.of(args), false);
    }

    /** train with a valid base (tiny data, a fresh --out, cpu, 16,8,10) where extra does not set an option itself. */
    static String[] train(String... extra) {
        List<String> a = new ArrayList<>(List.of("train"));
        String[][] base = {
            {"--data", "{data}"},
            {"--out", "{out}"},
            {"--backend", "cpu"},
            {"--layers", "16,8,10"},
            {"--threads", "1"},
            {"--classes", "10"}
        };
        List<String> given = Arrays.asList(extra);
        for (String[] kv : base) if (!given.contains(kv[0])) a.addAll(List.of(kv));
        a.add("--no-progress");
        a.addAll(given);
        return a.toArray(String[]::new);
    }

    static String[] eval(String... extra) {
        List<String> a = new ArrayList<>(List.of("eval", "--data", "{data}"));
        if (!Arrays.asList(extra).contains("--backend")) a.addAll(List.of("--backend", "cpu"));
        a.addAll(Arrays.asList(extra));
        return a.toArray(String[]::new);
    }

    static Stream<Case> cases() {
        return Stream.of(
                // parsing
                usage("unknown subcommand", "'bogus'", "bogus"),
                usage("unknown flag", "--bogus", train("--bogus")),
                usage("--eta not a number", "--eta|'abc'", train("--eta", "abc")),
                usage("--batch not an int", "--batch|'1.5'", train("--batch", "1.5")),
                usage("--seed not a number", "--seed|'x1'", train("--seed", "x1")),
                // numbers out of range
                usage("eta zero", "--eta must be a positive number", train("--eta", "0")),
                usage("eta negative", "--eta must be a positive number", train("--eta", "-0.5")),
                usage("eta NaN", "--eta must be a positive number", train("--eta", "NaN")),
                usage("batch zero", "--batch must be at least 1", train("--batch", "0")),
                usage("batch negative", "--batch must be at least 1", train("--batch", "-3")),
                usage("epochs zero", "--epochs must be at least 1", train("--epochs", "0")),
                usage("momentum one", "--momentum must be in [0, 1)", train("--momentum", "1")),
                usage("momentum above one", "--momentum must be in [0, 1)", train("--momentum", "1.5")),
                usage("lambda negative", "--lambda must be zero or positive", train("--lambda", "-0.1")),
                usage("steps negative", "--steps", train("--steps", "-1")),
                usage("threads negative", "--threads", train("--threads", "-2")),
                usage("train-size zero", "--train-size", train("--train-size", "0")),
                usage("train-size above the data", "--train-size 1000|20", train("--train-size", "1000")),
                // network
                usage("layers empty field", "--layers|not a whole number", train("--layers", "784,,10")),
                usage("layers not a number", "--layers|'x'", train("--layers", "784,x,10")),
                usage("layers single size", "at least an input and an output", train("--layers", "784")),
                usage("layers zero size", "layer sizes must be between 1|got 0", train("--layers", "16,0,10")),
                usage("input size not the data's", "100 inputs|16 features", train("--layers", "100,10")),
                usage("output size not the data's", "5 outputs|10 classes", train("--layers", "16,8,5")),
                usage("unknown activation", "unknown activation 'swish'", train("--activation", "swish")),
                usage("activation parameter not a number", "'abc' is not a number", train("--activation", "elu:abc")),
                usage("softmax hidden", "softmax is only valid for the output layer", train("--activation", "softmax")),
                usage(
                        "cross-entropy with sigmoid output",
                        "cost cross-entropy does not go with output activation sigmoid",
                        train("--cost", "cross-entropy", "--output-activation", "sigmoid")),
                usage(
                        "binary-cross-entropy with softmax output",
                        "cost binary-cross-entropy does not go with output activation softmax",
                        train("--cost", "binary-cross-entropy", "--output-activation", "softmax")),
                usage(
                        "quadratic with softmax output",
                        "cost quadratic does not go with output activation softmax",
                        train("--cost", "quadratic", "--output-activation", "softmax")),
                usage(
                        "wrong count of per-layer activations",
                        "lists 3 activations|2 hidden layers",
                        train("--layers", "16,8,8,10", "--activation", "relu,tanh,sigmoid")),
                usage("unknown cost", "unknown cost 'hinge'", train("--cost", "hinge")),
                usage("unknown init", "unknown init 'foo'", train("--init", "foo")),
                usage(
                        "init and init-weights",
                        "either --init or --init-weights",
                        train("--init", "he", "--init-weights", "{root}/other.safetensors")),
                // weight files
                failure(
                        "init-weights missing",
                        "missing.safetensors|does not exist",
                        train("--init-weights", "{root}/missing.safetensors")),
                failure("init-weights a directory", "is a directory", train("--init-weights", "{data}")),
                failure(
                        "init-weights of another network",
                        "expected [8, 16]|16,9,10 network",
                        train("--init-weights", "{root}/other.safetensors")),
                failure(
                        "init-weights truncated",
                        "corrupt.safetensors|truncated",
                        train("--init-weights", "{root}/corrupt.safetensors")),
                failure(
                        "init-weights bad header",
                        "badjson.safetensors|not valid JSON",
                        train("--init-weights", "{root}/badjson.safetensors")),
                // data
                failure("data missing directory", "nodir|does not exist", train("--data", "{root}/nodir")),
                failure("data truncated IDX", "train-images-idx3-ubyte|truncated", train("--data", "{root}/trunc")),
                failure(
                        "data wrong magic",
                        "t10k-images-idx3-ubyte|not an IDX file",
                        train("--data", "{root}/badmagic")),
                failure("data files swapped", "are the file names swapped", train("--data", "{root}/swapped")),
                failure("data a file", "is not a directory", train("--data", "{data}/" + TinyData.TRAIN_LABELS)),
                // output
                failure("out an existing file", "is a file, not a directory", train("--out", "{root}/afile")),
                new Case(
                        "out under a file",
                        FAILURE,
                        "cannot write to the output directory",
                        List.of(train("--out", "{root}/afile/sub")),
                        true),
                failure("out holds a run", "already holds a run|--force", train("--out", "{root}/oldrun")),
                failure(
                        "out holds others' files",
                        "holds files that are not jbackprop's (todo.txt)|--force",
                        train("--out", "{root}/notes")),
                failure(
                        "out holds another tool's config.json, with --force",
                        "holds config.json, which jbackprop did not write|--force or not",
                        train("--out", "{root}/theirs", "--force")),
                failure(
                        "out a symbolic link",
                        "--out {root}/linked is a symbolic link to {root}/notes|--out {root}/notes",
                        train("--out", "{root}/linked", "--force")),
                failure(
                        "out holds a symbolic link",
                        "holds model.safetensors, a symbolic link to {root}/afile",
                        train("--out", "{root}/links", "--force")),
                failure(
                        "gradients into others' files",
                        "holds files that are not jbackprop's (todo.txt)|--force",
                        "gradients",
                        "--data",
                        "{data}",
                        "--backend",
                        "cpu",
                        "--layers",
                        "16,8,10",
                        "--classes",
                        "10",
                        "--train-epochs",
                        "1",
                        "--train-size",
                        "20",
                        "--samples",
                        "10",
                        "--out",
                        "{root}/notes"),
                // sizes
                usage(
                        "threads above 4 per core",
                        "--threads must be between 1 and|cores",
                        train("--threads", "100000")),
                usage(
                        "threads far above",
                        "--threads must be between 1 and|got 2000000000",
                        train("--threads", "2000000000")),
                usage(
                        "parameters above the CPU block limit",
                        "--layers|536,870,911 floats|parameters",
                        train("--layers", "16,1048576,1048576,10")),
                usage(
                        "parameters above the CPU block limit, one layer",
                        "--layers|536,870,911 floats",
                        train("--layers", "16,1048576,600,10")),
                usage("divergence factor negative", "--divergence-factor", train("--divergence-factor", "-1")),
                usage("divergence factor one", "--divergence-factor", train("--divergence-factor", "1")),
                usage(
                        "dry-run with resume",
                        "--dry-run does not go with --resume",
                        train("--out", "{root}/oldrun", "--resume", "{root}/oldrun", "--dry-run")),
                // backends
                usage("backend bogus", "unknown --backend 'bogus'", train("--backend", "bogus")),
                failure("backend cuda", "--backend cuda is not available|{cuda-reason}", train("--backend", "cuda")),
                new Case(
                        "verify cuda: no usable GPU is exit 3",
                        Main.NO_GPU,
                        "no usable GPU|{cuda-reason}",
                        List.of("verify", "--backend", "cuda", "--layers", "9,7,5"),
                        false),
                new Case(
                        "verify auto against the CPU: no usable GPU is exit 3",
                        Main.NO_GPU,
                        "no usable GPU|{cuda-reason}",
                        List.of("verify", "--backend", "auto", "--layers", "9,7,5"),
                        false),
                usage(
                        "verify cpu against cpu checks nothing",
                        "--backend cpu against the CPU checks nothing|--against reference",
                        "verify",
                        "--backend",
                        "cpu",
                        "--layers",
                        "9,7,5"),
                usage("verify against bogus", "unknown --against 'gpu'", "verify", "--against", "gpu"),
                usage(
                        "verify tolerance zero",
                        "--tolerance must be a positive number",
                        "verify",
                        "--backend",
                        "cpu",
                        "--against",
                        "reference",
                        "--tolerance",
                        "0"),
                usage(
                        "verify data and train",
                        "either --data or --train",
                        "verify",
                        "--data",
                        "{data}",
                        "--train",
                        "{data}"),
                failure(
                        "eval cuda",
                        "--backend cuda is not available|{cuda-reason}",
                        eval("--model", "{root}/good.safetensors", "--backend", "cuda")),
                usage(
                        "eval backend bogus",
                        "unknown --backend 'bogus'",
                        eval("--model", "{root}/good.safetensors", "--backend", "bogus")),
                // GEMM precision
                usage("bf16 on the cpu", "--bf16 is for the CUDA backend|--backend cuda", train("--bf16")),
                usage(
                        "tf32 and bf16",
                        "--tf32 and --bf16 do not go together",
                        train("--backend", "cuda", "--tf32", "--bf16")),
                failure(
                        "bf16 auto without a GPU",
                        "--bf16 needs the CUDA backend|{cuda-reason}",
                        train("--backend", "auto", "--bf16")),
                failure(
                        "bf16 cuda without a GPU",
                        "--backend cuda is not available|{cuda-reason}",
                        train("--backend", "cuda", "--bf16")),
                usage("tf32 on the cpu", "--tf32 is for the CUDA backend|--backend cuda", train("--tf32")),
                failure(
                        "tf32 auto without a GPU",
                        "--tf32 needs the CUDA backend|{cuda-reason}",
                        train("--backend", "auto", "--tf32")),
                usage(
                        "verify tf32 on the cpu",
                        "--tf32 is for the CUDA backend",
                        "verify",
                        "--backend",
                        "cpu",
                        "--tf32",
                        "--layers",
                        "9,7,5"),
                usage(
                        "verify bf16 on the cpu",
                        "--bf16 is for the CUDA backend",
                        "verify",
                        "--backend",
                        "cpu",
                        "--bf16",
                        "--layers",
                        "9,7,5"),
                usage(
                        "verify tf32 and bf16",
                        "--tf32 and --bf16 do not go together",
                        "verify",
                        "--tf32",
                        "--bf16",
                        "--layers",
                        "9,7,5"),
                usage(
                        "throughput bf16 on the cpu",
                        "--bf16 is for the CUDA backend",
                        "throughput",
                        "--backend",
                        "cpu",
                        "--bf16",
                        "--steps",
                        "1"),
                usage(
                        "throughput tf32 and bf16",
                        "--tf32 and --bf16 do not go together",
                        "throughput",
                        "--tf32",
                        "--bf16",
                        "--steps",
                        "1"),
                // eval, gradcheck, verify
                usage("eval without model", "--model", eval()),
                usage(
                        "eval model without metadata",
                        "no jbackprop metadata|--layers",
                        eval("--model", "{root}/other.safetensors")),
                failure(
                        "eval missing model",
                        "missing.safetensors|does not exist",
                        eval("--model", "{root}/missing.safetensors")),
                failure(
                        "eval model not matching the data",
                        "maps 9 inputs|16 features",
                        eval("--model", "{root}/nine.safetensors")),
                usage(
                        "eval batch zero",
                        "--batch must be at least 1",
                        eval("--model", "{root}/good.safetensors", "--batch", "0")),
                failure(
                        "eval model whose metadata says -3 epochs",
                        "forged.safetensors: is corrupt: metadata 'jbackprop_trained' has epochs -3",
                        eval("--model", "{root}/forged.safetensors")),
                failure(
                        "eval model holding NaN",
                        "nan.safetensors: tensor 'layers.1.bias' element [4] is NaN",
                        eval("--model", "{root}/nan.safetensors")),
                usage("gradcheck batch zero", "--batch must be at least 1", "gradcheck", "--batch", "0"),
                usage("gradcheck unknown cost", "unknown cost 'hinge'", "gradcheck", "--cost", "hinge"),
                usage("gradcheck bad layers", "--layers|'q'", "gradcheck", "--layers", "7,q,4"),
                usage("verify steps negative", "--steps", "verify", "--backend", "cpu", "--steps", "-1"));
    }

    @BeforeAll
    static void fixtures() throws IOException {
        Path data = TinyData.write(root.resolve("data"), 20, 10, 1);
        Path trunc = TinyData.copy(data, root.resolve("trunc"));
        Path ti = trunc.resolve(TinyData.TRAIN_IMAGES);
        Files.write(ti, Arrays.copyOf(Files.readAllBytes(ti), 100));
        Path bad = TinyData.copy(data, root.resolve("badmagic"));
        byte[] b = Files.readAllBytes(bad.resolve(TinyData.TEST_IMAGES));
        b[0] = 0x12;
        b[1] = 0x34;
        Files.write(bad.resolve(TinyData.TEST_IMAGES), b);
        Path sw = TinyData.copy(data, root.resolve("swapped"));
        Files.copy(
                data.resolve(TinyData.TRAIN_LABELS),
                sw.resolve(TinyData.TRAIN_IMAGES),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(root.resolve("afile"), "keep me\n");

        ParamLayout other = new ParamLayout(new int[] {16, 9, 10});
        ModelFile.write(root.resolve("other.safetensors"), other, Init.XAVIER.initialise(other, 1), Map.of());
        writeModel(root.resolve("good.safetensors"), new int[] {16, 8, 10});
        writeModel(root.resolve("nine.safetensors"), new int[] {9, 4, 10});
        byte[] good = Files.readAllBytes(root.resolve("good.safetensors"));
        Files.write(root.resolve("corrupt.safetensors"), Arrays.copyOf(good, 40));
        byte[] json = "{\"layers.0.weight\": nope}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer bj = ByteBuffer.allocate(8 + json.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length)
                .put(json);
        Files.write(root.resolve("badjson.safetensors"), bj.array());

        // model files with impossible values: a forged progress, a NaN (written around ModelFile's own check)
        writeModel(
                root.resolve("forged.safetensors"),
                new int[] {16, 8, 10},
                Map.of("jbackprop_trained", "{\"epochs\":-3,\"steps\":5}"));
        ParamLayout l = new ParamLayout(new int[] {16, 8, 10});
        float[] w0 = new float[8 * 16], b0 = new float[8], w1 = new float[10 * 8], b1 = new float[10];
        b1[4] = Float.NaN;
        dev.jbackprop.io.SafeTensors.writeAll(
                root.resolve("nan.safetensors"),
                List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"),
                List.of(new long[] {8, 16}, new long[] {8}, new long[] {10, 8}, new long[] {10}),
                List.of(w0, b0, w1, b1),
                Map.of("jbackprop", networkJson(new int[] {16, 8, 10})),
                "write");
        assertEquals(l.total(), w0.length + b0.length + w1.length + b1.length);

        Path old = Files.createDirectories(root.resolve("oldrun"));
        Files.writeString(old.resolve("config.json"), runConfig() + "\n");
        Files.writeString(old.resolve("metrics.csv"), RunOutput.METRICS_HEADER + "\n1,0.5,0.5,0.5,1.0,1.0\n");
        Files.copy(root.resolve("good.safetensors"), old.resolve("model.safetensors"));

        // others' files: a directory of notes, and one whose config.json is not a jbackprop run's
        Path notes = Files.createDirectories(root.resolve("notes"));
        Files.writeString(notes.resolve("todo.txt"), "keep me\n");
        Path theirs = Files.createDirectories(root.resolve("theirs"));
        Files.writeString(theirs.resolve("config.json"), "{\"learning_rate\": 3e-4}\n");
        // symbolic links: --out itself, and a model file that points elsewhere
        Files.createSymbolicLink(root.resolve("linked"), notes);
        Path links = Files.createDirectories(root.resolve("links"));
        Files.createSymbolicLink(links.resolve("model.safetensors"), root.resolve("afile"));
    }

    /** A run configuration as jbackprop train writes it. */
    static String runConfig() {
        dev.jbackprop.config.RunConfig.Builder b = new dev.jbackprop.config.RunConfig.Builder();
        b.layers = List.of(16, 8, 10);
        b.activations = List.of("relu", "softmax");
        b.cost = "cross-entropy";
        b.init = "he";
        b.eta = 0.05;
        b.batch = 8;
        b.epochs = 1;
        b.momentum = 0.9;
        b.seed = 1;
        b.trainSize = 20;
        b.data = "somewhere";
        return dev.jbackprop.config.RunConfigJson.toJson(b.build());
    }

    /** A model with the metadata jbackprop train writes: relu hidden layers, softmax, cross-entropy. */
    static void writeModel(Path file, int[] sizes) throws IOException {
        writeModel(file, sizes, Map.of());
    }

    static void writeModel(Path file, int[] sizes, Map<String, String> more) throws IOException {
        ParamLayout layout = new ParamLayout(sizes);
        Map<String, String> meta = new java.util.HashMap<>(more);
        meta.put("jbackprop", networkJson(sizes));
        ModelFile.write(file, layout, Init.HE.initialise(layout, 2), meta);
    }

    /** The network metadata jbackprop train writes: relu hidden layers, softmax, cross-entropy. */
    static String networkJson(int[] sizes) throws IOException {
        List<String> acts = new ArrayList<>();
        for (int l = 0; l < sizes.length - 2; l++) acts.add("relu");
        acts.add("softmax");
        return RunOutput.JSON.writeValueAsString(Map.of("layers", sizes, "activations", acts, "cost", "cross-entropy"));
    }

    static int counter;

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void wrongInvocation(Case c) {
        String reason = Backends.cudaUnavailableReason();
        if (c.keys.contains("{cuda-reason}")) assumeTrue(reason != null, "a GPU is available here");
        Path out = root.resolve("out-" + (++counter));
        String[] args = c.args.stream()
                .map(a -> a.replace("{data}", root.resolve("data").toString())
                        .replace("{root}", root.toString())
                        .replace("{out}", out.toString()))
                .toArray(String[]::new);
        String[] keys = c.keys.replace("{cuda-reason}", String.valueOf(reason))
                .replace("{root}", root.toString())
                .split("\\|");
        check(c.name, args, c.code, keys, c.exceptionNameAllowed);
    }

    /** --out under a directory the user may not write to (skipped as root, where permissions do not bite). */
    @Test
    void outUnderReadOnlyDirectory() throws IOException {
        Path ro = Files.createDirectories(root.resolve("readonly"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(ro), "running as root: permissions do not stop writes");
            String[] args = Stream.of(train("--out", ro.resolve("sub").toString()))
                    .map(a -> a.replace("{data}", root.resolve("data").toString()))
                    .toArray(String[]::new);
            check("out read-only", args, FAILURE, new String[] {"cannot write to the output directory"}, true);
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void atLeastThirtyCases() {
        assertTrue(cases().count() >= 30);
    }

    private static void check(String name, String[] args, int code, String[] keys, boolean exceptionNameAllowed) {
        Map<String, String> before = Cli.snapshot(root);
        Cli.Result r = Cli.run(args);
        String ctx = name + ": jbackprop " + String.join(" ", args) + "\n" + r;
        assertEquals(code, r.code(), ctx);
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), "exactly one line on stderr; " + ctx);
        String line = lines.get(0);
        assertTrue(line.startsWith("jbackprop: ") && line.length() > "jbackprop: ".length(), ctx);
        for (String k : keys) assertTrue(line.contains(k), "the message should contain '" + k + "'; " + ctx);
        assertFalse(r.err().contains("\tat "), "stack trace; " + ctx);
        assertFalse(line.contains("internal error"), ctx);
        if (!exceptionNameAllowed) assertFalse(EXCEPTION_NAME.matcher(r.err()).find(), "exception class name; " + ctx);
        assertEquals("", r.out(), "nothing on stdout; " + ctx);
        assertEquals(before, Cli.snapshot(root), "files under the test directory changed; " + ctx);
    }
}
