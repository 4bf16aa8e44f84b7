package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.OpsChecks;
import java.util.List;

/**
 * Launcher for kernels/update.cu: SGD / momentum / L2 over the whole parameter block in one launch,
 * which also refreshes the parameters' bfloat16 copy when they have one (--bf16).
 */
final class UpdateKernels {
    /** The kernel of update.cu: velocity and params16 (the bfloat16 copy) may be null. */
    static final Kernel.Signature SGD_UPDATE = Kernel.Signature.of(
            "sgd_update",
            "ptr params, ptr grads, ptr velocity, ptr params16, i64 n, i64 weightCount, f32 rate, f32 momentum,"
                    + " f32 decay");

    static final List<Kernel.Signature> KERNELS = List.of(SGD_UPDATE);

    private final CudaDevice device;
    private final Kernel sgdUpdate;

    UpdateKernels(CudaDevice device) {
        this.device = device;
        sgdUpdate = device.kernel(SGD_UPDATE);
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
        sgdUpdate
                .args
                .pointer(0, dp.address())
                .pointer(1, dg.address())
                .pointer(2, velocityAddress)
                .pointer(3, dp.bf16Address())
                .i64(4, n)
                .i64(5, weightCount)
                .f32(6, rate)
                .f32(7, momentum)
                .f32(8, decay);
        sgdUpdate.linear(n);
    }
}
