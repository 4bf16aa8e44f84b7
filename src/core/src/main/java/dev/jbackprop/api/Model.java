package dev.jbackprop.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.FeatureMatrix;
import dev.jbackprop.data.Normalization;
import dev.jbackprop.data.Split;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.DivergedException;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Network;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.Step;
import dev.jbackprop.engine.Trainer;
import dev.jbackprop.io.BadFileException;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.io.SafeTensors;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A multi-layer perceptron on a {@link Backend}: its parameters live in the backend's memory. Build one
 * ({@link #builder()}) or load one ({@link #load}); {@link #fit} it, {@link #evaluate} it, {@link #predict} with it,
 * {@link #save} it. A model borrows its backend and holds memory on it: close the model, then the backend. A model
 * whose backend is closed throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Backend backend = Backend.auto();
 *      Model model = Model.builder().input(4).hidden(16, Activation.relu()).output(3).build(backend)) {
 *     model.fit(Data.classification(x, labels), TrainingOptions.defaults().epochs(20).batchSize(16));
 *     int[] classes = model.predict(x).predictedClasses();
 *     model.save(Path.of("iris.safetensors"));
 * }
 * }</pre>
 *
 * The file is safetensors in PyTorch's {@code nn.Linear} layout ({@code layers.{i}.weight} [n_out, n_in] and
 * {@code layers.{i}.bias} [n_out], float32), with the network, its class names and its input scaling in the
 * metadata. Not thread-safe: one thread at a time.
 */
