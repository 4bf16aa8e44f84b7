package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaBackend;
import dev.jbackprop.backend.cuda.CudaProbe;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** 10,000 training steps leave the heap and the backend's memory flat, and closing frees it all. */
class LeakTest {
    static final int STEPS = 10_000;
    /** Measured growth is about 8 KB (the per-epoch results); one leaked double[3] per step would be 360 KB. */
    static final long HEAP_BOUND = 256L << 10;

    static final float[][] TRAIN = ResumeTest.synthetic(12, 5, 2000, 11); // 125 steps per epoch
    static final float[][] TEST = ResumeTest.synthetic(12, 5, 100, 12);

    /** Used heap after full collections: the least of a few samples. */
    static long usedHeap() {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            least = Math.min(
                    least,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    /** Samples at steps 1,000 and 10,000: {heap, probe} each, where probe reads the backend's memory. */
    static long[][] train(Ops ops, java.util.function.LongSupplier probe) {
        long[][] at = new long[2][];
        Trainer.Config cfg = new Trainer.Config(16, 1_000_000, STEPS, 3, new Step.Hyper(0.05, 1.0, 0.9, 2000));
        try (ResumeTest.Run r = new ResumeTest.Run(ops, ResumeTest.SPEC, cfg, TRAIN, TEST)) {
            r.trainer.run(new Trainer.Listener() {
                @Override
                public void step(int epoch, int stepInEpoch) {
                    long s = r.trainer.steps();
                    if (s == 1_000 || s == STEPS) at[s == 1_000 ? 0 : 1] = new long[] {usedHeap(), probe.getAsLong()};
                }
            });
            assertEquals(STEPS, r.trainer.steps());
        }
        return at;
    }

    @Test
    void cpuHeapAndOffHeapStayFlatAndAreFreed() {
        new CpuOps(1).close(); // loads OpenBLAS and the classes
        usedHeap(); // lets JavaCPP free what earlier tests left to the collector
        long bytes0 = Pointer.totalBytes();
        long count0 = Pointer.totalCount();
        long[][] at;
        try (CpuOps ops = new CpuOps(2)) {
            at = train(ops, Pointer::totalBytes);
            assertEquals(
                    bytes0, Pointer.totalBytes(), "off-heap bytes once the run's network, data and trainer are closed");
        }
        long growth = at[1][0] - at[0][0];
        System.out.println("cpu: heap " + at[0][0] + " -> " + at[1][0] + " bytes from step 1,000 to 10,000; off-heap "
                + at[0][1] + " -> " + at[1][1]);
        assertTrue(growth < HEAP_BOUND, "heap grew by " + growth + " bytes from step 1,000 to step 10,000");
        assertEquals(at[0][1], at[1][1], "off-heap bytes at step 1,000 and 10,000");
        assertTrue(at[0][1] > bytes0, "the blocks were live during training");
        assertEquals(bytes0, Pointer.totalBytes(), "off-heap bytes after closing");
        assertEquals(count0, Pointer.totalCount(), "off-heap blocks after closing");
    }

    /**
     * The same on the GPU: device memory (the backend's {@code allocatedBytes()} and the device's
     * free memory from {@code memoryInfo()}, looked up by reflection as they are not part of Ops).
     */
    @Test
    @Tag("gpu")
    void gpuHeapAndDeviceMemoryStayFlatAndAreFreed() throws Exception {
        String why = (CudaProbe.probe().available() ? null : CudaProbe.probe().reason());
        Assumptions.assumeTrue(why == null, () -> "no GPU: " + why);
        try (Ops ops = CudaBackend.open(false, false, false)) {
            Method allocated;
            Method info;
            try {
                allocated = ops.getClass().getMethod("allocatedBytes");
                info = ops.getClass().getMethod("memoryInfo");
            } catch (NoSuchMethodException e) {
                Assumptions.abort("the GPU backend has no allocatedBytes()/memoryInfo() to read device memory with");
                return;
            }
            try (ResumeTest.Run warm = new ResumeTest.Run(ops, ResumeTest.config(1, 0))) {
                warm.trainer.run(new Trainer.Listener() {}); // context, kernels and cuBLAS workspaces
            }
            long alloc0 = (long) allocated.invoke(ops);
            long free0 = ((long[]) info.invoke(ops))[0];
            long[][] at = train(ops, () -> {
                try {
                    return (long) allocated.invoke(ops);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            });
            long growth = at[1][0] - at[0][0];
            assertTrue(growth < HEAP_BOUND, "heap grew by " + growth + " bytes from step 1,000 to step 10,000");
            assertEquals(at[0][1], at[1][1], "device bytes allocated at step 1,000 and 10,000");
            assertEquals(alloc0, (long) allocated.invoke(ops), "device bytes allocated after closing the run");
            long free1 = ((long[]) info.invoke(ops))[0];
            assertTrue(
                    Math.abs(free1 - free0) <= 4L << 20,
                    "device free memory " + free0 + " before, " + free1 + " after");
        }
    }
}
