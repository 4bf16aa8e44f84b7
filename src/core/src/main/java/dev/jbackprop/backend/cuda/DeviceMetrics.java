package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.Metrics;
import jcuda.Pointer;

/**
 * {cost sum, correct, samples} as three device doubles, added to by the output_delta kernel with
 * atomicAdd. {@link #read()} copies them back on the device's stream, after the kernels queued
 * before it, and waits for that copy.
 */
final class DeviceMetrics implements Metrics {
    static final int FIELDS = 3;

    final DeviceMemory memory;
    private final double[] host = new double[FIELDS];
    private final Pointer hostPointer = Pointer.to(host);

    DeviceMetrics(DeviceMemory memory) {
        this.memory = memory;
    }

    static DeviceMetrics of(Metrics m, CudaDevice device) {
        if (!(m instanceof DeviceMetrics d)) {
            throw new IllegalArgumentException("expected metrics allocated by the cuda backend, got "
                    + (m == null ? "null" : m.getClass().getName()));
        }
        if (d.memory.device != device)
            throw new IllegalArgumentException("metrics belong to another CUDA backend instance");
        if (d.memory.freed()) throw new IllegalStateException("metrics have been freed");
        return d;
    }

    long address() {
        return memory.address();
    }

    @Override
    public void reset() {
        CudaDevice device = memory.device;
        synchronized (device) {
            of(this, device);
            device.bind();
            device.fill32(memory.pointer, 0, 2 * FIELDS, "Metrics.reset", null);
        }
    }

    @Override
    public void read(double[] out) {
        CudaDevice device = memory.device;
        synchronized (device) {
            of(this, device);
            device.copyToHost(hostPointer, memory.pointer, 8L * FIELDS, "Metrics.read", null);
            System.arraycopy(host, 0, out, 0, FIELDS);
        }
    }

    @Override
    public void close() {
        memory.free();
    }
}
