package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.OpsChecks;
import java.util.List;

/** Launcher for kernels/gather.cu: assembles a batch from columns picked by a device index list. */
final class GatherKernels {
    /** The kernel of gather.cu: idx already at the batch's first index; dst16 (dst's bfloat16 copy) may be null. */
    static final Kernel.Signature GATHER_COLUMNS =
            Kernel.Signature.of("gather_columns", "ptr src, i32 srcCols, ptr idx, ptr dst, ptr dst16, i32 rows, i32 m");

    static final List<Kernel.Signature> KERNELS = List.of(GATHER_COLUMNS);

    private final CudaDevice device;
    private final Kernel gather;

    GatherKernels(CudaDevice device) {
        this.device = device;
        gather = device.kernel(GATHER_COLUMNS);
    }

    /** dst[:, j] = src[:, idx[offset + j]] for j < m (and dst's bfloat16 copy, if any); an index outside [0, src.cols) gives a NaN column. */
    void gather(Mat src, DeviceIndexBlock idx, int offset, int m, Mat dst) {
        OpsChecks.gather(src, idx, offset, m, dst);
        DeviceBlock ds = DeviceBlock.of(src.block(), device, "gather src");
        DeviceBlock dd = DeviceBlock.of(dst.block(), device, "gather dst");
        long n = (long) src.rows() * m;
        if (n == 0) return;
        gather.args
                .pointer(0, ds.address())
                .i32(1, src.cols())
                .pointer(2, idx.address(offset))
                .pointer(3, dd.address())
                .pointer(4, dd.bf16Address())
                .i32(5, src.rows())
                .i32(6, m);
        gather.linear(n);
    }
}
