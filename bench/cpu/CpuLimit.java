import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.ByteBlock;
import dev.jbackprop.engine.ByteMat;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Shuffler;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.StepReplay;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The CPU training step against the machine's limit, in one run (bench/README.md, "CPU against its
 * limit"): for each configuration, samples/s and achieved GFLOP/s of whole training steps; the
 * machine's SGEMM peak (2048³, the same OpenBLAS and thread count, measured in the same run, the two
 * taking turns with the steps); their ratio; and where the step's time goes, per operation.
 *
 * <pre>
 *   java -cp src/cli/target/jbackprop-all.jar bench/cpu/CpuLimit.java [--threads N] [--rounds R]
 *        [--seconds S] [--configs small,default,wide] [--append FILE] [--commit C] [--note TEXT]
 * </pre>
 *
 * Every figure is a best of R rounds (each round: the peak GEMM, then each configuration's steps, in
 * turn), each round's figure itself the best of short timed chunks: on a shared machine the best is
 * the figure least disturbed by other jobs, and taking turns gives the peak and the steps the same
 * chances. The per-operation breakdown times each {@link Ops} call of separate steps on the same
 * backend (a wrapper around it, so operations the backend would fuse or overlap run one by one there:
 * its total can exceed the real step's; "step code" is the rest: the Java of the step between the calls).
 */
public class CpuLimit {
    record Config(String name, int[] sizes, int batch) {}

    static final Map<String, Config> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("small", new Config("small", new int[] {784, 100, 10}, 64));
        CONFIGS.put("default", new Config("default", new int[] {784, 256, 10}, 64));
        CONFIGS.put("wide", new Config("wide", new int[] {784, 1024, 1024, 10}, 256));
        // on request: the default job's network at other batch sizes
        for (int b : new int[] {32, 64, 128, 256, 512})
            CONFIGS.put("default-b" + b, new Config("default-b" + b, new int[] {784, 256, 10}, b));
    }

    static double chunkMs = 2;
    /** A system property of the backend (jbackprop.cpu.plan, jbackprop.cpu.gemm): steps also on a second backend with it false. */
    static String ab;
    /** The training set of MNIST-format files instead of synthetic data (--data DIR), or null. */
    static dev.jbackprop.data.Dataset trainSet;
    /** Time on the calling thread's CPU clock instead of the wall clock (with --threads 1 only: time spent descheduled does not count). */
    static boolean cpuTime;

    static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();

    static long now() {
        return cpuTime ? MX.getCurrentThreadCpuTime() : System.nanoTime();
    }

    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors(), rounds = 5;
        double seconds = 0.6;
        String configs = "small,default,wide", append = null, commit = "unknown", note = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--configs" -> configs = args[++i];
                case "--append" -> append = args[++i];
                case "--commit" -> commit = args[++i];
                case "--note" -> note = args[++i];
                case "--chunk-ms" -> chunkMs = Double.parseDouble(args[++i]);
                case "--cpu-time" -> cpuTime = true;
                case "--ab" -> ab = args[++i];
                case "--data" ->
                    trainSet =
                            dev.jbackprop.data.Mnist.readDir(Path.of(args[++i])).train();
                default -> {
                    System.err.println(
                            "CpuLimit: unknown argument " + args[i]
                                    + "; use --threads N --rounds R --seconds S --configs a,b --chunk-ms MS --cpu-time --data DIR --ab PROPERTY --append FILE --commit C --note TEXT");
                    System.exit(2);
                }
            }
        }
        if (cpuTime && threads != 1) {
            System.err.println("CpuLimit: --cpu-time needs --threads 1");
            System.exit(2);
        }
        List<Config> cfgs = new ArrayList<>();
        for (String c : configs.split(",")) {
            Config cfg = CONFIGS.get(c);
            if (cfg == null) {
                System.err.println("CpuLimit: no configuration " + c + "; there are " + CONFIGS.keySet());
                System.exit(2);
            }
            cfgs.add(cfg);
        }
        List<String> out = new ArrayList<>();
        String load0 = loadAverage();
        CpuOps other = null;
        if (ab != null) { // the second backend reads the property when it is made
            String was = System.getProperty(ab);
            System.setProperty(ab, "false");
            other = new CpuOps(threads);
            if (was == null) System.clearProperty(ab);
            else System.setProperty(ab, was);
        }
        try (CpuOps ops = new CpuOps(threads);
                CpuOps alt = other) {
            Peak peak = new Peak(ops, 2048, threads);
            List<StepRun> runs = new ArrayList<>(), alts = new ArrayList<>();
            for (Config c : cfgs) runs.add(new StepRun(ops, c));
            if (alt != null) for (Config c : cfgs) alts.add(new StepRun(alt, c));
            double bestSplit = 0, bestOwn = 0;
            double[] best = new double[runs.size()], bestAlt = new double[runs.size()];
            for (int r = 0; r < rounds; r++) {
                bestSplit = Math.max(bestSplit, peak.split(seconds / 2));
                bestOwn = Math.max(bestOwn, peak.openblasThreads(seconds / 2));
                for (int i = 0; i < runs.size(); i++) {
                    if (alt != null) { // the two take turns, chunk by chunk
                        for (int q = 0; q < 4; q++) {
                            best[i] = Math.max(best[i], runs.get(i).stepsPerSecond(seconds / 4));
                            bestAlt[i] = Math.max(bestAlt[i], alts.get(i).stepsPerSecond(seconds / 4));
                        }
                    } else best[i] = Math.max(best[i], runs.get(i).stepsPerSecond(seconds));
                    runs.get(i).breakdownPass(seconds / 2);
                    runs.get(i).planPass(seconds / 2);
                }
                System.err.printf(
                        Locale.ROOT, "round %d/%d: peak %.1f / %.1f GFLOP/s%n", r + 1, rounds, bestSplit, bestOwn);
            }
            String load1 = loadAverage();
            double peakGflops = Math.max(bestSplit, bestOwn);
            out.add(String.format(
                    Locale.ROOT,
                    "## %s, commit %s, %d threads%n",
                    java.time.LocalDateTime.now().withNano(0),
                    commit,
                    threads));
            out.add("- " + ops.description());
            if (alt != null) out.add("- and, taking turns with it, with -D" + ab + "=false: " + alt.description());
            out.add("- CPU: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores; load average "
                    + load0 + " before, " + load1 + " after");
            out.add(String.format(
                    Locale.ROOT,
                    "- command: `java -cp src/cli/target/jbackprop-all.jar bench/cpu/CpuLimit.java --threads %d --rounds %d --seconds %s --configs %s%s%s`",
                    threads,
                    rounds,
                    seconds,
                    configs,
                    trainSet == null ? "" : " --data DIR",
                    ab == null ? "" : " --ab " + ab));
            out.add("- data: "
                    + (trainSet == null
                            ? "synthetic (uniform pixels, max(8·batch, 1024) samples)"
                            : "the training set of --data (" + trainSet.count() + " samples)"));
            if (note != null) out.add("- note: " + note);
            out.add(String.format(
                    Locale.ROOT,
                    "- SGEMM peak, 2048³: %.1f GFLOP/s split over our %d threads (as the step's GEMMs), %.1f with OpenBLAS's own %d threads; peak = %.1f",
                    bestSplit,
                    threads,
                    bestOwn,
                    threads,
                    peakGflops));
            out.add("");
            out.add("| config | network | batch | samples/s | ms/step | GFLOP/s | of peak |");
            out.add("|---|---|---|---|---|---|---|");
            for (int i = 0; i < runs.size(); i++) {
                StepRun s = runs.get(i);
                double gflops = best[i] * s.flops / 1e9;
                out.add(String.format(
                        Locale.ROOT,
                        "| %s | %s | %d | %,.0f | %.3f | %.1f | %.1f%% |",
                        s.cfg.name,
                        s.spec.sizesText(),
                        s.cfg.batch,
                        best[i] * s.cfg.batch,
                        1e3 / best[i],
                        gflops,
                        100 * gflops / peakGflops));
                if (alt != null) {
                    double g2 = bestAlt[i] * s.flops / 1e9;
                    out.add(String.format(
                            Locale.ROOT,
                            "| %s, %s=false | %s | %d | %,.0f | %.3f | %.1f | %.1f%% |",
                            s.cfg.name,
                            ab,
                            s.spec.sizesText(),
                            s.cfg.batch,
                            bestAlt[i] * s.cfg.batch,
                            1e3 / bestAlt[i],
                            g2,
                            100 * g2 / peakGflops));
                }
            }
            if (alt != null)
                for (int i = 0; i < runs.size(); i++)
                    out.add(String.format(
                            Locale.ROOT,
                            "%n%s: %.2f× with %s on (its default) against off",
                            runs.get(i).cfg.name,
                            best[i] / bestAlt[i],
                            ab));
            for (int i = 0; i < runs.size(); i++) {
                StepRun s = runs.get(i);
                if (s.bestPlan != null) {
                    out.add("");
                    out.add(String.format(
                            Locale.ROOT,
                            "The %s step as it runs (%s, batch %d): the captured step's tasks in order, each timed on the calling thread (the parts it ran, and the wait at the end of a stage), the mean of the fastest fifth of the steps:",
                            s.cfg.name,
                            s.spec.sizesText(),
                            s.cfg.batch));
                    out.add("");
                    out.addAll(List.of(s.bestPlan.strip().split("\n")));
                }
                out.addAll(s.breakdown(1e3 / best[i], peakGflops));
            }
            for (StepRun s : runs) s.close();
            for (StepRun s : alts) s.close();
        }
        out.add("");
        for (String l : out) System.out.println(l);
        if (append != null) {
            Files.writeString(
                    Path.of(append),
                    "\n" + String.join("\n", out),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (l.startsWith("model name"))
                    return l.substring(l.indexOf(':') + 1).trim();
        } catch (IOException e) {
            // below
        }
        return System.getProperty("os.arch");
    }

    /** 2048³ SGEMM: through the backend (single-threaded OpenBLAS split over its threads) and OpenBLAS's own threading. */
    static final class Peak {
        final Ops ops;
        final int n, threads;
        final Mat a, b, c;

        Peak(Ops ops, int n, int threads) {
            this.ops = ops;
            this.n = n;
            this.threads = threads;
            a = new Mat(ops.allocate((long) n * n), n, n);
            b = new Mat(ops.allocate((long) n * n), n, n);
            c = new Mat(ops.allocate((long) n * n), n, n);
            float[] v = new float[n * n];
            Random r = new Random(1);
            for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() - 0.5f;
            ops.upload(v, 0, a.block(), 0, v.length);
            ops.upload(v, 0, b.block(), 0, v.length);
            ops.gemm(false, false, n, n, n, 1f, a, b, 0f, c); // warm-up
        }

        double split(double seconds) {
            return best(seconds, () -> ops.gemm(false, false, n, n, n, 1f, a, b, 0f, c));
        }

        double openblasThreads(double seconds) {
            float[] v = new float[n * n];
            try (FloatPointer pa = new FloatPointer(v);
                    FloatPointer pb = new FloatPointer(v);
                    FloatPointer pc = new FloatPointer(v)) {
                openblas_nolapack.blas_set_num_threads(threads);
                try {
                    Runnable g = () -> openblas_nolapack.cblas_sgemm(
                            openblas_nolapack.CblasColMajor,
                            openblas_nolapack.CblasNoTrans,
                            openblas_nolapack.CblasNoTrans,
                            n,
                            n,
                            n,
                            1f,
                            pa,
                            n,
                            pb,
                            n,
                            0f,
                            pc,
                            n);
                    g.run();
                    return best(seconds, g);
                } finally {
                    openblas_nolapack.blas_set_num_threads(1); // as the CPU backend runs it
                }
            }
        }

        /** GFLOP/s of the fastest single product within about {@code seconds}. */
        double best(double seconds, Runnable gemm) {
            double bestT = Double.MAX_VALUE;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            int done = 0;
            while (done < 2 || System.nanoTime() < end) {
                long t0 = now();
                gemm.run();
                bestT = Math.min(bestT, (now() - t0) / 1e9);
                done++;
            }
            return 2.0 * n * n * n / bestT / 1e9;
        }
    }

    /** Whole training steps of one configuration, as `jbackprop throughput` runs them. */
    static final class StepRun implements AutoCloseable {
        final Config cfg;
        final NetworkSpec spec;
        final double flops;
        final Ops ops;
        final Network net;
        final DeviceData data;
        final Metrics metrics;
        final StepReplay replay;
        final Step.Hyper hyper;
        final int samples;
        final float[] x, y, init;
        int off;

        StepRun(Ops ops, Config cfg) {
            this.ops = ops;
            this.cfg = cfg;
            spec = NetworkSpec.of(cfg.sizes, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
            double f = 0;
            for (int l = 0; l < spec.layers(); l++)
                f += (l == 0 ? 4.0 : 6.0) * spec.layout().nIn(l) * spec.layout().nOut(l) * cfg.batch;
            flops = f;
            if (trainSet != null
                    && trainSet.features() == spec.inputSize()
                    && trainSet.classes() == spec.outputSize()) {
                samples = trainSet.count();
                x = trainSet.x();
                y = trainSet.y();
            } else {
                samples = Math.max(cfg.batch * 8, 1024);
                Random r = new Random(1);
                x = new float[spec.inputSize() * samples];
                y = new float[spec.outputSize() * samples];
                for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
                for (int j = 0; j < samples; j++) y[j * spec.outputSize() + r.nextInt(spec.outputSize())] = 1f;
            }
            init = Init.HE.initialise(spec.layout(), 1);
            hyper = new Step.Hyper(0.01, 0, 0.9, samples);
            net = new Network(ops, spec, cfg.batch, true);
            data = DeviceData.upload(ops, x, y, spec.inputSize(), spec.outputSize(), samples);
            metrics = ops.allocateMetrics();
            int[] perm = new int[samples];
            new Shuffler(1).shuffle(perm);
            data.beginEpoch(perm);
            net.setParameters(init);
            replay = data.capturable()
                    ? ops.capture(() -> {
                        data.loadPrepared(cfg.batch, net.x, net.y);
                        Step.train(net, cfg.batch, metrics, hyper);
                    })
                    : null;
            for (int i = 0; i < 20; i++) step();
        }

        void step() {
            if (off + cfg.batch > samples) off = 0;
            if (replay != null) {
                data.prepare(off, cfg.batch);
                replay.run();
            } else {
                data.load(off, cfg.batch, net.x, net.y);
                Step.train(net, cfg.batch, metrics, hyper);
            }
            off += cfg.batch;
            metrics.reset();
        }

        /** Steps per second: the best chunk of about {@code chunkMs} ms (at least one step) within about {@code seconds}. */
        double stepsPerSecond(double seconds) {
            long t = System.nanoTime();
            step();
            long one = Math.max(1, System.nanoTime() - t);
            int chunk = (int) Math.max(1, chunkMs * 1_000_000L / one);
            double bestRate = 0;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            do {
                long t0 = now();
                for (int i = 0; i < chunk; i++) step();
                bestRate = Math.max(bestRate, chunk / ((now() - t0) / 1e9));
            } while (System.nanoTime() < end);
            return bestRate;
        }

        String bestPlan;
        double bestPlanMs = Double.MAX_VALUE;

        /** One pass of about {@code seconds} of captured steps with the plan's tasks timed; keeps the fastest pass. */
        void planPass(double seconds) throws ReflectiveOperationException {
            // CpuOps.profile and CpuOps.plans by name, so that this file also runs against older jars (without them)
            java.lang.reflect.Method profile, plans;
            try {
                profile = ops.getClass().getMethod("profile", boolean.class);
                plans = ops.getClass().getMethod("plans");
            } catch (NoSuchMethodException e) {
                return;
            }
            profile.invoke(ops, true);
            long end = System.nanoTime() + (long) (seconds * 1e9);
            int steps = 0;
            while (steps < 5 || System.nanoTime() < end) {
                step();
                steps++;
            }
            profile.invoke(ops, false);
            String text = (String) plans.invoke(ops);
            java.util.regex.Matcher mt = java.util.regex.Pattern.compile(
                            "\\| whole step \\(the fastest \\d+ of \\d+ steps\\) \\| ([0-9.]+) \\|")
                    .matcher(text);
            if (mt.find()) {
                double ms = Double.parseDouble(mt.group(1));
                if (ms < bestPlanMs) {
                    bestPlanMs = ms;
                    bestPlan = text;
                }
            }
        }

        /** One pass of about {@code seconds} of steps with every Ops call timed alone; keeps the pass with the fastest steps. */
        void breakdownPass(double seconds) {
            if (timed == null) {
                timed = new Timed(ops);
                tNet = new Network(timed, spec, cfg.batch, true);
                tData = DeviceData.upload(timed, x, y, spec.inputSize(), spec.outputSize(), samples);
                tMetrics = timed.allocateMetrics();
                tNet.setParameters(init);
                int[] perm = new int[samples];
                new Shuffler(1).shuffle(perm);
                tData.beginEpoch(perm);
                for (int i = 0; i < 20; i++) timedStep();
            }
            timed.times.clear();
            timed.total = 0;
            int steps = 0;
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (steps < 5 || System.nanoTime() < end) {
                timedStep();
                steps++;
            }
            double total = timed.total / 1e6 / steps;
            if (total < bestTotal) {
                bestTotal = total;
                bestPer.clear();
                for (var e : timed.times.entrySet())
                    bestPer.put(e.getKey(), new double[] {e.getValue()[0] / 1e6 / steps, e.getValue()[1]});
            }
        }

        private void timedStep() {
            if (tOff + cfg.batch > samples) tOff = 0;
            long s0 = System.nanoTime();
            tData.load(tOff, cfg.batch, tNet.x, tNet.y);
            Step.train(tNet, cfg.batch, tMetrics, hyper);
            timed.total += System.nanoTime() - s0 - timed.overhead;
            timed.overhead = 0;
            tOff += cfg.batch;
            tMetrics.reset();
        }

        Timed timed;
        Network tNet;
        DeviceData tData;
        Metrics tMetrics;
        int tOff;
        double bestTotal = Double.MAX_VALUE;
        final Map<String, double[]> bestPer = new LinkedHashMap<>(); // key -> {ms per step, flops}

        /** The breakdown table of the best pass. */
        List<String> breakdown(double stepMs, double peakGflops) {
            List<String> lines = new ArrayList<>();
            lines.add("");
            lines.add(String.format(
                    Locale.ROOT,
                    "Each operation of the %s step (%s, batch %d) run and timed alone, as an eager step runs them (no fusion, a hand-off to the workers per operation), the fastest pass: %.3f ms per step, against %.3f ms for the captured step above:",
                    cfg.name,
                    spec.sizesText(),
                    cfg.batch,
                    bestTotal,
                    stepMs));
            lines.add("");
            lines.add("| operation | ms/step | share | GFLOP/s | of peak |");
            lines.add("|---|---|---|---|---|");
            double sum = 0;
            for (var e : bestPer.entrySet()) {
                double ms = e.getValue()[0];
                sum += ms;
                double gf = e.getValue()[1] > 0 ? e.getValue()[1] / (ms * 1e6) : 0;
                lines.add(String.format(
                        Locale.ROOT,
                        "| %s | %.4f | %.1f%% | %s | %s |",
                        e.getKey(),
                        ms,
                        100 * ms / bestTotal,
                        gf > 0 ? String.format(Locale.ROOT, "%.1f", gf) : "",
                        gf > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * gf / peakGflops) : ""));
            }
            lines.add(String.format(
                    Locale.ROOT,
                    "| step code between the calls | %.4f | %.1f%% | | |",
                    bestTotal - sum,
                    100 * (bestTotal - sum) / bestTotal));
            // Every floating-point operation the step counts is in its products: with nothing else taking any time, a
            // step whose products run as they do alone (OpenBLAS's, split as in an eager step) runs at their rate.
            double gemmMs = 0, gemmFlops = flops; // the step's count: its products' operations
            for (double[] v : bestPer.values()) if (v[1] > 0) gemmMs += v[0];
            if (gemmMs > 0) {
                double ceiling = gemmFlops / (gemmMs * 1e6);
                lines.add("");
                lines.add(String.format(
                        Locale.ROOT,
                        "Its products alone, each timed as above, take %.3f ms for %.1f MFLOP (every operation the step counts):"
                                + " %.1f GFLOP/s, %.1f%% of the peak; the captured step takes %.1f%% of that time%s. Where the"
                                + " products are OpenBLAS's (run as in an eager step), that is the most the step can reach"
                                + " without faster products.",
                        gemmMs,
                        gemmFlops / 1e6,
                        ceiling,
                        100 * ceiling / peakGflops,
                        100 * stepMs / gemmMs,
                        stepMs < gemmMs
                                ? " (less: the products alone were timed in a slower moment than the step, or the C"
                                        + " kernel's, spread over the threads without a hand-off each, run faster in it)"
                                : ""));
            }
            return lines;
        }

        @Override
        public void close() {
            if (replay != null) replay.close();
            if (timed != null) {
                tMetrics.close();
                tData.close();
                tNet.close();
            }
            metrics.close();
            data.close();
            net.close();
        }
    }

    /** Ops that times every compute call by operation and shape (allocates: for the breakdown only). */
    static final class Timed implements Ops {
        final Ops d;
        final Map<String, double[]> times = new LinkedHashMap<>(); // key -> {nanoseconds, flops}
        long total;

        Timed(Ops d) {
            this.d = d;
        }

        long overhead; // time spent here naming the operations, taken off the step's total

        void add(Object key, long t0, double flops) {
            long t1 = System.nanoTime();
            String name = names.computeIfAbsent(key, Object::toString);
            double[] v = times.computeIfAbsent(name, k -> new double[2]);
            v[0] += t1 - t0;
            v[1] = flops;
            overhead += System.nanoTime() - t1;
        }

        final Map<Object, String> names = new java.util.HashMap<>();

        record Key(String what, int rows, int cols, int k) {
            @Override
            public String toString() {
                return k < 0
                        ? what + ", " + rows + "×" + cols
                        : String.format(Locale.ROOT, "%s, m×n×k %d×%d×%d", what, rows, cols, k);
            }
        }

        @Override
        public String name() {
            return d.name();
        }

        @Override
        public String description() {
            return d.description();
        }

        @Override
        public boolean hostMemory() {
            return d.hostMemory();
        }

        @Override
        public Block allocate(long length) {
            return d.allocate(length);
        }

        @Override
        public IndexBlock allocateIndices(int length) {
            return d.allocateIndices(length);
        }

        @Override
        public ByteBlock allocateBytes(long length) {
            return d.allocateBytes(length);
        }

        @Override
        public Metrics allocateMetrics() {
            return d.allocateMetrics();
        }

        @Override
        public void upload(byte[] src, int srcOffset, ByteBlock dst, long dstOffset, int length) {
            d.upload(src, srcOffset, dst, dstOffset, length);
        }

        @Override
        public void upload(float[] src, int srcOffset, Block dst, long dstOffset, int length) {
            d.upload(src, srcOffset, dst, dstOffset, length);
        }

        @Override
        public void upload(int[] src, IndexBlock dst) {
            d.upload(src, dst);
        }

        @Override
        public void download(Block src, long srcOffset, float[] dst, int dstOffset, int length) {
            d.download(src, srcOffset, dst, dstOffset, length);
        }

        @Override
        public void fill(Block dst, float value) {
            d.fill(dst, value);
        }

        @Override
        public void synchronize() {
            d.synchronize();
        }

        @Override
        public void gemm(
                boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c) {
            long t0 = System.nanoTime();
            d.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
            add(
                    new Key(!transA && !transB ? "gemm z = W·a" : !transA ? "gemm ∂W = δ·aᵀ" : "gemm Wᵀ·δ", m, n, k),
                    t0,
                    2.0 * m * n * k);
        }

        @Override
        public void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m) {
            long t0 = System.nanoTime();
            d.biasActivation(act, z, bias, a, m);
            add(new Key("bias + " + act, z.rows(), m, -1), t0, 0);
        }

        @Override
        public void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m) {
            long t0 = System.nanoTime();
            d.activationBackward(act, z, a, delta, m);
            add(new Key("δ ⊙= " + act + "′", z.rows(), m, -1), t0, 0);
        }

        @Override
        public void outputError(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, Metrics metrics) {
            long t0 = System.nanoTime();
            d.outputError(cost, out, z, a, y, delta, m, metrics);
            add(new Key("output δ + cost", z.rows(), m, -1), t0, 0);
        }

        @Override
        public void sumColumns(Mat x, int m, Mat sums) {
            long t0 = System.nanoTime();
            d.sumColumns(x, m, sums);
            add(new Key("column sums (∂b)", x.rows(), m, -1), t0, 0);
        }

        @Override
        public void update(
                Block params, Block grads, Block velocity, long weightCount, float rate, float momentum, float decay) {
            long t0 = System.nanoTime();
            d.update(params, grads, velocity, weightCount, rate, momentum, decay);
            add(new Key("update, parameters", (int) params.length(), 1, -1), t0, 0);
        }

        @Override
        public void setScalars(Block dst, float[] values) {
            long t0 = System.nanoTime();
            d.setScalars(dst, values);
            add("set scalars", t0, 0);
        }

        @Override
        public void optimizerStep(
                Optimizer.Kind rule,
                Block params,
                Block grads,
                Block state1,
                Block state2,
                long weightCount,
                Block scalars) {
            long t0 = System.nanoTime();
            d.optimizerStep(rule, params, grads, state1, state2, weightCount, scalars);
            add(new Key("update (" + rule.cliName + "), parameters", (int) params.length(), 1, -1), t0, 0);
        }

        @Override
        public void gatherBytes(ByteMat src, IndexBlock idx, int offset, int m, Mat shift, Mat factor, Mat dst) {
            long t0 = System.nanoTime();
            d.gatherBytes(src, idx, offset, m, shift, factor, dst);
            add(new Key("gather bytes", src.rows(), m, -1), t0, 0);
        }

        @Override
        public void gatherOneHot(IndexBlock labels, IndexBlock idx, int offset, int m, Mat dst) {
            long t0 = System.nanoTime();
            d.gatherOneHot(labels, idx, offset, m, dst);
            add(new Key("gather one-hot", dst.rows(), m, -1), t0, 0);
        }

        @Override
        public void gather(Mat src, IndexBlock idx, int offset, int m, Mat dst) {
            long t0 = System.nanoTime();
            d.gather(src, idx, offset, m, dst);
            add(new Key("gather", src.rows(), m, -1), t0, 0);
        }

        @Override
        public void copyIndices(IndexBlock src, int offset, int m, IndexBlock dst) {
            long t0 = System.nanoTime();
            d.copyIndices(src, offset, m, dst);
            add("copy indices", t0, 0);
        }

        @Override
        public void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
            d.sumSquares(block, offsets, lengths, out);
        }

        @Override
        public void close() {}
    }
}
