package dev.jbackprop.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes a network's parameters as a safetensors file in the layout of PyTorch's
 * {@code nn.Linear} layers: {@code layers.{i}.weight} of shape [n_out, n_in] (row-major) and
 * {@code layers.{i}.bias} of shape [n_out], F32 little-endian, plus a string → string
 * {@code __metadata__} map.
 *
 * <p>File format: an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON
 * (padded with spaces), then the data section; each tensor's {@code data_offsets} [begin, end)
 * are relative to the data section, and together the tensors cover it exactly.
 *
 * <p>The readers trust nothing: every size the header claims is checked against the file before
 * memory is allocated for it, and every problem is a {@link BadFileException} naming the file.
 */
public final class SafeTensors {
    /** Headers larger than this are rejected (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    public static final String METADATA_KEY = "__metadata__";

    /** Element sizes in bits of the dtypes the format defines. */
    private static final Map<String, Integer> DTYPE_BITS = dtypes();

    private static final int CHUNK = 1 << 20;

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_HEADER_BYTES)
                            .maxNestingDepth(64)
                            .build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private SafeTensors() {}

    private static Map<String, Integer> dtypes() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("F64", 64);
        m.put("F32", 32);
        m.put("F16", 16);
        m.put("BF16", 16);
        m.put("I64", 64);
        m.put("I32", 32);
        m.put("I16", 16);
        m.put("I8", 8);
        m.put("U64", 64);
        m.put("U32", 32);
        m.put("U16", 16);
        m.put("U8", 8);
        m.put("BOOL", 8);
        m.put("F8_E5M2", 8);
        m.put("F8_E4M3", 8);
        m.put("F8_E8M0", 8);
        m.put("F6_E2M3", 6);
        m.put("F6_E3M2", 6);
        m.put("F4", 4);
        m.put("C64", 64);
        return Collections.unmodifiableMap(m);
    }

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

    /** Name of layer l's weight tensor. */
    public static String weightName(int l) {
        return "layers." + l + ".weight";
    }

    /** Name of layer l's bias tensor. */
    public static String biasName(int l) {
        return "layers." + l + ".bias";
    }

    // ---- writing ---------------------------------------------------------------------------------

    /**
     * Writes {@code params} (laid out by {@code layout}) atomically: to a temporary file in the same
     * directory, flushed to disk, then renamed over {@code file}. The metadata gets
     * {@code "format": "pt"} unless it names a format (Hugging Face tools expect it).
     *
     * @throws IllegalArgumentException if {@code params} does not fit the layout or holds a non-finite value
     * @throws BadFileException if the file cannot be written
     */
    public static void write(Path file, ParamLayout layout, float[] params, Map<String, String> metadata)
            throws BadFileException {
        if (params.length != layout.total()) {
            throw new IllegalArgumentException(
                    "parameter block has " + params.length + " values but the layout needs " + layout.total());
        }
        for (int l = 0; l < layout.layers(); l++) {
            checkFinite(layout, params, l);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        if (metadata != null) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null)
                    throw new IllegalArgumentException("metadata keys and values must not be null");
                meta.put(e.getKey(), e.getValue());
            }
        }
        meta.putIfAbsent("format", "pt");

        List<String> names = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        for (int l = 0; l < layout.layers(); l++) {
            names.add(weightName(l));
            shapes.add(new long[] {layout.nOut(l), layout.nIn(l)});
            data.add(rowMajorWeights(layout, params, l));
            names.add(biasName(l));
            shapes.add(new long[] {layout.nOut(l)});
            int b = (int) layout.biasOffset(l);
            data.add(Arrays.copyOfRange(params, b, b + layout.nOut(l)));
        }
        writeAll(file, names, shapes, data, meta, "write the safetensors file");
    }

    /** Layer l's weights, column-major in the block, as the row-major [n_out, n_in] array PyTorch stores. */
    public static float[] rowMajorWeights(ParamLayout layout, float[] block, int l) {
        int nIn = layout.nIn(l), nOut = layout.nOut(l), w = (int) layout.weightOffset(l);
        float[] out = new float[nIn * nOut];
        for (int j = 0; j < nOut; j++) {
            for (int k = 0; k < nIn; k++) out[j * nIn + k] = block[w + k * nOut + j];
        }
        return out;
    }

    /**
     * Writes F32 tensors (names[i] of shapes[i], row-major values data[i]) and string metadata
     * atomically: to a temporary file in the same directory, flushed to disk, renamed over
     * {@code file}, then the directory flushed. A crash leaves the old file or the new one, never part.
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
        header.put(METADATA_KEY, metadata);
        long off = 0;
        for (int i = 0; i < names.size(); i++) {
            long bytes = 4L * data.get(i).length;
            header.put(names.get(i), tensorHeader(shapes.get(i), off, off + bytes));
            off += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
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

    private static void checkFinite(ParamLayout layout, float[] p, int l) {
        int nOut = layout.nOut(l);
        for (int k = 0; k < layout.nIn(l); k++) {
            for (int j = 0; j < nOut; j++) {
                float v = p[(int) layout.w(l, j, k)];
                if (!Float.isFinite(v))
                    throw new IllegalArgumentException(
                            "refusing to save: " + weightName(l) + "[" + j + ", " + k + "] is " + v);
            }
        }
        for (int j = 0; j < nOut; j++) {
            float v = p[(int) layout.b(l, j)];
            if (!Float.isFinite(v))
                throw new IllegalArgumentException("refusing to save: " + biasName(l) + "[" + j + "] is " + v);
        }
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

    /**
     * Reads the parameters of the network {@code expected} describes, in its layout (weights
     * column-major). The file must hold exactly the tensors layers.{i}.weight [n_out, n_in] and
     * layers.{i}.bias [n_out], all F32 and finite.
     */
    public static float[] read(Path file, ParamLayout expected) throws BadFileException {
        try (FileChannel ch = open(file)) {
            Header h = parseHeader(file, ch);
            Map<String, Entry> byName = new LinkedHashMap<>();
            for (Entry e : h.tensors) byName.put(e.name, e);
            String want = ParamLayout.sizesText(expected.sizes());
            Set<String> expectedNames = new HashSet<>();
            for (int l = 0; l < expected.layers(); l++) {
                expectedNames.add(weightName(l));
                expectedNames.add(biasName(l));
                checkTensor(
                        file,
                        h,
                        byName.get(weightName(l)),
                        weightName(l),
                        new long[] {expected.nOut(l), expected.nIn(l)},
                        want);
                checkTensor(file, h, byName.get(biasName(l)), biasName(l), new long[] {expected.nOut(l)}, want);
            }
            for (Entry e : h.tensors) {
                if (!expectedNames.contains(e.name)) {
                    throw new BadFileException(
                            file,
                            "holds tensor '" + e.name + "' " + e.dtype + Arrays.toString(e.shape) + " that a " + want
                                    + " network does not have; " + seems(h));
                }
            }
            if (expected.total() > Integer.MAX_VALUE - 8) {
                throw new BadFileException(file, "a " + want + " network has too many parameters for one array");
            }
            float[] params = new float[(int) expected.total()];
            for (int l = 0; l < expected.layers(); l++) {
                int nIn = expected.nIn(l);
                int nOut = expected.nOut(l);
                float[] w = readF32(file, ch, h, byName.get(weightName(l)));
                int wOff = (int) expected.weightOffset(l);
                for (int j = 0; j < nOut; j++) {
                    for (int k = 0; k < nIn; k++) {
                        float v = w[j * nIn + k];
                        if (!Float.isFinite(v)) {
                            throw new BadFileException(
                                    file,
                                    "tensor '" + weightName(l) + "' element [" + j + ", " + k + "] (index "
                                            + (j * nIn + k) + ") is " + v + "; the saved network had diverged");
                        }
                        params[wOff + k * nOut + j] = v;
                    }
                }
                float[] b = readF32(file, ch, h, byName.get(biasName(l)));
                int bOff = (int) expected.biasOffset(l);
                for (int j = 0; j < nOut; j++) {
                    if (!Float.isFinite(b[j])) {
                        throw new BadFileException(
                                file,
                                "tensor '" + biasName(l) + "' element [" + j + "] is " + b[j]
                                        + "; the saved network had diverged");
                    }
                    params[bOff + j] = b[j];
                }
            }
            return params;
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file", e);
        }
    }

    private static void checkTensor(Path file, Header h, Entry e, String name, long[] shape, String want)
            throws BadFileException {
        if (e == null) {
            throw new BadFileException(
                    file, "has no tensor '" + name + "' that a " + want + " network needs; " + seems(h));
        }
        if (!e.dtype.equals("F32")) {
            throw new BadFileException(
                    file,
                    "tensor '" + name + "' has dtype " + e.dtype + "; parameters must be F32 "
                            + "(in PyTorch, save model.float().state_dict())");
        }
        if (!Arrays.equals(e.shape, shape)) {
            throw new BadFileException(
                    file,
                    "tensor '" + name + "' has shape " + Arrays.toString(e.shape) + ", expected "
                            + Arrays.toString(shape) + " for a " + want + " network; " + seems(h));
        }
    }

    /** The header's {@code __metadata__} (empty if absent). The whole header is validated. */
    public static Map<String, String> readMetadata(Path file) throws BadFileException {
        try (FileChannel ch = open(file)) {
            return Collections.unmodifiableMap(parseHeader(file, ch).metadata);
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
            Header h = parseHeader(file, ch);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Entry e : h.tensors) {
                float[] data = e.dtype.equals("F32") ? readF32(file, ch, h, e) : null;
                out.put(e.name, new Tensor(e.dtype, e.shape.clone(), data));
            }
            return out;
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file", e);
        }
    }

    /**
     * The layer sizes n_1 … n_L of the network the file holds, from the shapes of its
     * layers.{i}.weight tensors.
     *
     * @throws BadFileException if the file is invalid or its tensors do not form such a network
     */
    public static int[] readSizes(Path file) throws BadFileException {
        try (FileChannel ch = open(file)) {
            Header h = parseHeader(file, ch);
            int[] sizes = inferSizes(h);
            if (sizes == null) {
                throw new BadFileException(
                        file,
                        "its tensors do not form a chain of layers.{i}.weight [n_out, n_in] and "
                                + "layers.{i}.bias [n_out]; it holds " + listTensors(h));
            }
            return sizes;
        } catch (IOException e) {
            throw BadFileException.wrap(file, "read the file", e);
        }
    }

    // ---- header parsing --------------------------------------------------------------------------

    private record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    private record Header(long dataStart, long dataLength, Map<String, String> metadata, List<Entry> tensors) {}

    private static FileChannel open(Path file) throws BadFileException {
        try {
            if (Files.isDirectory(file)) throw new BadFileException(file, "is a directory, not a safetensors file");
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BadFileException(file, "does not exist", e);
        } catch (IOException e) {
            throw BadFileException.wrap(file, "open the file", e);
        }
    }

    private static Header parseHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new BadFileException(
                    file, "truncated: " + size + " bytes, but a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new BadFileException(
                    file,
                    "header length " + Long.toUnsignedString(n) + " is above the " + MAX_HEADER_BYTES
                            + "-byte limit; this is not a safetensors file, or it is corrupt");
        }
        if (n > size - 8) {
            throw new BadFileException(
                    file,
                    "truncated: the header length is " + n + " bytes but only " + (size - 8)
                            + " bytes follow the length field");
        }
        if (n < 2) throw new BadFileException(file, "header of " + n + " bytes cannot hold a JSON object");
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(file, ch, hb, 8);
        hb.flip();
        String text;
        try {
            CharBuffer cb = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(hb);
            text = cb.toString();
        } catch (CharacterCodingException e) {
            throw new BadFileException(
                    file, "header is not valid UTF-8; this is not a safetensors file, or it is corrupt", e);
        }
        if (!text.startsWith("{")) {
            throw new BadFileException(
                    file, "header does not start with '{'; this is not a safetensors file, or it is corrupt");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
            throw new BadFileException(
                    file,
                    "header is not valid JSON (" + e.getOriginalMessage() + (at >= 0 ? " at character " + at : "")
                            + ")",
                    e);
        }
        if (root == null || !root.isObject()) throw new BadFileException(file, "header is not a JSON object");

        long dataStart = 8 + n;
        long dataLength = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject())
                    throw new BadFileException(file, "header field " + METADATA_KEY + " must be an object of strings");
                for (Map.Entry<String, JsonNode> kv : v.properties()) {
                    if (!kv.getValue().isTextual()) {
                        throw new BadFileException(file, METADATA_KEY + " entry '" + kv.getKey() + "' is not a string");
                    }
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            tensors.add(parseTensor(file, name, v, dataLength));
        }
        checkCoverage(file, tensors, dataLength);
        return new Header(dataStart, dataLength, metadata, tensors);
    }

    private static Entry parseTensor(Path file, String name, JsonNode v, long dataLength) throws BadFileException {
        String where = "tensor '" + name + "'";
        if (!v.isObject())
            throw new BadFileException(file, where + " is not an object with dtype, shape and data_offsets");
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) throw new BadFileException(file, where + " has no dtype string");
        String dtype = dt.textValue();
        Integer bits = DTYPE_BITS.get(dtype);
        if (bits == null) {
            throw new BadFileException(
                    file,
                    where + " has unknown dtype '" + dtype + "'; known: " + String.join(", ", DTYPE_BITS.keySet()));
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) throw new BadFileException(file, where + " has no shape array");
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = nonNegative(file, sh.get(i), where + " shape[" + i + "]");
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2)
            throw new BadFileException(file, where + " has no data_offsets [begin, end]");
        long begin = nonNegative(file, off.get(0), where + " data_offsets begin");
        long end = nonNegative(file, off.get(1), where + " data_offsets end");
        if (end < begin)
            throw new BadFileException(
                    file, where + " data_offsets [" + begin + ", " + end + "] end before they begin");
        if (end > dataLength) {
            throw new BadFileException(
                    file,
                    where + " data_offsets [" + begin + ", " + end + "] reach beyond the " + dataLength
                            + "-byte data section (truncated file?)");
        }
        long totalBits = bits;
        try {
            for (long s : shape) totalBits = Math.multiplyExact(totalBits, s);
        } catch (ArithmeticException e) {
            throw new BadFileException(file, where + " shape " + Arrays.toString(shape) + " is too large (overflows)");
        }
        if (totalBits % 8 != 0) {
            throw new BadFileException(
                    file,
                    where + " " + dtype + Arrays.toString(shape) + " is " + totalBits
                            + " bits, not a whole number of bytes");
        }
        if (totalBits / 8 != end - begin) {
            throw new BadFileException(
                    file,
                    where + " " + dtype + Arrays.toString(shape) + " needs " + totalBits / 8
                            + " bytes but its data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long nonNegative(Path file, JsonNode n, String what) throws BadFileException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new BadFileException(file, what + " must be a non-negative whole number, got " + n);
        }
        return n.longValue();
    }

    /** The tensors must tile the data section: no overlap, no gap, nothing left over. */
    private static void checkCoverage(Path file, List<Entry> tensors, long dataLength) throws BadFileException {
        List<Entry> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long pos = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.begin < pos) {
                throw new BadFileException(
                        file,
                        "tensor '" + e.name + "' data_offsets [" + e.begin + ", " + e.end + "] overlap those of '"
                                + prev.name + "' [" + prev.begin + ", " + prev.end + "]");
            }
            if (e.begin > pos) {
                throw new BadFileException(
                        file,
                        "gap of " + (e.begin - pos) + " bytes in the data section before tensor '" + e.name
                                + "' (data_offsets begin " + e.begin + ")");
            }
            pos = e.end;
            prev = e;
        }
        if (pos != dataLength) {
            throw new BadFileException(
                    file,
                    "the tensors cover " + pos + " bytes but the data section holds " + dataLength + "; "
                            + (dataLength - pos) + " bytes of trailing data");
        }
    }

    private static float[] readF32(Path file, FileChannel ch, Header h, Entry e) throws IOException {
        long count = (e.end - e.begin) / 4;
        if (count > Integer.MAX_VALUE - 8)
            throw new BadFileException(file, "tensor '" + e.name + "' is too large for one array");
        float[] out = new float[(int) count];
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(4, e.end - e.begin)))
                .order(ByteOrder.LITTLE_ENDIAN);
        long pos = h.dataStart + e.begin;
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

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0)
                throw new BadFileException(
                        file, "the file ended early while reading (was it truncated while being read?)");
            pos += r;
        }
    }

    // ---- describing what a file holds ------------------------------------------------------------

    private static int[] inferSizes(Header h) {
        Map<String, Entry> byName = new LinkedHashMap<>();
        for (Entry e : h.tensors) byName.put(e.name, e);
        int layers = 0;
        while (byName.containsKey(weightName(layers))) layers++;
        if (layers == 0 || byName.size() != 2 * layers) return null;
        int[] sizes = new int[layers + 1];
        for (int l = 0; l < layers; l++) {
            Entry w = byName.get(weightName(l));
            Entry b = byName.get(biasName(l));
            if (b == null || w.shape.length != 2 || b.shape.length != 1 || b.shape[0] != w.shape[0]) return null;
            if (w.shape[0] < 1 || w.shape[1] < 1 || w.shape[0] > Integer.MAX_VALUE || w.shape[1] > Integer.MAX_VALUE)
                return null;
            if (l == 0) sizes[0] = (int) w.shape[1];
            else if (w.shape[1] != sizes[l]) return null;
            sizes[l + 1] = (int) w.shape[0];
        }
        return sizes;
    }

    private static String seems(Header h) {
        int[] s = inferSizes(h);
        return s != null
                ? "the file seems to hold a " + ParamLayout.sizesText(s) + " network"
                : "the file holds " + listTensors(h);
    }

    private static String listTensors(Header h) {
        if (h.tensors.isEmpty()) return "no tensors";
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (Entry e : h.tensors) {
            if (shown == 8) {
                sb.append(", … (").append(h.tensors.size()).append(" tensors)");
                break;
            }
            sb.append(shown == 0 ? "" : ", ")
                    .append(e.name)
                    .append(' ')
                    .append(e.dtype)
                    .append(Arrays.toString(e.shape));
            shown++;
        }
        return sb.toString();
    }
}
