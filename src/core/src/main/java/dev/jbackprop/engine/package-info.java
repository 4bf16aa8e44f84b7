/**
 * The training engine, written once against the buffer operations of {@link dev.jbackprop.engine.Ops} (the
 * contract every backend implements): a network's blocks and views ({@link dev.jbackprop.engine.Network}), the
 * training step ({@link dev.jbackprop.engine.Step}: forward, output error, backward, update; the optimiser step's
 * per-step numbers in {@link dev.jbackprop.engine.UpdateScalars}), data held once on the backend
 * ({@link dev.jbackprop.engine.SampleStore}: uint8 or float32 features, class indices or float targets, the
 * normalisation; {@link dev.jbackprop.engine.DeviceData}: stores and their views, resident or streamed), the epochs
 * around it ({@link dev.jbackprop.engine.Trainer}: shuffling, metrics, the learning rate of each step, the divergence
 * guard, snapshots to resume from), which epoch is best on a validation set
 * ({@link dev.jbackprop.engine.EarlyStopping}) and forward passes whose outputs come back to the host
 * ({@link dev.jbackprop.engine.Predictor}).
 *
 * <p>May use: {@code model}. Backends implement it; nothing here knows a backend, a file format or the command
 * line.
 */
package dev.jbackprop.engine;
