package dev.jbackprop.reference;

/**
 * A mini-batch run through the reference one sample at a time.
 *
 * @param samples the per-sample forward and backward passes (trace, δ, gradient, cost), in batch order
 * @param gradSum Σ over the samples of ∂C/∂θ, in {@link dev.jbackprop.model.ParamLayout} order
 * @param costSum Σ over the samples of C (the engine reports sums; callers take means)
 */
public record BatchResult(Gradients[] samples, double[] gradSum, double costSum) {

    /** Number of samples m. */
    public int size() {
        return samples.length;
    }

    public Trace trace(int sample) {
        return samples[sample].trace();
    }

    public double[][] deltas(int sample) {
        return samples[sample].delta();
    }

    /** z of weight layer l for the whole batch as an n_out × m column-major matrix (one sample per column). */
    public double[] zMatrix(int l) {
        double[][] cols = new double[samples.length][];
        for (int i = 0; i < samples.length; i++) cols[i] = samples[i].trace().z()[l];
        return ColumnMajor.fromColumns(cols);
    }

    /** a of weight layer l for the whole batch as an n_out × m column-major matrix. */
    public double[] aMatrix(int l) {
        double[][] cols = new double[samples.length][];
        for (int i = 0; i < samples.length; i++) cols[i] = samples[i].trace().a()[l];
        return ColumnMajor.fromColumns(cols);
    }

    /** δ of weight layer l for the whole batch as an n_out × m column-major matrix. */
    public double[] deltaMatrix(int l) {
        double[][] cols = new double[samples.length][];
        for (int i = 0; i < samples.length; i++) cols[i] = samples[i].delta()[l];
        return ColumnMajor.fromColumns(cols);
    }
}
