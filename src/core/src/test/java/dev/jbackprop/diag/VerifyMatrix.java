package dev.jbackprop.diag;

import dev.jbackprop.engine.Step;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.NetworkSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * bench/verify-matrix.txt: the `jbackprop verify` cases bench/gpu-check.sh runs on a GPU, read once
 * for the GPU check (VerifyMatrixMain runs them in one JVM) and for the CPU-side tolerance tests that
 * emulate the reduced-precision ones (Bf16ToleranceTest, Tf32ToleranceTest), so the two cannot drift.
 */
public final class VerifyMatrix {
    private VerifyMatrix() {}

    public static final Path FILE = dev.jbackprop.ProjectRoot.resolve("bench/verify-matrix.txt");

    /** verify's defaults for the options a case may leave out (VerifyCommand). */
    static final double ETA = 0.1, LAMBDA = 1.0, MOMENTUM = 0.9;

    /** One line's case in one precision: {@code args} are verify's options, without the precision flag. */
    public record Case(String tier, String precision, List<String> args) {
        /** verify's command line for this case ("--tf32", "--bf16" or nothing for fp32). */
        public List<String> verifyArgs() {
            List<String> a = new ArrayList<>(List.of("verify"));
            a.addAll(args);
            if (!precision.equals("fp32")) a.add("--" + precision);
            return a;
        }

        String option(String name, String otherwise) {
            int i = args.indexOf(name);
            return i < 0 ? otherwise : args.get(i + 1);
        }

        public NetworkSpec spec() {
            String out = option("--output-activation", null);
            return NetworkSpec.of(
                    NetworkSpec.parseSizes(option("--layers", "784,100,10")),
                    List.of(Activation.parse(option("--activation", "sigmoid"))),
                    out == null ? null : Activation.parse(out),
                    Cost.parse(option("--cost", "cross-entropy")));
        }

        public int batch() {
            return Integer.parseInt(option("--batch", "32"));
        }

        public int steps() {
            return Integer.parseInt(option("--steps", "5"));
        }

        /** verify's hyper-parameters (its n = 1000 for the L2 term). */
        public Step.Hyper hyper() {
            return new Step.Hyper(Double.parseDouble(option("--eta", String.valueOf(ETA))), LAMBDA, MOMENTUM, 1000);
        }

        @Override
        public String toString() {
            return precision + " " + String.join(" ", args);
        }
    }

    /** The options a line may use: the ones the emulation reads (anything else would be silently ignored there). */
    static final List<String> OPTIONS =
            List.of("--layers", "--activation", "--cost", "--output-activation", "--batch", "--steps", "--eta");

    public static List<Case> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Case> cases = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            List<String> t = Arrays.asList(line.split("\\s+"));
            String where = file + ":" + (n + 1) + ": ";
            if (t.size() < 2 || !(t.get(0).equals("smoke") || t.get(0).equals("matrix")))
                throw new IllegalArgumentException(where + "expected TIER (smoke or matrix) PRECISIONS options…");
            List<String> args = t.subList(2, t.size());
            for (int i = 0; i < args.size(); i += 2) {
                if (!OPTIONS.contains(args.get(i)) || i + 1 >= args.size())
                    throw new IllegalArgumentException(
                            where + "'" + args.get(i) + "' is not one of " + OPTIONS + " with a value");
            }
            for (String p : t.get(1).split(",")) {
                if (!List.of("fp32", "tf32", "bf16").contains(p))
                    throw new IllegalArgumentException(where + "precision '" + p + "' is not fp32, tf32 or bf16");
                cases.add(new Case(t.get(0), p, List.copyOf(args)));
            }
        }
        return cases;
    }

    public static List<Case> read() {
        return read(FILE);
    }
}
