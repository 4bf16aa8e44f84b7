package dev.jbackprop.spark.train;

import dev.jbackprop.cli.DistributedTraining;
import dev.jbackprop.cli.Main;
import dev.jbackprop.spark.BarrierOptions;
import dev.jbackprop.spark.BarrierResult;
import dev.jbackprop.spark.BarrierRunner;
import dev.jbackprop.spark.DistributedRunException;
import dev.jbackprop.spark.SparkContexts;
import dev.jbackprop.spark.SparkSetupException;
import dev.jbackprop.spark.sweep.SweepCommand;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;

/**
 * {@code jbackprop train --workers N} on Apache Spark (registered as the command line's {@link DistributedTraining}):
 * one barrier stage of N {@link TrainWorker}s for the whole run, their gradients summed every step through the
 * XGBoost collective with an integrity tail; a worker that fails fails the stage at once, and the stage is restarted
 * from the run's latest checkpoint up to --max-restarts times. Worker 0's output is printed as it trains ({@link
 * LogRelay}): with --json its JSON lines on stdout, and nothing else.
 */
public final class SparkTraining implements DistributedTraining {
    private static final Pattern LOCAL_CORES = Pattern.compile("local\\[(\\d+|\\*)\\s*(,\\s*\\d+)?]");

    /** How long to wait on a cluster for executors to offer N task slots. */
    static final Duration SLOT_WAIT = Duration.ofSeconds(60);

    @Override
    public int train(Job job) throws Exception {
        PrintWriter text = job.text(); // the human text: stdout, or stderr with --json, or nowhere with --quiet
        PrintWriter err = job.stderr();
        String master = master(job);
        checkLocalSlots(master, job.workers());
        int threads = job.config().threads() > 0 ? job.config().threads() : 1;
        CollectiveExchange.Fault fault =
                CollectiveExchange.Fault.parse(System.getProperty(CollectiveExchange.Fault.PROPERTY));
        TrainWorker worker = new TrainWorker(
                job.args(),
                job.out(),
                job.resume(),
                job.force(),
                job.config().checkpointEvery() == null ? "1e" : null,
                threads,
                job.debug(),
                job.quiet(),
                fault,
                Boolean.getBoolean(CollectiveExchange.NCCL_PROPERTY),
                System.currentTimeMillis());

        long t0 = System.nanoTime();
        SweepCommand.quietSpark(job.quiet());
        SparkContext sc;
        try {
            sc = SparkContexts.start(master, "jbackprop train", Map.of("spark.task.cpus", Integer.toString(threads)));
        } catch (SparkSetupException e) {
            throw new Main.Failure(e.getMessage(), Main.FAILURE, e);
        }
        try {
            text.printf(
                    Locale.ROOT,
                    "jbackprop train: %d workers on %s (started in %.1f s), batch %d (%s per worker), up to %d"
                            + " restart%s -> %s%n",
                    job.workers(),
                    master,
                    (System.nanoTime() - t0) / 1e9,
                    job.config().batch(),
                    slices(job.config().batch(), job.workers()),
                    job.maxRestarts(),
                    job.maxRestarts() == 1 ? "" : "s",
                    job.out());
            text.flush();
            BarrierOptions options = BarrierOptions.of(job.workers())
                    .withMaxRestarts(job.maxRestarts())
                    .withSlotWait(SparkContexts.isInProcess(master) ? Duration.ZERO : SLOT_WAIT);
            BarrierResult<TrainWorker.Result> result;
            LogRelay relay = new LogRelay(job.json(), job.stdout(), text);
            try (LogTail tail = LogTail.start(job.out().resolve(TrainWorker.LOG), relay)) {
                result = BarrierRunner.run(sc, options, worker);
            } catch (SparkSetupException e) {
                throw new Main.Failure(e.getMessage(), Main.FAILURE, e);
            } catch (DistributedRunException e) {
                throw new Main.Failure(
                        e.getMessage() + "; the run continues from its last checkpoint with jbackprop train --resume "
                                + job.out() + " --workers " + job.workers(),
                        Main.FAILURE,
                        e);
            }
            return verdict(result, job, text, err);
        } finally {
            sc.stop();
        }
    }

    /** Worker 0's outcome is the run's; the workers must agree on it and end with the same parameters. */
    private static int verdict(BarrierResult<TrainWorker.Result> result, Job job, PrintWriter text, PrintWriter err) {
        List<TrainWorker.Result> workers = result.byRank();
        TrainWorker.Result first = workers.get(0);
        String stderr = first.stderr();
        for (String line : stderr.split("\\R")) {
            // its warnings; a failure's own line is the run's message (below)
            if (!line.isEmpty() && !(first.code() != 0 && line.equals("jbackprop: " + first.message())))
                err.println(line);
        }
        err.flush();
        for (TrainWorker.Result w : workers) {
            if (w.code() != first.code() || w.paramsCrc() != first.paramsCrc()) {
                throw new Main.Failure(String.format(
                        Locale.ROOT,
                        "worker %d ended with exit %d and parameters %08x, worker 0 with exit %d and %08x: the workers"
                                + " disagree (please report it, with %s)",
                        w.rank(),
                        w.code(),
                        w.paramsCrc(),
                        first.code(),
                        first.paramsCrc(),
                        job.out().resolve(TrainWorker.LOG)));
            }
        }
        if (first.code() != 0) {
            throw new Main.Failure(
                    first.message() == null ? "worker 0's train exited " + first.code() : first.message(),
                    first.code(),
                    null);
        }
        text.printf(
                Locale.ROOT,
                "%d workers, %d attempt%s: the same parameters on every worker (CRC-32 %08x)%n",
                workers.size(),
                result.attempts(),
                result.attempts() == 1 ? "" : "s",
                first.paramsCrc());
        text.flush();
        return 0;
    }

    /** "32" or "21–22": the samples each worker computes per full batch. */
    static String slices(int batch, int workers) {
        int lo = batch / workers, hi = (batch + workers - 1) / workers;
        return lo == hi ? Integer.toString(lo) : lo + "–" + hi;
    }

    /** --spark, else spark-submit's master, else local[N]; refused in one line when malformed or unreachable. */
    static String master(Job job) {
        String submitted = System.getProperty("spark.master");
        String given = job.master();
        if (given != null && submitted != null && !given.strip().equals(submitted)) {
            throw new IllegalArgumentException(
                    "--spark " + given + " differs from spark-submit's master " + submitted + "; give the master once");
        }
        String m = given != null ? given.strip() : submitted != null ? submitted : "local[" + job.workers() + "]";
        try {
            SparkContexts.checkMaster(m);
        } catch (SparkSetupException e) {
            throw new Main.Failure(e.getMessage(), Main.FAILURE, e);
        }
        return m;
    }

    /** On a local[N] master the task slots are known before Spark starts: fewer than the workers is a usage error. */
    static void checkLocalSlots(String master, int workers) {
        Matcher local = LOCAL_CORES.matcher(master);
        int slots;
        if (master.equals("local")) slots = 1;
        else if (local.matches())
            slots = local.group(1).equals("*")
                    ? Runtime.getRuntime().availableProcessors()
                    : Integer.parseInt(local.group(1));
        else return;
        if (slots < workers) {
            throw new IllegalArgumentException("--workers " + workers + " needs " + workers + " task slots at once,"
                    + " but master " + master + " has " + slots + ": use --spark local[" + workers + "] (threads of"
                    + " this process need not be cores), or at most " + slots + " workers");
        }
    }
}
