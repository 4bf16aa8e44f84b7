package dev.jbackprop.engine;

/**
 * What a backend can hold, for a {@link MemoryPlan} to be checked against before anything large is allocated
 * ({@link Ops#memoryLimits()}).
 *
 * @param device true when the network's blocks live in device memory, false when in host memory
 * @param gemmCopies true when blocks read by GEMMs carry a bfloat16 copy (2 bytes per float) alongside
 * @param workspaceBytes device memory the backend keeps besides the blocks (cuBLAS's workspace)
 * @param maxBlockFloats the largest block the backend can allocate, in floats
 * @param blockLimit why blocks are limited so (for messages)
 * @param hostBytes host memory (outside the Java heap) the backend may still allocate
 * @param hostLimit what limits it (for messages)
 * @param deviceBytes device memory still free (0 without a device)
 * @param deviceLimit what limits it (for messages)
 */
public record MemoryLimits(
        boolean device,
        boolean gemmCopies,
        long workspaceBytes,
        long maxBlockFloats,
        String blockLimit,
        long hostBytes,
        String hostLimit,
        long deviceBytes,
        String deviceLimit) {

    /** No limit known: what a backend that does not say reports. */
    public static MemoryLimits unknown(boolean device) {
        return new MemoryLimits(
                device,
                false,
                0,
                Long.MAX_VALUE / 4,
                "no block limit known",
                Long.MAX_VALUE,
                "no host limit known",
                device ? Long.MAX_VALUE : 0,
                device ? "no device limit known" : "no device");
    }

    /**
     * Java heap this process may still use: the maximum heap less what is in use now (garbage counts as in use, so
     * this is a lower bound).
     *
     * @return bytes
     */
    public static long heapAvailable() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /**
     * Memory the system has available for a new allocation: MemAvailable of /proc/meminfo on Linux, else the free
     * physical memory the JVM reports.
     *
     * @return bytes, or Long.MAX_VALUE when unknown
     */
    public static long systemAvailable() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    String[] f = line.substring("MemAvailable:".length()).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: ask the JVM
        }
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) return os.getFreeMemorySize();
        return Long.MAX_VALUE;
    }

    /** The maximum heap (-Xmx), in bytes. */
    public static long heapMax() {
        return Runtime.getRuntime().maxMemory();
    }
}
