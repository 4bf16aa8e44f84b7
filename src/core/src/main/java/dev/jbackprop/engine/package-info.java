/**
 * The training engine, written once against the buffer operations of {@link dev.jbackprop.engine.Ops} (the
 * contract every backend implements): a network's blocks and views ({@link dev.jbackprop.engine.Network}), the
 * training step ({@link dev.jbackprop.engine.Step}: forward, output error, backward, update; the optimiser step's
 * per-step numbers in {@link dev.jbackprop.engine.UpdateScalars}), data resident on the
 * backend ({@link dev.jbackprop.engine.DeviceData}) and the epochs around it ({@link dev.jbackprop.engine.Trainer}:
 * shuffling, metrics, the learning rate of each step, the divergence guard, snapshots to resume from) and which
 * epoch is best on a validation set ({@link dev.jbackprop.engine.EarlyStopping}).
 *
 * <p>May use: {@code model}. Backends implement it; nothing here knows a backend, a file format or the command
 * line.
 */
package dev.jbackprop.engine;
