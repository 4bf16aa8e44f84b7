package dev.jbackprop.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Kernel parameters are packed one per 8-byte slot, each value at its slot's start. */
class KernelArgsTest {
  @Test
  void valuesLandInTheirSlots() {
    KernelArgs k = new KernelArgs(5);
    assertEquals(5, k.count());
    assertNotNull(k.params());
    k.i64(0, -1L).i32(0, 7).f32(1, 1.5f).pointer(2, 0x7f00_1234_5678L).i64(3, 1L << 40).i32(4, -2);
    boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    // an int overwrites a previous long completely, so the kernel never sees stale high bytes
    assertEquals(little ? 7L : 7L << 32, k.raw(0));
    long f = Float.floatToRawIntBits(1.5f) & 0xffffffffL;
    assertEquals(little ? f : f << 32, k.raw(1));
    assertEquals(0x7f00_1234_5678L, k.raw(2));
    assertEquals(1L << 40, k.raw(3));
    assertEquals(little ? 0xffff_fffeL : 0xffff_fffeL << 32, k.raw(4));
  }
}
