package dev.jbackprop.spark.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A sweep's configurations, fixed before anything runs: for each, its name (its directory under the sweep's output),
 * the values of the grid's keys and train's arguments. Stored as {@value #FILE} in the sweep's directory, so that
 * {@code sweep --resume DIR} runs the same sweep.
 *
 * @param grid the --grid text
 * @param random --random N, or 0 for the whole grid
 * @param randomSeed the seed of the draws (with random)
 * @param base the fixed train options
 * @param checkpointEvery train's --checkpoint-every for every run
 * @param coresPerRun Spark task CPUs of each run, and train's --threads unless the base says
 * @param runs the configurations
 */
public record SweepPlan(
        String grid,
        int random,
        long randomSeed,
        List<String> base,
        String checkpointEvery,
        int coresPerRun,
        List<Run> runs) {
    /** The file a sweep's plan is stored in. */
    public static final String FILE = "sweep-plan.json";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One configuration: its name, the grid's values, and train's arguments (without --out and checkpointing). */
    public record Run(String name, Map<String, String> options, List<String> args) implements Serializable {
        private static final long serialVersionUID = 1L;

        public Run {
            options = new LinkedHashMap<>(options); // serialisable, in the grid's order
            args = new ArrayList<>(args);
        }

        /** The grid's values as "eta=0.01 batch=32". */
        public String describe() {
            StringBuilder s = new StringBuilder();
            options.forEach((k, v) ->
                    s.append(s.isEmpty() ? "" : " ").append(k).append('=').append(v));
            return s.toString();
        }
    }

    /**
     * The plan of a sweep: the grid (or {@code random} draws from it), each configuration checked by train's parser.
     *
     * @throws IllegalArgumentException for a grid that does not parse, a key train does not know, a value train's
     *     parser refuses, or a base option the sweep sets itself (usage errors)
     */
    public static SweepPlan of(
            String grid, int random, long randomSeed, List<String> base, String checkpointEvery, int coresPerRun) {
        SweepSpec spec = SweepSpec.parse(grid);
        TrainArgs train = new TrainArgs();
        Set<String> fixed = train.checkBase(base);
        train.checkKeys(spec, fixed);
        List<Map<String, String>> configs = random > 0 ? spec.random(random, randomSeed) : spec.grid();
        List<String> runBase = new ArrayList<>(base);
        if (!fixed.contains("--threads")) runBase.addAll(List.of("--threads", Integer.toString(coresPerRun)));
        if (!fixed.contains("--no-progress")) runBase.add("--no-progress");
        int width = Math.max(3, Integer.toString(configs.size()).length());
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            String name = String.format(Locale.ROOT, "run-%0" + width + "d", i + 1);
            Run run = new Run(name, configs.get(i), train.args(runBase, configs.get(i)));
            train.check(run.args(), "--grid: " + name + " (" + run.describe() + ")");
            runs.add(run);
        }
        return new SweepPlan(spec.text(), random, randomSeed, List.copyOf(base), checkpointEvery, coresPerRun, runs);
    }

    /** The grid's keys, in order. */
    public List<String> keys() {
        return runs.isEmpty() ? List.of() : List.copyOf(runs.get(0).options().keySet());
    }

    /** Writes the plan into dir (atomically). */
    public void write(Path dir) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("grid", grid);
        o.put("random", random);
        o.put("random_seed", randomSeed);
        base.forEach(o.putArray("base")::add);
        o.put("checkpoint_every", checkpointEvery);
        o.put("cores_per_run", coresPerRun);
        ArrayNode rs = o.putArray("runs");
        for (Run r : runs) {
            ObjectNode j = rs.addObject();
            j.put("name", r.name());
            ObjectNode opts = j.putObject("options");
            r.options().forEach(opts::put);
            r.args().forEach(j.putArray("args")::add);
        }
        Files2.writeAtomically(dir.resolve(FILE), JSON.writeValueAsString(o) + "\n");
    }

    /** Reads the plan a sweep stored in dir; a missing or damaged plan is a one-line {@link IOException}. */
    public static SweepPlan read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + " holds no sweep (no " + FILE + "); give the --out of an earlier sweep");
        }
        try {
            JsonNode o = JSON.readTree(file.toFile());
            List<Run> runs = new ArrayList<>();
            for (JsonNode j : o.required("runs")) {
                Map<String, String> opts = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it =
                                j.required("options").fields();
                        it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    opts.put(e.getKey(), e.getValue().asText());
                }
                runs.add(new Run(j.required("name").asText(), opts, strings(j.required("args"))));
            }
            return new SweepPlan(
                    o.required("grid").asText(),
                    o.required("random").asInt(),
                    o.required("random_seed").asLong(),
                    strings(o.required("base")),
                    o.required("checkpoint_every").asText(),
                    o.required("cores_per_run").asInt(),
                    runs);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + " is damaged (" + e.getMessage().replace('\n', ' ') + ")", e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : array) out.add(s.asText());
        return out;
    }
}
