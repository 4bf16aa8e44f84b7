/**
 * Files: the safetensors format ({@link dev.jbackprop.io.SafeTensors}), a network's parameters in PyTorch's
 * {@code nn.Linear} layout with the model metadata ({@link dev.jbackprop.io.ModelFile}), one training checkpoint
 * ({@link dev.jbackprop.io.Checkpoint}), a run's checkpoint directory ({@link dev.jbackprop.io.CheckpointDir}), the
 * lock that keeps one process at a time writing into a run's directory ({@link dev.jbackprop.io.DirectoryLock}), and
 * NumPy {@code .npy} output for predictions ({@link dev.jbackprop.io.NpyWriter}). Readers trust nothing and say what
 * is wrong with a file in a
 * {@link dev.jbackprop.io.BadFileException}; writers replace files atomically.
 *
 * <p>May use: {@code model}. Not the engine, a backend or the command line.
 */
package dev.jbackprop.io;
