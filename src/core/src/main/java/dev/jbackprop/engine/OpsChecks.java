package dev.jbackprop.engine;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.Optimizer;

/**
 * The argument rules of {@link Ops}, written once: every backend calls the method of the same name
 * first thing in each operation, before it touches memory or queues work, so that a call one backend
 * refuses is refused by all of them, with the same message. The contract suite (OpsContract in the
 * tests) holds every backend to these rules and to the results they promise.
 *
 * <p>A bad shape, size or count throws {@link IllegalArgumentException} naming the operation and the
 * shapes it was given; a host array range or block range that does not fit throws {@link
 * IndexOutOfBoundsException}. The messages speak of the API (operation, operand, shape), never of how
 * a caller chose them.
 *
 * <h2>The rules, and why</h2>
 *
 * <ul>
 *   <li><b>Live columns.</b> {@code m} is in [0, cols] of every matrix it applies to; m = 0 is a valid
 *       empty batch and does nothing (the CPU once accepted m &lt; 0 in {@code sumColumns}).
 *   <li><b>Same shape.</b> The matrices of one elementwise operation (z, a, δ, y; a gather's source and
 *       destination rows) have the same rows, and z, a, δ, y the same capacity: they are views of one
 *       network made for one batch capacity, so a difference is always a wiring mistake. (The GPU
 *       required this; the CPU compared rows only.)
 *   <li><b>GEMM.</b> A Mat is a whole column-major matrix whose rows are its leading dimension, so a
 *       stored operand has exactly the rows the product reads (A: m, or k when transposed; B: k, or n;
 *       C: m) and at least the columns it reads (the rest is capacity, left alone). The CPU required
 *       equal rows, the GPU only enough rows (reading the top of a taller matrix); no caller reads a
 *       part of a taller matrix, and a taller operand is a wrong operand, so equal rows it is. m, n, k
 *       are not negative; m = 0 or n = 0 does nothing; k = 0 gives C = β·C.
 *   <li><b>Vectors.</b> A bias or a column sum has exactly as many entries as the matrix has rows
 *       (both backends took a longer one; the extra entries were never read or written).
 *   <li><b>Output layer.</b> The cost and the output activation must go together ({@link
 *       Cost#goesWith}): softmax with cross-entropy, sigmoid with binary cross-entropy, anything but
 *       softmax with the quadratic cost. The GPU refused the other pairs and the CPU computed them
 *       anyway (cross-entropy with a sigmoid output gave a − y, which is not its gradient). The output
 *       has at least one row. Softmax has no elementwise derivative, so {@code activationBackward}
 *       refuses it.
 *   <li><b>Update.</b> Parameters, gradients and (when given) velocity have one length; the weights
 *       are the first weightCount ∈ [0, length] of them; momentum is finite, and a non-zero momentum
 *       needs a velocity (the CPU silently dropped the momentum without one).
 *   <li><b>Optimiser steps.</b> The state blocks a rule keeps are given, of the parameters' length (a missing
 *       one would silently turn Adam into something else); its per-step numbers are a block of {@link
 *       UpdateScalars#COUNT} floats, which the step reads when it runs, so that a replayed step follows them;
 *       they are values, checked where they are made ({@link UpdateScalars}), not here (a device cannot check
 *       device memory without synchronising).
 *   <li><b>Indices.</b> An index upload fills the first src.length entries of a block at least that
 *       long (the CPU wanted exactly its length, the GPU at most); a gather or an index copy reads
 *       [offset, offset + m) of its index block. A gathered index outside the source's columns gives a
 *       NaN column, which the cost then shows: the GPU cannot check device-side indices without a
 *       host synchronisation, so the CPU does the same instead of throwing half-way. The uint8 gather
 *       takes a normalisation of one shift and one factor per row, or none (both null); the one-hot
 *       gather gives a NaN column for a class outside its rows, for the same reason.
 * </ul>
 *
 * <p>The accuracy rule that {@link Ops#outputError} applies is maths, not an argument check, so it
 * lives with the maths (CpuMath and kernels/elementwise.cuh, compared by KernelMathTest): a sample
 * counts as correct when its output's argmax equals its target's, where the argmax is the first index
 * of the largest entry that is not NaN and a column of NaN has none; with one output row, when neither
 * a nor y is NaN and both are on the same side of ½. A NaN output is never correct (the CPU counted a
 * NaN single output correct when y = 0).
 */
