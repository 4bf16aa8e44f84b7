package dev.jbackprop.data;

/**
 * The common case of number parsing without the general parser: plain decimals such as "-409.823902",
 * "0.001013", "255" or "1.5e-3" whose digits form an integer m ≤ 2^53 with a decimal exponent e,
 * |e| ≤ 22. Then m and 10^|e| are exact doubles and one IEEE multiplication or division gives the
 * correctly rounded double (Clinger's fast path).
 *
 * <p>For a float, rounding that double again is correct unless the double is exactly halfway between
 * two floats: a float midpoint closer to the true value than the double would itself be a nearer
 * double (it has 25 significant bits), so the double can only cross one by landing on it. Those
 * cases, subnormal and out-of-range results, and every other spelling return NaN: the caller then
 * uses the general (correctly rounding) parser.
 */
final class DecimalParser {
    private static final double[] POW10 = new double[23];
    private static final long MAX_EXACT = 1L << 53;

    static {
        double p = 1;
        for (int i = 0; i < POW10.length; i++, p *= 10) POW10[i] = p;
    }

    private DecimalParser() {}

    /** The double of b[off … end), or NaN when the fast path does not apply. */
    static double parseDouble(char[] b, int off, int end) {
        int i = off;
        if (i == end) return Double.NaN;
        boolean neg = false;
        if (b[i] == '-' || b[i] == '+') {
            neg = b[i] == '-';
            i++;
        }
        long m = 0;
        int exp = 0;
        int digits = 0;
        for (; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) break;
            if (m >= MAX_EXACT / 10) return Double.NaN;
            m = m * 10 + d;
            digits++;
        }
        if (i < end && b[i] == '.') {
            i++;
            for (; i < end; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) break;
                if (m >= MAX_EXACT / 10) return Double.NaN;
                m = m * 10 + d;
                exp--;
                digits++;
            }
        }
        if (digits == 0) return Double.NaN;
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            boolean eneg = false;
            if (i < end && (b[i] == '-' || b[i] == '+')) {
                eneg = b[i] == '-';
                i++;
            }
            int e = 0, ed = 0;
            for (; i < end; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9 || e > 1000) break;
                e = e * 10 + d;
                ed++;
            }
            if (ed == 0) return Double.NaN;
            exp += eneg ? -e : e;
        }
        if (i != end || exp < -22 || exp > 22) return Double.NaN;
        double v = exp < 0 ? m / POW10[-exp] : m * POW10[exp];
        return neg ? -v : v;
    }

    /** The float of b[off … end), or NaN when the fast path does not apply. */
    static float parseFloat(char[] b, int off, int end) {
        double d = parseDouble(b, off, end);
        if (d != d) return Float.NaN;
        double a = Math.abs(d);
        if (a == 0) return (float) d;
        if (a < Float.MIN_NORMAL || a > Float.MAX_VALUE) return Float.NaN;
        // halfway between two floats: the 29 bits a float drops are exactly 1000…0
        if ((Double.doubleToRawLongBits(d) & 0x1FFF_FFFFL) == 0x1000_0000L) return Float.NaN;
        return (float) d;
    }
}
