package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.Mat;

/**
 * Ops.gemm on the CPU (the counterpart of the CUDA backend's Gemm): C = alpha·op(A)·op(B) + beta·C,
 * split by rows or by columns of C over the backend's threads. Our matrices are column-major like the
 * BLAS, so the call maps straight through: the same m, n, k and transposes, leading dimension = rows.
 * Arguments are checked by the caller (CpuOps, through OpsChecks).
 *
 * <p>Two engines, chosen by shape alone (so a given shape and thread count always gives the same
 * floats):
 * <ul>
 *   <li>small products (alpha = 1, beta = 0, m·n·k up to {@link #NATIVE_MAX} multiply-adds) run in
 *       our C kernel ({@link NativeKernels#gemm}), which reads the operands in place where OpenBLAS
 *       packs both on every call; each element is one chain of fused multiply-adds over k in order,
 *       so its floats do not depend on the split either. On the small layers it ran at 1.3–1.4× the
 *       speed of single-threaded OpenBLAS (bench/results/2026-12-03-cpu-limit.md);
 *   <li>the rest on single-threaded OpenBLAS, one call per thread on its rows or columns of C (the
 *       operand that is not split is packed by every thread, so the longer side is split).
 * </ul>
 * A captured step may give a product an epilogue run on each part right after it, while that part of
 * C is still in the cache (in registers for the C kernel and ReLU, leaky ReLU or identity): bias +
 * activation after the forward product, the derivative after the backpropagated error. Each gives
 * the floats of the separate operation.
 */
final class CpuGemm {
    private CpuGemm() {}

    // An OpenBLAS part is at least MIN_GEMM_PART multiply-adds and MIN_GEMM_EXTENT rows or columns, so
    // that the hand-off to a worker (about a microsecond) stays small against the work and OpenBLAS
    // keeps its blocked kernels.
    private static final long MIN_GEMM_PART = 1L << 21;
    private static final int MIN_GEMM_EXTENT = 16;
    /** The largest product (multiply-adds) given to the C kernel. */
    static final long NATIVE_MAX = 1L << 24;
    /**
     * A part of an eager product in the C kernel: at least this many multiply-adds (some 10 µs), so that
     * the hand-off to a worker stays small against it (a captured step splits them all).
     */
    private static final long MIN_NATIVE_PART = 1L << 19;

    static final int EPI_NONE = 0, EPI_BIAS_ACT = 1, EPI_BACKWARD = 2;

    /**
     * Whether work on an m × n output is split over threads by rows (else by columns) on OpenBLAS: it
     * packs the operand whose dimension is not split once per thread, so split the longer side.
     */
    static boolean splitRows(int m, int n) {
        return m > n;
    }

    /** The engines, for descriptions ({@code kernels}: which OpenBLAS kernels run). */
    static String describe(boolean useKernel, String kernels) {
        return useKernel
                ? String.format(
                        java.util.Locale.ROOT,
                        "our AVX2 C kernel up to %,d multiply-adds, OpenBLAS (%s) above",
                        NATIVE_MAX,
                        kernels)
                : "OpenBLAS (" + kernels + "; no C kernel: "
                        + (NativeKernels.GEMM ? "-Djbackprop.cpu.gemm=false" : NativeKernels.GEMM_STATUS) + ")";
    }

    /** Whether the C kernel's epilogue has this activation (else the Java or C loop runs after it). */
    static boolean inRegisters(int code) {
        return code == CpuMath.RELU || code == CpuMath.LEAKY_RELU || code == CpuMath.IDENTITY;
    }

