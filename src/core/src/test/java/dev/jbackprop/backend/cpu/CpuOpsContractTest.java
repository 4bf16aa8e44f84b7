package dev.jbackprop.backend.cpu;

import dev.jbackprop.backend.OpsContract;
import dev.jbackprop.engine.Ops;

/**
 * The Ops contract on the CPU backend, in CI. Two threads, as the CPU runs in CI, so that the
 * contract's larger shapes (8 × 4097, 300 × 200, 1024 × 33, 6 × 9000, 4099-row GEMMs) are split over
 * the worker pool by rows and by columns. What only the CPU has (thread counts compared, the C loops
 * against the Java ones) is in CpuOpsTest, NativeKernelsTest and CpuKernelsTest.
 */
class CpuOpsContractTest extends OpsContract {
    @Override
    protected Ops open() {
        return new CpuOps(2);
    }
}
