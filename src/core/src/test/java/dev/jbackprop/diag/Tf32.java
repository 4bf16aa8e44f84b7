package dev.jbackprop.diag;

/**
 * TensorFloat-32 as a GEMM input: a float32 with its mantissa cut to TF32's 10 explicit bits (the
 * exponent is float32's, so range, subnormals, infinities and NaN stay). How cuBLAS's TF32 path
 * rounds an FP32 input is not documented: the tensor core reads the top 19 bits of the register
 * (truncation), while a conversion before it (PTX {@code cvt.rna.tf32.f32}) rounds to nearest with
 * ties away from zero. Both are emulated; verify's TF32 tolerance must hold for either.
 */
public final class Tf32 {
    private Tf32() {}

    /** The 13 float32 mantissa bits that TF32 drops. */
    static final int DROPPED = 0x1fff;

    /** x with the low 13 mantissa bits cleared: toward zero, relative error below 2^-10. */
    public static float truncate(float x) {
        if (Float.isNaN(x)) return x;
        return Float.intBitsToFloat(Float.floatToRawIntBits(x) & ~DROPPED);
    }

    /**
     * x rounded to the nearest TF32, ties away from zero (cvt.rna): relative error at most 2^-11; a
     * value within half a TF32 step of the largest float rounds to infinity, as the conversion does.
     */
    public static float nearest(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x)) return x;
        return Float.intBitsToFloat((Float.floatToRawIntBits(x) + 0x1000) & ~DROPPED);
    }
}
