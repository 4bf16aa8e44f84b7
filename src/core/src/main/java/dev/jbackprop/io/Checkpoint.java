package dev.jbackprop.io;

import dev.jbackprop.model.ParamLayout;
import dev.jbackprop.model.TrainingSnapshot;
import dev.jbackprop.model.TrainingState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * One training checkpoint file: a safetensors file holding the whole training state, so that a resumed
 * run continues exactly where the saved one stood. {@link CheckpointDir} keeps a run's checkpoints.
 *
 * <p>Tensors (F32, PyTorch {@code nn.Linear} layout as in {@link ModelFile}):
 * {@code layers.{i}.weight} [n_out, n_in], {@code layers.{i}.bias} [n_out] and the optimiser's state per
 * parameter under the names of PyTorch's optimizer state, prefixed to the parameter's name: with momentum,
 * {@code momentum_buffer.layers.{i}.weight} / {@code .bias} (for sgd jbackprop's velocity v = −η·b, as 0.1.0
 * wrote it; for nesterov PyTorch's b itself); for adam and adamw {@code exp_avg.…} and {@code exp_avg_sq.…}.
 * The optimiser's step count (PyTorch's {@code step}) is the checkpoint's {@code step}.
 *
 * <p>Metadata (strings): {@code format} "pt"; {@code jbackprop_checkpoint} "1" (format version);
 * {@code layers} "784,256,10"; {@code epochs_done}, {@code step_in_epoch}, {@code step};
 * {@code shuffler_state} (the shuffler at the start of epoch epochs_done + 1);
 * {@code epoch_loss_sum}, {@code epoch_correct}, {@code epoch_samples} (that epoch's metric sums so
 * far); {@code loss_reference} (the divergence guard's reference cost, once measured); {@code config} (the run's
 * configuration, JSON); whatever the caller adds; and
 * {@code checksum} "crc32c:xxxxxxxx" over the other metadata and the tensor data.
 *
 * <p>A file is written to a temporary name in the same directory, forced to disk, renamed and the
 * directory forced, so a crash never leaves a partial file under the file's name; {@link #read} still
 * verifies everything, checksum included.
 */
public final class Checkpoint {
    /** The metadata key of the format version. */
    public static final String VERSION_KEY = "jbackprop_checkpoint";
    /** The format version this class writes and reads. */
    public static final String VERSION = "1";
    /** The metadata key of the checksum. */
    public static final String CHECKSUM_KEY = "checksum";
    /** The metadata key of the run's configuration (JSON). */
    public static final String CONFIG_KEY = "config";
    /** The metadata key of the divergence guard's reference cost (absent in older checkpoints). */
    public static final String LOSS_REFERENCE_KEY = "loss_reference";
    /** The prefix of the momentum buffer's tensor names. */
    public static final String MOMENTUM_PREFIX = "momentum_buffer.";
    /** The prefix of Adam's first moment's tensor names. */
    public static final String EXP_AVG_PREFIX = "exp_avg.";
    /** The prefix of Adam's second moment's tensor names. */
    public static final String EXP_AVG_SQ_PREFIX = "exp_avg_sq.";

    private static final List<String> STATE_PREFIXES = List.of(MOMENTUM_PREFIX, EXP_AVG_PREFIX, EXP_AVG_SQ_PREFIX);

    private Checkpoint() {}

    /** A checkpoint as read back: its file, the trainer snapshot, the layer sizes and all metadata. */
    public record Loaded(Path file, TrainingSnapshot snapshot, ParamLayout layout, Map<String, String> metadata) {
        /** Where training stood. */
        public TrainingState state() {
            return snapshot.state();
        }

        /** The run's configuration as stored (JSON). */
        public String config() {
            return metadata.get(CONFIG_KEY);
        }
    }

