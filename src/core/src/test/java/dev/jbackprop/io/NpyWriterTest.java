package dev.jbackprop.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The .npy writer: numpy's format 1.0 header, 64-byte aligned, then little-endian float32 in C order. */
class NpyWriterTest {
    @Test
    void headerAndValues() throws IOException {
        for (long[] shape : new long[][] {{3, 2}, {0, 5}, {123_456_789L, 1000}}) {
            byte[] h = NpyWriter.header(shape[0], (int) shape[1]);
            assertEquals(0, h.length % 64, "aligned");
            assertEquals((byte) 0x93, h[0]);
            assertEquals("NUMPY", new String(h, 1, 5, StandardCharsets.US_ASCII));
            assertEquals(1, h[6]);
            assertEquals(0, h[7]);
            int len = (h[8] & 0xff) | (h[9] & 0xff) << 8;
            assertEquals(h.length - 10, len);
            String dict = new String(h, 10, len, StandardCharsets.US_ASCII);
            assertTrue(
                    dict.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape[0] + ", " + shape[1]
                            + "), }"),
                    dict);
            assertTrue(dict.endsWith(" \n") || dict.endsWith("}\n"), dict);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (NpyWriter w = new NpyWriter(out, 3, 2)) {
            w.write(new float[] {9, 1, 2}, 1, 2);
            w.write(new float[] {3, 4, -0f, Float.NaN}, 0, 4);
        }
        byte[] b = out.toByteArray();
        int header = NpyWriter.header(3, 2).length;
        assertEquals(128, header, "10 + the dict + a newline, padded to a multiple of 64 (as numpy writes it)");
        assertEquals(header + 24, b.length);
        ByteBuffer d = ByteBuffer.wrap(b, header, 24).order(ByteOrder.LITTLE_ENDIAN);
        float[] want = {1, 2, 3, 4, -0f, Float.NaN};
        for (float v : want) assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(d.getFloat()));
    }

    @Test
    void aShortOrLongArrayIsRefused() throws IOException {
        NpyWriter w = new NpyWriter(new ByteArrayOutputStream(), 2, 2);
        w.write(new float[3], 0, 3);
        assertThrows(IllegalStateException.class, () -> w.write(new float[2], 0, 2));
        IOException e = assertThrows(IOException.class, w::close);
        assertTrue(e.getMessage().contains("3 of the 4 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NpyWriter(new ByteArrayOutputStream(), -1, 2));
    }
}
