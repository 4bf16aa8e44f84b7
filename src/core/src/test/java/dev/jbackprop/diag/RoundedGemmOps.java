package dev.jbackprop.diag;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.ForwardingOps;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.SampleStore;

/**
 * Test-only emulation of the CUDA backend's reduced-precision GEMM inputs on another backend (the
 * CPU): every operation is the wrapped backend's, except that {@link #gemm} first rounds A and B
 * into scratch matrices. With {@link Rounding#BF16} that is --bf16 ({@link Bf16}, the kernels'
 * jb_bf16): the GEMMs read bfloat16 copies of W, x, a and δ, while master weights, z, a, δ, updates
 * and column sums stay float32; a product of two bfloat16 is exact in float32, so a float32 GEMM on
 * the rounded copies differs from cuBLAS's BF16 GEMM (FP32 compute) only in the order of the float32
 * sums. With the TF32 roundings it is --tf32 ({@link Tf32}): cuBLAS's TF32 tensor-core GEMMs read
 * A and B with 10-bit mantissas (products of two are exact in float32) and sum in float32.
 */
public final class RoundedGemmOps extends ForwardingOps {
    /** How the GEMM inputs are rounded. */
    public enum Rounding {
        /** float32 → bfloat16, to nearest, ties to even (--bf16). */
        BF16,
        /** float32 → TF32 by dropping 13 mantissa bits (--tf32, if the tensor cores truncate). */
        TF32_TRUNCATE,
        /** float32 → TF32 to nearest, ties away (--tf32, if cuBLAS converts with cvt.rna). */
        TF32_NEAREST;

        float apply(float x) {
            return switch (this) {
                case BF16 -> Bf16.round(x);
                case TF32_TRUNCATE -> Tf32.truncate(x);
                case TF32_NEAREST -> Tf32.nearest(x);
            };
        }
    }

    private final Rounding rounding;

    /** BF16 (--bf16). */
    public RoundedGemmOps(Ops inner) {
        this(inner, Rounding.BF16);
    }

    public RoundedGemmOps(Ops inner, Rounding rounding) {
        super(inner);
        this.rounding = rounding;
    }

    @Override
    public void gemm(
            boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c) {
        try (Block ra = rounded(a);
                Block rb = rounded(b)) {
            inner.gemm(
                    transA,
                    transB,
                    m,
                    n,
                    k,
                    alpha,
                    new Mat(ra, a.rows(), a.cols()),
                    new Mat(rb, b.rows(), b.cols()),
                    beta,
                    c);
        }
    }

    private Block rounded(Mat x) {
        float[] v = new float[Math.toIntExact(x.size())];
        inner.download(x.block(), 0, v, 0, v.length);
        for (int i = 0; i < v.length; i++) v[i] = rounding.apply(v[i]);
        Block r = inner.allocate(v.length);
        inner.upload(v, 0, r, 0, v.length);
        return r;
    }

    @Override
    public String name() {
        return inner.name() + " with " + rounding + " GEMM inputs";
    }

    @Override
    public String description() {
        return inner.description() + ", GEMM inputs rounded: " + rounding + " (emulated)";
    }

    @Override
    public boolean hostMemory() {
        return inner.hostMemory();
    }

    @Override
    public DeviceData.Store loadData(SampleStore samples) {
        return new DeviceData.ResidentStore(this, samples);
    }

    @Override
    public void close() {} // the wrapped backend is its caller's
}
