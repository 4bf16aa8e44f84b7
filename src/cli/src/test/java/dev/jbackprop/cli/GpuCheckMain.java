package dev.jbackprop.cli;

import dev.jbackprop.backend.cuda.CudaBackend;
import dev.jbackprop.diag.VerifyMatrix;
import dev.jbackprop.engine.Ops;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * bench/gpu-check.sh's many-commands-in-one-JVM runner (shipped in the bundle's test jar): a JVM start
 * costs about a second, a verify case on a GPU a fraction of that. Runs `jbackprop` commands through
 * {@link Main#execute}, each announced with a {@code $ jbackprop …} line and followed by its exit code,
 * and keeps one CUDA backend open meanwhile, so the device's primary context is made once.
 *
 * <pre>
 *   GpuCheckMain smoke OUT MATRIX DEADLINE     one training step (synthetic IDX data written to OUT),
 *                                              the matrix's smoke cases, one throughput run
 *   GpuCheckMain verify MATRIX TIER DEADLINE   every case of the tier
 * </pre>
 *
 * DEADLINE is in seconds since the epoch: no command is started with less than {@link #RESERVE_SECONDS}
 * left; those left out are listed as "SKIPPED (time budget)". Exit 0 when every command run passed.
 */
public final class GpuCheckMain {
    private GpuCheckMain() {}

    static final long RESERVE_SECONDS = 10;

    private static final PrintWriter OUT = new PrintWriter(System.out, true);
    private static final PrintWriter ERR = new PrintWriter(System.err, true);

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        int failed;
        try (Ops witness = openWitness()) {
            failed = switch (args[0]) {
                case "smoke" -> smoke(Path.of(args[1]), Path.of(args[2]), Long.parseLong(args[3]));
                case "verify" -> verify(Path.of(args[1]), args[2], Long.parseLong(args[3]));
                default ->
                    throw new IllegalArgumentException(
                            "usage: smoke OUT MATRIX DEADLINE | verify MATRIX TIER DEADLINE");
            };
        }
        OUT.println(failed == 0 ? "all passed" : failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    /** Keeps the primary context alive between commands; null (nothing to hold) without a GPU. */
    private static Ops openWitness() {
        try {
            return CudaBackend.open(false, false, false);
        } catch (RuntimeException | LinkageError e) {
            ERR.println("gpu-check: no CUDA backend to hold open: " + e.getMessage());
            return null;
        }
    }

    static int smoke(Path out, Path matrix, long deadline) throws Exception {
        List<List<String>> commands = new ArrayList<>();
        Path data = TinyData.write(out.resolve("smoke-data"), 512, 128, 1);
        commands.add(List.of(
                "train",
                "--data",
                data.toString(),
                "--hidden",
                "32",
                "--backend",
                "cuda",
                "--steps",
                "1",
                "--epochs",
                "1",
                "--out",
                out.resolve("smoke-train").toString(),
                "--force",
                "--no-progress"));
        for (VerifyMatrix.Case c : VerifyMatrix.read(matrix))
            if (c.tier().equals("smoke")) commands.add(quiet(c.verifyArgs()));
        commands.add(List.of(
                "throughput",
                "--backend",
                "cuda",
                "--json",
                "--layers",
                "784,1024,1024,10",
                "--activation",
                "relu",
                "--cost",
                "cross-entropy",
                "--batch",
                "1024",
                "--steps",
                "50",
                "--warmup",
                "10"));
        return runAll(commands, deadline);
    }

    static int verify(Path matrix, String tier, long deadline) {
        List<List<String>> commands = new ArrayList<>();
        for (VerifyMatrix.Case c : VerifyMatrix.read(matrix))
            if (c.tier().equals(tier)) commands.add(quiet(c.verifyArgs()));
        return runAll(commands, deadline);
    }

    private static List<String> quiet(List<String> verifyArgs) {
        List<String> a = new ArrayList<>(verifyArgs);
        a.add(1, "--quiet");
        return a;
    }

    private static int runAll(List<List<String>> commands, long deadline) {
        int failed = 0;
        for (int i = 0; i < commands.size(); i++) {
            String line = "jbackprop " + String.join(" ", commands.get(i));
            if (System.currentTimeMillis() / 1000 + RESERVE_SECONDS > deadline) {
                for (int j = i; j < commands.size(); j++)
                    OUT.println("SKIPPED (time budget): jbackprop " + String.join(" ", commands.get(j)));
                break;
            }
            OUT.println("$ " + line);
            long t0 = System.nanoTime();
            int code = Main.execute(commands.get(i).toArray(new String[0]), OUT, ERR);
            OUT.printf("exit %d (%.1f s)%n", code, (System.nanoTime() - t0) / 1e9);
            if (code != 0) {
                failed++;
                OUT.println("FAILED: " + line);
            }
        }
        return failed;
    }
}