public final class OpsChecks {
    private OpsChecks() {}

    // ---- memory -------------------------------------------------------------------------------

    /** {@link Ops#allocate} and its variants: a block of {@code length ≥ 0} elements. */
    public static void allocate(String op, long length) {
        if (length < 0) throw new IllegalArgumentException(op + ": negative length " + length);
    }

    /** {@link Ops#upload(float[], int, Block, long, int)}. */
    public static void upload(float[] src, int srcOffset, Block dst, long dstOffset, int length) {
        copyRange("upload", src.length, srcOffset, length, dst.length(), dstOffset);
    }

    /** {@link Ops#download}. */
    public static void download(Block src, long srcOffset, float[] dst, int dstOffset, int length) {
        copyRange("download", dst.length, dstOffset, length, src.length(), srcOffset);
    }

    /**
     * A copy of {@code length} elements between [hostOffset, hostOffset + length) of a host array and
     * [blockOffset, blockOffset + length) of a block: both ranges must lie inside.
     */
    public static void copyRange(
            String op, int hostLength, int hostOffset, int length, long blockLength, long blockOffset) {
        if (length < 0 || hostOffset < 0 || (long) hostOffset + length > hostLength) {
            throw new IndexOutOfBoundsException(op + ": host range [" + hostOffset + ", " + ((long) hostOffset + length)
                    + ") of an array of " + hostLength);
        }
        if (blockOffset < 0 || blockOffset + length > blockLength) {
            throw new IndexOutOfBoundsException(op + ": block range [" + blockOffset + ", " + (blockOffset + length)
                    + ") of a block of " + blockLength);
        }
    }

    /** {@link Ops#upload(byte[], int, ByteBlock, long, int)}. */
    public static void upload(byte[] src, int srcOffset, ByteBlock dst, long dstOffset, int length) {
        copyRange("upload", src.length, srcOffset, length, dst.length(), dstOffset);
    }

    /** {@link Ops#upload(int[], IndexBlock)}: the first src.length entries of dst. */
    public static void upload(int[] src, IndexBlock dst) {
        if (src.length > dst.length()) {
            throw new IllegalArgumentException(
                    "upload: " + src.length + " indices into an index block of " + dst.length());
        }
    }

    /** {@link Ops#copyIndices}. */
    public static void copyIndices(IndexBlock src, int offset, int m, IndexBlock dst) {
        if (m < 0 || offset < 0 || (long) offset + m > src.length() || m > dst.length()) {
            throw new IllegalArgumentException("copyIndices: " + m + " indices from offset " + offset
                    + " of an index block of " + src.length() + " into one of " + dst.length());
        }
    }

    // ---- compute ------------------------------------------------------------------------------

