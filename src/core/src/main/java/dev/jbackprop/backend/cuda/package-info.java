/**
 * The GPU backend: {@link dev.jbackprop.engine.Ops} on CUDA through JCuda and cuBLAS: the device and its memory,
 * the GEMMs (the column-major mapping, once), the launchers of the kernels in {@code kernels/}, CUDA graph replay,
 * streamed data and the cuBLAS bridge loader.
 *
 * <p>May use: {@code model}, {@code engine}. Every {@code jcuda.*} class is used from here and nowhere else, so
 * that everything else builds, runs and tests without CUDA.
 */
package dev.jbackprop.backend.cuda;
