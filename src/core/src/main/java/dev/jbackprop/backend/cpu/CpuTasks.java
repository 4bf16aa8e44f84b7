package dev.jbackprop.backend.cpu;

import static dev.jbackprop.backend.cpu.CpuMath.SOFTMAX;

import dev.jbackprop.engine.UpdateScalars;
import dev.jbackprop.model.Optimizer;

/**
 * The CPU backend's operations other than the GEMM ({@link CpuGemm.Task}) and the output error
 * ({@link CpuLoss.Task}), as {@link CpuTask}s over raw addresses. Their floats do not depend on how
 * they are split (elementwise, or each row summed on its own in column order), so a captured step may
 * split them differently from an eager call ({@link #spread}).
 */
final class CpuTasks {
    private CpuTasks() {}

    // Elements per part below which an eager call runs on the calling thread alone.
    static final int MIN_PER_THREAD = 1 << 14;

    /** Parts for an eager call over {@code elements} floats on {@code threads} threads, each at least MIN_PER_THREAD. */
    static int eagerParts(long elements, int extent, int threads) {
        return (int) Math.max(1, Math.min(Math.min(threads, extent), elements / MIN_PER_THREAD));
    }

    /** A task whose floats are the same however it is split: a captured step may choose its parts. */
    abstract static class Free extends CpuTask {
        /** Splits over all {@code threads} threads (by columns where the task allows it). */
        abstract void spread(int threads);
    }