public final class Model implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Columns per evaluation or prediction pass. */
    private static final int PASS = 1024;

    private final Backend backend;
    private final NetworkSpec spec;
    private final Scaling scaling;
    private Normalization normalization; // null: to be fitted by the first fit (scaling != NONE)
    private List<String> classNames;
    private Task task; // null: not known yet
    private float[] hostParams; // the parameters while no network holds them
    private Network net;
    private boolean closed;

    private Model(
            Backend backend,
            NetworkSpec spec,
            Scaling scaling,
            Normalization normalization,
            List<String> classNames,
            Task task,
            float[] params) {
        this.backend = backend;
        this.spec = spec;
        this.scaling = scaling;
        this.normalization = scaling == Scaling.NONE ? Normalization.NONE : normalization;
        this.classNames = List.copyOf(classNames);
        this.task = task;
        this.hostParams = params;
    }

    /**
     * A builder for a new network.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Loads a model file written by {@link #save} or by {@code jbackprop train}: the network comes from its
     * metadata. For files from elsewhere (PyTorch), describe the network with {@link Builder#load}.
     *
     * @param file the safetensors file
     * @param backend where the model will run
     * @return the model
     * @throws ModelFileException when the file is missing or invalid, or its metadata describes no network
     */
    public static Model load(Path file, Backend backend) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(backend, "backend");
        backend.checkOpen();
        try {
            NetworkSpec spec = ModelFile.network(file);
            if (spec == null) {
                throw new ModelFileException(
                        file,
                        file + ": has no jbackprop metadata saying what network it holds; describe the network with "
                                + "Model.builder()…load(file, backend)",
                        null);
            }
            float[] params = ModelFile.read(file, spec.layout());
            Model m = new Model(backend, spec, Scaling.NONE, Normalization.NONE, List.of(), null, params);
            return m.withMetadata(file, SafeTensors.readMetadata(file).get(ModelFile.NETWORK_KEY));
        } catch (BadFileException e) {
            throw Errors.modelFile(file, e);
        }
    }

    /** The class names, input scaling and task the metadata holds (files written by {@link #save}). */
    private Model withMetadata(Path file, String json) {
        try {
            JsonNode o = JSON.readTree(json);
            List<String> names = new ArrayList<>();
            o.path("classes").forEach(n -> names.add(n.asText()));
            Task t = o.hasNonNull("task")
                    ? Task.valueOf(o.get("task").asText().toUpperCase(java.util.Locale.ROOT))
                    : null;
            Normalization n = o.hasNonNull("normalization")
                    ? Normalization.fromJson(o.get("normalization").toString())
                    : Normalization.NONE;
            if (n.kind() != Normalization.Kind.NONE && n.features() != spec.inputSize())
                throw new IllegalArgumentException(
                        "its input scaling has " + n.features() + " features, the network " + spec.inputSize());
            return new Model(backend, spec, Scaling.of(n.kind()), n, names, t, hostParams);
        } catch (IOException | RuntimeException e) {
            throw new ModelFileException(
                    file,
                    file + ": its " + ModelFile.NETWORK_KEY + " metadata is not valid (" + e.getMessage() + ")",
                    e);
        }
    }

    // ---- training -------------------------------------------------------------------------------------------

    /**
     * Trains with the default {@link TrainingOptions}.
     *
     * @param data labelled training data
     * @return what training did
     * @see #fit(Data, TrainingOptions)
     */
    public FitResult fit(Data data) {
        return fit(data, TrainingOptions.defaults());
    }

    /**
     * Trains on the data: epochs of shuffled mini-batches, the optimizer's update after each. Continues from the
     * model's current parameters (the optimizer's state, such as momentum, starts afresh). The first fit of a model
     * with a {@link Scaling} fits it to this data. When training diverges the model keeps the parameters it had
     * after the last epoch that ended finite.
     *
     * @param data labelled training data whose features and outputs match the network's input and output sizes
     * @param options epochs, batch size, optimizer, validation, listeners
     * @return what training did
     * @throws InvalidConfigurationException when the data does not fit the network or the loss
     * @throws TrainingDivergedException when the cost or a parameter becomes NaN or infinite
     * @throws BackendException when the backend fails (e.g. out of device memory)
     * @throws IllegalStateException when the model or its backend is closed
     */
    public FitResult fit(Data data, TrainingOptions options) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(options, "options");
        checkOpen();
        Dataset train = data.dataset();
        checkLabelled(train, "Model.fit(data)");
        Dataset validation = null;
        if (options.validation() != null) {
            validation = options.validation().dataset();
            checkLabelled(validation, "TrainingOptions.validation");
        } else if (options.validationFraction() > 0) {
            Split s;
            try {
                s = Split.randomFraction(train, options.validationFraction(), options.seed());
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException("TrainingOptions.validationFraction", e.getMessage());
            }
            train = s.train();
            validation = s.validation();
        }
        if (normalization == null) normalization = Normalization.fit(scaling.kind, train);
        if (task == null) task = data.task();
        if (classNames.isEmpty() && train.task() == dev.jbackprop.data.Task.CLASSIFICATION)
            classNames = train.classNames();
        train = train.withNormalization(normalization);
        if (validation != null) validation = validation.withNormalization(normalization);

        Optimizer opt = options.optimizer();
        try {
            Trainer.Config config = new Trainer.Config(
                    options.batchSize(),
                    options.epochs(),
                    options.maxSteps(),
                    options.seed(),
                    new Step.Hyper(opt.learningRate(), opt.l2(), opt.momentum(), train.count()),
                    options.graphs());
            Network n = network(options.batchSize(), opt.momentum() > 0);
            if (n.velocity != null) n.ops.fill(n.velocity, 0f);
            Ops ops = backend.ops();
            try (DeviceData trainData = upload(ops, train);
                    DeviceData valData = validation == null ? null : upload(ops, validation);
                    Trainer trainer = new Trainer(n, trainData, valData, config)) {
                Adapter adapter = new Adapter(trainer, n, options, validation != null);
                try {
                    trainer.run(adapter);
                } catch (Stop stop) {
                    adapter.stopped = true;
                } catch (DivergedException d) {
                    n.setParameters(adapter.lastGood);
                    String kept = adapter.lastGoodEpoch == 0
                            ? "the model keeps the parameters it had before this fit"
                            : "the model keeps the parameters after epoch " + adapter.lastGoodEpoch;
                    throw new TrainingDivergedException(
                            "training diverged: " + d.wording().render(Errors::apiName) + "; " + kept,
                            d.epoch,
                            d.step,
                            d.layer,
                            d);
                }
                return new FitResult(adapter.epochs, trainer.steps(), adapter.stopped);
            }
        } catch (RuntimeException e) {
            throw Errors.translate(e);
        }
    }

    /** A listener stopped training at a step. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    /** The engine's listener, telling the API's. */
    private final class Adapter implements Trainer.Listener {
        final Trainer trainer;
        final Network n;
        final TrainingOptions options;
        final boolean validating;
        final List<EpochEvent> epochs = new ArrayList<>();
        float[] lastGood;
        int lastGoodEpoch;
        boolean stopped;
        int stepsInEpoch;

        Adapter(Trainer trainer, Network n, TrainingOptions options, boolean validating) {
            this.trainer = trainer;
            this.n = n;
            this.options = options;
            this.validating = validating;
            this.lastGood = n.parameters();
        }

        @Override
        public void epochStart(int epoch, int steps) {
            stepsInEpoch = steps;
        }

        @Override
        public void step(int epoch, int stepInEpoch) {
            if (options.listeners().isEmpty()) return;
            StepEvent e = new StepEvent(epoch, stepInEpoch, stepsInEpoch, trainer.steps());
            for (TrainingListener l : options.listeners()) if (!l.onStep(e)) throw new Stop();
        }

        @Override
        public boolean epochEnd(Trainer.EpochResult r) {
            boolean classification = task == Task.CLASSIFICATION;
            EpochEvent e = new EpochEvent(
                    r.epoch(),
                    options.epochs(),
                    r.steps(),
                    r.loss(),
                    classification ? r.trainAccuracy() : Double.NaN,
                    validating ? r.testLoss() : Double.NaN,
                    validating && classification ? r.testAccuracy() : Double.NaN,
                    r.samplesPerSecond(),
                    r.seconds());
            epochs.add(e);
            lastGood = n.parameters(); // the trainer has checked them: finite
            lastGoodEpoch = r.epoch();
            boolean go = true;
            for (TrainingListener l : options.listeners()) go &= l.onEpoch(e);
            if (!go) stopped = true;
            return go;
        }
    }

    // ---- evaluation and prediction -------------------------------------------------------------------------

    /**
     * The model's cost on labelled data, and the accuracy and confusion matrix (classification) or the errors and
     * R² (regression).
     *
     * @param data labelled data whose features and outputs match the network
     * @return the evaluation
     * @throws InvalidConfigurationException when the data does not fit the network
     * @throws IllegalStateException when the model or its backend is closed
     */
    public Evaluation evaluate(Data data) {
        return evaluate(data, PASS);
    }

    /**
     * {@link #evaluate(Data)} in passes of {@code batchSize} samples (more memory on the backend, fewer passes).
     *
     * @param data labelled data whose features and outputs match the network
     * @param batchSize samples per pass, at least 1
     * @return the evaluation
     * @throws InvalidConfigurationException when the data does not fit the network, or the size is below 1
     * @throws IllegalStateException when the model or its backend is closed
     */
    public Evaluation evaluate(Data data, int batchSize) {
        Objects.requireNonNull(data, "data");
        checkBatch("Model.evaluate(batchSize)", batchSize);
        checkOpen();
        Dataset d = data.dataset();
        checkLabelled(d, "Model.evaluate(data)");
        Normalization norm = normalization == null ? Normalization.NONE : normalization;
        Dataset s = d.withNormalization(norm);
        try {
            Network n = network(Math.min(batchSize, Math.max(1, s.count())), false);
            Ops ops = backend.ops();
            double loss;
            try (DeviceData dd = upload(ops, s);
                    Metrics metrics = ops.allocateMetrics()) {
                loss = Trainer.evaluate(n, dd, metrics).loss();
            }
            float[] out = forward(s, batchSize);
            float[] y = new float[s.outputs() * s.count()];
            s.copyY(0, s.count(), y, 0);
            return Task.of(s.task()) == Task.CLASSIFICATION
                    ? classification(s, loss, out)
                    : regression(s, loss, out, y);
        } catch (RuntimeException e) {
            throw Errors.translate(e);
        }
    }

    private Evaluation classification(Dataset s, double loss, float[] out) {
        int c = s.outputs(), m = s.count();
        int[][] confusion = new int[c][c];
        long right = 0;
        Predictions p = new Predictions(m, c, out, List.of());
        for (int i = 0; i < m; i++) {
            int truth = s.label(i), guess = p.predictedClass(i);
            confusion[truth][guess]++;
            if (truth == guess) right++;
        }
        return new Evaluation(
                Task.CLASSIFICATION,
                m,
                loss,
                m == 0 ? Double.NaN : (double) right / m,
                confusion,
                s.classNames(),
                Double.NaN,
                Double.NaN,
                Double.NaN);
    }

    private static Evaluation regression(Dataset s, double loss, float[] out, float[] y) {
        int k = s.outputs(), m = s.count();
        double se = 0, ae = 0, r2 = 0;
        for (int o = 0; o < k; o++) {
            double mean = 0;
            for (int i = 0; i < m; i++) mean += y[i * k + o];
            mean /= Math.max(1, m);
            double ssRes = 0, ssTot = 0;
            for (int i = 0; i < m; i++) {
                double d = out[i * k + o] - y[i * k + o];
                ssRes += d * d;
                ae += Math.abs(d);
                double t = y[i * k + o] - mean;
                ssTot += t * t;
            }
            se += ssRes;
            r2 += ssTot > 0 ? 1 - ssRes / ssTot : Double.NaN;
        }
        double n = Math.max(1, (double) m * k);
        return new Evaluation(Task.REGRESSION, m, loss, Double.NaN, new int[0][], List.of(), se / n, ae / n, r2 / k);
    }

    /**
     * The model's outputs for rows of features, in passes of up to 1024 rows (one forward pass each, no state
     * kept between rows).
     *
     * @param x one row per sample, each of the network's input size; any number of rows
     * @return one row of outputs per row of x
     * @throws DataException on rows of the wrong length or non-finite values
     * @throws IllegalStateException when the model or its backend is closed
     */
    public Predictions predict(float[][] x) {
        return predict(x, PASS);
    }

    /**
     * {@link #predict(float[][])} in passes of {@code batchSize} rows.
     *
     * @param x one row per sample, each of the network's input size; any number of rows
     * @param batchSize rows per pass, at least 1
     * @return one row of outputs per row of x
     * @throws DataException on rows of the wrong length or non-finite values
     * @throws InvalidConfigurationException when the size is below 1
     * @throws IllegalStateException when the model or its backend is closed
     */
    public Predictions predict(float[][] x, int batchSize) {
        Objects.requireNonNull(x, "x");
        checkBatch("Model.predict(batchSize)", batchSize);
        checkOpen();
        if (x.length == 0) return new Predictions(0, spec.outputSize(), new float[0], classNames);
        float[] flat = Data.Arrays2.flatten(x, "x");
        if (x[0].length != spec.inputSize())
            throw new DataException(
                    null,
                    0,
                    -1,
                    "x: rows of " + x[0].length + " features, but the model's input size is " + spec.inputSize(),
                    null);
        return predict(Dataset.unlabeled(FeatureMatrix.wrapFloat32(spec.inputSize(), flat, List.of())), batchSize);
    }

    /**
     * The model's outputs for data (its targets, if any, are not used).
     *
     * @param data data with the network's input size
     * @return one row of outputs per sample
     * @throws InvalidConfigurationException when the data's features do not match the network's input size
     * @throws IllegalStateException when the model or its backend is closed
     */
    public Predictions predict(Data data) {
        Objects.requireNonNull(data, "data");
        checkOpen();
        Dataset d = data.dataset();
        if (d.features() != spec.inputSize())
            throw new InvalidConfigurationException(
                    "Model.predict(data)",
                    "the data has " + d.features() + " features per sample but the model's input size is "
                            + spec.inputSize());
        return predict(d, PASS);
    }

    private Predictions predict(Dataset d, int batchSize) {
        try {
            Normalization norm = normalization == null ? Normalization.NONE : normalization;
            return new Predictions(
                    d.count(), spec.outputSize(), forward(d.withNormalization(norm), batchSize), classNames);
        } catch (RuntimeException e) {
            throw Errors.translate(e);
        }
    }

    /** The outputs of every sample of s (outputs × count, column-major), in passes of the network's capacity. */
    private float[] forward(Dataset s, int batchSize) {
        int m = s.count(), nIn = spec.inputSize(), nOut = spec.outputSize();
        float[] out = new float[nOut * m];
        if (m == 0) return out;
        Network n = network(Math.min(batchSize, m), false);
        Ops ops = backend.ops();
        int pass = Math.min(Math.min(n.capacity, batchSize), m);
        float[] x = new float[nIn * pass];
        for (int off = 0; off < m; off += pass) {
            int cols = Math.min(pass, m - off);
            s.copyX(off, off + cols, x, 0);
            ops.upload(x, 0, n.x.block(), 0, nIn * cols);
            Step.forward(n, cols);
            ops.download(n.output().block(), 0, out, off * nOut, nOut * cols);
        }
        return out;
    }

    // ---- files and parameters ------------------------------------------------------------------------------

    /**
     * Writes the model atomically (a temporary file in the same directory, flushed, then renamed over
     * {@code file}): the parameters in PyTorch's {@code nn.Linear} layout, and the network, class names, task and
     * input scaling in the metadata, so that {@link #load} restores the whole model.
     *
     * @param file the safetensors file to write
     * @throws ModelFileException when it cannot be written, or a parameter is not finite
     * @throws IllegalStateException when the model or its backend is closed
     */
    public void save(Path file) {
        Objects.requireNonNull(file, "file");
        checkOpen();
        float[] params = parameters();
        try {
            ModelFile.write(file, spec.layout(), params, Map.of("format", "pt", ModelFile.NETWORK_KEY, metadata()));
        } catch (BadFileException e) {
            throw Errors.modelFile(file, e);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, file + ": " + e.getMessage(), e);
        }
    }

    private String metadata() {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode layers = o.putArray("layers");
        for (int s : spec.sizes()) layers.add(s);
        ArrayNode acts = o.putArray("activations");
        for (int l = 0; l < spec.layers(); l++) acts.add(spec.activation(l).toString());
        o.put("cost", spec.cost().cliName);
        if (task != null) o.put("task", task.name().toLowerCase(java.util.Locale.ROOT));
        if (!classNames.isEmpty()) {
            ArrayNode c = o.putArray("classes");
            classNames.forEach(c::add);
        }
        if (normalization != null && normalization != Normalization.NONE) {
            try {
                o.set("normalization", JSON.readTree(normalization.toJson()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        o.put("version", Jbackprop.version());
        return o.toString();
    }

    /**
     * The same model (parameters, class names, input scaling) on another backend, e.g. to compare the GPU with
     * the CPU.
     *
     * @param other the backend for the copy
     * @return the copy; close it too
     * @throws IllegalStateException when this model, its backend or the other backend is closed
     */
    public Model copyTo(Backend other) {
        Objects.requireNonNull(other, "other");
        checkOpen();
        other.checkOpen();
        return new Model(other, spec, scaling, normalization, classNames, task, parameters());
    }

    /**
     * Every parameter: all weight matrices, layer by layer, each column-major (element (j, k) of layer l at
     * offset_l + k·n_out + j), then all bias vectors.
     *
     * @return a new array
     * @throws IllegalStateException when the model or its backend is closed
     */
    public float[] parameters() {
        checkOpen();
        try {
            return net != null ? net.parameters() : hostParams.clone();
        } catch (RuntimeException e) {
            throw Errors.translate(e);
        }
    }

    /**
     * One layer's weights.
     *
     * @param layer 0 for the first weight layer
     * @return [n_out][n_in]: row j holds the weights into unit j (a new array)
     * @throws IndexOutOfBoundsException for a layer the network does not have
     */
    public float[][] weights(int layer) {
        ParamLayout p = spec.layout();
        Objects.checkIndex(layer, p.layers());
        float[] all = parameters();
        float[][] w = new float[p.nOut(layer)][p.nIn(layer)];
        for (int j = 0; j < p.nOut(layer); j++)
            for (int k = 0; k < p.nIn(layer); k++) w[j][k] = all[(int) p.w(layer, j, k)];
        return w;
    }

    /**
     * One layer's biases.
     *
     * @param layer 0 for the first weight layer
     * @return n_out biases (a new array)
     * @throws IndexOutOfBoundsException for a layer the network does not have
     */
    public float[] biases(int layer) {
        ParamLayout p = spec.layout();
        Objects.checkIndex(layer, p.layers());
        float[] all = parameters();
        float[] b = new float[p.nOut(layer)];
        for (int j = 0; j < b.length; j++) b[j] = all[(int) p.b(layer, j)];
        return b;
    }

    // ---- what the model is ----------------------------------------------------------------------------------

    /**
     * The layer sizes.
     *
     * @return n_0 (the input) … n_L (the output)
     */
    public int[] layerSizes() {
        return spec.sizes();
    }

    /**
     * The activations.
     *
     * @return one per weight layer, the output activation last
     */
    public List<Activation> activations() {
        List<Activation> out = new ArrayList<>();
        for (int l = 0; l < spec.layers(); l++) out.add(Activation.of(spec.activation(l)));
        return out;
    }

    /**
     * The loss.
     *
     * @return the loss the model is trained with
     */
    public Loss loss() {
        return Loss.of(spec.cost());
    }

    /**
     * How the model scales its inputs.
     *
     * @return the scaling (its statistics come from the first fit, or the file)
     */
    public Scaling scaling() {
        return scaling;
    }

    /**
     * The classes, in output order, as the training data (or the file) named them.
     *
     * @return the names, or an empty list when unknown or for regression
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * The task the model was trained for.
     *
     * @return it, or empty before the first fit of a model that was built (not loaded)
     */
    public Optional<Task> task() {
        return Optional.ofNullable(task);
    }

    /**
     * The backend the model runs on.
     *
     * @return the backend
     */
    public Backend backend() {
        return backend;
    }

    /**
     * The network in one line.
     *
     * @return e.g. "[4,16,3] [relu, softmax] cross-entropy"
     */
    @Override
    public String toString() {
        return spec.toString();
    }

    /** Frees the model's memory on the backend. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (net != null && backend.isOpen()) net.close();
        net = null;
        hostParams = null;
    }

    // ---- internals ------------------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the model is closed");
        if (!backend.isOpen())
            throw new IllegalStateException(
                    "the backend this model runs on is closed: close models before their backend");
    }

    private static void checkBatch(String where, int batchSize) {
        if (batchSize < 1) throw new InvalidConfigurationException(where, "must be at least 1, got " + batchSize);
    }

    private void checkLabelled(Dataset d, String where) {
        if (!d.hasTargets())
            throw new InvalidConfigurationException(where, "the data has no targets; it can only be predicted on");
        if (d.features() != spec.inputSize())
            throw new InvalidConfigurationException(
                    where,
                    "the data has " + d.features() + " features per sample but the model's input size is "
                            + spec.inputSize() + "; build the model with input(" + d.features() + ")");
        if (d.outputs() != spec.outputSize())
            throw new InvalidConfigurationException(
                    where,
                    "the data has " + d.outputs()
                            + (d.task() == dev.jbackprop.data.Task.CLASSIFICATION ? " classes" : " targets")
                            + " but the model's output size is " + spec.outputSize() + "; build the model with output("
                            + d.outputs() + ")");
        if (spec.cost() == dev.jbackprop.model.Cost.CROSS_ENTROPY && d.task() != dev.jbackprop.data.Task.CLASSIFICATION)
            throw new InvalidConfigurationException(
                    where, "cross-entropy needs classification data, this is regression data: use Loss.QUADRATIC");
    }

    /** The network, allocated for at least {@code capacity} columns (and momentum), with the current parameters. */
    private Network network(int capacity, boolean momentum) {
        if (net != null && net.capacity >= capacity && (!momentum || net.velocity != null)) return net;
        if (net != null) {
            hostParams = net.parameters();
            net.close();
            net = null;
        }
        Network fresh = new Network(backend.ops(), spec, capacity, momentum);
        try {
            fresh.setParameters(hostParams);
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
        net = fresh;
        hostParams = null;
        return net;
    }

    private static DeviceData upload(Ops ops, Dataset d) {
        return DeviceData.upload(ops, d.x(), d.y(), d.features(), d.outputs(), d.count());
    }

    /**
     * Describes a network to build (or to load weights into). Input, output and at least zero hidden layers; the
     * loss defaults to cross-entropy, the output activation to the loss's, the init to {@link Init#AUTO}, the seed
     * to 1, the input scaling to {@link Scaling#NONE}.
     */
    public static final class Builder {
        private int input = -1;
        private final List<Integer> hidden = new ArrayList<>();
        private final List<Activation> hiddenActivations = new ArrayList<>();
        private int output = -1;
        private Activation outputActivation;
        private Loss loss = Loss.CROSS_ENTROPY;
        private Init init = Init.AUTO;
        private long seed = 1;
        private Scaling scaling = Scaling.NONE;

        private Builder() {}

        /**
         * The input size.
         *
         * @param features features per sample, 1 to 1,048,576
         * @return this builder
         * @throws InvalidConfigurationException when out of range
         */
        public Builder input(int features) {
            input = size("Model.Builder.input", features);
            return this;
        }

        /**
         * Adds a hidden layer with ReLU.
         *
         * @param units its width, 1 to 1,048,576
         * @return this builder
         * @throws InvalidConfigurationException when out of range
         */
        public Builder hidden(int units) {
            return hidden(units, Activation.relu());
        }

        /**
         * Adds a hidden layer (in order, after those added before).
         *
         * @param units its width, 1 to 1,048,576
         * @param activation its activation; not softmax
         * @return this builder
         * @throws InvalidConfigurationException when the width is out of range or the activation is softmax
         */
        public Builder hidden(int units, Activation activation) {
            Objects.requireNonNull(activation, "activation");
            if (activation.equals(Activation.softmax()))
                throw new InvalidConfigurationException(
                        "Model.Builder.hidden", "softmax is only for the output layer, not a hidden one");
            hidden.add(size("Model.Builder.hidden", units));
            hiddenActivations.add(activation);
            return this;
        }

        /**
         * The output size, with the loss's output activation (softmax for cross-entropy, else sigmoid).
         *
         * @param units classes or regression targets, 1 to 1,048,576
         * @return this builder
         * @throws InvalidConfigurationException when out of range
         */
        public Builder output(int units) {
            output = size("Model.Builder.output", units);
            outputActivation = null;
            return this;
        }

        /**
         * The output size and activation (identity for unbounded regression targets).
         *
         * @param units classes or regression targets, 1 to 1,048,576
         * @param activation the output activation; it must go with the loss
         * @return this builder
         * @throws InvalidConfigurationException when out of range
         */
        public Builder output(int units, Activation activation) {
            output = size("Model.Builder.output", units);
            outputActivation = Objects.requireNonNull(activation, "activation");
            return this;
        }

        /**
         * The loss.
         *
         * @param loss the loss (default: cross-entropy)
         * @return this builder
         */
        public Builder loss(Loss loss) {
            this.loss = Objects.requireNonNull(loss, "loss");
            return this;
        }

        /**
         * The initialisation of a built network's parameters.
         *
         * @param init the scheme (default: AUTO)
         * @return this builder
         */
        public Builder init(Init init) {
            this.init = Objects.requireNonNull(init, "init");
            return this;
        }

        /**
         * The seed of the initialisation: the same seed gives the same parameters on every JVM and backend.
         *
         * @param seed any value (default: 1)
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * How the model scales its inputs (fitted to the first fit's data).
         *
         * @param scaling the scaling (default: NONE)
         * @return this builder
         */
        public Builder scaling(Scaling scaling) {
            this.scaling = Objects.requireNonNull(scaling, "scaling");
            return this;
        }

        /**
         * A new network with initialised parameters on the backend.
         *
         * @param backend where the model runs
         * @return the model
         * @throws InvalidConfigurationException when the input or output size is missing, or the output activation
         *     does not go with the loss
         * @throws IllegalStateException when the backend is closed
         */
        public Model build(Backend backend) {
            Objects.requireNonNull(backend, "backend");
            backend.checkOpen();
            NetworkSpec spec = spec();
            float[] params = init.resolve(spec.activation(0), spec.layers()).initialise(spec.layout(), seed);
            return new Model(backend, spec, scaling, null, List.of(), null, params);
        }

        /**
         * The network described here with its parameters read from a safetensors file in PyTorch's
         * {@code nn.Linear} layout (e.g. a PyTorch state dict saved with {@code safetensors.torch.save_file}).
         *
         * @param file the file
         * @param backend where the model runs
         * @return the model
         * @throws InvalidConfigurationException as for {@link #build}
         * @throws ModelFileException when the file is missing, invalid, or holds another network
         */
        public Model load(Path file, Backend backend) {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(backend, "backend");
            backend.checkOpen();
            NetworkSpec spec = spec();
            try {
                return new Model(backend, spec, scaling, null, List.of(), null, ModelFile.read(file, spec.layout()));
            } catch (BadFileException e) {
                throw Errors.modelFile(file, e);
            }
        }

        private NetworkSpec spec() {
            if (input < 0)
                throw new InvalidConfigurationException("Model.Builder.input", "is not set: call input(features)");
            if (output < 0)
                throw new InvalidConfigurationException("Model.Builder.output", "is not set: call output(units)");
            int[] sizes = new int[hidden.size() + 2];
            sizes[0] = input;
            for (int i = 0; i < hidden.size(); i++) sizes[i + 1] = hidden.get(i);
            sizes[sizes.length - 1] = output;
            List<dev.jbackprop.model.Activation> acts = new ArrayList<>();
            for (Activation a : hiddenActivations) acts.add(a.internal);
            acts.add(outputActivation != null ? outputActivation.internal : loss.cost.defaultOutput());
            try {
                return new NetworkSpec(sizes, acts, loss.cost);
            } catch (RuntimeException e) {
                throw Errors.translate(e);
            }
        }

        private static int size(String setting, int n) {
            if (n < 1 || n > NetworkSpec.MAX_LAYER_SIZE)
                throw new InvalidConfigurationException(
                        setting, "must be between 1 and " + NetworkSpec.MAX_LAYER_SIZE + ", got " + n);
            return n;
        }
    }
}
