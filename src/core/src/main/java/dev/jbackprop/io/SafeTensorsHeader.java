package dev.jbackprop.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors header, parsed and checked: an unsigned 64-bit little-endian length N, then N bytes of UTF-8
 * JSON naming each tensor's dtype, shape and {@code data_offsets} [begin, end) relative to the data section,
 * plus a string → string {@code __metadata__} map. Every size the header claims is checked against the file
 * (and the tensors must tile the data section exactly) before anything is allocated for it.
 */
final class SafeTensorsHeader {
    /** Element sizes in bits of the dtypes the format defines. */
    static final Map<String, Integer> DTYPE_BITS = dtypes();

    static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) SafeTensors.MAX_HEADER_BYTES)
                            .maxNestingDepth(64)
                            .build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** One tensor's header entry; begin and end are offsets into the data section. */
    record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    /** The parsed header: where the data section starts, its length, the metadata and the tensors in order. */
    record Header(long dataStart, long dataLength, Map<String, String> metadata, List<Entry> tensors) {}

    private SafeTensorsHeader() {}

    static Map<String, Integer> dtypes() {
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

    /** Reads and checks the header of the file open on ch. */
    static Header parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new BadFileException(
                    file, "truncated: " + size + " bytes, but a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        SafeTensors.readFully(file, ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n < 0 || n > SafeTensors.MAX_HEADER_BYTES) {
            throw new BadFileException(
                    file,
                    "header length " + Long.toUnsignedString(n) + " is above the " + SafeTensors.MAX_HEADER_BYTES
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
        SafeTensors.readFully(file, ch, hb, 8);
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
            if (name.equals(SafeTensors.METADATA_KEY)) {
                if (!v.isObject())
                    throw new BadFileException(
                            file, "header field " + SafeTensors.METADATA_KEY + " must be an object of strings");
                for (Map.Entry<String, JsonNode> kv : v.properties()) {
                    if (!kv.getValue().isTextual()) {
                        throw new BadFileException(
                                file, SafeTensors.METADATA_KEY + " entry '" + kv.getKey() + "' is not a string");
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
}
