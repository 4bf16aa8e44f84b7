package dev.jbackprop.cli;

import dev.jbackprop.config.RunConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/** train's options for data-parallel training on several workers ({@link DistributedTraining}). */
final class DistributedOptions {
    /** train's options that a worker does not get as given: where the run goes and how it is distributed. */
    private static final Set<String> NOT_PASSED =
            Set.of("--out", "--resume", "--force", "--workers", "--max-restarts", "--spark");

    @Option(
            names = "--workers",
            paramLabel = "N",
            defaultValue = "1",
            description = "Synchronous data-parallel training on N workers on Apache Spark (one task each); --batch is "
                    + "the global batch, each worker computing the gradients of its slice; needs the Spark module: "
                    + "./jbackprop train --workers N (default: ${DEFAULT-VALUE}, this process alone).")
    int workers;

    @Option(
            names = "--max-restarts",
            paramLabel = "R",
            description = "With --workers: restart the workers from the last checkpoint up to R times after a worker "
                    + "fails (default: 2).")
    Integer maxRestarts;

    @Option(
            names = "--spark",
            paramLabel = "MASTER",
            description = "With --workers: the Spark master, local[N] (embedded), spark://host:port, yarn, k8s://... "
                    + "(default: spark-submit's master, else local[N] for N workers).")
    String spark;

    /**
     * The distributed run of a checked configuration, to be called once the run's directory is free (a resumed run's
     * lock released: the workers take it); null when this run trains here (one worker, or inside a worker).
     */
    Callable<Integer> launch(TrainCommand cmd, RunConfig run, Path out, boolean resume, ParseResult given) {
        if (DistributedTraining.Worker.EXCHANGE.get() != null) return null;
        if (workers < 1) throw new IllegalArgumentException("--workers must be at least 1, got " + workers);
        if (maxRestarts != null && maxRestarts < 0)
            throw new IllegalArgumentException("--max-restarts must be 0 or more, got " + maxRestarts);
        if (workers == 1) {
            if (maxRestarts != null || spark != null)
                throw new IllegalArgumentException((spark != null ? "--spark" : "--max-restarts")
                        + " goes with --workers N (N ≥ 2): one worker trains in this process");
            return null;
        }
        if (workers > run.batch())
            throw new IllegalArgumentException("--workers " + workers + " is more than --batch " + run.batch()
                    + ": each worker takes a slice of every batch; use at most " + run.batch()
                    + " workers, or a larger --batch");
        if (cmd.dryRun) return null; // the plan is the same on each worker: train prints it here
        if (cmd.json())
            throw new IllegalArgumentException("--json does not go with --workers yet (the driver prints worker 0's"
                    + " text); leave it out: metrics.csv holds every epoch's figures");
        DistributedTraining impl = DistributedTraining.find();
        if (impl == null)
            throw new Main.Failure("train --workers runs on Apache Spark, which this jar leaves out: run ./jbackprop"
                    + " train --workers " + workers + " ... (it builds src/spark and fetches Spark once), or"
                    + " spark-submit jbackprop-spark-all.jar train --workers " + workers + " ... (README)");
        DistributedTraining.Job job = new DistributedTraining.Job(
                passed(given),
                out.toAbsolutePath().normalize(),
                resume,
                cmd.force,
                run,
                workers,
                maxRestarts == null ? 2 : maxRestarts,
                spark,
                cmd.debug(),
                cmd.quiet(),
                cmd.cmd.commandLine().getOut(),
                cmd.cmd.commandLine().getErr());
        return () -> impl.train(job);
    }

    /** The options given, as a worker takes them: less {@link #NOT_PASSED}, paths absolute (workers run elsewhere). */
    private static List<String> passed(ParseResult given) {
        List<String> args = new ArrayList<>();
        for (OptionSpec o : given.matchedOptions()) {
            String name = o.longestName();
            if (NOT_PASSED.contains(name) || !o.scopeType().equals(picocli.CommandLine.ScopeType.LOCAL)) continue;
            if (o.arity().max() == 0) {
                args.add(name);
                continue;
            }
            for (String v : o.originalStringValues()) {
                args.add(name);
                args.add(o.type() == Path.class ? Path.of(v).toAbsolutePath().toString() : v);
            }
        }
        return args;
    }
}
