package dev.jbackprop.spark.sweep;

import dev.jbackprop.cli.Main;
import dev.jbackprop.io.CheckpointDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskKilledException;
import org.apache.spark.api.java.function.Function;

/**
 * One run of a sweep, as a Spark task: {@code jbackprop train} in this JVM ({@link Main#execute}) with the run's
 * arguments, into the run's directory, with {@code --checkpoint-every}. A task that finds checkpoints in the directory
 * (an earlier attempt failed, or the sweep is resumed) continues the run with {@code train --resume}; one that finds
 * the run over ({@value RunResult#FILE}) returns its result. What train prints goes to the run's {@value #LOG}.
 *
 * <p>Train's exit 0, a divergence (exit 1, "training diverged") and a refused configuration (exit 2) are results,
 * recorded and not retried; any other failure throws, so that Spark retries the task (up to its task.maxFailures),
 * which then resumes from the last checkpoint. A task Spark kills stops at the end of the epoch it is in.
 */
final class SweepTask implements Function<SweepPlan.Run, RunResult> {
    private static final long serialVersionUID = 1L;

    /** What train printed, every attempt, in the run's directory. */
    static final String LOG = "train.log";

    /** One line per attempt's start and end, in the run's directory. */
    static final String ATTEMPTS = "sweep-attempts.log";

    /**
     * Fault injection for tests and drills: {@code -Djbackprop.sweep.fail=run-002@2} makes the first attempt of run-002
     * fail when train reports its epoch 2 (before that epoch's checkpoint), so that Spark retries it;
     * {@code run-003@3*} makes every attempt of run-003 fail at its epoch 3. Several are separated by commas.
     */
    static final String FAIL = "jbackprop.sweep.fail";

    private final String out;
    private final String checkpointEvery;

    SweepTask(Path out, String checkpointEvery) {
        this.out = out.toAbsolutePath().toString();
        this.checkpointEvery = checkpointEvery;
    }

