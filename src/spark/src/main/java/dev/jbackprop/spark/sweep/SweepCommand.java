package dev.jbackprop.spark.sweep;

import dev.jbackprop.cli.Main;
import dev.jbackprop.spark.SparkContexts;
import dev.jbackprop.spark.SparkSetupException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * jbackprop sweep: a grid or a seeded random search over train's options, one Spark task per configuration, each a
 * normal training run into its own directory; sweep.csv, sweep.json and sweep.png at the end, and the best run printed.
 * Everything that can be checked (the grid, train's options for every configuration, the output directory, the
 * master, the cores a run needs) is checked before Spark starts or anything is written.
 */
@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Trains one network per configuration of a grid (or of a random search) on Apache Spark and ranks them.",
            "Each configuration is a normal train run (the options after the sweep's own are train's, the same for "
                    + "every run) in its own directory under --out, checkpointed, so that a retried task resumes it. "
                    + "Spark runs embedded (local[*]) unless --spark names a cluster; under spark-submit, its master.",
            "",
            "--grid SPEC: axes separated by ';', each key=values, key a train option without -- (or hidden: the "
                    + "hidden layer sizes between --layers' input and output), values separated by ',' (by '|' when "
                    + "a value holds commas: layers=784,128,10|784,64,64,10). With --random N, an axis may also be a "
                    + "range lo..hi (whole numbers when both ends are), drawn uniformly, or log-uniformly as "
                    + "log:lo..hi.",
            "",
            "Writes, under --out: sweep-plan.json first, a directory per run (train's files, train.log, "
                    + "sweep-run.json when it is over), then sweep.csv, sweep.json and sweep.png."
        },
        footer = {
            "",
            "Examples:",
            "  jbackprop sweep --grid \"eta=0.01,0.05;batch=32,64;hidden=128,256\" --epochs 4 --train-size 50000",
            "  jbackprop sweep --grid \"eta=log:0.005..0.2;momentum=0,0.9;hidden=32..512\" --random 20",
            "  jbackprop sweep --resume sweeps/20261203-101500"
        })
public final class SweepCommand implements Callable<Integer> {
    /** How long to wait on a cluster for an executor that can run a configuration. */
    static final int EXECUTOR_WAIT_SECONDS = 120;

    private static final Pattern EVERY = Pattern.compile("(\\d{1,12})(e?)");
    private static final Pattern LOCAL_CORES = Pattern.compile("local\\[(\\d+|\\*)\\s*(,\\s*\\d+)?]");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*");

    @Spec
    CommandSpec cmd;

    @ParentCommand
    Main main;

    @Option(
            names = "--grid",
            paramLabel = "SPEC",
            description = "The options to vary and their values, such as \"eta=0.01,0.05;batch=32,64\" (see above)"
                    + " (default: none; needed unless --resume).")
    String grid;

    @Option(
            names = "--random",
            paramLabel = "N",
            description = "Draw N distinct configurations from --grid instead of running all of its combinations "
                    + "(default: the whole grid).")
    Integer random;

