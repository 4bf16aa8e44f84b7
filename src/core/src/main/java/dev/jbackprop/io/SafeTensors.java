package dev.jbackprop.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.jbackprop.io.SafeTensorsHeader.Entry;
import dev.jbackprop.io.SafeTensorsHeader.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors file format: named tensors and a string → string {@code __metadata__} map.
 *
 * <p>A file is an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON (padded with
 * spaces), then the data section; each tensor's {@code data_offsets} [begin, end) are relative to the
 * data section, and together the tensors cover it exactly ({@link SafeTensorsHeader} parses and checks
 * it). This class reads and writes files; {@link ModelFile} maps a network's parameters onto PyTorch's
 * {@code nn.Linear} tensors.
 *
 * <p>The readers trust nothing: every size the header claims is checked against the file before
 * memory is allocated for it, and every problem is a {@link BadFileException} naming the file.
 */
public final class SafeTensors {
    /** Headers larger than this are rejected (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The header key of the metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    private static final int CHUNK = 1 << 20;

    private SafeTensors() {}

    /** One tensor: its dtype name, shape and, for F32, its elements in row-major order (else null). */
    public record Tensor(String dtype, long[] shape, float[] data) {
        public long elements() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }

        @Override
        public String toString() {
            return dtype + Arrays.toString(shape);
        }
    }

    // ---- writing ---------------------------------------------------------------------------------

    /**
     * Writes F32 tensors (names[i] of shapes[i], row-major values data[i]) and string metadata
     * atomically: to a temporary file in the same directory, flushed to disk, renamed over
     * {@code file}, then the directory flushed. A crash leaves the old file or the new one, never part; a failed
     * write (a full disk) removes its temporary file and leaves the old file as it was. The temporary file's name
     * is unique to the call ({@code .NAME.<random>.tmp}). The metadata is written sorted by key, so the same
     * tensors and metadata always give the same bytes.
     */
    public static void writeAll(
            Path file,
            List<String> names,
            List<long[]> shapes,
            List<float[]> data,
            Map<String, String> metadata,
            String doing)
            throws BadFileException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put(METADATA_KEY, new TreeMap<>(metadata)); // sorted: the same tensors and metadata, the same bytes
        long off = 0;
        for (int i = 0; i < names.size(); i++) {
            long bytes = 4L * data.get(i).length;
            header.put(names.get(i), tensorHeader(shapes.get(i), off, off + bytes));
            off += bytes;
        }
        byte[] json;
        try {
            json = SafeTensorsHeader.JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the safetensors header", e);
        }
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        int padded = (json.length + 7) & ~7;
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');

        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            readableByAll(tmp); // createTempFile makes it owner-only; a model file is for sharing
            try (FileChannel ch =
                    FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(head.length)
                        .flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(head));
                ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                for (float[] t : data) {
                    for (float v : t) {
                        if (!buf.hasRemaining()) flush(ch, buf);
                        buf.putFloat(v);
                    }
                }
                flush(ch, buf);
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw BadFileException.wrap(file, doing, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // best effort; the target file is untouched either way
                }
            }
        }
    }

    private static void readableByAll(Path p) {
        try {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: keep the default
        }
    }

    private static Map<String, Object> tensorHeader(long[] shape, long begin, long end) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("dtype", "F32");
        t.put("shape", shape);
        t.put("data_offsets", new long[] {begin, end});
        return t;
    }

    private static void flush(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        writeFully(ch, buf);
        buf.clear();
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not supported on every platform (Windows); the rename is still atomic.
        }
    }

    // ---- reading ---------------------------------------------------------------------------------

    /** The header's {@code __metadata__} (empty if absent). The whole header is validated. */
    public static Map<String, String> readMetadata(Path file) throws BadFileException {
        try (FileChannel ch = open(file)) {
            return Collections.unmodifiableMap(SafeTensorsHeader.parse(file, ch).metadata());
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file", e);
        }
    }

    /**
     * Every tensor in the file, in header order: dtype, shape and, for F32 tensors, the elements
     * (row-major); other dtypes are validated but their data is left null. Values are returned as
     * stored (non-finite ones included).
     */
    public static Map<String, Tensor> readTensors(Path file) throws BadFileException {
        try (FileChannel ch = open(file)) {
            Header h = SafeTensorsHeader.parse(file, ch);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Entry e : h.tensors()) {
                float[] data = e.dtype().equals("F32") ? readF32(file, ch, h, e) : null;
                out.put(e.name(), new Tensor(e.dtype(), e.shape().clone(), data));
            }
            return out;
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file", e);
        }
    }

    /** Opens a file for reading; a missing file or a directory is a {@link BadFileException}. */
    static FileChannel open(Path file) throws BadFileException {
        try {
            if (Files.isDirectory(file)) throw new BadFileException(file, "is a directory, not a safetensors file");
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BadFileException(file, "does not exist", e);
        } catch (IOException e) {
            throw BadFileException.wrap(file, "open the file", e);
        }
    }

    /** Tensor e's F32 elements (row-major), read in chunks. */
    static float[] readF32(Path file, FileChannel ch, Header h, Entry e) throws IOException {
        long count = (e.end() - e.begin()) / 4;
        if (count > Integer.MAX_VALUE - 8)
            throw new BadFileException(file, "tensor '" + e.name() + "' is too large for one array");
        float[] out = new float[(int) count];
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(4, e.end() - e.begin())))
                .order(ByteOrder.LITTLE_ENDIAN);
        long pos = h.dataStart() + e.begin();
        int filled = 0;
        while (filled < out.length) {
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), 4L * (out.length - filled)));
            readFully(file, ch, buf, pos);
            pos += buf.limit();
            buf.flip();
            int got = buf.remaining() / 4;
            buf.asFloatBuffer().get(out, filled, got);
            filled += got;
        }
        return out;
    }

    /** Fills buf from the file at pos; the file ending first is a {@link BadFileException}. */
    static void readFully(Path file, FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0)
                throw new BadFileException(
                        file, "the file ended early while reading (was it truncated while being read?)");
            pos += r;
        }
    }
}
