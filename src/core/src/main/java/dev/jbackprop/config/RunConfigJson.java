package dev.jbackprop.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.model.Optimizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A {@link RunConfig} as JSON: one object, snake_case keys in this order: {@code jbackprop_version, layers,
 * activations, cost, init, eta, batch, epochs, steps, momentum, lambda, optimizer, beta1, beta2, epsilon,
 * weight_decay, lr_schedule, warmup, seed, train_size, validation_size, test_size, data, train, test, header,
 * label_column, classes, task, normalize, test_split, validation_split, backend, device, threads, tf32, bf16, graphs,
 * checkpoint_every}, when on {@code track_gradients}, then {@code early_stop, monitor, save_best}.
 *
 * <p>Reading is strict: an unknown key, a missing required key ({@link #REQUIRED}) or a value of the wrong type is
 * an {@link Invalid} saying which. The other keys may be missing, as in the files of jbackprop 0.1.0 (which wrote
 * neither {@code threads} nor {@code graphs}, nor any key of the optimiser, the schedule or early stopping):
 * {@code init} and {@code backend} are then {@value RunConfig#AUTO}, {@code threads} 0 (all cores), {@code graphs}
 * true, {@code optimizer} sgd (the update those runs made), {@code beta1}, {@code beta2} and {@code epsilon}
 * PyTorch's defaults, {@code lr_schedule} constant, {@code monitor} loss, the rest zero, false or null.
 */
public final class RunConfigJson {
    /** Every key, in the order written. */
    public static final List<String> KEYS = List.of(
            "jbackprop_version",
            "layers",
            "activations",
            "cost",
            "init",
            "eta",
            "batch",
            "epochs",
            "steps",
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
            "validation_size",
            "test_size",
            "data",
            "train",
            "test",
            "header",
            "label_column",
            "classes",
            "task",
            "normalize",
            "test_split",
            "validation_split",
            "backend",
            "device",
            "threads",
            "tf32",
            "bf16",
            "graphs",
            "checkpoint_every",
            "track_gradients",
            "early_stop",
            "monitor",
            "save_best");

    /**
     * The keys a configuration may lack (files of 0.1.0 lack threads and graphs, and every optimiser key; older ones
     * the data's reading).
     */
    private static final Set<String> OPTIONAL = Set.of(
            "jbackprop_version",
            "data",
            "train",
            "test",
            "header",
            "label_column",
            "classes",
            "task",
            "normalize",
            "test_split",
            "validation_split",
            "init",
            "validation_size",
            "test_size",
            "backend",
            "device",
            "threads",
            "tf32",
            "bf16",
            "graphs",
            "checkpoint_every",
            "track_gradients",
            "optimizer",
            "beta1",
            "beta2",
            "epsilon",
            "weight_decay",
            "lr_schedule",
            "warmup",
            "early_stop",
            "monitor",
            "save_best");

    /** The keys a configuration must have. */
    public static final List<String> REQUIRED =
            KEYS.stream().filter(k -> !OPTIONAL.contains(k)).toList();

    /** Stands for layers, activations and cost together in {@link RunConfig#changesFixedOnResume}. */
    public static final String NETWORK = "network";

    /** Indented, as config.json has always been written. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** The classes of IDX data in a configuration written before "classes" existed: 0.1.0 read ten. */
    static final int OLD_IDX_CLASSES = 10;

    private RunConfigJson() {}

    /** A configuration text that cannot be read: the message says what is wrong (not where it came from). */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The configuration as indented JSON.
     *
     * @param c the configuration
     * @return the JSON text, without a final newline
     */
    public static String toJson(RunConfig c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("jbackprop_version", c.version());
        ArrayNode layers = n.putArray("layers");
        c.layers().forEach(layers::add);
        ArrayNode acts = n.putArray("activations");
        c.activations().forEach(acts::add);
        n.put("cost", c.cost());
        n.put("init", c.init());
        n.put("eta", c.eta());
        n.put("batch", c.batch());
        n.put("epochs", c.epochs());
        n.put("steps", c.steps());
        n.put("momentum", c.momentum());
        n.put("lambda", c.lambda());
        n.put("optimizer", c.optimizer());
        n.put("beta1", c.beta1());
        n.put("beta2", c.beta2());
        n.put("epsilon", c.epsilon());
        n.put("weight_decay", c.weightDecay());
        n.put("lr_schedule", c.lrSchedule());
        n.put("warmup", c.warmup());
        n.put("seed", c.seed());
        n.put("train_size", c.trainSize());
        n.put("validation_size", c.validationSize());
        n.put("test_size", c.testSize());
        n.put("data", c.data());
        n.put("train", c.train());
        n.put("test", c.test());
        n.put("header", c.header());
        n.put("label_column", c.labelColumn());
        n.put("classes", c.classes());
        n.put("task", c.task());
        n.put("normalize", c.normalize());
        n.put("test_split", c.testSplit());
        n.put("validation_split", c.validationSplit());
        n.put("backend", c.backend());
        n.put("device", c.device());
        n.put("threads", c.threads());
        n.put("tf32", c.tf32());
        n.put("bf16", c.bf16());
        n.put("graphs", c.graphs());
        n.put("checkpoint_every", c.checkpointEvery());
        if (c.trackGradients() > 0) n.put("track_gradients", c.trackGradients());
        n.put("early_stop", c.earlyStop());
        n.put("monitor", c.monitor());
        n.put("save_best", c.saveBest());
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a run configuration as JSON", e);
        }
    }

    /**
     * Reads a configuration.
     *
     * @param json the JSON text
     * @return the configuration
     * @throws Invalid when the text is not a valid configuration
     */
    public static RunConfig fromJson(String json) throws Invalid {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new Invalid("is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) throw new Invalid("is not a JSON object", null);
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) throw new Invalid("has an unknown setting '" + k + "'; known: " + KEYS, null);
        }
        for (String k : REQUIRED) {
            if (!root.hasNonNull(k)) throw new Invalid("has no '" + k + "'", null);
        }
        RunConfig.Builder b = new RunConfig.Builder();
        b.version = text(root, "jbackprop_version", null);
        b.layers = ints(root, "layers");
        b.activations = texts(root, "activations");
        b.cost = text(root, "cost", null);
        b.init = text(root, "init", RunConfig.AUTO);
        b.eta = number(root, "eta");
        b.batch = (int) whole(root, "batch", true);
        b.epochs = (int) whole(root, "epochs", true);
        b.steps = whole(root, "steps", false);
        b.momentum = number(root, "momentum");
        b.lambda = number(root, "lambda");
        b.optimizer = text(root, "optimizer", RunConfig.SGD);
        b.beta1 = number(root, "beta1", Optimizer.BETA1);
        b.beta2 = number(root, "beta2", Optimizer.BETA2);
        b.epsilon = number(root, "epsilon", Optimizer.EPSILON);
        b.weightDecay = number(root, "weight_decay", 0);
        b.lrSchedule = text(root, "lr_schedule", RunConfig.CONSTANT);
        b.warmup = whole(root, "warmup", false);
        b.seed = whole(root, "seed", false);
        b.trainSize = (int) whole(root, "train_size", true);
        b.validationSize = (int) whole(root, "validation_size", true);
        b.testSize = (int) whole(root, "test_size", true);
        b.data = text(root, "data", null);
        b.train = text(root, "train", null);
        b.test = text(root, "test", null);
        b.header = text(root, "header", null);
        b.labelColumn = text(root, "label_column", null);
        // IDX data was read with 10 classes before the number was a setting (files without "classes" and "train")
        b.classes = root.has("classes") || root.hasNonNull("train") || b.data == null
                ? (int) whole(root, "classes", true)
                : OLD_IDX_CLASSES;
        b.task = text(root, "task", null);
        b.normalize = text(root, "normalize", null);
        b.testSplit = fraction(root, "test_split");
        b.validationSplit = fraction(root, "validation_split");
        b.backend = text(root, "backend", RunConfig.AUTO);
        b.device = text(root, "device", null);
        b.threads = (int) whole(root, "threads", true);
        b.tf32 = bool(root, "tf32", false);
        b.bf16 = bool(root, "bf16", false);
        b.graphs = bool(root, "graphs", true);
        b.checkpointEvery = text(root, "checkpoint_every", null);
        b.trackGradients = whole(root, "track_gradients", false);
        b.earlyStop = (int) whole(root, "early_stop", true);
        b.monitor = text(root, "monitor", RunConfig.LOSS);
        b.saveBest = bool(root, "save_best", false);
        return b.build();
    }

    /**
     * Reads a configuration file.
     *
     * @param file a config.json
     * @return the configuration
     * @throws BadFileException when the file cannot be read or is not a valid configuration
     */
    public static RunConfig read(Path file) throws BadFileException {
        String text;
        try {
            if (Files.isDirectory(file)) throw new BadFileException(file, "is a directory, not a config.json");
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new BadFileException(file, "does not exist", e);
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the run configuration", e);
        }
        try {
            return fromJson(text);
        } catch (Invalid e) {
            throw new BadFileException(file, "is not a jbackprop run configuration: it " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode root, String key, String absent) throws Invalid {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return absent;
        if (!v.isTextual()) throw wrongType(key, "a string", v);
        return v.textValue();
    }

    private static double number(JsonNode root, String key) throws Invalid {
        JsonNode v = root.get(key);
        if (!v.isNumber()) throw wrongType(key, "a number", v);
        return v.doubleValue();
    }

    private static double number(JsonNode root, String key, double absent) throws Invalid {
        JsonNode v = root.get(key);
        return v == null || v.isNull() ? absent : number(root, key);
    }

    private static double fraction(JsonNode root, String key) throws Invalid {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return 0;
        if (!v.isNumber()) throw wrongType(key, "a number", v);
        return v.doubleValue();
    }

    private static long whole(JsonNode root, String key, boolean intRange) throws Invalid {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return 0;
        if (!v.isIntegralNumber() || !(intRange ? v.canConvertToInt() : v.canConvertToLong()))
            throw wrongType(key, "a whole number", v);
        return v.longValue();
    }

    private static boolean bool(JsonNode root, String key, boolean absent) throws Invalid {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return absent;
        if (!v.isBoolean()) throw wrongType(key, "true or false", v);
        return v.booleanValue();
    }

    private static List<Integer> ints(JsonNode root, String key) throws Invalid {
        JsonNode v = root.get(key);
        if (!v.isArray()) throw wrongType(key, "a list of whole numbers", v);
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) throw wrongType(key, "a list of whole numbers", v);
            out.add(e.intValue());
        }
        return out;
    }

    private static List<String> texts(JsonNode root, String key) throws Invalid {
        JsonNode v = root.get(key);
        if (!v.isArray()) throw wrongType(key, "a list of names", v);
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) throw wrongType(key, "a list of names", v);
            out.add(e.textValue());
        }
        return out;
    }

    private static Invalid wrongType(String key, String expected, JsonNode v) {
        return new Invalid("has '" + key + "' " + v + ", not " + expected, null);
    }
}
