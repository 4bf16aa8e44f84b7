package dev.jbackprop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbackprop.config.RunConfig;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.data.DataSchema;
import dev.jbackprop.data.Normalization;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.io.SafeTensors;
import dev.jbackprop.model.NetworkSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a model.safetensors says about itself besides its weights (the metadata jbackprop train writes): the network
 * ({@link ModelFile#NETWORK_KEY}, the run's configuration), the data schema (task, class, feature and target names),
 * the normalisation of the inputs, and the epochs and steps trained. A file from elsewhere may lack any of them.
 *
 * @param spec the network, or null when the file does not say
 * @param schema null when the file does not say
 * @param normalization NONE when the file does not say
 * @param run the run's configuration, or null
 * @param epochs epochs trained, or −1 when the file does not say
 * @param steps steps trained, or −1
 */
record ModelInfo(
        NetworkSpec spec, DataSchema schema, Normalization normalization, RunConfig run, int epochs, long steps) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The metadata of a model trained {@code epochs} epochs ({@code steps} steps), keys in a fixed order. */
    static Map<String, String> metadata(
            String runJson, DataSchema schema, Normalization normalization, int epochs, long steps) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        m.put(ModelFile.NETWORK_KEY, runJson);
        m.put(ModelFile.DATA_KEY, schema.toJson());
        m.put(ModelFile.NORMALIZATION_KEY, normalization.toJson());
        m.put(ModelFile.TRAINED_KEY, ModelFile.trained(epochs, steps));
        return m;
    }

    /**
     * Reads what {@code model} says about itself.
     *
     * @throws BadFileException when the file is not a readable safetensors file or its jbackprop metadata is malformed
     */
    static ModelInfo read(Path model) throws BadFileException {
        Map<String, String> meta = SafeTensors.readMetadata(model);
        NetworkSpec spec = ModelFile.network(model);
        DataSchema schema = null;
        Normalization n = Normalization.NONE;
        RunConfig run = null;
        int epochs = -1;
        long steps = -1;
        try {
            String s = meta.get(ModelFile.DATA_KEY);
            if (s != null) schema = DataSchema.fromJson(s);
            String ns = meta.get(ModelFile.NORMALIZATION_KEY);
            if (ns != null) n = Normalization.fromJson(ns);
            String t = meta.get(ModelFile.TRAINED_KEY);
            if (t != null) {
                JsonNode o = JSON.readTree(t);
                epochs = o.path("epochs").asInt(-1);
                steps = o.path("steps").asLong(-1);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new BadFileException(model, "its jbackprop metadata is malformed (" + e.getMessage() + ")");
        }
        try {
            String r = meta.get(ModelFile.NETWORK_KEY);
            if (r != null) run = RunConfigJson.fromJson(r);
        } catch (RunConfigJson.Invalid e) {
            run = null; // the network alone (a file another tool wrote with only layers, activations and cost)
        }
        if (schema != null && spec != null && schema.features() != spec.inputSize())
            throw new BadFileException(
                    model,
                    "its metadata says " + schema.features() + " features but its network " + spec + " takes "
                            + spec.inputSize() + " inputs");
        return new ModelInfo(spec, schema, n, run, epochs, steps);
    }

    /** "trained 8 epochs (7504 steps)", "not trained (the initial weights)", or "" when the file does not say. */
    String trained() {
        if (epochs < 0) return "";
        if (epochs == 0 && steps == 0) return "not trained (the initial weights)";
        return "trained " + epochs + " epoch" + (epochs == 1 ? "" : "s") + " (" + steps + " steps)";
    }
}
