package dev.jbackprop.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.engine.MemoryLimits;
import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.Setting;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's real limits: a block is one direct buffer, so at most (2^31 − 1) / 4 = 536,870,911 floats (a
 * larger JavaCPP buffer is silently cut to that capacity, which is what made 536,870,912 fail late with
 * "newLimit &gt; capacity"); host memory is what JavaCPP still allows; threads are 1 to 4 per core.
 */
class CpuLimitsTest {
    @Test
    void theBlockLimitIsTheDirectBuffersAndIsRefusedBeforeAllocating() {
        assertEquals(536_870_911L, CpuBlock.MAX_FLOATS);
        try (CpuOps ops = new CpuOps(1)) {
            MemoryLimits l = ops.memoryLimits();
            assertEquals(536_870_911L, l.maxBlockFloats());
            assertTrue(!l.device() && l.hostBytes() > 0 && l.hostBytes() <= Pointer.maxBytes(), l.toString());
            long before = Pointer.totalBytes();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ops.allocate(536_870_912L));
            assertTrue(e.getMessage().contains("at most 536,870,911 floats"), e.getMessage());
            assertEquals(before, Pointer.totalBytes(), "nothing allocated");
        }
    }

    @Test
    void threadsAreOneToFourPerCore() {
        int cores = Runtime.getRuntime().availableProcessors();
        CpuOps.checkThreads(1);
        CpuOps.checkThreads(4 * cores);
        for (int bad : new int[] {0, -1, 4 * cores + 1, 2_000_000_000}) {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> CpuOps.checkThreads(bad));
            assertEquals(Setting.THREADS, e.setting());
            assertTrue(e.getMessage().contains("must be between 1 and " + 4 * cores), e.getMessage());
        }
        assertThrows(InvalidConfigException.class, () -> new CpuOps(4 * cores + 1), "checked before a thread is made");
    }
}
