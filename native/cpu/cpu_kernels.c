/*
 * The CPU backend's elementwise loops in C, so that the compiler vectorises them (Java 17's JIT does
 * not vectorise loops over off-heap memory). Each function gives exactly the floats of its Java twin
 * in src/main/java/dev/jbackprop/backend/cpu/CpuKernels.java and CpuOps.java: the same operations in
 * the same order, no contraction into FMAs (-ffp-contract=off), no fast-math. A test compares the two
 * bit for bit. Built by native/cpu/build.sh into one shared library with a clone per instruction set
 * (AVX-512, AVX2, baseline x86-64), chosen when the library is loaded.
 *
 * Matrices are column-major with `rows` floats per column; addresses come from Java as jlong.
 */
#define _POSIX_C_SOURCE 200112L /* setenv */
#include <jni.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cpuid.h>

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define F(p) ((float *)(intptr_t)(p))

enum { SIGMOID = 0, TANH = 1, RELU = 2, LEAKY_RELU = 3, ELU = 4, IDENTITY = 5 };

CLONES static void bias_relu(float *restrict z, const float *restrict b, float *restrict a, ptrdiff_t rows, int r0, int r1, int c0, int c1) {
  for (ptrdiff_t c = c0; c < c1; c++) {
    float *restrict zc = z + c * rows, *restrict ac = a + c * rows;
    for (int i = r0; i < r1; i++) {
      float v = zc[i] + b[i];
      zc[i] = v;
      float r = v > 0.f ? v : 0.f;
      ac[i] = v != v ? v : r; /* NaN stays NaN; -0 gives +0 */
    }
  }
}

CLONES static void bias_leaky(float *restrict z, const float *restrict b, float *restrict a, float alpha, ptrdiff_t rows, int r0, int r1, int c0,
                              int c1) {
  for (ptrdiff_t c = c0; c < c1; c++) {
    float *restrict zc = z + c * rows, *restrict ac = a + c * rows;
    for (int i = r0; i < r1; i++) {
      float v = zc[i] + b[i];
      zc[i] = v;
      float n = alpha * v;
      ac[i] = v > 0.f ? v : n;
    }
  }
}

CLONES static void bias_identity(float *restrict z, const float *restrict b, float *restrict a, ptrdiff_t rows, int r0, int r1, int c0, int c1) {
  for (ptrdiff_t c = c0; c < c1; c++) {
    float *restrict zc = z + c * rows, *restrict ac = a + c * rows;
    for (int i = r0; i < r1; i++) {
      float v = zc[i] + b[i];
      zc[i] = v;
      ac[i] = v;
    }
  }
}

/* z[r0:r1, c0:c1] += bias; a = act(z) for relu, leaky_relu and identity. Returns 0 for any other code. */
JNIEXPORT jboolean JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_biasActivation(JNIEnv *env, jclass cls, jint code, jfloat alpha, jlong z, jlong b,
                                                                                       jlong a, jint rows, jint r0, jint r1, jint c0, jint c1) {
  (void)env;
  (void)cls;
  switch (code) {
    case RELU: bias_relu(F(z), F(b), F(a), rows, r0, r1, c0, c1); return JNI_TRUE;
    case LEAKY_RELU: bias_leaky(F(z), F(b), F(a), alpha, rows, r0, r1, c0, c1); return JNI_TRUE;
    case IDENTITY: bias_identity(F(z), F(b), F(a), rows, r0, r1, c0, c1); return JNI_TRUE;
    default: return JNI_FALSE;
  }
}

/* delta *= s where s = 1 for z > 0, `low` for z <= 0, z itself for a NaN z (CpuMath.derivative's values). */
CLONES static void backward_relu_family(const float *restrict z, float *restrict d, float low, ptrdiff_t rows, int r0, int r1, int c0, int c1) {
  for (ptrdiff_t c = c0; c < c1; c++) {
    const float *restrict zc = z + c * rows;
    float *restrict dc = d + c * rows;
    for (int i = r0; i < r1; i++) {
      float x = zc[i];
      float s = x > 0.f ? 1.f : low;
      s = x != x ? x : s;
      dc[i] = dc[i] * s;
    }
  }
}

/* delta[r0:r1, c0:c1] *= σ′(z) for relu, leaky_relu and identity. Returns 0 for any other code. */
JNIEXPORT jboolean JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_activationBackward(JNIEnv *env, jclass cls, jint code, jfloat alpha, jlong z,
                                                                                           jlong delta, jint rows, jint r0, jint r1, jint c0, jint c1) {
  (void)env;
  (void)cls;
  switch (code) {
    case RELU: backward_relu_family(F(z), F(delta), 0.f, rows, r0, r1, c0, c1); return JNI_TRUE;
    case LEAKY_RELU: backward_relu_family(F(z), F(delta), alpha, rows, r0, r1, c0, c1); return JNI_TRUE;
    case IDENTITY: return JNI_TRUE; /* σ′ = 1 */
    default: return JNI_FALSE;
  }
}

/* Elements [from, to) of the SGD update; [from, w) are weights (decayed), [w, to) biases. */
CLONES static void update_momentum(float *restrict p, const float *restrict g, float *restrict v, ptrdiff_t from, ptrdiff_t w, ptrdiff_t to, float rate,
                                   float momentum, float wd) {
  for (ptrdiff_t i = from; i < w; i++) {
    float pi = p[i];
    float vi = momentum * v[i] - rate * g[i] - wd * pi;
    v[i] = vi;
    p[i] = pi + vi;
  }
  for (ptrdiff_t i = w; i < to; i++) {
    float vi = momentum * v[i] - rate * g[i];
    v[i] = vi;
    p[i] = p[i] + vi;
  }
}

