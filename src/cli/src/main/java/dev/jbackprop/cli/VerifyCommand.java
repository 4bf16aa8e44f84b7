package dev.jbackprop.cli;

import static dev.jbackprop.cli.CommandDefaults.network;
import static dev.jbackprop.cli.CommandDefaults.option;
import static dev.jbackprop.cli.CommandDefaults.training;

import dev.jbackprop.diag.Verify;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** jbackprop verify: the GPU backend against the CPU backend, layer by layer. */
@Command(
        mixinStandardHelpOptions = true,
        name = "verify",
        sortOptions = false,
        defaultValueProvider = VerifyCommand.Defaults.class,
        description = {
            "Runs the same network, weights and batches on the CPU and on the GPU (--backend) and prints, per layer, "
                    + "the max abs and normalised error (max|gpu-cpu|/max|cpu|) of z, a, delta, dC/dW and dC/db after "
                    + "one step and of W and b after --steps updates.",
            "Tolerance: 1e-4 for FP32, 2.5e-2 with --tf32, 5e-2 with --bf16. Pre-activations within rounding of a "
                    + "kink of sigma' (ReLU, leaky ReLU) that the two put on different sides are reported as kink "
                    + "flips, not errors. Exit 1 on failure."
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

    @Option(names = "--quiet", description = "Only the summary line (default: the table too).")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter o = cmd.commandLine().getOut();
        PrintWriter e = cmd.commandLine().getErr();
        training.check();
        if (steps < 0) throw new IllegalArgumentException("--steps must be 0 or more, got " + steps);
        NetworkSpec spec = net.spec();
        Init initKind = init.resolve(spec);
        backend.check(precision.tf32, precision.bf16);
        Verify.Tolerance tol =
                precision.bf16 ? Verify.Tolerance.BF16 : precision.tf32 ? Verify.Tolerance.TF32 : Verify.Tolerance.FP32;
        int batch = training.batch;
        Step.Hyper hyper = training.hyper(1000);
        try (Ops cpu = Backends.open(
                        "cpu", backend.threads, false, false, false, msg -> e.println("jbackprop: " + msg));
                Ops other = backend.open(precision, main.debug, msg -> e.println("jbackprop: " + msg))) {
            Verify.Report r = Verify.run(cpu, other, spec, batch, steps, hyper, initKind, training.seed, tol);
            print(o, other.name(), spec, tol, r);
            return r.pass() ? 0 : Main.FAILURE;
        }
    }

    private void print(PrintWriter o, String backendName, NetworkSpec spec, Verify.Tolerance tol, Verify.Report r) {
        int batch = training.batch;
        if (!quiet) {
            o.printf(
                    "verify %s vs cpu: %s, batch %d, %d steps, tolerance %s %.1e (normalised)%n",
                    backendName, spec, batch, steps, tol, tol.value);
            o.printf("%-6s %-12s %12s %12s  %s%n", "layer", "quantity", "max abs", "normalised", "result");
            for (Verify.Row row : r.rows()) {
                o.printf(
                        Locale.ROOT,
                        "%-6d %-12s %12.3e %12.3e  %s%n",
                        row.layer(),
                        row.quantity(),
                        row.maxAbs(),
                        row.normalised(),
                        row.pass() ? "pass" : "FAIL");
            }
            o.printf(
                    Locale.ROOT,
                    "cost of the first batch: cpu %.8g, %s %.8g%n",
                    r.costWant(),
                    backendName,
                    r.costGot());
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
                        backendName);
            }
        }
        Verify.Row w = r.worst();
        o.printf(
                Locale.ROOT,
                "%s: %s batch %d steps %d %s: worst %s layer %d normalised %.3e (tolerance %.1e)%s%n",
                r.pass() ? "PASS" : "FAIL",
                spec,
                batch,
                steps,
                tol,
                w.quantity(),
                w.layer(),
                w.normalised(),
                tol.value,
                r.flipCount() > 0 ? "; " + r.flipCount() + " kink flips (not errors)" : "");
    }
}
