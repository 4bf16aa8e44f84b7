package dev.jbackprop.backend;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The host side of {@link OpsContract}: test data with edge values, expectations written out here in
 * plain loops (independent of any backend), and float comparisons that report the first mismatches.
 */
public final class OpsSupport {
    private OpsSupport() {}

    /** What an operation must leave alone (spare columns, refused calls' outputs). */
    public static final float SENTINEL = 42.25f;

    /** ±0, subnormals, the smallest normal, tiny, large, the largest finite, ±inf, NaN (two kinds). */
    public static final float[] EDGE = {
        0f,
        -0f,
        Float.MIN_VALUE,
        -Float.MIN_VALUE,
        1e-40f,
        -1e-40f,
        Float.MIN_NORMAL,
        -Float.MIN_NORMAL,
        1e-30f,
        -1e-30f,
        30f,
        -30f,
        100f,
        -100f,
        Float.MAX_VALUE,
        -Float.MAX_VALUE,
        Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY,
        Float.NaN,
        Float.intBitsToFloat(0xffc00001)
    };

    /** Edge values that keep a product's sums in range: ±0, subnormals, ±inf, NaN. */
    public static final float[] GEMM_EDGE = {
        0f,
        -0f,
        Float.MIN_VALUE,
        -Float.MIN_VALUE,
        1e-40f,
        -Float.MIN_NORMAL,
        Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY,
        Float.NaN
    };

    public static float[] uniform(SplittableRandom r, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return x;
    }

    /** Uniform in [lo, hi) with, when {@code edge}, every third element an {@link #EDGE} value. */
    public static float[] values(SplittableRandom r, int n, double lo, double hi, boolean edge) {
        float[] x = uniform(r, n, lo, hi);
        if (edge) {
            int start = r.nextInt(EDGE.length);
            for (int i = 0; i < n; i += 3) x[i] = EDGE[(start + i / 3) % EDGE.length];
        }
        return x;
    }

    /** {@code count} elements of x (or all, if fewer) at random places set to {@link #GEMM_EDGE} values. */
    public static void sprinkle(SplittableRandom r, float[] x, int count) {
        for (int c = 0; c < Math.min(count, x.length); c++)
            x[r.nextInt(x.length)] = GEMM_EDGE[r.nextInt(GEMM_EDGE.length)];
    }

