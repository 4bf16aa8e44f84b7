package dev.jbackprop.cli;

import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * A command another module adds to jbackprop: found with {@link ServiceLoader} when that module's jar is on the class
 * path (jbackprop-spark registers {@code sweep} in {@code META-INF/services/dev.jbackprop.cli.CommandExtension}), so
 * that the command line itself depends on no such module.
 */
public interface CommandExtension {
    /** The command's name, as typed after {@code jbackprop}. */
    String name();

    /** A new picocli command object (a class annotated with {@link Command}). */
    Object newCommand();

    /** Adds every extension on the class path to {@code cl}, and a stand-in for {@code sweep} when none provides it. */
    static void addAll(CommandLine cl) {
        for (CommandExtension e : ServiceLoader.load(CommandExtension.class)) {
            if (!cl.getSubcommands().containsKey(e.name())) cl.addSubcommand(e.name(), e.newCommand());
        }
        if (!cl.getSubcommands().containsKey("sweep")) cl.addSubcommand("sweep", new SweepUnavailable());
    }

    /** {@code sweep} where the Spark module is not on the class path: says how to run it. */
    @Command(
            name = "sweep",
            mixinStandardHelpOptions = true,
            description = "Hyper-parameter sweeps on Apache Spark: run ./jbackprop sweep (this jar leaves Spark out).",
            footer = {
                "Run it as ./jbackprop sweep (which builds src/spark and fetches Spark once), or spark-submit "
                        + "src/spark/dist/target/jbackprop-spark-all.jar sweep ... (README, Sweeps)."
            })
    final class SweepUnavailable implements Callable<Integer> {
        @Unmatched
        java.util.List<String> args;

        @Override
        public Integer call() {
            throw new Main.Failure("sweep runs on Apache Spark, which this jar leaves out: run ./jbackprop sweep"
                    + " (it builds src/spark and fetches Spark once), or spark-submit jbackprop-spark-all.jar sweep"
                    + " (README, Sweeps)");
        }
    }
}
