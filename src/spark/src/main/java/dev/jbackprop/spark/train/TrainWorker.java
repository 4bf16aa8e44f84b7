package dev.jbackprop.spark.train;

import dev.jbackprop.cli.DistributedTraining;
import dev.jbackprop.cli.Main;
import dev.jbackprop.config.RunConfigJson;
import dev.jbackprop.io.Checkpoint;
import dev.jbackprop.io.CheckpointDir;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.spark.WorkerContext;
import dev.jbackprop.spark.WorkerLoop;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * One worker of {@code train --workers N}: {@code jbackprop train} in the task's thread, its trainer joined to the
 * others through a {@link CollectiveExchange}. Worker 0 trains in the run's directory (config.json, metrics.csv, the
 * model, checkpoints: the run as one machine writes it, its output appended to {@value #LOG}: its text, and with --json
 * its JSON lines too, for the driver's {@link LogRelay}); the others train the same run in a temporary directory of
 * their own, deleted at the end. On a restart (attempt &gt; 0), or when the run was given with --resume, every worker
 * continues from the run directory's latest complete checkpoint: worker 0 with train --resume, the others from a copy
 * of that checkpoint. Returns the worker's exit code, messages and a CRC of its final parameters (equal on every
 * worker).
 */
final class TrainWorker implements WorkerLoop<TrainWorker.Result> {
    private static final long serialVersionUID = 1L;

    /** Worker 0's standard output, in the run's directory (the driver prints it as it grows). */
    static final String LOG = "train.log";

    /** How the lines the log gets from this class (not from train) begin: each attempt's header, a failure. */
    static final String MARK = "== worker ";

    /** What a worker returns: train's exit code, its last message and other stderr lines, its parameters' CRC. */
    record Result(int rank, int code, String message, String stderr, long paramsCrc, boolean resumed)
            implements Serializable {}

    private final ArrayList<String> args;
    private final String out;
    private final boolean resume;
    private final boolean force;
    private final String checkpointEvery; // added when the run has none, or null
    private final int threads;
    private final boolean debug;
    private final boolean quiet;
    private final CollectiveExchange.Fault fault; // or null
    private final boolean nccl; // NCCL on the CUDA backend (CollectiveExchange.NCCL_PROPERTY)
    private final long startedMillis; // when the driver started the run: a restart resumes only this run's checkpoints

    TrainWorker(
            List<String> args,
            Path out,
            boolean resume,
            boolean force,
            String checkpointEvery,
            int threads,
            boolean debug,
            boolean quiet,
            CollectiveExchange.Fault fault,
            boolean nccl,
            long startedMillis) {
        this.args = new ArrayList<>(args);
        this.out = out.toString();
        this.resume = resume;
        this.force = force;
        this.checkpointEvery = checkpointEvery;
        this.threads = threads;
        this.debug = debug;
        this.quiet = quiet;
        this.fault = fault;
        this.nccl = nccl;
        this.startedMillis = startedMillis;
    }