    public static float[] constant(int n, float v) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    /**
     * C = α·op(A)·op(B) + β·C on {@code ops} against a double triple loop; each stored operand has one
     * spare column (capacity) and C's must not change. Error bound: relTol·√(k+1)·(Σ|α·a·b| + |β·c|),
     * plus a subnormal's worth per term for a backend that flushes them; NaN and ±inf as IEEE
     * arithmetic gives them (with {@code edge}, a few of A's and B's elements are ±0, subnormals, ±inf
     * or NaN).
     */
    public static void checkGemm(
            Ops ops,
            SplittableRandom rnd,
            int m,
            int n,
            int k,
            boolean transA,
            boolean transB,
            float alpha,
            float beta,
            double relTol,
            boolean edge) {
        int aRows = transA ? k : m, aCols = (transA ? m : k) + 1;
        int bRows = transB ? n : k, bCols = (transB ? k : n) + 1;
        float[] a = uniform(rnd, aRows * aCols, -1, 1);
        float[] b = uniform(rnd, bRows * bCols, -1, 1);
        if (edge) {
            sprinkle(rnd, a, 4);
            sprinkle(rnd, b, 4);
        }
        float[] c0 = uniform(rnd, m * (n + 1), -1, 1);
        for (int i = 0; i < m; i++) c0[i + n * m] = SENTINEL;
        float[] got = new float[c0.length];
        try (Block da = ops.allocate(a.length);
                Block db = ops.allocate(b.length);
                Block dc = ops.allocate(c0.length)) {
            ops.upload(a, 0, da, 0, a.length);
            ops.upload(b, 0, db, 0, b.length);
            ops.upload(c0, 0, dc, 0, c0.length);
            ops.gemm(
                    transA,
                    transB,
                    m,
                    n,
                    k,
                    alpha,
                    new Mat(da, aRows, aCols),
                    new Mat(db, bRows, bCols),
                    beta,
                    new Mat(dc, m, n + 1));
            ops.download(dc, 0, got, 0, got.length);
        }
        double[] want = new double[got.length];
        double[] tol = new double[got.length];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double sum = 0, mag = 0;
                for (int l = 0; l < k; l++) {
                    double x = transA ? a[l + i * aRows] : a[i + l * aRows];
                    double y = transB ? b[j + l * bRows] : b[l + j * bRows];
                    sum += x * y;
                    mag += Math.abs(x * y);
                }
                double c = c0[i + j * m];
                want[i + j * m] = alpha * sum + (beta == 0 ? 0 : beta * c);
                tol[i + j * m] =
                        relTol * Math.sqrt(k + 1.0) * (Math.abs(alpha) * mag + Math.abs(beta * c)) + 1e-37 * (k + 1);
            }
        }
        for (int i = 0; i < m; i++) {
            want[i + n * m] = SENTINEL;
            tol[i + n * m] = 0;
        }
        assertWithin("gemm m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB, want, got, tol);
    }

    /** a = e^(z − max) / Σ e^(z − max) per column, in double (Math.max: a NaN makes the column NaN). */
    public static void softmaxColumn(float[] z, float[] a, int off, int rows) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < rows; i++) mx = Math.max(mx, z[off + i]);
        double sum = 0;
        for (int i = 0; i < rows; i++) sum += Math.exp((double) z[off + i] - mx);
        for (int i = 0; i < rows; i++) a[off + i] = (float) (Math.exp((double) z[off + i] - mx) / sum);
    }

    /** log Σ e^z of a column, as max + log Σ e^(z − max), in double. */
    public static double logSumExp(float[] z, int off, int rows) {
        double mx = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < rows; i++) mx = Math.max(mx, z[off + i]);
        for (int i = 0; i < rows; i++) sum += Math.exp((double) z[off + i] - mx);
        return mx + Math.log(sum);
    }

    /** The first index of the largest entry that is not NaN, or −1 when all are NaN. */
    public static int argmax(float[] x, int off, int n) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (!Float.isNaN(v) && (best < 0 || v > x[off + best])) best = i;
        }
        return best;
    }

    /** Ops.outputError's accuracy rule for one column. */
    public static boolean correct(float[] a, float[] y, int off, int rows) {
        if (rows == 1) {
            return !Float.isNaN(a[off]) && !Float.isNaN(y[off]) && (a[off] >= 0.5f) == (y[off] >= 0.5f);
        }
        int argA = argmax(a, off, rows);
        return argA >= 0 && argA == argmax(y, off, rows);
    }

    /**
     * Ulps between two floats on the ordered line of their bits (−0 just below +0, so they are 1 apart);
     * 0 for two NaNs; Long.MAX_VALUE when only one is NaN or they are different infinities.
     */
    public static long ulps(float x, float y) {
        if (Float.isNaN(x) || Float.isNaN(y)) return Float.isNaN(x) && Float.isNaN(y) ? 0 : Long.MAX_VALUE;
        int a = Float.floatToRawIntBits(x), b = Float.floatToRawIntBits(y);
        if (a == b) return 0;
        if (Float.isInfinite(x) || Float.isInfinite(y)) return Long.MAX_VALUE;
        long oa = a < 0 ? -1L - (a & 0x7fffffffL) : a, ob = b < 0 ? -1L - (b & 0x7fffffffL) : b;
        return Math.abs(oa - ob);
    }

    /**
     * Fails, listing the first mismatches, when an element of got is further than maxUlps from want
     * (unless, with absTol &gt; 0, within absTol of it).
     */
    public static void assertUlps(String what, float[] want, float[] got, int maxUlps, double absTol) {
        if (want.length != got.length) fail(what + ": " + got.length + " elements, expected " + want.length);
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < want.length; i++) {
            long d = ulps(want[i], got[i]);
            if (d > maxUlps && !(absTol > 0 && Math.abs((double) want[i] - got[i]) <= absTol)) {
                count++;
                if (bad.size() < 10)
                    bad.add("[" + i + "] want " + want[i] + " got " + got[i] + " ("
                            + (d == Long.MAX_VALUE ? "NaN/inf mismatch" : d + " ulp") + ")");
            }
        }
        if (count > 0)
            fail(what + ": " + count + " of " + want.length + " elements differ:\n  " + String.join("\n  ", bad));
    }

    /** Every element the same bits (any NaN for a NaN; −0 is not +0). */
    public static void assertBits(String what, float[] want, float[] got) {
        assertUlps(what, want, got, 0, 0);
    }

    /**
     * |got − want| ≤ tol[i] element by element, where want is finite; a NaN or infinite want must be
     * matched exactly (NaN by any NaN).
     */
    public static void assertWithin(String what, double[] want, float[] got, double[] tol) {
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < want.length; i++) {
            if (!close(want[i], got[i], tol[i])) {
                count++;
                if (bad.size() < 10)
                    bad.add("[" + i + "] want " + want[i] + " got " + got[i] + " (error " + Math.abs(want[i] - got[i])
                            + " > " + tol[i] + ")");
            }
        }
        if (count > 0)
            fail(what + ": " + count + " of " + want.length + " elements off:\n  " + String.join("\n  ", bad));
    }

    /** Within tol of a finite want; the same NaN-ness or infinity otherwise. */
    public static boolean close(double want, double got, double tol) {
        if (Double.isNaN(want)) return Double.isNaN(got);
        if (Double.isInfinite(want)) return want == got;
        return Math.abs(want - got) <= tol;
    }

    public static void assertClose(String what, double want, double got, double tol) {
        if (!close(want, got, tol))
            fail(what + ": want " + want + " got " + got + " (error " + Math.abs(want - got) + " > " + tol + ")");
    }
}
