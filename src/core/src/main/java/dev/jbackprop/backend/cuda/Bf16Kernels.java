package dev.jbackprop.backend.cuda;

import java.util.List;

/**
 * Launcher for kernels/bf16.cu: refreshes the bfloat16 copy of a range of a block (--bf16) after a
 * write that no kernel of ours made: an upload, a fill, a streamed batch's copy.
 */
final class Bf16Kernels {
    static final Kernel.Signature TO_BF16 = Kernel.Signature.of("to_bf16", "ptr src, ptr dst, i64 n");
    /** The kernel of bf16.cu. */
    static final List<Kernel.Signature> KERNELS = List.of(TO_BF16);

    private final Kernel toBf16;

    Bf16Kernels(CudaDevice device) {
        toBf16 = device.kernel(TO_BF16);
    }

    /** The copy of b[offset, offset + length) from its floats; nothing when b has no bfloat16 copy. */
    void refresh(DeviceBlock b, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > b.length()) {
            throw new IndexOutOfBoundsException("bfloat16 copy of [" + offset + ", " + (offset + length) + ") of " + b);
        }
        if (!b.hasBf16() || length == 0) return;
        toBf16.args
                .pointer(0, b.address(offset))
                .pointer(1, b.bf16Address(offset))
                .i64(2, length);
        toBf16.linear(length);
    }
}
