package dev.jbackprop.cli;

import static dev.jbackprop.cli.CommandDefaults.network;

import dev.jbackprop.api.Evaluation;
import dev.jbackprop.config.RunConfig;
import dev.jbackprop.data.CsvOptions;
import dev.jbackprop.data.DataFiles;
import dev.jbackprop.data.DataSchema;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.FeatureMatrix;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.data.Task;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Predictor;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.NetworkSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * jbackprop eval: a saved model on a test set. Classification: the mean cost, the accuracy, the confusion matrix and
 * per-class precision, recall and F1; regression: the mean cost, MSE, MAE and R². The network, cost, task, class names
 * and normalisation come from the model's metadata.
 */
@Command(
        mixinStandardHelpOptions = true,
        name = "eval",
        sortOptions = false,
        defaultValueProvider = EvalCommand.Defaults.class,
        description = {
            "Evaluates a model.safetensors on a test set: --test FILE (CSV, TSV or npz), the IDX files in --data, or "
                    + "(neither) the MNIST test set. Classification: loss, accuracy, confusion matrix, per-class "
                    + "precision, recall and F1; regression: loss, MSE, MAE and R².",
            "The network, cost, task, class names and normalisation are read from the file's metadata, as jbackprop "
                    + "train writes it; for files from elsewhere give --layers, --activation, --output-activation and "
                    + "--cost."
        })
