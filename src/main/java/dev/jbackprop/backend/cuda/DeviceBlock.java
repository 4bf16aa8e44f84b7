package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Block;
import jcuda.driver.CUdeviceptr;

/**
 * Floats in device memory. A root owns its allocation; a view is the root's pointer moved by
 * {@code offset} floats (CUdeviceptr.withByteOffset) and shares it. Closing the root frees the
 * memory once; closing a view does nothing.
 */
final class DeviceBlock implements Block {
  private final DeviceMemory memory;
  private final long offset; // floats from the start of the allocation
  private final long length;
  private final CUdeviceptr pointer;
  private final boolean root;

  private DeviceBlock(DeviceMemory memory, long offset, long length, boolean root) {
    this.memory = memory;
    this.root = root;
    this.offset = offset;
    this.length = length;
    this.pointer = memory.at(4 * offset);
  }

  static DeviceBlock root(DeviceMemory memory) {
    return new DeviceBlock(memory, 0, memory.bytes / 4, true);
  }

  /** {@code b} as a block of {@code device}, still allocated; otherwise a clear exception. */
  static DeviceBlock of(Block b, CudaDevice device, String role) {
    if (!(b instanceof DeviceBlock d)) {
      throw new IllegalArgumentException(role + ": expected a block allocated by the cuda backend, got " + (b == null ? "null" : b.getClass().getName()));
    }
    if (d.memory.device != device) throw new IllegalArgumentException(role + ": block belongs to another CUDA backend instance");
    if (d.memory.freed()) throw new IllegalStateException(role + ": block has been freed");
    return d;
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public Block view(long offset, long length) {
    if (offset < 0 || length < 0 || offset + length > this.length) {
      throw new IndexOutOfBoundsException("view [" + offset + ", " + (offset + length) + ") of a block of " + this.length + " floats");
    }
    return new DeviceBlock(memory, this.offset + offset, length, false);
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

  @Override
  public void close() {
    if (isRoot()) memory.free();
  }

  @Override
  public String toString() {
    return "DeviceBlock[" + length + " floats" + (isRoot() ? "" : " at +" + offset) + "]";
  }
}
