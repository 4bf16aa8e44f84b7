package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import dev.jbackprop.engine.GradientExchange;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * {@code jbackprop train --workers N}: synchronous data-parallel training, provided by another module (jbackprop-spark
 * registers it in {@code META-INF/services/dev.jbackprop.cli.DistributedTraining}), so that the command line depends
 * on no cluster library. train checks the run as for one machine, then hands it over as a {@link Job}; each worker
 * runs train again in its own thread through {@link #runWorker}, with the exchange that joins it to its peers.
 */
public interface DistributedTraining {

    /** Runs the job and returns train's exit code (rank 0's). */
    int train(Job job) throws Exception;

    /**
     * A checked run. args: train's options as given, less --out, --resume, --force and the distributed options (paths
     * made absolute); out: the run's directory (absolute); resume: continue the run in out from its latest
     * checkpoint; config: the run as train resolved it; quiet: --quiet (only the result on stdout, nothing on stderr
     * but an error), which the workers are not given (worker 0's train.log keeps its whole text).
     */
    record Job(
            List<String> args,
            Path out,
            boolean resume,
            boolean force,
            RunConfig config,
            int workers,
            int maxRestarts,
            String master,
            boolean debug,
            boolean quiet,
            PrintWriter stdout,
            PrintWriter stderr) {
        public Job {
            args = List.copyOf(args);
        }
    }

    /** The implementation on the class path, or null. */
    static DistributedTraining find() {
        for (DistributedTraining t : ServiceLoader.load(DistributedTraining.class)) return t;
        return null;
    }

    /**
     * Runs {@code jbackprop train ARGS} in this thread as one worker of a data-parallel run: its trainer sums every
     * step's gradients through {@code exchange} ({@link dev.jbackprop.engine.Trainer#exchangeGradients}). Returns the
     * exit code.
     */
    static int runWorker(List<String> trainArgs, GradientExchange exchange, PrintWriter out, PrintWriter err) {
        Worker.EXCHANGE.set(exchange);
        try {
            String[] line = new String[trainArgs.size() + 1];
            line[0] = "train";
            for (int i = 0; i < trainArgs.size(); i++) line[i + 1] = trainArgs.get(i);
            return Main.execute(line, out, err);
        } finally {
            Worker.EXCHANGE.remove();
        }
    }

    /** The exchange of the worker running on this thread (set by {@link #runWorker} only). */
    final class Worker {
        static final ThreadLocal<GradientExchange> EXCHANGE = new ThreadLocal<>();

        private Worker() {}
    }
}
