package dev.jbackprop.cli;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.jbackprop.ProjectRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The JSON Schemas in docs/schemas (2020-12), for checking what the commands print with --json: {@link JsonSchemaTest}
 * here, and the Spark module's tests of train --workers N --json (this module's test jar).
 */
public final class JsonSchemas {
    static final String BASE = "https://jbackprop.dev/schemas/";
    private static final Map<String, String> SCHEMAS = read();
    private static final SchemaRegistry REGISTRY =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, b -> b.schemas(SCHEMAS));

    private JsonSchemas() {}

    private static Map<String, String> read() {
        Map<String, String> schemas = new HashMap<>();
        try (Stream<Path> files = Files.list(ProjectRoot.resolve("docs/schemas"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".schema.json"))::iterator)
                schemas.put(BASE + f.getFileName(), Files.readString(f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return schemas;
    }

    /** The schemas' file names (e.g. train.epoch.schema.json). */
    public static Set<String> files() {
        Set<String> names = new java.util.TreeSet<>();
        for (String id : SCHEMAS.keySet()) names.add(id.substring(BASE.length()));
        return names;
    }

    static Schema schema(String name) {
        return REGISTRY.getSchema(SchemaLocation.of(BASE + name + ".schema.json"));
    }

    /**
     * What is wrong with one JSON document against a schema.
     *
     * @param name the schema, e.g. "train.epoch" (docs/schemas/train.epoch.schema.json)
     * @param json the document
     * @return the errors, empty when it is valid
     */
    public static List<String> errors(String name, String json) {
        List<String> out = new ArrayList<>();
        for (Error e : schema(name).validate(json, InputFormat.JSON)) out.add(e.toString());
        return out;
    }
}
