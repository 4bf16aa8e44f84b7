package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SpreadTest {
    @Test
    void percentilesInterpolateLikeNumpy() {
        // numpy.percentile([4, 1, 3, 2], [10, 50, 90]) = [1.3, 2.5, 3.7]
        Spread s = Spread.of(new double[] {4, 1, 3, 2});
        assertEquals(2.5, s.median(), 1e-12);
        assertEquals(1.3, s.p10(), 1e-12);
        assertEquals(3.7, s.p90(), 1e-12);
        Spread t = Spread.of(new double[] {11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
        assertEquals(6, t.median(), 1e-12);
        assertEquals(2, t.p10(), 1e-12);
        assertEquals(10, t.p90(), 1e-12);
    }

    @Test
    void oneValueAndFormatting() {
        Spread s = Spread.of(new double[] {0.0123});
        assertEquals(0.0123, s.p10());
        assertEquals(0.0123, s.p90());
        assertEquals("1.23e-02", s.format());
        assertEquals(
                "2.00e+00 [1.2e+00, 2.8e+00]", Spread.of(new double[] {1, 2, 3}).format());
        assertThrows(IllegalArgumentException.class, () -> Spread.of(new double[0]));
    }
}
