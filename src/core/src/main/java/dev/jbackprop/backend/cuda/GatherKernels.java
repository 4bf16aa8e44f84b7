package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.OpsChecks;
import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/** Launcher for kernels/gather.cu: assembles a batch from columns picked by a device index list. */
final class GatherKernels {
    static final String GATHER_COLUMNS = "gather_columns";
    static final String[] KERNELS = {GATHER_COLUMNS};
    /** src, srcCols, idx (already at the batch's first index), dst, dst16 (dst's bfloat16 copy, may be null), rows, m. */
    static final Map<String, String> SIGNATURES = Map.of(GATHER_COLUMNS, "ptr i32 ptr ptr ptr i32 i32");

    private final CudaDevice device;
    private final CUfunction gather;
    private final KernelArgs args = new KernelArgs(SIGNATURES.get(GATHER_COLUMNS));

    GatherKernels(CudaDevice device) {
        this.device = device;
        gather = device.function(GATHER_COLUMNS);
    }

    /** dst[:, j] = src[:, idx[offset + j]] for j < m (and dst's bfloat16 copy, if any); an index outside [0, src.cols) gives a NaN column. */
    void gather(Mat src, DeviceIndexBlock idx, int offset, int m, Mat dst) {
        OpsChecks.gather(src, idx, offset, m, dst);
        DeviceBlock ds = DeviceBlock.of(src.block(), device, "gather src");
        DeviceBlock dd = DeviceBlock.of(dst.block(), device, "gather dst");
        long n = (long) src.rows() * m;
        if (n == 0) return;
        args.pointer(0, ds.address())
                .i32(1, src.cols())
                .pointer(2, idx.address(offset))
                .pointer(3, dd.address())
                .pointer(4, dd.bf16Address())
                .i32(5, src.rows())
                .i32(6, m);
        int grid = Grid.blocks(n, Grid.BLOCK, Grid.maxBlocks(device.multiprocessors));
        JCudaDriver.cuLaunchKernel(gather, grid, 1, 1, Grid.BLOCK, 1, 1, 0, device.stream, args.params(), null);
        device.launched(GATHER_COLUMNS);
    }
}
