package dev.jbackprop.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast path agrees with the JDK's correctly rounding parsers wherever it gives an answer. */
class DecimalParserTest {
    private static int fast;

    private static void check(String s) {
        char[] c = s.toCharArray();
        float f = DecimalParser.parseFloat(c, 0, c.length);
        if (!Float.isNaN(f)) {
            fast++;
            assertEquals(Float.floatToIntBits(Float.parseFloat(s)), Float.floatToIntBits(f), s);
        }
        double d = DecimalParser.parseDouble(c, 0, c.length);
        if (!Double.isNaN(d))
            assertEquals(Double.doubleToLongBits(Double.parseDouble(s)), Double.doubleToLongBits(d), s);
    }

    @Test
    void halfwayBetweenTwoFloatsRoundsToEven() {
        fast = 0;
        // 2^24 + 1 lies halfway between the floats 2^24 and 2^24 + 2: the double is exact, the float must tie to even
        char[] c = "16777217".toCharArray();
        assertTrue(Float.isNaN(DecimalParser.parseFloat(c, 0, c.length)), "a midpoint must go to the general parser");
        check("16777217.00000001");
        check("16777216.99999999");
        Random r = new Random(1);
        for (int i = 0; i < 4_000; i++) {
            float a = Float.intBitsToFloat(r.nextInt(0x7f000000));
            if (!Float.isFinite(a) || a < Float.MIN_NORMAL) continue;
            double mid = ((double) a + Math.nextUp(a)) / 2;
            BigDecimal exact = new BigDecimal(mid);
            for (int digits = 1; digits <= 17; digits++) {
                check(exact.round(new MathContext(digits)).toString());
                check(exact.round(new MathContext(digits)).toPlainString());
            }
        }
        assertTrue(fast > 10_000, "the fast path answered only " + fast + " times");
    }

    @Test
    void randomDecimalsAgreeWithTheJdk() {
        Random r = new Random(2);
        for (int i = 0; i < 100_000; i++) {
            String s = switch (i % 6) {
                case 0 -> String.format(Locale.ROOT, "%.6f", r.nextGaussian() * Math.pow(10, r.nextInt(9) - 3));
                case 1 -> Long.toString(r.nextLong() >> r.nextInt(64));
                case 2 -> r.nextInt(1000) + "e" + (r.nextInt(50) - 25);
                case 3 -> "-." + r.nextInt(1_000_000);
                case 4 -> Float.toString(Float.intBitsToFloat(r.nextInt()));
                default ->
                    (r.nextBoolean() ? "+" : "") + r.nextInt(100_000) + "." + r.nextInt(100) + "E+" + r.nextInt(9);
            };
            if (s.contains("NaN") || s.contains("Infinity")) continue;
            check(s);
        }
    }

    @Test
    void otherSpellingsAreLeftToTheGeneralParser() {
        for (String s :
                new String[] {"", "-", ".", "1e", "1e+", "0x1p3", "1.5f", "1,5", " 1", "1 ", "--1", "1e23", "NaN"}) {
            char[] c = s.toCharArray();
            assertTrue(Float.isNaN(DecimalParser.parseFloat(c, 0, c.length)), "'" + s + "'");
        }
    }
}
