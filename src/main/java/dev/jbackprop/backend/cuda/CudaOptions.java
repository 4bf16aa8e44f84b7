package dev.jbackprop.backend.cuda;

/**
 * How to open the GPU backend.
 *
 * @param device CUDA device ordinal
 * @param tf32 let cuBLAS use TF32 tensor cores for the FP32 GEMMs (faster, ~10-bit mantissa products)
 * @param debug synchronise after every kernel launch and cuBLAS call so that an error names its operation
 */
public record CudaOptions(int device, boolean tf32, boolean debug) {
  public CudaOptions {
    if (device < 0) throw new IllegalArgumentException("CUDA device index must be >= 0, got " + device);
  }

  public static CudaOptions defaults() {
    return new CudaOptions(0, false, false);
  }
}
