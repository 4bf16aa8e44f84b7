package dev.jbackprop.cli;

import dev.jbackprop.backend.cpu.CpuOps;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** jbackprop info: version and the backends this machine can use (and why not). */
@Command(
        mixinStandardHelpOptions = true,
        name = "info",
        description = "Prints the version and each backend: available, or why not.")
public final class InfoCommand implements Callable<Integer> {
    static final String PRECISIONS =
            "GEMM precision: cpu FP32; cuda FP32, TF32 with --tf32, or BF16 inputs with FP32 sums and master weights"
                    + " with --bf16 (TF32 and BF16 tensor cores: compute capability 8.0 or later)";

    @Spec
    CommandSpec cmd;

    @Override
    public Integer call() {
        PrintWriter o = cmd.commandLine().getOut();
        o.println("jbackprop " + Main.version());
        o.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        try (CpuOps cpu = new CpuOps()) {
            o.println("cpu:  available: " + cpu.description());
        } catch (RuntimeException | LinkageError e) {
            o.println("cpu:  NOT available: " + e.getMessage());
        }
        String why = Backends.cudaUnavailableReason();
        List<String> cuda = Backends.cudaInfo().lines().toList(); // the verdict, then what was found and looked at
        o.println(
                why == null
                        ? "cuda: available: " + cuda.get(0).replaceFirst("^CUDA available: ", "")
                        : "cuda: NOT available: " + why);
        for (String line : cuda.subList(1, cuda.size())) o.println("      " + line);
        o.println(PRECISIONS);
        return 0;
    }
}
