package dev.jbackprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.Setting;
import org.junit.jupiter.api.Test;

class DatasetTest {
    /** 4 samples of 3 features: sample i's feature k is 10·i + k. */
    private static Dataset sample() {
        float[] x = new float[12];
        for (int i = 0; i < 4; i++) for (int k = 0; k < 3; k++) x[i * 3 + k] = 10 * i + k;
        return Dataset.of(3, 5, x, new int[] {4, 0, 2, 2});
    }

    @Test
    void storesOneSamplePerColumn() {
        Dataset d = sample();
        assertEquals(3, d.features());
        assertEquals(4, d.count());
        assertEquals(5, d.classes());
        float[] x = d.x();
        // column-major n × m: element (k, i) at i·n + k
        assertEquals(21f, x[2 * 3 + 1]);
        assertEquals(21f, d.x(2, 1));
        float[] y = d.y();
        assertEquals(20, y.length);
        assertArrayEquals(new float[] {0, 0, 0, 0, 1}, java.util.Arrays.copyOfRange(y, 0, 5));
        assertArrayEquals(new float[] {1, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(y, 5, 10));
        assertEquals(1f, d.y(3, 2));
        assertArrayEquals(new int[] {1, 0, 2, 0, 1}, d.labelHistogram());
    }

    @Test
    void isImmutable() {
        float[] x = new float[6];
        int[] labels = {1, 0};
        Dataset d = Dataset.of(3, 2, x, labels);
        x[0] = 99;
        labels[0] = 0;
        d.x()[1] = 42;
        d.y()[0] = 42;
        d.labels()[1] = 1;
        assertEquals(0f, d.x(0, 0));
        assertEquals(0f, d.x(0, 1));
        assertEquals(1, d.label(0));
        assertEquals(0f, d.y(0, 0));
        assertEquals(0, d.label(1));
    }

    @Test
    void slicesCopyTheRightSamples() {
        Dataset d = sample();
        Dataset s = d.slice(1, 3);
        assertEquals(2, s.count());
        assertArrayEquals(new float[] {10, 11, 12, 20, 21, 22}, s.x());
        assertArrayEquals(new int[] {0, 2}, s.labels());
        assertEquals(1f, s.y(0, 0));
        assertEquals(1f, s.y(1, 2));
        Dataset f = d.first(1);
        assertArrayEquals(new float[] {0, 1, 2}, f.x());
        assertEquals(4, f.label(0));
        assertEquals(0, d.slice(2, 2).count());
        float[] buf = new float[8];
        d.copyX(3, 4, buf, 2);
        assertArrayEquals(new float[] {0, 0, 30, 31, 32, 0, 0, 0}, buf);
        assertThrows(IndexOutOfBoundsException.class, () -> d.slice(3, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> d.slice(-1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> d.x(4, 0));
    }

    @Test
    void factoryValidatesShapes() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Dataset.of(3, 2, new float[7], new int[] {0, 1}));
        assertTrue(e.getMessage().contains("expected 2 samples × 3 features = 6 values, got 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.of(3, 2, new float[6], new int[] {0, 2}));
        assertTrue(e.getMessage().contains("label 2 of sample 1 is outside 0..1"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> Dataset.of(1, 2, new float[] {0, Float.NaN}, new int[] {0, 1}));
        assertTrue(e.getMessage().contains("input 0 of sample 1 is NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Dataset.of(0, 2, new float[0], new int[0]));
        assertThrows(IllegalArgumentException.class, () -> Dataset.ofTargets(2, 3, new float[4], new float[5]));
    }

    @Test
    void targetsGiveArgmaxLabels() {
        Dataset d = Dataset.ofTargets(1, 3, new float[] {5, 6}, new float[] {0.1f, 0.7f, 0.2f, 0.5f, 0.5f, -1f});
        assertArrayEquals(new int[] {1, 0}, d.labels());
        assertEquals(0.7f, d.y(0, 1));
    }

    @Test
    void splitTakesTheFirstForTrainingAndTheRestForValidation() {
        Dataset d = sample();
        Split s = Split.of(d, 3);
        assertEquals(3, s.train().count());
        assertEquals(1, s.validation().count());
        assertEquals(2, s.validation().label(0));
        assertEquals(30f, s.validation().x(0, 0));
        Split t = Split.of(d, 1, 2);
        assertArrayEquals(new int[] {0, 2}, t.validation().labels());
        assertEquals(0, Split.of(d, 4).validation().count());
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> Split.of(d, 5));
        assertEquals(Setting.TRAIN_SIZE, e.setting());
        assertTrue(e.getMessage().contains("trainSize 5 must be between 1 and the 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Split.of(d, 0));
        assertThrows(IllegalArgumentException.class, () -> Split.of(d, 3, 2));
    }
}
