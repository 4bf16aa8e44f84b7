package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.OpsChecks;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/** Launcher for kernels/loss.cu: output-layer delta plus cost and accuracy into DeviceMetrics. */
final class LossKernels {
    static final String OUTPUT_DELTA = "output_delta";
    static final String[] KERNELS = {OUTPUT_DELTA};
    /** cost, act, alpha, z, a, y, delta (may be null), delta16 (delta's bfloat16 copy, may be null), rows, m, metrics (3 doubles). */
    static final Map<String, String> SIGNATURES = Map.of(OUTPUT_DELTA, "i32 i32 f32 ptr ptr ptr ptr ptr i32 i32 ptr");

    private final CudaDevice device;
    private final CUfunction outputDelta;
    private final KernelArgs args = new KernelArgs(SIGNATURES.get(OUTPUT_DELTA));

    LossKernels(CudaDevice device) {
        this.device = device;
        outputDelta = device.function(OUTPUT_DELTA);
    }

    /** Ops.outputError: delta may be null (metrics only). */
    void outputDelta(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, DeviceMetrics metrics) {
        OpsChecks.outputError(cost, out, z, a, y, delta, m, metrics);
        DeviceBlock dz = DeviceBlock.of(z.block(), device, "outputDelta z");
        DeviceBlock da = DeviceBlock.of(a.block(), device, "outputDelta a");
        DeviceBlock dy = DeviceBlock.of(y.block(), device, "outputDelta y");
        DeviceBlock dd = delta == null ? null : DeviceBlock.of(delta.block(), device, "outputDelta delta");
        DeviceMetrics dm = DeviceMetrics.of(metrics, device);
        if (m == 0 || z.rows() == 0) return;
        args.i32(0, cost.code)
                .i32(1, out.kind().code)
                .f32(2, (float) out.alpha())
                .pointer(3, dz.address())
                .pointer(4, da.address())
                .pointer(5, dy.address())
                .pointer(6, dd == null ? 0L : dd.address())
                .pointer(7, dd == null ? 0L : dd.bf16Address())
                .i32(8, z.rows())
                .i32(9, m)
                .pointer(10, dm.address());
        int grid = Grid.blocks(m, Grid.COLUMN_WARPS, Grid.maxBlocks(device.multiprocessors));
        JCudaDriver.cuLaunchKernel(
                outputDelta, grid, 1, 1, 32 * Grid.COLUMN_WARPS, 1, 1, 0, device.stream, args.params(), null);
        device.launched(OUTPUT_DELTA);
    }
}
