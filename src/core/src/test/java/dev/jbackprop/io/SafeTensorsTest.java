package dev.jbackprop.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbackprop.model.ParamLayout;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static float[] randomParams(ParamLayout layout, Random r) {
        float[] p = new float[(int) layout.total()];
        for (int i = 0; i < p.length; i++) p[i] = (float) r.nextGaussian();
        return p;
    }

    private static int[] randomSizes(Random r) {
        int[] s = new int[2 + r.nextInt(4)];
        for (int i = 0; i < s.length; i++) s[i] = r.nextInt(3) == 0 ? 1 : 1 + r.nextInt(17);
        return s;
    }

    @Test
    void roundTripsRandomLayouts() throws IOException {
        Random r = new Random(42);
        for (int trial = 0; trial < 40; trial++) {
            int[] sizes = trial == 0 ? new int[] {1, 1} : trial == 1 ? new int[] {5, 1, 1, 7} : randomSizes(r);
            ParamLayout layout = new ParamLayout(sizes);
            float[] p = randomParams(layout, r);
            Path f = dir.resolve("net" + trial + ".safetensors");
            ModelFile.write(f, layout, p, Map.of("trial", Integer.toString(trial)));
            assertArrayEquals(p, ModelFile.read(f, layout), Arrays.toString(sizes));
            assertArrayEquals(sizes, ModelFile.readSizes(f));
            assertEquals(Integer.toString(trial), SafeTensors.readMetadata(f).get("trial"));
            Map<String, SafeTensors.Tensor> t = SafeTensors.readTensors(f);
            assertEquals(2 * layout.layers(), t.size());
            for (int l = 0; l < layout.layers(); l++) {
                SafeTensors.Tensor w = t.get("layers." + l + ".weight");
                assertArrayEquals(new long[] {layout.nOut(l), layout.nIn(l)}, w.shape());
                for (int j = 0; j < layout.nOut(l); j++) {
                    for (int k = 0; k < layout.nIn(l); k++) {
                        assertEquals(
                                p[(int) layout.w(l, j, k)],
                                w.data()[j * layout.nIn(l) + k],
                                "W(" + j + "," + k + ") of layer " + l);
                    }
                }
                SafeTensors.Tensor b = t.get("layers." + l + ".bias");
                assertArrayEquals(
                        Arrays.copyOfRange(p, (int) layout.biasOffset(l), (int) layout.biasOffset(l) + layout.nOut(l)),
                        b.data());
            }
        }
    }

    @Test
    void bytesFollowTheSpecWithRowMajorWeights() throws IOException {
        ParamLayout layout = new ParamLayout(new int[] {3, 2, 4});
        float[] p = randomParams(layout, new Random(1));
        Path f = dir.resolve("spec.safetensors");
        ModelFile.write(f, layout, p, Map.of("config", "{\"layers\": [3, 2, 4], \"note\": \"é\"}"));
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        assertEquals(0, (8 + n) % 8, "data section 8-byte aligned");
        assertEquals(8 + n + 4 * layout.total(), bytes.length);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"), header);
        JsonNode h = JSON.readTree(header);
        assertEquals(
                "{\"layers\": [3, 2, 4], \"note\": \"é\"}",
                h.get("__metadata__").get("config").asText());
        assertEquals("pt", h.get("__metadata__").get("format").asText());
        List<String> names = new ArrayList<>();
        h.fieldNames().forEachRemaining(names::add);
        assertEquals(
                List.of("__metadata__", "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"), names);
        long expectBegin = 0;
        for (int l = 0; l < 2; l++) {
            JsonNode w = h.get("layers." + l + ".weight");
            assertEquals("F32", w.get("dtype").asText());
            assertEquals(layout.nOut(l), w.get("shape").get(0).asInt());
            assertEquals(layout.nIn(l), w.get("shape").get(1).asInt());
            long begin = w.get("data_offsets").get(0).asLong();
            assertEquals(expectBegin, begin);
            assertEquals(
                    begin + 4L * layout.nOut(l) * layout.nIn(l),
                    w.get("data_offsets").get(1).asLong());
            for (int j = 0; j < layout.nOut(l); j++) {
                for (int k = 0; k < layout.nIn(l); k++) {
                    // row-major [n_out, n_in]: element (j, k) at j·n_in + k
                    float stored = bb.getFloat((int) (8 + n + begin + 4L * (j * layout.nIn(l) + k)));
                    assertEquals(p[(int) layout.w(l, j, k)], stored, "layer " + l + " W(" + j + "," + k + ")");
                }
            }
            JsonNode b = h.get("layers." + l + ".bias");
            assertEquals(1, b.get("shape").size());
            assertEquals(layout.nOut(l), b.get("shape").get(0).asInt());
            long bBegin = b.get("data_offsets").get(0).asLong();
            assertEquals(w.get("data_offsets").get(1).asLong(), bBegin);
            for (int j = 0; j < layout.nOut(l); j++) {
                assertEquals(p[(int) layout.b(l, j)], bb.getFloat((int) (8 + n + bBegin + 4L * j)));
            }
            expectBegin = b.get("data_offsets").get(1).asLong();
        }
    }

    @Test
    void writeIsAtomicAndReplaces() throws IOException {
        ParamLayout layout = new ParamLayout(new int[] {2, 3});
        Path f = dir.resolve("m.safetensors");
        ModelFile.write(f, layout, randomParams(layout, new Random(1)), null);
        float[] second = randomParams(layout, new Random(2));
        ModelFile.write(f, layout, second, Map.of());
        assertArrayEquals(second, ModelFile.read(f, layout));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList(), "no temporary files left");
        }
        float[] bad = second.clone();
        bad[4] = Float.NaN;
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ModelFile.write(f, layout, bad, null));
        assertTrue(e.getMessage().contains("layers.0.weight[1, 1] is NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelFile.write(f, layout, new float[3], null));
        assertArrayEquals(second, ModelFile.read(f, layout), "a refused write leaves the old file");
        BadFileException w = assertThrows(
                BadFileException.class,
                () -> ModelFile.write(dir.resolve("no/such/dir/m.safetensors"), layout, second, null));
        assertTrue(w.getMessage().contains("cannot write"), w.getMessage());
    }

    // ---- rejections --------------------------------------------------------------------------------

    private int files;

    private Path raw(byte[] bytes) throws IOException {
        Path p = dir.resolve("bad" + (files++) + ".safetensors");
        Files.write(p, bytes);
        return p;
    }

    private Path craft(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return raw(b.array());
    }

    private static String t(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    private static BadFileException rejects(Path f, String fragment) {
        BadFileException e = assertThrows(BadFileException.class, () -> SafeTensors.readTensors(f));
        check(f, fragment, e);
        return e;
    }

    private static void check(Path f, String fragment, BadFileException e) {
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }

    @Test
    void rejectsTruncatedAndOversizedHeaders() throws IOException {
        rejects(raw(new byte[5]), "truncated: 5 bytes");
        ByteBuffer b = ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        rejects(raw(b.array()), "truncated: the header length is 1000 bytes but only 10 bytes follow");
        Path huge = raw(ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(99_000_000)
                .array());
        Path above = raw(ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(200_000_000)
                .array());
        Path max = raw(ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(-1)
                .array());
        long before = allocated();
        rejects(huge, "truncated");
        rejects(above, "above the 100000000-byte limit");
        rejects(max, "header length 18446744073709551615");
        assertTrue(
                allocated() - before < 1 << 20, "claimed sizes were allocated: " + (allocated() - before) + " bytes");
        // a real file cut short: its last tensor now reaches past the end
        ParamLayout layout = new ParamLayout(new int[] {3, 2});
        Path ok = dir.resolve("ok.safetensors");
        ModelFile.write(ok, layout, new float[(int) layout.total()], null);
        byte[] full = Files.readAllBytes(ok);
        Path cut = raw(Arrays.copyOf(full, full.length - 4));
        rejects(cut, "reach beyond the");
        check(cut, "reach beyond", assertThrows(BadFileException.class, () -> ModelFile.read(cut, layout)));
        rejects(raw(Arrays.copyOf(full, 20)), "truncated");
    }

    @Test
    void rejectsHeadersThatAreNotAnObjectOfTensors() throws IOException {
        rejects(craft("{not json}", 0), "not valid JSON");
        rejects(craft("[1, 2]    ", 0), "does not start with '{'");
        rejects(craft("{}  x", 0), "not valid JSON");
        rejects(craft("{\"a\": 3}", 0), "tensor 'a' is not an object");
        rejects(craft("{\"a\": {\"shape\": [], \"data_offsets\": [0, 4]}}", 4), "tensor 'a' has no dtype");
        rejects(craft("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4), "tensor 'a' has no shape array");
        rejects(
                craft("{" + t("a", "F32", "[-1]", 0, 4) + "}", 4),
                "shape[0] must be a non-negative whole number, got -1");
        rejects(
                craft("{" + t("a", "F32", "[1.5]", 0, 4) + "}", 4),
                "shape[0] must be a non-negative whole number, got 1.5");
        rejects(craft("{" + t("a", "F32", "[\"1\"]", 0, 4) + "}", 4), "must be a non-negative whole number");
        rejects(
                craft("{" + t("a", "F32", "[99999999999999999999999]", 0, 4) + "}", 4),
                "must be a non-negative whole number");
        rejects(
                craft("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4),
                "no data_offsets [begin, end]");
        rejects(craft("{" + t("a", "F32", "[0]", 4, 0) + "}", 4), "end before they begin");
        rejects(craft("{\"__metadata__\": {\"k\": 1}}", 0), "__metadata__ entry 'k' is not a string");
        rejects(craft("{\"__metadata__\": [\"k\"]}", 0), "__metadata__ must be an object of strings");
        rejects(craft("{" + t("a", "F32", "[1]", 0, 4) + "," + t("a", "F32", "[1]", 0, 4) + "}", 4), "Duplicate");
        byte[] h = "{\"\u00e9\":1}".getBytes(StandardCharsets.UTF_8);
        h[3] = (byte) 0xff;
        rejects(
                raw(ByteBuffer.allocate(8 + h.length)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(h.length)
                        .put(h)
                        .array()),
                "not valid UTF-8");
        rejects(craft("{\"a\":" + "[".repeat(200) + "]".repeat(200) + "}", 0), "not valid JSON");
    }

    @Test
    void rejectsBadOffsetsAndSizes() throws IOException {
        rejects(
                craft("{" + t("a", "F32", "[2]", 0, 8) + "}", 4),
                "data_offsets [0, 8] reach beyond the 4-byte data section");
        rejects(
                craft("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 4, 12) + "}", 12),
                "tensor 'b' data_offsets [4, 12] overlap those of 'a' [0, 8]");
        rejects(
                craft("{" + t("a", "F32", "[1]", 0, 4) + "," + t("b", "F32", "[1]", 8, 12) + "}", 12),
                "gap of 4 bytes in the data section before tensor 'b'");
        rejects(craft("{" + t("b", "F32", "[1]", 4, 8) + "}", 8), "gap of 4 bytes");
        rejects(craft("{" + t("a", "F32", "[1]", 0, 4) + "}", 8), "4 bytes of trailing data");
        rejects(craft("{}", 3), "3 bytes of trailing data");
        rejects(
                craft("{" + t("a", "F32", "[3]", 0, 8) + "}", 8),
                "tensor 'a' F32[3] needs 12 bytes but its data_offsets [0, 8] span 8");
        rejects(craft("{" + t("a", "F32", "[4611686018427387904, 4]", 0, 8) + "}", 8), "is too large (overflows)");
        rejects(craft("{" + t("a", "F4", "[3]", 0, 2) + "}", 2), "12 bits, not a whole number of bytes");
        rejects(craft("{" + t("a", "F33", "[1]", 0, 4) + "}", 4), "unknown dtype 'F33'; known: F64, F32, F16, BF16");
        // valid oddities: scalars, empty tensors, other dtypes
        Map<String, SafeTensors.Tensor> ok = SafeTensors.readTensors(craft(
                "{" + t("s", "F32", "[]", 0, 4) + "," + t("e", "F32", "[0, 5]", 4, 4) + ","
                        + t("h", "BF16", "[2]", 4, 8) + "}  ",
                8));
        assertEquals(1, ok.get("s").data().length);
        assertEquals(0, ok.get("e").data().length);
        assertNull(ok.get("h").data());
        assertEquals("BF16", ok.get("h").dtype());
    }

    @Test
    void rejectsFilesThatDoNotMatchTheNetwork() throws IOException {
        ParamLayout net = new ParamLayout(new int[] {3, 2});
        Path f42 = dir.resolve("f42.safetensors");
        ModelFile.write(f42, new ParamLayout(new int[] {4, 2}), new float[10], null);
        BadFileException e = assertThrows(BadFileException.class, () -> ModelFile.read(f42, net));
        check(
                f42,
                "tensor 'layers.0.weight' has shape [2, 4], expected [2, 3] for a 3,2 network; the file seems to hold a 4,2 network",
                e);

        ParamLayout deeper = new ParamLayout(new int[] {3, 2, 1});
        Path f32 = dir.resolve("f32.safetensors");
        ModelFile.write(f32, net, new float[8], null);
        e = assertThrows(BadFileException.class, () -> ModelFile.read(f32, deeper));
        check(
                f32,
                "has no tensor 'layers.1.weight' that a 3,2,1 network needs; the file seems to hold a 3,2 network",
                e);

        Path extra = craft(
                "{" + t("layers.0.weight", "F32", "[2, 3]", 0, 24) + "," + t("layers.0.bias", "F32", "[2]", 24, 32)
                        + "," + t("step", "I64", "[]", 32, 40) + "}",
                40);
        e = assertThrows(BadFileException.class, () -> ModelFile.read(extra, net));
        check(extra, "holds tensor 'step' I64[] that a 3,2 network does not have", e);
        e = assertThrows(BadFileException.class, () -> ModelFile.readSizes(extra));
        check(extra, "do not form a chain", e);

        Path half = craft(
                "{" + t("layers.0.weight", "F16", "[2, 3]", 0, 12) + "," + t("layers.0.bias", "F16", "[2]", 12, 16)
                        + "}",
                16);
        e = assertThrows(BadFileException.class, () -> ModelFile.read(half, net));
        check(half, "tensor 'layers.0.weight' has dtype F16; parameters must be F32", e);
        assertArrayEquals(new int[] {3, 2}, ModelFile.readSizes(half));
    }

    @Test
    void rejectsNonFiniteWeights() throws IOException {
        ParamLayout layout = new ParamLayout(new int[] {3, 2, 1});
        float[] p = randomParams(layout, new Random(7));
        Path f = dir.resolve("nan.safetensors");
        ModelFile.write(f, layout, p, null);
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long data = 8 + bb.getLong(0);
        // layers.0.weight element (1, 0) is at row-major index 1·3 + 0 = 3
        bb.putFloat((int) (data + 4 * 3), Float.NaN);
        Path nan = raw(bytes);
        BadFileException e = assertThrows(BadFileException.class, () -> ModelFile.read(nan, layout));
        check(nan, "tensor 'layers.0.weight' element [1, 0] (index 3) is NaN", e);
        // the last bias, after layers.0.weight (6), layers.0.bias (2) and layers.1.weight (2) in file order
        byte[] b2 = Files.readAllBytes(f);
        ByteBuffer.wrap(b2).order(ByteOrder.LITTLE_ENDIAN).putFloat((int) (data + 4 * 10), Float.NEGATIVE_INFINITY);
        Path inf = raw(b2);
        e = assertThrows(BadFileException.class, () -> ModelFile.read(inf, layout));
        check(inf, "tensor 'layers.1.bias' element [0] is -Infinity", e);
        // tooling sees the stored values as they are
        assertTrue(
                Float.isNaN(SafeTensors.readTensors(nan).get("layers.0.weight").data()[3]));
    }

    @Test
    void missingFileAndDirectory() {
        Path missing = dir.resolve("none.safetensors");
        check(missing, "does not exist", assertThrows(BadFileException.class, () -> SafeTensors.readMetadata(missing)));
        check(dir, "is a directory", assertThrows(BadFileException.class, () -> SafeTensors.readMetadata(dir)));
    }

    @Test
    void randomCorruptionOnlyEverGivesBadFileException() throws IOException {
        ParamLayout layout = new ParamLayout(new int[] {4, 3, 2});
        Path good = dir.resolve("good.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("config", "{\"a\": 1}");
        ModelFile.write(good, layout, randomParams(layout, new Random(3)), meta);
        byte[] orig = Files.readAllBytes(good);
        Random r = new Random(99);
        int rejected = 0;
        for (int trial = 0; trial < 600; trial++) {
            byte[] b = r.nextInt(5) == 0 ? Arrays.copyOf(orig, r.nextInt(orig.length)) : orig.clone();
            int hits = 1 + r.nextInt(3);
            for (int k = 0; k < hits && b.length > 0; k++) {
                // mostly hit the length field and the header, where the structure is
                int at = r.nextBoolean() ? r.nextInt(Math.min(b.length, 8 + 200)) : r.nextInt(b.length);
                b[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : "{}[]\",:0123456789-e. ".charAt(r.nextInt(21)));
            }
            Path p = raw(b);
            try {
                SafeTensors.readTensors(p);
                SafeTensors.readMetadata(p);
                ModelFile.read(p, layout);
            } catch (BadFileException e) {
                assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
                rejected++;
            }
            Files.delete(p);
        }
        assertTrue(rejected > 300, "most corruptions should be caught, got " + rejected);
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
