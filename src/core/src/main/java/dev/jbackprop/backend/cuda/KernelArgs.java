package dev.jbackprop.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * A kernel's parameter list, built once from its signature ("i32 f32 ptr i64": int, float, device
 * pointer, long long): one 8-byte slot per parameter in a direct buffer, and the {@code void**}
 * that cuLaunchKernel takes pointing at the slots. Launchers overwrite the slots before each launch
 * (the driver copies the values at launch time), so a launch creates no objects. Each slot is its
 * own buffer slice, so its address does not depend on how JCuda treats offsets. Setters check the
 * slot's declared type; a test checks the signatures against the compiled kernels' PTX.
 */
final class KernelArgs {
    enum Type {
        I32,
        F32,
        I64,
        PTR
    }

    private final ByteBuffer slots;
    private final Pointer params;
    private final Type[] types;

    KernelArgs(String signature) {
        types = parse(signature);
        slots = ByteBuffer.allocateDirect(8 * types.length).order(ByteOrder.nativeOrder());
        NativePointerObject[] each = new NativePointerObject[types.length];
        for (int i = 0; i < types.length; i++) {
            each[i] = Pointer.to(slots.slice(8 * i, 8).order(ByteOrder.nativeOrder()));
        }
        params = Pointer.to(each);
    }

    static Type[] parse(String signature) {
        String[] tokens = signature.trim().split("\\s+");
        Type[] t = new Type[tokens.length];
        for (int i = 0; i < tokens.length; i++) t[i] = Type.valueOf(tokens[i].toUpperCase(java.util.Locale.ROOT));
        return t;
    }

    /** The {@code void** kernelParams} argument of cuLaunchKernel. */
    Pointer params() {
        return params;
    }

    int count() {
        return types.length;
    }

    private int slot(int i, Type t) {
        if (types[i] != t) throw new IllegalStateException("kernel parameter " + i + " is " + types[i] + ", not " + t);
        return 8 * i;
    }

    /** A device pointer parameter ({@code T*}), given as its address. */
    KernelArgs pointer(int i, long address) {
        slots.putLong(slot(i, Type.PTR), address);
        return this;
    }

    KernelArgs i64(int i, long value) {
        slots.putLong(slot(i, Type.I64), value);
        return this;
    }

    KernelArgs i32(int i, int value) {
        return put32(slot(i, Type.I32), value);
    }

    KernelArgs f32(int i, float value) {
        return put32(slot(i, Type.F32), Float.floatToRawIntBits(value));
    }

    /** A 4-byte value in the first 4 bytes of its slot, the rest zero. */
    private KernelArgs put32(int at, int bits) {
        slots.putLong(at, 0L);
        slots.putInt(at, bits);
        return this;
    }

    /** "act=2 alpha=0.01 z=0x7f2a00000000 …": each slot's value by its type, under the given names (for error messages). */
    String describe(java.util.List<String> names) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < types.length; i++) {
            if (i > 0) s.append(' ');
            s.append(i < names.size() ? names.get(i) : "#" + i).append('=');
            switch (types[i]) {
                case I32 -> s.append(slots.getInt(8 * i));
                case F32 -> s.append(slots.getFloat(8 * i));
                case I64 -> s.append(slots.getLong(8 * i));
                case PTR -> s.append("0x").append(Long.toHexString(slots.getLong(8 * i)));
            }
        }
        return s.toString();
    }

    /** The slot's 8 bytes (for tests). */
    long raw(int i) {
        return slots.getLong(8 * i);
    }
}
