/**
 * Measurements and checks on top of the engine: gradient checks against the reference
 * ({@link dev.jbackprop.diag.GradCheck}), one backend against another ({@link dev.jbackprop.diag.Verify}), the
 * layers' gradient norms ({@link dev.jbackprop.diag.GradientNorms}, {@link dev.jbackprop.diag.GradientTracker},
 * {@link dev.jbackprop.diag.GradientStudy}) and the timing of training steps
 * ({@link dev.jbackprop.diag.Throughput}). They compute and return figures; printing and drawing them is the
 * command line's.
 *
 * <p>May use: {@code model}, {@code engine}, {@code reference}. Not a backend by name (they are given an
 * {@link dev.jbackprop.engine.Ops}), not the command line, not a plotting library.
 */
package dev.jbackprop.diag;
