package dev.jbackprop.data;

import static dev.jbackprop.data.NpzFiles.arrays;
import static dev.jbackprop.data.NpzFiles.float32;
import static dev.jbackprop.data.NpzFiles.float64;
import static dev.jbackprop.data.NpzFiles.int32;
import static dev.jbackprop.data.NpzFiles.int64;
import static dev.jbackprop.data.NpzFiles.npy;
import static dev.jbackprop.data.NpzFiles.npz;
import static dev.jbackprop.data.NpzFiles.uint8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.BadFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {
    @TempDir
    Path dir;

    /** 3 samples of 2 × 2 bytes. */
    private static final byte[] PIXELS = {0, 1, 2, 3, (byte) 255, 5, 6, 7, 8, 9, 10, (byte) 128};

    private static final float[] FLOATS = {0.5f, -1, 2, 3.25f, 4, 5, 6, 7, -8, 9, 10, 11};

    @Test
    void uint8ImagesStayBytesAndDecodeToUnitRange() throws IOException {
        for (boolean deflate : new boolean[] {false, true}) {
            Path f = npz(
                    dir.resolve("u8-" + deflate + ".npz"),
                    deflate,
                    arrays("x", uint8(PIXELS, 3, 2, 2), "y", int64(new long[] {1, 0, 1}, 3)));
            TrainTest t = Npz.read(f, null);
            assertNull(t.test());
            Dataset d = t.train();
            assertEquals(3, d.count());
            assertEquals(4, d.features());
            assertEquals(FeatureMatrix.Type.UINT8, d.featureMatrix().type());
            assertSame(d.featureMatrix().uint8Array(), d.featureMatrix().uint8Array());
            assertArrayEquals(PIXELS, d.featureMatrix().uint8Array());
            assertEquals(1f, d.x(1, 0));
            assertEquals(128 / 255f, d.x(2, 3));
            assertEquals(Task.CLASSIFICATION, d.task());
            assertEquals(List.of("0", "1"), d.classNames());
            assertArrayEquals(new int[] {1, 0, 1}, d.labels());
            assertEquals(List.of("y"), d.targetNames());
        }
    }

    @Test
    void floatFeaturesInBothWidths() throws IOException {
        double[] doubles = new double[FLOATS.length];
        for (int i = 0; i < doubles.length; i++) doubles[i] = FLOATS[i];
        Path f32 = npz(
                dir.resolve("f32.npz"), true, arrays("x", float32(FLOATS, 3, 4), "y", int32(new int[] {7, 3, 7}, 3)));
        Path f64 = npz(
                dir.resolve("f64.npz"), false, arrays("x", float64(doubles, 3, 4), "y", int32(new int[] {7, 3, 7}, 3)));
        for (Path f : List.of(f32, f64)) {
            Dataset d = Npz.read(f, null).train();
            assertEquals(FeatureMatrix.Type.FLOAT32, d.featureMatrix().type());
            assertArrayEquals(FLOATS, d.x());
            assertEquals(List.of("3", "7"), d.classNames());
            assertArrayEquals(new int[] {1, 0, 1}, d.labels());
        }
    }

    @Test
    void floatTargetsMeanRegressionWithOneOrSeveralOutputs() throws IOException {
        Path one = npz(
                dir.resolve("r1.npz"),
                false,
                arrays("x", float32(FLOATS, 3, 4), "y", float64(new double[] {0.5, 1.5, -2}, 3)));
        Dataset d = Npz.read(one, null).train();
        assertEquals(Task.REGRESSION, d.task());
        assertEquals(1, d.outputs());
        assertArrayEquals(new float[] {0.5f, 1.5f, -2f}, d.y());
        Path two = npz(
                dir.resolve("r2.npz"),
                true,
                arrays("x", float32(FLOATS, 3, 4), "y", float32(new float[] {1, 2, 3, 4, 5, 6}, 3, 2)));
        Dataset m = Npz.read(two, null).train();
        assertEquals(2, m.outputs());
        assertEquals(List.of("y0", "y1"), m.targetNames());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, m.y());
        // integer targets as regression, float targets as classes, when asked
        Dataset ints = Npz.read(writeInts(), Task.REGRESSION).train();
        assertEquals(Task.REGRESSION, ints.task());
        assertArrayEquals(new float[] {1, 2, 3}, ints.y());
        Dataset c = Npz.read(one, Task.CLASSIFICATION).train();
        assertEquals(List.of("-2", "0.5", "1.5"), c.classNames());
    }

    private Path writeInts() throws IOException {
        return npz(
                dir.resolve("ints.npz"),
                false,
                arrays("x", float32(FLOATS, 3, 4), "y", int64(new long[] {1, 2, 3}, 3)));
    }

    @Test
    void trainAndTestInOneFile() throws IOException {
        Path f = npz(
                dir.resolve("split.npz"),
                true,
                arrays(
                        "x_train", uint8(PIXELS, 3, 4),
                        "y_train", int64(new long[] {2, 5, 9}, 3),
                        "x_test", uint8(new byte[] {1, 2, 3, 4}, 1, 4),
                        "y_test", int64(new long[] {9}, 1)));
        TrainTest t = Npz.read(f, null);
        assertEquals(3, t.train().count());
        assertEquals(List.of("2", "5", "9"), t.train().classNames());
        assertEquals(1, t.test().count());
        assertEquals(t.train().classNames(), t.test().classNames());
        assertArrayEquals(new int[] {2}, t.test().labels());
        // the same file as a test set: its x_test / y_test
        assertEquals(1, Npz.readTest(f, t.train().schema()).count());
    }

    @Test
    void npyVersionTwoHeaders() throws IOException {
        byte[] x = npy("<f4", new long[] {3, 4}, false, float32Bytes(FLOATS), 2);
        Path f = npz(dir.resolve("v2.npz"), false, arrays("x", x, "y", int64(new long[] {0, 1, 0}, 3)));
        assertArrayEquals(FLOATS, Npz.read(f, null).train().x());
    }

    private static byte[] float32Bytes(float[] v) {
        byte[] withHeader = float32(v, v.length);
        return java.util.Arrays.copyOfRange(withHeader, withHeader.length - 4 * v.length, withHeader.length);
    }

    @Test
    void predictionInputIsXChecked() throws IOException {
        Dataset train = Npz.read(writeInts(), null).train();
        Path in = npz(dir.resolve("in.npz"), false, arrays("x", float32(FLOATS, 3, 4)));
        Dataset d = Npz.readFeatures(in, train.schema());
        assertNull(d.task());
        assertArrayEquals(FLOATS, d.x());
        Path wrong = npz(dir.resolve("wrong.npz"), false, arrays("x", float32(FLOATS, 2, 6)));
        DataFormatException e = assertThrows(DataFormatException.class, () -> Npz.readFeatures(wrong, train.schema()));
        assertTrue(e.getMessage().contains("has 6 features per sample but the training data had 4"), e.getMessage());
    }

    // ---- bad input --------------------------------------------------------------------------------

    private DataFormatException bad(String name, boolean deflate, Map<String, byte[]> arrays) throws IOException {
        Path f = npz(dir.resolve(name), deflate, arrays);
        DataFormatException e = assertThrows(DataFormatException.class, () -> Npz.read(f, null));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        return e;
    }

    @Test
    void wrongDtypesAreNamed() throws IOException {
        long[] y = {0, 1, 0};
        DataFormatException e = bad("i32.npz", false, arrays("x", int32(new int[12], 3, 4), "y", int64(y, 3)));
        assertTrue(
                e.getMessage().contains("array x has dtype '<i4'; features must be uint8, float32 or float64"),
                e.getMessage());
        e = bad("f16.npz", false, arrays("x", npy("<f2", new long[] {3, 4}, new byte[24]), "y", int64(y, 3)));
        assertTrue(e.getMessage().contains("array x has dtype '<f2', which is not read"), e.getMessage());
        e = bad("be.npz", false, arrays("x", npy(">f4", new long[] {3, 4}, new byte[48]), "y", int64(y, 3)));
        assertTrue(e.getMessage().contains("array x is big-endian ('>f4')"), e.getMessage());
        e = bad("obj.npz", false, arrays("x", npy("|O", new long[] {3, 4}, new byte[96]), "y", int64(y, 3)));
        assertTrue(e.getMessage().contains("dtype '|O'"), e.getMessage());
    }

    @Test
    void fortranOrderIsRefused() throws IOException {
        byte[] x = npy("<f4", new long[] {3, 4}, true, float32Bytes(FLOATS), 1);
        DataFormatException e = bad("f.npz", false, arrays("x", x, "y", int64(new long[] {0, 1, 0}, 3)));
        assertTrue(e.getMessage().contains("array x is stored in Fortran (column-major) order"), e.getMessage());
    }

    @Test
    void missingArraysAreListed() throws IOException {
        DataFormatException e =
                bad("m.npz", false, arrays("x", float32(FLOATS, 3, 4), "labels", int64(new long[3], 3)));
        assertTrue(e.getMessage().contains("lacks the array y (it holds labels, x)"), e.getMessage());
        e = bad(
                "m2.npz",
                true,
                arrays(
                        "x_train",
                        float32(FLOATS, 3, 4),
                        "y_train",
                        int64(new long[3], 3),
                        "x_test",
                        float32(FLOATS, 3, 4)));
        assertTrue(e.getMessage().contains("lacks the array y_test"), e.getMessage());
    }

    @Test
    void shapesMustAgree() throws IOException {
        DataFormatException e = bad("n.npz", false, arrays("x", float32(FLOATS, 3, 4), "y", int64(new long[2], 2)));
        assertTrue(
                e.getMessage().contains("array x has 3 samples (shape (3, 4)) but y has 2 (shape (2,))"),
                e.getMessage());
        e = bad("y2.npz", false, arrays("x", float32(FLOATS, 3, 4), "y", int64(new long[6], 3, 2)));
        assertTrue(
                e.getMessage().contains("array y has shape (3, 2); class labels need the shape [samples]"),
                e.getMessage());
        e = bad("y3.npz", false, arrays("x", float32(FLOATS, 3, 4), "y", float32(new float[6], 3, 1, 2)));
        assertTrue(e.getMessage().contains("y needs the shape [samples] or [samples, outputs]"), e.getMessage());
        // the header claims more data than the array holds
        byte[] truncated = npy("<f4", new long[] {3, 5}, float32Bytes(FLOATS));
        e = bad("t.npz", true, arrays("x", truncated, "y", int64(new long[3], 3)));
        assertTrue(
                e.getMessage().contains("array x holds 48 bytes of data but shape (3, 5) of '<f4' needs 60"),
                e.getMessage());
    }

    @Test
    void nonFiniteFeaturesAndUnknownTestLabels() throws IOException {
        float[] nan = FLOATS.clone();
        nan[6] = Float.NaN;
        DataFormatException e = bad("nan.npz", false, arrays("x", float32(nan, 3, 4), "y", int64(new long[3], 3)));
        assertTrue(
                e.getMessage().contains("array x sample 1, feature 2 is NaN; features must be finite"), e.getMessage());
        double[] big = new double[12];
        big[11] = 1e300;
        e = bad("big.npz", false, arrays("x", float64(big, 3, 4), "y", int64(new long[3], 3)));
        assertTrue(e.getMessage().contains("sample 2, feature 3 is 1.0E300 (beyond float32's range)"), e.getMessage());
        e = bad(
                "unseen.npz",
                false,
                arrays(
                        "x_train", float32(FLOATS, 3, 4),
                        "y_train", int64(new long[] {0, 1, 1}, 3),
                        "x_test", float32(FLOATS, 3, 4),
                        "y_test", int64(new long[] {1, 0, 4}, 3)));
        assertTrue(
                e.getMessage()
                        .contains(
                                "array y_test item 2 has label 4, which the training data never has (its classes: 0, 1)"),
                e.getMessage());
    }

    @Test
    void notAnArchiveOrNotAnArray() throws IOException {
        Path text = dir.resolve("text.npz");
        Files.writeString(text, "x,y\n1,2\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> Npz.read(text, null));
        assertTrue(e.getMessage().contains("is not an .npz file: not a zip archive"), e.getMessage());
        Path junk = npz(dir.resolve("junk.npz"), false, arrays("x", new byte[] {1, 2, 3}, "y", int64(new long[3], 3)));
        e = assertThrows(DataFormatException.class, () -> Npz.read(junk, null));
        assertTrue(e.getMessage().contains("array x is not an .npy array"), e.getMessage());
        BadFileException missing = assertThrows(BadFileException.class, () -> Npz.read(dir.resolve("none.npz"), null));
        assertTrue(missing.getMessage().endsWith("does not exist"), missing.getMessage());
    }
}
