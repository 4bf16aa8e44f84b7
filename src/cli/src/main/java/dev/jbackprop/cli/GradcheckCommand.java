package dev.jbackprop.cli;

import static dev.jbackprop.cli.CommandDefaults.network;
import static dev.jbackprop.cli.CommandDefaults.option;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.diag.GradCheck;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** jbackprop gradcheck: finite differences vs the reference, and the CPU backend vs the reference. */
@Command(
        mixinStandardHelpOptions = true,
        name = "gradcheck",
        sortOptions = false,
        defaultValueProvider = GradcheckCommand.Defaults.class,
        description = {
            "Checks gradients: the reference's backprop against central finite differences (double, max relative "
                    + "error <= 1e-6), and the CPU backend's float32 gradients against the reference (normalised "
                    + "error max|g-r|/max|r| <= 1e-4).",
            "Without --activation, --output-activation and --cost: every hidden activation x every valid "
                    + "output/cost, summarised. Exit 1 on failure."
        })
public final class GradcheckCommand implements Callable<Integer> {
    /** gradcheck's defaults for the options it shares with other commands. */
    static final class Defaults extends CommandDefaults {
        Defaults() {
            super(network("7,5,3,4", "sigmoid", "quadratic"), option("--init", "scaled"));
        }
    }

    @Spec
    CommandSpec cmd;

    @ParentCommand
    Main main;

    @Mixin
    JsonOption json;

    @Mixin
    NetOptions net;

    @Mixin
    InitOption init;

    @Option(
            names = "--batch",
            paramLabel = "m",
            description = "Samples in the checked batch (default: ${DEFAULT-VALUE}).",
            defaultValue = "4")
    int batch;

