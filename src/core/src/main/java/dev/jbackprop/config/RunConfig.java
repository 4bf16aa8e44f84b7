package dev.jbackprop.config;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.LearningRateSchedule;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Optimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a training run is: the network, the initialisation, the hyper-parameters, the data, the backend and
 * what the run writes besides its results. A run writes it to {@code config.json} and into its checkpoints
 * ({@link RunConfigJson}); the same run is repeated from it, and a resumed run is checked against it
 * ({@link #changesFixedOnResume}).
 *
 * @param version the jbackprop version that wrote it (informational)
 * @param layers the layer sizes n_1 … n_L, the input first
 * @param activations one activation per weight layer, the output activation last
 * @param cost the cost function
 * @param init an {@link dev.jbackprop.model.Init} name, {@value #AUTO} (the first hidden activation's
 *     recommended init), or {@value #INIT_FILE} followed by the path of a model file to start from
 * @param eta the learning rate η
 * @param batch the mini-batch size
 * @param epochs the epochs to train
 * @param steps stop after this many steps in all (0: no limit)
 * @param momentum the momentum μ
 * @param lambda the L2 weight decay λ (the textbook's form; sgd only)
 * @param optimizer the update rule: an {@link Optimizer.Kind} name ({@code sgd} in files that have none)
 * @param beta1 Adam's β₁
 * @param beta2 Adam's β₂
 * @param epsilon Adam's ε
 * @param weightDecay PyTorch's weight_decay (nesterov, adam, adamw)
 * @param lrSchedule the learning-rate schedule, as {@link LearningRateSchedule#parse} reads it
 * @param warmup the schedule's warm-up steps
 * @param seed seeds the init and the shuffling
 * @param trainSize the training images trained on (0: all); the rest validate
 * @param validationSize the validation images (informational)
 * @param testSize the test images (informational)
 * @param data where IDX data came from: a directory, or a description of the fetched data set (null when
 *     {@code train} names a file)
 * @param train the training data file (CSV, TSV or npz), or null for IDX data ({@code data})
 * @param test a separate test file, or null (the source's own test set, a split, or none)
 * @param header CSV: {@code auto}, {@code yes} or {@code no}; null for auto
 * @param labelColumn CSV: the label column's name or 0-based index; null for the last column
 * @param classes IDX: the number of classes, or 0 for the largest label + 1
 * @param task {@code classification} or {@code regression}; null to infer it from the data (a started
 *     run records the task it trained for)
 * @param normalize {@code none}, {@code minmax} or {@code standard}; null for the data's default (a started
 *     run records the one it used)
 * @param testSplit the fraction of the training data held out as the test set (seeded), 0 for none
 * @param validationSplit the fraction of the training data held out for validation (seeded), 0 for none
 * @param backend {@value #AUTO}, {@code cpu} or {@code cuda}; once a run has started, the backend it used
 * @param device the device the run used (informational)
 * @param threads CPU backend threads (0: all cores)
 * @param tf32 GPU: TF32 GEMMs
 * @param bf16 GPU: GEMMs on bfloat16 copies of their inputs
 * @param graphs GPU: replay full-size steps as a CUDA graph
 * @param checkpointEvery checkpoint every N steps ("N") or epochs ("Ne"), or null: no checkpoints
 * @param trackGradients record the gradient norms every this many steps (0: off)
 * @param earlyStop stop when the validation set's monitored figure has not improved for this many epochs (0: off)
 * @param monitor what early stopping and the best model watch on the validation set: {@code loss} or
 *     {@code accuracy}
 * @param saveBest write the model whenever the monitored validation figure improves
 */
public record RunConfig(
        String version,
        List<Integer> layers,
        List<String> activations,
        String cost,
        String init,
        double eta,
        int batch,
        int epochs,
        long steps,
        double momentum,
        double lambda,
        String optimizer,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        String lrSchedule,
        long warmup,
        long seed,
        int trainSize,
        int validationSize,
        int testSize,
        String data,
        String train,
        String test,
        String header,
        String labelColumn,
        int classes,
        String task,
        String normalize,
        double testSplit,
        double validationSplit,
        String backend,
        String device,
        int threads,
        boolean tf32,
        boolean bf16,
        boolean graphs,
        String checkpointEvery,
        long trackGradients,
        int earlyStop,
        String monitor,
        boolean saveBest) {

    /** The value of {@link #init} and {@link #backend} that lets jbackprop choose. */
    public static final String AUTO = "auto";

    /** The prefix of {@link #init} when the run starts from a model file. */
    public static final String INIT_FILE = "file:";

    /** Copies the lists, so that the record is a value. */
    public RunConfig {
        layers = layers == null ? null : List.copyOf(layers);
        activations = activations == null ? null : List.copyOf(activations);
    }

    /**
     * The network the configuration describes.
     *
     * @return the network
     * @throws dev.jbackprop.model.InvalidConfigException when it is not a valid network
     * @throws IllegalArgumentException when an activation or the cost is unknown
     */
    public NetworkSpec network() {
        List<Activation> acts = new ArrayList<>();
        for (String a : activations) acts.add(Activation.parse(a));
        return new NetworkSpec(layers.stream().mapToInt(Integer::intValue).toArray(), acts, Cost.parse(cost));
    }

    /** The value of {@link #optimizer} and {@link #lrSchedule} in files written before they existed. */
    public static final String SGD = "sgd", CONSTANT = "constant";

    /** The values of {@link #monitor}. */
    public static final String LOSS = "loss", ACCURACY = "accuracy";

    /**
     * The optimiser the configuration describes.
     *
     * @return the optimiser
     * @throws dev.jbackprop.model.InvalidConfigException when a value is out of range or does not apply
     */
    public Optimizer optimizerSpec() {
        Optimizer.Kind k = Optimizer.Kind.parse(optimizer == null ? SGD : optimizer);
        return new Optimizer(k, k.adaptive() ? 0 : momentum, beta1, beta2, epsilon, weightDecay);
    }

    /**
     * The learning-rate schedule the configuration describes.
     *
     * @return the schedule
     * @throws dev.jbackprop.model.InvalidConfigException when it cannot be read
     */
    public LearningRateSchedule schedule() {
        return LearningRateSchedule.parse(lrSchedule == null ? CONSTANT : lrSchedule, warmup);
    }

    /** The model file the run starts from, or null when it starts from a random init. */
    public Path initWeights() {
        return init != null && init.startsWith(INIT_FILE) ? Path.of(init.substring(INIT_FILE.length())) : null;
    }

    /**
     * The names ({@link RunConfigJson} keys) of the settings a resumed run must keep that differ between this
     * configuration, a run's stored one, and {@code asked}: the network, the init, the hyper-parameters but the
     * epochs and steps (the optimiser and the schedule included), the seed, the training-set size, how the data is
     * read and split (task, normalisation, CSV header and label column, classes, test and validation fractions) and
     * the GEMM precision. The epochs, the steps, the data's location, the backend, the threads, the graphs,
     * checkpointing, gradient tracking, early stopping and the best model may change (a schedule that spans the run,
     * cosine or onecycle, then spans its new length from the step it resumes at).
     *
     * @param asked the configuration asked for
     * @return the keys, in {@code config.json} order; empty when the run may continue as asked
     */
    public List<String> changesFixedOnResume(RunConfig asked) {
        List<String> out = new ArrayList<>();
        if (!Objects.equals(network(), asked.network())) out.add(RunConfigJson.NETWORK);
        if (!sameInit(init, asked.init)) out.add("init");
        if (eta != asked.eta) out.add("eta");
        if (batch != asked.batch) out.add("batch");
        if (momentum != asked.momentum) out.add("momentum");
        if (lambda != asked.lambda) out.add("lambda");
        if (!Objects.equals(optimizer, asked.optimizer)) out.add("optimizer");
        if (beta1 != asked.beta1) out.add("beta1");
        if (beta2 != asked.beta2) out.add("beta2");
        if (epsilon != asked.epsilon) out.add("epsilon");
        if (weightDecay != asked.weightDecay) out.add("weight_decay");
        if (!Objects.equals(lrSchedule, asked.lrSchedule)) out.add("lr_schedule");
        if (warmup != asked.warmup) out.add("warmup");
        if (seed != asked.seed) out.add("seed");
        if (trainSize != asked.trainSize) out.add("train_size");
        if (!Objects.equals(task, asked.task)) out.add("task");
        if (!Objects.equals(normalize, asked.normalize)) out.add("normalize");
        if (!Objects.equals(header, asked.header)) out.add("header");
        if (!Objects.equals(labelColumn, asked.labelColumn)) out.add("label_column");
        if (classes != asked.classes) out.add("classes");
        if (testSplit != asked.testSplit) out.add("test_split");
        if (validationSplit != asked.validationSplit) out.add("validation_split");
        if (tf32 != asked.tf32) out.add("tf32");
        if (bf16 != asked.bf16) out.add("bf16");
        return out;
    }

    /** The same init; the same model file when both name one, however the paths are written. */
    private static boolean sameInit(String a, String b) {
        if (a != null && b != null && a.startsWith(INIT_FILE) && b.startsWith(INIT_FILE)) {
            Path pa = Path.of(a.substring(INIT_FILE.length())).toAbsolutePath().normalize();
            Path pb = Path.of(b.substring(INIT_FILE.length())).toAbsolutePath().normalize();
            return pa.equals(pb);
        }
        return Objects.equals(a, b);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * A mutable copy of a configuration, to change some settings and {@link #build()} a new one; the fields are
     * the record's components.
     */
    public static final class Builder {
        public String version;
        public List<Integer> layers;
        public List<String> activations;
        public String cost;
        public String init = AUTO;
        public double eta;
        public int batch;
        public int epochs;
        public long steps;
        public double momentum;
        public double lambda;
        public String optimizer = SGD;
        public double beta1 = Optimizer.BETA1;
        public double beta2 = Optimizer.BETA2;
        public double epsilon = Optimizer.EPSILON;
        public double weightDecay;
        public String lrSchedule = CONSTANT;
        public long warmup;
        public long seed;
        public int trainSize;
        public int validationSize;
        public int testSize;
        public String data;
        public String train;
        public String test;
        public String header;
        public String labelColumn;
        public int classes;
        public String task;
        public String normalize;
        public double testSplit;
        public double validationSplit;
        public String backend = AUTO;
        public String device;
        public int threads;
        public boolean tf32;
        public boolean bf16;
        public boolean graphs = true;
        public String checkpointEvery;
        public long trackGradients;
        public int earlyStop;
        public String monitor = LOSS;
        public boolean saveBest;

        /** An empty builder: every setting still to be given. */
        public Builder() {}

        private Builder(RunConfig c) {
            version = c.version;
            layers = c.layers;
            activations = c.activations;
            cost = c.cost;
            init = c.init;
            eta = c.eta;
            batch = c.batch;
            epochs = c.epochs;
            steps = c.steps;
            momentum = c.momentum;
            lambda = c.lambda;
            optimizer = c.optimizer;
            beta1 = c.beta1;
            beta2 = c.beta2;
            epsilon = c.epsilon;
            weightDecay = c.weightDecay;
            lrSchedule = c.lrSchedule;
            warmup = c.warmup;
            seed = c.seed;
            trainSize = c.trainSize;
            validationSize = c.validationSize;
            testSize = c.testSize;
            data = c.data;
            train = c.train;
            test = c.test;
            header = c.header;
            labelColumn = c.labelColumn;
            classes = c.classes;
            task = c.task;
            normalize = c.normalize;
            testSplit = c.testSplit;
            validationSplit = c.validationSplit;
            backend = c.backend;
            device = c.device;
            threads = c.threads;
            tf32 = c.tf32;
            bf16 = c.bf16;
            graphs = c.graphs;
            checkpointEvery = c.checkpointEvery;
            trackGradients = c.trackGradients;
            earlyStop = c.earlyStop;
            monitor = c.monitor;
            saveBest = c.saveBest;
        }

        /**
         * Sets the network.
         *
         * @param spec the network
         * @return this builder
         */
        public Builder network(NetworkSpec spec) {
            List<Integer> sizes = new ArrayList<>();
            for (int n : spec.sizes()) sizes.add(n);
            layers = sizes;
            activations = spec.activations().stream().map(Object::toString).toList();
            cost = spec.cost().cliName;
            return this;
        }

        /** The configuration. */
        public RunConfig build() {
            return new RunConfig(
                    version,
                    layers,
                    activations,
                    cost,
                    init,
                    eta,
                    batch,
                    epochs,
                    steps,
                    momentum,
                    lambda,
                    optimizer,
                    beta1,
                    beta2,
                    epsilon,
                    weightDecay,
                    lrSchedule,
                    warmup,
                    seed,
                    trainSize,
                    validationSize,
                    testSize,
                    data,
                    train,
                    test,
                    header,
                    labelColumn,
                    classes,
                    task,
                    normalize,
                    testSplit,
                    validationSplit,
                    backend,
                    device,
                    threads,
                    tf32,
                    bf16,
                    graphs,
                    checkpointEvery,
                    trackGradients,
                    earlyStop,
                    monitor,
                    saveBest);
        }
    }
}
