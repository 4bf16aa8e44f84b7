package dev.jbackprop.backend.cuda;

import static jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
import static jcuda.jcublas.cublasOperation.CUBLAS_OP_T;

import dev.jbackprop.engine.Mat;
import dev.jbackprop.engine.OpsChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasPointerMode;
import jcuda.libraryPropertyType;
import jcuda.runtime.cudaStream_t;

/**
 * The only class that calls cuBLAS: Ops.gemm as cublasSgemm (or, with bf16, cublasGemmEx) and
 * Ops.sumColumns as cublasSgemv against a device vector of ones, all queued on the device's stream.
 *
 * <p>Layout: cuBLAS is column-major, and so are our matrices (element (i, j) of a rows × cols Mat
 * at i + j·rows, leading dimension = rows). So Ops.gemm's C = α·op(A)·op(B) + β·C is cublasSgemm
 * with the same m, n, k, transa = transA ? T : N, transb likewise, lda = A.rows, ldb = B.rows,
 * ldc = C.rows; no transposition trick is needed. A stored operand has exactly the rows the product
 * reads (m or k for A, k or n for B, m for C) and at least the columns (OpsChecks.gemm).
 *
 * <p>FP32 by default; with {@code tf32} cuBLAS may use TF32 tensor cores (CUBLAS_TF32_TENSOR_OP_MATH).
 * With {@code bf16} a GEMM reads the bfloat16 copies of A and B (DeviceBlock, kept up to date by the
 * operations that write them) and writes C in float32: cublasGemmEx with A and B CUDA_R_16BF, C
 * CUDA_R_32F, compute CUBLAS_COMPUTE_32F (each product of two bfloat16 is exact in float32, and
 * the sums are float32), CUBLAS_GEMM_DEFAULT; same m, n, k, transposes and leading dimensions (in
 * elements) as cublasSgemm. JCublas2 12.6 has two Java entry points: cublasGemmEx takes the compute
 * type as a cudaDataType (the CUDA 10 signature) and translates it in Java (cublasMigrateComputeType,
 * which reads the handle's math mode and allocates an array per call); cublasGemmEx_new passes a
 * cublasComputeType straight to cuBLAS's cublasGemmEx, so that is the one used. The column sums
 * stay FP32 (cublasSgemv on the float32 δ).
 */
final class Gemm implements AutoCloseable {
    /**
     * Initial length of the ones vector; it grows (doubling) the first time a wider batch is summed.
     * A vector it outgrows is kept until {@link #close}: a CUDA graph captured before the growth reads
     * it, and freeing it would leave that graph pointing at freed memory.
     */
    static final int INITIAL_ONES = 4096;
    /**
     * cuBLAS's workspace, set explicitly: a graph capture must not depend on cuBLAS allocating one,
     * and eager and captured calls then see the same workspace size, so the same algorithms.
     */
    static final long WORKSPACE_BYTES = 32L << 20;

    private final CudaDevice device;
    private final cublasHandle handle = new cublasHandle();
    private final boolean tf32;
    private final boolean bf16;
    private boolean created;
    // alpha and beta live on the host (CUBLAS_POINTER_MODE_HOST); cuBLAS reads them during the call.
    private final float[] alpha = new float[1];
    private final float[] beta = new float[1];
    private final Pointer alphaPointer = Pointer.to(alpha);
    private final Pointer betaPointer = Pointer.to(beta);
    private DeviceBlock ones;
    private final List<DeviceBlock> outgrownOnes = new ArrayList<>();
    private DeviceMemory workspace;
    private final Call call = new Call();

    /** The last cuBLAS call's arguments, overwritten per call (nothing allocated), printed only when it fails. */
    private static final class Call {
        String op;
        boolean transA, transB;
        int m, n, k;
        float alpha, beta;
        Mat a, b, c;

        void set(
                String op,
                boolean transA,
                boolean transB,
                int m,
                int n,
                int k,
                float alpha,
                float beta,
                Mat a,
                Mat b,
                Mat c) {
            this.op = op;
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            this.a = a;
            this.b = b;
            this.c = c;
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "transA=%b transB=%b m=%d n=%d k=%d alpha=%g beta=%g A=%s B=%s C=%s",
                    transA,
                    transB,
                    m,
                    n,
                    k,
                    alpha,
                    beta,
                    shape(a),
                    shape(b),
                    shape(c));
        }

