package dev.jbackprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitTest {
    /** m samples of one feature whose value is the sample's index. */
    private static Dataset indexed(int m) {
        float[] x = new float[m];
        for (int i = 0; i < m; i++) x[i] = i;
        return Dataset.of(1, 2, x, new int[m]);
    }

    private static int[] values(Dataset d) {
        float[] x = d.x();
        return IntStream.range(0, x.length).map(i -> (int) x[i]).toArray();
    }

    @Test
    void randomFractionIsSeededDisjointAndOrdered() {
        Dataset d = indexed(1000);
        Split a = Split.randomFraction(d, 0.2, 42), b = Split.randomFraction(d, 0.2, 42);
        assertEquals(200, a.heldOut().count());
        assertEquals(800, a.train().count());
        assertArrayEquals(values(a.heldOut()), values(b.heldOut()));
        int[] held = values(a.heldOut()), kept = values(a.train());
        assertTrue(isSorted(held) && isSorted(kept), "each part keeps the file's order");
        int[] all = IntStream.concat(Arrays.stream(held), Arrays.stream(kept))
                .sorted()
                .toArray();
        assertArrayEquals(IntStream.range(0, 1000).toArray(), all);
        assertNotEquals(
                Arrays.toString(held),
                Arrays.toString(values(Split.randomFraction(d, 0.2, 43).heldOut())));
        // spread over the file, not a block
        assertTrue(held[0] < 100 && held[held.length - 1] > 900, Arrays.toString(held));
        assertSame(d.featureMatrix(), a.train().featureMatrix());
    }

    private static boolean isSorted(int[] v) {
        for (int i = 1; i < v.length; i++) if (v[i] <= v[i - 1]) return false;
        return true;
    }

    @Test
    void lastFractionHoldsOutTheTail() {
        Split s = Split.lastFraction(indexed(10), 0.2);
        assertArrayEquals(new int[] {8, 9}, values(s.validation()));
        assertEquals(8, s.train().count());
        assertEquals(0, Split.lastFraction(indexed(10), 0).validation().count());
        assertEquals(1, Split.lastFraction(indexed(10), 0.01).validation().count());
    }

    @Test
    void badFractionsAreRefused() {
        Dataset d = indexed(3);
        assertThrows(IllegalArgumentException.class, () -> Split.randomFraction(d, 1.0, 1));
        assertThrows(IllegalArgumentException.class, () -> Split.randomFraction(d, -0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> Split.lastFraction(d, Double.NaN));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Split.lastFraction(indexed(1), 0.5));
        assertTrue(e.getMessage().contains("leaves none for training"), e.getMessage());
    }
}
