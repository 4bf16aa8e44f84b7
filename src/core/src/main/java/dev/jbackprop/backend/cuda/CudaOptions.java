package dev.jbackprop.backend.cuda;

/**
 * How to open the GPU backend.
 *
 * @param device CUDA device ordinal
 * @param tf32 let cuBLAS use TF32 tensor cores for the FP32 GEMMs (faster, ~10-bit mantissa products)
 * @param bf16 GEMMs on bfloat16 copies of their inputs (W, a, δ; 8 significant bits), with float32
 *     products, sums and outputs, and float32 master weights, activations and deltas
 * @param debug synchronise after every kernel launch and cuBLAS call so that an error names its operation
 */
public record CudaOptions(int device, boolean tf32, boolean bf16, boolean debug) {
    public CudaOptions {
        if (device < 0) throw new IllegalArgumentException("CUDA device index must be >= 0, got " + device);
        if (tf32 && bf16)
            throw new IllegalArgumentException("TF32 and BF16 GEMMs do not go together: choose one GEMM precision");
    }

    public static CudaOptions defaults() {
        return new CudaOptions(0, false, false, false);
    }

    /** The GEMMs' precision as the backend describes it: "FP32", "TF32" or "BF16". */
    public String gemmPrecision() {
        return bf16 ? "BF16" : tf32 ? "TF32" : "FP32";
    }
}
