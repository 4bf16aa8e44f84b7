package dev.jbackprop.backend.cuda;

/**
 * What an opened GPU backend runs on, for reports (the JSON of every command, the API's device information).
 *
 * @param ordinal the CUDA device index
 * @param name the device's name, e.g. "NVIDIA H200"
 * @param ccMajor compute capability, major
 * @param ccMinor compute capability, minor
 * @param multiprocessors streaming multiprocessors
 * @param memoryBytes total device memory
 * @param driver the CUDA version the driver supports, e.g. "13.0"
 * @param runtime the CUDA runtime JCuda loaded, e.g. "CUDA 12.6"
 * @param cublas cuBLAS's version, e.g. "13.1.0"
 * @param precision the GEMMs' precision: "FP32", "TF32" or "BF16"
 */
public record CudaFacts(
        int ordinal,
        String name,
        int ccMajor,
        int ccMinor,
        int multiprocessors,
        long memoryBytes,
        String driver,
        String runtime,
        String cublas,
        String precision) {}
