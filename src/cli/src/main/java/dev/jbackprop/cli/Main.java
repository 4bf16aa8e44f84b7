package dev.jbackprop.cli;

import dev.jbackprop.api.InvalidConfigurationException;
import dev.jbackprop.api.Jbackprop;
import dev.jbackprop.api.JbackpropException;
import dev.jbackprop.backend.cuda.CublasCompat.CublasUnavailableException;
import dev.jbackprop.backend.cuda.GpuException;
import dev.jbackprop.engine.DivergedException;
import dev.jbackprop.engine.InsufficientMemoryException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The jbackprop command line. Exit codes: 0 success; 1 a failure (a file that is missing or
 * corrupt, training that diverged, a backend that is not available, a check that failed); 2 a
 * usage error (unknown option, bad number, invalid network); 3 (verify) no usable GPU. One line on
 * stderr, no stack trace unless --debug.
 */
@Command(
        name = "jbackprop",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Trains multi-layer perceptrons by backpropagation, on the CPU or an NVIDIA GPU.",
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            PredictCommand.class,
            GradcheckCommand.class,
            GradientsCommand.class,
            VerifyCommand.class,
            ThroughputCommand.class,
            InfoCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    /** Exit code for failures that are not usage errors. */
    public static final int FAILURE = 1;

    /** Columns of --help. */
    static final int HELP_WIDTH = 100;

    /** Exit code for usage errors. */
    public static final int USAGE = 2;

    @Option(
            names = "--debug",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces; on the GPU, synchronise after each launch (default: off).")
    boolean debug;

    @Option(
            names = "--quiet",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Only the result on stdout (the last line, the verdict, or the JSON) and only errors on "
                    + "stderr: no progress, no notices (default: off).")
    boolean quiet;

    /** Exit code of verify when no usable GPU is there (with the reason). */
    public static final int NO_GPU = 3;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** A failure with a message for the user (exit 1 unless said otherwise). */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int exitCode;

        public Failure(String message) {
            this(message, FAILURE, null);
        }

        public Failure(String message, int exitCode, Throwable cause) {
            super(message, cause);
            this.exitCode = exitCode;
        }
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code (tests call this in-process). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = false;
        for (String a : args) if (a.equals("--debug")) debug = true;
        final boolean showTrace = debug;
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        CommandExtension.addAll(cl); // before the settings below, which apply to the commands added so far
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpWidth(HELP_WIDTH);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("jbackprop: " + ex.getMessage().replace('\n', ' ').trim() + " (see: "
                    + commandPath(ex.getCommandLine()) + " --help)");
            if (showTrace) ex.printStackTrace(err);
            err.flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            Outcome r = outcome(ex);
            err.println("jbackprop: "
                    + (r.message() == null ? ex.toString() : r.message().replace('\n', ' ')));
            if (showTrace) ex.printStackTrace(err);
            err.flush();
            return r.exitCode();
        });
        // the library's log records are the command's notices (none with --quiet), once the options are known
        cl.setExecutionStrategy(parsed -> {
            try (LibraryLog.Route route = LibraryLog.route(main.notices(err), main.debug)) {
                return new CommandLine.RunLast().execute(parsed);
            }
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError oom) {
            err.println("jbackprop: out of host memory (" + oom.getMessage()
                    + "); try a smaller --batch or network, or more heap: JAVA_OPTS=-Xmx16g");
            if (showTrace) oom.printStackTrace(err);
            err.flush();
            return FAILURE;
        }
    }

    /** What the user is told about an exception, and the exit code. */
    private record Outcome(int exitCode, String message) {}

    /**
     * The one place where exceptions become messages: the library's name settings (see {@link Flags}), usage errors
     * exit 2, failures 1; anything unexpected is an internal error.
     */
    private static Outcome outcome(Exception ex) {
        if (ex instanceof Failure f) return new Outcome(f.exitCode, f.getMessage());
        if (ex instanceof DivergedException d) return new Outcome(FAILURE, "training diverged: " + Flags.message(d));
        if (ex instanceof InsufficientMemoryException m) return new Outcome(FAILURE, Flags.message(m));
        if (ex instanceof TrainRun.WriteFailed w)
            return new Outcome(FAILURE, "cannot write " + w.failure.file() + " (" + TrainRun.reason(w.failure) + ")");
        if (ex instanceof IllegalArgumentException) return new Outcome(USAGE, Flags.messageOf(ex));
        if (ex instanceof InvalidConfigurationException) return new Outcome(USAGE, ex.getMessage());
        if (ex instanceof JbackpropException) return new Outcome(FAILURE, ex.getMessage()); // data, files, backends
        if (ex instanceof java.io.IOException || ex instanceof GpuException || ex instanceof CublasUnavailableException)
            return new Outcome(FAILURE, Flags.messageOf(ex)); // a GPU error names its operation and device
        return new Outcome(
                FAILURE,
                "internal error: " + ex + " (run again with --debug for the stack trace, and please report it)");
    }

    private static String commandPath(CommandLine c) {
        String name = c.getCommandName();
        return name.equals("jbackprop") ? name : "jbackprop " + name;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jbackprop " + version()};
        }
    }

    /** The library's version (from the build; the jar's manifest when run from an older build). */
    public static String version() {
        String v = Jbackprop.version();
        if (!v.equals("unknown")) return v;
        v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Whether --quiet was given: only the result on stdout, only errors on stderr. */
    public boolean quiet() {
        return quiet;
    }

    /**
     * Where a command's notices go: stderr with the "jbackprop: " prefix, or nowhere with --quiet. Every notice of
     * every command (data being fetched, the backend chosen, a plot that could not be drawn, the library's log
     * records) goes through here, so that --quiet silences them all; errors do not: they end the command.
     */
    public java.util.function.Consumer<String> notices(PrintWriter err) {
        return msg -> {
            if (!quiet) err.println("jbackprop: " + msg);
        };
    }
}
