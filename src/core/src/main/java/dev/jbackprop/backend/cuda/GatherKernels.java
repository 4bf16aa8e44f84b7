package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.ByteMat;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.OpsChecks;
import java.util.List;

/**
 * Launcher for kernels/gather.cu: assembles a batch from columns picked by a device index list: float
 * columns as they are, uint8 columns decoded (and normalised) to floats, class indices as one-hot columns.
 */
final class GatherKernels {
    /** The kernels of gather.cu: idx already at the batch's first index; dst16 (dst's bfloat16 copy) may be null. */
    static final Kernel.Signature GATHER_COLUMNS =
            Kernel.Signature.of("gather_columns", "ptr src, i32 srcCols, ptr idx, ptr dst, ptr dst16, i32 rows, i32 m");

    static final Kernel.Signature GATHER_BYTES = Kernel.Signature.of(
            "gather_bytes",
            "ptr src, i32 srcCols, ptr idx, ptr shift, ptr factor, ptr dst, ptr dst16, i32 rows, i32 m");

    static final Kernel.Signature GATHER_ONE_HOT =
            Kernel.Signature.of("gather_one_hot", "ptr labels, i32 labelCount, ptr idx, ptr dst, i32 rows, i32 m");

    static final List<Kernel.Signature> KERNELS = List.of(GATHER_COLUMNS, GATHER_BYTES, GATHER_ONE_HOT);

    private final CudaDevice device;
    private final Kernel gather;
    private final Kernel gatherBytes;
    private final Kernel gatherOneHot;

    GatherKernels(CudaDevice device) {
        this.device = device;
        gather = device.kernel(GATHER_COLUMNS);
        gatherBytes = device.kernel(GATHER_BYTES);
        gatherOneHot = device.kernel(GATHER_ONE_HOT);
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

    /** Ops.gatherBytes: uint8 columns decoded to v/255 and, with shift and factor, normalised per row (and dst's bfloat16 copy). */
    void gatherBytes(ByteMat src, DeviceIndexBlock idx, int offset, int m, Mat shift, Mat factor, Mat dst) {
        OpsChecks.gatherBytes(src, idx, offset, m, shift, factor, dst);
        DeviceByteBlock ds = DeviceByteBlock.of(src.block(), device);
        DeviceBlock dd = DeviceBlock.of(dst.block(), device, "gatherBytes dst");
        long sh = shift == null
                ? 0
                : DeviceBlock.of(shift.block(), device, "gatherBytes shift").address();
        long fa = factor == null
                ? 0
                : DeviceBlock.of(factor.block(), device, "gatherBytes factor").address();
        long n = (long) src.rows() * m;
        if (n == 0) return;
        gatherBytes
                .args
                .pointer(0, ds.address())
                .i32(1, src.cols())
                .pointer(2, idx.address(offset))
                .pointer(3, sh)
                .pointer(4, fa)
                .pointer(5, dd.address())
                .pointer(6, dd.bf16Address())
                .i32(7, src.rows())
                .i32(8, m);
        gatherBytes.linear(n);
    }

    /** Ops.gatherOneHot: the one-hot columns of the batch's classes. */
    void gatherOneHot(DeviceIndexBlock labels, DeviceIndexBlock idx, int offset, int m, Mat dst) {
        OpsChecks.gatherOneHot(labels, idx, offset, m, dst);
        DeviceBlock dd = DeviceBlock.of(dst.block(), device, "gatherOneHot dst");
        long n = (long) dst.rows() * m;
        if (n == 0) return;
        gatherOneHot
                .args
                .pointer(0, labels.address(0))
                .i32(1, labels.length())
                .pointer(2, idx.address(offset))
                .pointer(3, dd.address())
                .i32(4, dst.rows())
                .i32(5, m);
        gatherOneHot.linear(n);
    }
}
