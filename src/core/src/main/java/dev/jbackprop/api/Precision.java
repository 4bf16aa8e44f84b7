package dev.jbackprop.api;

/** The arithmetic of the GEMMs (matrix products). Everything else is FP32 in every precision. */
public enum Precision {
    /** FP32 inputs, products and sums: the only precision of the CPU backend. */
    FP32,
    /** CUDA: cuBLAS TF32 tensor-core math, inputs rounded to 10-bit mantissas, FP32 sums (compute capability 8.0+). */
    TF32,
    /** CUDA: bfloat16 copies of the weights, activations and deltas as inputs, FP32 sums and FP32 master weights. */
    BF16
}
