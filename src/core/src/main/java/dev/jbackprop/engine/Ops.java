package dev.jbackprop.engine;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Optimizer;

/**
 * The buffer operations the training step is written against. The CPU backend implements them with
 * a BLAS and threaded loops, the GPU backend with one cuBLAS call or one kernel launch each.
 * Matrices are column-major, one sample per column; {@code m} is the number of live columns
 * (the batch size of this step, at most the views' capacity).
 *
 * <p>Every implementation checks its arguments with {@link OpsChecks} (the one place where the rules
 * are written, with the reasons) before it does anything, and OpsContract in the tests holds every
 * implementation to the same results.
 *
 * <p>Nothing here allocates once the blocks exist, and nothing synchronises with the host except
 * {@link #download}, {@link Metrics#read()} and {@link #synchronize()}.
 */
public interface Ops extends AutoCloseable {

    /** Backend name: "cpu" or "cuda". */
    String name();

    /** One line describing the hardware (for logs and reports). */
    String description();

    /**
     * True when blocks live in host memory, so that reading metrics costs nothing and the trainer
     * may check for divergence after every step; false for device memory, where metrics are read
     * only at the end of an epoch or when asked.
     */
    default boolean hostMemory() {
        return false;
    }

    // ---- memory -------------------------------------------------------------------------------

    /**
     * What this backend can still hold (the largest block, the host and device memory available), for a
     * {@link MemoryPlan} to be checked against before a network is allocated. By default: nothing known.
     */
    default MemoryLimits memoryLimits() {
        return MemoryLimits.unknown(!hostMemory());
    }

    /** A new zero-filled block of {@code length} floats. */
    Block allocate(long length);

    /**
     * A new zero-filled block whose matrices are read as GEMM inputs (A or B): the network's
     * parameters and activations. A backend whose GEMMs read a lower-precision copy of their inputs
     * (CUDA with --bf16) allocates that copy alongside and keeps it equal to the rounded floats of what
     * {@link #upload}, {@link #fill}, {@link #gather}, {@link #gatherBytes}, {@link #update}, {@link #outputError} (δ),
     * {@link #activationBackward} (δ) and {@link #biasActivation} (a, not z) write; a GEMM's output C
     * gets no copy, so a matrix a GEMM reads must last have been written by one of those (in the
     * training step, δ of a hidden layer is a GEMM's output and then activationBackward's). By default,
     * and on the CPU, it is {@link #allocate}.
     */
    default Block allocateGemmOperands(long length) {
        return allocate(length);
    }

    /** A new index block of {@code length} ints. */
    IndexBlock allocateIndices(int length);

    /** A new zero-filled block of {@code length} bytes (uint8 features, kept as bytes). */
    ByteBlock allocateBytes(long length);

    /** A new, zeroed metrics accumulator. */
    Metrics allocateMetrics();

    /** dst[dstOffset … dstOffset+length) = src[srcOffset … srcOffset+length). */
    void upload(float[] src, int srcOffset, Block dst, long dstOffset, int length);

    /** dst[dstOffset … dstOffset+length) = src[srcOffset … srcOffset+length). */
    void upload(byte[] src, int srcOffset, ByteBlock dst, long dstOffset, int length);

    /**
     * Makes a store's samples ready for batches, once: by default they are uploaded ({@link
     * DeviceData.ResidentStore}: uint8 features as bytes, float32 features as normalised floats, class
     * indices as ints) and each batch is gathered on the backend; a backend may stream instead when they
     * do not fit in its memory. Views of the store ({@link DeviceData#of}) share what is loaded.
     */
    default DeviceData.Store loadData(SampleStore samples) {
        return new DeviceData.ResidentStore(this, samples);
    }

    /** The first src.length entries of dst = src (the rest keep their values). */
    void upload(int[] src, IndexBlock dst);

    /** dst[dstOffset … dstOffset+length) = src[srcOffset … srcOffset+length); waits for queued work. */
    void download(Block src, long srcOffset, float[] dst, int dstOffset, int length);

    /** Every element of dst = value. */
    void fill(Block dst, float value);

    /** Waits for all queued work (a no-op on the CPU). */
    void synchronize();

    // ---- compute ------------------------------------------------------------------------------

