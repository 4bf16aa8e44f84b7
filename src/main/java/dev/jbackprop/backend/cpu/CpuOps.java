package dev.jbackprop.backend.cpu;

import static dev.jbackprop.backend.cpu.CpuMath.SOFTMAX;

import dev.jbackprop.engine.Block;
import dev.jbackprop.engine.IndexBlock;
import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.Metrics;
import dev.jbackprop.engine.Ops;
import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU backend: float32. GEMMs on single-threaded OpenBLAS, each split by rows or columns of its
 * output over a {@link WorkerPool} (the calling thread and its workers); the elementwise pass after a
 * GEMM is split the same way, so each thread reads back what it has just written, hot in its own
 * cache. The elementwise loops are vectorised C where the native library loads ({@link
 * NativeKernels}), else Java ({@link CpuKernels}), with the same results. Nothing here allocates
 * after set-up: each operation keeps one task object whose fields it sets before running.
 */
public final class CpuOps implements Ops {
    // Elements per thread below which an elementwise pass runs on the calling thread alone.
    private static final int MIN_PER_THREAD = 1 << 14;
    // A thread's share of a GEMM is at least MIN_GEMM_PART multiply-adds and MIN_GEMM_EXTENT rows or
    // columns, so that the hand-off to a worker (about a microsecond) stays small against the work and
    // OpenBLAS keeps its blocked kernels (it sends one column to GEMV, m·n·k up to 100³ to small-matrix
    // kernels on AVX-512 cores).
    private static final long MIN_GEMM_PART = 1L << 21;
    private static final int MIN_GEMM_EXTENT = 16;

    private final WorkerPool pool;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final int threads;