    @Option(
            names = "--seed",
            paramLabel = "S",
            defaultValue = "7",
            description = "Seed for the parameters and the data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        PrintWriter text = JsonOut.text(
                json.json,
                main.quiet,
                cmd.commandLine().getOut(),
                cmd.commandLine().getErr());
        // --quiet keeps only the verdict, the last line (as verify does)
        PrintWriter o = main.quiet ? new PrintWriter(java.io.Writer.nullWriter()) : text;
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        init.check();
        ParseResult given = cmd.commandLine().getParseResult();
        boolean grid = !given.hasMatchedOption("--activation")
                && !given.hasMatchedOption("--cost")
                && !given.hasMatchedOption("--output-activation");
        int[] sizes = NetworkSpec.parseSizes(net.layers);
        try (CpuOps ops = new CpuOps()) {
            if (!grid) {
                NetworkSpec spec = net.spec();
                GradCheck.Result r = GradCheck.run(ops, spec, batch, init.resolve(spec), seed);
                printTable(o, r);
                if (main.quiet) text.println(verdict(r.pass()));
                if (json.json) JsonOut.print(cmd.commandLine().getOut(), json(ops, r));
                return r.pass() ? 0 : Main.FAILURE;
            }
            o.printf(
                    "gradient check grid on [%s], batch %d, init %s, seed %d%n",
                    ParamLayout.sizesText(sizes), batch, init.init, seed);
            o.printf(
                    "%-12s %-8s %-22s %12s %12s  %s%n",
                    "hidden", "output", "cost", "fd max rel", "cpu norm err", "result");
            boolean all = true;
            ObjectNode n = JsonOut.object("gradcheck", 1, ops);
            n.put("mode", "grid").put("layers", ParamLayout.sizesText(sizes)).put("batch", batch);
            n.put("init", init.init).put("seed", seed);
            tolerances(n);
            ArrayNode results = n.putArray("grid");
            for (Activation hidden : Activation.hiddenChoices()) {
                for (Object[] oc : outputsAndCosts()) {
                    NetworkSpec spec = NetworkSpec.of(sizes, hidden, (Activation) oc[0], (Cost) oc[1]);
                    GradCheck.Result r = GradCheck.run(ops, spec, batch, init.resolve(spec), seed);
                    all &= r.pass();
                    results.addObject()
                            .put("hidden", hidden.toString())
                            .put("output", oc[0].toString())
                            .put("cost", oc[1].toString())
                            .put("fd_max_rel", r.worstFd())
                            .put("cpu_norm_err", r.worstBackend())
                            .put("pass", r.pass());
                    o.printf(
                            Locale.ROOT,
                            "%-12s %-8s %-22s %12.2e %12.2e  %s%n",
                            hidden,
                            oc[0],
                            oc[1],
                            r.worstFd(),
                            r.worstBackend(),
                            r.pass() ? "pass" : "FAIL");
                }
            }
            o.printf(
                    "tolerances: finite differences %.0e (relative), CPU float32 vs reference %.0e (normalised)%n",
                    GradCheck.FD_TOLERANCE, GradCheck.BACKEND_TOLERANCE);
            o.println(all ? "all passed" : "FAILED");
            if (main.quiet) text.println(all ? "all passed" : "FAILED");
            n.put("pass", all);
            if (json.json) JsonOut.print(cmd.commandLine().getOut(), n);
            return all ? 0 : Main.FAILURE;
        }
    }

    private ObjectNode json(CpuOps ops, GradCheck.Result r) {
        ObjectNode n = JsonOut.object("gradcheck", 1, ops);
        n.put("mode", "single").put("network", r.spec().toString()).put("batch", r.batch());
        n.put("seed", seed);
        tolerances(n);
        n.put("cost_reference", r.costRef()).put("cost_cpu", r.costBackend());
        ArrayNode rows = n.putArray("rows");
        for (GradCheck.Row row : r.rows()) {
            rows.addObject()
                    .put("layer", row.layer())
                    .put("shape", row.shape())
                    .put("fd_weight_rel", row.fdWeightRel())
                    .put("fd_bias_rel", row.fdBiasRel())
                    .put("kinks_skipped", row.skipped())
                    .put("cpu_weight_abs", row.backendWeightAbs())
                    .put("cpu_weight_norm", row.backendWeightNorm())
                    .put("cpu_bias_abs", row.backendBiasAbs())
                    .put("cpu_bias_norm", row.backendBiasNorm())
                    .put("pass", row.fdPass() && row.backendPass());
        }
        n.put("pass", r.pass());
        return n;
    }

    private static void tolerances(ObjectNode n) {
        n.putObject("tolerances")
                .put("finite_differences", GradCheck.FD_TOLERANCE)
                .put("cpu", GradCheck.BACKEND_TOLERANCE);
    }

    static List<Object[]> outputsAndCosts() {
        List<Object[]> l = new ArrayList<>();
        for (Activation out : Activation.hiddenChoices()) l.add(new Object[] {out, Cost.QUADRATIC});
        l.add(new Object[] {Activation.SOFTMAX, Cost.CROSS_ENTROPY});
        l.add(new Object[] {Activation.SIGMOID, Cost.BINARY_CROSS_ENTROPY});
        return l;
    }

    static void printTable(PrintWriter o, GradCheck.Result r) {
        o.printf(
                "gradient check: %s, batch %d; cost reference %.10g, cpu %.10g%n",
                r.spec(), r.batch(), r.costRef(), r.costBackend());
        o.printf("%-6s %-10s | %-28s | %-44s%n", "", "", "reference vs finite diff.", "cpu float32 vs reference");
        o.printf(
                "%-6s %-10s | %10s %10s %6s | %10s %10s %10s %10s | %s%n",
                "layer",
                "W shape",
                "W max rel",
                "b max rel",
                "kinks",
                "W max abs",
                "W norm",
                "b max abs",
                "b norm",
                "result");
        for (GradCheck.Row row : r.rows()) {
            o.printf(
                    Locale.ROOT,
                    "%-6d %-10s | %10.2e %10.2e %6d | %10.2e %10.2e %10.2e %10.2e | %s%n",
                    row.layer(),
                    row.shape(),
                    row.fdWeightRel(),
                    row.fdBiasRel(),
                    row.skipped(),
                    row.backendWeightAbs(),
                    row.backendWeightNorm(),
                    row.backendBiasAbs(),
                    row.backendBiasNorm(),
                    row.fdPass() && row.backendPass() ? "pass" : "FAIL");
        }
        o.printf(
                "tolerances: finite differences %.0e (max relative error), cpu %.0e (normalised: max|g-r|/max|r|); kinks: parameters skipped "
                        + "because a difference straddled a ReLU-family kink%n",
                GradCheck.FD_TOLERANCE, GradCheck.BACKEND_TOLERANCE);
        o.println(verdict(r.pass()));
    }

    private static String verdict(boolean pass) {
        return pass ? "pass" : "FAILED";
    }
}
