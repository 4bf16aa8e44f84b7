package dev.jbackprop.data;

import static dev.jbackprop.data.IdxFiles.gzip;
import static dev.jbackprop.data.IdxFiles.idx;
import static dev.jbackprop.data.IdxFiles.images;
import static dev.jbackprop.data.IdxFiles.labels;
import static dev.jbackprop.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.BadFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    /** 3 images of 2×3: pixel values chosen to cover 0 and 255. */
    private static final byte[] PIXELS = {
        0, 1, 2, 3, 4, 5, (byte) 255, (byte) 128, 0, 0, 0, 0, 10, 20, 30, 40, 50, (byte) 200
    };

    private static final byte[] LABELS = {7, 0, 9};

    @Test
    void readsImagesAndLabelsIntoADataset() throws IOException {
        Path img = write(dir, "img", images(3, 2, 3, PIXELS));
        Path lab = write(dir, "lab", labels(LABELS));
        Dataset d = Idx.read(img, lab, 10);
        assertEquals(3, d.count());
        assertEquals(6, d.features());
        assertEquals(10, d.classes());
        assertArrayEquals(new int[] {7, 0, 9}, d.labels());
        float[] x = d.x();
        for (int i = 0; i < PIXELS.length; i++) assertEquals((PIXELS[i] & 0xff) / 255f, x[i], 0f, "pixel " + i);
        assertEquals(1f, d.x(1, 0));
        assertEquals(0f, d.x(0, 0));
        // one-hot, one column of 10 per sample
        float[] y = d.y();
        assertEquals(30, y.length);
        for (int i = 0; i < 3; i++) {
            for (int c = 0; c < 10; c++)
                assertEquals(c == LABELS[i] ? 1f : 0f, y[i * 10 + c], "y[" + c + "," + i + "]");
        }
        Idx.Images im = Idx.readImages(img);
        assertEquals(255, im.pixel(1, 0, 0));
        assertEquals(200, im.pixel(2, 1, 2));
    }

    @Test
    void gzippedFilesReadTheSame() throws IOException {
        Dataset plain = Idx.read(write(dir, "i", images(3, 2, 3, PIXELS)), write(dir, "l", labels(LABELS)), 10);
        Dataset gz = Idx.read(
                write(dir, "i.gz", gzip(images(3, 2, 3, PIXELS))), write(dir, "l.gz", gzip(labels(LABELS))), 10);
        assertArrayEquals(plain.x(), gz.x());
        assertArrayEquals(plain.y(), gz.y());
        assertArrayEquals(plain.labels(), gz.labels());
    }

    @Test
    void largerRandomFileRoundTrips() throws IOException {
        Random r = new Random(3);
        int m = 500;
        byte[] px = new byte[m * 28 * 28];
        r.nextBytes(px);
        byte[] lb = new byte[m];
        for (int i = 0; i < m; i++) lb[i] = (byte) r.nextInt(10);
        Dataset d = Idx.read(write(dir, "i.gz", gzip(images(m, 28, 28, px))), write(dir, "l", labels(lb)), 10);
        assertEquals(784, d.features());
        assertEquals((px[321 * 784 + 777] & 0xff) / 255f, d.x(321, 777));
        assertEquals(lb[499], d.label(499));
    }

    private void assertRejects(Path file, String fragment, ThrowingRead read) {
        BadFileException e = assertThrows(BadFileException.class, read::run);
        assertTrue(e.getMessage().startsWith(file.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }

    interface ThrowingRead {
        void run() throws IOException;
    }

    @Test
    void rejectsWrongMagic() throws IOException {
        Path notIdx = write(dir, "png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0});
        assertRejects(notIdx, "not an IDX file", () -> Idx.readImages(notIdx));
        Path floats = write(dir, "f", idx(0x00000D03, new long[] {1, 1, 1}, new byte[4]));
        assertRejects(floats, "element type 0x0d (float)", () -> Idx.readImages(floats));
        Path lab = write(dir, "lab", labels(LABELS));
        assertRejects(lab, "label file", () -> Idx.readImages(lab));
        Path img = write(dir, "img", images(3, 2, 3, PIXELS));
        assertRejects(img, "swapped", () -> Idx.readLabels(img, 10));
        Path twoD = write(dir, "2d", idx(0x00000802, new long[] {3, 6}, PIXELS));
        assertRejects(twoD, "2 dimensions", () -> Idx.readImages(twoD));
    }

    @Test
    void rejectsTruncatedFiles() throws IOException {
        byte[] full = images(3, 2, 3, PIXELS);
        Path shortBody = write(dir, "short", Arrays.copyOf(full, full.length - 1));
        assertRejects(shortBody, "truncated", () -> Idx.readImages(shortBody));
        Path shortHead = write(dir, "head", Arrays.copyOf(full, 10));
        assertRejects(shortHead, "truncated inside the header", () -> Idx.readImages(shortHead));
        Path tiny = write(dir, "tiny", new byte[] {0, 0});
        assertRejects(tiny, "only 2 bytes", () -> Idx.readImages(tiny));
        Path empty = write(dir, "empty", new byte[0]);
        assertRejects(empty, "only 0 bytes", () -> Idx.readImages(empty));
        byte[] gz = gzip(full);
        Path shortGz = write(dir, "short.gz", Arrays.copyOf(gz, gz.length - 12));
        assertRejects(shortGz, "the gzip stream ends early", () -> Idx.readImages(shortGz));
        Path bodyGz = write(dir, "body.gz", gzip(Arrays.copyOf(full, full.length - 5)));
        assertRejects(bodyGz, "truncated", () -> Idx.readImages(bodyGz));
    }

    @Test
    void rejectsTrailingGarbage() throws IOException {
        byte[] full = images(3, 2, 3, PIXELS);
        Path plain = write(dir, "trail", Arrays.copyOf(full, full.length + 3));
        assertRejects(plain, "3 bytes of trailing data", () -> Idx.readImages(plain));
        Path gz = write(dir, "trail.gz", gzip(Arrays.copyOf(full, full.length + 3)));
        assertRejects(gz, "trailing data", () -> Idx.readImages(gz));
    }

    @Test
    void rejectsLabelsOutOfRange() throws IOException {
        Path lab = write(dir, "lab", labels(new byte[] {1, 2, 10, 3}));
        assertRejects(lab, "label 10 of item 2 is outside 0..9", () -> Idx.readLabels(lab, 10));
        Path small = write(dir, "small", labels(new byte[] {0, 1, 2, 3}));
        assertRejects(small, "label 3 of item 3 is outside 0..2", () -> Idx.readLabels(small, 3));
        assertArrayEquals(new int[] {0, 1, 2, 3}, Idx.readLabels(small, 4));
        Path high = write(dir, "high", labels(new byte[] {(byte) 250}));
        assertRejects(high, "label 250", () -> Idx.readLabels(high, 10));
    }

    @Test
    void rejectsCountMismatch() throws IOException {
        Path img = write(dir, "img", images(3, 2, 3, PIXELS));
        Path lab = write(dir, "lab", labels(new byte[] {1, 2}));
        assertRejects(lab, "holds 2 labels but", () -> Idx.read(img, lab, 10));
    }

    @Test
    void rejectsZeroAndOverflowingDimensions() throws IOException {
        Path zero = write(dir, "zero", images(0, 28, 28, new byte[0]));
        assertRejects(zero, "dimension 0 is 0", () -> Idx.readImages(zero));
        Path overflow = write(
                dir, "ovf", idx(Idx.IMAGES_MAGIC, new long[] {0xFFFFFFFFL, 0xFFFFFFFFL, 0xFFFFFFFFL}, new byte[16]));
        assertRejects(overflow, "4294967295 × 4294967295 × 4294967295", () -> Idx.readImages(overflow));
        // 65536³ = 2⁴⁸ bytes: no array can hold it
        Path wrap = write(dir, "wrap", idx(Idx.IMAGES_MAGIC, new long[] {65536, 65536, 65536}, new byte[16]));
        assertRejects(wrap, "more than the", () -> Idx.readImages(wrap));
    }

    @Test
    void hugeClaimsWithATinyFileAreRejectedWithoutAllocating() throws IOException {
        // 2,000,000,000 bytes claimed (fits an array) by a 32-byte file
        Path plain = write(dir, "huge", idx(Idx.IMAGES_MAGIC, new long[] {2_000_000_000L / 784, 28, 28}, new byte[16]));
        long before = IdxFiles.allocated();
        assertRejects(plain, "truncated", () -> Idx.readImages(plain));
        assertTrue(IdxFiles.allocated() - before < 4 << 20, "allocated " + (IdxFiles.allocated() - before) + " bytes");

        Path gz = write(
                dir, "huge.gz", gzip(idx(Idx.IMAGES_MAGIC, new long[] {2_000_000_000L / 784, 28, 28}, new byte[16])));
        before = IdxFiles.allocated();
        assertRejects(gz, "more than a", () -> Idx.readImages(gz));
        assertTrue(IdxFiles.allocated() - before < 4 << 20, "allocated " + (IdxFiles.allocated() - before) + " bytes");

        // a gzip file big enough to hold its claim but ending early: memory grows with the data that
        // is really there (1 MB), not with the 500 MB claimed
        byte[] body = new byte[1 << 20];
        new Random(5).nextBytes(body);
        Path partial = write(
                dir,
                "partial.gz",
                gzip(concat(idx(Idx.IMAGES_MAGIC, new long[] {500_000_000 / 784, 28, 28}, new byte[0]), body)));
        assertTrue(Files.size(partial) * 1100 > 500_000_000L, "test premise: the claim passes the ratio check");
        before = IdxFiles.allocated();
        assertRejects(partial, "truncated", () -> Idx.readImages(partial));
        assertTrue(IdxFiles.allocated() - before < 16 << 20, "allocated " + (IdxFiles.allocated() - before) + " bytes");
    }

    @Test
    void rejectsCorruptGzipAndMissingFiles() throws IOException {
        byte[] gz = gzip(images(3, 2, 3, PIXELS));
        for (int i = 12; i < gz.length - 8; i++) gz[i] ^= 0x5a;
        Path bad = write(dir, "bad.gz", gz);
        assertRejects(bad, "corrupt gzip data", () -> Idx.readImages(bad));
        Path missing = dir.resolve("nope");
        assertRejects(missing, "does not exist", () -> Idx.readImages(missing));
        assertRejects(dir, "not a regular file", () -> Idx.readImages(dir));
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() throws IOException {
        Random r = new Random(11);
        byte[] good = images(3, 2, 3, PIXELS);
        for (int trial = 0; trial < 400; trial++) {
            byte[] b = trial % 2 == 0 ? good.clone() : gzip(good);
            int cut = r.nextInt(4) == 0 ? r.nextInt(b.length + 1) : b.length;
            b = Arrays.copyOf(b, cut);
            for (int k = r.nextInt(4); k > 0 && b.length > 0; k--) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            Path p = write(dir, "fuzz" + trial, b);
            try {
                Idx.readImages(p);
                Idx.readLabels(p, 10);
            } catch (BadFileException expected) {
                assertTrue(expected.getMessage().startsWith(p.toString()), expected.getMessage());
            }
        }
    }

    @Test
    void moreSamplesThanOneHotTargetsCouldHoldStillRead() throws IOException {
        // 2^23 samples × 256 classes = 2^31 one-hot targets: once more than one array held (a BadFileException);
        // class indices need no such array, and a batch converts as usual
        int m = 1 << 23;
        byte[] lb = new byte[m];
        lb[m - 1] = (byte) 255;
        Path img = write(dir, "i", images(m, 1, 1, new byte[m]));
        Path lab = write(dir, "l", labels(lb));
        Dataset d = Idx.read(img, lab, 256);
        assertEquals(m, d.count());
        float[] y = new float[256];
        d.gatherTargets(new int[] {m - 1}, 0, 1, y, 0);
        assertEquals(1f, y[255]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, d::y);
        assertTrue(e.getMessage().contains("too large for one array"), e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
