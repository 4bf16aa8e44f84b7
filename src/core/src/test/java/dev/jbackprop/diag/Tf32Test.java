package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The two TF32 input roundings the TF32 tolerance is checked with. */
class Tf32Test {
    static final float ULP = 0x1p-10f; // a TF32 step at 1

    @Test
    void truncationDropsTheLow13MantissaBitsTowardZero() {
        assertEquals(1f, Tf32.truncate(1f + ULP * 0.999f));
        assertEquals(1f + ULP, Tf32.truncate(1f + ULP));
        assertEquals(-1f, Tf32.truncate(-1f - ULP * 0.75f));
        assertEquals(Float.POSITIVE_INFINITY, Tf32.truncate(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(Tf32.truncate(Float.NaN)));
        assertEquals(0f, Tf32.truncate(Float.MIN_VALUE), "the smallest subnormal has only low bits");
    }

    @Test
    void nearestRoundsHalfAwayFromZero() {
        assertEquals(1f, Tf32.nearest(1f + ULP * 0.499f));
        assertEquals(1f + ULP, Tf32.nearest(1f + ULP * 0.5f), "a tie goes away from zero");
        assertEquals(-1f - ULP, Tf32.nearest(-1f - ULP * 0.5f));
        assertEquals(2f, Tf32.nearest(2f - ULP * 0.25f), "carries into the exponent");
        assertEquals(Float.POSITIVE_INFINITY, Tf32.nearest(Float.MAX_VALUE));
        assertTrue(Float.isNaN(Tf32.nearest(Float.NaN)));
        // every result is a TF32 value, within half a step
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) (r.nextDouble(-1e6, 1e6));
            float n = Tf32.nearest(x), t = Tf32.truncate(x);
            assertEquals(0, Float.floatToRawIntBits(n) & Tf32.DROPPED);
            assertTrue(Math.abs(n - x) <= 0x1p-11 * Math.abs(x), x + " → " + n);
            assertTrue(Math.abs(t) <= Math.abs(x) && Math.abs(t - x) < 0x1p-10 * Math.abs(x), x + " → " + t);
        }
    }
}