    /**
     * C = alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ, C is m × n, op(A) m × k, op(B) k × n;
     * the leading dimension of each operand is its {@link Mat#rows()}, which must be exactly the rows
     * the product reads, and columns past the product's are left alone. With beta = 0, C is not read
     * (a NaN there does not leak through); with k = 0, C = beta·C. Special values follow IEEE float
     * arithmetic (a NaN in a row of op(A) makes that row of C NaN).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c);

    /** z[:, j] += bias and a[:, j] = σ(z[:, j]) for the first m columns (softmax acts per column). */
    void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m);

    /** delta ⊙= σ′(z) for the first m columns (a = σ(z) is given too, for functions whose derivative is cheaper from it). */
    void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m);

    /**
     * delta = ∇ₐC ⊙ σ′(z) for the output layer (a − y for softmax + cross-entropy and sigmoid +
     * binary cross-entropy), and adds the batch's cost and number of correct predictions to
     * {@code metrics} (the accuracy rule, NaN included, is in {@link OpsChecks}'s class comment). With
     * {@code delta == null} only the metrics are accumulated (evaluation). The output error step of
     * the reference (ReferenceNetwork.outputError) and of {@link Step#outputError}.
     */
    void outputError(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, Metrics metrics);

    /** sums[i] = Σ_j x[i, j] over the first m columns (the bias gradient from δ). */
    void sumColumns(Mat x, int m, Mat sums);

    /**
     * One update over the whole parameter block (weights in [0, weightCount), biases after):
     * with momentum μ = 0: p ← decay·p − rate·g for weights and p ← p − rate·g for biases;
     * otherwise v ← μ·v − rate·g − (1 − decay)·p (weights only) and p ← p + v.
     * Here rate = η/m and decay = 1 − ηλ/n (the textbook's L2 form). {@code velocity} may be null when
     * μ = 0, and is left untouched then.
     */
    void update(Block params, Block grads, Block velocity, long weightCount, float rate, float momentum, float decay);

    /** The most values one {@link #setScalars} writes. */
    int MAX_SCALARS = 16;

    /**
     * dst[0 … values.length) = values, queued in order with the compute operations like a kernel (no host
     * synchronisation, nothing allocated). The values are taken when this is called: a step replayed through
     * {@link #capture} that reads dst reads what the last setScalars before the replay wrote (so this is called
     * outside the captured body, before each run). The per-step numbers of {@link #optimizerStep}. At most
     * {@link #MAX_SCALARS} values.
     */
    void setScalars(Block dst, float[] values);

    /**
     * One optimiser step over the whole parameter block, by the rule {@code rule} with the numbers in
     * {@code scalars} ({@link UpdateScalars}: read when the step runs, so a replayed step follows what {@link
     * #setScalars} last wrote there). g is the summed gradient in {@code grads}; per element, in float:
     *
     * <pre>
     *   SGD       as {@link #update} with rate, momentum and decay from the scalars; without state1 (or with
     *             momentum 0 in the scalars) the plain form; weights are [0, weightCount)
     *   NESTEROV  d = g/m + wd·p;  b = μ·b + d;  d = d + μ·b;  p = p − rate·d                 (b: state1)
     *   ADAM      d = g/m + wd·p;  m₁ = β₁·m₁ + (1−β₁)·d;  m₂ = β₂·m₂ + (1−β₂)·(d·d);
     *             p = p − rate·(m₁ / (√m₂ / bc2 + ε))                               (m₁: state1, m₂: state2)
     *   ADAMW     p = decay·p, then ADAM with d = g/m
     * </pre>
     *
     * Square roots and quotients are IEEE (correctly rounded) on every backend, so backends agree bit for bit. The
     * rule's state blocks are required (SGD's state1 is optional, state2 is for ADAM and ADAMW only); a backend that
     * keeps a lower-precision copy of the parameters (CUDA with --bf16) refreshes it in the same pass.
     */
    void optimizerStep(
            Optimizer.Kind rule,
            Block params,
            Block grads,
            Block state1,
            Block state2,
            long weightCount,
            Block scalars);

    /**
     * dst[:, j] = src[:, idx[offset + j]] for j &lt; m: gathers a batch of columns. An index outside
     * [0, src.cols) gives a column of NaN (a device cannot check its indices without synchronising).
     */
    void gather(Mat src, IndexBlock idx, int offset, int m, Mat dst);

    /**
     * Gathers a batch of uint8 columns as floats: for j &lt; m, with s = idx[offset + j] and every row i,
     * v = src[i, s] / 255f, and dst[i, j] = v, or (v − shift[i]) · factor[i] when {@code shift} and
     * {@code factor} are given (float arithmetic, each operation rounded: the rule of {@link SampleStore},
     * so every backend gives the same bits). An index outside [0, src.cols) gives a column of NaN.
     * {@code shift} and {@code factor} are both null or both vectors of src.rows entries.
     */
    void gatherBytes(ByteMat src, IndexBlock idx, int offset, int m, Mat shift, Mat factor, Mat dst);

    /**
     * The one-hot targets of a batch: for j &lt; m, with c = labels[idx[offset + j]], dst[i, j] = 1 where
     * i = c and 0 elsewhere. An index outside [0, labels.length) or a class outside [0, dst.rows) gives a
     * column of NaN.
     */
    void gatherOneHot(IndexBlock labels, IndexBlock idx, int offset, int m, Mat dst);

    /** dst[0 … m) = src[offset … offset+m), queued like a kernel (no host synchronisation). */
    void copyIndices(IndexBlock src, int offset, int m, IndexBlock dst);

    // ---- replay -------------------------------------------------------------------------------

    /**
     * Makes {@code body} replayable. The body must touch the same buffers with the same sizes on
     * every run and must not synchronise with the host (no download, metrics read or sumSquares).
     * By default each run runs the body; the GPU backend runs it eagerly once, then captures it as
     * a CUDA graph and launches the graph from then on.
     */
    default StepReplay capture(Runnable body) {
        return body::run;
    }

    /**
     * out[i] = Σ x² over the segment [offsets[i], offsets[i] + lengths[i]) of {@code block}, summed in
     * double. Synchronises with the host, so it is called only where metrics are read (gradient
     * norms, the divergence guard). A NaN or infinity in a segment makes its sum non-finite.
     */
    void sumSquares(Block block, long[] offsets, long[] lengths, double[] out);

    /** Frees everything this backend allocated. Never throws. */
    @Override
    void close();
}