        private static String shape(Mat x) {
            return x == null ? "-" : x.rows() + "x" + x.cols();
        }
    }

    Gemm(CudaDevice device, boolean tf32, boolean bf16) {
        if (tf32 && bf16) throw new IllegalArgumentException("TF32 and BF16 GEMMs do not go together");
        this.device = device;
        this.tf32 = tf32;
        this.bf16 = bf16;
        CublasCompat.ensureCublas12();
        JCublas2.setExceptionsEnabled(true);
        try {
            device.bind();
            JCublas2.cublasCreate(handle);
            created = true;
            JCublas2.cublasSetStream(handle, new cudaStream_t(device.stream));
            // after cublasSetStream, which resets the workspace to cuBLAS's default pool
            workspace = device.allocate(WORKSPACE_BYTES, "the cuBLAS workspace");
            JCublas2.cublasSetWorkspace(handle, workspace.pointer, WORKSPACE_BYTES);
            JCublas2.cublasSetPointerMode(handle, cublasPointerMode.CUBLAS_POINTER_MODE_HOST);
            JCublas2.cublasSetMathMode(
                    handle, tf32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH);
            ensureOnes(INITIAL_ONES);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    boolean tf32() {
        return tf32;
    }

    boolean bf16() {
        return bf16;
    }

    /** "13.0.2" from cublasGetProperty; loads JCublas2 (call CublasCompat.ensureCublas12() first). */
    static String libraryVersion() {
        NativeCache.initialiseJcuda("jcuda.jcublas.JCublas2");
        int[] major = new int[1], minor = new int[1], patch = new int[1];
        JCublas2.setExceptionsEnabled(true);
        JCublas2.cublasGetProperty(libraryPropertyType.MAJOR_VERSION, major);
        JCublas2.cublasGetProperty(libraryPropertyType.MINOR_VERSION, minor);
        JCublas2.cublasGetProperty(libraryPropertyType.PATCH_LEVEL, patch);
        return major[0] + "." + minor[0] + "." + patch[0];
    }

    /**
     * C = alpha·op(A)·op(B) + beta·C (see the class comment for the mapping). With bf16, A and B must
     * have bfloat16 copies (Ops.allocateGemmOperands), and C's copy, if it has one, is not written.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Mat a, Mat b, float beta, Mat c) {
        OpsChecks.gemm(transA, transB, m, n, k, a, b, c);
        DeviceBlock da = DeviceBlock.of(a.block(), device, "gemm A");
        DeviceBlock db = DeviceBlock.of(b.block(), device, "gemm B");
        DeviceBlock dc = DeviceBlock.of(c.block(), device, "gemm C");
        if (bf16) {
            requireBf16(da, "A");
            requireBf16(db, "B");
        }
        if (m == 0 || n == 0) return;
        call.set(
                bf16 ? "cublasGemmEx (bf16)" : tf32 ? "cublasSgemm (tf32)" : "cublasSgemm",
                transA,
                transB,
                m,
                n,
                k,
                alpha,
                beta,
                a,
                b,
                c);
        this.alpha[0] = alpha;
        this.beta[0] = beta;
        int lda = Math.max(1, a.rows()), ldb = Math.max(1, b.rows()), ldc = Math.max(1, c.rows());
        try {
            if (bf16) {
                gemmEx(
                        handle,
                        transA,
                        transB,
                        m,
                        n,
                        k,
                        alphaPointer,
                        da.bf16Pointer(),
                        lda,
                        db.bf16Pointer(),
                        ldb,
                        betaPointer,
                        dc.pointer(),
                        ldc);
            } else {
                JCublas2.cublasSgemm(
                        handle,
                        op(transA),
                        op(transB),
                        m,
                        n,
                        k,
                        alphaPointer,
                        da.pointer(),
                        lda,
                        db.pointer(),
                        ldb,
                        betaPointer,
                        dc.pointer(),
                        ldc);
            }
        } catch (CudaException e) {
            throw device.failure(call.op, call, e);
        }
        device.launched(call.op, call);
    }

    private static void requireBf16(DeviceBlock x, String name) {
        if (!x.hasBf16()) {
            throw new IllegalArgumentException("gemm with BF16 inputs: " + name + " (" + x + ") has no bfloat16 copy;"
                    + " allocate GEMM operands with Ops.allocateGemmOperands");
        }
    }

    private static int op(boolean trans) {
        return trans ? CUBLAS_OP_T : CUBLAS_OP_N;
    }

    /**
     * The BF16 GEMM as cuBLAS receives it: C (float32) = alpha·op(A)·op(B) + beta·C with A and B
     * bfloat16, float32 compute, the default algorithm; alpha and beta are float32 (host pointers).
     * Returns cuBLAS's status (JCublas2 throws instead when its exceptions are on). A static method so
     * that CublasBridgeTest can check, against a fake cuBLAS, the arguments that reach cublasGemmEx.
     */
    static int gemmEx(
            cublasHandle handle,
            boolean transA,
            boolean transB,
            int m,
            int n,
            int k,
            Pointer alpha,
            Pointer a,
            int lda,
            Pointer b,
            int ldb,
            Pointer beta,
            Pointer c,
            int ldc) {
        return JCublas2.cublasGemmEx_new(
                handle,
                op(transA),
                op(transB),
                m,
                n,
                k,
                alpha,
                a,
                cudaDataType.CUDA_R_16BF,
                lda,
                b,
                cudaDataType.CUDA_R_16BF,
                ldb,
                beta,
                c,
                cudaDataType.CUDA_R_32F,
                ldc,
                cublasComputeType.CUBLAS_COMPUTE_32F,
                cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
    }

    /** sums = x[:, 0:m] · 1 (the row sums over the first m columns), as one cublasSgemv. */
    void sumColumns(Mat x, int m, Mat sums) {
        OpsChecks.sumColumns(x, m, sums);
        DeviceBlock dx = DeviceBlock.of(x.block(), device, "sumColumns x");
        DeviceBlock ds = DeviceBlock.of(sums.block(), device, "sumColumns sums");
        if (x.rows() == 0) return;
        if (m == 0) { // BLAS returns early for an empty product, leaving y untouched; the sum of nothing is 0
            device.fill32(ds.pointer(), 0, x.rows(), "sumColumns (m = 0)", null);
            return;
        }
        ensureOnes(m);
        call.set("cublasSgemv (sumColumns)", false, false, x.rows(), 1, m, 1f, 0f, x, null, sums);
        this.alpha[0] = 1f;
        this.beta[0] = 0f;
        try {
            JCublas2.cublasSgemv(
                    handle,
                    CUBLAS_OP_N,
                    x.rows(),
                    m,
                    alphaPointer,
                    dx.pointer(),
                    x.rows(),
                    ones.pointer(),
                    1,
                    betaPointer,
                    ds.pointer(),
                    1);
        } catch (CudaException e) {
            throw device.failure(call.op, call, e);
        }
        device.launched(call.op, call);
    }

    private void ensureOnes(int m) {
        if (ones != null && ones.length() >= m) return;
        long length = ones == null ? Math.max(m, INITIAL_ONES) : Math.max(m, 2 * ones.length());
        DeviceBlock grown = DeviceBlock.root(device.allocate(4 * length, "the ones vector of sumColumns"));
        device.fill32(grown.pointer(), Float.floatToRawIntBits(1f), length, "the ones vector of sumColumns", null);
        if (ones != null) outgrownOnes.add(ones); // a captured graph may still read it: freed in close()
        ones = grown;
    }

    /** Length of the ones vector (for tests). */
    long onesLength() {
        return ones == null ? 0 : ones.length();
    }

    /** Destroys the handle and frees the ones vector and the workspace. Never throws. */
    @Override
    public void close() {
        try {
            if (ones != null) ones.close();
            for (DeviceBlock o : outgrownOnes) o.close();
            outgrownOnes.clear();
            if (created) {
                device.bind();
                JCublas2.cublasDestroy(handle);
            }
            if (workspace != null) workspace.free(); // after the handle that uses it
        } catch (RuntimeException e) {
            System.getLogger("dev.jbackprop.backend.cuda")
                    .log(System.Logger.Level.WARNING, "closing cuBLAS: " + e.getMessage());
        } finally {
            created = false;
            ones = null;
            workspace = null;
        }
    }
}
