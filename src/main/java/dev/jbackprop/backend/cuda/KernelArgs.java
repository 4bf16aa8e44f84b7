package dev.jbackprop.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * A kernel's parameter list, built once: one 8-byte slot per parameter in a direct buffer, and the
 * {@code void**} that cuLaunchKernel takes pointing at the slots. Launchers overwrite the slots
 * before each launch (the driver copies the values at launch time), so a launch creates no objects.
 * Each slot is its own buffer slice, so its address does not depend on how JCuda treats offsets.
 */
final class KernelArgs {
  private final ByteBuffer slots;
  private final Pointer params;
  private final int count;

  KernelArgs(int count) {
    this.count = count;
    slots = ByteBuffer.allocateDirect(8 * count).order(ByteOrder.nativeOrder());
    NativePointerObject[] each = new NativePointerObject[count];
    for (int i = 0; i < count; i++) {
      each[i] = Pointer.to(slots.slice(8 * i, 8).order(ByteOrder.nativeOrder()));
    }
    params = Pointer.to(each);
  }

  /** The {@code void** kernelParams} argument of cuLaunchKernel. */
  Pointer params() {
    return params;
  }

  int count() {
    return count;
  }

  /** A device pointer parameter ({@code T*}), given as its address. */
  KernelArgs pointer(int i, long address) {
    slots.putLong(8 * i, address);
    return this;
  }

  KernelArgs i32(int i, int value) {
    slots.putLong(8 * i, 0L);
    slots.putInt(8 * i, value);
    return this;
  }

  KernelArgs i64(int i, long value) {
    slots.putLong(8 * i, value);
    return this;
  }

  KernelArgs f32(int i, float value) {
    slots.putLong(8 * i, 0L);
    slots.putFloat(8 * i, value);
    return this;
  }

  /** The slot's 8 bytes (for tests). */
  long raw(int i) {
    return slots.getLong(8 * i);
  }
}
