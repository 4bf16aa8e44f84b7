package dev.jbackprop.backend.cuda;

import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * Launcher for kernels/bf16.cu: refreshes the bfloat16 copy of a range of a block (--bf16) after a
 * write that no kernel of ours made: an upload, a fill, a streamed batch's copy.
 */
final class Bf16Kernels {
    static final String TO_BF16 = "to_bf16";
    static final String[] KERNELS = {TO_BF16};
    /** src, dst (bfloat16), n. */
    static final Map<String, String> SIGNATURES = Map.of(TO_BF16, "ptr ptr i64");

    private final CudaDevice device;
    private final CUfunction toBf16;
    private final KernelArgs args = new KernelArgs(SIGNATURES.get(TO_BF16));

    Bf16Kernels(CudaDevice device) {
        this.device = device;
        toBf16 = device.function(TO_BF16);
    }

    /** The copy of b[offset, offset + length) from its floats; nothing when b has no bfloat16 copy. */
    void refresh(DeviceBlock b, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > b.length()) {
            throw new IndexOutOfBoundsException("bfloat16 copy of [" + offset + ", " + (offset + length) + ") of " + b);
        }
        if (!b.hasBf16() || length == 0) return;
        args.pointer(0, b.address(offset)).pointer(1, b.bf16Address(offset)).i64(2, length);
        int grid = Grid.blocks(length, Grid.BLOCK, Grid.maxBlocks(device.multiprocessors));
        JCudaDriver.cuLaunchKernel(toBf16, grid, 1, 1, Grid.BLOCK, 1, 1, 0, device.stream, args.params(), null);
        device.launched(TO_BF16);
    }
}
