package dev.jbackprop.engine;

import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Optimizer;
import dev.jbackprop.model.ParamLayout;

/**
 * A network's memory on one backend, allocated once for a batch capacity: one block of parameters
 * (all weights, then all biases; see {@link ParamLayout}), one of gradients in the same layout, the
 * optimiser's state in the same layout (a velocity or momentum buffer, Adam's two moments: only what
 * the {@link Optimizer} keeps), the optimiser's per-step numbers ({@link UpdateScalars}) and one block
 * of activations holding x, y and each layer's z, a and δ. Everything else is a view into those
 * blocks.
 */
public final class Network implements AutoCloseable {
    public final NetworkSpec spec;
    public final ParamLayout layout;
    public final Ops ops;
    /** Largest batch (number of columns) the activation views hold. */
    public final int capacity;

    public final Block params; // (layout.total()) weights then biases
    public final Block grads; // (layout.total()) ∂C/∂W then ∂C/∂b, summed over the batch
    /**
     * (layout.total()) the optimiser's first state, or null: sgd's velocity v, nesterov's momentum buffer,
     * adam's exp_avg (the first moment).
     */
    public final Block velocity;
    /** (layout.total()) adam's exp_avg_sq (the second moment), or null. */
    public final Block secondMoment;
    /** (UpdateScalars.COUNT) the optimiser's numbers for the step about to run. */
    public final Block updateScalars;

    public final Block activations;
    /** Host copy of the scalars written before each step (no allocation per step). */
    final float[] scalarsHost = new float[UpdateScalars.COUNT];
    /** Optimiser steps taken (Adam's t before the next step); set when a run is restored. */
    private long updates;

    public final Mat[] w; // w[l]: (n_{l+1}, n_l) column-major
    public final Mat[] b; // b[l]: (n_{l+1}, 1)
    public final Mat[] gw; // gw[l]: (n_{l+1}, n_l)
    public final Mat[] gb; // gb[l]: (n_{l+1}, 1)
    public final Mat x; // (n_0, capacity): the input batch, one sample per column
    public final Mat y; // (n_L, capacity): the targets
    public final Mat[] z; // z[l]: (n_{l+1}, capacity) weighted inputs
    public final Mat[] a; // a[l]: (n_{l+1}, capacity) activations σ(z)
    public final Mat[] delta; // delta[l]: (n_{l+1}, capacity) ∂C/∂z

    /** A network for momentum SGD (withMomentum: a velocity block) or plain SGD. */
    public Network(Ops ops, NetworkSpec spec, int capacity, boolean withMomentum) {
        this(ops, spec, capacity, Optimizer.sgd(withMomentum ? 0.5 : 0)); // only whether it keeps a velocity
    }

    /** A network whose state blocks are those {@code optimizer} keeps. */
    public Network(Ops ops, NetworkSpec spec, int capacity, Optimizer optimizer) {
        if (capacity <= 0) throw new IllegalArgumentException("batch size must be at least 1, got " + capacity);
        this.ops = ops;
        this.spec = spec;
        this.layout = spec.layout();
        this.capacity = capacity;
        int layers = layout.layers();
        long actFloats = (long) capacity * (spec.inputSize() + spec.outputSize());
        for (int l = 0; l < layers; l++) actFloats += 3L * layout.nOut(l) * capacity;

        Block p = null, g = null, v = null, v2 = null, sc = null, act = null;
        try {
            p = ops.allocateGemmOperands(layout.total()); // W is a GEMM input
            g = ops.allocate(layout.total());
            v = optimizer.firstState() ? ops.allocate(layout.total()) : null;
            v2 = optimizer.secondState() ? ops.allocate(layout.total()) : null;
            sc = ops.allocate(UpdateScalars.COUNT);
            act = ops.allocateGemmOperands(actFloats); // x, a and δ are GEMM inputs
        } catch (RuntimeException e) {
            for (Block blk : new Block[] {p, g, v, v2, sc, act}) if (blk != null) blk.close();
            throw e;
        }
        params = p;
        grads = g;
        velocity = v;
        secondMoment = v2;
        updateScalars = sc;
        activations = act;

        w = new Mat[layers];
        b = new Mat[layers];
        gw = new Mat[layers];
        gb = new Mat[layers];
        z = new Mat[layers];
        a = new Mat[layers];
        delta = new Mat[layers];
        for (int l = 0; l < layers; l++) {
            int nIn = layout.nIn(l), nOut = layout.nOut(l);
            w[l] = Mat.of(params, layout.weightOffset(l), nOut, nIn);
            b[l] = Mat.vector(params, layout.biasOffset(l), nOut);
            gw[l] = Mat.of(grads, layout.weightOffset(l), nOut, nIn);
            gb[l] = Mat.vector(grads, layout.biasOffset(l), nOut);
        }
        long off = 0;
        x = Mat.of(activations, off, spec.inputSize(), capacity);
        off += x.size();
        y = Mat.of(activations, off, spec.outputSize(), capacity);
        off += y.size();
        for (int l = 0; l < layers; l++) {
            int n = layout.nOut(l);
            z[l] = Mat.of(activations, off, n, capacity);
            off += z[l].size();
            a[l] = Mat.of(activations, off, n, capacity);
            off += a[l].size();
            delta[l] = Mat.of(activations, off, n, capacity);
            off += delta[l].size();
        }
    }