    /**
     * z[r0:r1, c0:c1] += bias[r0:r1]; a = σ(z) there; softmax (whole columns only, r0 = 0 and r1 = rows)
     * as well as the elementwise activations.
     */
    static void biasActivation(
            int code, float alpha, long z, long bias, long a, int rows, int r0, int r1, int c0, int c1) {
        if (code != SOFTMAX) {
            CpuKernels.biasActivation(code, alpha, z, bias, a, rows, r0, r1, c0, c1);
            return;
        }
        // a = e^(z − max) / Σ e^(z − max), the exponentials, the sum and the quotient in double and
        // rounded once, as kernels/activations.cu does (a NaN in z makes the column NaN); each
        // exponential is computed once and kept for the quotient
        double[] e = exps.get();
        if (e.length < rows) {
            e = new double[rows];
            exps.set(e);
        }
        for (int j = c0; j < c1; j++) {
            long base = (long) j * rows;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < rows; i++) {
                float v = Mem.get(z, base + i) + Mem.get(bias, i);
                Mem.put(z, base + i, v);
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int i = 0; i < rows; i++) sum += e[i] = Math.exp((double) Mem.get(z, base + i) - max);
            for (int i = 0; i < rows; i++) Mem.put(a, base + i, (float) (e[i] / sum));
        }
    }

    /** Each thread's exponentials of one softmax column. */
    private static final ThreadLocal<double[]> exps = ThreadLocal.withInitial(() -> new double[16]);

    /** z[:, j] += bias and a[:, j] = σ(z[:, j]) for the first m columns, by rows or columns. */
    static final class BiasActivation extends Free {
        int code;
        float alpha;
        int rows, m;
        boolean byRows; // softmax needs whole columns, so it always splits columns
        long z, bias, a; // addresses

        BiasActivation set(int code, float alpha, long z, long bias, long a, int rows, int m, int threads) {
            this.code = code;
            this.alpha = alpha;
            this.z = z;
            this.bias = bias;
            this.a = a;
            this.rows = rows;
            this.m = m;
            this.byRows = code != SOFTMAX && CpuGemm.splitRows(rows, m);
            this.parts = eagerParts((long) rows * m, byRows ? rows : m, threads);
            return this;
        }

        @Override
        void spread(int threads) {
            byRows = false;
            parts = Math.max(1, Math.min(threads, m));
        }

        int from(int part) {
            return Split.bound(byRows ? rows : m, parts, part);
        }

        int to(int part) {
            return Split.bound(byRows ? rows : m, parts, part + 1);
        }

        @Override
        public void run(int part) {
            int lo = from(part), hi = to(part);
            if (lo >= hi) return;
            if (byRows) biasActivation(code, alpha, z, bias, a, rows, lo, hi, 0, m);
            else biasActivation(code, alpha, z, bias, a, rows, 0, rows, lo, hi);
        }

        @Override
        void access(int part, Access acc) {
            int lo = from(part), hi = to(part);
            if (lo >= hi) return;
            int r0 = byRows ? lo : 0, r1 = byRows ? hi : rows, c0 = byRows ? 0 : lo, c1 = byRows ? m : hi;
            acc.read(bias, rows, r0, r1, 0, 1);
            acc.write(z, rows, r0, r1, c0, c1);
            acc.write(a, rows, r0, r1, c0, c1);
        }

        @Override
        String name() {
            return "bias + activation " + rows + "×" + m;
        }
    }

    /** delta ⊙= σ′(z) for the first m columns, by rows or columns. */
    static final class Backward extends Free {
        int code;
        float alpha;
        int rows, m;
        boolean byRows;
        long z, a, delta; // addresses

        Backward set(int code, float alpha, long z, long a, long delta, int rows, int m, int threads) {
            this.code = code;
            this.alpha = alpha;
            this.z = z;
            this.a = a;
            this.delta = delta;
            this.rows = rows;
            this.m = m;
            this.byRows = CpuGemm.splitRows(rows, m);
            this.parts = eagerParts((long) rows * m, byRows ? rows : m, threads);
            return this;
        }

        @Override
        void spread(int threads) {
            byRows = false;
            parts = Math.max(1, Math.min(threads, m));
        }

        int from(int part) {
            return Split.bound(byRows ? rows : m, parts, part);
        }

        int to(int part) {
            return Split.bound(byRows ? rows : m, parts, part + 1);
        }

        @Override
        public void run(int part) {
            int lo = from(part), hi = to(part);
            if (lo >= hi) return;
            if (byRows) CpuKernels.activationBackward(code, alpha, z, a, delta, rows, lo, hi, 0, m);
            else CpuKernels.activationBackward(code, alpha, z, a, delta, rows, 0, rows, lo, hi);
        }

        @Override
        void access(int part, Access acc) {
            int lo = from(part), hi = to(part);
            if (lo >= hi) return;
            int r0 = byRows ? lo : 0, r1 = byRows ? hi : rows, c0 = byRows ? 0 : lo, c1 = byRows ? m : hi;
            acc.read(z, rows, r0, r1, c0, c1);
            acc.read(a, rows, r0, r1, c0, c1);
            acc.write(delta, rows, r0, r1, c0, c1);
        }

        @Override
        String name() {
            return "derivative " + rows + "×" + m;
        }
    }

    /** Row sums s = Σ_j x[:, j] over m columns, by rows. */
    static final class SumColumns extends Free {
        long x, s;
        int rows, m;

        SumColumns set(long x, long s, int rows, int m, int threads) {
            this.x = x;
            this.s = s;
            this.rows = rows;
            this.m = m;
            this.parts = eagerParts((long) rows * m, rows, threads);
            return this;
        }

        @Override
        void spread(int threads) {
            parts = Math.max(1, Math.min(threads, rows / 8));
        }

        @Override
        public void run(int part) {
            int r0 = Split.bound(rows, parts, part), r1 = Split.bound(rows, parts, part + 1);
            if (r0 >= r1) return;
            CpuKernels.sumColumns(x, s, rows, m, r0, r1);
        }

        @Override
        void access(int part, Access acc) {
            int r0 = Split.bound(rows, parts, part), r1 = Split.bound(rows, parts, part + 1);
            if (r0 >= r1) return;
            acc.read(x, rows, r0, r1, 0, m);
            acc.writeRange(s, r0, r1);
        }

        @Override
        String name() {
            return "column sums " + rows + "×" + m;
        }
    }

    /**
     * A pass over runs of floats of the parameter block ([from[i], to[i]); weights below weightCount),
     * elementwise, split evenly over the total length: the SGD update ({@link Update}) or an optimiser
     * step ({@link OptimizerStep}). A captured step cuts it into one {@link #segment} per layer's
     * weights or biases ({@link CpuPlan}).
     */
    abstract static class BlockPass extends Free {
        long p, g; // addresses of the parameter and gradient blocks
        int weightCount;
        int[] from = new int[1], to = new int[1];
        int runs;
        long total;

        /** The whole block [0, length). */
        void whole(int length, int threads) {
            this.runs = 1;
            this.from[0] = 0;
            this.to[0] = length;
            this.total = length;
            this.parts = eagerParts(length, length, threads);
        }

        /** Elements [from, to) of the block (one call of the pass's loop). */
        abstract void apply(int from, int to);

        /** What elements [from, to) read and write. */
        abstract void accessRange(Access acc, int from, int to);

        /**
         * The same pass over the column-major rows × cols matrix at element {@code off} of the block
         * (weights, or biases when {@code weights} is false), split by rows or columns into {@code parts}.
         */
        abstract CpuTask segment(long off, int rows, int cols, boolean weights, boolean byRows, int parts);

        /** Leaves [lo, hi) out (a captured step updates it elsewhere). */
        void remove(int lo, int hi) {
            int[] f = new int[runs + 1], t = new int[runs + 1];
            int n = 0;
            for (int i = 0; i < runs; i++) {
                if (hi <= from[i] || lo >= to[i]) {
                    f[n] = from[i];
                    t[n++] = to[i];
                    continue;
                }
                if (from[i] < lo) {
                    f[n] = from[i];
                    t[n++] = lo;
                }
                if (hi < to[i]) {
                    f[n] = hi;
                    t[n++] = to[i];
                }
            }
            from = f;
            to = t;
            runs = n;
            total = 0;
            for (int i = 0; i < n; i++) total += to[i] - from[i];
        }

        @Override
        void spread(int threads) {
            parts = (int) Math.max(1, Math.min(threads, total / 1024));
        }

        @Override
        public void run(int part) {
            if (runs == 1 && parts == 1) {
                apply(from[0], to[0]);
                return;
            }
            long lo = total * part / parts, hi = total * (part + 1) / parts, at = 0;
            for (int i = 0; i < runs && at < hi; i++) {
                long len = to[i] - from[i];
                long a = Math.max(lo, at), b = Math.min(hi, at + len);
                if (a < b) apply(from[i] + (int) (a - at), from[i] + (int) (b - at));
                at += len;
            }
        }

        @Override
        void access(int part, Access acc) {
            long lo = total * part / parts, hi = total * (part + 1) / parts, at = 0;
            for (int i = 0; i < runs && at < hi; i++) {
                long len = to[i] - from[i];
                long a = Math.max(lo, at), b = Math.min(hi, at + len);
                if (a < b) accessRange(acc, from[i] + (int) (a - at), from[i] + (int) (b - at));
                at += len;
            }
        }

        /**
         * Its own split ({@link #from}, {@link #to}): the eager task is reused, and {@link #whole} writes the arrays
         * in place for the next operation.
         */
        @Override
        BlockPass copy() {
            BlockPass t = (BlockPass) super.copy();
            t.from = from.clone();
            t.to = to.clone();
            return t;
        }
    }

    /** The SGD update of Ops.update over the parameter block, its rate, momentum and decay fixed. */
    static final class Update extends BlockPass {
        long v; // address; 0 without a velocity block
        float rate, momentum, decay;

        Update set(
                long p,
                long g,
                long v,
                int length,
                int weightCount,
                float rate,
                float momentum,
                float decay,
                int threads) {
            this.p = p;
            this.g = g;
            this.v = v;
            this.weightCount = weightCount;
            this.rate = rate;
            this.momentum = momentum;
            this.decay = decay;
            whole(length, threads);
            return this;
        }

        @Override
        void apply(int from, int to) {
            CpuKernels.update(p, g, v, from, to, weightCount, rate, momentum, decay);
        }

        @Override
        void accessRange(Access acc, int f, int t) {
            acc.readRange(g, f, t);
            acc.writeRange(p, f, t);
            if (v != 0) acc.writeRange(v, f, t);
        }

        @Override
        CpuTask segment(long off, int rows, int cols, boolean weights, boolean byRows, int parts) {
            return new SegmentUpdate(
                    p + 4 * off,
                    g + 4 * off,
                    v == 0 ? 0 : v + 4 * off,
                    rows,
                    cols,
                    weights,
                    byRows,
                    parts,
                    rate,
                    momentum,
                    decay);
        }

        @Override
        String name() {
            return "update " + total + " parameters in " + runs + " runs";
        }
    }

    /**
     * The SGD update of one matrix of parameters (a layer's weights, or its biases as a one-column
     * matrix) whose gradients a product or the column sums compute, split by rows or columns exactly as
     * that task is, so that each thread updates what it has just computed (a captured step's task, made
     * from a part of the whole-block update; see {@link CpuPlan}).
     */
    static final class SegmentUpdate extends CpuTask {
        final long p, g, v; // addresses of the matrix in the parameter, gradient and velocity blocks (v = 0: none)
        final int rows, cols;
        final boolean weights, byRows;
        final float rate, momentum, decay;

        SegmentUpdate(
                long p,
                long g,
                long v,
                int rows,
                int cols,
                boolean weights,
                boolean byRows,
                int parts,
                float rate,
                float momentum,
                float decay) {
            this.p = p;
            this.g = g;
            this.v = v;
            this.rows = rows;
            this.cols = cols;
            this.weights = weights;
            this.byRows = byRows;
            this.parts = parts;
            this.rate = rate;
            this.momentum = momentum;
            this.decay = decay;
        }

        @Override
        public void run(int part) {
            int lo = Split.bound(byRows ? rows : cols, parts, part),
                    hi = Split.bound(byRows ? rows : cols, parts, part + 1);
            if (lo >= hi) return;
            sgdRows(p, g, v, rows, cols, weights, byRows, lo, hi, rate, momentum, decay);
        }

        @Override
        void access(int part, Access acc) {
            int lo = Split.bound(byRows ? rows : cols, parts, part),
                    hi = Split.bound(byRows ? rows : cols, parts, part + 1);
            if (lo >= hi) return;
            int r0 = byRows ? lo : 0, r1 = byRows ? hi : rows, c0 = byRows ? 0 : lo, c1 = byRows ? cols : hi;
            acc.read(g, rows, r0, r1, c0, c1);
            acc.write(p, rows, r0, r1, c0, c1);
            if (v != 0) acc.write(v, rows, r0, r1, c0, c1);
        }

        @Override
        SegmentUpdate copy() {
            return new SegmentUpdate(p, g, v, rows, cols, weights, byRows, parts, rate, momentum, decay);
        }

        @Override
        String name() {
            return "update " + (weights ? "weights " : "biases ") + rows + "×" + cols + " by "
                    + (byRows ? "rows" : "columns");
        }
    }

    /**
     * The SGD update of rows (byRows) or columns [lo, hi) of the column-major rows × cols matrix at p
     * (gradient at g, velocity at v or 0); weights decayed, biases not.
     */
    static void sgdRows(
            long p,
            long g,
            long v,
            int rows,
            int cols,
            boolean weights,
            boolean byRows,
            int lo,
            int hi,
            float rate,
            float momentum,
            float decay) {
        if (!byRows || (lo == 0 && hi == rows)) { // whole columns: one run of floats
            int from = byRows ? 0 : lo * rows, to = byRows ? rows * cols : hi * rows;
            CpuKernels.update(p, g, v, from, to, weights ? to : from, rate, momentum, decay);
            return;
        }
        if (NativeKernels.AVAILABLE) {
            NativeKernels.updateRows(p, g, v, rows, lo, hi, 0, cols, weights, rate, momentum, decay);
            return;
        }
        for (int j = 0; j < cols; j++) {
            long o = 4L * ((long) j * rows + lo);
            int n = hi - lo;
            CpuKernels.updateJava(p + o, g + o, v == 0 ? 0 : v + o, 0, n, weights ? n : 0, rate, momentum, decay);
        }
    }

    /**
     * Ops.optimizerStep over the parameter block: the rule's pass ({@link CpuOptimizers#step}) with the
     * step's numbers read from the scalars block when it runs, so a replayed step follows what
     * setScalars last wrote there (the rate of a schedule, Adam's bias corrections).
     */
    static final class OptimizerStep extends BlockPass {
        int rule;
        long s1, s2, sc; // addresses; s1, s2 = 0 where the rule keeps no such state

        OptimizerStep set(
                int rule, long p, long g, long s1, long s2, long sc, int length, int weightCount, int threads) {
            this.rule = rule;
            this.p = p;
            this.g = g;
            this.s1 = s1;
            this.s2 = s2;
            this.sc = sc;
            this.weightCount = weightCount;
            whole(length, threads);
            return this;
        }

        @Override
        void apply(int from, int to) {
            CpuOptimizers.step(rule, p, g, s1, s2, sc, weightCount, from, to);
        }

        @Override
        void accessRange(Access acc, int f, int t) {
            acc.readRange(sc, 0, UpdateScalars.COUNT);
            acc.readRange(g, f, t);
            acc.writeRange(p, f, t);
            if (s1 != 0) acc.writeRange(s1, f, t);
            if (s2 != 0) acc.writeRange(s2, f, t);
        }

        @Override
        CpuTask segment(long off, int rows, int cols, boolean weights, boolean byRows, int parts) {
            return new SegmentOptimizerStep(this, off, rows, cols, weights, byRows, parts);
        }

        @Override
        String name() {
            return "update " + total + " parameters in " + runs + " runs (" + ruleName(rule) + ")";
        }
    }

    /** The command-line name of an optimiser rule's code. */
    static String ruleName(int code) {
        for (Optimizer.Kind k : Optimizer.Kind.values()) if (k.code == code) return k.cliName;
        return "rule " + code;
    }

    /**
     * An optimiser step on one matrix of parameters, split as the task computing its gradients is (the
     * counterpart of {@link SegmentUpdate}; the numbers read from the scalars block when it runs).
     */
    static final class SegmentOptimizerStep extends CpuTask {
        final int rule;
        final long p, g, s1, s2, sc; // the whole blocks' addresses
        final long off; // the matrix's first element in the blocks
        final int rows, cols, weightCount;
        final boolean weights, byRows;

        SegmentOptimizerStep(
                OptimizerStep o, long off, int rows, int cols, boolean weights, boolean byRows, int parts) {
            this.rule = o.rule;
            this.p = o.p;
            this.g = o.g;
            this.s1 = o.s1;
            this.s2 = o.s2;
            this.sc = o.sc;
            this.weightCount = o.weightCount;
            this.off = off;
            this.rows = rows;
            this.cols = cols;
            this.weights = weights;
            this.byRows = byRows;
            this.parts = parts;
        }

        @Override
        public void run(int part) {
            int lo = Split.bound(byRows ? rows : cols, parts, part),
                    hi = Split.bound(byRows ? rows : cols, parts, part + 1);
            if (lo >= hi) return;
            if (rule == Optimizer.Kind.SGD.code) { // the SGD update's loops, as CpuOptimizers.step runs them
                long o = 4 * off;
                sgdRows(
                        p + o,
                        g + o,
                        s1 == 0 ? 0 : s1 + o,
                        rows,
                        cols,
                        weights,
                        byRows,
                        lo,
                        hi,
                        Mem.get(sc, UpdateScalars.RATE),
                        Mem.get(sc, UpdateScalars.MOMENTUM),
                        Mem.get(sc, UpdateScalars.DECAY));
                return;
            }
            if (!byRows || (lo == 0 && hi == rows)) {
                int from = byRows ? 0 : lo * rows, to = byRows ? rows * cols : hi * rows;
                CpuOptimizers.step(rule, p, g, s1, s2, sc, weightCount, (int) off + from, (int) off + to);
                return;
            }
            for (int j = 0; j < cols; j++) {
                int at = (int) off + j * rows;
                CpuOptimizers.step(rule, p, g, s1, s2, sc, weightCount, at + lo, at + hi);
            }
        }

        @Override
        void access(int part, Access acc) {
            int lo = Split.bound(byRows ? rows : cols, parts, part),
                    hi = Split.bound(byRows ? rows : cols, parts, part + 1);
            if (lo >= hi) return;
            int r0 = byRows ? lo : 0, r1 = byRows ? hi : rows, c0 = byRows ? 0 : lo, c1 = byRows ? cols : hi;
            long o = 4 * off;
            acc.readRange(sc, 0, UpdateScalars.COUNT);
            acc.read(g + o, rows, r0, r1, c0, c1);
            acc.write(p + o, rows, r0, r1, c0, c1);
            if (s1 != 0) acc.write(s1 + o, rows, r0, r1, c0, c1);
            if (s2 != 0) acc.write(s2 + o, rows, r0, r1, c0, c1);
        }

        @Override
        SegmentOptimizerStep copy() {
            return this; // immutable
        }

        @Override
        String name() {
            return "update " + (weights ? "weights " : "biases ") + rows + "×" + cols + " by "
                    + (byRows ? "rows" : "columns") + " (" + ruleName(rule) + ")";
        }
    }

    /**
     * Ops.setScalars: dst[0 … n) = values. An eager call writes the caller's array; a captured step
     * keeps a copy of the values it was given (as a CUDA graph keeps its kernel's arguments).
     */
    static final class SetScalars extends CpuTask {
        long dst;
        float[] values;

        SetScalars set(long dst, float[] values) {
            this.dst = dst;
            this.values = values;
            this.parts = 1;
            return this;
        }

        @Override
        public void run(int part) {
            CpuOptimizers.setScalars(dst, values);
        }

        @Override
        void access(int part, Access acc) {
            acc.writeRange(dst, 0, values.length);
        }

        @Override
        SetScalars copy() {
            return new SetScalars().set(dst, values.clone());
        }

        @Override
        String name() {
            return "set " + values.length + " scalars";
        }
    }

    /** dst[:, j] = src[:, idx[offset + j]] for j < m (a column of NaN for an index outside src), by columns. */
    static final class Gather extends Free {
        long src, dst; // addresses
        int rows, srcCols, offset, m;
        CpuIndexBlock idx;

        Gather set(long src, int rows, int srcCols, CpuIndexBlock idx, int offset, int m, long dst, int threads) {
            this.src = src;
            this.rows = rows;
            this.srcCols = srcCols;
            this.idx = idx;
            this.offset = offset;
            this.m = m;
            this.dst = dst;
            this.parts = eagerParts((long) rows * m, m, threads);
            return this;
        }

        @Override
        void spread(int threads) {
            parts = Math.max(1, Math.min(threads, m));
        }

        @Override
        public void run(int part) {
            int c0 = Split.bound(m, parts, part), c1 = Split.bound(m, parts, part + 1);
            int[] ix = idx.idx;
            long bytes = 4L * rows;
            for (int j = c0; j < c1; j++) {
                int col = ix[offset + j];
                if (col >= 0 && col < srcCols) Mem.copy(src + (long) col * bytes, dst + (long) j * bytes, bytes);
                else for (int i = 0; i < rows; i++) Mem.put(dst, (long) j * rows + i, Float.NaN); // as on the GPU
            }
        }

        @Override
        void access(int part, Access acc) {
            int c0 = Split.bound(m, parts, part), c1 = Split.bound(m, parts, part + 1);
            if (c0 >= c1) return;
            acc.read(src, rows, 0, rows, 0, srcCols);
            acc.readRange(idx.address, offset + c0, offset + c1);
            acc.write(dst, rows, 0, rows, c0, c1);
        }

        @Override
        String name() {
            return "gather " + rows + "×" + m;
        }
    }

    /**
     * Ops.gatherBytes: dst[:, j] = decode(src[:, idx[offset + j]]) for j < m ({@link CpuGather#bytes}), by
     * columns (each column on its own: the split changes no float).
     */
    static final class GatherBytes extends Free {
        CpuByteBlock src;
        int rows, srcCols, offset, m;
        CpuIndexBlock idx;
        long shift, factor, dst; // addresses; shift = factor = 0 without a normalisation

        GatherBytes set(
                CpuByteBlock src,
                int rows,
                int srcCols,
                CpuIndexBlock idx,
                int offset,
                int m,
                long shift,
                long factor,
                long dst,
                int threads) {
            this.src = src;
            this.rows = rows;
            this.srcCols = srcCols;
            this.idx = idx;
            this.offset = offset;
            this.m = m;
            this.shift = shift;
            this.factor = factor;
            this.dst = dst;
            this.parts = eagerParts((long) rows * m, m, threads);
            return this;
        }

        @Override
        void spread(int threads) {
            parts = Math.max(1, Math.min(threads, m));
        }

        @Override
        public void run(int part) {
            int c0 = Split.bound(m, parts, part), c1 = Split.bound(m, parts, part + 1);
            if (c0 >= c1) return;
            CpuGather.bytes(
                    src.bytes, rows, srcCols, idx.idx, offset + c0, c1 - c0, shift, factor, dst + 4L * c0 * rows);
        }

        @Override
        void access(int part, Access acc) {
            int c0 = Split.bound(m, parts, part), c1 = Split.bound(m, parts, part + 1);
            if (c0 >= c1) return;
            acc.readRange(src.address, 0, (src.bytes.length + 3) / 4);
            acc.readRange(idx.address, offset + c0, offset + c1);
            if (shift != 0) {
                acc.readRange(shift, 0, rows);
                acc.readRange(factor, 0, rows);
            }
            acc.write(dst, rows, 0, rows, c0, c1);
        }

        @Override
        String name() {
            return "gather bytes " + rows + "×" + m;
        }
    }

    /**
     * Ops.gatherOneHot: dst[:, j] = the one-hot column of class labels[idx[offset + j]] for j < m ({@link
     * CpuGather#oneHot}), by columns.
     */
    static final class GatherOneHot extends Free {
        CpuIndexBlock labels, idx;
        int offset, m, rows;
        long dst;

        GatherOneHot set(CpuIndexBlock labels, CpuIndexBlock idx, int offset, int m, int rows, long dst, int threads) {
            this.labels = labels;
            this.idx = idx;
            this.offset = offset;
            this.m = m;
            this.rows = rows;
            this.dst = dst;
            this.parts = eagerParts((long) rows * m, m, threads);
            return this;
        }

        @Override
        void spread(int threads) {
            parts = Math.max(1, Math.min(threads, m));
        }

        @Override
        public void run(int part) {
            int c0 = Split.bound(m, parts, part), c1 = Split.bound(m, parts, part + 1);
            if (c0 >= c1) return;
            CpuGather.oneHot(labels.idx, idx.idx, offset + c0, c1 - c0, rows, dst + 4L * c0 * rows);
        }

        @Override
        void access(int part, Access acc) {
            int c0 = Split.bound(m, parts, part), c1 = Split.bound(m, parts, part + 1);
            if (c0 >= c1) return;
            acc.readRange(labels.address, 0, labels.idx.length);
            acc.readRange(idx.address, offset + c0, offset + c1);
            acc.write(dst, rows, 0, rows, c0, c1);
        }

        @Override
        String name() {
            return "gather one-hot " + rows + "×" + m;
        }
    }

    /** dst[0 … m) = src[offset … offset+m), on one thread. */
    static final class CopyIndices extends CpuTask {
        CpuIndexBlock src, dst;
        int offset, m;

        CopyIndices set(CpuIndexBlock src, int offset, int m, CpuIndexBlock dst) {
            this.src = src;
            this.offset = offset;
            this.m = m;
            this.dst = dst;
            this.parts = 1;
            return this;
        }

        @Override
        public void run(int part) {
            System.arraycopy(src.idx, offset, dst.idx, 0, m);
        }

        @Override
        void access(int part, Access acc) {
            acc.readRange(src.address, offset, offset + m);
            acc.writeRange(dst.address, 0, m);
        }

        @Override
        String name() {
            return "copy indices " + m;
        }
    }
}
