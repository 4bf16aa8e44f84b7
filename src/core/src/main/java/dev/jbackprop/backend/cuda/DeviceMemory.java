package dev.jbackprop.backend.cuda;

import jcuda.driver.CUdeviceptr;

/** One cuMemAlloc'd allocation (or an empty one for 0 bytes), freed once by {@link CudaDevice}. */
final class DeviceMemory {
    final CudaDevice device;
    final DevicePointer pointer;
    final long bytes;
    private volatile boolean freed;

    DeviceMemory(CudaDevice device, DevicePointer pointer, long bytes) {
        this.device = device;
        this.pointer = pointer;
        this.bytes = bytes;
    }

    long address() {
        return pointer.address();
    }

    /** The pointer {@code byteOffset} bytes in. */
    CUdeviceptr at(long byteOffset) {
        return byteOffset == 0 ? pointer : pointer.withByteOffset(byteOffset);
    }

    boolean freed() {
        return freed;
    }

    /** Idempotent; never throws. */
    void free() {
        synchronized (device) {
            if (freed) return;
            device.notCapturing("freeing device memory"); // before the state changes, so nothing leaks
            freed = true;
            device.release(this);
        }
    }
}
