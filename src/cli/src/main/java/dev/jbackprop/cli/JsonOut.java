package dev.jbackprop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.api.DeviceInfo;
import dev.jbackprop.api.Evaluation;
import dev.jbackprop.api.Jbackprop;
import dev.jbackprop.api.internal.BackendSelection;
import dev.jbackprop.config.RunConfig;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.model.NetworkSpec;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Instant;

/**
 * --json: every command's results as JSON lines on stdout (one object per epoch for train, one object otherwise),
 * the human text then on stderr (or nowhere with --quiet). Every object starts with the same envelope ({@link
 * #object}): the schema's name and version (docs/schemas/NAME.schema.json), jbackprop's version and commit, the
 * time, and the backend and device it ran on. This class is the one place that writes it; the schema comes first
 * ({@link DistributedTraining#JSON_LINE}: the driver of train --workers tells worker 0's JSON from its text by it).
 */
final class JsonOut {
    static final ObjectMapper JSON = new ObjectMapper();

    private JsonOut() {}

    /** Where the human text goes: stdout normally; with --json stderr; with --json --quiet nowhere. */
    static PrintWriter text(boolean json, boolean quiet, PrintWriter out, PrintWriter err) {
        if (!json) return out;
        return quiet ? new PrintWriter(Writer.nullWriter()) : err;
    }

    /**
     * A new object with the envelope: {@code schema} {name, version}, {@code jbackprop} (the version),
     * {@code commit}, {@code timestamp} (UTC, ISO 8601), {@code backend} and {@code device}.
     *
     * @param schema the schema's name, e.g. "train.epoch" (docs/schemas/train.epoch.schema.json)
     * @param version the schema's version
     * @param device what the command ran on
     * @return the object, to fill in
     */
    static ObjectNode object(String schema, int version, DeviceInfo device) {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("schema").put("name", "jbackprop." + schema).put("version", version);
        o.put("jbackprop", Main.version());
        o.put("commit", Jbackprop.commit());
        o.put("timestamp", Instant.now().toString());
        o.put("backend", device.backend());
        o.set("device", device(device));
        return o;
    }

    /** {@link #object(String, int, DeviceInfo)} for an opened engine. */
    static ObjectNode object(String schema, int version, Ops ops) {
        return object(schema, version, BackendSelection.deviceInfo(ops));
    }

    /** The device: its name, precision and description; the CPU's threads and BLAS, or the GPU's versions. */
    static ObjectNode device(DeviceInfo d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", d.name());
        n.put("precision", d.precision().name());
        n.put("description", d.description());
        if (d.backend().equals("cuda")) {
            n.put("index", d.index());
            n.put("compute_capability", d.computeCapability());
            n.put("memory_bytes", d.memoryBytes());
            n.put("multiprocessors", d.multiprocessors());
            n.put("driver", d.driver());
            n.put("cuda_runtime", d.cudaRuntime());
            n.put("cublas", d.cublas());
        } else {
            n.put("threads", d.threads());
            n.put("blas", d.blas());
            n.put("elementwise", d.elementwise());
        }
        return n;
    }

    /** train --json: one object per epoch (schema train.epoch); workers: 1, or N with --workers N. */
    static TrainListener.EpochJson trainEpochs(
            PrintWriter out, Ops ops, RunConfig config, Path dir, boolean regression, int workers) {
        DeviceInfo device = BackendSelection.deviceInfo(ops);
        return (r, validationLoss, validationAccuracy) -> {
            ObjectNode o = object("train.epoch", 1, device);
            o.put("network", config.network().toString());
            o.put("out", dir.toString());
            o.put("workers", workers);
            o.put("epoch", r.epoch());
            o.put("epochs", config.epochs());
            o.put("steps", r.steps());
            put(o, "loss", r.loss());
            double none = Double.NaN; // a regression run has no accuracy (its R² is in metrics.csv)
            put(o, "train_accuracy", regression ? none : r.trainAccuracy());
            put(o, "test_loss", r.testLoss());
            put(o, "test_accuracy", regression ? none : r.testAccuracy());
            put(o, "validation_loss", validationLoss);
            put(o, "validation_accuracy", regression ? none : validationAccuracy);
            put(o, "learning_rate", r.learningRate());
            put(o, "samples_per_second", r.samplesPerSecond());
            put(o, "seconds", r.seconds());
            print(out, o);
        };
    }

    /** eval --json (schema eval). */
    static ObjectNode eval(DeviceInfo device, Path model, NetworkSpec spec, Evaluation ev) {
        ObjectNode o = object("eval", 1, device);
        o.put("model", model.toString());
        o.put("network", spec.toString());
        o.put("count", ev.count());
        put(o, "loss", ev.loss());
        put(o, "accuracy", ev.accuracy());
        ArrayNode c = o.putArray("confusion");
        for (int[] row : ev.confusion()) {
            ArrayNode r = c.addArray();
            for (int v : row) r.add(v);
        }
        return o;
    }

    /**
     * eval --json (schema eval) for the command's own evaluation: a regression model has no accuracy (null) and an
     * empty confusion matrix.
     */
    static ObjectNode eval(
            Ops ops,
            Path model,
            NetworkSpec spec,
            dev.jbackprop.data.Task task,
            dev.jbackprop.engine.Trainer.Evaluation ev,
            long[][] confusion) {
        ObjectNode o = object("eval", 1, ops);
        o.put("model", model.toString());
        o.put("network", spec.toString());
        o.put("task", task.id());
        o.put("count", ev.count());
        put(o, "loss", ev.loss());
        put(o, "accuracy", task == dev.jbackprop.data.Task.REGRESSION ? Double.NaN : ev.accuracy());
        ArrayNode c = o.putArray("confusion");
        if (confusion != null) {
            for (long[] row : confusion) {
                ArrayNode r = c.addArray();
                for (long v : row) r.add(v);
            }
        }
        return o;
    }

    /** A double, with null for NaN or an infinity (JSON has neither). */
    static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    /** Writes one line and flushes. */
    static void print(PrintWriter out, ObjectNode o) {
        out.println(o.toString());
        out.flush();
    }
}
