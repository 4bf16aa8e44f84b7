package dev.jbackprop.cli;

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
        description = {
            "Runs the same network, weights and batches on the CPU and on the GPU (--backend) and prints, per layer, the max abs and",
            "normalised error (max|gpu-cpu|/max|cpu|) of z, a, delta, dC/dW, dC/db after one step and of W, b after --steps updates.",
            "Tolerance: 1e-4 for FP32, 2.5e-2 with --tf32, 5e-2 with --bf16. Pre-activations within rounding of a kink of sigma'",
            "(ReLU, leaky ReLU) that the two put on different sides are reported as kink flips, not errors. Exit 1 on failure."
        })
public final class VerifyCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Mixin
    NetOptions net;

    @Option(names = "--batch", defaultValue = "32")
    int batch;

    @Option(
            names = "--steps",
            defaultValue = "5",
            description = "Training steps before the weights are compared (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--eta", defaultValue = "0.1")
    double eta;

    @Option(names = "--momentum", defaultValue = "0.9")
    double momentum;

    @Option(names = "--lambda", defaultValue = "1.0")
    double lambda;

    @Option(names = "--init", defaultValue = "scaled")
    String init;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(
            names = "--backend",
            defaultValue = "cuda",
            description = "The backend checked against the CPU (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--tf32", description = "Check cuBLAS TF32 math (tolerance 2.5e-2).")
    boolean tf32;

    @Option(names = "--bf16", description = "Check BF16 GEMM inputs against the FP32 CPU (tolerance 5e-2).")
    boolean bf16;

    @Option(names = "--quiet", description = "Only the summary line.")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter o = cmd.commandLine().getOut();
        PrintWriter e = cmd.commandLine().getErr();
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        if (steps < 0) throw new IllegalArgumentException("--steps must be 0 or more, got " + steps);
        NetworkSpec spec = net.spec("784,100,10", "sigmoid", "cross-entropy");
        Backends.check(backend, tf32, bf16);
        Verify.Tolerance tol = bf16 ? Verify.Tolerance.BF16 : tf32 ? Verify.Tolerance.TF32 : Verify.Tolerance.FP32;
        Step.Hyper hyper = new Step.Hyper(eta, lambda, momentum, 1000);
        try (Ops cpu = Backends.open("cpu", 0, false, false, false, msg -> e.println("jbackprop: " + msg));
                Ops other = Backends.open(backend, 0, tf32, bf16, main.debug, msg -> e.println("jbackprop: " + msg))) {
            Verify.Report r = Verify.run(cpu, other, spec, batch, steps, hyper, Init.parse(init), seed, tol);
            if (!quiet) {
                o.printf(
                        "verify %s vs cpu: %s, batch %d, %d steps, tolerance %s %.1e (normalised)%n",
                        other.name(), spec, batch, steps, tol, tol.value);
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
                        other.name(),
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
                            other.name());
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
            return r.pass() ? 0 : Main.FAILURE;
        }
    }
}
