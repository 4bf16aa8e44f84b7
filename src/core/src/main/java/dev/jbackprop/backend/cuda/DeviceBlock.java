package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import jcuda.driver.CUdeviceptr;

/**
 * Floats in device memory. A root owns its allocation; a view is the root's pointer moved by
 * {@code offset} floats (CUdeviceptr.withByteOffset) and shares it. Closing the root frees the
 * memory once; closing a view does nothing.
 *
 * <p>A block may also have a bfloat16 copy (Ops.allocateGemmOperands with --bf16): a second
 * allocation of 2-byte elements, element i of the block at byte 2·i of it, which views share at the
 * same offsets. It is what cuBLAS reads when the block is a GEMM operand; the operations that write
 * the block write it too (see CudaOps).
 */
final class DeviceBlock implements Block {
    private final DeviceMemory memory;
    private final DeviceMemory bf16; // the bfloat16 copy, or null
    private final long offset; // floats from the start of the allocation
    private final long length;
    private final CUdeviceptr pointer;
    private final CUdeviceptr bf16Pointer; // null without a copy; made once, so a GEMM allocates nothing
    private final boolean root;

    private DeviceBlock(DeviceMemory memory, DeviceMemory bf16, long offset, long length, boolean root) {
        this.memory = memory;
        this.bf16 = bf16;
        this.root = root;
        this.offset = offset;
        this.length = length;
        this.pointer = memory.at(4 * offset);
        this.bf16Pointer = bf16 == null ? null : bf16.at(2 * offset);
    }

    static DeviceBlock root(DeviceMemory memory) {
        return new DeviceBlock(memory, null, 0, memory.bytes / 4, true);
    }

    /** A root whose bfloat16 copy lives in {@code bf16} (at least 2 bytes per float of {@code memory}); closing it frees both. */
    static DeviceBlock root(DeviceMemory memory, DeviceMemory bf16) {
        if (bf16.bytes < memory.bytes / 2)
            throw new IllegalArgumentException(
                    bf16.bytes + " bytes cannot hold a bfloat16 copy of " + memory.bytes / 4 + " floats");
        return new DeviceBlock(memory, bf16, 0, memory.bytes / 4, true);
    }

    /** {@code b} as a block of {@code device}, still allocated; otherwise a clear exception. */
    static DeviceBlock of(Block b, CudaDevice device, String role) {
        if (!(b instanceof DeviceBlock d)) {
            throw new IllegalArgumentException(role + ": expected a block allocated by the cuda backend, got "
                    + (b == null ? "null" : b.getClass().getName()));
        }
        if (d.memory.device != device)
            throw new IllegalArgumentException(role + ": block belongs to another CUDA backend instance");
        if (d.memory.freed() || (d.bf16 != null && d.bf16.freed()))
            throw new IllegalStateException(role + ": block has been freed");
        return d;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public Block view(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > this.length) {
            throw new IndexOutOfBoundsException(
                    "view [" + offset + ", " + (offset + length) + ") of a block of " + this.length + " floats");
        }
        return new DeviceBlock(memory, bf16, this.offset + offset, length, false);
    }

    boolean isRoot() {
        return root;
    }

    /** For cuBLAS and the copy / memset calls. */
    CUdeviceptr pointer() {
        return pointer;
    }

    /** Device address of element {@code i} (for kernel arguments). */
    long address(long i) {
        return memory.address() + 4 * (offset + i);
    }

    long address() {
        return address(0);
    }

    boolean hasBf16() {
        return bf16 != null;
    }

    /** Device address of the bfloat16 copy of element {@code i}; 0 (a null kernel argument) when there is no copy. */
    long bf16Address(long i) {
        return bf16 == null ? 0L : bf16.address() + 2 * (offset + i);
    }

    long bf16Address() {
        return bf16Address(0);
    }

    /** The bfloat16 copy for cuBLAS; only when {@link #hasBf16()}. */
    CUdeviceptr bf16Pointer() {
        if (bf16Pointer == null) throw new IllegalStateException(this + " has no bfloat16 copy");
        return bf16Pointer;
    }

    @Override
    public void close() {
        if (isRoot()) {
            memory.free();
            if (bf16 != null) bf16.free();
        }
    }

    @Override
    public String toString() {
        return "DeviceBlock[" + length + " floats" + (bf16 != null ? " + bfloat16 copy" : "")
                + (isRoot() ? "" : " at +" + offset) + "]";
    }
}
