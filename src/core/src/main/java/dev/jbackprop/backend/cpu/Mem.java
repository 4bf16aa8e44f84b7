package dev.jbackprop.backend.cpu;

import java.lang.reflect.Field;

/**
 * Raw float access to CPU blocks by address: the elementwise passes run here, where a direct
 * FloatBuffer's per-element bounds and scope checks cost several times the memory traffic. Every
 * caller checks its shapes against the blocks' lengths first.
 */
final class Mem {
    private Mem() {}

    private static final sun.misc.Unsafe U;

    static {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            U = (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static float get(long address, long i) {
        return U.getFloat(address + (i << 2));
    }

    static void put(long address, long i, float v) {
        U.putFloat(address + (i << 2), v);
    }

    /** Copies {@code bytes} bytes from one address to another (the ranges do not overlap). */
    static void copy(long from, long to, long bytes) {
        U.copyMemory(from, to, bytes);
    }
}
