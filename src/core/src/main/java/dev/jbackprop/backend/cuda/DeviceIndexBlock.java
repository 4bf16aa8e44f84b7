package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.IndexBlock;
import jcuda.driver.CUdeviceptr;

/** int32 sample indices in device memory. */
final class DeviceIndexBlock implements IndexBlock {
    final DeviceMemory memory;
    private final int length;
    // views[i]: the pointer to index i, made on first use, so that the per-step copy of a batch's
    // indices allocates nothing once every batch offset has been seen (the first epoch)
    private CUdeviceptr[] views;

    DeviceIndexBlock(DeviceMemory memory, int length) {
        this.memory = memory;
        this.length = length;
    }

    static DeviceIndexBlock of(IndexBlock b, CudaDevice device) {
        if (!(b instanceof DeviceIndexBlock d)) {
            throw new IllegalArgumentException("expected an index block allocated by the cuda backend, got "
                    + (b == null ? "null" : b.getClass().getName()));
        }
        if (d.memory.device != device)
            throw new IllegalArgumentException("index block belongs to another CUDA backend instance");
        if (d.memory.freed()) throw new IllegalStateException("index block has been freed");
        return d;
    }

    @Override
    public int length() {
        return length;
    }

    CUdeviceptr pointerAt(int i) {
        if (i == 0) return memory.pointer;
        if (views == null) views = new CUdeviceptr[length];
        CUdeviceptr p = views[i];
        if (p == null) views[i] = p = memory.at(4L * i);
        return p;
    }

    long address(int i) {
        return memory.address() + 4L * i;
    }

    @Override
    public void close() {
        memory.free();
    }
}