    /**
     * Whether the C kernel takes this product: up to NATIVE_MAX multiply-adds, and a weight gradient
     * (B transposed) only over a batch of at most NATIVE_MAX_BATCH, past which OpenBLAS's blocking
     * wins, unless the layer has at most NATIVE_MAX_GRADIENT_ROWS outputs (an output layer's classes), where
     * OpenBLAS's packing costs more than its blocking saves whatever the batch. Per thread on one Zen 3 core
     * (bench/results/2026-12-03-cpu-limit.md): C kernel against OpenBLAS 100×64×784 78 / 57 GFLOP/s,
     * 256×64×784 71 / 61, 100×392×64 (Bᵀ) 81 / 62, 256×392×128 (Bᵀ) 71 / 73, 100×392×256 (Bᵀ) 63 / 70,
     * 256×392×256 (Bᵀ) 65 / 76, 256×128×784 70 / 71; with Bᵀ and few rows 10×1024×256 40 / 30, 10×100×256
     * 56 / 30, 16×1024×256 70 / 45, 32×1024×256 69 / 60, 32×784×512 69 / 60, but 48×1024×256 59 / 66 and
     * 64×1024×256 60 / 71.
     */
    static boolean nativeTakes(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
        return alpha == 1f
                && beta == 0f
                && (long) m * n * k <= NATIVE_MAX
                && (!transB || k <= NATIVE_MAX_BATCH || m <= NATIVE_MAX_GRADIENT_ROWS);
    }

    /** The most rows (a layer's outputs) of a weight gradient that the C kernel takes over any batch. */
    static final int NATIVE_MAX_GRADIENT_ROWS = 32;

    /** The longest sum (k) of a product with B transposed (a weight gradient: k is the batch) for the C kernel. */
    static final int NATIVE_MAX_BATCH = 128;

    /** One GEMM, its split and its optional epilogue. */
    static final class Task extends CpuTasks.Free {
        boolean transA, transB, byRows, useNative;
        int m, n, k, lda, ldb, ldc;
        float alpha, beta;
        long a, b, c; // addresses

        // epilogue
        int epilogue = EPI_NONE;
        int code; // activation
        float actAlpha;
        long bias, out, z; // bias + activation: bias, out = a; backward: z (and out = a, for the Java loops)

        /**
         * Sets the product (shapes already checked) and chooses the engine (the C kernel only when {@code
         * kernel}) and the split for {@code threads}.
         */
        Task set(
                boolean transA,
                boolean transB,
                int m,
                int n,
                int k,
                float alpha,
                Mat a,
                Mat b,
                float beta,
                Mat c,
                int threads,
                boolean kernel) {
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            this.a = CpuOps.addr(a);
            this.lda = Math.max(1, a.rows());
            this.b = CpuOps.addr(b);
            this.ldb = Math.max(1, b.rows());
            this.c = CpuOps.addr(c);
            this.ldc = Math.max(1, c.rows());
            this.epilogue = EPI_NONE;
            long work = (long) m * n * k;
            useNative = kernel && nativeTakes(transA, transB, m, n, k, alpha, beta);
            if (useNative) {
                int most = (int) Math.max(1, Math.min(threads, work / MIN_NATIVE_PART));
                if (n >= 4 * most) {
                    byRows = false;
                    parts = most;
                } else {
                    byRows = true;
                    parts = Math.max(1, Math.min(most, m / 16));
                }
            } else {
                byRows = splitRows(m, n);
                int extent = byRows ? m : n;
                long byWork = Math.max(1, work / MIN_GEMM_PART);
                parts = (int) Math.max(1, Math.min(Math.min(threads, byWork), extent / MIN_GEMM_EXTENT));
            }
            if (m == 0 || n == 0) parts = 1;
            return this;
        }

        /** The C kernel's floats do not depend on the split: a captured step splits its columns over all threads. */
        @Override
        void spread(int threads) {
            if (!useNative || m == 0 || n == 0) return; // OpenBLAS keeps the eager split, and with it the floats
            if (n >= threads || n >= m) {
                byRows = false;
                parts = Math.min(threads, n);
            } else {
                byRows = true;
                parts = Math.min(threads, m);
            }
        }

        int from(int part) {
            return Split.bound(byRows ? m : n, parts, part);
        }