    @Option(
            names = "--random-seed",
            paramLabel = "S",
            defaultValue = "1",
            description = "Seed of the --random draws: the same grid and seed draw the same configurations "
                    + "(default: ${DEFAULT-VALUE}).")
    long randomSeed;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "The sweep's directory, new or empty; on a cluster, a path every executor can write "
                    + "(default: sweeps/<date-time>).")
    Path out;

    @Option(
            names = "--resume",
            paramLabel = "DIR",
            description = "Continue the sweep in DIR with its stored plan: finished runs are kept, the others "
                    + "resume from their last checkpoint (default: a new sweep).")
    Path resume;

    @Option(
            names = "--spark",
            paramLabel = "MASTER",
            description = "Spark master: local[N] or local[*] (embedded, nothing to install), spark://host:port, "
                    + "yarn, k8s://... (default: spark-submit's master, else local[*]).")
    String spark;

    @Option(
            names = "--cores-per-run",
            paramLabel = "C",
            defaultValue = "1",
            description = "CPU cores each run takes (Spark's spark.task.cpus; train's --threads unless given) "
                    + "(default: ${DEFAULT-VALUE}).")
    int coresPerRun;

    @Option(
            names = "--max-attempts",
            paramLabel = "K",
            defaultValue = "3",
            description = "Attempts Spark gives each run (spark.task.maxFailures; local[N] becomes local[N,K]); "
                    + "a retried run resumes from its last checkpoint (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(
            names = "--checkpoint-every",
            paramLabel = "N|Ne",
            defaultValue = "1e",
            description = "Each run's --checkpoint-every: every N steps, or every N epochs with Ne "
                    + "(default: ${DEFAULT-VALUE}).")
    String checkpointEvery;

    @Option(
            names = "--dry-run",
            description = "Print the configurations and each run's train arguments, then stop: nothing is "
                    + "written and Spark does not start (default: off).")
    boolean dryRun;

    /** Train's options, the same for every run: whatever the sweep does not take itself. */
    @Unmatched
    List<String> train = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = cmd.commandLine().getOut();
        PrintWriter stderr = cmd.commandLine().getErr();
        boolean quiet = main != null && main.quiet();
        // --quiet: stdout keeps the result (the report), stderr only errors
        PrintWriter progress = quiet ? new PrintWriter(java.io.Writer.nullWriter()) : stdout;
        SweepPlan plan;
        Path dir;
        if (resume != null) {
            refuseWithResume();
            dir = resume;
            try {
                plan = SweepPlan.read(resume);
            } catch (IOException e) {
                throw new Main.Failure("--resume: " + e.getMessage());
            }
        } else {
            checkOptions();
            plan = SweepPlan.of(grid, random == null ? 0 : random, randomSeed, train, checkpointEvery, coresPerRun);
            dir = out != null
                    ? out
                    : Path.of("sweeps", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        if (dryRun) {
            printPlan(stdout, plan, dir);
            return 0;
        }
        if (resume == null) checkNew(dir);
        String master = master();
        checkLocalCores(master, plan.coresPerRun());
        String withRetries = withRetries(master);

        long t0 = System.nanoTime();
        quietSpark(quiet);
        SparkContext sc;
        try {
            sc = SparkContexts.start(withRetries, "jbackprop sweep", settings(plan));
        } catch (SparkSetupException e) {
            throw new Main.Failure(e.getMessage(), Main.FAILURE, e);
        }
        try {
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            awaitExecutor(sc, master, plan.coresPerRun());
            if (resume == null) create(dir, plan);
            progress.printf(
                    Locale.ROOT,
                    "jbackprop sweep: %d run%s (%s%s) on %s (started in %.1f s), %d core%s each -> %s%n",
                    plan.runs().size(),
                    plan.runs().size() == 1 ? "" : "s",
                    plan.random() > 0 ? "random " + plan.random() + " of " : "grid ",
                    plan.grid(),
                    master,
                    startSeconds,
                    plan.coresPerRun(),
                    plan.coresPerRun() == 1 ? "" : "s",
                    dir);
            progress.flush();
            List<RunResult> results = Sweep.run(sc, plan, dir, progress);
            SweepReport report = new SweepReport(plan, results);
            report.write(dir, master, (System.nanoTime() - t0) / 1e9, notices(stderr));
            report.print(stdout, dir);
            return verdict(results, report, dir, stderr);
        } finally {
            sc.stop();
        }
    }

    /** 0 when every run trained to its end or diverged (a result), else 1 with a line saying which did not. */
    private static int verdict(List<RunResult> results, SweepReport report, Path dir, PrintWriter err) {
        List<String> bad = new ArrayList<>();
        for (RunResult r : results) {
            if (r.status() == RunResult.Status.FAILED || r.status() == RunResult.Status.INVALID)
                bad.add(r.name() + " " + r.status().name().toLowerCase(Locale.ROOT) + ": " + r.message());
        }
        if (bad.isEmpty() && report.best() != null) return 0;
        String which = bad.isEmpty()
                ? "no run trained to its end"
                : bad.size() + " of " + results.size() + " runs did not finish (" + bad.get(0)
                        + (bad.size() > 1 ? "; …" : "") + ")";
        err.println("jbackprop: " + which + "; the results are in " + dir.resolve(SweepReport.CSV) + " and each run's "
                + SweepTask.LOG + "; after a fix, continue with jbackprop sweep --resume " + dir);
        err.flush();
        return Main.FAILURE;
    }

    private void refuseWithResume() {
        ParseResult given = cmd.commandLine().getParseResult();
        for (String o :
                List.of("--grid", "--random", "--random-seed", "--out", "--cores-per-run", "--checkpoint-every")) {
            if (given.hasMatchedOption(o)) {
                throw new IllegalArgumentException(o + " does not go with --resume: a resumed sweep keeps its plan"
                        + " (only --spark, --max-attempts and --dry-run may be given)");
            }
        }
        if (!train.isEmpty()) {
            throw new IllegalArgumentException("train options (" + String.join(" ", train) + ") do not go with"
                    + " --resume: a resumed sweep keeps its plan");
        }
    }

    private void checkOptions() {
        if (grid == null) {
            throw new IllegalArgumentException("sweep needs --grid (such as --grid \"eta=0.01,0.05;batch=32,64\"),"
                    + " or --resume DIR to continue a sweep");
        }
        ParseResult given = cmd.commandLine().getParseResult();
        if (random == null && given.hasMatchedOption("--random-seed"))
            throw new IllegalArgumentException("--random-seed goes with --random N");
        if (coresPerRun < 1)
            throw new IllegalArgumentException("--cores-per-run must be at least 1, got " + coresPerRun);
        Matcher m = EVERY.matcher(checkpointEvery.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()
                || Long.parseLong(m.group(1)) < 1
                || (!m.group(2).isEmpty() && m.group(1).length() > 9)) {
            throw new IllegalArgumentException("--checkpoint-every takes N (every N steps) or Ne (every N epochs),"
                    + " N ≥ 1; got '" + checkpointEvery + "'");
        }
        checkpointEvery = checkpointEvery.strip().toLowerCase(Locale.ROOT);
    }

    /** A new sweep goes into a new or empty directory: nothing that is not the sweep's is written over. */
    private static void checkNew(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir))
            throw new Main.Failure("--out " + dir + " is a file, not a directory; choose another --out");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    boolean sweep = Files.exists(dir.resolve(SweepPlan.FILE));
                    throw new Main.Failure("--out " + dir + " already holds "
                            + (sweep ? "a sweep; continue it with jbackprop sweep --resume " + dir + ", or" : "files;")
                            + " choose another --out");
                }
            }
        }
    }

    private static void create(Path dir, SweepPlan plan) {
        try {
            Files.createDirectories(dir);
            plan.write(dir);
        } catch (IOException | SecurityException e) {
            throw new Main.Failure("cannot write to the sweep's directory " + dir + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); choose another --out");
        }
    }

    /** --spark, else the master spark-submit set, else local[*]; the two must agree where both are given. */
    private String master() {
        String submitted = System.getProperty("spark.master");
        if (spark != null && submitted != null && !spark.strip().equals(submitted)) {
            throw new IllegalArgumentException(
                    "--spark " + spark + " differs from spark-submit's master " + submitted + "; give the master once");
        }
        String m = spark != null ? spark.strip() : submitted != null ? submitted : "local[*]";
        try {
            SparkContexts.checkMaster(m);
        } catch (SparkSetupException e) {
            throw new Main.Failure(e.getMessage(), Main.FAILURE, e);
        }
        return m;
    }

    /** A run needs coresPerRun cores of one executor: on this machine that is known before Spark starts. */
    static void checkLocalCores(String master, int coresPerRun) {
        int cores;
        Matcher local = LOCAL_CORES.matcher(master);
        Matcher cluster = LOCAL_CLUSTER.matcher(master);
        if (master.equals("local")) cores = 1;
        else if (local.matches())
            cores = local.group(1).equals("*")
                    ? Runtime.getRuntime().availableProcessors()
                    : Integer.parseInt(local.group(1));
        else if (cluster.matches()) cores = Integer.parseInt(cluster.group(1));
        else return;
        if (cores < coresPerRun) {
            throw new IllegalArgumentException("--cores-per-run " + coresPerRun + " asks for more cores than master "
                    + master + " gives an executor (" + cores + "); use --cores-per-run " + cores
                    + " or fewer, or a master with more cores");
        }
    }

    /** local[N] becomes local[N,K] (Spark retries no task on local[N]); other masters get spark.task.maxFailures. */
    private String withRetries(String master) {
        if (maxAttempts < 1)
            throw new IllegalArgumentException("--max-attempts must be at least 1, got " + maxAttempts);
        if (master.equals("local")) return "local[1," + maxAttempts + "]";
        Matcher local = LOCAL_CORES.matcher(master);
        if (local.matches() && local.group(2) == null) return "local[" + local.group(1) + "," + maxAttempts + "]";
        return master;
    }

    private Map<String, String> settings(SweepPlan plan) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("spark.task.cpus", Integer.toString(plan.coresPerRun()));
        s.put("spark.task.maxFailures", Integer.toString(maxAttempts));
        return s;
    }

    /**
     * On a cluster, waits for an executor that can run a configuration: one whose cores are fewer than
     * --cores-per-run would leave every run waiting forever. Not with dynamic allocation, which starts executors only
     * once tasks wait.
     */
    private static void awaitExecutor(SparkContext sc, String master, int coresPerRun) {
        if (SparkContexts.isInProcess(master) || sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false))
            return;
        long deadline = System.nanoTime() + EXECUTOR_WAIT_SECONDS * 1_000_000_000L;
        int executors = 0;
        while (System.nanoTime() < deadline) {
            if (SparkContexts.slots(sc) > 0) return;
            executors = sc.statusTracker().getExecutorInfos().length - 1; // the driver is listed too
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Main.Failure("interrupted while waiting for Spark's executors");
            }
        }
        throw new Main.Failure(
                executors == 0
                        ? "no executor registered with " + master + " within " + EXECUTOR_WAIT_SECONDS
                                + " s; check that"
                                + " the cluster has free workers, or run on this machine with --spark local[*]"
                        : executors + " executor(s) registered with " + master + ", but none has the " + coresPerRun
                                + " core(s) a run needs (--cores-per-run); use fewer, or executors with more cores");
    }

    /** Where the sweep's notices go: stderr, or nowhere with --quiet. */
    private java.util.function.Consumer<String> notices(PrintWriter err) {
        return main != null ? main.notices(err) : msg -> err.println("jbackprop: " + msg);
    }

    /**
     * Spark's logging at WARN (at ERROR with --quiet), unless it is configured already (spark-submit,
     * -Dlog4j2.configurationFile, or an earlier sweep in this JVM: log4j reads its configuration once).
     */
    public static void quietSpark(boolean quiet) {
        if (System.getProperty("log4j2.configurationFile") != null || System.getProperty("spark.master") != null)
            return;
        URL config =
                SweepCommand.class.getResource(quiet ? "log4j2-sweep-quiet.properties" : "log4j2-sweep.properties");
        if (config != null) System.setProperty("log4j2.configurationFile", config.toString());
    }

    private static void printPlan(PrintWriter out, SweepPlan plan, Path dir) {
        out.printf(
                Locale.ROOT,
                "%d configuration%s (%s%s), each: jbackprop train ARGS --out %s --checkpoint-every %s%n",
                plan.runs().size(),
                plan.runs().size() == 1 ? "" : "s",
                plan.random() > 0 ? "random " + plan.random() + " of " : "grid ",
                plan.grid(),
                dir.resolve("run-…"),
                plan.checkpointEvery());
        int width =
                plan.runs().stream().mapToInt(r -> r.describe().length()).max().orElse(0);
        for (SweepPlan.Run r : plan.runs()) {
            out.printf(
                    Locale.ROOT,
                    "%s  %-" + Math.max(1, width) + "s  %s%n",
                    r.name(),
                    r.describe(),
                    String.join(" ", r.args()));
        }
        out.flush();
    }
}