    /** A failure Spark should retry: the run can continue from its last checkpoint. */
    static final class RunFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RunFailedException(String message) {
            super(message);
        }
    }

    /** The failure {@link #FAIL} injects. */
    static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }

    @Override
    public RunResult call(SweepPlan.Run run) throws Exception {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        Path dir = Path.of(out, run.name());
        Files.createDirectories(dir);
        RunResult done = RunResult.stored(dir);
        if (done != null) return done;

        long start = System.currentTimeMillis();
        TaskContext task = TaskContext.get();
        append(
                dir.resolve(ATTEMPTS),
                String.format(
                        Locale.ROOT,
                        "start %d attempt %d on %s%n",
                        start,
                        task == null ? 0 : task.attemptNumber(),
                        host()));
        List<Long> starts = starts(dir);
        int attempt = Math.max(1, starts.size());
        long first = starts.isEmpty() ? start : starts.get(0);

        boolean resume = !CheckpointDir.list(dir.resolve("checkpoints")).isEmpty();
        List<String> args = args(run, dir, resume);
        Path log = dir.resolve(LOG);
        append(
                log,
                "== attempt " + attempt + (resume ? ", resuming" : "") + ": jbackprop " + String.join(" ", args)
                        + "\n");
        StringWriter errText = new StringWriter();
        int code;
        Watcher watcher;
        try (Writer file = Files.newBufferedWriter(
                log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            watcher = new Watcher(file, run.name(), attempt, task);
            PrintWriter o = new PrintWriter(watcher, true);
            PrintWriter e = new PrintWriter(new Tee(file, errText), true);
            code = Main.execute(args.toArray(String[]::new), o, e);
            o.flush();
            e.flush();
        }
        long end = System.currentTimeMillis();
        append(dir.resolve(ATTEMPTS), String.format(Locale.ROOT, "end %d exit %d%n", end, code));
        if (watcher.killed) throw new TaskKilledException("cancelled at the end of an epoch");
        String message = lastMessage(errText.toString());
        RunResult.Status status;
        if (code == 0) status = RunResult.Status.OK;
        else if (code == Main.USAGE) status = RunResult.Status.INVALID;
        else if (message != null && message.startsWith("training diverged")) status = RunResult.Status.DIVERGED;
        else throw new RunFailedException(message == null ? "train exited " + code : message);
        RunResult result = RunResult.read(
                dir,
                run,
                status,
                code == 0 ? null : message,
                attempt,
                (end - first) / 1000.0,
                Files.readString(log, StandardCharsets.UTF_8));
        result.write(dir);
        return result;
    }

    private static final Pattern START = Pattern.compile("^start (\\d+) ");
    private static final Pattern FAULT = Pattern.compile("(.+)@(\\d+)(\\*)?");

    /** The start times of the run's attempts so far, from {@value #ATTEMPTS} (a line cut short by a crash is skipped). */
    static List<Long> starts(Path dir) throws IOException {
        Path file = dir.resolve(ATTEMPTS);
        List<Long> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Matcher m = START.matcher(line);
            if (m.find()) out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    /** Train's arguments: a fresh run into dir, or the run in dir continued from its latest checkpoint. */
    List<String> args(SweepPlan.Run run, Path dir, boolean resume) {
        List<String> args = new ArrayList<>();
        args.add("train");
        if (resume) {
            args.addAll(List.of("--resume", dir.toString()));
            args.addAll(TrainArgs.without(run.args(), "--config")); // a resumed run has its configuration
        } else {
            args.addAll(run.args());
            args.addAll(List.of("--out", dir.toString()));
            // the run's directory is the sweep's: it holds the sweep's train.log and sweep-attempts.log, and what an
            // attempt that ended before its first checkpoint left
            args.add("--force");
        }
        args.addAll(List.of("--checkpoint-every", checkpointEvery));
        return args;
    }

    /** The last "jbackprop: ..." line train wrote to stderr, without the prefix. */
    static String lastMessage(String err) {
        String last = null;
        for (String line : err.split("\\R")) {
            if (line.startsWith("jbackprop: "))
                last = line.substring("jbackprop: ".length()).strip();
        }
        return last;
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * Train's standard output into the log, line by line: at each epoch's line it stops the run when Spark killed the
     * task, and injects {@link #FAIL}'s failure.
     */
    private static final class Watcher extends Writer {
        private final Writer to;
        private final TaskContext task;
        private final String failAt;
        private final StringBuilder line = new StringBuilder();
        boolean killed;

        Watcher(Writer to, String run, int attempt, TaskContext task) {
            this.to = to;
            this.task = task;
            String at = null;
            for (String fault : System.getProperty(FAIL, "").split(",")) {
                Matcher m = FAULT.matcher(fault.strip());
                if (m.matches() && m.group(1).equals(run) && (attempt == 1 || m.group(3) != null))
                    at = String.format(Locale.ROOT, "epoch %3d/", Integer.parseInt(m.group(2)));
            }
            this.failAt = at;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            to.write(buf, off, len);
            for (int i = off; i < off + len; i++) {
                if (buf[i] != '\n') {
                    line.append(buf[i]);
                    continue;
                }
                String l = line.toString();
                line.setLength(0);
                if (!l.startsWith("epoch ")) continue;
                if (task != null && task.isInterrupted()) {
                    killed = true;
                    to.flush();
                    throw new IllegalStateException("the Spark task was cancelled");
                }
                if (failAt != null && l.startsWith(failAt)) {
                    to.flush();
                    throw new InjectedFailure("injected failure (" + FAIL + ") at "
                            + l.substring(0, failAt.length() - 1).replaceAll("\\s+", " "));
                }
            }
        }

        @Override
        public void flush() throws IOException {
            to.flush();
        }

        @Override
        public void close() throws IOException {
            to.flush();
        }
    }

    /** Writes to two writers. */
    private static final class Tee extends Writer {
        private final Writer a, b;

        Tee(Writer a, Writer b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
