package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.IndexBlock;

/** int32 sample indices in device memory. */
final class DeviceIndexBlock implements IndexBlock {
  final DeviceMemory memory;
  private final int length;

  DeviceIndexBlock(DeviceMemory memory, int length) {
    this.memory = memory;
    this.length = length;
  }

  static DeviceIndexBlock of(IndexBlock b, CudaDevice device) {
    if (!(b instanceof DeviceIndexBlock d)) {
      throw new IllegalArgumentException("expected an index block allocated by the cuda backend, got " + (b == null ? "null" : b.getClass().getName()));
    }
    if (d.memory.device != device) throw new IllegalArgumentException("index block belongs to another CUDA backend instance");
    if (d.memory.freed()) throw new IllegalStateException("index block has been freed");
    return d;
  }

  @Override
  public int length() {
    return length;
  }

  long address(int i) {
    return memory.address() + 4L * i;
  }

  @Override
  public void close() {
    memory.free();
  }
}
