package dev.jbackprop.fuzz;

import dev.jbackprop.data.Idx;
import dev.jbackprop.io.ModelFile;
import dev.jbackprop.model.ParamLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the fuzzers' seed corpora: small valid files, each under 4 KiB (libFuzzer's default
 * input size limit). After changing it, run from the repository root:
 * {@code mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt &&
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.jbackprop.fuzz.SeedCorpus}
 * (SeedCorpusTest checks that the committed files are valid).
 */
public final class SeedCorpus {
    static final Path ROOT = Path.of("src/test/resources/dev/jbackprop/fuzz");
    static final Path IDX = ROOT.resolve("IdxFuzzTestInputs/fuzzIdx");
    static final Path SAFETENSORS = ROOT.resolve("SafeTensorsFuzzTestInputs/fuzzSafeTensors");

    private SeedCorpus() {}

    public static void main(String[] args) throws IOException {
        Files.createDirectories(IDX);
        Files.createDirectories(SAFETENSORS);
        Random r = new Random(7);

        byte[] small = images(3, 2, 3, new byte[] {
            0, 1, 2, 3, 4, 5, (byte) 255, (byte) 128, 0, 0, 0, 0, 10, 20, 30, 40, 50, (byte) 200
        });
        byte[] digit = new byte[28 * 28];
        for (int i = 0; i < digit.length; i++)
            digit[i] = (byte) (Math.abs(i % 28 - 14) + Math.abs(i / 28 - 14) < 9 ? 255 : 0);
        byte[] noisy = new byte[5 * 4 * 4];
        r.nextBytes(noisy);
        byte[] labels3 = labels(new byte[] {7, 0, 9});
        byte[] labels10 = labels(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        Files.write(IDX.resolve("images-3x2x3.idx"), small);
        Files.write(IDX.resolve("images-3x2x3.idx.gz"), gzip(small));
        Files.write(IDX.resolve("images-1x28x28.idx"), images(1, 28, 28, digit));
        Files.write(IDX.resolve("images-5x4x4.idx.gz"), gzip(images(5, 4, 4, noisy)));
        Files.write(IDX.resolve("labels-3.idx"), labels3);
        Files.write(IDX.resolve("labels-3.idx.gz"), gzip(labels3));
        Files.write(IDX.resolve("labels-10.idx"), labels10);

        net(SAFETENSORS.resolve("net-2-1.safetensors"), new int[] {2, 1}, meta(), r);
        net(
                SAFETENSORS.resolve("net-4-3-2.safetensors"),
                new int[] {4, 3, 2},
                meta("epochs", "3", "config", "{\"lr\": 0.1}"),
                r);
        net(SAFETENSORS.resolve("net-5-4-3-2.safetensors"), new int[] {5, 4, 3, 2}, meta("name", "three layers"), r);
        Files.write(SAFETENSORS.resolve("dtypes.safetensors"), dtypes());
    }

    static byte[] images(int count, int rows, int cols, byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length)
                .putInt(Idx.IMAGES_MAGIC)
                .putInt(count)
                .putInt(rows)
                .putInt(cols)
                .put(pixels)
                .array();
    }

    static byte[] labels(byte[] labels) {
        return ByteBuffer.allocate(8 + labels.length)
                .putInt(Idx.LABELS_MAGIC)
                .putInt(labels.length)
                .put(labels)
                .array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(data);
        }
        return bos.toByteArray();
    }

    private static Map<String, String> meta(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    private static void net(Path file, int[] sizes, Map<String, String> meta, Random r) throws IOException {
        ParamLayout layout = new ParamLayout(sizes);
        float[] p = new float[(int) layout.total()];
        for (int i = 0; i < p.length; i++) p[i] = (float) r.nextGaussian();
        ModelFile.write(file, layout, p, meta);
    }

    /** A non-network file: a scalar and tensors of other dtypes, one of them empty. */
    static byte[] dtypes() {
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"scale\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"half\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                + "\"step\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]},"
                + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[2,2],\"data_offsets\":[16,20]},"
                + "\"nib\":{\"dtype\":\"F4\",\"shape\":[4],\"data_offsets\":[20,22]},"
                + "\"none\":{\"dtype\":\"U8\",\"shape\":[0,3],\"data_offsets\":[22,22]}}";
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + head.length + 22).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(head.length).put(head).putFloat(1.5f);
        for (int i = 0; i < 18; i++) b.put((byte) (i * 37));
        return b.array();
    }
}
