package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.Mat;

/**
 * Ops.gemm on the CPU (the counterpart of the CUDA backend's Gemm): C = alpha·op(A)·op(B) + beta·C on
 * single-threaded OpenBLAS, split by rows or by columns of C over a {@link WorkerPool} (the calling
 * thread and its workers). Our matrices are column-major like the BLAS, so the call maps straight
 * through: the same m, n, k and transposes, leading dimension = rows. Arguments are checked by the
 * caller (CpuOps, through OpsChecks). Nothing allocates per call: one task object is reused.
 */
final class CpuGemm {
    // A thread's share of a GEMM is at least MIN_GEMM_PART multiply-adds and MIN_GEMM_EXTENT rows or
    // columns, so that the hand-off to a worker (about a microsecond) stays small against the work and
    // OpenBLAS keeps its blocked kernels (it sends one column to GEMV, m·n·k up to 100³ to small-matrix
    // kernels on AVX-512 cores).
    private static final long MIN_GEMM_PART = 1L << 21;
    private static final int MIN_GEMM_EXTENT = 16;

    private final WorkerPool pool;
    private final GemmTask task = new GemmTask();

    CpuGemm(WorkerPool pool) {
        this.pool = pool;
    }

    /** C = alpha·op(A)·op(B) + beta·C; shapes already checked. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c) {
        if (m == 0 || n == 0) return;
        GemmTask t = task;
        t.transA = transA;
        t.transB = transB;
        t.m = m;
        t.n = n;
        t.k = k;
        t.alpha = alpha;
        t.beta = beta;
        t.a = CpuOps.addr(a);
        t.lda = a.rows();
        t.b = CpuOps.addr(b);
        t.ldb = b.rows();
        t.c = CpuOps.addr(c);
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
}
