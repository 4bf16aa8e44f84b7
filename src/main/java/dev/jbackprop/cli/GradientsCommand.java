package dev.jbackprop.cli;

import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Mnist;
import dev.jbackprop.diag.GradientNorms;
import dev.jbackprop.diag.GradientNorms.Norms;
import dev.jbackprop.diag.Plots;
import dev.jbackprop.diag.ScalarChain;
import dev.jbackprop.diag.Spread;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.DivergedException;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.model.Init;
import dev.jbackprop.model.NetworkSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** jbackprop gradients: the speed of learning of each hidden layer (the vanishing gradient problem). */
@Command(
        mixinStandardHelpOptions = true,
        name = "gradients",
        sortOptions = false,
        description = {
            "Prints each hidden layer's speed of learning ‖∂C/∂bˡ‖ (and ‖∂C/∂Wˡ‖):",
            "the norm of the gradient averaged over the first --samples training images",
            "(the textbook's chapter 5).",
            "Defaults: --layers 784,30,30,30,10 --activation sigmoid --cost cross-entropy.",
            "--inits K: median and 10th-90th percentiles over seeds seed … seed+K-1.",
            "--train-epochs N: also after training, and tracked during it into --out",
            "(gradients.csv, gradients.png).",
            "--compare-activations: one table over activations, each with its",
            "recommended init, and the factors |w·σ′(z)| of a one-neuron-per-layer chain."
        })
public final class GradientsCommand implements Callable<Integer> {
    static final String DEFAULT_LAYERS = "784,30,30,30,10";
    static final String DEFAULT_ACTIVATION = "sigmoid";
    static final String DEFAULT_COST = "cross-entropy";
    /** Input of the scalar chain. */
    static final double CHAIN_INPUT = 1.0;

    static final int MAX_CHUNK = 1000;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec cmd;

    @Mixin
    NetOptions net;

    @Option(
            names = "--init",
            description = "Weight init: gaussian, scaled, he, xavier (default: the activation's recommended init).")
    String init;

