package dev.jbackprop.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The float32 → bfloat16 reference (which the kernels' jb_bf16 must match bit for bit) against known values and a brute-force nearest. */
class Bf16Test {
    private static void bits(int floatBits, int want) {
        short got = Bf16.bits(Float.intBitsToFloat(floatBits));
        assertEquals(
                want,
                got & 0xffff,
                () -> String.format(
                        "bf16(%08x = %s) = %04x, want %04x",
                        floatBits, Float.intBitsToFloat(floatBits), got & 0xffff, want));
    }

    @Test
    void knownValues() {
        bits(0x3f800000, 0x3f80); // 1
        bits(0xc0000000, 0xc000); // -2
        bits(0x40490fdb, 0x4049); // π → 3.140625
        bits(0x3eaaaaab, 0x3eab); // 1/3 rounds up
        bits(0x00000000, 0x0000);
        bits(0x80000000, 0x8000); // -0 keeps its sign
    }

    @Test
    void tiesGoToEven() {
        bits(0x3f808000, 0x3f80); // halfway between 0x3f80 (even) and 0x3f81
        bits(0x3f818000, 0x3f82); // halfway between 0x3f81 and 0x3f82 (even)
        bits(0x3f807fff, 0x3f80); // just below half
        bits(0x3f808001, 0x3f81); // just above half
        bits(0xbf818000, 0xbf82); // negative tie, magnitude to even
        bits(0x3fff8000, 0x4000); // the carry crosses into the exponent: 1.9921875 + half an ulp → 2
    }

    @Test
    void subnormalsRoundLikeEverythingElse() {
        bits(0x00010000, 0x0001); // the smallest bf16 subnormal, exact
        bits(0x00008000, 0x0000); // tie between 0 (even) and the smallest subnormal
        bits(0x00018000, 0x0002); // tie between 0x0001 and 0x0002 (even)
        bits(0x00000001, 0x0000); // the smallest float32 subnormal
        bits(0x807fffff, 0x8080); // the largest negative subnormal rounds to −MIN_NORMAL
    }

    @Test
    void overflowGoesToInfinity() {
        bits(0x7f7f0000, 0x7f7f); // the largest bf16, exact
        bits(0x7f7f7fff, 0x7f7f);
        bits(0x7f7f8000, 0x7f80); // tie above the largest bf16 (odd): to even, which is +inf
        bits(Float.floatToRawIntBits(Float.MAX_VALUE), 0x7f80);
        bits(Float.floatToRawIntBits(-Float.MAX_VALUE), 0xff80);
        bits(0x7f800000, 0x7f80);
        bits(0xff800000, 0xff80);
    }

    @Test
    void nanStaysNan() {
        bits(0x7fc00000, 0x7fc0);
        bits(0xffc00000, 0xffc0);
        bits(0x7f800001, 0x7fc0); // signalling NaN with a low payload: not rounded to +inf
        bits(0xff800001, 0xffc0);
        bits(0x7fbfffff, 0x7fff); // the payload's top bits are kept, quiet bit set, no carry into the sign
        bits(0x7fffffff, 0x7fff);
        assertTrue(Float.isNaN(Bf16.round(Float.NaN)));
    }

    /**
     * The nearest bfloat16 found by comparing the two candidates in double (exact for floats), ties to
     * the even one; an infinite candidate counts as ±2^128, where the next bfloat16 would be (IEEE overflow).
     */
    private static int nearest(float x) {
        int u = Float.floatToRawIntBits(x);
        int lo = u >>> 16, hi = lo + 1;
        double vh = Bf16.value((short) hi);
        if (Double.isInfinite(vh)) vh = Math.copySign(0x1p128, vh);
        double dl = Math.abs((double) x - (double) Bf16.value((short) lo));
        double dh = Math.abs(vh - (double) x);
        if (dl < dh) return lo;
        if (dh < dl) return hi;
        return (lo & 1) == 0 ? lo : hi;
    }

    @Test
    void agreesWithABruteForceNearestOnRandomFloats() {
        SplittableRandom r = new SplittableRandom(16);
        int n = 0;
        while (n < 200_000) {
            int u = r.nextInt();
            float x = Float.intBitsToFloat(u);
            if (Float.isNaN(x) || Float.isInfinite(x)) continue;
            int want = nearest(x);
            assertEquals(want & 0xffff, Bf16.bits(x) & 0xffff, () -> String.format("%08x", u));
            n++;
        }
    }

    @Test
    void roundTripsExactlyAndIsIdempotent() {
        for (int b = 0; b < 0x10000; b++) {
            float v = Bf16.value((short) b);
            if (Float.isNaN(v)) continue;
            assertEquals(b, Bf16.bits(v) & 0xffff, Integer.toHexString(b));
        }
    }
}