    /** {@link Ops#gemm}: see the class comment. */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, Mat a, Mat b, Mat c) {
        if (m < 0
                || n < 0
                || k < 0
                // stored A is m × k (k × m when transposed), B is k × n (n × k), C is m × n
                || a.rows() != (transA ? k : m)
                || a.cols() < (transA ? m : k)
                || b.rows() != (transB ? n : k)
                || b.cols() < (transB ? k : n)
                || c.rows() != m
                || c.cols() < n) {
            throw new IllegalArgumentException(String.format(
                    "gemm(%s,%s) m=%d n=%d k=%d: A is %s, B is %s, C is %s; they must be %d×(≥%d), %d×(≥%d) and"
                            + " %d×(≥%d) (rows = leading dimension, exactly; columns at least)",
                    transA ? "T" : "N",
                    transB ? "T" : "N",
                    m,
                    n,
                    k,
                    shape(a),
                    shape(b),
                    shape(c),
                    transA ? k : m,
                    transA ? m : k,
                    transB ? n : k,
                    transB ? k : n,
                    m,
                    n));
        }
    }

    /** {@link Ops#biasActivation}. */
    public static void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m) {
        sameShape("biasActivation", "z", z, "a", a);
        columns("biasActivation", z, m);
        vector("biasActivation", "bias", bias, z);
    }

    /** {@link Ops#activationBackward}. */
    public static void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m) {
        if (act.kind() == Activation.Kind.SOFTMAX) {
            throw new IllegalArgumentException("activationBackward: softmax has no elementwise derivative; it is"
                    + " an output activation only, and its δ comes from outputError");
        }
        sameShape("activationBackward", "z", z, "a", a);
        sameShape("activationBackward", "z", z, "delta", delta);
        columns("activationBackward", z, m);
    }

    /** {@link Ops#outputError}: {@code delta} may be null (metrics only). */
    public static void outputError(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, Metrics metrics) {
        if (!cost.goesWith(out)) {
            throw new IllegalArgumentException("outputError: cost " + cost + " does not go with output activation "
                    + out + "; " + Cost.VALID_COMBINATIONS);
        }
        if (metrics == null) throw new IllegalArgumentException("outputError: metrics is null");
        sameShape("outputError", "z", z, "a", a);
        sameShape("outputError", "z", z, "y", y);
        if (delta != null) sameShape("outputError", "z", z, "delta", delta);
        if (z.rows() == 0) throw new IllegalArgumentException("outputError: the output has no rows");
        columns("outputError", z, m);
    }

    /** {@link Ops#sumColumns}. */
    public static void sumColumns(Mat x, int m, Mat sums) {
        columns("sumColumns", x, m);
        vector("sumColumns", "sums", sums, x);
    }

    /** {@link Ops#update}. */
    public static void update(
            Block params, Block grads, Block velocity, long weightCount, float rate, float momentum, float decay) {
        if (grads.length() != params.length()) {
            throw new IllegalArgumentException(
                    "update: " + params.length() + " parameters but " + grads.length() + " gradients");
        }
        if (velocity != null && velocity.length() != params.length()) {
            throw new IllegalArgumentException(
                    "update: " + params.length() + " parameters but a velocity of " + velocity.length());
        }
        if (weightCount < 0 || weightCount > params.length()) {
            throw new IllegalArgumentException(
                    "update: weightCount " + weightCount + " outside [0, " + params.length() + "]");
        }
        if (!Float.isFinite(momentum))
            throw new IllegalArgumentException("update: momentum must be finite, got " + momentum);
        if (momentum != 0f && velocity == null)
            throw new IllegalArgumentException("update: momentum " + momentum + " needs a velocity block");
    }

    /** {@link Ops#setScalars}: at most {@link Ops#MAX_SCALARS} values, and no more than dst holds. */
    public static void setScalars(Block dst, float[] values) {
        if (values.length > Ops.MAX_SCALARS || values.length > dst.length()) {
            throw new IllegalArgumentException("setScalars: " + values.length + " values into a block of "
                    + dst.length() + " (at most " + Ops.MAX_SCALARS + ")");
        }
    }

    /**
     * {@link Ops#optimizerStep}: parameters, gradients and the state blocks given have one length, the weights are
     * the first weightCount ∈ [0, length] of them, the scalars block holds {@link UpdateScalars#COUNT} floats, and
     * the rule has the state it keeps: NESTEROV its momentum buffer (state1), ADAM and ADAMW both moments; SGD's
     * velocity (state1) is optional, and a state2 given to SGD or NESTEROV is a wiring mistake.
     */
    public static void optimizerStep(
            Optimizer.Kind rule,
            Block params,
            Block grads,
            Block state1,
            Block state2,
            long weightCount,
            Block scalars) {
        if (rule == null) throw new IllegalArgumentException("optimizerStep: no rule");
        String op = rule.name; // a constant: a check allocates nothing
        if (grads.length() != params.length())
            throw new IllegalArgumentException(
                    op + ": " + params.length() + " parameters but " + grads.length() + " gradients");
        stateLength(op, params, state1);
        stateLength(op, params, state2);
        if (weightCount < 0 || weightCount > params.length())
            throw new IllegalArgumentException(
                    op + ": weightCount " + weightCount + " outside [0, " + params.length() + "]");
        if (scalars == null || scalars.length() < UpdateScalars.COUNT)
            throw new IllegalArgumentException(op + ": the scalars block must hold " + UpdateScalars.COUNT
                    + " floats, got " + (scalars == null ? "none" : scalars.length()));
        if (rule != Optimizer.Kind.SGD && state1 == null)
            throw new IllegalArgumentException(
                    op + ": needs its first state block (" + (rule.adaptive() ? "exp_avg" : "momentum buffer") + ")");
        if (rule.adaptive() && state2 == null)
            throw new IllegalArgumentException(op + ": needs its second state block (exp_avg_sq)");
        if (!rule.adaptive() && state2 != null)
            throw new IllegalArgumentException(op + ": keeps one state block, but a second was given");
    }

    private static void stateLength(String op, Block params, Block state) {
        if (state != null && state.length() != params.length())
            throw new IllegalArgumentException(
                    op + ": " + params.length() + " parameters but a state block of " + state.length());
    }

    /** {@link Ops#gather}. */
    public static void gather(Mat src, IndexBlock idx, int offset, int m, Mat dst) {
        if (src.rows() != dst.rows()) {
            throw new IllegalArgumentException(
                    "gather: src is " + shape(src) + " but dst is " + shape(dst) + "; they must have the same rows");
        }
        columns("gather", dst, m);
        indexRange("gather", idx, offset, m);
    }

    /** {@link Ops#gatherBytes}: the rules of {@link #gather}, and a normalisation of one entry per row or none. */
    public static void gatherBytes(ByteMat src, IndexBlock idx, int offset, int m, Mat shift, Mat factor, Mat dst) {
        if (src.rows() != dst.rows()) {
            throw new IllegalArgumentException("gatherBytes: src is " + src.rows() + "×" + src.cols()
                    + " bytes but dst is " + shape(dst) + "; they must have the same rows");
        }
        if ((shift == null) != (factor == null))
            throw new IllegalArgumentException("gatherBytes: shift and factor go together (both given or neither)");
        if (shift != null) {
            vector("gatherBytes", "shift", shift, dst);
            vector("gatherBytes", "factor", factor, dst);
        }
        columns("gatherBytes", dst, m);
        indexRange("gatherBytes", idx, offset, m);
    }

    /** {@link Ops#gatherOneHot}: the rules of {@link #gather}; the output has at least one row. */
    public static void gatherOneHot(IndexBlock labels, IndexBlock idx, int offset, int m, Mat dst) {
        if (labels == null) throw new IllegalArgumentException("gatherOneHot: labels is null");
        if (dst.rows() == 0) throw new IllegalArgumentException("gatherOneHot: dst has no rows (no classes)");
        columns("gatherOneHot", dst, m);
        indexRange("gatherOneHot", idx, offset, m);
    }

    private static void indexRange(String op, IndexBlock idx, int offset, int m) {
        if (offset < 0 || (long) offset + m > idx.length()) {
            throw new IllegalArgumentException(op + ": indices [" + offset + ", " + ((long) offset + m)
                    + ") outside an index block of " + idx.length());
        }
    }

    /** {@link Ops#sumSquares}. */
    public static void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
        if (offsets.length != lengths.length || out.length < offsets.length) {
            throw new IllegalArgumentException("sumSquares: " + offsets.length + " offsets, " + lengths.length
                    + " lengths and " + out.length + " outputs");
        }
        for (int s = 0; s < offsets.length; s++) {
            if (offsets[s] < 0 || lengths[s] < 0 || offsets[s] + lengths[s] > block.length()) {
                throw new IllegalArgumentException("sumSquares: segment [" + offsets[s] + ", "
                        + (offsets[s] + lengths[s]) + ") outside a block of " + block.length());
            }
        }
    }

    // ---- the shared rules ---------------------------------------------------------------------

    private static void sameShape(String op, String n1, Mat x, String n2, Mat y) {
        if (x.rows() != y.rows() || x.cols() != y.cols()) {
            throw new IllegalArgumentException(
                    op + ": " + n1 + " is " + shape(x) + " but " + n2 + " is " + shape(y) + "; they must be the same");
        }
    }

    private static void columns(String op, Mat x, int m) {
        if (m < 0 || m > x.cols())
            throw new IllegalArgumentException(op + ": m=" + m + " live columns outside [0, " + x.cols() + "]");
    }

    private static void vector(String op, String name, Mat v, Mat x) {
        if (v.size() != x.rows()) {
            throw new IllegalArgumentException(op + ": " + name + " is " + shape(v) + " (" + v.size()
                    + " entries) for a matrix of " + x.rows() + " rows; it must have one entry per row");
        }
    }

    private static String shape(Mat x) {
        return x.rows() + "×" + x.cols();
    }
}
