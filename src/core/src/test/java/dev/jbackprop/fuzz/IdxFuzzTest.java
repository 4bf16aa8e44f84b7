package dev.jbackprop.fuzz;

import static dev.jbackprop.fuzz.ReaderCall.call;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jbackprop.data.Dataset;
import dev.jbackprop.data.Idx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Fuzzes the IDX reader: each input is written to a file and read as images and as labels (10 and
 * 256 classes), and, paired with a matching valid file, as a data set; then gzipped and read
 * again, which must give the same answers (so the fuzzer also steers what the gzip path
 * decompresses). Seeds and findings: src/test/resources/dev/jbackprop/fuzz/IdxFuzzTestInputs/fuzzIdx/.
 * How CI and bench/fuzz.sh run it: pom.xml (execution "fuzz").
 */
class IdxFuzzTest {
    private static final Path DIR = ReaderCall.tempDir("fuzz-idx");
    /** Pair only inputs this small with a generated partner file (the partner is built per input). */
    private static final int MAX_PAIRED = 1 << 16;

    private record Read(Idx.Images images, int[] labels10, int[] labels256) {}

    @FuzzTest(maxDuration = "60s")
    void fuzzIdx(byte[] data) {
        Path f = ReaderCall.write(DIR, "input", data);
        Read plain = readAll(f, contentBytes(data));

        if (plain.images != null && plain.images.count() <= MAX_PAIRED) {
            int[] lb = new int[plain.images.count()];
            for (int i = 0; i < lb.length; i++) lb[i] = i % 10;
            Path labels = ReaderCall.write(DIR, "labels", labelsFile(lb));
            Dataset d = call((32L << 20) + 128L * (data.length + lb.length), () -> Idx.read(f, labels, 10), f, labels);
            check(
                    d != null && d.count() == lb.length && d.features() == plain.images.pixelsPerImage(),
                    "a valid pair was rejected");
        }
        int[] l10 = plain.labels10;
        if (l10 != null && l10.length <= MAX_PAIRED) {
            byte[] px = new byte[l10.length];
            for (int i = 0; i < px.length; i++) px[i] = (byte) i;
            Path images = ReaderCall.write(DIR, "images", imagesFile(px));
            Dataset d = call((32L << 20) + 128L * (data.length + px.length), () -> Idx.read(images, f, 10), images, f);
            check(d != null && Arrays.equals(d.labels(), l10), "a valid pair was rejected");
        }

        if (isGzip(data)) return; // gzipping it again would only test the magic number
        Path g = ReaderCall.write(DIR, "input.gz", gzip(data));
        Read gz = readAll(g, data.length);
        check(same(plain.images, gz.images), "gzip changes what readImages gives");
        check(
                Arrays.equals(plain.labels10, gz.labels10) && Arrays.equals(plain.labels256, gz.labels256),
                "gzip changes what readLabels gives");
    }

    private static Read readAll(Path f, long content) {
        long budget = (32L << 20) + 16 * content;
        Idx.Images im = call(budget, () -> Idx.readImages(f), f);
        if (im != null)
            check((long) im.count() * im.rows() * im.cols() == im.pixels().length, "pixels do not match the shape");
        int[] l256 = call(budget, () -> Idx.readLabels(f, 256), f);
        int[] l10 = call(budget, () -> Idx.readLabels(f, 10), f);
        if (l10 != null) check(Arrays.equals(l10, l256), "labels differ between 10 and 256 classes");
        if (l256 != null && l10 == null)
            check(Arrays.stream(l256).anyMatch(l -> l >= 10), "10-class read rejected labels 0..9");
        return new Read(im, l10, l256);
    }

    private static boolean same(Idx.Images a, Idx.Images b) {
        if (a == null || b == null) return a == b;
        return a.count() == b.count()
                && a.rows() == b.rows()
                && a.cols() == b.cols()
                && Arrays.equals(a.pixels(), b.pixels());
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    private static boolean isGzip(byte[] data) {
        return data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b;
    }

    /** What the file really holds: its length, or for gzip what decompresses (capped). */
    private static long contentBytes(byte[] data) {
        if (!isGzip(data)) return data.length;
        long n = 0;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            byte[] buf = new byte[8192];
            for (int r; (r = in.read(buf)) > 0 && n < (1L << 30); ) n += r;
        } catch (IOException | RuntimeException e) {
            // corrupt: count what came out before
        }
        return Math.max(n, data.length);
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private static byte[] imagesFile(byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length)
                .putInt(Idx.IMAGES_MAGIC)
                .putInt(pixels.length)
                .putInt(1)
                .putInt(1)
                .put(pixels)
                .array();
    }

    private static byte[] labelsFile(int[] labels) {
        ByteBuffer b =
                ByteBuffer.allocate(8 + labels.length).putInt(Idx.LABELS_MAGIC).putInt(labels.length);
        for (int l : labels) b.put((byte) l);
        return b.array();
    }
}
