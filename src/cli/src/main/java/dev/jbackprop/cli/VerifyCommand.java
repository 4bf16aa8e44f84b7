package dev.jbackprop.cli;

import static dev.jbackprop.cli.CommandDefaults.network;
import static dev.jbackprop.cli.CommandDefaults.option;
import static dev.jbackprop.cli.CommandDefaults.training;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.api.Backend;
import dev.jbackprop.data.DataFiles;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.data.Normalization;
import dev.jbackprop.diag.GradCheck;
import dev.jbackprop.diag.Verify;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.NetworkSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * jbackprop verify: the GPU backend against the CPU backend (or any backend against the double-precision
 * reference), layer by layer, on random or real data, from random or given weights. Exit 0 pass, 1 a quantity
 * beyond the tolerance, 2 bad usage, 3 no usable GPU.
 */
@Command(
        mixinStandardHelpOptions = true,
        name = "verify",
        sortOptions = false,
        defaultValueProvider = VerifyCommand.Defaults.class,
        description = {
            "Runs the same network, weights and batches on the GPU (--backend) and on the CPU (or, with --against "
                    + "reference, on the double-precision reference) and prints, per layer, the max abs and "
                    + "normalised error (max|got-want|/max|want|), the elements beyond the tolerance and the worst "
                    + "element of z, a, delta, dC/dW and dC/db after one step and of W and b after --steps updates.",
            "Tolerance (--tolerance): 1e-4 for FP32, 2.5e-2 with --tf32, 5e-2 with --bf16. Pre-activations within "
                    + "rounding of a kink of sigma' (ReLU, leaky ReLU) that the two put on different sides are reported "
                    + "as kink flips, not errors. Exit codes: 0 pass, 1 beyond the tolerance, 2 bad usage, 3 no usable "
                    + "GPU."
        })
public final class VerifyCommand implements Callable<Integer> {
    /** verify's defaults for the options it shares with other commands. */
    static final class Defaults extends CommandDefaults {
        Defaults() {
            super(
                    network("784,100,10", "sigmoid", "cross-entropy"),
                    training("0.1", "0.9", "1.0", "32", "1"),
                    option("--init", "scaled"),
                    option("--backend", "cuda"));
        }
    }

    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Mixin
    NetOptions net;

    @Mixin
    InitOption init;

    @Mixin
    TrainingOptions training;

    @Option(
            names = "--steps",
            paramLabel = "K",
            defaultValue = "5",
            description = "Training steps before the weights are compared (default: ${DEFAULT-VALUE}).")
    int steps;

    @Mixin
    BackendOptions backend;

    @Mixin
    PrecisionOptions precision;

    @Option(
            names = "--against",
            paramLabel = "cpu|reference",
            defaultValue = "cpu",
            description = "What the backend is checked against: the CPU backend, or the double-precision reference "
                    + "oracle, which also checks --backend cpu (default: ${DEFAULT-VALUE}).")
    String against;

