package dev.jbackprop.backend.cuda;

import jcuda.driver.CUstream;

/** A CUstream that also tells its raw handle, for a library that queues work on our stream (NCCL in jbackprop-spark). */
final class StreamHandle extends CUstream {
    /** The CUstream handle (0 until cuStreamCreate has filled it in). */
    long address() {
        return getNativePointer();
    }
}
