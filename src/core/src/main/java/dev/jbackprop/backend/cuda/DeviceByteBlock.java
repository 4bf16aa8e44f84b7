package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.ByteBlock;

/** uint8 values in device memory (uint8 features, read by the gather_bytes kernel); the allocation is whole 4-byte words. */
final class DeviceByteBlock implements ByteBlock {
    final DeviceMemory memory;
    private final long length;

    DeviceByteBlock(DeviceMemory memory, long length) {
        if (memory.bytes < length)
            throw new IllegalArgumentException(memory.bytes + " bytes of device memory for " + length + " bytes");
        this.memory = memory;
        this.length = length;
    }

    /** Bytes to allocate for {@code length} bytes: whole 4-byte words. */
    static long allocation(long length) {
        return 4 * ((length + 3) / 4);
    }

    static DeviceByteBlock of(ByteBlock b, CudaDevice device) {
        if (!(b instanceof DeviceByteBlock d)) {
            throw new IllegalArgumentException("expected a byte block allocated by the cuda backend, got "
                    + (b == null ? "null" : b.getClass().getName()));
        }
        if (d.memory.device != device)
            throw new IllegalArgumentException("byte block belongs to another CUDA backend instance");
        if (d.memory.freed()) throw new IllegalStateException("byte block has been freed");
        return d;
    }

    @Override
    public long length() {
        return length;
    }

    long address() {
        return memory.address();
    }

    @Override
    public void close() {
        memory.free();
    }

    @Override
    public String toString() {
        return "DeviceByteBlock[" + length + " bytes]";
    }
}