    @Option(
            names = "--samples",
            description = "Average the gradient over the first N training images (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    int samples;

    @Option(
            names = "--inits",
            paramLabel = "K",
            description = "Random initialisations, seeds seed … seed+K-1 (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    int inits;

    @Option(
            names = "--seed",
            description = "First seed, for the init and the shuffling (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    long seed;

    @Option(
            names = "--train-epochs",
            paramLabel = "N",
            description = "Train N epochs and measure again (default: 0; 1 with --compare-activations).")
    Integer trainEpochs;

    @Option(
            names = "--eta",
            description = "Learning rate for --train-epochs, plain SGD (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.1")
    double eta;

    @Option(
            names = "--lambda",
            description = "L2 weight decay λ for --train-epochs (default: ${DEFAULT-VALUE}).",
            defaultValue = "0")
    double lambda;

    @Option(
            names = "--batch",
            description = "Mini-batch size for --train-epochs (default: ${DEFAULT-VALUE}).",
            defaultValue = "10")
    int batch;

    @Option(
            names = "--train-size",
            description = "Train on the first N training images (default: ${DEFAULT-VALUE}).",
            defaultValue = "50000")
    int trainSize;

    @Option(
            names = "--track-every",
            paramLabel = "STEPS",
            description = "Measure every STEPS mini-batches while training (default: 20 times per epoch).")
    Integer trackEvery;

    @Option(
            names = "--compare-activations",
            paramLabel = "A,B,...",
            description = "Compare hidden activations, e.g. sigmoid,tanh,relu,leaky_relu,elu.")
    String compare;

    @Option(names = "--backend", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
    String backend;

    @Option(names = "--threads", description = "CPU backend threads (default: all cores).", defaultValue = "0")
    int threads;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "Directory with the four MNIST IDX files (default: fetch MNIST into the cache).")
    Path data;

    @Option(
            names = "--cache",
            paramLabel = "DIR",
            description = "MNIST cache (default: $JBACKPROP_CACHE or ~/.cache/jbackprop/mnist).")
    Path cache;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description =
                    "Where gradients.csv and gradients.png go (default with --train-epochs: runs/gradients-<date-time>).")
    Path out;

    /** One measurement point: norms of every weight layer. */
    record Point(long step, double epoch, Norms norms) {}

    /** One initialisation's measurements. */
    record RunResult(long seed, Norms atInit, Norms after, double testAccuracy, List<Point> track) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter o = cmd.commandLine().getOut();
        PrintWriter e = cmd.commandLine().getErr();
        if (samples <= 0) throw new IllegalArgumentException("--samples must be at least 1, got " + samples);
        if (inits <= 0 || inits > 10_000)
            throw new IllegalArgumentException("--inits must be between 1 and 10000, got " + inits);
        if (trainEpochs != null && trainEpochs < 0)
            throw new IllegalArgumentException("--train-epochs must be 0 or more, got " + trainEpochs);
        if (batch <= 0) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        if (trainSize <= 0) throw new IllegalArgumentException("--train-size must be positive, got " + trainSize);
        if (trackEvery != null && trackEvery <= 0)
            throw new IllegalArgumentException("--track-every must be at least 1, got " + trackEvery);
        if (threads < 0)
            throw new IllegalArgumentException("--threads must be 0 (all cores) or positive, got " + threads);
        new Step.Hyper(eta, lambda, 0, 1); // checks --eta and --lambda
        Init initKind = init == null ? null : Init.parse(init);

        List<NetworkSpec> specs = new ArrayList<>();
        if (compare != null) {
            if (net.activation != null)
                throw new IllegalArgumentException("give either --activation or --compare-activations, not both");
            if (out != null)
                throw new IllegalArgumentException(
                        "--out is for a single activation; --compare-activations only prints its table");
            for (String a : compare.split(",")) {
                if (a.isBlank())
                    throw new IllegalArgumentException("--compare-activations: empty name in '" + compare + "'");
                net.activation = a.trim();
                specs.add(spec());
            }
            net.activation = null;
        } else {
            specs.add(spec());
        }
        int epochs = trainEpochs != null ? trainEpochs : compare != null ? 1 : 0;
        if (trackEvery != null && epochs == 0) throw new IllegalArgumentException("--track-every needs --train-epochs");
        Backends.check(backend); // before MNIST is fetched or --out is written

        Mnist mnist = Mnist.load(data, cache, msg -> e.println("jbackprop: " + msg));
        Dataset trainFull = mnist.train();
        NetworkSpec first = specs.get(0);
        if (first.inputSize() != trainFull.features() || first.outputSize() != trainFull.classes()) {
            throw new IllegalArgumentException("--layers " + first.sizesText() + " does not fit the data's "
                    + trainFull.features() + " features and " + trainFull.classes() + " classes; use --layers "
                    + trainFull.features() + ",…," + trainFull.classes());
        }
        if (samples > trainFull.count())
            throw new IllegalArgumentException(
                    "--samples " + samples + " exceeds the " + trainFull.count() + " training images");
        if (epochs > 0 && trainSize > trainFull.count()) {
            throw new IllegalArgumentException(
                    "--train-size " + trainSize + " exceeds the " + trainFull.count() + " training images");
        }
        Dataset measureSet = trainFull.first(samples);
        Dataset trainSet = epochs > 0 ? trainFull.first(trainSize) : null;
        int stepsPerEpoch = epochs > 0 ? (trainSize + batch - 1) / batch : 0;
        long every = trackEvery != null ? trackEvery : Math.max(1, (stepsPerEpoch + 19) / 20);
        boolean track = compare == null && epochs > 0;
        Path outDir = out != null
                ? out
                : track
                        ? Path.of(
                                "runs",
                                "gradients-"
                                        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
                        : null;
        if (outDir != null) RunOutput.create(outDir, true);

        try (Ops ops = Backends.open(
                        backend, threads, false, false, main.debug, msg -> e.println("jbackprop: " + msg));
                DeviceData measureData = TrainCommand.upload(ops, measureSet);
                DeviceData trainData = trainSet == null ? null : TrainCommand.upload(ops, trainSet);
                DeviceData testData = trainSet == null ? null : TrainCommand.upload(ops, mnist.test())) {
            String training = epochs == 0
                    ? ""
                    : String.format(
                            Locale.ROOT,
                            "; training: %d epoch%s of plain SGD on the first %d images, batch %d, η=%s, λ=%s",
                            epochs,
                            epochs == 1 ? "" : "s",
                            trainSize,
                            batch,
                            eta,
                            lambda);
            String seeds = inits == 1
                    ? "seed " + seed
                    : inits + " inits (seeds " + seed + "–" + (seed + inits - 1) + "), median [p10, p90]";
            if (compare == null) {
                NetworkSpec spec = specs.get(0);
                Init ik = initFor(spec, initKind);
                o.printf("gradients: %s, init %s, %s, on %s%n", spec, ik, seeds, ops.description());
                o.printf("  norm of the gradient averaged over the first %d training images%s%n", samples, training);
                o.flush();
                List<RunResult> runs = new ArrayList<>();
                for (int i = 0; i < inits; i++) {
                    runs.add(measure(
                            ops,
                            spec,
                            ik,
                            seed + i,
                            measureData,
                            trainData,
                            testData,
                            epochs,
                            every,
                            stepsPerEpoch,
                            track));
                }
                printSingle(o, spec, runs, epochs);
                if (outDir != null) {
                    writeCsv(outDir.resolve("gradients.csv"), runs);
                    if (track) plot(outDir.resolve("gradients.png"), spec, ik, runs);
                    o.printf("wrote %s%n", outDir.resolve(track ? "gradients.csv and gradients.png" : "gradients.csv"));
                }
            } else {
                o.printf(
                        "gradients: %s hidden layers, %s, %s, on %s%n",
                        first.sizesText(), first.cost(), seeds, ops.description());
                o.printf("  norm of the gradient averaged over the first %d training images%s%n", samples, training);
                o.flush();
                List<List<RunResult>> all = new ArrayList<>();
                for (NetworkSpec spec : specs) {
                    List<RunResult> runs = new ArrayList<>();
                    for (int i = 0; i < inits; i++) {
                        runs.add(measure(
                                ops,
                                spec,
                                initFor(spec, initKind),
                                seed + i,
                                measureData,
                                trainData,
                                testData,
                                epochs,
                                every,
                                stepsPerEpoch,
                                false));
                    }
                    all.add(runs);
                }
                printCompare(o, specs, all, initKind, epochs);
                printChain(o, specs, initKind);
            }
        }
        return 0;
    }

    private NetworkSpec spec() {
        NetworkSpec s = net.spec(DEFAULT_LAYERS, DEFAULT_ACTIVATION, DEFAULT_COST);
        if (s.layers() < 2)
            throw new IllegalArgumentException(
                    "--layers " + s.sizesText() + " has no hidden layer; give at least one, e.g. 784,30,10");
        return s;
    }

    private static Init initFor(NetworkSpec spec, Init given) {
        return given != null ? given : Init.recommendedFor(spec.activation(0));
    }

    /** Norms at the init drawn from seed and, with epochs > 0, during and after training. */
    RunResult measure(
            Ops ops,
            NetworkSpec spec,
            Init ik,
            long s,
            DeviceData measureData,
            DeviceData trainData,
            DeviceData testData,
            int epochs,
            long every,
            int stepsPerEpoch,
            boolean track) {
        int capacity = Math.max(Math.min(measureData.count, MAX_CHUNK), epochs > 0 ? batch : 1);
        try (Network nw = new Network(ops, spec, capacity, false);
                GradientNorms.Averager avg = new GradientNorms.Averager(nw, measureData)) {
            nw.setParameters(ik.initialise(spec.layout(), s));
            Norms atInit = avg.measure();
            List<Point> points = new ArrayList<>();
            points.add(new Point(0, 0, atInit));
            if (epochs == 0) return new RunResult(s, atInit, null, Double.NaN, points);
            Trainer.Config cfg =
                    new Trainer.Config(batch, epochs, 0, s, new Step.Hyper(eta, lambda, 0, trainData.count));
            double acc;
            try (Trainer t = new Trainer(nw, trainData, null, cfg)) { // test set evaluated once, at the end
                t.run(new Trainer.Listener() {
                    @Override
                    public void step(int epoch, int stepInEpoch) {
                        if (track && t.steps() % every == 0)
                            points.add(new Point(t.steps(), (double) t.steps() / stepsPerEpoch, avg.measure()));
                    }
                });
                acc = t.evaluate(testData).accuracy();
                Norms after = avg.measure();
                if (points.get(points.size() - 1).step() != t.steps())
                    points.add(new Point(t.steps(), (double) t.steps() / stepsPerEpoch, after));
                return new RunResult(s, atInit, after, acc, points);
            } catch (DivergedException d) {
                throw new Main.Failure("training " + spec + " from seed " + s + " diverged: " + d.getMessage());
            }
        }
    }

    private static Spread spread(List<RunResult> runs, ToDoubleFunction<RunResult> f) {
        return Spread.of(runs.stream().mapToDouble(f).toArray());
    }

    private static String layerName(int l) {
        return "hidden " + (l + 1);
    }

    void printSingle(PrintWriter o, NetworkSpec spec, List<RunResult> runs, int epochs) {
        int hidden = spec.layers() - 1;
        for (int phase = 0; phase < (epochs > 0 ? 2 : 1); phase++) {
            boolean after = phase == 1;
            if (after) {
                o.printf(
                        Locale.ROOT,
                        "after %d epoch%s (test accuracy %s)%n",
                        epochs,
                        epochs == 1 ? "" : "s",
                        percent(spread(runs, RunResult::testAccuracy)));
            } else {
                o.println("at initialisation");
            }
            o.printf("%-10s %-30s %-30s %s%n", "layer", "‖∂C/∂b‖", "‖∂C/∂W‖", "‖∂C/∂b‖ ÷ last hidden");
            for (int l = 0; l < hidden; l++) {
                final int ll = l;
                ToDoubleFunction<RunResult> b = r -> (after ? r.after() : r.atInit()).bias()[ll];
                ToDoubleFunction<RunResult> w = r -> (after ? r.after() : r.atInit()).weight()[ll];
                ToDoubleFunction<RunResult> ratio = r -> {
                    Norms n = after ? r.after() : r.atInit();
                    return n.bias()[ll] / n.bias()[hidden - 1];
                };
                o.printf(
                        Locale.ROOT,
                        "%-10s %-30s %-30s %s%n",
                        layerName(l),
                        spread(runs, b).format(),
                        spread(runs, w).format(),
                        ratioText(spread(runs, ratio)));
            }
        }
        o.flush();
    }

    private static String ratioText(Spread s) {
        return s.n() == 1
                ? String.format(Locale.ROOT, "%.3f", s.median())
                : String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", s.median(), s.p10(), s.p90());
    }

    private static String percent(Spread s) {
        return s.n() == 1
                ? String.format(Locale.ROOT, "%.2f%%", 100 * s.median())
                : String.format(Locale.ROOT, "%.2f%% [%.2f, %.2f]", 100 * s.median(), 100 * s.p10(), 100 * s.p90());
    }

    void printCompare(PrintWriter o, List<NetworkSpec> specs, List<List<RunResult>> all, Init given, int epochs) {
        String afterHead = "after " + epochs + " epoch" + (epochs == 1 ? "" : "s");
        boolean withAfter = epochs > 0;
        o.printf(
                "%-12s %-8s %-9s %-28s %-28s %-28s %s%n",
                "activation",
                "init",
                "layer",
                "‖∂C/∂b‖ at init",
                withAfter ? "‖∂C/∂b‖ " + afterHead : "",
                "‖∂C/∂W‖ at init",
                withAfter ? "‖∂C/∂W‖ " + afterHead : "");
        for (int i = 0; i < specs.size(); i++) {
            NetworkSpec spec = specs.get(i);
            List<RunResult> runs = all.get(i);
            for (int l = 0; l < spec.layers() - 1; l++) {
                final int ll = l;
                o.printf(
                        Locale.ROOT,
                        "%-12s %-8s %-9s %-28s %-28s %-28s %s%n",
                        l == 0 ? spec.activation(0).toString() : "",
                        l == 0 ? initFor(spec, given).cliName : "",
                        layerName(l),
                        spread(runs, r -> r.atInit().bias()[ll]).format(),
                        withAfter ? spread(runs, r -> r.after().bias()[ll]).format() : "",
                        spread(runs, r -> r.atInit().weight()[ll]).format(),
                        withAfter ? spread(runs, r -> r.after().weight()[ll]).format() : "");
            }
        }
        if (withAfter) {
            StringBuilder sb = new StringBuilder("test accuracy " + afterHead + ":");
            for (int i = 0; i < specs.size(); i++) {
                sb.append(i == 0 ? " " : "; ")
                        .append(specs.get(i).activation(0))
                        .append(' ')
                        .append(percent(spread(all.get(i), RunResult::testAccuracy)));
            }
            o.println(sb);
        }
        o.flush();
    }

    void printChain(PrintWriter o, List<NetworkSpec> specs, Init given) {
        NetworkSpec c0 = ScalarChain.chainOf(specs.get(0));
        int hidden = c0.layers() - 1;
        o.printf(
                "scalar chain [%s], input x = %s, same inits and seeds: |w_{l+1}·σ′(z_l)|, the factor δ picks up going back from layer l+1 to hidden "
                        + "layer l%s%n",
                c0.sizesText(), CHAIN_INPUT, inits == 1 ? "" : " (median over the " + inits + " inits)");
        StringBuilder head = new StringBuilder(String.format("%-12s %-8s %-7s", "activation", "init", "max σ′"));
        for (int l = 0; l < hidden; l++) head.append(String.format(" %-10s", layerName(l)));
        head.append(" product (= |δ of hidden 1 ÷ δ of the output|)");
        o.println(head);
        for (NetworkSpec spec : specs) {
            NetworkSpec chain = ScalarChain.chainOf(spec);
            Init ik = initFor(spec, given);
            double[][] f = new double[inits][];
            double[] prod = new double[inits];
            for (int i = 0; i < inits; i++) {
                f[i] = ScalarChain.factors(chain, ik, seed + i, CHAIN_INPUT);
                prod[i] = 1;
                for (double v : f[i]) prod[i] *= v;
            }
            StringBuilder row = new StringBuilder(String.format(
                    Locale.ROOT,
                    "%-12s %-8s %-7.3f",
                    spec.activation(0),
                    ik.cliName,
                    ScalarChain.maxSigmaPrime(spec.activation(0))));
            for (int l = 0; l < hidden; l++) {
                final int ll = l;
                double[] col = new double[inits];
                for (int i = 0; i < inits; i++) col[i] = f[i][ll];
                row.append(String.format(Locale.ROOT, " %-10.3e", Spread.of(col).median()));
            }
            row.append(String.format(Locale.ROOT, " %.3e", Spread.of(prod).median()));
            o.println(row);
        }
        o.flush();
    }

    /** seed,step,epoch,layer,weight_norm,bias_norm for every measurement point (layer L is the output layer). */
    static void writeCsv(Path file, List<RunResult> runs) throws IOException {
        StringBuilder sb = new StringBuilder("seed,step,epoch,layer,weight_norm,bias_norm\n");
        for (RunResult r : runs) {
            for (Point p : r.track()) {
                for (int l = 0; l < p.norms().layers(); l++) {
                    sb.append(String.format(
                            Locale.ROOT,
                            "%d,%d,%.4f,%d,%.6e,%.6e%n",
                            r.seed(),
                            p.step(),
                            p.epoch(),
                            l + 1,
                            p.norms().weight()[l],
                            p.norms().bias()[l]));
                }
            }
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }

    /** Median over the inits of each hidden layer's ‖∂C/∂b‖ against the epoch, log scale. */
    static void plot(Path png, NetworkSpec spec, Init ik, List<RunResult> runs) throws IOException {
        int points = runs.get(0).track().size();
        double[] x = new double[points];
        for (int p = 0; p < points; p++) x[p] = runs.get(0).track().get(p).epoch();
        List<Plots.Series> series = new ArrayList<>();
        for (int l = 0; l < spec.layers() - 1; l++) {
            List<double[]> xy = new ArrayList<>();
            for (int p = 0; p < points; p++) {
                final int pp = p, ll = l;
                double v = Spread.of(runs.stream()
                                .mapToDouble(r -> r.track().get(pp).norms().bias()[ll])
                                .toArray())
                        .median();
                if (v > 0 && Double.isFinite(v)) xy.add(new double[] {x[p], v}); // a log axis cannot show 0
            }
            series.add(new Plots.Series(
                    "hidden layer " + (l + 1),
                    xy.stream().mapToDouble(q -> q[0]).toArray(),
                    xy.stream().mapToDouble(q -> q[1]).toArray(),
                    false));
        }
        String title = "speed of learning ‖∂C/∂bˡ‖, " + spec.sizesText() + " " + spec.activation(0) + ", init " + ik
                + (runs.size() > 1
                        ? ", median of " + runs.size() + " inits"
                        : ", seed " + runs.get(0).seed());
        Plots.line(png, title, "epoch", "‖∂C/∂b‖ (mean over the samples)", null, true, series);
    }
}