    public int layers() {
        return layout.layers();
    }

    /** The input to layer l: x for l = 0, else the previous layer's activations. */
    public Mat input(int l) {
        return l == 0 ? x : a[l - 1];
    }

    public Mat output() {
        return a[layers() - 1];
    }

    public void setParameters(float[] values) {
        if (values.length != layout.total()) {
            throw new IllegalArgumentException(
                    "expected " + layout.total() + " parameters for " + spec + ", got " + values.length);
        }
        ops.upload(values, 0, params, 0, values.length);
        if (velocity != null) ops.fill(velocity, 0f);
        if (secondMoment != null) ops.fill(secondMoment, 0f);
        updates = 0;
    }

    /** Optimiser steps taken so far (t of the last one; Adam's bias corrections use the next). */
    public long updates() {
        return updates;
    }

    /** Sets the optimiser steps taken (a restored run continues its bias corrections). */
    public void setUpdates(long steps) {
        if (steps < 0) throw new IllegalArgumentException("negative optimiser step count " + steps);
        updates = steps;
    }

    /** Counts one optimiser step (called by {@link Step}). */
    void countUpdate() {
        updates++;
    }

    /** A copy of adam's exp_avg_sq (zeros when the optimiser keeps none). */
    public float[] secondMoment() {
        float[] out = new float[Math.toIntExact(layout.total())];
        if (secondMoment != null) ops.download(secondMoment, 0, out, 0, out.length);
        return out;
    }

    /** Restores adam's exp_avg_sq (ignored when the optimiser keeps none). */
    public void setSecondMoment(float[] values) {
        if (secondMoment == null) return;
        ops.upload(values, 0, secondMoment, 0, values.length);
    }

    public float[] parameters() {
        float[] out = new float[Math.toIntExact(layout.total())];
        ops.download(params, 0, out, 0, out.length);
        return out;
    }

    public float[] gradients() {
        float[] out = new float[Math.toIntExact(layout.total())];
        ops.download(grads, 0, out, 0, out.length);
        return out;
    }

    public float[] velocity() {
        float[] out = new float[Math.toIntExact(layout.total())];
        if (velocity != null) ops.download(velocity, 0, out, 0, out.length);
        return out;
    }

    public void setVelocity(float[] values) {
        if (velocity == null) return;
        ops.upload(values, 0, velocity, 0, values.length);
    }

    /** Downloads the first m columns of a matrix (column-major). */
    public float[] read(Mat m, int cols) {
        float[] out = new float[m.rows() * cols];
        ops.download(m.block(), 0, out, 0, out.length);
        return out;
    }

    @Override
    public void close() {
        for (Block blk : new Block[] {params, grads, velocity, secondMoment, updateScalars, activations}) {
            if (blk != null) blk.close();
        }
    }
}