    /** Writes one checkpoint file atomically (temporary file, fsync, rename, fsync of the directory). */
    public static void write(
            Path file, ParamLayout layout, TrainingSnapshot snap, String configJson, Map<String, String> extra)
            throws BadFileException {
        checkLength(layout, snap.params(), "parameter");
        if (snap.velocity() != null) checkLength(layout, snap.velocity(), "momentum");
        if (snap.secondMoment() != null) {
            checkLength(layout, snap.secondMoment(), "second moment");
            if (snap.velocity() == null)
                throw new IllegalArgumentException("a second moment (exp_avg_sq) needs its first (exp_avg)");
        }
        for (int i = 0; i < snap.params().length; i++) {
            if (!Float.isFinite(snap.params()[i]))
                throw new IllegalArgumentException("refusing to checkpoint a non-finite parameter (index " + i + ")");
        }
        List<String> prefixes = prefixes(snap.velocity() != null, snap.secondMoment() != null);
        List<String> names = tensorNames(layout, prefixes);
        List<float[]> data = new ArrayList<>();
        List<float[]> blocks = new ArrayList<>(List.of(snap.params()));
        if (snap.velocity() != null) blocks.add(snap.velocity());
        if (snap.secondMoment() != null) blocks.add(snap.secondMoment());
        for (float[] block : blocks) {
            for (int l = 0; l < layout.layers(); l++) {
                data.add(ModelFile.rowMajorWeights(layout, block, l));
                data.add(Arrays.copyOfRange(
                        block, (int) layout.biasOffset(l), (int) (layout.biasOffset(l) + layout.nOut(l))));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(VERSION_KEY, VERSION);
        meta.put("layers", ParamLayout.sizesText(layout.sizes()));
        TrainingState st = snap.state();
        meta.put("epochs_done", Integer.toString(st.epochsDone()));
        meta.put("step_in_epoch", Integer.toString(st.stepInEpoch()));
        meta.put("step", Long.toString(st.steps()));
        meta.put("shuffler_state", Long.toString(st.shuffler()));
        meta.put("epoch_loss_sum", Double.toString(st.lossSum()));
        meta.put("epoch_correct", Long.toString(st.correct()));
        meta.put("epoch_samples", Long.toString(st.samples()));
        if (!Double.isNaN(st.lossReference())) meta.put(LOSS_REFERENCE_KEY, Double.toString(st.lossReference()));
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
        boolean adaptive = tensors.containsKey(EXP_AVG_PREFIX + ModelFile.weightName(0));
        boolean momentum = adaptive || tensors.containsKey(MOMENTUM_PREFIX + ModelFile.weightName(0));
        List<String> names = tensorNames(layout, prefixes(momentum, adaptive));
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
        float[] second = adaptive ? new float[total] : null;
        List<float[]> blocks = new ArrayList<>(List.of(params));
        if (momentum) blocks.add(velocity);
        if (adaptive) blocks.add(second);
        for (int b = 0; b < blocks.size(); b++) {
            float[] block = blocks.get(b);
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
        for (float[] block : blocks) {
            for (float v : block)
                if (!Float.isFinite(v)) throw new BadFileException(file, "holds a NaN or infinite parameter");
        }
        TrainingState st = new TrainingState(
                intField(file, meta, "epochs_done"),
                intField(file, meta, "step_in_epoch"),
                longField(file, meta, "step"),
                longField(file, meta, "shuffler_state"),
                doubleField(file, meta, "epoch_loss_sum"),
                longField(file, meta, "epoch_correct"),
                longField(file, meta, "epoch_samples"),
                meta.containsKey(LOSS_REFERENCE_KEY) ? doubleField(file, meta, LOSS_REFERENCE_KEY) : Double.NaN);
        checkState(file, st);
        long named = CheckpointDir.stepOf(file);
        if (named >= 0 && named != st.steps()) {
            throw new BadFileException(
                    file, "is named for step " + named + " but holds the state after step " + st.steps());
        }
        return new Loaded(file, new TrainingSnapshot(st, params, velocity, second), layout, meta);
    }

    /**
     * The values no training run can produce: a corrupt (or forged) file, whatever its checksum says.
     *
     * @throws BadFileException naming the field
     */
    private static void checkState(Path file, TrainingState st) throws BadFileException {
        impossible(file, st.epochsDone() < 0, "epochs_done", st.epochsDone(), "0 or more");
        impossible(file, st.stepInEpoch() < 0, "step_in_epoch", st.stepInEpoch(), "0 or more");
        impossible(file, st.steps() < 0, "step", st.steps(), "0 or more");
        impossible(
                file,
                st.steps() < st.stepInEpoch(),
                "step",
                st.steps(),
                "at least step_in_epoch (" + st.stepInEpoch() + ")");
        impossible(
                file,
                st.epochsDone() > 0 && st.steps() < st.epochsDone(),
                "step",
                st.steps(),
                "at least one per epoch done (" + st.epochsDone() + ")");
        impossible(file, st.samples() < 0, "epoch_samples", st.samples(), "0 or more");
        impossible(
                file,
                st.correct() < 0 || st.correct() > st.samples(),
                "epoch_correct",
                st.correct(),
                "between 0 and epoch_samples (" + st.samples() + ")");
        impossible(file, !Double.isFinite(st.lossSum()), "epoch_loss_sum", st.lossSum(), "a finite number");
        impossible(
                file,
                !Double.isNaN(st.lossReference())
                        && !(st.lossReference() >= 0 && st.lossReference() < Double.MAX_VALUE),
                LOSS_REFERENCE_KEY,
                st.lossReference(),
                "a finite number, 0 or more");
    }

    private static void impossible(Path file, boolean bad, String key, Object value, String must)
            throws BadFileException {
        if (bad)
            throw new BadFileException(file, "is corrupt: metadata '" + key + "' is " + value + "; it must be " + must);
    }

    /**
     * True when the file's metadata says it is a jbackprop checkpoint (of any version, whole or not); false for
     * anything else, a file that is not safetensors included.
     *
     * @param file a file
     * @return whether jbackprop wrote it as a checkpoint
     */
    public static boolean writtenByJbackprop(Path file) {
        try {
            return SafeTensors.readMetadata(file).containsKey(VERSION_KEY);
        } catch (BadFileException e) {
            return false;
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** "" for the parameters, then the state's prefixes: momentum_buffer, or exp_avg and exp_avg_sq. */
    private static List<String> prefixes(boolean firstState, boolean secondState) {
        if (secondState) return List.of("", EXP_AVG_PREFIX, EXP_AVG_SQ_PREFIX);
        return firstState ? List.of("", MOMENTUM_PREFIX) : List.of("");
    }

    private static List<String> tensorNames(ParamLayout layout, List<String> prefixes) {
        List<String> names = new ArrayList<>();
        for (String prefix : prefixes) {
            for (int l = 0; l < layout.layers(); l++) {
                names.add(prefix + ModelFile.weightName(l));
                names.add(prefix + ModelFile.biasName(l));
            }
        }
        return names;
    }

    private static long[] shapeOf(ParamLayout layout, String name) {
        String n = name;
        for (String prefix : STATE_PREFIXES) if (name.startsWith(prefix)) n = name.substring(prefix.length());
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
