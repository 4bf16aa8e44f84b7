package dev.jbackprop.cli;

import dev.jbackprop.data.DataFiles;
import dev.jbackprop.data.DataSchema;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Task;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Predictor;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.io.NpyWriter;
import dev.jbackprop.model.NetworkSpec;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * jbackprop predict: a saved model's outputs for new rows, in batches, into a CSV or .npy file. The network, the
 * classes, the features expected and the normalisation come from the model's metadata.
 */
@Command(
        mixinStandardHelpOptions = true,
        name = "predict",
        sortOptions = false,
        description = {
            "Predicts with a model.safetensors written by jbackprop train: reads --input (CSV/TSV, optionally .gz, with "
                    + "or without the label column; npz array x; or an IDX image file), runs it in batches and writes "
                    + "--output.",
            "A .csv output has the columns row (0-based index of the input row), prediction (the class name) and one "
                    + "probability p_<class> per class; for a regression model, row and the outputs. A .npy output "
                    + "holds the probabilities (or outputs) as float32 [rows, outputs]. The output is written to a "
                    + "temporary file and renamed when complete."
        })
public final class PredictCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "FILE",
            description = "The model (safetensors with jbackprop's metadata; required).")
    Path model;

    @Option(
            names = "--input",
            required = true,
            paramLabel = "FILE",
            description = "The rows to predict: CSV/TSV (optionally .gz), npz (array x) or an IDX image file "
                    + "(required).")
    Path input;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "FILE",
            description = "Where the predictions go: .csv or .npy (required).")
    Path output;

    @Option(names = "--force", description = "Replace --output if it exists (default: refused).")
    boolean force;

    @Option(
            names = "--batch",
            paramLabel = "m",
            defaultValue = "1000",
            description = "Rows per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    CsvLayoutOptions csv;

    @Mixin
    BackendOptions backend;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        PrintWriter e = cmd.commandLine().getErr();
        PrintWriter o = JsonOut.text(json.json, main.quiet, cmd.commandLine().getOut(), e);
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        csv.check();
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean npy = name.endsWith(".npy");
        if (!npy && !name.endsWith(".csv"))
            throw new IllegalArgumentException("--output " + output + ": the name must end in .csv or .npy");
        if (!Files.isRegularFile(input))
            throw new Main.Failure(input + ": " + (Files.exists(input) ? "is not a file" : "does not exist")
                    + "; give the rows to predict with --input (CSV/TSV, npz or an IDX image file)");
        if (Files.exists(output) && Files.isSameFile(output, input))
            throw new IllegalArgumentException("--output " + output + " is the input file");
        if (Files.isDirectory(output))
            throw new Main.Failure("--output " + output + " is a directory; give a file name ending in .csv or .npy");
        if (Files.exists(output) && !force)
            throw new Main.Failure("--output " + output + " exists; choose another name, or add --force to replace it");
        ModelInfo info = ModelInfo.read(model);
        if (info.spec() == null) {
            throw new Main.Failure(model + " has no jbackprop metadata saying what network it holds; predict needs a "
                    + "model written by jbackprop train");
        }
        NetworkSpec spec = info.spec();
        float[] params = ModelFile.read(model, spec.layout());
        backend.check();
        DataSchema schema = EvalCommand.schemaOf(info, spec);
        Dataset rows = DataFiles.readFeatures(
                input, schema, new DataFiles.Options(schema.task(), EvalCommand.csvFor(csv, info), 0));
        EvalCommand.warnAboutStorage(info, rows, input.toString(), main.notices(e));
        rows = rows.withNormalization(info.normalization());
        boolean regression = schema.task() == Task.REGRESSION;
        Path tmp; // unique to this process: two predicts into one directory never share a temporary file
        try {
            tmp = Files.createTempFile(output.toAbsolutePath().getParent(), "." + output.getFileName() + ".", ".tmp");
            tmp.toFile().deleteOnExit(); // a signal ends the JVM without the finally below
            try { // createTempFile makes it owner-only; predictions are for sharing, as a plain write makes them
                Files.setPosixFilePermissions(
                        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException ex) {
                // not a POSIX file system: keep the default
            }
        } catch (IOException ex) {
            throw new Main.Failure(
                    "cannot write next to --output " + output + ": " + ex.getMessage(), Main.FAILURE, ex);
        }
        com.fasterxml.jackson.databind.node.ObjectNode device;
        try {
            try {
                device = predict(spec, params, rows, schema, regression, npy, tmp, e);
            } catch (UncheckedIOException ex) {
                throw new Main.Failure(
                        "cannot write --output " + output + " (its temporary file " + tmp.getFileName() + ": "
                                + ex.getCause().getMessage() + "); nothing was written",
                        Main.FAILURE,
                        ex);
            }
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        o.printf(
                "predicted %d rows of %s with %s (%s) on %s -> %s%n",
                rows.count(),
                input,
                model,
                regression ? "regression" : schema.outputs() + " classes",
                device.path("backend").asText(),
                output);
        o.flush();
        if (json.json) {
            device.put("model", model.toString());
            device.put("input", input.toString());
            device.put("output", output.toString());
            device.put("format", npy ? "npy" : "csv");
            device.put("task", schema.task().id());
            device.put("rows", rows.count());
            device.put("outputs", spec.outputSize());
            JsonOut.print(cmd.commandLine().getOut(), device);
        }
        return 0;
    }

    /**
     * Runs the rows through the network and writes the predictions to {@code file}; returns the start of the --json
     * object (schema predict, the backend and device it ran on).
     */
    private com.fasterxml.jackson.databind.node.ObjectNode predict(
            NetworkSpec spec,
            float[] params,
            Dataset rows,
            DataSchema schema,
            boolean regression,
            boolean npy,
            Path file,
            PrintWriter e)
            throws IOException {
        int k = spec.outputSize();
        try (Ops ops = backend.open(main.debug, main.notices(e));
                OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            if (npy) {
                try (NpyWriter w = new NpyWriter(stream, rows.count(), k)) {
                    run(ops, spec, params, rows, (offset, m, out) -> write(() -> w.write(out, 0, m * k)));
                }
            } else {
                try (Writer w = new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8)) {
                    List<String> names = regression ? schema.targetNames() : schema.classNames();
                    StringBuilder head = new StringBuilder("row");
                    if (!regression) head.append(",prediction");
                    for (String n : names) head.append(',').append(Csv.quote(regression ? n : "p_" + n));
                    w.write(head.append('\n').toString());
                    StringBuilder line = new StringBuilder();
                    run(ops, spec, params, rows, (offset, m, out) -> {
                        line.setLength(0);
                        for (int j = 0; j < m; j++) {
                            line.append(offset + j);
                            if (!regression) {
                                int p = EvalCommand.Evaluation.argmax(out, j * k, k);
                                line.append(',').append(p < 0 ? "" : Csv.quote(names.get(p)));
                            }
                            for (int c = 0; c < k; c++) line.append(',').append(out[j * k + c]);
                            line.append('\n');
                        }
                        write(() -> w.write(line.toString()));
                    });
                }
            }
            return JsonOut.object("predict", 1, ops);
        }
    }

    private void run(Ops ops, NetworkSpec spec, float[] params, Dataset rows, Predictor.Sink sink) {
        if (rows.count() == 0) return;
        try (Network network = new Network(ops, spec, Math.min(rows.count(), batch), false);
                BackendData onBackend = new BackendData(ops)) {
            network.setParameters(params);
            DeviceData d = onBackend.of(rows);
            Predictor.run(network, d, null, sink);
        }
    }

    /** A write inside a batch callback. */
    @FunctionalInterface
    private interface Io {
        void run() throws IOException;
    }

    private static void write(Io io) {
        try {
            io.run();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** CSV cells. */
    static final class Csv {
        private Csv() {}

        /** The cell as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, quote or line break. */
        static String quote(String s) {
            if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
            return '"' + s.replace("\"", "\"\"") + '"';
        }
    }
}
