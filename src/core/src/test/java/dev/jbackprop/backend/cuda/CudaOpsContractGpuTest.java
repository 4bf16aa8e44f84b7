package dev.jbackprop.backend.cuda;

import dev.jbackprop.backend.OpsContract;
import dev.jbackprop.engine.Ops;
import org.junit.jupiter.api.Tag;

/**
 * The Ops contract on the CUDA backend (FP32 GEMMs, no debug): the same tests, the same tolerances as
 * on the CPU. Skipped, with the probe's reason, where there is no usable GPU. What only CUDA has (TF32,
 * debug mode, device memory accounting, foreign blocks) is in CudaOpsGpuTest.
 */
@Tag("gpu")
class CudaOpsContractGpuTest extends OpsContract {
    @Override
    protected Ops open() {
        return CudaProbe.probe().available() ? new CudaOps(CudaOptions.defaults()) : null;
    }

    @Override
    protected void assumeUsable() {
        GpuTestSupport.assumeGpu();
    }
}
