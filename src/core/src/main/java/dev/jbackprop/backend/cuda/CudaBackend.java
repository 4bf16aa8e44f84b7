package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Ops;

/** Entry point for the CLI: the GPU backend, or a clear exception saying why it cannot run here. */
public final class CudaBackend {
    private CudaBackend() {}

    /** {@link CudaOps} on device 0 (see {@link CudaOptions}). Throws {@link GpuException} with the probe's reason when CUDA is not usable. */
    public static Ops open(boolean tf32, boolean bf16, boolean debug) {
        return open(new CudaOptions(0, tf32, bf16, debug));
    }

    public static Ops open(CudaOptions options) {
        CudaProbe.Availability a = CudaProbe.probe();
        if (!a.available()) throw new GpuException("the CUDA backend is not available: " + a.reason());
        return new CudaOps(options);
    }
}
