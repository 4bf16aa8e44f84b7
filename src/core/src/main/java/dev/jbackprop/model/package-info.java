/**
 * The vocabulary every other package shares: what a network is ({@link dev.jbackprop.model.NetworkSpec}: sizes,
 * {@link dev.jbackprop.model.Activation}s, a {@link dev.jbackprop.model.Cost}), how its parameters are laid out
 * ({@link dev.jbackprop.model.ParamLayout}) and initialised ({@link dev.jbackprop.model.Init}), how it is updated
 * ({@link dev.jbackprop.model.Optimizer}, {@link dev.jbackprop.model.LearningRateSchedule}), where a training run
 * stands ({@link dev.jbackprop.model.TrainingState}, {@link dev.jbackprop.model.TrainingSnapshot}), and how the
 * library's errors name its settings ({@link dev.jbackprop.model.Setting}, {@link dev.jbackprop.model.Wording},
 * {@link dev.jbackprop.model.InvalidConfigException}). No buffers, no computation.
 *
 * <p>May use: nothing of jbackprop (the JDK only).
 */
package dev.jbackprop.model;
