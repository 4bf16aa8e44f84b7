package dev.jbackprop.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes .npy arrays and .npz archives byte by byte, as numpy.save / savez / savez_compressed do. */
public final class NpzFiles {
    private NpzFiles() {}

    /** An .npy file: magic, version, header dict padded with spaces to a multiple of 64 bytes, then the data. */
    public static byte[] npy(String descr, long[] shape, boolean fortran, byte[] data, int major) {
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) dims.append(i == 0 ? "" : ", ").append(shape[i]);
        if (shape.length == 1) dims.append(',');
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': ("
                + dims + "), }";
        int prefix = 6 + 2 + (major == 1 ? 2 : 4);
        int total = prefix + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b =
                ByteBuffer.allocate(prefix + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93)
                .put("NUMPY".getBytes(StandardCharsets.US_ASCII))
                .put((byte) major)
                .put((byte) 0);
        if (major == 1) b.putShort((short) header.length());
        else b.putInt(header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
        return b.array();
    }

    public static byte[] npy(String descr, long[] shape, byte[] data) {
        return npy(descr, shape, false, data, 1);
    }

    public static byte[] uint8(byte[] v, long... shape) {
        return npy("|u1", shape, v);
    }

    public static byte[] float32(float[] v, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return npy("<f4", shape, b.array());
    }

    public static byte[] float64(double[] v, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) b.putDouble(d);
        return npy("<f8", shape, b.array());
    }

    public static byte[] int64(long[] v, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long l : v) b.putLong(l);
        return npy("<i8", shape, b.array());
    }

    public static byte[] int32(int[] v, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int l : v) b.putInt(l);
        return npy("<i4", shape, b.array());
    }

    public static Map<String, byte[]> arrays(Object... keysAndArrays) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndArrays.length; i += 2)
            m.put((String) keysAndArrays[i], (byte[]) keysAndArrays[i + 1]);
        return m;
    }

    /** An .npz: each array as KEY.npy, stored (savez) or deflated (savez_compressed). */
    public static Path npz(Path file, boolean deflate, Map<String, byte[]> arrays) throws IOException {
        try (OutputStream os = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> a : arrays.entrySet()) {
                ZipEntry e = new ZipEntry(a.getKey() + ".npy");
                byte[] data = a.getValue();
                if (deflate) {
                    e.setMethod(ZipEntry.DEFLATED);
                } else {
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(data.length);
                    e.setCompressedSize(data.length);
                    e.setCrc(crc.getValue());
                }
                zip.putNextEntry(e);
                zip.write(data);
                zip.closeEntry();
            }
        }
        return file;
    }
}
