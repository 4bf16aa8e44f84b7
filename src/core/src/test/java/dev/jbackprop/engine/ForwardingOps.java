package dev.jbackprop.engine;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Optimizer;

/**
 * Test support: an {@link Ops} that hands every operation to another one. A test wrapper extends it and overrides
 * only what it changes or counts (RoundedGemmOps: the GEMM's inputs; DivergenceGuardTest: metric reads). The
 * interface's default methods are not forwarded, so they run on the wrapper, as they did in each hand-written copy.
 */
public abstract class ForwardingOps implements Ops {
    /** The backend every operation goes to. */
    protected final Ops inner;

    protected ForwardingOps(Ops inner) {
        this.inner = inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String description() {
        return inner.description();
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
    public ByteBlock allocateBytes(long length) {
        return inner.allocateBytes(length);
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
    public void upload(byte[] src, int srcOffset, ByteBlock dst, long dstOffset, int length) {
        inner.upload(src, srcOffset, dst, dstOffset, length);
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
    public void gemm(
            boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c) {
        inner.gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
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
            Optimizer.Kind rule,
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
    public void gatherBytes(ByteMat src, IndexBlock idx, int offset, int m, Mat shift, Mat factor, Mat dst) {
        inner.gatherBytes(src, idx, offset, m, shift, factor, dst);
    }

    @Override
    public void gatherOneHot(IndexBlock labels, IndexBlock idx, int offset, int m, Mat dst) {
        inner.gatherOneHot(labels, idx, offset, m, dst);
    }

    @Override
    public void copyIndices(IndexBlock src, int offset, int m, IndexBlock dst) {
        inner.copyIndices(src, offset, m, dst);
    }

    @Override
    public void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
        inner.sumSquares(block, offsets, lengths, out);
    }

    @Override
    public void close() {
        inner.close();
    }
}
