package dev.jbackprop.spark.sweep;

import dev.jbackprop.spark.SparkContexts;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Runs a {@link SweepPlan} on Spark: one job of one task per run, all submitted at once, so Spark runs as many at a time
 * as it has slots and a run that fails for good fails alone (one job with a task per run would abort every run with
 * it). The driver prints a line as each run ends, and one when Spark retries a run.
 */
public final class Sweep {
    private static final AtomicLong SWEEPS = new AtomicLong();
    private static final Pattern MOST_RECENT = Pattern.compile("most recent failure: [^\\n]*?\\): ([^\\n]*)");

    private Sweep() {}

    /**
     * Runs every run of the plan whose result is not yet in {@code out} and returns the results in the plan's order.
     *
     * @param out the sweep's directory (each run in its own directory under it), on storage every executor can reach
     * @param progress where a line per finished (or retried) run goes
     */
    public static List<RunResult> run(SparkContext sc, SweepPlan plan, Path out, PrintWriter progress) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        SweepTask task = new SweepTask(out, plan.checkpointEvery());
        String prefix = "jbackprop-sweep-" + SWEEPS.incrementAndGet() + "-";
        Retries retries = new Retries(prefix, progress);
        sc.addSparkListener(retries);
        Map<SweepPlan.Run, JavaFutureAction<List<RunResult>>> jobs = new LinkedHashMap<>();
        try {
            for (SweepPlan.Run run : plan.runs()) {
                sc.setJobGroup(prefix + run.name(), "jbackprop sweep " + run.name() + ": " + run.describe(), true);
                jobs.put(run, jsc.parallelize(List.of(run), 1).map(task).collectAsync());
            }
            sc.clearJobGroup();
            RunResult[] results = new RunResult[jobs.size()];
            int finished = 0;
            List<SweepPlan.Run> pending = new ArrayList<>(jobs.keySet());
            while (!pending.isEmpty()) {
                for (SweepPlan.Run run : List.copyOf(pending)) {
                    JavaFutureAction<List<RunResult>> f = jobs.get(run);
                    if (!f.isDone()) continue;
                    pending.remove(run);
                    RunResult r = outcome(run, f, Math.max(retries.failures(run.name()), startsIn(out, run)), out);
                    results[plan.runs().indexOf(run)] = r;
                    finished++;
                    progress.println(String.format(Locale.ROOT, "[%d/%d] %s", finished, jobs.size(), line(r)));
                    progress.flush();
                }
                if (!pending.isEmpty()) sleep(100);
            }
            return List.of(results);
        } catch (RuntimeException e) {
            for (JavaFutureAction<List<RunResult>> f : jobs.values()) f.cancel(true);
            throw e;
        } finally {
            sc.clearJobGroup();
            sc.removeSparkListener(retries);
        }
    }

    private static RunResult outcome(SweepPlan.Run run, JavaFutureAction<List<RunResult>> f, int attempts, Path out) {
        try {
            return f.get().get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + run.name(), e);
        } catch (ExecutionException e) {
            return RunResult.failed(run, reason(e.getCause()), attempts, out);
        }
    }

    /** How many attempts the run's directory records (0 when the driver cannot see it). */
    private static int startsIn(Path out, SweepPlan.Run run) {
        try {
            return SweepTask.starts(out.resolve(run.name())).size();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The task's own message from Spark's "Job aborted ... most recent failure: ... (TID n) (host executor x): ...". */
    static String reason(Throwable e) {
        String text = e == null || e.getMessage() == null ? String.valueOf(e) : e.getMessage();
        Matcher m = MOST_RECENT.matcher(text);
        String why = m.find() ? m.group(1) : SparkContexts.firstLine(text);
        return withoutOurClass(why);
    }

    /** A failure's text without the name of the exception the sweep's task throws for a run that failed. */
    private static String withoutOurClass(String text) {
        String ours = SweepTask.RunFailedException.class.getName() + ": ";
        return text.startsWith(ours) ? text.substring(ours.length()) : text;
    }

    /** One line for a run that ended. */
    static String line(RunResult r) {
        StringBuilder s = new StringBuilder(r.name()).append(' ');
        s.append(r.status().name().toLowerCase(Locale.ROOT));
        s.append(" (")
                .append(new SweepPlan.Run(r.name(), r.options(), List.of()).describe())
                .append(")");
        if (r.epochs() > 0) {
            if (!Double.isNaN(r.bestValidationAccuracy())) {
                s.append(String.format(
                        Locale.ROOT,
                        ": validation %.2f%% (epoch %d), test %.2f%%",
                        100 * r.bestValidationAccuracy(),
                        r.bestValidationEpoch(),
                        100 * r.testAccuracyAtBestValidation()));
            } else if (!Double.isNaN(r.bestTestAccuracy())) {
                s.append(String.format(
                        Locale.ROOT, ": test %.2f%% (epoch %d)", 100 * r.bestTestAccuracy(), r.bestTestEpoch()));
            }
            s.append(String.format(Locale.ROOT, ", %d epochs", r.epochs()));
        }
        if (!Double.isNaN(r.seconds())) s.append(String.format(Locale.ROOT, ", %.1f s", r.seconds()));
        if (r.attempts() > 1) s.append(", ").append(r.attempts()).append(" attempts");
        if (r.message() != null) s.append(": ").append(r.message());
        return s.toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the sweep", e);
        }
    }

    /** Spark's failed task attempts of the sweep's jobs: a line each, and a count per run. */
    private static final class Retries extends SparkListener {
        private final String prefix;
        private final PrintWriter progress;
        private final Map<Integer, String> runOfStage = new LinkedHashMap<>();
        private final Map<String, Integer> failures = new LinkedHashMap<>();

        Retries(String prefix, PrintWriter progress) {
            this.prefix = prefix;
            this.progress = progress;
        }

        @Override
        public synchronized void onJobStart(SparkListenerJobStart job) {
            String group = job.properties() == null ? null : job.properties().getProperty("spark.jobGroup.id");
            if (group == null || !group.startsWith(prefix)) return;
            for (Object id : CollectionConverters.asJava(job.stageIds())) {
                runOfStage.put((Integer) id, group.substring(prefix.length()));
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd task) {
            synchronized (this) {
                String run = runOfStage.get(task.stageId());
                if (run == null || !(task.reason() instanceof TaskFailedReason failed)) return;
                failures.merge(run, 1, Integer::sum);
                String why = failed instanceof ExceptionFailure ef
                        ? withoutOurClass(ef.className() + ": " + SparkContexts.firstLine(ef.description()))
                        : SparkContexts.firstLine(failed.toErrorString());
                progress.println(String.format(
                        Locale.ROOT,
                        "%s: attempt %d failed (%s); Spark retries it, if attempts are left, from its last checkpoint",
                        run,
                        task.taskInfo().attemptNumber() + 1,
                        why));
            }
            progress.flush();
        }

        /** The failed attempts seen of a run. */
        synchronized int failures(String run) {
            return failures.getOrDefault(run, 0);
        }
    }
}
