package dev.jbackprop.diag;

/**
 * The reference for float32 → bfloat16 rounding (kernels/elementwise.cuh jb_bf16 must give the same
 * bits): round to nearest, ties to even, on the top 16 bits of the float; overflow rounds to ±inf;
 * a NaN stays a NaN of the same sign with the top 7 bits of its payload and the quiet bit set.
 */
public final class Bf16 {
    private Bf16() {}

    /** The 16 bits of the nearest bfloat16 (ties to even). */
    public static short bits(float x) {
        int u = Float.floatToRawIntBits(x);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 0x0040);
        return (short) ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16);
    }

    /** The bfloat16 as a float (exact). */
    public static float value(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** x rounded to bfloat16 and back: what a GEMM on bfloat16 inputs sees of x. */
    public static float round(float x) {
        return value(bits(x));
    }
}
