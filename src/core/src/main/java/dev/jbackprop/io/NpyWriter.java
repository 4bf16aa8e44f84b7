package dev.jbackprop.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes a NumPy {@code .npy} file of float32 values, shape [rows, cols], C order, streamed: the header (format 1.0:
 * magic, version, header length, the dict {@code {'descr': '<f4', 'fortran_order': False, 'shape': (rows, cols), }}
 * padded with spaces to a multiple of 64 bytes and ended by a newline), then the values little-endian, row after row,
 * as {@link #write} is given them. {@code numpy.load} reads it as a float32 array of that shape. {@link #close} checks
 * that exactly rows·cols values were written (the file is not complete otherwise) and closes the stream.
 */
public final class NpyWriter implements AutoCloseable {
    private final OutputStream out;
    private final long expected;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long written;
    private boolean closed;

    /**
     * Starts the file: writes the header to {@code out}.
     *
     * @throws IllegalArgumentException for a negative shape
     */
    public NpyWriter(OutputStream out, long rows, int cols) throws IOException {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("a shape of (" + rows + ", " + cols + ")");
        this.out = out;
        this.expected = rows * cols;
        out.write(header(rows, cols));
    }

    /** The header of a float32 [rows, cols] array, format 1.0, 64-byte aligned. */
    static byte[] header(long rows, int cols) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int unpadded = 6 + 2 + 2 + dict.length() + 1; // magic, version, length, dict, '\n'
        int total = (unpadded + 63) / 64 * 64;
        StringBuilder h = new StringBuilder(dict);
        while (h.length() < total - 10 - 1) h.append(' ');
        h.append('\n');
        byte[] text = h.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93)
                .put("NUMPY".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 1)
                .put((byte) 0);
        b.putShort((short) text.length).put(text);
        return b.array();
    }

    /** Appends values[offset … offset+length) (the next values in C order). */
    public void write(float[] values, int offset, int length) throws IOException {
        if (written + length > expected)
            throw new IllegalStateException("more than the " + expected + " values of the array's shape");
        for (int i = 0; i < length; i++) {
            if (buf.remaining() < 4) flush();
            buf.putFloat(values[offset + i]);
        }
        written += length;
    }

    private void flush() throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    /**
     * Writes what is buffered and closes the stream.
     *
     * @throws IOException when fewer values than the shape holds were written (or the stream fails)
     */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            flush();
        } finally {
            out.close();
        }
        if (written != expected)
            throw new IOException("the array has " + written + " of the " + expected + " values its shape says");
    }
}
