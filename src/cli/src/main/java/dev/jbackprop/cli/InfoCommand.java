package dev.jbackprop.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.engine.Ops;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
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

    @ParentCommand
    Main main;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        PrintWriter o = JsonOut.text(
                json.json,
                main.quiet,
                cmd.commandLine().getOut(),
                cmd.commandLine().getErr());
        o.println("jbackprop " + Main.version());
        o.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        String cpuDescription = null, cpuError = null;
        try (CpuOps cpu = new CpuOps()) {
            cpuDescription = cpu.description();
            o.println("cpu:  available: " + cpuDescription);
        } catch (RuntimeException | LinkageError e) {
            cpuError = e.getMessage();
            o.println("cpu:  NOT available: " + cpuError);
        }
        String why = Backends.cudaUnavailableReason();
        List<String> cuda = Backends.cudaInfo().lines().toList(); // the verdict, then what was found and looked at
        o.println(
                why == null
                        ? "cuda: available: " + cuda.get(0).replaceFirst("^CUDA available: ", "")
                        : "cuda: NOT available: " + why);
        for (String line : cuda.subList(1, cuda.size())) o.println("      " + line);
        o.println(PRECISIONS);
        o.flush();
        if (json.json) {
            // the envelope's backend and device: what --backend auto opens here
            try (Ops ops = Backends.open("auto", 0, false, false, false, null)) {
                ObjectNode n = JsonOut.object("info", 1, ops);
                n.put("java", System.getProperty("java.version"));
                n.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
                ObjectNode backends = n.putObject("backends");
                ObjectNode c = backends.putObject("cpu").put("available", cpuError == null);
                if (cpuError == null) c.put("description", cpuDescription);
                else c.put("reason", cpuError);
                ObjectNode g = backends.putObject("cuda").put("available", why == null);
                if (why != null) g.put("reason", why);
                ArrayNode details = g.putArray("details");
                cuda.subList(1, cuda.size()).forEach(details::add);
                n.put("precisions", PRECISIONS);
                JsonOut.print(cmd.commandLine().getOut(), n);
            }
        }
        return 0;
    }
}