public final class EvalCommand implements Callable<Integer> {
    /** eval's defaults for the options it shares with other commands. */
    static final class Defaults extends CommandDefaults {
        Defaults() {
            super(network(RunConfig.AUTO, "sigmoid", RunConfig.AUTO));
        }
    }

    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "FILE",
            description = "The weights (safetensors; required).")
    Path model;

    @Mixin
    NetOptions net;

    @Mixin
    DataOptions data;

    @Mixin
    BackendOptions backend;

    @Option(
            names = "--batch",
            paramLabel = "m",
            defaultValue = "1000",
            description = "Samples per evaluation pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        PrintWriter e = cmd.commandLine().getErr();
        PrintWriter text = JsonOut.text(json.json, main.quiet, cmd.commandLine().getOut(), e);
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        if (data.test != null && data.data != null)
            throw new IllegalArgumentException("give either --test FILE or --data DIR, not both");
        data.csv.check();
        ModelInfo info = ModelInfo.read(model);
        NetworkSpec spec = specFor(model, info, net);
        float[] params = ModelFile.read(model, spec.layout());
        ModelFile.progress(model); // impossible values: a corrupt file (exit 1)
        backend.check();
        DataSchema schema = schemaOf(info, spec);
        Dataset test = readTest(schema, info, main.notices(e));
        if (test.features() != spec.inputSize() || test.outputs() != spec.outputSize()) {
            throw new Main.Failure("the model " + model + " maps " + spec.inputSize() + " inputs to "
                    + spec.outputSize() + " outputs, but " + source() + " has " + test.features() + " features and "
                    + test.outputs() + " " + (test.task() == Task.REGRESSION ? "targets" : "classes"));
        }
        warnAboutStorage(info, test, source(), main.notices(e));
        test = test.withNormalization(info.normalization());
        try (Ops ops = backend.open(main.debug, main.notices(e));
                Network network = new Network(ops, spec, Math.min(batch, test.count()), false);
                BackendData onBackend = new BackendData(ops);
                Metrics metrics = ops.allocateMetrics()) {
            network.setParameters(params);
            DeviceData d = onBackend.of(test);
            Evaluation ev = new Evaluation(test, spec.outputSize());
            Trainer.Evaluation loss = Predictor.run(network, d, metrics, ev::accept);
            print(text, info, spec, test, loss, ev);
            if (json.json)
                JsonOut.print(
                        cmd.commandLine().getOut(), JsonOut.eval(ops, model, spec, test.task(), loss, ev.confusion));
        }
        return 0;
    }

    private String source() {
        return data.test != null
                ? data.test.toString()
                : data.data != null ? data.data.toString() : "the MNIST test set";
    }

    /** The network a model file holds: from its jbackprop metadata, else from the options (--cost then needed). */
    static NetworkSpec specFor(Path model, ModelInfo info, NetOptions opts) throws BadFileException {
        if (!RunConfig.AUTO.equalsIgnoreCase(opts.layers.trim())) {
            if (RunConfig.AUTO.equalsIgnoreCase(opts.cost.trim()))
                throw new IllegalArgumentException("--layers describes the network but not its cost: give --cost "
                        + "(quadratic, cross-entropy or binary-cross-entropy) too");
            return opts.spec();
        }
        if (info.spec() == null) {
            throw new Main.Failure(
                    model + " has no jbackprop metadata saying what network it holds; give --layers, --activation, "
                            + "--output-activation and --cost",
                    Main.USAGE,
                    null);
        }
        return info.spec();
    }

    /** The model's schema, or for a file without one: classification over classes "0" … "k−1". */
    static DataSchema schemaOf(ModelInfo info, NetworkSpec spec) {
        if (info.schema() != null) return info.schema();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < spec.outputSize(); c++) names.add(Integer.toString(c));
        return new DataSchema(
                Task.CLASSIFICATION, spec.inputSize(), FeatureMatrix.Type.FLOAT32, List.of(), names, List.of("label"));
    }

    /** The CSV layout: the options given, else what the run recorded. */
    static CsvOptions csvFor(CsvLayoutOptions given, ModelInfo info) {
        RunConfig run = info.run();
        String header = given.header != null ? given.header : run == null ? null : run.header();
        String label = given.labelColumn != null ? given.labelColumn : run == null ? null : run.labelColumn();
        return CsvLayoutOptions.csv(header, label);
    }

    private Dataset readTest(DataSchema schema, ModelInfo info, Consumer<String> notices) throws IOException {
        if (data.test != null) {
            if (schema.task() == null)
                throw new Main.Failure(model + " has no task in its metadata; it cannot be evaluated on a file");
            return DataFiles.readTest(
                    data.test, schema, new DataFiles.Options(schema.task(), csvFor(data.csv, info), 0));
        }
        if (schema.task() == Task.REGRESSION)
            throw new IllegalArgumentException(model + " is a regression model; give its test data with --test FILE");
        if (data.data != null) return Mnist.readDir(data.data, schema.outputs()).test();
        Mnist m = data.load(notices);
        if (schema.outputs() != Mnist.CLASSES)
            throw new IllegalArgumentException(model + " has " + schema.outputs() + " outputs, MNIST " + Mnist.CLASSES
                    + " classes; give its test data with --test FILE or --data DIR");
        return m.test();
    }

    /** A notice when the data is stored otherwise than what the model trained on (pixels vs floats). */
    static void warnAboutStorage(ModelInfo info, Dataset d, String source, Consumer<String> notices) {
        if (info.schema() == null
                || info.schema().featureType() == d.featureMatrix().type()) return;
        notices.accept("the model was trained on "
                + (info.schema().featureType() == FeatureMatrix.Type.UINT8
                        ? "uint8 features (pixels, decoded to [0, 1]); " + source
                                + " holds other numbers, used as they are"
                        : "float features; " + source + " holds uint8 features, decoded to [0, 1]"));
    }

    /** Per-sample figures gathered from the outputs: the confusion matrix, or the regression errors. */
    static final class Evaluation {
        final Dataset set;
        final int outputs;
        final long[][] confusion; // classification: [true][predicted]
        long noPrediction; // outputs all NaN
        final double[] sse, sae; // regression, per output

        Evaluation(Dataset set, int outputs) {
            this.set = set;
            this.outputs = outputs;
            boolean cls = set.task() == Task.CLASSIFICATION;
            confusion = cls ? new long[outputs][outputs] : null;
            sse = cls ? null : new double[outputs];
            sae = cls ? null : new double[outputs];
        }

        void accept(int offset, int m, float[] out) {
            for (int j = 0; j < m; j++) {
                int i = offset + j;
                if (confusion != null) {
                    int p = argmax(out, j * outputs, outputs);
                    if (p < 0) noPrediction++;
                    else confusion[set.label(i)][p]++;
                } else {
                    for (int k = 0; k < outputs; k++) {
                        double e = (double) out[j * outputs + k] - set.y(i, k);
                        sse[k] += e * e;
                        sae[k] += Math.abs(e);
                    }
                }
            }
        }

        /** The first index of the largest entry that is not NaN; −1 for a column of NaN (the engine's rule). */
        static int argmax(float[] a, int from, int n) {
            int best = -1;
            for (int k = 0; k < n; k++) {
                float v = a[from + k];
                if (!Float.isNaN(v) && (best < 0 || v > a[from + best])) best = k;
            }
            return best;
        }
    }

    private void print(
            PrintWriter o, ModelInfo info, NetworkSpec spec, Dataset test, Trainer.Evaluation loss, Evaluation ev) {
        String trained = info.trained();
        o.printf(
                Locale.ROOT,
                "%s: %s; %s%s; normalisation %s%n",
                model,
                spec,
                test.task() == Task.REGRESSION
                        ? "regression, " + test.outputs() + " target" + (test.outputs() == 1 ? "" : "s")
                        : "classification, " + test.outputs() + " classes",
                trained.isEmpty() ? "" : "; " + trained,
                info.normalization().kind().id());
        o.printf(Locale.ROOT, "  test set: %s, %d samples%n", source(), test.count());
        if (test.task() == Task.REGRESSION) printRegression(o, test, loss, ev);
        else printClassification(o, test, loss, ev);
        o.flush();
    }

    private static void printClassification(PrintWriter o, Dataset test, Trainer.Evaluation loss, Evaluation ev) {
        o.printf(
                Locale.ROOT,
                "  test accuracy %.2f%% (%d samples), mean cost %.5f%n",
                100 * loss.accuracy(),
                loss.count(),
                loss.loss());
        if (ev.noPrediction > 0)
            o.printf("  %d samples have outputs that are all NaN: no prediction%n", ev.noPrediction);
        List<String> names = test.classNames();
        int k = names.size(), w = 5;
        for (String n : names) w = Math.max(w, Math.min(20, n.length()));
        for (long[] row : ev.confusion)
            for (long v : row) w = Math.max(w, Long.toString(v).length());
        o.println("confusion matrix (rows: true class, columns: predicted class)");
        StringBuilder head = new StringBuilder(String.format("%-" + w + "s", ""));
        for (String n : names) head.append(' ').append(String.format("%" + w + "s", cut(n, w)));
        o.println(head);
        for (int t = 0; t < k; t++) {
            StringBuilder row = new StringBuilder(String.format("%-" + w + "s", cut(names.get(t), w)));
            for (int p = 0; p < k; p++) row.append(' ').append(String.format("%" + w + "d", ev.confusion[t][p]));
            o.println(row);
        }
        int nw = Math.max(9, w);
        o.printf("%-" + nw + "s %9s %9s %9s %9s%n", "class", "precision", "recall", "f1", "support");
        double[] macro = new double[3];
        for (int c = 0; c < k; c++) {
            long tp = ev.confusion[c][c], predicted = 0, actual = 0;
            for (int x = 0; x < k; x++) {
                predicted += ev.confusion[x][c];
                actual += ev.confusion[c][x];
            }
            // a class never predicted has precision 0, one never present recall 0 (scikit-learn's zero_division=0)
            double precision = predicted == 0 ? 0 : (double) tp / predicted;
            double recall = actual == 0 ? 0 : (double) tp / actual;
            double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
            macro[0] += precision;
            macro[1] += recall;
            macro[2] += f1;
            o.printf(
                    Locale.ROOT,
                    "%-" + nw + "s %9s %9s %9s %9d%n",
                    cut(test.classNames().get(c), nw),
                    fmt(precision),
                    fmt(recall),
                    fmt(f1),
                    actual);
        }
        o.printf(
                Locale.ROOT,
                "%-" + nw + "s %9s %9s %9s %9d%n",
                "macro avg",
                fmt(macro[0] / k),
                fmt(macro[1] / k),
                fmt(macro[2] / k),
                test.count());
    }

    private static void printRegression(PrintWriter o, Dataset test, Trainer.Evaluation loss, Evaluation ev) {
        int k = ev.outputs;
        long n = test.count();
        double[] msd = new double[k];
        double[] mean = new double[k];
        for (int i = 0; i < n; i++) for (int c = 0; c < k; c++) mean[c] += test.y(i, c);
        for (int c = 0; c < k; c++) mean[c] /= n;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                double d = test.y(i, c) - mean[c];
                msd[c] += d * d;
            }
        }
        double sse = 0, sae = 0, sst = 0;
        for (int c = 0; c < k; c++) {
            sse += ev.sse[c];
            sae += ev.sae[c];
            sst += msd[c];
        }
        o.printf(
                Locale.ROOT,
                "  MSE %.6g  MAE %.6g  R² %.4f (%d samples), mean cost %.6g%n",
                sse / (n * k),
                sae / (n * k),
                sst > 0 ? 1 - sse / sst : Double.NaN,
                n,
                loss.loss());
        if (k > 1) {
            o.printf("%-16s %12s %12s %8s%n", "target", "MSE", "MAE", "R²");
            for (int c = 0; c < k; c++) {
                o.printf(
                        Locale.ROOT,
                        "%-16s %12.6g %12.6g %8.4f%n",
                        cut(test.targetNames().get(c), 16),
                        ev.sse[c] / n,
                        ev.sae[c] / n,
                        msd[c] > 0 ? 1 - ev.sse[c] / msd[c] : Double.NaN);
            }
            o.println("(R² over all targets: 1 − Σ squared errors / Σ squared deviations, pooled over the targets)");
        }
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String cut(String s, int w) {
        return s.length() <= w ? s : s.substring(0, w - 1) + "…";
    }
}