    public CpuOps() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuOps(int threads) {
        this.threads = Math.max(1, threads);
        Blas.init();
        this.pool = new WorkerPool(this.threads);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public boolean hostMemory() {
        return true;
    }

    @Override
    public String description() {
        return "CPU, " + threads + " threads, float32; GEMMs: OpenBLAS, " + Blas.kernels()
                + ", split over the threads; elementwise: " + NativeKernels.STATUS;
    }

    // ---- memory -------------------------------------------------------------------------------

    @Override
    public synchronized Block allocate(long length) {
        CpuBlock b = CpuBlock.allocate(length);
        owned.add(b);
        return b;
    }

    @Override
    public IndexBlock allocateIndices(int length) {
        return new CpuIndexBlock(length);
    }

    @Override
    public Metrics allocateMetrics() {
        return new CpuMetrics();
    }

    @Override
    public void upload(float[] src, int srcOffset, Block dst, long dstOffset, int length) {
        ((CpuBlock) dst).buf.put((int) dstOffset, src, srcOffset, length);
    }

    @Override
    public void upload(int[] src, IndexBlock dst) {
        CpuIndexBlock d = (CpuIndexBlock) dst;
        if (src.length != d.idx.length)
            throw new IllegalArgumentException("index upload of " + src.length + " into block of " + d.idx.length);
        System.arraycopy(src, 0, d.idx, 0, src.length);
    }

    @Override
    public void download(Block src, long srcOffset, float[] dst, int dstOffset, int length) {
        ((CpuBlock) src).buf.get((int) srcOffset, dst, dstOffset, length);
    }

    @Override
    public void fill(Block dst, float value) {
        FloatBuffer b = ((CpuBlock) dst).buf;
        int n = b.limit();
        for (int i = 0; i < n; i++) b.put(i, value);
    }

    @Override
    public void synchronize() {}

    // ---- compute ------------------------------------------------------------------------------

    @Override
    public void gemm(
            boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c) {
        checkGemm(transA, transB, m, n, k, a, b, c);
        if (m == 0 || n == 0) return;
        GemmTask t = gemmTask;
        t.transA = transA;
        t.transB = transB;
        t.m = m;
        t.n = n;
        t.k = k;
        t.alpha = alpha;
        t.beta = beta;
        t.a = addr(a);
        t.lda = a.rows();
        t.b = addr(b);
        t.ldb = b.rows();
        t.c = addr(c);
        t.ldc = c.rows();
        t.byRows = splitRows(m, n);
        int extent = t.byRows ? m : n;
        long parts = Math.max(1, (long) m * n * k / MIN_GEMM_PART);
        int min = (int) Math.max(MIN_GEMM_EXTENT, extent / Math.min(parts, extent));
        pool.run(t, extent, min);
    }

    /**
     * Whether work on an m × n output is split over threads by rows (else by columns): the GEMM packs
     * the operand whose dimension is not split once per thread, so split the longer side; the
     * elementwise passes that follow use the same rule, so each thread reads back what it wrote.
     */
    static boolean splitRows(int m, int n) {
        return m > n;
    }

    /**
     * One thread's share of C = alpha·op(A)·op(B) + beta·C on single-threaded OpenBLAS: rows [from, to)
     * of C (rows of op(A)) or columns [from, to) (columns of op(B)).
     */
    private static final class GemmTask implements WorkerPool.RangeTask {
        boolean transA, transB, byRows;
        int m, n, k, lda, ldb, ldc;
        float alpha, beta;
        long a, b, c;

        @Override
        public void run(int from, int to) {
            if (byRows) {
                long aRow = transA ? 4L * from * Math.max(1, lda) : 4L * from;
                Blas.sgemm(transA, transB, to - from, n, k, alpha, a + aRow, lda, b, ldb, beta, c + 4L * from, ldc);
            } else {
                long bCol = transB ? 4L * from : 4L * from * Math.max(1, ldb);
                Blas.sgemm(
                        transA,
                        transB,
                        m,
                        to - from,
                        k,
                        alpha,
                        a,
                        lda,
                        b + bCol,
                        ldb,
                        beta,
                        c + 4L * from * Math.max(1, ldc),
                        ldc);
            }
        }
    }

    private final GemmTask gemmTask = new GemmTask();

    static void checkGemm(boolean transA, boolean transB, int m, int n, int k, Mat a, Mat b, Mat c) {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (a.rows() != aRows
                || a.cols() < aCols
                || b.rows() != bRows
                || b.cols() < bCols
                || c.rows() != m
                || c.cols() < n) {
            throw new IllegalArgumentException(String.format(
                    "gemm(%s,%s) m=%d n=%d k=%d: A is %d×%d, B is %d×%d, C is %d×%d",
                    transA ? "T" : "N",
                    transB ? "T" : "N",
                    m,
                    n,
                    k,
                    a.rows(),
                    a.cols(),
                    b.rows(),
                    b.cols(),
                    c.rows(),
                    c.cols()));
        }
    }

    private static FloatBuffer buf(Mat m) {
        return ((CpuBlock) m.block()).buf;
    }

    private static long addr(Mat m) {
        return ((CpuBlock) m.block()).address;
    }

    private final class BiasActivationTask implements WorkerPool.RangeTask {
        int code;
        float alpha;
        int rows, m;
        boolean byRows; // softmax needs whole columns, so it always splits columns
        long z, bias, a; // addresses

        @Override
        public void run(int from, int to) {
            if (code != SOFTMAX) {
                if (byRows) CpuKernels.biasActivation(code, alpha, z, bias, a, rows, from, to, 0, m);
                else CpuKernels.biasActivation(code, alpha, z, bias, a, rows, 0, rows, from, to);
                return;
            }
            for (int j = from; j < to; j++) {
                long base = (long) j * rows;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < rows; i++) {
                    float v = Mem.get(z, base + i) + Mem.get(bias, i);
                    Mem.put(z, base + i, v);
                    if (v > max) max = v;
                }
                double sum = 0;
                for (int i = 0; i < rows; i++) {
                    float e = (float) Math.exp(Mem.get(z, base + i) - max);
                    Mem.put(a, base + i, e);
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                for (int i = 0; i < rows; i++) Mem.put(a, base + i, Mem.get(a, base + i) * inv);
            }
        }
    }

    private final BiasActivationTask biasActivationTask = new BiasActivationTask();

    @Override
    public void biasActivation(Activation act, Mat z, Mat bias, Mat a, int m) {
        checkSame("biasActivation", z, a, m);
        if (bias.size() < z.rows())
            throw new IllegalArgumentException(
                    "biasActivation: bias has " + bias.size() + " entries for " + z.rows() + " rows");
        BiasActivationTask t = biasActivationTask;
        t.code = act.kind().code;
        t.alpha = (float) act.alpha();
        t.rows = z.rows();
        t.z = addr(z);
        t.bias = addr(bias);
        t.a = addr(a);
        t.m = m;
        t.byRows = t.code != SOFTMAX && splitRows(t.rows, m);
        runElementwise(t, t.byRows, t.rows, m);
    }

    /**
     * Runs an elementwise task over a rows × m matrix, split over the threads by rows or by columns
     * (the task reads the range as rows or columns accordingly), once each thread has MIN_PER_THREAD elements.
     */
    private void runElementwise(WorkerPool.RangeTask t, boolean byRows, int rows, int m) {
        pool.run(t, byRows ? rows : m, Math.max(1, MIN_PER_THREAD / Math.max(1, byRows ? m : rows)));
    }

    private static void checkSame(String op, Mat x, Mat y, int m) {
        if (x.rows() != y.rows() || m < 0 || m > x.cols() || m > y.cols()) {
            throw new IllegalArgumentException(op + ": shapes " + x.rows() + "×" + x.cols() + " and " + y.rows() + "×"
                    + y.cols() + " with m=" + m);
        }
    }

    private final class BackwardTask implements WorkerPool.RangeTask {
        int code;
        float alpha;
        int rows, m;
        boolean byRows;
        long z, a, delta; // addresses

        @Override
        public void run(int from, int to) {
            if (byRows) CpuKernels.activationBackward(code, alpha, z, a, delta, rows, from, to, 0, m);
            else CpuKernels.activationBackward(code, alpha, z, a, delta, rows, 0, rows, from, to);
        }
    }

    private final BackwardTask backwardTask = new BackwardTask();

    @Override
    public void activationBackward(Activation act, Mat z, Mat a, Mat delta, int m) {
        checkSame("activationBackward", z, delta, m);
        checkSame("activationBackward", a, delta, m);
        if (act.kind() == Activation.Kind.SOFTMAX) {
            throw new IllegalArgumentException(
                    "softmax has no elementwise derivative; it is only valid as the output of cross-entropy");
        }
        BackwardTask t = backwardTask;
        t.code = act.kind().code;
        t.alpha = (float) act.alpha();
        t.z = addr(z);
        t.a = addr(a);
        t.delta = addr(delta);
        t.rows = z.rows();
        t.m = m;
        t.byRows = splitRows(t.rows, m);
        runElementwise(t, t.byRows, t.rows, m);
    }

    @Override
    public void outputDelta(Cost cost, Activation out, Mat z, Mat a, Mat y, Mat delta, int m, Metrics metrics) {
        checkSame("outputDelta", z, a, m);
        checkSame("outputDelta", a, y, m);
        if (delta != null) checkSame("outputDelta", a, delta, m);
        long zb = addr(z), ab = addr(a), yb = addr(y), db = delta == null ? 0 : addr(delta); // shapes checked above
        int rows = z.rows();
        int code = out.kind().code;
        float alpha = (float) out.alpha();
        double loss = 0;
        int correct = 0;
        for (int j = 0; j < m; j++) {
            long base = (long) j * rows;
            int argA = 0, argY = 0;
            float bestA = Float.NEGATIVE_INFINITY, bestY = Float.NEGATIVE_INFINITY;
            float zmax = Float.NEGATIVE_INFINITY;
            double sumExp = 0;
            if (cost == Cost.CROSS_ENTROPY) {
                for (int i = 0; i < rows; i++) zmax = Math.max(zmax, Mem.get(zb, base + i));
                for (int i = 0; i < rows; i++) sumExp += Math.exp(Mem.get(zb, base + i) - zmax);
            }
            double logSum = Math.log(sumExp);
            for (int i = 0; i < rows; i++) {
                long p = base + i;
                float av = Mem.get(ab, p), yv = Mem.get(yb, p), zv = Mem.get(zb, p);
                if (av > bestA) {
                    bestA = av;
                    argA = i;
                }
                if (yv > bestY) {
                    bestY = yv;
                    argY = i;
                }
                switch (cost) {
                    case QUADRATIC -> {
                        loss += CpuMath.quadraticCost(av, yv);
                        if (db != 0) Mem.put(db, p, (av - yv) * CpuMath.derivative(code, alpha, zv, av));
                    }
                    case CROSS_ENTROPY -> {
                        // −y·ln softmax(z)_i = −y·(z_i − max − ln Σ e^(z−max)), finite even where a_i rounds to 0
                        if (yv != 0f) loss -= yv * (zv - zmax - logSum);
                        if (db != 0) Mem.put(db, p, av - yv);
                    }
                    case BINARY_CROSS_ENTROPY -> {
                        loss += CpuMath.binaryCrossEntropyCost(zv, yv);
                        if (db != 0) Mem.put(db, p, av - yv);
                    }
                }
            }
            if (rows == 1) {
                // one output: an argmax is always right, so compare which side of ½ a and y are on
                if ((Mem.get(ab, base) >= 0.5f) == (Mem.get(yb, base) >= 0.5f)) correct++;
            } else if (bestA > Float.NEGATIVE_INFINITY || hasNumber(ab, base, rows)) {
                if (argA == argY) correct++; // first index wins ties; NaN never wins; an all-NaN column is wrong
            }
        }
        ((CpuMetrics) metrics).add(loss, correct, m);
    }

    private static boolean hasNumber(long b, long base, int rows) {
        for (int i = 0; i < rows; i++) if (!Float.isNaN(Mem.get(b, base + i))) return true;
        return false;
    }

    @Override
    public void sumColumns(Mat x, int m, Mat sums) {
        int rows = x.rows();
        if (sums.size() < rows || m > x.cols())
            throw new IllegalArgumentException("sumColumns: " + rows + "×" + m + " into " + sums.size());
        SumTask t = sumTask;
        t.x = addr(x);
        t.s = addr(sums);
        t.rows = rows;
        t.m = m;
        runElementwise(t, true, rows, m);
    }

    /** Row sums over m columns for rows [from, to). */
    private static final class SumTask implements WorkerPool.RangeTask {
        long x, s;
        int rows, m;

        @Override
        public void run(int from, int to) {
            CpuKernels.sumColumns(x, s, rows, m, from, to);
        }
    }

    private final SumTask sumTask = new SumTask();

    private final class UpdateTask implements WorkerPool.RangeTask {
        long p, g, v; // addresses; v = 0 without a velocity block
        int weightCount;
        float rate, momentum, decay;

        @Override
        public void run(int from, int to) {
            CpuKernels.update(p, g, v, from, to, weightCount, rate, momentum, decay);
        }
    }

    private final UpdateTask updateTask = new UpdateTask();

    @Override
    public void update(
            Block params, Block grads, Block velocity, long weightCount, float rate, float momentum, float decay) {
        if (grads.length() != params.length() || (velocity != null && velocity.length() != params.length())) {
            throw new IllegalArgumentException("update: parameter, gradient and velocity blocks differ in length");
        }
        UpdateTask t = updateTask;
        t.p = ((CpuBlock) params).address;
        t.g = ((CpuBlock) grads).address;
        t.v = velocity == null ? 0 : ((CpuBlock) velocity).address;
        t.weightCount = (int) weightCount;
        t.rate = rate;
        t.momentum = momentum;
        t.decay = decay;
        pool.run(t, (int) params.length(), MIN_PER_THREAD);
    }

    @Override
    public void gather(Mat src, IndexBlock idx, int offset, int m, Mat dst) {
        int[] ix = ((CpuIndexBlock) idx).idx;
        int rows = src.rows();
        if (dst.rows() != rows || m > dst.cols() || offset < 0 || offset + m > ix.length) {
            throw new IllegalArgumentException("gather: " + m + " columns of " + rows + " rows from offset " + offset
                    + " of " + ix.length + " indices into " + dst.rows() + "×" + dst.cols());
        }
        FloatBuffer s = buf(src), d = buf(dst);
        for (int j = 0; j < m; j++) {
            int col = ix[offset + j];
            if (col < 0 || col >= src.cols())
                throw new IndexOutOfBoundsException("gather: index " + col + " outside " + src.cols() + " columns");
            d.put(j * rows, s, col * rows, rows);
        }
    }

    @Override
    public void sumSquares(Block block, long[] offsets, long[] lengths, double[] out) {
        FloatBuffer b = ((CpuBlock) block).buf;
        for (int s = 0; s < offsets.length; s++) {
            if (offsets[s] < 0 || lengths[s] < 0 || offsets[s] + lengths[s] > block.length()) {
                throw new IllegalArgumentException("sumSquares: segment [" + offsets[s] + ", "
                        + (offsets[s] + lengths[s]) + ") outside a block of " + block.length());
            }
            double sum = 0;
            for (int i = (int) offsets[s], end = (int) (offsets[s] + lengths[s]); i < end; i++) {
                double v = b.get(i);
                sum += v * v;
            }
            out[s] = sum;
        }
    }

    @Override
    public synchronized void close() {
        pool.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("jbackprop: cpu: freeing a block failed: " + e.getMessage());
            }
        }
        owned.clear();
    }

    @Override
    public void copyIndices(IndexBlock src, int offset, int m, IndexBlock dst) {
        int[] s = ((CpuIndexBlock) src).idx, d = ((CpuIndexBlock) dst).idx;
        if (m < 0 || offset < 0 || offset + m > s.length || m > d.length) {
            throw new IllegalArgumentException(
                    "copyIndices: " + m + " indices from offset " + offset + " of " + s.length + " into " + d.length);
        }
        System.arraycopy(s, offset, d, 0, m);
    }

    static final class CpuIndexBlock implements IndexBlock {
        final int[] idx;

        CpuIndexBlock(int n) {
            idx = new int[n];
        }

        @Override
        public int length() {
            return idx.length;
        }

        @Override
        public void close() {}
    }

    static final class CpuMetrics implements Metrics {
        private double loss;
        private long correct, count;

        void add(double l, int c, int n) {
            loss += l;
            correct += c;
            count += n;
        }

        @Override
        public void reset() {
            loss = 0;
            correct = 0;
            count = 0;
        }

        @Override
        public void read(double[] out) {
            out[0] = loss;
            out[1] = correct;
            out[2] = count;
        }

        @Override
        public void close() {}
    }
}
