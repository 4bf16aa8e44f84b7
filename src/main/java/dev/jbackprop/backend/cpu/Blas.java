package dev.jbackprop.backend.cpu;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/** The one place that calls OpenBLAS (through JavaCPP's presets). */
final class Blas {
  private Blas() {}

  private static boolean loaded;

  static synchronized void init(int threads) {
    if (!loaded) {
      Loader.load(openblas_nolapack.class);
      loaded = true;
    }
    openblas_nolapack.blas_set_num_threads(threads);
  }

  static String threadsText() {
    try {
      return "(" + openblas_nolapack.blas_get_num_threads() + " threads)";
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return "(version unknown)";
    }
  }

  /** Column-major C = alpha·op(A)·op(B) + beta·C on our buffers as they are (they start at their view's first float). */
  static void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, FloatBuffer a, int lda, FloatBuffer b, int ldb,
      float beta, FloatBuffer c, int ldc) {
    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasColMajor,
        ta ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        tb ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        m, n, k, alpha, a, Math.max(1, lda), b, Math.max(1, ldb), beta, c, Math.max(1, ldc));
  }
}
