package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.OpsChecks;
import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * Launcher for kernels/update.cu: SGD / momentum / L2 over the whole parameter block in one launch,
 * which also refreshes the parameters' bfloat16 copy when they have one (--bf16).
 */
final class UpdateKernels {
    static final String SGD_UPDATE = "sgd_update";
    static final String[] KERNELS = {SGD_UPDATE};
    /** params, grads, velocity (may be null), params16 (the bfloat16 copy, may be null), n, weightCount, rate, momentum, decay. */
    static final Map<String, String> SIGNATURES = Map.of(SGD_UPDATE, "ptr ptr ptr ptr i64 i64 f32 f32 f32");

    private final CudaDevice device;
    private final CUfunction sgdUpdate;
    private final KernelArgs args = new KernelArgs(SIGNATURES.get(SGD_UPDATE));

    UpdateKernels(CudaDevice device) {
        this.device = device;
        sgdUpdate = device.function(SGD_UPDATE);
    }

    /** Ops.update. velocity may be null when momentum is 0. */
    void update(Block params, Block grads, Block velocity, long weightCount, float rate, float momentum, float decay) {
        OpsChecks.update(params, grads, velocity, weightCount, rate, momentum, decay);
        DeviceBlock dp = DeviceBlock.of(params, device, "update params");
        DeviceBlock dg = DeviceBlock.of(grads, device, "update grads");
        long velocityAddress = velocity == null
                ? 0L
                : DeviceBlock.of(velocity, device, "update velocity").address();
        long n = params.length();
        if (n == 0) return;
        args.pointer(0, dp.address())
                .pointer(1, dg.address())
                .pointer(2, velocityAddress)
                .pointer(3, dp.bf16Address())
                .i64(4, n)
                .i64(5, weightCount)
                .f32(6, rate)
                .f32(7, momentum)
                .f32(8, decay);
        int grid = Grid.blocks(n, Grid.BLOCK, Grid.maxBlocks(device.multiprocessors));
        JCudaDriver.cuLaunchKernel(sgdUpdate, grid, 1, 1, Grid.BLOCK, 1, 1, 0, device.stream, args.params(), null);
        device.launched(SGD_UPDATE);
    }
}
