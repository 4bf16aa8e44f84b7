/**
 * The command line, one more user of the library: picocli commands ({@link dev.jbackprop.cli.Main} and one class
 * per command), the option mixins they share with per-command defaults, the one place where exceptions become a
 * line and an exit code (flags named through {@link dev.jbackprop.model.Wording}), a run's output directory, the
 * progress bar, and the charts (XChart): only this package draws.
 *
 * <p>May use: every other package. No other package uses it.
 */
package dev.jbackprop.cli;
