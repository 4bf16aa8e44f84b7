package dev.jbackprop.data;

import static dev.jbackprop.data.NpzFiles.arrays;
import static dev.jbackprop.data.NpzFiles.float32;
import static dev.jbackprop.data.NpzFiles.int64;
import static dev.jbackprop.data.NpzFiles.npz;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.BadFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFilesTest {
    @TempDir
    Path dir;

    private static final DataFiles.Options OPTIONS = DataFiles.Options.defaults();

    @Test
    void formatsByName() throws IOException {
        assertEquals(DataFiles.Format.IDX, DataFiles.format(dir));
        for (String n : List.of("a.csv", "a.CSV.gz", "a.tsv", "b.tsv.gz")) {
            assertEquals(DataFiles.Format.CSV, DataFiles.format(Files.writeString(dir.resolve(n), "")));
        }
        assertEquals(DataFiles.Format.NPZ, DataFiles.format(Files.writeString(dir.resolve("a.npz"), "")));
        assertEquals(
                DataFiles.Format.IDX,
                DataFiles.format(Files.writeString(dir.resolve("t10k-images-idx3-ubyte.gz"), "")));
        BadFileException e = assertThrows(
                BadFileException.class, () -> DataFiles.format(Files.writeString(dir.resolve("a.json"), "")));
        assertTrue(e.getMessage().contains("is not a known data format"), e.getMessage());
        assertThrows(BadFileException.class, () -> DataFiles.format(dir.resolve("missing.csv")));
    }

    @Test
    void csvTrainingWithAnNpzTestSet() throws IOException {
        Path train = Files.writeString(dir.resolve("train.csv"), "a,b,c,d,y\n1,2,3,4,0\n5,6,7,8,1\n");
        Path test = npz(
                dir.resolve("test.npz"),
                false,
                arrays("x", float32(new float[] {1, 1, 1, 1}, 1, 4), "y", int64(new long[] {1}, 1)));
        TrainTest t = DataFiles.read(train, test, OPTIONS);
        assertEquals(2, t.train().count());
        assertArrayEquals(new int[] {1}, t.test().labels());
        assertNull(DataFiles.read(train, null, OPTIONS).test());
    }

    @Test
    void aTestFileBesideAnNpzThatHoldsOneIsRefused() throws IOException {
        Path both = npz(
                dir.resolve("both.npz"),
                false,
                arrays(
                        "x_train", float32(new float[] {1, 2}, 2, 1),
                        "y_train", int64(new long[] {0, 1}, 2),
                        "x_test", float32(new float[] {3}, 1, 1),
                        "y_test", int64(new long[] {1}, 1)));
        assertEquals(1, DataFiles.read(both, null, OPTIONS).test().count());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> DataFiles.read(both, both, OPTIONS));
        assertTrue(e.getMessage().contains("holds a test set already"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> DataFiles.read(dir, null, OPTIONS.withTask(Task.REGRESSION)));
    }
}