CLONES static void update_plain(float *restrict p, const float *restrict g, ptrdiff_t from, ptrdiff_t w, ptrdiff_t to, float rate, float decay) {
  for (ptrdiff_t i = from; i < w; i++) p[i] = decay * p[i] - rate * g[i];
  for (ptrdiff_t i = w; i < to; i++) p[i] = p[i] - rate * g[i];
}

JNIEXPORT void JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_update(JNIEnv *env, jclass cls, jlong p, jlong g, jlong v, jint from, jint to,
                                                                           jint weightCount, jfloat rate, jfloat momentum, jfloat decay) {
  (void)env;
  (void)cls;
  ptrdiff_t w = weightCount < from ? from : (weightCount > to ? to : weightCount);
  if (v == 0 || momentum == 0.f) update_plain(F(p), F(g), from, w, to, rate, decay);
  else update_momentum(F(p), F(g), F(v), from, w, to, rate, momentum, 1.f - decay);
}

/*
 * The same update on rows [r0, r1) of columns [c0, c1) of matrices laid out with ld rows (all weights, or
 * all biases when weights is 0): one call for a block of rows of a layer's parameters.
 */
JNIEXPORT void JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_updateRows(JNIEnv *env, jclass cls, jlong p, jlong g, jlong v, jint ld, jint r0,
                                                                               jint r1, jint c0, jint c1, jboolean weights, jfloat rate,
                                                                               jfloat momentum, jfloat decay) {
  (void)env;
  (void)cls;
  for (ptrdiff_t c = c0; c < c1; c++) {
    ptrdiff_t from = c * (ptrdiff_t)ld + r0, to = c * (ptrdiff_t)ld + r1, w = weights ? to : from;
    if (v == 0 || momentum == 0.f) update_plain(F(p), F(g), from, w, to, rate, decay);
    else update_momentum(F(p), F(g), F(v), from, w, to, rate, momentum, 1.f - decay);
  }
}

/* s[r0:r1] = Σ_j x[r0:r1, j] over m columns, summed left to right. */
CLONES static void sum_rows(const float *restrict x, float *restrict s, ptrdiff_t rows, ptrdiff_t m, int r0, int r1) {
  for (int i = r0; i < r1; i++) s[i] = 0.f;
  for (ptrdiff_t j = 0; j < m; j++) {
    const float *restrict xc = x + j * rows;
    for (int i = r0; i < r1; i++) s[i] = s[i] + xc[i];
  }
}

JNIEXPORT void JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_sumColumns(JNIEnv *env, jclass cls, jlong x, jlong s, jint rows, jint m, jint r0,
                                                                               jint r1) {
  (void)env;
  (void)cls;
  sum_rows(F(x), F(s), rows, m, r0, r1);
}

/* Which clone the loader picked: the widest instruction set this CPU has. */
JNIEXPORT jstring JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_instructionSet(JNIEnv *env, jclass cls) {
  (void)cls;
  __builtin_cpu_init();
  const char *isa = __builtin_cpu_supports("avx512f") ? "AVX-512" : __builtin_cpu_supports("avx2") ? "AVX2" : "SSE2";
  return (*env)->NewStringUTF(env, isa);
}

/*
 * The OpenBLAS kernels to ask for (through OPENBLAS_CORETYPE, read when OpenBLAS loads), or NULL to
 * keep OpenBLAS's own choice. AMD family 19h with AVX-512 is Zen 4, whose AVX-512 runs on 256-bit
 * units: OpenBLAS picks its SkylakeX/Cooperlake kernels there, and its Haswell (AVX2) kernels ran
 * the training step's GEMMs about 9% faster on a Zen 4 EPYC (bench/results/2026-11-22-cpu-vs-numpy.md).
 */
JNIEXPORT jstring JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_preferredOpenblasCore(JNIEnv *env, jclass cls) {
  (void)cls;
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return NULL;
  int amd = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163; /* "AuthenticAMD" */
  if (!__get_cpuid(1, &a, &b, &c, &d)) return NULL;
  unsigned family = ((a >> 8) & 0xF) + (((a >> 8) & 0xF) == 0xF ? ((a >> 20) & 0xFF) : 0);
  __builtin_cpu_init();
  if (amd && family == 0x19 && __builtin_cpu_supports("avx512f")) return (*env)->NewStringUTF(env, "Haswell");
  return NULL;
}

/* setenv(name, value, 0): sets a variable of this process's environment unless it is set already. */
JNIEXPORT jboolean JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_setenvIfUnset(JNIEnv *env, jclass cls, jstring name, jstring value) {
  (void)cls;
  const char *n = (*env)->GetStringUTFChars(env, name, NULL);
  const char *v = (*env)->GetStringUTFChars(env, value, NULL);
  int set = n && v && getenv(n) == NULL && setenv(n, v, 0) == 0;
  if (n) (*env)->ReleaseStringUTFChars(env, name, n);
  if (v) (*env)->ReleaseStringUTFChars(env, value, v);
  return set ? JNI_TRUE : JNI_FALSE;
}
