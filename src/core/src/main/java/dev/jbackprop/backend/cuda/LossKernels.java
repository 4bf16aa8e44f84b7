package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.OpsChecks;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import java.util.List;

/** Launcher for kernels/loss.cu: output-layer delta plus cost and accuracy into DeviceMetrics. */
final class LossKernels {
    /** The kernel of loss.cu: delta and delta16 (its bfloat16 copy) may be null; metrics is 3 doubles. */
    static final Kernel.Signature OUTPUT_DELTA = Kernel.Signature.of(
            "output_delta",
            "i32 cost, i32 act, f32 alpha, ptr z, ptr a, ptr y, ptr delta, ptr delta16, i32 rows, i32 m, ptr metrics");

    static final List<Kernel.Signature> KERNELS = List.of(OUTPUT_DELTA);

    private final CudaDevice device;
    private final Kernel outputDelta;

    LossKernels(CudaDevice device) {
        this.device = device;
        outputDelta = device.kernel(OUTPUT_DELTA);
    }

    /** Ops.outputError, one warp per column: delta may be null (metrics only). */
    void outputDelta(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, DeviceMetrics metrics) {
        OpsChecks.outputError(cost, out, z, a, y, delta, m, metrics);
        DeviceBlock dz = DeviceBlock.of(z.block(), device, "outputDelta z");
        DeviceBlock da = DeviceBlock.of(a.block(), device, "outputDelta a");
        DeviceBlock dy = DeviceBlock.of(y.block(), device, "outputDelta y");
        DeviceBlock dd = delta == null ? null : DeviceBlock.of(delta.block(), device, "outputDelta delta");
        DeviceMetrics dm = DeviceMetrics.of(metrics, device);
        if (m == 0 || z.rows() == 0) return;
        outputDelta.args.i32(0, cost.code).i32(1, out.kind().code).f32(2, (float) out.alpha());
        outputDelta
                .args
                .pointer(3, dz.address())
                .pointer(4, da.address())
                .pointer(5, dy.address())
                .pointer(6, dd == null ? 0L : dd.address())
                .pointer(7, dd == null ? 0L : dd.bf16Address())
                .i32(8, z.rows())
                .i32(9, m)
                .pointer(10, dm.address());
        outputDelta.perColumn(m);
    }
}
