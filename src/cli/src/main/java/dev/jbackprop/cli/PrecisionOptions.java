package dev.jbackprop.cli;

import picocli.CommandLine.Option;

/** The GPU's GEMM precision (train, throughput, verify); FP32 unless one of these is given. */
final class PrecisionOptions {
    @Option(names = "--tf32", description = "GPU: cuBLAS TF32 tensor-core math for the GEMMs (default: off, FP32).")
    boolean tf32;

    @Option(
            names = "--bf16",
            description = "GPU: GEMMs on bfloat16 copies of the weights, activations and deltas, with FP32 sums and "
                    + "FP32 master weights; not with --tf32 (default: off, FP32).")
    boolean bf16;
}
