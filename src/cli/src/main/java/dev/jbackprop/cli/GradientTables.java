package dev.jbackprop.cli;

import dev.jbackprop.diag.GradientNorms.Norms;
import dev.jbackprop.diag.GradientStudy.Run;
import dev.jbackprop.diag.ScalarChain;
import dev.jbackprop.diag.Spread;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The tables jbackprop gradients prints: per layer at the init and after training, across activations, and the scalar chain. */
final class GradientTables {
    /** Input of the scalar chain. */
    static final double CHAIN_INPUT = 1.0;

    private final PrintWriter o;
    private final InitOption init;
    private final int inits;
    private final long seed;

    GradientTables(PrintWriter o, InitOption init, int inits, long seed) {
        this.o = o;
        this.init = init;
        this.inits = inits;
        this.seed = seed;
    }

    private static Spread spread(List<Run> runs, ToDoubleFunction<Run> f) {
        return Spread.of(runs.stream().mapToDouble(f).toArray());
    }

    private static String layerName(int l) {
        return "hidden " + (l + 1);
    }

    void single(NetworkSpec spec, List<Run> runs, int epochs) {
        int hidden = spec.layers() - 1;
        for (int phase = 0; phase < (epochs > 0 ? 2 : 1); phase++) {
            boolean after = phase == 1;
            if (after) {
                o.printf(
                        Locale.ROOT,
                        "after %d epoch%s (test accuracy %s)%n",
                        epochs,
                        epochs == 1 ? "" : "s",
                        percent(spread(runs, Run::testAccuracy)));
            } else {
                o.println("at initialisation");
            }
            o.printf("%-10s %-30s %-30s %s%n", "layer", "‖∂C/∂b‖", "‖∂C/∂W‖", "‖∂C/∂b‖ ÷ last hidden");
            for (int l = 0; l < hidden; l++) {
                final int ll = l;
                ToDoubleFunction<Run> b = r -> (after ? r.after() : r.atInit()).bias()[ll];
                ToDoubleFunction<Run> w = r -> (after ? r.after() : r.atInit()).weight()[ll];
                ToDoubleFunction<Run> ratio = r -> {
                    Norms n = after ? r.after() : r.atInit();
                    return n.bias()[ll] / n.bias()[hidden - 1];
                };
                o.printf(
                        Locale.ROOT,
                        "%-10s %-30s %-30s %s%n",
                        layerName(l),
                        spread(runs, b).format(),
                        spread(runs, w).format(),
                        ratioText(spread(runs, ratio)));
            }
        }
        o.flush();
    }

    private static String ratioText(Spread s) {
        return s.n() == 1
                ? String.format(Locale.ROOT, "%.3f", s.median())
                : String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", s.median(), s.p10(), s.p90());
    }

    private static String percent(Spread s) {
        return s.n() == 1
                ? String.format(Locale.ROOT, "%.2f%%", 100 * s.median())
                : String.format(Locale.ROOT, "%.2f%% [%.2f, %.2f]", 100 * s.median(), 100 * s.p10(), 100 * s.p90());
    }

    void compare(List<NetworkSpec> specs, List<List<Run>> all, int epochs) {
        String afterHead = "after " + epochs + " epoch" + (epochs == 1 ? "" : "s");
        boolean withAfter = epochs > 0;
        o.printf(
                "%-12s %-8s %-9s %-28s %-28s %-28s %s%n",
                "activation",
                "init",
                "layer",
                "‖∂C/∂b‖ at init",
                withAfter ? "‖∂C/∂b‖ " + afterHead : "",
                "‖∂C/∂W‖ at init",
                withAfter ? "‖∂C/∂W‖ " + afterHead : "");
        for (int i = 0; i < specs.size(); i++) {
            NetworkSpec spec = specs.get(i);
            List<Run> runs = all.get(i);
            for (int l = 0; l < spec.layers() - 1; l++) {
                final int ll = l;
                o.printf(
                        Locale.ROOT,
                        "%-12s %-8s %-9s %-28s %-28s %-28s %s%n",
                        l == 0 ? spec.activation(0).toString() : "",
                        l == 0 ? init.resolve(spec).cliName : "",
                        layerName(l),
                        spread(runs, r -> r.atInit().bias()[ll]).format(),
                        withAfter ? spread(runs, r -> r.after().bias()[ll]).format() : "",
                        spread(runs, r -> r.atInit().weight()[ll]).format(),
                        withAfter ? spread(runs, r -> r.after().weight()[ll]).format() : "");
            }
        }
        if (withAfter) {
            StringBuilder sb = new StringBuilder("test accuracy " + afterHead + ":");
            for (int i = 0; i < specs.size(); i++) {
                sb.append(i == 0 ? " " : "; ")
                        .append(specs.get(i).activation(0))
                        .append(' ')
                        .append(percent(spread(all.get(i), Run::testAccuracy)));
            }
            o.println(sb);
        }
        o.flush();
    }

    void chain(List<NetworkSpec> specs) {
        NetworkSpec c0 = ScalarChain.chainOf(specs.get(0));
        int hidden = c0.layers() - 1;
        o.printf(
                "scalar chain [%s], input x = %s, same inits and seeds: |w_{l+1}·σ′(z_l)|, the factor δ picks up going back from layer l+1 to hidden "
                        + "layer l%s%n",
                c0.sizesText(), CHAIN_INPUT, inits == 1 ? "" : " (median over the " + inits + " inits)");
        StringBuilder head = new StringBuilder(String.format("%-12s %-8s %-7s", "activation", "init", "max σ′"));
        for (int l = 0; l < hidden; l++) head.append(String.format(" %-10s", layerName(l)));
        head.append(" product (= |δ of hidden 1 ÷ δ of the output|)");
        o.println(head);
        for (NetworkSpec spec : specs) {
            NetworkSpec chain = ScalarChain.chainOf(spec);
            Init ik = init.resolve(spec);
            double[][] f = new double[inits][];
            double[] prod = new double[inits];
            for (int i = 0; i < inits; i++) {
                f[i] = ScalarChain.factors(chain, ik, seed + i, CHAIN_INPUT);
                prod[i] = 1;
                for (double v : f[i]) prod[i] *= v;
            }
            StringBuilder row = new StringBuilder(String.format(
                    Locale.ROOT,
                    "%-12s %-8s %-7.3f",
                    spec.activation(0),
                    ik.cliName,
                    ScalarChain.maxSigmaPrime(spec.activation(0))));
            for (int l = 0; l < hidden; l++) {
                final int ll = l;
                double[] col = new double[inits];
                for (int i = 0; i < inits; i++) col[i] = f[i][ll];
                row.append(String.format(Locale.ROOT, " %-10.3e", Spread.of(col).median()));
            }
            row.append(String.format(Locale.ROOT, " %.3e", Spread.of(prod).median()));
            o.println(row);
        }
        o.flush();
    }
}
