package dev.jbackprop.diag;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.ByteBlock;
import dev.jbackprop.engine.ByteMat;
import dev.jbackprop.engine.DeviceData;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.engine.SampleStore;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;

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
public final class RoundedGemmOps implements Ops {
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

    private final Ops inner;
    private final Rounding rounding;

    /** BF16 (--bf16). */
    public RoundedGemmOps(Ops inner) {
        this(inner, Rounding.BF16);
    }

    public RoundedGemmOps(Ops inner, Rounding rounding) {
        this.inner = inner;
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
    public Block allocate(long length) {
        return inner.allocate(length);
    }

    @Override
    public IndexBlock allocateIndices(int length) {
        return inner.allocateIndices(length);
    }

    @Override
    public Metrics allocateMetrics() {
        return inner.allocateMetrics();
    }

    @Override
    public void upload(float[] src, int srcOffset, Block dst, long dstOffset, int length) {
        inner.upload(src, srcOffset, dst, dstOffset, length);
    }

    @Override
    public DeviceData.Store loadData(SampleStore samples) {
        return new DeviceData.ResidentStore(this, samples);
    }

    @Override
    public ByteBlock allocateBytes(long length) {
        return inner.allocateBytes(length);
    }

    @Override
    public void upload(byte[] src, int srcOffset, ByteBlock dst, long dstOffset, int length) {
        inner.upload(src, srcOffset, dst, dstOffset, length);
    }

    @Override
    public void gatherBytes(ByteMat src, IndexBlock idx, int offset, int m, Mat shift, Mat factor, Mat dst) {
        inner.gatherBytes(src, idx, offset, m, shift, factor, dst);
    }

    @Override
    public void gatherOneHot(IndexBlock labels, IndexBlock idx, int offset, int m, Mat dst) {
        inner.gatherOneHot(labels, idx, offset, m, dst);
    }

    @Override
    public void upload(int[] src, IndexBlock dst) {
        inner.upload(src, dst);
    }

    @Override
    public void download(Block src, long srcOffset, float[] dst, int dstOffset, int length) {
        inner.download(src, srcOffset, dst, dstOffset, length);
    }

    @Override
    public void fill(Block dst, float value) {
        inner.fill(dst, value);
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m) {
        inner.biasActivation(act, z, bias, a, m);
    }

    @Override
    public void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m) {
        inner.activationBackward(act, z, a, delta, m);
    }

    @Override
    public void outputError(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, Metrics metrics) {
        inner.outputError(cost, out, z, a, y, delta, m, metrics);
    }

    @Override
    public void sumColumns(Mat x, int m, Mat sums) {
        inner.sumColumns(x, m, sums);
    }

    @Override
    public void update(
            Block params, Block grads, Block velocity, long weightCount, float rate, float momentum, float decay) {
        inner.update(params, grads, velocity, weightCount, rate, momentum, decay);
    }

    @Override
    public void setScalars(Block dst, float[] values) {
        inner.setScalars(dst, values);
    }

    @Override
    public void optimizerStep(
            dev.jbackprop.model.Optimizer.Kind rule,
            Block params,
            Block grads,
            Block state1,
            Block state2,
            long weightCount,
            Block scalars) {
        inner.optimizerStep(rule, params, grads, state1, state2, weightCount, scalars);
    }

    @Override
    public void gather(Mat src, IndexBlock idx, int offset, int m, Mat dst) {
        inner.gather(src, idx, offset, m, dst);
    }

    @Override
    public void copyIndices(IndexBlock src, int offset, int m, IndexBlock dst) {
        inner.copyIndices(src, offset, m, dst);
    }

    @Override
    public void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
        inner.sumSquares(block, offsets, lengths, out);
    }

    /** Closes nothing: the wrapped backend belongs to the caller. */
    @Override
    public void close() {}
}