    @Option(
            names = "--tolerance",
            paramLabel = "X",
            description = "The normalised error allowed (default: 1e-4 in FP32, 2.5e-2 with --tf32, 5e-2 with --bf16).")
    Double tolerance;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Take the batches from the training set of the MNIST-format IDX files in DIR, in order "
                    + "(default: random batches).")
    Path data;

    @Option(
            names = "--train",
            paramLabel = "FILE",
            description = "Take the batches from a training file (.csv/.tsv, .npz) or IDX directory, in order, its "
                    + "features scaled as training scales them (default: random batches).")
    Path train;

    @Option(
            names = "--init-weights",
            paramLabel = "FILE",
            description = "Start from these weights (safetensors); the network comes from the file's metadata unless "
                    + "--layers is given (default: drawn by --init from --seed).")
    Path initWeights;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws IOException {
        PrintWriter e = cmd.commandLine().getErr();
        PrintWriter o = JsonOut.text(json.json, main.quiet, cmd.commandLine().getOut(), e);
        ParseResult given = cmd.commandLine().getParseResult();
        training.check();
        if (steps < 0) throw new IllegalArgumentException("--steps must be 0 or more, got " + steps);
        if (tolerance != null && !(tolerance > 0 && Double.isFinite(tolerance)))
            throw new IllegalArgumentException("--tolerance must be a positive number, got " + tolerance);
        if (data != null && train != null)
            throw new IllegalArgumentException("give either --data or --train, not both");
        boolean reference = switch (against.toLowerCase(Locale.ROOT)) {
            case "cpu" -> false;
            case "reference", "ref" -> true;
            default -> throw new IllegalArgumentException("unknown --against '" + against + "'; valid: cpu, reference");
        };
        Backend.Kind kind = Backends.kind(backend.backend);
        if (kind == Backend.Kind.CPU) backend.check(precision.tf32, precision.bf16); // --tf32/--bf16 on the CPU
        if (kind == Backend.Kind.CPU && !reference)
            throw new IllegalArgumentException("--backend cpu against the CPU checks nothing: give --against reference "
                    + "to check the CPU backend against the double-precision reference, or --backend cuda");
        NetworkSpec spec = spec(given);
        init.check();
        if (precision.tf32 && precision.bf16)
            throw new IllegalArgumentException("--tf32 and --bf16 do not go together: choose one GEMM precision");
        if (kind != Backend.Kind.CPU && !(reference && kind == Backend.Kind.AUTO)) {
            String why = Backends.cudaUnavailableReason();
            if (why != null) throw new Main.Failure("no usable GPU: " + why, Main.NO_GPU, null);
        }
        backend.check(precision.tf32, precision.bf16);
        double tol = tolerance != null ? tolerance : defaultTolerance().value;
        int batch = training.batch;
        Step.Hyper hyper = training.hyper(1000);
        float[] params = initWeights != null
                ? ModelFile.read(initWeights, spec.layout())
                : init.resolve(spec).initialise(spec.layout(), training.seed);
        Verify.Batches batches = batches(spec, batch, e);
        try (Ops other = backend.open(precision, main.debug, main.notices(e))) {
            Verify.Report r;
            String wantName;
            if (reference) {
                wantName = "reference";
                r = Verify.againstReference(other, spec, params, batch, steps, hyper, batches, tol);
            } else {
                wantName = "cpu";
                try (Ops cpu = Backends.open("cpu", backend.threads, false, false, false, null)) {
                    r = Verify.run(cpu, other, spec, params, batch, steps, hyper, batches, tol);
                }
            }
            if (!main.quiet) table(o, other.name(), wantName, spec, r);
            summary(o, other.name(), wantName, spec, r);
            if (json.json) JsonOut.print(cmd.commandLine().getOut(), json(other, wantName, r));
            return r.pass() ? 0 : Main.FAILURE;
        }
    }

    private Verify.Tolerance defaultTolerance() {
        return precision.bf16 ? Verify.Tolerance.BF16 : precision.tf32 ? Verify.Tolerance.TF32 : Verify.Tolerance.FP32;
    }

    /** The network: from the options, or from --init-weights' metadata when no network option is given. */
    private NetworkSpec spec(ParseResult given) throws IOException {
        if (initWeights != null && NetOptions.given(given).isEmpty()) {
            NetworkSpec fromFile = ModelFile.network(initWeights);
            if (fromFile != null) return fromFile;
        }
        return net.spec();
    }

    /** Random batches, or batch k = samples [k·m, (k+1)·m) of the training data (wrapping around). */
    private Verify.Batches batches(NetworkSpec spec, int m, PrintWriter err) throws IOException {
        if (data == null && train == null) {
            long seed = training.seed;
            return k -> GradCheck.batch(spec, m, seed * 1000 + k);
        }
        Dataset d = data != null
                ? Mnist.readDir(data).train()
                : DataFiles.read(train, null, DataFiles.Options.defaults()).train();
        Path source = data != null ? data : train;
        if (d.features() != spec.inputSize() || d.outputs() != spec.outputSize()) {
            throw new IllegalArgumentException(source + " holds samples of " + d.features() + " features and "
                    + d.outputs() + " outputs; the network is " + spec + ": use --layers " + d.features() + ",…,"
                    + d.outputs());
        }
        Dataset scaled = d.withNormalization(
                Normalization.fit(Normalization.defaultKind(d.featureMatrix().type()), d));
        int count = scaled.count();
        return k -> {
            int[] idx = new int[m];
            for (int j = 0; j < m; j++) idx[j] = (int) (((long) k * m + j) % count);
            float[] x = new float[spec.inputSize() * m], y = new float[spec.outputSize() * m];
            scaled.gatherFeatures(idx, 0, m, x, 0);
            scaled.gatherTargets(idx, 0, m, y, 0);
            return new float[][] {x, y};
        };
    }

    private void table(PrintWriter o, String got, String want, NetworkSpec spec, Verify.Report r) {
        o.printf(
                Locale.ROOT,
                "verify %s vs %s: %s, batch %d, %d steps, tolerance %.1e (normalised), %s%n",
                got,
                want,
                spec,
                r.batch(),
                steps,
                r.tolerance(),
                data != null ? "batches from " + data : train != null ? "batches from " + train : "random batches");
        o.printf(
                "%-6s %-12s %12s %12s %10s  %-32s %s%n",
                "layer", "quantity", "max abs", "normalised", "beyond", "worst element: got / want", "result");
        for (Verify.Row row : r.rows()) {
            String worst = row.worst().length == 0
                    ? ""
                    : String.format(
                            Locale.ROOT,
                            "[%d,%d] %.8g / %.8g",
                            row.worst()[0],
                            row.worst()[1],
                            row.worstGot(),
                            row.worstWant());
            o.printf(
                    Locale.ROOT,
                    "%-6d %-12s %12.3e %12.3e %10s  %-32s %s%n",
                    row.layer(),
                    row.quantity(),
                    row.maxAbs(),
                    row.normalised(),
                    row.beyond() + "/" + row.elements(),
                    worst,
                    row.pass() ? "pass" : "FAIL");
        }
        o.printf(Locale.ROOT, "cost of the first batch: %s %.8g, %s %.8g%n", want, r.costWant(), got, r.costGot());
        for (Verify.KinkFlips f : r.flips()) {
            o.printf(
                    Locale.ROOT,
                    "kink flips, layer %d: %d of %d pre-activations within rounding of sigma''s kink at 0"
                            + " (|z| <= %.3e) on different sides (largest |z| %.3e); sigma' there taken from %s, not"
                            + " counted as errors%n",
                    f.layer(),
                    f.count(),
                    f.preActivations(),
                    f.bound(),
                    f.largest(),
                    want.equals("reference") ? "the reference" : got);
        }
    }

    private void summary(PrintWriter o, String got, String want, NetworkSpec spec, Verify.Report r) {
        Verify.Row w = r.worst();
        o.printf(
                Locale.ROOT,
                "%s: %s vs %s %s batch %d steps %d %s: worst %s layer %d normalised %.3e (tolerance %.1e)%s%s%n",
                r.pass() ? "PASS" : "FAIL",
                got,
                want,
                spec,
                r.batch(),
                steps,
                precision.bf16 ? "BF16" : precision.tf32 ? "TF32" : "FP32",
                w.quantity(),
                w.layer(),
                w.normalised(),
                r.tolerance(),
                r.costPass() ? "" : "; the costs differ",
                r.flipCount() > 0 ? "; " + r.flipCount() + " kink flips (not errors)" : "");
        o.flush();
    }

    private ObjectNode json(Ops got, String want, Verify.Report r) {
        ObjectNode n = JsonOut.object("verify", 1, got);
        n.put("against", want);
        n.put("network", r.spec().toString());
        n.put("batch", r.batch());
        n.put("steps", steps);
        n.put("precision", precision.bf16 ? "BF16" : precision.tf32 ? "TF32" : "FP32");
        n.put("tolerance", r.tolerance());
        n.put("data", data != null ? data.toString() : train != null ? train.toString() : "random");
        if (initWeights != null) n.put("init_weights", initWeights.toString());
        else n.put("init", init.resolve(r.spec()).toString()).put("seed", training.seed);
        n.put("pass", r.pass());
        ObjectNode cost = n.putObject("cost");
        JsonOut.put(cost, "want", r.costWant());
        JsonOut.put(cost, "got", r.costGot());
        cost.put("pass", r.costPass());
        ArrayNode rows = n.putArray("rows");
        for (Verify.Row row : r.rows()) {
            ObjectNode q = rows.addObject();
            q.put("layer", row.layer()).put("quantity", row.quantity());
            JsonOut.put(q, "max_abs", row.maxAbs());
            JsonOut.put(q, "normalised", row.normalised());
            q.put("beyond", row.beyond()).put("elements", row.elements());
            if (row.worst().length == 2) {
                ObjectNode worst = q.putObject("worst");
                worst.putArray("index").add(row.worst()[0]).add(row.worst()[1]);
                JsonOut.put(worst, "got", row.worstGot());
                JsonOut.put(worst, "want", row.worstWant());
            }
            q.put("pass", row.pass());
        }
        ArrayNode flips = n.putArray("kink_flips");
        for (Verify.KinkFlips f : r.flips()) {
            flips.addObject()
                    .put("layer", f.layer())
                    .put("count", f.count())
                    .put("pre_activations", f.preActivations())
                    .put("largest", f.largest())
                    .put("bound", f.bound());
        }
        return n;
    }
}
