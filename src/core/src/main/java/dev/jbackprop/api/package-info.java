/**
 * The public API of jbackprop, the one package the module {@code dev.jbackprop} exports: build a multi-layer
 * perceptron or load one, choose where it runs, train it, evaluate it, predict with it and save it.
 *
 * <pre>{@code
 * try (Backend backend = Backend.auto();                                // the GPU when usable, else the CPU
 *      Model model = Model.builder()
 *              .input(784)
 *              .hidden(256, Activation.relu())                          // as many as needed
 *              .output(10)                                              // softmax: the loss's own output
 *              .loss(Loss.CROSS_ENTROPY)
 *              .build(backend)) {                                       // or Model.load(file, backend)
 *     Data train = Data.read(Path.of("mnist"));                         // IDX, CSV/TSV, npz; or Data.classification(x, labels)
 *     model.fit(train, TrainingOptions.defaults().epochs(8).batchSize(64)
 *             .optimizer(Optimizer.sgd(0.05).momentum(0.9))
 *             .listener(new TrainingListener() {
 *                 public boolean onEpoch(EpochEvent e) { System.out.println(e); return e.loss() > 0.01; }
 *             }));
 *     Evaluation e = model.evaluate(train.test().orElseThrow());       // loss, accuracy, confusion | MSE, MAE, R²
 *     Predictions p = model.predict(new float[][] {pixels});           // probabilities, predicted class
 *     model.save(Path.of("mnist.safetensors"));                        // PyTorch nn.Linear layout
 * }
 * }</pre>
 *
 * <h2>Types</h2>
 *
 * <ul>
 *   <li>{@link dev.jbackprop.api.Backend}: where the arithmetic runs (CPU threads, or a CUDA device and the GEMM
 *       {@link dev.jbackprop.api.Precision}); {@link dev.jbackprop.api.DeviceInfo} says what it is.
 *   <li>{@link dev.jbackprop.api.Model} and its {@link dev.jbackprop.api.Model.Builder}:
 *       {@link dev.jbackprop.api.Activation}, {@link dev.jbackprop.api.Loss}, {@link dev.jbackprop.api.Init},
 *       {@link dev.jbackprop.api.Scaling}.
 *   <li>{@link dev.jbackprop.api.Data} (in memory, or read with {@link dev.jbackprop.api.ReadOptions}) for a
 *       {@link dev.jbackprop.api.Task}.
 *   <li>{@link dev.jbackprop.api.TrainingOptions} with an {@link dev.jbackprop.api.Optimizer} and
 *       {@link dev.jbackprop.api.TrainingListener}s ({@link dev.jbackprop.api.StepEvent},
 *       {@link dev.jbackprop.api.EpochEvent}); {@link dev.jbackprop.api.FitResult},
 *       {@link dev.jbackprop.api.Evaluation}, {@link dev.jbackprop.api.Predictions}.
 *   <li>Exceptions, all unchecked, under {@link dev.jbackprop.api.JbackpropException}:
 *       {@link dev.jbackprop.api.InvalidConfigurationException} (names the method or parameter at fault),
 *       {@link dev.jbackprop.api.DataException} (file, line, column), {@link dev.jbackprop.api.ModelFileException},
 *       {@link dev.jbackprop.api.BackendException} and {@link dev.jbackprop.api.BackendUnavailableException} (the
 *       reason), {@link dev.jbackprop.api.TrainingDivergedException} (epoch, step, layer). Their messages speak of
 *       this API. Closed objects throw {@link java.lang.IllegalStateException}, null arguments
 *       {@link java.lang.NullPointerException}.
 * </ul>
 *
 * <h2>Resources and threads</h2>
 *
 * {@link dev.jbackprop.api.Backend} and {@link dev.jbackprop.api.Model} hold native memory: close them (models
 * first), best with try-with-resources. Nothing here is thread-safe: use a backend and its models from one thread at
 * a time. Nothing is allocated per training step, and on the GPU the host waits for the device only where figures
 * are read (the end of an epoch, evaluation, prediction).
 *
 * <p>May use: {@code model}, {@code engine}, {@code backend.cpu}, {@code backend.cuda}, {@code data}, {@code io}.
 * Only the command line uses it.
 */
package dev.jbackprop.api;
