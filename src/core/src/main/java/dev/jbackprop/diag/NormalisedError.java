package dev.jbackprop.diag;

/**
 * The error measure of gradcheck and verify: {max |got − want|, max |got − want| / max |want|} over
 * [off, off + len). A NaN on one side only, or an infinity against a finite value, is an infinite
 * error; NaN against NaN (or the same infinity) counts as equal. Only finite wants enter the scale.
 */
final class NormalisedError {
    private NormalisedError() {}

    static double[] of(double[] want, float[] got, int off, int len) {
        double maxAbs = 0, maxRef = 0;
        for (int i = off; i < off + len; i++) {
            double w = want[i], g = got[i];
            double d;
            if (Double.isNaN(w) || Double.isNaN(g))
                d = Double.isNaN(w) == Double.isNaN(g) ? 0 : Double.POSITIVE_INFINITY;
            else if (w == g) d = 0; // also the same infinity
            else d = Math.abs(g - w);
            maxAbs = Math.max(maxAbs, d);
            if (Double.isFinite(w)) maxRef = Math.max(maxRef, Math.abs(w));
        }
        double norm = maxRef == 0 ? (maxAbs == 0 ? 0 : Double.POSITIVE_INFINITY) : maxAbs / maxRef;
        return new double[] {maxAbs, norm};
    }

    static double[] of(float[] want, float[] got) {
        double[] w = new double[want.length];
        for (int i = 0; i < w.length; i++) w[i] = want[i];
        return of(w, got, 0, w.length);
    }
}
