package dev.jbackprop.data;

import static dev.jbackprop.data.IdxFiles.images;
import static dev.jbackprop.data.IdxFiles.labels;
import static dev.jbackprop.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.io.BadFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX sets with any number of classes, kept as bytes. */
class IdxClassesTest {
    @TempDir
    Path dir;

    /** Writes the four MNIST-named files: m training and 2 test images of 2 × 2, with the given labels. */
    private Path set(String name, byte[] trainLabels, byte[] testLabels) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        byte[] px = new byte[trainLabels.length * 4];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 7);
        write(d, Mnist.FILES.get(0), images(trainLabels.length, 2, 2, px));
        write(d, Mnist.FILES.get(1), labels(trainLabels));
        write(d, Mnist.FILES.get(2), images(testLabels.length, 2, 2, new byte[testLabels.length * 4]));
        write(d, Mnist.FILES.get(3), labels(testLabels));
        return d;
    }

    @Test
    void threeClassesFromTheLargestLabel() throws IOException {
        Path d = set("three", new byte[] {0, 2, 1, 2}, new byte[] {1, 0});
        Mnist m = Mnist.readDir(d, 0);
        assertEquals(3, m.train().outputs());
        assertEquals(List.of("0", "1", "2"), m.train().classNames());
        assertEquals(m.train().schema().classNames(), m.test().classNames());
        assertArrayEquals(new int[] {0, 2, 1, 2}, m.train().labels());
        assertEquals(FeatureMatrix.Type.UINT8, m.train().featureMatrix().type());
        assertEquals((byte) 7, m.train().featureMatrix().uint8Array()[1]);
        assertEquals(7 / 255f, m.train().x(0, 1));
        // MNIST's own reading keeps ten outputs, and a class count can be given
        assertEquals(10, Mnist.readDir(d).train().outputs());
        assertEquals(5, Mnist.readDir(d, 5).test().outputs());
    }

    @Test
    void twentyClassesCountTheTestLabelsToo() throws IOException {
        byte[] train = new byte[40];
        for (int i = 0; i < train.length; i++) train[i] = (byte) (i % 18);
        TrainTest t = DataFiles.read(set("twenty", train, new byte[] {19, 3}), null, DataFiles.Options.defaults());
        assertEquals(20, t.train().outputs());
        assertEquals(20, t.test().outputs());
        assertArrayEquals(new int[] {19, 3}, t.test().labels());
        float[] y = new float[20];
        t.test().gatherTargets(new int[] {0}, 0, 1, y, 0);
        assertEquals(1f, y[19]);
        assertEquals(1f, sum(y));
        assertEquals("19", t.test().classNames().get(19));
    }

    private static float sum(float[] v) {
        float s = 0;
        for (float x : v) s += x;
        return s;
    }

    @Test
    void aGivenClassCountBelowTheLabelsIsAnError() throws IOException {
        Path d = set("few", new byte[] {0, 4}, new byte[] {1, 1});
        BadFileException e = assertThrows(BadFileException.class, () -> Mnist.readDir(d, 3));
        assertTrue(e.getMessage().contains("label 4 of item 1 is outside 0..2"), e.getMessage());
    }

    @Test
    void testImagesOfAnotherSizeAreAnError() throws IOException {
        Path d = set("sizes", new byte[] {0, 1}, new byte[] {1});
        write(d, Mnist.FILES.get(2), images(1, 3, 3, new byte[9]));
        BadFileException e = assertThrows(BadFileException.class, () -> Mnist.readDir(d, 0));
        assertTrue(e.getMessage().contains("holds images of 3 × 3 pixels but"), e.getMessage());
    }

    @Test
    void imagesToPredictOnAreCheckedAgainstTheTrainingFeatures() throws IOException {
        Path d = set("p", new byte[] {0, 1}, new byte[] {1});
        DataSchema schema = Mnist.readDir(d, 0).train().schema();
        Path img = d.resolve(Mnist.FILES.get(0));
        Dataset in = DataFiles.readFeatures(img, schema, DataFiles.Options.defaults());
        assertEquals(2, in.count());
        assertSame(null, in.task());
        Path other = write(dir, "other-idx3-ubyte", images(1, 3, 3, new byte[9]));
        DataFormatException e = assertThrows(DataFormatException.class, () -> Idx.readFeatures(other, schema));
        assertTrue(e.getMessage().contains("has 9 features per sample but the training data had 4"), e.getMessage());
    }
}
