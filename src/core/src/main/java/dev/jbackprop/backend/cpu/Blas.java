package dev.jbackprop.backend.cpu;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/** The one place that calls OpenBLAS (through JavaCPP's presets). */
final class Blas {
    private Blas() {}

    private static boolean loaded;
    /** Which OpenBLAS kernels run, and why, for descriptions. */
    private static String kernels = "its own choice of kernels";

    /**
     * Loads OpenBLAS, single-threaded: the CPU backend splits each GEMM over its own threads, so that
     * the elementwise pass after it runs on the thread that wrote the data.
     */
    static synchronized void init() {
        if (!loaded) {
            chooseKernels();
            Loader.load(openblas_nolapack.class);
            loaded = true;
        }
        openblas_nolapack.blas_set_num_threads(1);
    }

    /**
     * Before OpenBLAS loads: on a CPU where its own choice of GEMM kernels is measurably slower (Zen 4),
     * ask for the faster ones through OPENBLAS_CORETYPE, unless the user set that variable or
     * -Djbackprop.openblas.core (a core name, or "default" for OpenBLAS's choice).
     */
    private static void chooseKernels() {
        String env = System.getenv("OPENBLAS_CORETYPE");
        if (env != null) {
            kernels = env + " kernels (OPENBLAS_CORETYPE)";
            return;
        }
        String asked = System.getProperty("jbackprop.openblas.core", "auto");
        if (asked.equals("default") || !NativeKernels.AVAILABLE) return;
        String core = asked.equals("auto") ? NativeKernels.preferredOpenblasCore() : asked;
        if (core != null && NativeKernels.setenvIfUnset("OPENBLAS_CORETYPE", core)) {
            kernels = core
                    + (asked.equals("auto")
                            ? " kernels (chosen on Zen 4, where they beat OpenBLAS's own choice)"
                            : " kernels (-Djbackprop.openblas.core)");
        }
    }

    static String kernels() {
        return kernels;
    }

    /** A FloatPointer re-aimed at a raw address without allocating (JavaCPP reads address + position). */
    static final class At extends FloatPointer {
        At at(long addr) {
            this.address = addr;
            this.position = 0;
            return this;
        }
    }

    private static final ThreadLocal<At[]> POINTERS =
            ThreadLocal.withInitial(() -> new At[] {new At(), new At(), new At()});

    /** Column-major C = alpha·op(A)·op(B) + beta·C on raw addresses (each operand's first float); allocation-free after a thread's first call. */
    static void sgemm(
            boolean ta,
            boolean tb,
            int m,
            int n,
            int k,
            float alpha,
            long a,
            int lda,
            long b,
            int ldb,
            float beta,
            long c,
            int ldc) {
        At[] p = POINTERS.get();
        openblas_nolapack.cblas_sgemm(
                openblas_nolapack.CblasColMajor,
                ta ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                tb ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m,
                n,
                k,
                alpha,
                p[0].at(a),
                Math.max(1, lda),
                p[1].at(b),
                Math.max(1, ldb),
                beta,
                p[2].at(c),
                Math.max(1, ldc));
    }
}
