package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.OpsChecks;
import dev.jbackprop.model.Optimizer;
import java.util.List;

/**
 * Launcher for kernels/update.cu: SGD / momentum / L2 over the whole parameter block in one launch
 * ({@code sgd_update}), the optimiser step of every rule in one launch ({@code optimizer_update}, whose
 * per-step numbers it reads from device memory), and the write of those numbers ({@code set_scalars}, their
 * values passed as kernel parameters). Both updates also refresh the parameters' bfloat16 copy when they have
 * one (--bf16).
 */
final class UpdateKernels {
    /** The kernel of update.cu: velocity and params16 (the bfloat16 copy) may be null. */
    static final Kernel.Signature SGD_UPDATE = Kernel.Signature.of(
            "sgd_update",
            "ptr params, ptr grads, ptr velocity, ptr params16, i64 n, i64 weightCount, f32 rate, f32 momentum,"
                    + " f32 decay");

    /** Ops.optimizerStep: state1, state2 and params16 may be null; scalars holds UpdateScalars.COUNT floats. */
    static final Kernel.Signature OPTIMIZER_UPDATE = Kernel.Signature.of(
            "optimizer_update",
            "i32 rule, ptr params, ptr grads, ptr state1, ptr state2, ptr params16, i64 n, i64 weightCount,"
                    + " ptr scalars");

    /** Ops.setScalars: count values, at most Ops.MAX_SCALARS, as parameters v0 … v15. */
    static final Kernel.Signature SET_SCALARS = Kernel.Signature.of(
            "set_scalars",
            "ptr dst, i32 count, f32 v0, f32 v1, f32 v2, f32 v3, f32 v4, f32 v5, f32 v6, f32 v7, f32 v8, f32 v9,"
                    + " f32 v10, f32 v11, f32 v12, f32 v13, f32 v14, f32 v15");

    static final List<Kernel.Signature> KERNELS = List.of(SGD_UPDATE, OPTIMIZER_UPDATE, SET_SCALARS);

    private final CudaDevice device;
    private final Kernel sgdUpdate;
    private final Kernel optimizerUpdate;
    private final Kernel setScalars;

    UpdateKernels(CudaDevice device) {
        this.device = device;
        sgdUpdate = device.kernel(SGD_UPDATE);
        optimizerUpdate = device.kernel(OPTIMIZER_UPDATE);
        setScalars = device.kernel(SET_SCALARS);
        if (SET_SCALARS.types().size() != 2 + Ops.MAX_SCALARS)
            throw new IllegalStateException(
                    "set_scalars takes " + (SET_SCALARS.types().size() - 2) + " values");
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

    /** Ops.optimizerStep. */
    void optimizerStep(
            Optimizer.Kind rule,
            Block params,
            Block grads,
            Block state1,
            Block state2,
            long weightCount,
            Block scalars) {
        OpsChecks.optimizerStep(rule, params, grads, state1, state2, weightCount, scalars);
        DeviceBlock dp = DeviceBlock.of(params, device, "optimizerStep params");
        DeviceBlock dg = DeviceBlock.of(grads, device, "optimizerStep grads");
        long s1 = state1 == null
                ? 0L
                : DeviceBlock.of(state1, device, "optimizerStep state1").address();
        long s2 = state2 == null
                ? 0L
                : DeviceBlock.of(state2, device, "optimizerStep state2").address();
        DeviceBlock ds = DeviceBlock.of(scalars, device, "optimizerStep scalars");
        long n = params.length();
        if (n == 0) return;
        optimizerUpdate
                .args
                .i32(0, rule.code)
                .pointer(1, dp.address())
                .pointer(2, dg.address())
                .pointer(3, s1)
                .pointer(4, s2)
                .pointer(5, dp.bf16Address())
                .i64(6, n)
                .i64(7, weightCount)
                .pointer(8, ds.address());
        optimizerUpdate.linear(n);
    }

    /** Ops.setScalars: one launch whose parameters carry the values (the rest of the 16 are 0). */
    void setScalars(Block dst, float[] values) {
        OpsChecks.setScalars(dst, values);
        DeviceBlock d = DeviceBlock.of(dst, device, "setScalars dst");
        if (values.length == 0) return;
        setScalars.args.pointer(0, d.address()).i32(1, values.length);
        for (int i = 0; i < Ops.MAX_SCALARS; i++) setScalars.args.f32(2 + i, i < values.length ? values[i] : 0f);
        setScalars.linear(values.length);
    }
}
