/**
 * A training run's configuration, typed ({@link dev.jbackprop.config.RunConfig}) and as the JSON of
 * {@code config.json} and of the checkpoints ({@link dev.jbackprop.config.RunConfigJson}), including the files
 * jbackprop 0.1.0 wrote; and the one comparison a resumed run makes with its stored configuration.
 *
 * <p>May use: {@code model}, {@code io}. Not the engine, a backend or the command line.
 */
package dev.jbackprop.config;
