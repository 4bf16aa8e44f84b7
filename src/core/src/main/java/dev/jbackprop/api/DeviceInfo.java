package dev.jbackprop.api;

/**
 * What an opened {@link Backend} computes on, for reports. The CPU's fields are null or −1 on a GPU and the other
 * way round.
 *
 * @param backend "cpu" or "cuda"
 * @param name the processor's model name (CPU) or the device's name (GPU, e.g. "NVIDIA H200")
 * @param precision the GEMMs' precision
 * @param threads CPU: the threads the work is split over; GPU: −1
 * @param blas CPU: which OpenBLAS GEMM kernels run, and why; GPU: null
 * @param elementwise CPU: what runs the elementwise loops (vectorised C, or Java and why); GPU: null
 * @param index GPU: the CUDA device index; CPU: −1
 * @param computeCapability GPU: e.g. "9.0"; CPU: null
 * @param memoryBytes GPU: total device memory; CPU: the JVM's maximum heap
 * @param multiprocessors GPU: streaming multiprocessors; CPU: −1
 * @param driver GPU: the CUDA version the NVIDIA driver supports, e.g. "13.0"; CPU: null
 * @param cudaRuntime GPU: the CUDA runtime version JCuda loaded; CPU: null
 * @param cublas GPU: cuBLAS's version; CPU: null
 * @param description the backend's one-line description
 */
public record DeviceInfo(
        String backend,
        String name,
        Precision precision,
        int threads,
        String blas,
        String elementwise,
        int index,
        String computeCapability,
        long memoryBytes,
        int multiprocessors,
        String driver,
        String cudaRuntime,
        String cublas,
        String description) {}
