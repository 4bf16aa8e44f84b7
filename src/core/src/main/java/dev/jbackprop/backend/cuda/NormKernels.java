package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.OpsChecks;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/** Launcher for kernels/norms.cu: Σx² of block segments into device doubles, then one read-back. */
final class NormKernels {
    static final String SUM_SQUARES = "sum_squares";
    static final String[] KERNELS = {SUM_SQUARES};
    /** x, n, out. */
    static final Map<String, String> SIGNATURES = Map.of(SUM_SQUARES, "ptr i64 ptr");

    private final CudaDevice device;
    private final CUfunction sumSquares;
    private final KernelArgs args = new KernelArgs(SIGNATURES.get(SUM_SQUARES));
    private DeviceMemory sums; // one double per segment; grows on the first call with more segments
    private double[] host = new double[0];

    NormKernels(CudaDevice device) {
        this.device = device;
        sumSquares = device.function(SUM_SQUARES);
    }

    /** Ops.sumSquares: one launch per segment, then a synchronising copy of the sums. */
    void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
        OpsChecks.sumSquares(block, offsets, lengths, out);
        DeviceBlock b = DeviceBlock.of(block, device, "sumSquares block");
        int n = offsets.length;
        if (n == 0) return;
        if (sums == null || host.length < n) {
            if (sums != null) sums.free();
            sums = device.allocate(8L * n, n + " segment sums");
            host = new double[n];
        }
        JCudaDriver.cuMemsetD32Async(sums.pointer, 0, 2L * n, device.stream);
        for (int s = 0; s < n; s++) {
            if (lengths[s] == 0) continue;
            args.pointer(0, b.address() + 4 * offsets[s]).i64(1, lengths[s]).pointer(2, sums.address() + 8L * s);
            int grid = Grid.blocks(lengths[s], Grid.BLOCK, Grid.maxBlocks(device.multiprocessors));
            JCudaDriver.cuLaunchKernel(sumSquares, grid, 1, 1, Grid.BLOCK, 1, 1, 0, device.stream, args.params(), null);
            device.launched(SUM_SQUARES);
        }
        device.synchronize();
        JCudaDriver.cuMemcpyDtoH(Pointer.to(host), sums.pointer, 8L * n);
        System.arraycopy(host, 0, out, 0, n);
    }
}
