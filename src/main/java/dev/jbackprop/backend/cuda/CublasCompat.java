package dev.jbackprop.backend.cuda;

/**
 * Placeholder so that the GPU backend compiles; the real class (another change) loads a
 * libcublas.so.12 → libcublas.so.13 bridge when needed. Must be called before anything touches JCublas2.
 */
public final class CublasCompat {
  private CublasCompat() {}

  /** Makes JCublas2 loadable, or throws a RuntimeException saying why it cannot be. */
  public static synchronized String ensureCublas12() {
    return "not checked";
  }
}
