package dev.jbackprop.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbackprop.io.SafeTensorsHeader.Entry;
import dev.jbackprop.io.SafeTensorsHeader.Header;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network's parameters as a safetensors file ({@link SafeTensors}) in the layout of PyTorch's
 * {@code nn.Linear} layers: {@code layers.{i}.weight} of shape [n_out, n_in] (row-major) and
 * {@code layers.{i}.bias} of shape [n_out], F32 little-endian, so {@code load_state_dict} takes them as
 * they are; and the model metadata: under {@link #NETWORK_KEY}, a JSON object whose {@code layers},
 * {@code activations} and {@code cost} say what network the file holds (jbackprop writes its run
 * configuration there); from jbackprop train also {@link #DATA_KEY} (task, class, feature and target names),
 * {@link #NORMALIZATION_KEY} (the inputs' scaling statistics) and {@link #TRAINED_KEY} (epochs and steps).
 */
public final class ModelFile {
    /** The metadata key whose JSON value describes the network (and, from jbackprop train, the whole run). */
    public static final String NETWORK_KEY = "jbackprop";
    /**
     * How far the weights in a model file were trained: complete epochs and steps in all (steps past the last
     * complete epoch when training stopped inside one).
     *
     * @param epochs complete epochs
     * @param steps steps in all
     */
    public record Progress(int epochs, long steps) {}

    /**
     * The metadata key of what the model knows of its data (dev.jbackprop.data.DataSchema as JSON): the task,
     * the number of features and how they were stored, the feature names, the class names in output order, the
     * target names.
     */
    public static final String DATA_KEY = "jbackprop_data";

    /** The metadata key of the normalisation of the inputs (dev.jbackprop.data.Normalization as JSON). */
    public static final String NORMALIZATION_KEY = "jbackprop_normalization";

    /** The metadata key of how far the weights were trained: {@code {"epochs": E, "steps": S}} (0 and 0: the init). */
    public static final String TRAINED_KEY = "jbackprop_trained";

    private ModelFile() {}

    /** A model file whose {@link #NETWORK_KEY} metadata does not describe a valid network. */
    public static final class InvalidMetadataException extends BadFileException {
        private static final long serialVersionUID = 1L;

        InvalidMetadataException(Path file, String problem) {
            super(file, problem);
        }
    }

    /** Name of layer l's weight tensor. */
    public static String weightName(int l) {
        return "layers." + l + ".weight";
    }

    /** Name of layer l's bias tensor. */
    public static String biasName(int l) {
        return "layers." + l + ".bias";
    }

    /**
     * Writes {@code params} (laid out by {@code layout}) atomically: to a temporary file in the same
     * directory, flushed to disk, then renamed over {@code file}. The metadata gets
     * {@code "format": "pt"} unless it names a format (Hugging Face tools expect it).
     *
     * @throws IllegalArgumentException if {@code params} does not fit the layout or holds a non-finite value
     * @throws BadFileException if the file cannot be written
     */
    public static void write(Path file, ParamLayout layout, float[] params, Map<String, String> metadata)
            throws BadFileException {
        if (params.length != layout.total()) {
            throw new IllegalArgumentException(
                    "parameter block has " + params.length + " values but the layout needs " + layout.total());
        }
        for (int l = 0; l < layout.layers(); l++) {
            checkFinite(layout, params, l);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        if (metadata != null) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null)
                    throw new IllegalArgumentException("metadata keys and values must not be null");
                meta.put(e.getKey(), e.getValue());
            }
        }
        meta.putIfAbsent("format", "pt");

        List<String> names = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        for (int l = 0; l < layout.layers(); l++) {
            names.add(weightName(l));
            shapes.add(new long[] {layout.nOut(l), layout.nIn(l)});
            data.add(rowMajorWeights(layout, params, l));
            names.add(biasName(l));
            shapes.add(new long[] {layout.nOut(l)});
            int b = (int) layout.biasOffset(l);
            data.add(Arrays.copyOfRange(params, b, b + layout.nOut(l)));
        }
        SafeTensors.writeAll(file, names, shapes, data, meta, "write the safetensors file");
    }

    /** Layer l's weights, column-major in the block, as the row-major [n_out, n_in] array PyTorch stores. */
    public static float[] rowMajorWeights(ParamLayout layout, float[] block, int l) {
        int nIn = layout.nIn(l), nOut = layout.nOut(l), w = (int) layout.weightOffset(l);
        float[] out = new float[nIn * nOut];
        for (int j = 0; j < nOut; j++) {
            for (int k = 0; k < nIn; k++) out[j * nIn + k] = block[w + k * nOut + j];
        }
        return out;
    }

    private static void checkFinite(ParamLayout layout, float[] p, int l) {
        int nOut = layout.nOut(l);
        for (int k = 0; k < layout.nIn(l); k++) {
            for (int j = 0; j < nOut; j++) {
                float v = p[(int) layout.w(l, j, k)];
                if (!Float.isFinite(v))
                    throw new IllegalArgumentException(
                            "refusing to save: " + weightName(l) + "[" + j + ", " + k + "] is " + v);
            }
        }
        for (int j = 0; j < nOut; j++) {
            float v = p[(int) layout.b(l, j)];
            if (!Float.isFinite(v))
                throw new IllegalArgumentException("refusing to save: " + biasName(l) + "[" + j + "] is " + v);
        }
    }

    /**
     * Reads the parameters of the network {@code expected} describes, in its layout (weights
     * column-major). The file must hold exactly the tensors layers.{i}.weight [n_out, n_in] and
     * layers.{i}.bias [n_out], all F32 and finite.
     */
    public static float[] read(Path file, ParamLayout expected) throws BadFileException {
        try (FileChannel ch = SafeTensors.open(file)) {
            Header h = SafeTensorsHeader.parse(file, ch);
            Map<String, Entry> byName = new LinkedHashMap<>();
            for (Entry e : h.tensors()) byName.put(e.name(), e);
            String want = ParamLayout.sizesText(expected.sizes());
            Set<String> expectedNames = new HashSet<>();
            for (int l = 0; l < expected.layers(); l++) {
                expectedNames.add(weightName(l));
                expectedNames.add(biasName(l));
                checkTensor(
                        file,
                        h,
                        byName.get(weightName(l)),
                        weightName(l),
                        new long[] {expected.nOut(l), expected.nIn(l)},
                        want);
                checkTensor(file, h, byName.get(biasName(l)), biasName(l), new long[] {expected.nOut(l)}, want);
            }
            for (Entry e : h.tensors()) {
                if (!expectedNames.contains(e.name())) {
                    throw new BadFileException(
                            file,
                            "holds tensor '" + e.name() + "' " + e.dtype() + Arrays.toString(e.shape()) + " that a "
                                    + want + " network does not have; " + seems(h));
                }
            }
            if (expected.total() > Integer.MAX_VALUE - 8) {
                throw new BadFileException(file, "a " + want + " network has too many parameters for one array");
            }
            float[] params = new float[(int) expected.total()];
            for (int l = 0; l < expected.layers(); l++) {
                int nIn = expected.nIn(l);
                int nOut = expected.nOut(l);
                float[] w = SafeTensors.readF32(file, ch, h, byName.get(weightName(l)));
                int wOff = (int) expected.weightOffset(l);
                for (int j = 0; j < nOut; j++) {
                    for (int k = 0; k < nIn; k++) {
                        float v = w[j * nIn + k];
                        if (!Float.isFinite(v)) {
                            throw new BadFileException(
                                    file,
                                    "tensor '" + weightName(l) + "' element [" + j + ", " + k + "] (index "
                                            + (j * nIn + k) + ") is " + v + "; the saved network had diverged");
                        }
                        params[wOff + k * nOut + j] = v;
                    }
                }
                float[] b = SafeTensors.readF32(file, ch, h, byName.get(biasName(l)));
                int bOff = (int) expected.biasOffset(l);
                for (int j = 0; j < nOut; j++) {
                    if (!Float.isFinite(b[j])) {
                        throw new BadFileException(
                                file,
                                "tensor '" + biasName(l) + "' element [" + j + "] is " + b[j]
                                        + "; the saved network had diverged");
                    }
                    params[bOff + j] = b[j];
                }
            }
            return params;
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file", e);
        }
    }

    private static void checkTensor(Path file, Header h, Entry e, String name, long[] shape, String want)
            throws BadFileException {
        if (e == null) {
            throw new BadFileException(
                    file, "has no tensor '" + name + "' that a " + want + " network needs; " + seems(h));
        }
        if (!e.dtype().equals("F32")) {
            throw new BadFileException(
                    file,
                    "tensor '" + name + "' has dtype " + e.dtype() + "; parameters must be F32 "
                            + "(in PyTorch, save model.float().state_dict())");
        }
        if (!Arrays.equals(e.shape(), shape)) {
            throw new BadFileException(
                    file,
                    "tensor '" + name + "' has shape " + Arrays.toString(e.shape()) + ", expected "
                            + Arrays.toString(shape) + " for a " + want + " network; " + seems(h));
        }
    }

    /**
     * The layer sizes n_1 … n_L of the network the file holds, from the shapes of its
     * layers.{i}.weight tensors.
     *
     * @throws BadFileException if the file is invalid or its tensors do not form such a network
     */
    public static int[] readSizes(Path file) throws BadFileException {
        try (FileChannel ch = SafeTensors.open(file)) {
            Header h = SafeTensorsHeader.parse(file, ch);
            int[] sizes = inferSizes(h);
            if (sizes == null) {
                throw new BadFileException(
                        file,
                        "its tensors do not form a chain of layers.{i}.weight [n_out, n_in] and "
                                + "layers.{i}.bias [n_out]; it holds " + listTensors(h));
            }
            return sizes;
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file", e);
        }
    }

    /**
     * The network a model file's metadata describes ({@link #NETWORK_KEY}: its {@code layers},
     * {@code activations} and {@code cost}), or null when the file has no such metadata.
     *
     * @param file a safetensors file
     * @return the network, or null
     * @throws InvalidMetadataException when the metadata does not describe a valid network
     * @throws BadFileException when the file is invalid
     */
    public static NetworkSpec network(Path file) throws BadFileException {
        String json = SafeTensors.readMetadata(file).get(NETWORK_KEY);
        if (json == null) return null;
        try {
            JsonNode c = SafeTensorsHeader.JSON.readTree(json);
            List<Integer> sizes = new ArrayList<>();
            c.get("layers").forEach(n -> sizes.add(n.asInt()));
            List<Activation> acts = new ArrayList<>();
            c.get("activations").forEach(n -> acts.add(Activation.parse(n.asText())));
            return new NetworkSpec(
                    sizes.stream().mapToInt(Integer::intValue).toArray(),
                    acts,
                    Cost.parse(c.get("cost").asText()));
        } catch (IOException | RuntimeException ex) {
            throw new InvalidMetadataException(
                    file,
                    "its " + NETWORK_KEY + " metadata does not describe a valid network (" + ex.getMessage() + ")");
        }
    }

    /**
     * The value of {@link #TRAINED_KEY} for weights trained for {@code epochs} complete epochs and {@code steps} steps.
     *
     * @param epochs complete epochs
     * @param steps steps in all
     * @return {@code {"epochs":E,"steps":S}}
     */
    public static String trained(int epochs, long steps) {
        return "{\"epochs\":" + epochs + ",\"steps\":" + steps + "}";
    }

    /**
     * How far the weights were trained, from the metadata {@link #TRAINED_KEY}, or null when the file does not say
     * (a file jbackprop did not write, or one from before 0.2).
     *
     * @param file a safetensors file
     * @return the progress, or null
     * @throws BadFileException when the file is invalid or the values are impossible (the file is corrupt)
     */
    public static Progress progress(Path file) throws BadFileException {
        String t = SafeTensors.readMetadata(file).get(TRAINED_KEY);
        if (t == null) return null;
        JsonNode o;
        try {
            o = SafeTensorsHeader.JSON.readTree(t);
        } catch (IOException e) {
            o = null;
        }
        if (o == null || !o.isObject())
            throw new BadFileException(file, "is corrupt: metadata '" + TRAINED_KEY + "' is not a JSON object");
        long epochs = wholeField(file, o, "epochs"), steps = wholeField(file, o, "steps");
        if (epochs > Integer.MAX_VALUE)
            throw new BadFileException(
                    file, "is corrupt: metadata '" + TRAINED_KEY + "' has epochs " + epochs + "; too large");
        if (steps < epochs)
            throw new BadFileException(
                    file,
                    "is corrupt: metadata '" + TRAINED_KEY + "' has steps " + steps
                            + "; it must be at least its epochs (" + epochs + "), one step per epoch");
        return new Progress((int) epochs, steps);
    }

    private static long wholeField(Path file, JsonNode o, String key) throws BadFileException {
        JsonNode v = o.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong())
            throw new BadFileException(
                    file,
                    "is corrupt: metadata '" + TRAINED_KEY + "' has " + key + " " + (v == null ? "missing" : v)
                            + ", not a whole number");
        long n = v.longValue();
        if (n < 0)
            throw new BadFileException(
                    file, "is corrupt: metadata '" + TRAINED_KEY + "' has " + key + " " + n + "; it must be 0 or more");
        return n;
    }

    /**
     * True when the file's metadata says jbackprop wrote it (a {@link #NETWORK_KEY} entry); false for anything
     * else, a file that is not safetensors included.
     *
     * @param file a file
     * @return whether it is a jbackprop model file
     */
    public static boolean writtenByJbackprop(Path file) {
        try {
            return SafeTensors.readMetadata(file).containsKey(NETWORK_KEY);
        } catch (BadFileException e) {
            return false;
        }
    }

    // ---- describing what a file holds ------------------------------------------------------------

    private static int[] inferSizes(Header h) {
        Map<String, Entry> byName = new LinkedHashMap<>();
        for (Entry e : h.tensors()) byName.put(e.name(), e);
        int layers = 0;
        while (byName.containsKey(weightName(layers))) layers++;
        if (layers == 0 || byName.size() != 2 * layers) return null;
        int[] sizes = new int[layers + 1];
        for (int l = 0; l < layers; l++) {
            Entry w = byName.get(weightName(l));
            Entry b = byName.get(biasName(l));
            if (b == null || w.shape().length != 2 || b.shape().length != 1 || b.shape()[0] != w.shape()[0])
                return null;
            if (w.shape()[0] < 1
                    || w.shape()[1] < 1
                    || w.shape()[0] > Integer.MAX_VALUE
                    || w.shape()[1] > Integer.MAX_VALUE) return null;
            if (l == 0) sizes[0] = (int) w.shape()[1];
            else if (w.shape()[1] != sizes[l]) return null;
            sizes[l + 1] = (int) w.shape()[0];
        }
        return sizes;
    }

    private static String seems(Header h) {
        int[] s = inferSizes(h);
        return s != null
                ? "the file seems to hold a " + ParamLayout.sizesText(s) + " network"
                : "the file holds " + listTensors(h);
    }

    private static String listTensors(Header h) {
        if (h.tensors().isEmpty()) return "no tensors";
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (Entry e : h.tensors()) {
            if (shown == 8) {
                sb.append(", … (").append(h.tensors().size()).append(" tensors)");
                break;
            }
            sb.append(shown == 0 ? "" : ", ")
                    .append(e.name())
                    .append(' ')
                    .append(e.dtype())
                    .append(Arrays.toString(e.shape()));
            shown++;
        }
        return sb.toString();
    }
}
