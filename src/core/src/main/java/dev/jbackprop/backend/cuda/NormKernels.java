package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.OpsChecks;
import java.util.List;
import jcuda.Pointer;

/** Launcher for kernels/norms.cu: Σx² of block segments into device doubles, then one read-back. */
final class NormKernels {
    /** The kernel of norms.cu: *out += Σ x[i]² over i < n, in double. */
    static final Kernel.Signature SUM_SQUARES = Kernel.Signature.of("sum_squares", "ptr x, i64 n, ptr out");

    static final List<Kernel.Signature> KERNELS = List.of(SUM_SQUARES);

    private final CudaDevice device;
    private final Kernel sumSquares;
    private DeviceMemory sums; // one double per segment; grows on the first call with more segments
    private double[] host = new double[0];
    private Pointer hostPointer;

    NormKernels(CudaDevice device) {
        this.device = device;
        sumSquares = device.kernel(SUM_SQUARES);
    }

    /** Ops.sumSquares: one launch per segment, then one copy of the sums back (which waits for them). */
    void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
        OpsChecks.sumSquares(block, offsets, lengths, out);
        DeviceBlock b = DeviceBlock.of(block, device, "sumSquares block");
        int n = offsets.length;
        if (n == 0) return;
        if (sums == null || host.length < n) {
            if (sums != null) sums.free();
            sums = device.allocate(8L * n, n + " segment sums");
            host = new double[n];
            hostPointer = Pointer.to(host);
        }
        device.fill32(sums.pointer, 0, 2L * n, "sumSquares (zeroing the sums)", null);
        for (int s = 0; s < n; s++) {
            if (lengths[s] == 0) continue;
            sumSquares
                    .args
                    .pointer(0, b.address() + 4 * offsets[s])
                    .i64(1, lengths[s])
                    .pointer(2, sums.address() + 8L * s);
            sumSquares.linear(lengths[s]);
        }
        device.copyToHost(hostPointer, sums.pointer, 8L * n, "sumSquares (reading the sums)", null);
        System.arraycopy(host, 0, out, 0, n);
    }
}
