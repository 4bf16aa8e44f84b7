package dev.jbackprop.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds IDX files byte by byte for the tests. */
final class IdxFiles {
    private IdxFiles() {}

    /** A header with the given magic and dimensions (each written as a big-endian u32), then the body. */
    static byte[] idx(int magic, long[] dims, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + body.length);
        b.putInt(magic);
        for (long d : dims) b.putInt((int) d);
        b.put(body);
        return b.array();
    }

    static byte[] images(int count, int rows, int cols, byte[] pixels) {
        return idx(Idx.IMAGES_MAGIC, new long[] {count, rows, cols}, pixels);
    }

    static byte[] labels(byte[] labels) {
        return idx(Idx.LABELS_MAGIC, new long[] {labels.length}, labels);
    }

    static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
                gz.write(data);
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Path write(Path dir, String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    /** Bytes allocated by the current thread so far (HotSpot). */
    static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
