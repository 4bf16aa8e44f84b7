package dev.jbackprop.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a trained model needs to know about its training data to read other data the same way: the
 * task, the number of features and how they were stored (so the same decoding applies), the feature
 * names (a CSV header, else empty), the class names in output order (classification) and the names of
 * the target columns. A test set is read against the training set's schema (same classes in the same
 * order; a label the training set lacks is an error); a prediction input is checked against it
 * ({@link #checkFeatures}). Round-trips through {@link #toJson()} / {@link #fromJson(String)}.
 *
 * @param task the task, or null for data without targets
 * @param featureType how the training features were stored (their decoding rule)
 * @param featureNames one per feature, or empty
 * @param classNames classification: the classes in output order; regression: empty
 * @param targetNames the source's target column(s): for classification the label column's name, for
 *     regression one name per output (CSV header names, else "y" or "y0", "y1", …)
 */
public record DataSchema(
        Task task,
        int features,
        FeatureMatrix.Type featureType,
        List<String> featureNames,
        List<String> classNames,
        List<String> targetNames) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public DataSchema {
        if (features <= 0) throw new IllegalArgumentException("a schema needs at least one feature, got " + features);
        featureNames = List.copyOf(featureNames);
        classNames = List.copyOf(classNames);
        targetNames = List.copyOf(targetNames);
        if (!featureNames.isEmpty() && featureNames.size() != features) {
            throw new IllegalArgumentException(featureNames.size() + " feature names for " + features + " features");
        }
        if (task == Task.CLASSIFICATION && classNames.isEmpty())
            throw new IllegalArgumentException("a classification schema needs its class names");
        if (task == Task.REGRESSION && (targetNames.isEmpty() || !classNames.isEmpty()))
            throw new IllegalArgumentException("a regression schema needs target names and no class names");
    }

    /** Outputs of a network for this data: classes, or regression targets (0 without a task). */
    public int outputs() {
        if (task == null) return 0;
        return task == Task.CLASSIFICATION ? classNames.size() : targetNames.size();
    }

    /** The output index of class {@code name}, or −1. */
    public int classIndex(String name) {
        return classNames.indexOf(name);
    }

    /**
     * Checks that {@code file} holds rows of this schema's number of features.
     *
     * @throws DataFormatException naming the file and both counts when they differ
     */
    public void checkFeatures(Path file, int got) throws DataFormatException {
        if (got != features) {
            throw new DataFormatException(
                    file,
                    "has " + got + " feature" + (got == 1 ? "" : "s") + " per sample but the training data had "
                            + features + "; give data with the same columns as the training data");
        }
    }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("task", task == null ? null : task.id());
        o.put("features", features);
        o.put("feature_type", featureType.name().toLowerCase(Locale.ROOT));
        strings(o, "feature_names", featureNames);
        strings(o, "class_names", classNames);
        strings(o, "target_names", targetNames);
        return o.toString();
    }

    /**
     * The schema {@link #toJson()} wrote.
     *
     * @throws IllegalArgumentException when the text is not such an object
     */
    public static DataSchema fromJson(String json) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("data schema is not valid JSON: " + e.getOriginalMessage());
        }
        if (o == null || !o.isObject()) throw new IllegalArgumentException("data schema must be a JSON object");
        JsonNode t = o.get("task");
        Task task = t == null || t.isNull() ? null : Task.parse(t.asText());
        if (!o.path("features").canConvertToInt()) throw new IllegalArgumentException("data schema lacks \"features\"");
        FeatureMatrix.Type type;
        try {
            type = FeatureMatrix.Type.valueOf(o.path("feature_type").asText().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("data schema: unknown feature_type '"
                    + o.path("feature_type").asText() + "'");
        }
        return new DataSchema(
                task,
                o.get("features").asInt(),
                type,
                strings(o, "feature_names"),
                strings(o, "class_names"),
                strings(o, "target_names"));
    }

    private static void strings(ObjectNode o, String key, List<String> values) {
        ArrayNode a = o.putArray(key);
        values.forEach(a::add);
    }

    private static List<String> strings(JsonNode o, String key) {
        JsonNode a = o.get(key);
        List<String> out = new ArrayList<>();
        if (a == null) return out;
        if (!a.isArray()) throw new IllegalArgumentException("data schema: \"" + key + "\" is not an array");
        for (JsonNode e : a) {
            if (!e.isTextual()) throw new IllegalArgumentException("data schema: \"" + key + "\" holds a non-string");
            out.add(e.asText());
        }
        return out;
    }
}