        int to(int part) {
            return Split.bound(byRows ? m : n, parts, part + 1);
        }

        @Override
        public void run(int part) {
            if (m == 0 || n == 0) return;
            int lo = from(part), hi = to(part);
            if (lo >= hi) return;
            int i0 = byRows ? lo : 0, i1 = byRows ? hi : m, j0 = byRows ? 0 : lo, j1 = byRows ? n : hi;
            if (useNative) runNative(i0, i1, j0, j1);
            else runBlas(i0, i1, j0, j1);
            switch (epilogue) {
                case EPI_BIAS_ACT -> {
                    if (!(useNative && inRegisters(code)))
                        CpuTasks.biasActivation(code, actAlpha, c, bias, out, ldc, i0, i1, j0, j1);
                }
                case EPI_BACKWARD -> CpuKernels.activationBackward(code, actAlpha, z, out, c, ldc, i0, i1, j0, j1);
                default -> {}
            }
        }

        private void runNative(int i0, int i1, int j0, int j1) {
            if (epilogue == EPI_BIAS_ACT && inRegisters(code))
                NativeKernels.gemmBiasActivation(
                        transA, transB, k, a, lda, b, ldb, c, ldc, i0, i1, j0, j1, bias, code, actAlpha, out);
            else NativeKernels.gemm(transA, transB, k, a, lda, b, ldb, c, ldc, i0, i1, j0, j1);
        }

        private void runBlas(int i0, int i1, int j0, int j1) {
            long aPart = byRows ? (transA ? 4L * i0 * lda : 4L * i0) : 0;
            long bPart = byRows ? 0 : (transB ? 4L * j0 : 4L * j0 * ldb);
            Blas.sgemm(
                    transA,
                    transB,
                    i1 - i0,
                    j1 - j0,
                    k,
                    alpha,
                    a + aPart,
                    lda,
                    b + bPart,
                    ldb,
                    beta,
                    c + 4L * (i0 + (long) j0 * ldc),
                    ldc);
        }

        @Override
        void access(int part, Access acc) {
            int lo = from(part), hi = to(part);
            if (lo >= hi || m == 0 || n == 0) return;
            int i0 = byRows ? lo : 0, i1 = byRows ? hi : m, j0 = byRows ? 0 : lo, j1 = byRows ? n : hi;
            // op(A) rows [i0, i1): A is m × k (rows i) or k × m (columns i)
            if (transA) acc.read(a, lda, 0, k, i0, i1);
            else acc.read(a, lda, i0, i1, 0, k);
            // op(B) columns [j0, j1): B is k × n (columns j) or n × k (rows j)
            if (transB) acc.read(b, ldb, j0, j1, 0, k);
            else acc.read(b, ldb, 0, k, j0, j1);
            if (beta != 0f) acc.read(c, ldc, i0, i1, j0, j1);
            acc.write(c, ldc, i0, i1, j0, j1);
            switch (epilogue) {
                case EPI_BIAS_ACT -> {
                    acc.read(bias, ldc, i0, i1, 0, 1);
                    acc.write(out, ldc, i0, i1, j0, j1);
                }
                case EPI_BACKWARD -> {
                    acc.read(z, ldc, i0, i1, j0, j1);
                    acc.read(out, ldc, i0, i1, j0, j1);
                }
                default -> {}
            }
        }

        @Override
        String name() {
            return String.format(
                    java.util.Locale.ROOT,
                    "gemm %s%s %d×%d×%d (%s, %d parts by %s%s)",
                    transA ? "T" : "N",
                    transB ? "T" : "N",
                    m,
                    n,
                    k,
                    useNative ? "C kernel" : "OpenBLAS",
                    parts,
                    byRows ? "rows" : "columns",
                    switch (epilogue) {
                        case EPI_BIAS_ACT -> ", + bias and activation";
                        case EPI_BACKWARD -> ", ⊙ σ′";
                        default -> "";
                    });
        }
    }
}
