package dev.jbackprop.io;

import dev.jbackprop.engine.Trainer;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A training checkpoint: one safetensors file holding the whole training state, so that a resumed
 * run continues exactly where the saved one stood.
 *
 * <p>Tensors (F32, PyTorch {@code nn.Linear} layout as in model.safetensors):
 * {@code layers.{i}.weight} [n_out, n_in], {@code layers.{i}.bias} [n_out] and, with momentum,
 * the momentum buffer as {@code momentum_buffer.layers.{i}.weight} / {@code .bias}.
 *
 * <p>Metadata (strings): {@code format} "pt"; {@code jbackprop_checkpoint} "1" (format version);
 * {@code layers} "784,256,10"; {@code epochs_done}, {@code step_in_epoch}, {@code step};
 * {@code shuffler_state} (the shuffler at the start of epoch epochs_done + 1);
 * {@code epoch_loss_sum}, {@code epoch_correct}, {@code epoch_samples} (that epoch's metric sums so
 * far); {@code config} (the run's configuration, JSON); whatever the caller adds; and
 * {@code checksum} "crc32c:xxxxxxxx" over the other metadata and the tensor data.
 *
 * <p>A file is written to a temporary name in the same directory, forced to disk, renamed to
 * {@code ckpt-<step>.safetensors} and the directory forced, so a crash never leaves a partial file
 * under a checkpoint name; readers still verify everything (checksum included) and
 * {@link #latest} falls back to the previous checkpoint when the newest does not verify.
 */
public final class Checkpoint {
    public static final String VERSION_KEY = "jbackprop_checkpoint";
    public static final String VERSION = "1";
    public static final String CHECKSUM_KEY = "checksum";
    public static final String CONFIG_KEY = "config";
    public static final String MOMENTUM_PREFIX = "momentum_buffer.";
    /** Checkpoints kept in the directory (the newest ones). */
    public static final int KEEP = 2;

    private static final Pattern NAME = Pattern.compile("ckpt-(\\d{1,18})\\.safetensors");
    private static final String TEMP_PREFIX = ".ckpt-";

    private Checkpoint() {}

    /** A checkpoint as read back: its file, the trainer snapshot, the layer sizes and all metadata. */
    public record Loaded(Path file, Trainer.Snapshot snapshot, ParamLayout layout, Map<String, String> metadata) {
        public Trainer.State state() {
            return snapshot.state();
        }

        public String config() {
            return metadata.get(CONFIG_KEY);
        }
    }

    /** The name of the checkpoint taken after {@code step} steps. */
    public static String fileName(long step) {
        return String.format("ckpt-%09d.safetensors", step);
    }

    /** The step a checkpoint file name stands for, or -1 if it is not one. */
    public static long stepOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The checkpoint files in dir, newest (highest step) first. */
    public static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) if (stepOf(p) >= 0 && Files.isRegularFile(p)) out.add(p);
        }
        out.sort(Comparator.comparingLong(Checkpoint::stepOf).reversed());
        return out;
    }

    // ---- writing ---------------------------------------------------------------------------------

    /**
     * Writes the snapshot as {@code dir/ckpt-<step>.safetensors} (atomically) and deletes all but the
     * newest {@link #KEEP} checkpoints. Returns the file.
     */
    public static Path save(
            Path dir, ParamLayout layout, Trainer.Snapshot snap, String configJson, Map<String, String> extra)
            throws BadFileException {
        Path file = dir.resolve(fileName(snap.state().steps()));
        write(file, layout, snap, configJson, extra);
        prune(dir, KEEP);
        return file;
    }

    /** Writes one checkpoint file atomically (temporary file, fsync, rename, fsync of the directory). */
    public static void write(
            Path file, ParamLayout layout, Trainer.Snapshot snap, String configJson, Map<String, String> extra)
            throws BadFileException {
        checkLength(layout, snap.params(), "parameter");
        if (snap.velocity() != null) checkLength(layout, snap.velocity(), "momentum");
        for (int i = 0; i < snap.params().length; i++) {
            if (!Float.isFinite(snap.params()[i]))
                throw new IllegalArgumentException("refusing to checkpoint a non-finite parameter (index " + i + ")");
        }
        List<String> names = tensorNames(layout, snap.velocity() != null);
        List<float[]> data = new ArrayList<>();
        for (float[] block :
                snap.velocity() != null ? List.of(snap.params(), snap.velocity()) : List.of(snap.params())) {
            for (int l = 0; l < layout.layers(); l++) {
                data.add(SafeTensors.rowMajorWeights(layout, block, l));
                data.add(Arrays.copyOfRange(
                        block, (int) layout.biasOffset(l), (int) (layout.biasOffset(l) + layout.nOut(l))));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(VERSION_KEY, VERSION);
        meta.put("layers", ParamLayout.sizesText(layout.sizes()));
        Trainer.State st = snap.state();
        meta.put("epochs_done", Integer.toString(st.epochsDone()));
        meta.put("step_in_epoch", Integer.toString(st.stepInEpoch()));
        meta.put("step", Long.toString(st.steps()));
        meta.put("shuffler_state", Long.toString(st.shuffler()));
        meta.put("epoch_loss_sum", Double.toString(st.lossSum()));
        meta.put("epoch_correct", Long.toString(st.correct()));
        meta.put("epoch_samples", Long.toString(st.samples()));
        meta.put(CONFIG_KEY, configJson == null ? "{}" : configJson);
        if (extra != null) {
            for (Map.Entry<String, String> e : extra.entrySet()) {
                if (meta.containsKey(e.getKey()) || e.getKey().equals(CHECKSUM_KEY)) {
                    throw new IllegalArgumentException("checkpoint metadata key '" + e.getKey() + "' is reserved");
                }
                meta.put(e.getKey(), e.getValue());
            }
        }
        meta.put(CHECKSUM_KEY, checksum(meta, data));

        List<long[]> shapes = new ArrayList<>();
        for (String n : names) shapes.add(shapeOf(layout, n));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw BadFileException.wrap(file, "create the checkpoint directory", e);
        }
        SafeTensors.writeAll(file, names, shapes, data, meta, "write the checkpoint");
    }

    /** Deletes all but the newest {@code keep} checkpoints in dir. */
    public static void prune(Path dir, int keep) throws BadFileException {
        try {
            List<Path> all = list(dir);
            for (int i = keep; i < all.size(); i++) Files.deleteIfExists(all.get(i));
        } catch (IOException e) {
            throw BadFileException.wrap(dir, "remove old checkpoints", e);
        }
    }

    /** Removes every checkpoint and temporary file in dir (a fresh run into a directory that held one). */
    public static void clear(Path dir) throws BadFileException {
        try {
            for (Path p : list(dir)) Files.deleteIfExists(p);
            removeTemporaries(dir);
        } catch (IOException e) {
            throw BadFileException.wrap(dir, "remove old checkpoints", e);
        }
    }

    /** Deletes the temporary files that writes cut short by a crash leave behind; returns how many. */
    public static int removeTemporaries(Path dir) throws IOException {
        int n = 0;
        if (!Files.isDirectory(dir)) return 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TEMP_PREFIX + "*.tmp")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                n++;
            }
        }
        return n;
    }

    /**
     * Holds an exclusive lock on {@code dir/.lock} while a run writes checkpoints there; the OS drops
     * it when the process dies.
     *
     * @throws IllegalStateException when another process holds it
     */
    public static AutoCloseable lock(Path dir) throws BadFileException {
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null)
                throw new IllegalStateException(dir + " is in use by another jbackprop process training the same run");
            FileChannel held = ch;
            ch = null;
            return () -> {
                lock.release();
                held.close();
            };
        } catch (OverlappingFileLockException e) {
            throw new IllegalStateException(dir + " is in use by another training run in this process", e);
        } catch (IOException e) {
            throw BadFileException.wrap(dir, "lock the checkpoint directory", e);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // nothing to release
                }
            }
        }
    }

    // ---- reading ---------------------------------------------------------------------------------

    /**
     * The newest checkpoint in dir that reads back whole and verifies; each newer one that does not is
     * reported to {@code warn} (one line each) and skipped. Returns null when there is none.
     */
    public static Loaded latest(Path dir, Consumer<String> warn) throws IOException {
        for (Path p : list(dir)) {
            try {
                return read(p);
            } catch (BadFileException e) {
                warn.accept("skipping checkpoint " + e.getMessage() + "; trying the previous one");
            } catch (RuntimeException e) {
                warn.accept("skipping checkpoint " + p + ": unreadable (" + e + "); trying the previous one");
            }
        }
        return null;
    }

    /**
     * Renames the checkpoints in dir newer than {@code kept} (those {@link #latest} skipped) to
     * {@code *.corrupt}, so later resumes and pruning ignore them. Returns how many.
     */
    public static int setAsideNewer(Path dir, Loaded kept) throws IOException {
        long step = stepOf(kept.file());
        int n = 0;
        for (Path p : list(dir)) {
            if (stepOf(p) > step) {
                Files.move(p, p.resolveSibling(p.getFileName() + ".corrupt"), StandardCopyOption.REPLACE_EXISTING);
                n++;
            }
        }
        return n;
    }

    /** Reads and verifies one checkpoint file. */
    public static Loaded read(Path file) throws BadFileException {
        Map<String, String> meta = SafeTensors.readMetadata(file);
        if (!meta.containsKey(VERSION_KEY)) {
            throw new BadFileException(
                    file, "is not a jbackprop checkpoint (no '" + VERSION_KEY + "' in its metadata)");
        }
        if (!VERSION.equals(meta.get(VERSION_KEY))) {
            throw new BadFileException(
                    file,
                    "is a version " + meta.get(VERSION_KEY) + " checkpoint; this jbackprop reads version " + VERSION);
        }
        ParamLayout layout;
        try {
            layout = new ParamLayout(parseSizes(required(file, meta, "layers")));
        } catch (IllegalArgumentException e) {
            throw new BadFileException(file, "metadata 'layers' is invalid: " + e.getMessage());
        }
        Map<String, SafeTensors.Tensor> tensors = SafeTensors.readTensors(file);
        boolean momentum = tensors.containsKey(MOMENTUM_PREFIX + SafeTensors.weightName(0));
        List<String> names = tensorNames(layout, momentum);
        if (!tensors.keySet().equals(new java.util.HashSet<>(names))) {
            throw new BadFileException(
                    file,
                    "holds tensors " + tensors.keySet() + "; a checkpoint of a " + ParamLayout.sizesText(layout.sizes())
                            + " network holds " + names);
        }
        List<float[]> data = new ArrayList<>();
        for (String n : names) {
            SafeTensors.Tensor t = tensors.get(n);
            if (!t.dtype().equals("F32") || !Arrays.equals(t.shape(), shapeOf(layout, n))) {
                throw new BadFileException(
                        file, "tensor '" + n + "' is " + t + ", expected F32" + Arrays.toString(shapeOf(layout, n)));
            }
            data.add(t.data());
        }
        Map<String, String> rest = new LinkedHashMap<>(meta);
        String sum = rest.remove(CHECKSUM_KEY);
        if (sum == null) throw new BadFileException(file, "has no checksum in its metadata");
        String actual = checksum(rest, data);
        if (!sum.equals(actual)) {
            throw new BadFileException(
                    file, "checksum mismatch (stored " + sum + ", computed " + actual + "); the file is corrupt");
        }
        int total = Math.toIntExact(layout.total());
        float[] params = new float[total];
        float[] velocity = momentum ? new float[total] : null;
        for (int b = 0; b < (momentum ? 2 : 1); b++) {
            float[] block = b == 0 ? params : velocity;
            for (int l = 0; l < layout.layers(); l++) {
                float[] w = data.get(2 * layout.layers() * b + 2 * l);
                float[] bias = data.get(2 * layout.layers() * b + 2 * l + 1);
                int nOut = layout.nOut(l), nIn = layout.nIn(l);
                int wOff = (int) layout.weightOffset(l);
                for (int j = 0; j < nOut; j++)
                    for (int k = 0; k < nIn; k++) block[wOff + k * nOut + j] = w[j * nIn + k];
                System.arraycopy(bias, 0, block, (int) layout.biasOffset(l), nOut);
            }
        }
        for (float[] block : momentum ? List.of(params, velocity) : List.of(params)) {
            for (float v : block)
                if (!Float.isFinite(v)) throw new BadFileException(file, "holds a NaN or infinite parameter");
        }
        Trainer.State st = new Trainer.State(
                intField(file, meta, "epochs_done"),
                intField(file, meta, "step_in_epoch"),
                longField(file, meta, "step"),
                longField(file, meta, "shuffler_state"),
                doubleField(file, meta, "epoch_loss_sum"),
                longField(file, meta, "epoch_correct"),
                longField(file, meta, "epoch_samples"));
        long named = stepOf(file);
        if (named >= 0 && named != st.steps()) {
            throw new BadFileException(
                    file, "is named for step " + named + " but holds the state after step " + st.steps());
        }
        return new Loaded(file, new Trainer.Snapshot(st, params, velocity), layout, meta);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static List<String> tensorNames(ParamLayout layout, boolean momentum) {
        List<String> names = new ArrayList<>();
        for (String prefix : momentum ? List.of("", MOMENTUM_PREFIX) : List.of("")) {
            for (int l = 0; l < layout.layers(); l++) {
                names.add(prefix + SafeTensors.weightName(l));
                names.add(prefix + SafeTensors.biasName(l));
            }
        }
        return names;
    }

    private static long[] shapeOf(ParamLayout layout, String name) {
        String n = name.startsWith(MOMENTUM_PREFIX) ? name.substring(MOMENTUM_PREFIX.length()) : name;
        int l = Integer.parseInt(n.substring("layers.".length(), n.lastIndexOf('.')));
        return n.endsWith(".weight") ? new long[] {layout.nOut(l), layout.nIn(l)} : new long[] {layout.nOut(l)};
    }

    /** CRC-32C over the metadata (sorted key=value lines) and the tensors' bytes in order. */
    private static String checksum(Map<String, String> meta, List<float[]> data) {
        CRC32C crc = new CRC32C();
        for (Map.Entry<String, String> e : new TreeMap<>(meta).entrySet()) {
            crc.update((e.getKey() + "=" + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] t : data) {
            for (float v : t) {
                if (!buf.hasRemaining()) {
                    crc.update(buf.flip());
                    buf.clear();
                }
                buf.putInt(Float.floatToRawIntBits(v));
            }
        }
        crc.update(buf.flip());
        return String.format("crc32c:%08x", crc.getValue());
    }

    private static void checkLength(ParamLayout layout, float[] block, String what) {
        if (block.length != layout.total()) {
            throw new IllegalArgumentException(
                    what + " block has " + block.length + " values but the layout needs " + layout.total());
        }
    }

    private static int[] parseSizes(String text) {
        String[] parts = text.split(",");
        int[] s = new int[parts.length];
        for (int i = 0; i < parts.length; i++) s[i] = Integer.parseInt(parts[i].trim());
        return s;
    }

    private static String required(Path file, Map<String, String> meta, String key) throws BadFileException {
        String v = meta.get(key);
        if (v == null) throw new BadFileException(file, "has no '" + key + "' in its metadata");
        return v;
    }

    private static int intField(Path file, Map<String, String> meta, String key) throws BadFileException {
        long v = longField(file, meta, key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)
            throw new BadFileException(file, "metadata '" + key + "' is out of range: " + v);
        return (int) v;
    }

    private static long longField(Path file, Map<String, String> meta, String key) throws BadFileException {
        try {
            return Long.parseLong(required(file, meta, key));
        } catch (NumberFormatException e) {
            throw new BadFileException(file, "metadata '" + key + "' is not a whole number: " + meta.get(key));
        }
    }

    private static double doubleField(Path file, Map<String, String> meta, String key) throws BadFileException {
        try {
            return Double.parseDouble(required(file, meta, key));
        } catch (NumberFormatException e) {
            throw new BadFileException(file, "metadata '" + key + "' is not a number: " + meta.get(key));
        }
    }
}
