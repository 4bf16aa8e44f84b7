package dev.jbackprop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.diag.GradientTracker;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.DirectoryLock;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.ParamLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A run's output directory, for as long as one process writes into it: locked ({@link DirectoryLock}) from before
 * its first file is written until {@link #close}, so a second run into it is refused, naming the holder. Only a
 * new or empty directory is taken without --force; with it, jbackprop's own files are replaced and everything
 * else is left alone. A file that is not jbackprop's under one of the names it writes, or a symbolic link, is
 * refused even with --force. Every file is replaced atomically (a temporary file unique to the write, then a
 * rename): a write that fails (a full disk) names the file, removes its temporary file and leaves the old file
 * whole. metrics.csv is rewritten whole after each epoch, after that epoch's model.
 *
 * <p>metrics.csv has one row per epoch: {@link #METRICS_HEADER} for classification, {@link #REGRESSION_HEADER} for
 * regression (R² instead of accuracies); a figure not measured (no validation or test set, R² of a cost other than
 * the quadratic one) is an empty cell.
 */
public final class RunOutput implements AutoCloseable {
    /** The first line of metrics.csv for classification. */
    public static final String METRICS_HEADER = "epoch,steps,loss,train_accuracy,validation_loss,validation_accuracy,"
            + "test_loss,test_accuracy,samples_per_second,seconds,learning_rate";
    /** The first line of metrics.csv for regression. */
    public static final String REGRESSION_HEADER =
            "epoch,steps,loss,train_r2,validation_loss,validation_r2,test_loss,test_r2,samples_per_second,seconds,"
                    + "learning_rate";
    /** The first line of metrics.csv as jbackprop 0.1.0 wrote it (read when such a run is resumed). */
    static final String OLD_HEADER = "epoch,loss,train_accuracy,test_accuracy,samples_per_second,seconds";
    /** The run's configuration ({@link dev.jbackprop.config.RunConfigJson}). */
    public static final String CONFIG = "config.json";
    /** The trained weights ({@link ModelFile}). */
    public static final String MODEL = "model.safetensors";
    /** The weights of the epoch best on the validation set (--save-best). */
    public static final String MODEL_BEST = "model-best.safetensors";
    /** The per-epoch figures. */
    public static final String METRICS = "metrics.csv";
    /** The loss and accuracy curves. */
    public static final String CURVES = "curves.png";
    /** Gradient norms (train --track-gradients, jbackprop gradients). */
    public static final String GRADIENTS_CSV = "gradients.csv";
    /** Their plot. */
    public static final String GRADIENTS_PNG = "gradients.png";

    /** What jbackprop train writes into its directory. */
    static final List<String> TRAIN_FILES =
            List.of(CONFIG, METRICS, MODEL, MODEL_BEST, CURVES, GRADIENTS_CSV, GRADIENTS_PNG, CheckpointSaver.DIR);
    /** What jbackprop gradients writes. */
    static final List<String> GRADIENT_FILES = List.of(GRADIENTS_CSV, GRADIENTS_PNG);

    /** The temporary files of jbackprop's writes: a dot, one of its names, anything, ".tmp" (XChart adds ".png"). */
    private static final Pattern TEMP = Pattern.compile(
            "\\.(config\\.json|metrics\\.csv|model\\.safetensors|model-best\\.safetensors|curves\\.png|gradients\\.png|gradients\\.csv"
                    + "|write-check).*\\.tmp(\\.png)?");
    /** In checkpoints/: checkpoints, those set aside, their temporary files, the lock of jbackprop 0.1. */
    private static final Pattern CHECKPOINT_ENTRY =
            Pattern.compile("ckpt-\\d{1,18}\\.safetensors(\\.corrupt)?|\\.ckpt-.*\\.tmp|\\.lock");

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One epoch's row of metrics.csv. train, validation and test are accuracies (classification) or R²
     * (regression); NaN where not measured. learningRate: the rate of the epoch's last step (NaN when not recorded).
     */
    public record Row(
            int epoch,
            long steps,
            double loss,
            double train,
            double validationLoss,
            double validation,
            double testLoss,
            double test,
            double samplesPerSecond,
            double seconds,
            double learningRate) {}

    final Path dir;
    private final DirectoryLock lock;
    private final boolean regression;
    private final List<Row> rows = new ArrayList<>();
    private final Thread cleanup;

    private RunOutput(Path dir, DirectoryLock lock, boolean regression) {
        this.dir = dir;
        this.lock = lock;
        this.regression = regression;
        // SIGINT/SIGTERM a second time, or System.exit: the temporary files of writes under way go too
        this.cleanup = new Thread(() -> removeTemporaries(dir), "jbackprop-cleanup");
        try {
            Runtime.getRuntime().addShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }

    // ---- what a directory holds -----------------------------------------------------------------

    /**
     * What a directory holds, entry by entry: jbackprop's files (by name and content), others' files, others'
     * files under jbackprop's names, and symbolic links.
     */
    record Contents(List<String> ours, List<String> others, List<String> othersUnderOurNames, Map<String, Path> links) {
        boolean hasCheckpoints() {
            return ours.contains(CheckpointSaver.DIR);
        }
    }

    static Contents contents(Path dir) {
        List<String> ours = new ArrayList<>(), others = new ArrayList<>(), taken = new ArrayList<>();
        Map<String, Path> links = new TreeMap<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return new Contents(ours, others, taken, links);
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) entries.add(p);
        } catch (IOException e) {
            throw new Main.Failure(
                    "cannot read the directory " + dir + " (" + e.getMessage() + "); choose another --out");
        }
        entries.sort(null);
        List<Path> pngs = new ArrayList<>();
        for (Path p : entries) {
            String name = p.getFileName().toString();
            if (Files.isSymbolicLink(p)) {
                links.put(name, realPath(p));
                continue;
            }
            if (name.equals(DirectoryLock.FILE) || TEMP.matcher(name).matches()) continue; // ours, always
            switch (name) {
                case CONFIG -> (isRunConfig(p) ? ours : taken).add(name);
                case METRICS ->
                    (firstLineStarts(p, "epoch,loss,") || firstLineStarts(p, "epoch,steps,") ? ours : taken).add(name);
                case MODEL, MODEL_BEST -> (ModelFile.writtenByJbackprop(p) ? ours : taken).add(name);
                case GRADIENTS_CSV ->
                    (firstLineStarts(p, GradientTracker.HEADER) || firstLineStarts(p, "seed,step,epoch,layer,")
                                    ? ours
                                    : taken)
                            .add(name);
                case CURVES, GRADIENTS_PNG -> pngs.add(p);
                case CheckpointSaver.DIR -> {
                    String bad = foreignCheckpointEntry(p, links);
                    (bad == null ? ours : taken).add(bad == null ? name : name + "/" + bad);
                }
                default -> others.add(name + (Files.isDirectory(p) ? "/" : ""));
            }
        }
        // a plot is jbackprop's when it is a PNG next to jbackprop's figures
        boolean run = ours.contains(CONFIG) || ours.contains(METRICS) || ours.contains(GRADIENTS_CSV);
        for (Path p : pngs) {
            String name = p.getFileName().toString();
            (run && isPng(p) ? ours : taken).add(name);
        }
        return new Contents(ours, others, taken, links);
    }

    /** The first entry of a checkpoints directory that is not jbackprop's, or null when all are. */
    private static String foreignCheckpointEntry(Path cdir, Map<String, Path> links) {
        if (!Files.isDirectory(cdir, LinkOption.NOFOLLOW_LINKS)) return "";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(cdir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (Files.isSymbolicLink(p)) {
                    links.put(CheckpointSaver.DIR + "/" + name, realPath(p));
                    continue;
                }
                if (!CHECKPOINT_ENTRY.matcher(name).matches() || Files.isDirectory(p)) return name;
                if (name.endsWith(".safetensors") && !Checkpoint.writtenByJbackprop(p)) return name;
            }
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
        return null;
    }

    private static boolean isRunConfig(Path p) {
        try {
            RunConfigJson.read(p);
            return true;
        } catch (BadFileException e) {
            return false;
        }
    }

    private static boolean firstLineStarts(Path p, String prefix) {
        try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            return line != null && line.startsWith(prefix);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean isPng(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            return Arrays.equals(in.readNBytes(PNG.length), PNG);
        } catch (IOException e) {
            return false;
        }
    }

    private static Path realPath(Path link) {
        try {
            return link.toRealPath();
        } catch (IOException e) {
            try {
                Path target = Files.readSymbolicLink(link);
                return link.resolveSibling(target).normalize();
            } catch (IOException e2) {
                return link;
            }
        }
    }

    // ---- opening ----------------------------------------------------------------------------------

    /**
     * Refuses, without creating or changing anything, a directory this run may not write into: a symbolic link, a
     * file, a directory another process is writing into (--force or not), one that holds symbolic links or others'
     * files under the names the run writes (--force or not), or, without --force, anything but jbackprop's lock and
     * temporary files.
     *
     * @param dir the output directory
     * @param force replace jbackprop's own files, leave others' alone
     * @param writes the names the command writes (see {@link #TRAIN_FILES})
     */
    public static void check(Path dir, boolean force, List<String> writes) {
        check(dir, force, writes, true);
    }

    private static void check(Path dir, boolean force, List<String> writes, boolean lockToo) {
        if (Files.isSymbolicLink(dir)) {
            Path real = realPath(dir);
            throw new Main.Failure("--out " + dir + " is a symbolic link to " + real
                    + "; jbackprop does not write through links: give the real directory (--out " + real
                    + ") if you mean it");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir))
            throw new Main.Failure("--out " + dir + " is a file, not a directory; choose a directory");
        if (!Files.isDirectory(dir)) return;
        if (lockToo) checkNotInUse(dir, "--out " + dir);
        Contents c = contents(dir);
        for (Map.Entry<String, Path> l : c.links().entrySet()) {
            throw new Main.Failure("--out " + dir + " holds " + l.getKey() + ", a symbolic link to " + l.getValue()
                    + "; jbackprop does not write through links: remove the link, or choose another --out");
        }
        for (String t : c.othersUnderOurNames()) {
            if (!writes.contains(t.contains("/") ? t.substring(0, t.indexOf('/')) : t)) continue; // not touched
            throw new Main.Failure("--out " + dir + " holds " + t + ", which jbackprop did not write; jbackprop does"
                    + " not write over it" + (force ? ", --force or not" : "")
                    + ": move it away, or choose another --out");
        }
        if (force) return;
        if (!c.ours().isEmpty()) {
            throw new Main.Failure("--out " + dir + " already holds a run (" + String.join(", ", c.ours())
                    + "); choose another --out, or add --force to replace it"
                    + (c.hasCheckpoints() ? ", or continue it with --resume " + dir : ""));
        }
        if (!c.others().isEmpty() || !c.othersUnderOurNames().isEmpty()) {
            List<String> all = new ArrayList<>(c.others());
            all.addAll(c.othersUnderOurNames());
            throw new Main.Failure("--out " + dir + " holds files that are not jbackprop's (" + listed(all)
                    + "); choose a new or empty --out, or add --force to write the run next to them (only "
                    + "jbackprop's own files are ever replaced)");
        }
    }

    /**
     * Refuses a run directory whose names jbackprop writes are links or others' files (--resume: the run continues
     * in it).
     */
    static void checkOurs(Path dir, String option) {
        if (Files.isSymbolicLink(dir)) {
            Path real = realPath(dir);
            throw new Main.Failure(option + " " + dir + " is a symbolic link to " + real
                    + "; jbackprop does not write through links: give the real directory (" + option + " " + real
                    + ")");
        }
        Contents c = contents(dir);
        for (Map.Entry<String, Path> l : c.links().entrySet()) {
            throw new Main.Failure(option + " " + dir + " holds " + l.getKey() + ", a symbolic link to " + l.getValue()
                    + "; jbackprop does not write through links: remove the link");
        }
        for (String t : c.othersUnderOurNames()) {
            if (t.startsWith(CheckpointSaver.DIR + "/")) continue; // unreadable checkpoints are set aside, not lost
            throw new Main.Failure(option + " " + dir + " holds " + t + ", which jbackprop did not write; jbackprop"
                    + " does not write over it: move it away");
        }
    }

    private static void checkNotInUse(Path dir, String what) {
        try {
            DirectoryLock.checkFree(dir);
        } catch (DirectoryLock.InUseException e) {
            throw inUse(what, e);
        } catch (BadFileException e) {
            throw new Main.Failure(e.getMessage() + "; choose another --out");
        }
    }

    static Main.Failure inUse(String what, DirectoryLock.InUseException e) {
        return new Main.Failure(what + " " + e.problem()
                + "; one run at a time writes into a directory: wait for it to end, or choose another directory");
    }

    private static String listed(List<String> names) {
        return names.size() <= 5
                ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + ", … (" + names.size() + " entries)";
    }

    /**
     * Creates the directory if need be, locks it for this process, checks it again under the lock ({@link #check})
     * and, with force, removes jbackprop's own files among {@code writes} (others' files stay).
     *
     * @param dir the output directory
     * @param force replace jbackprop's own files
     * @param writes the names the command writes
     * @return the open output, holding the lock until {@link #close}
     */
    public static RunOutput create(Path dir, boolean force, List<String> writes) {
        return create(dir, force, writes, false);
    }

    /** {@link #create(Path, boolean, List)} for a classification or regression run. */
    public static RunOutput create(Path dir, boolean force, List<String> writes, boolean regression) {
        check(dir, force, writes);
        DirectoryLock lock;
        try {
            Files.createDirectories(dir);
            lock = DirectoryLock.acquire(dir);
        } catch (DirectoryLock.InUseException e) {
            throw inUse("--out " + dir, e);
        } catch (IOException | SecurityException e) {
            throw new Main.Failure("cannot write to the output directory " + dir + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); choose another --out");
        }
        RunOutput run = new RunOutput(dir, lock, regression);
        try {
            check(dir, force, writes, false); // again, now that no other run can change it
            removeTemporaries(dir);
            if (force) run.removeOurs(writes);
            Path probe = Files.createTempFile(dir, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            run.close();
            throw new Main.Failure("cannot write to the output directory " + dir + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); choose another --out");
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        return run;
    }

    /** Removes jbackprop's own files among {@code writes} (those a new run replaces). */
    private void removeOurs(List<String> writes) throws IOException {
        Contents c = contents(dir);
        for (String name : c.ours()) {
            if (!writes.contains(name)) continue;
            Path p = dir.resolve(name);
            if (name.equals(CheckpointSaver.DIR)) {
                CheckpointDir.clear(p);
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(p, "*.corrupt")) {
                    for (Path q : ds) Files.deleteIfExists(q);
                }
            } else {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Locks a run's directory for this process (--resume, before its checkpoints are read).
     *
     * @param dir the run directory
     * @return the held lock
     */
    static DirectoryLock lockRun(Path dir) {
        checkOurs(dir, "--resume");
        try {
            return DirectoryLock.acquire(dir);
        } catch (DirectoryLock.InUseException e) {
            throw inUse("--resume " + dir, e);
        } catch (BadFileException e) {
            throw new Main.Failure("--resume " + dir + ": " + e.problem());
        }
    }

    /**
     * Reopens a run's directory, locked by {@code lock}, to continue it after {@code epochsDone} epochs:
     * metrics.csv keeps the complete rows of those epochs (later or partial rows are dropped, as the resumed run
     * writes them again), read by their column names; a file in an older format is rewritten in today's columns,
     * the figures it lacks left empty.
     */
    public static RunOutput reopen(Path dir, int epochsDone, DirectoryLock lock, boolean regression)
            throws IOException {
        Path csv = dir.resolve(METRICS);
        List<String> lines = Files.exists(csv)
                ? List.of(Files.readString(csv, StandardCharsets.UTF_8).split("\n", -1))
                : List.of();
        RunOutput run = new RunOutput(dir, lock, regression);
        try {
            removeTemporaries(dir);
            List<String> names =
                    lines.isEmpty() ? List.of() : List.of(lines.get(0).split(",", -1));
            // the last element follows the final newline: empty, or a row cut short
            for (int i = 1; i < lines.size() - 1; i++) {
                String[] f = lines.get(i).split(",", -1);
                try {
                    if (f.length != names.size()) continue;
                    Row r = new Row(
                            (int) cell(names, f, "epoch"),
                            (long) cell(names, f, "steps"),
                            cell(names, f, "loss"),
                            cell(names, f, regression ? "train_r2" : "train_accuracy"),
                            cell(names, f, "validation_loss"),
                            cell(names, f, regression ? "validation_r2" : "validation_accuracy"),
                            cell(names, f, "test_loss"),
                            cell(names, f, regression ? "test_r2" : "test_accuracy"),
                            cell(names, f, "samples_per_second"),
                            cell(names, f, "seconds"),
                            cell(names, f, "learning_rate"));
                    if (r.epoch() < 1 || r.epoch() > epochsDone) continue;
                    run.rows.add(r);
                } catch (RuntimeException e) {
                    // not a row (cut short by a crash): dropped
                }
            }
            run.writeMetrics();
        } catch (IOException | RuntimeException e) {
            run.closeKeepingLock();
            throw e;
        }
        return run;
    }

    /** The named cell as a number; NaN when empty or when the file has no such column (then steps: −1). */
    private static double cell(List<String> names, String[] f, String name) {
        int at = names.indexOf(name);
        if (at < 0) return name.equals("steps") ? -1 : Double.NaN;
        if (f[at].isEmpty()) {
            if (name.equals("epoch")) throw new IllegalArgumentException("no epoch");
            return name.equals("steps") ? -1 : Double.NaN;
        }
        return Double.parseDouble(f[at]);
    }

    String header() {
        return regression ? REGRESSION_HEADER : METRICS_HEADER;
    }

    /** The epochs recorded so far (after {@link #reopen}, those read back from metrics.csv). */
    public List<Row> epochs() {
        return List.copyOf(rows);
    }

    public Path dir() {
        return dir;
    }

    // ---- writing ----------------------------------------------------------------------------------

    /** Writes config.json (atomically). */
    public void writeConfig(String json) throws BadFileException {
        writeAtomically(dir.resolve(CONFIG), json + "\n");
    }

    /** Starts metrics.csv with its header (a new run). */
    public void startMetrics() throws BadFileException {
        rows.clear();
        writeMetrics();
    }

    /** Rewrites model.safetensors (atomically); the metadata says how far the weights were trained. */
    public void writeModel(ParamLayout layout, float[] params, Map<String, String> metadata) throws BadFileException {
        ModelFile.write(dir.resolve(MODEL), layout, params, metadata);
    }

    /** Rewrites model-best.safetensors (atomically). */
    public void writeBestModel(ParamLayout layout, float[] params, Map<String, String> metadata)
            throws BadFileException {
        ModelFile.write(dir.resolve(MODEL_BEST), layout, params, metadata);
    }

    /** Records an epoch and rewrites metrics.csv with it (atomically; call after the epoch's model is written). */
    public void appendEpoch(Row r) throws BadFileException {
        rows.add(r);
        try {
            writeMetrics();
        } catch (BadFileException e) {
            rows.remove(rows.size() - 1);
            throw e;
        }
    }

    /** The last epoch with a row in metrics.csv (0 when none). */
    int lastEpochWritten() {
        return rows.isEmpty() ? 0 : rows.get(rows.size() - 1).epoch();
    }

    private void writeMetrics() throws BadFileException {
        StringBuilder sb = new StringBuilder(header()).append('\n');
        for (Row r : rows) sb.append(line(r));
        writeAtomically(dir.resolve(METRICS), sb.toString());
    }

    private static String line(Row r) {
        return String.format(
                Locale.ROOT,
                "%d,%s,%.6f,%s,%s,%s,%s,%s,%.1f,%.3f,%s%n",
                r.epoch(),
                r.steps() < 0 ? "" : Long.toString(r.steps()),
                r.loss(),
                figure(r.train()),
                figure(r.validationLoss()),
                figure(r.validation()),
                figure(r.testLoss()),
                figure(r.test()),
                r.samplesPerSecond(),
                r.seconds(),
                Double.isNaN(r.learningRate()) ? "" : String.format(Locale.ROOT, "%.8g", r.learningRate()));
    }

    private static String figure(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    public void writeCurves(String title) throws IOException {
        int n = rows.size();
        double[] ep = new double[n], loss = new double[n];
        double[][] q = new double[3][n];
        int[] have = new int[3];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            ep[i] = r.epoch();
            loss[i] = r.loss();
            double[] v = {r.train(), r.validation(), r.test()};
            for (int k = 0; k < 3; k++) {
                if (!Double.isNaN(v[k])) q[k][have[k]++] = regression ? v[k] : 100 * v[k];
            }
        }
        String unit = regression ? "R²" : "accuracy %";
        String[] names = {"train", "validation", "test"};
        List<Plots.Series> s = new ArrayList<>();
        s.add(new Plots.Series("training loss (mean cost)", ep, loss, false));
        for (int k = 0; k < 3; k++)
            if (have[k] == n && n > 0) s.add(new Plots.Series(names[k] + " " + unit, ep, q[k], true));
        Plots.line(dir.resolve(CURVES), title, "epoch", "loss", unit, false, s);
    }
    /**
     * Replaces {@code file} with {@code text}: a temporary file unique to this write, then a rename. On failure
     * the temporary file is removed and the old file stays as it was.
     *
     * @throws BadFileException naming the file and the cause (e.g. "No space left on device")
     */
    static void writeAtomically(Path file, String text) throws BadFileException {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName() + ".", ".tmp");
            readableByAll(tmp); // createTempFile makes it owner-only; a run's files are for sharing
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw BadFileException.wrap(file, "write it", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // nothing more to do; the next run in this directory removes it
                }
            }
        }
    }

    private static void readableByAll(Path p) {
        try {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: keep the default
        }
    }

    /**
     * Removes the temporary files jbackprop's writes leave when cut short (under the lock, any such file is a dead
     * or finished write's).
     */
    static void removeTemporaries(Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (TEMP.matcher(p.getFileName().toString()).matches() && !Files.isSymbolicLink(p))
                    Files.deleteIfExists(p);
            }
            CheckpointDir.removeTemporaries(dir.resolve(CheckpointSaver.DIR));
        } catch (NoSuchFileException e) {
            // nothing there
        } catch (IOException | RuntimeException e) {
            // best effort: the next run in this directory removes them
        }
    }

    /** Removes this process's temporary files and releases the directory. Never throws. */
    @Override
    public void close() {
        closeKeepingLock();
        lock.close();
    }

    private void closeKeepingLock() {
        removeTemporaries(dir);
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs anyway
        }
    }

    /** The names jbackprop writes that are in the directory now. */
    static Set<String> present(Path dir) {
        return Set.copyOf(contents(dir).ours());
    }
}
