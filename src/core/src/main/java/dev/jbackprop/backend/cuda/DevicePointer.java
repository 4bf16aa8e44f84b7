package dev.jbackprop.backend.cuda;

import jcuda.driver.CUdeviceptr;

/** A CUdeviceptr that also tells its raw address, which kernel arguments are packed with. */
final class DevicePointer extends CUdeviceptr {
    /** The device address (0 until cuMemAlloc has filled it in). */
    long address() {
        return getNativePointer() + getByteOffset();
    }
}