    @Override
    public Result run(WorkerContext ctx) throws Exception {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        int rank = ctx.rank();
        Path runDir = Path.of(out);
        Checkpoint.Loaded from =
                resume || ctx.attempt() > 0 ? CheckpointDir.latest(runDir.resolve("checkpoints"), w -> {}) : null;
        if (from != null && !resume && Files.getLastModifiedTime(from.file()).toMillis() < startedMillis)
            from = null; // an older run's (--force over it), left because the first attempt failed before clearing it
        Path tmp = rank == 0 ? null : Files.createTempDirectory("jbackprop-worker-" + rank + "-");
        try {
            Path dir = rank == 0 ? runDir : tmp.resolve("run");
            List<String> line = new ArrayList<>();
            if (from != null) {
                if (rank > 0) {
                    Path cdir = Files.createDirectories(dir.resolve("checkpoints"));
                    Files.copy(from.file(), cdir.resolve(from.file().getFileName()));
                }
                line.addAll(List.of("--resume", dir.toString()));
                line.addAll(without(args, "--config")); // a resumed run has its configuration
            } else {
                line.addAll(args);
                line.addAll(List.of("--out", dir.toString()));
                // a restart before the first checkpoint starts again over what the first attempt wrote (its log too)
                if (rank == 0 && (force || ctx.attempt() > 0)) line.add("--force");
            }
            if (checkpointEvery != null) line.addAll(List.of("--checkpoint-every", checkpointEvery));
            if (!args.contains("--threads")) line.addAll(List.of("--threads", Integer.toString(threads)));
            if (!args.contains("--no-progress")) line.add("--no-progress");
            if (debug) line.add("--debug");
            if (quiet) line.add("--quiet");

            Path log = rank == 0 ? runDir.resolve(LOG) : tmp.resolve(LOG);
            StringWriter err = new StringWriter();
            int code;
            CollectiveExchange exchange = new CollectiveExchange(
                    ctx.collective(),
                    rank,
                    ctx.workers(),
                    fault != null && fault.rank() == rank && ctx.attempt() == 0 ? fault : null,
                    nccl ? TrainWorker::shareThroughBarrier : null);
            String header = MARK + rank + " of " + ctx.workers() + ", attempt " + (ctx.attempt() + 1)
                    + (from != null ? ", from " + from.file().getFileName() : "") + ": jbackprop train "
                    + String.join(" ", line) + "\n";
            try (exchange;
                    Writer file = new LazyLog(log, header)) {
                PrintWriter o = new PrintWriter(file, true);
                PrintWriter e = new PrintWriter(err, true);
                code = DistributedTraining.runWorker(line, exchange, o, e);
                if (code == 0) exchange.finishedCleanly();
                o.flush();
                if (exchange.failure() != null)
                    file.write(MARK + rank + ", attempt " + (ctx.attempt() + 1) + " stopped at step "
                            + exchange.failedStep() + ": " + exchange.failure() + "\n");
            }
            if (exchange.failure() != null) throw exchange.failure(); // the stage restarts
            String text = err.toString();
            String message = lastMessage(text);
            // Train's outcomes are the run's result when every worker reaches them alike: a divergence (all at the same
            // step), a usage error, and a failure before the first sum (the data, the output directory: all workers
            // read and check the same). A failure once training has begun fails the stage, whose restart may help.
            if (code == Main.FAILURE
                    && exchange.started()
                    && (message == null || !message.startsWith("training diverged")))
                throw new TrainFailedException(message == null ? "train exited " + code : message);
            return new Result(rank, code, message, text, code == 0 ? parametersCrc(dir) : 0, from != null);
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    /**
     * Worker 0's output into its log, opened (and its directory created) at the first write, so that a run refused
     * before it prints anything leaves nothing behind; each attempt's lines start with {@code header}.
     */
    private static final class LazyLog extends Writer {
        private final Path file;
        private final String header;
        private Writer to;

        LazyLog(Path file, String header) {
            this.file = file;
            this.header = header;
        }

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            if (len == 0) return;
            if (to == null) {
                Files.createDirectories(file.getParent());
                to = Files.newBufferedWriter(
                        file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                to.write(header);
            }
            to.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            if (to != null) to.flush();
        }

        @Override
        public void close() throws IOException {
            if (to != null) to.close();
        }
    }

    /** train failed on this worker, other than by its exchange (a file it could not write, data it could not read). */
    static final class TrainFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        TrainFailedException(String message) {
            super(message);
        }
    }

    /**
     * Rank 0's NCCL id to every worker of the barrier stage, hex-encoded through its allGather (called once, by every
     * worker, on the task's thread, which is the training thread).
     */
    static byte[] shareThroughBarrier(byte[] mine) {
        org.apache.spark.BarrierTaskContext task = org.apache.spark.BarrierTaskContext.get();
        String[] all =
                task.allGather(mine == null ? "" : java.util.HexFormat.of().formatHex(mine));
        return java.util.HexFormat.of().parseHex(all[0]);
    }

    /** CRC-32 of the final parameters' bits (model.safetensors, read with the run's layout). */
    static long parametersCrc(Path dir) throws IOException {
        float[] params = ModelFile.read(
                dir.resolve("model.safetensors"),
                RunConfigJson.read(dir.resolve("config.json")).network().layout());
        CRC32 crc = new CRC32();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * params.length);
        for (float p : params) b.putInt(Float.floatToRawIntBits(p));
        crc.update(b.flip());
        return crc.getValue();
    }

    /** The last "jbackprop: ..." line train wrote to stderr, without the prefix, or null. */
    static String lastMessage(String err) {
        String last = null;
        for (String l : err.split("\\R")) {
            if (l.startsWith("jbackprop: "))
                last = l.substring("jbackprop: ".length()).strip();
        }
        return last;
    }

    /** args without an option and its value (as "--name value" or "--name=value"). */
    static List<String> without(List<String> args, String option) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals(option)) i++;
            else if (!a.startsWith(option + "=")) kept.add(a);
        }
        return kept;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a temporary directory: the system cleans it up eventually
        }
    }
}
