/*
 * The CPU backend's GEMM for small layers: C[i0:i1, j0:j1] = op(A)[i0:i1, :] · op(B)[:, j0:j1] for
 * column-major op(A) = A (m × k) or Aᵀ (A k × m, copied a block of rows at a time) and op(B) = B
 * (k × n) or Bᵀ (B n × k), with an optional
 * epilogue applied to each block of C while it is still in registers: bias + activation (the
 * forward pass: z = C + bias, a = σ(z) for ReLU, leaky ReLU, identity). OpenBLAS packs both operands
 * on every call, which costs as much as the product itself on the shapes of a small layer
 * (100 × 64 × 784); this kernel reads them in place.
 *
 * Every element of C is one chain of fused multiply-adds over k = 0 … k−1 in order, starting from
 * +0, whatever the block, the edge or the thread that computes it: the result does not depend on
 * how the product is split. The epilogue gives exactly the floats of the separate pass of
 * cpu_kernels.c (same operations in the same order; this file is compiled with -ffp-contract=off
 * too, and the only fused multiply-adds are the explicit ones of the product).
 *
 * AVX2 + FMA only (8 floats a vector, blocks of 16 rows × 6 columns in 12 accumulators); on other
 * CPUs gemmAvailable() is false and the backend uses OpenBLAS.
 */
#include <jni.h>
#include <stddef.h>
#include <stdint.h>
#include <immintrin.h>

#define F(p) ((float *)(intptr_t)(p))
#define AVX2 __attribute__((target("avx2,fma")))

enum { RELU = 2, LEAKY_RELU = 3, IDENTITY = 5 };
enum { EPI_NONE = 0, EPI_BIAS_ACT = 1 };

typedef struct {
  int kind;
  /* bias + activation: z = C + bias[i] (written to C), a = act(z) */
  const float *bias;
  float *a;
  int act;
  float alpha;
} epilogue;

/* Mask of the first n lanes (n in 0..8). */
AVX2 static inline __m256i lanes(int n) {
  static const int32_t m[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256((const __m256i *)(m + 8 - n));
}

/* The epilogue of one column segment of up to 8 rows: c holds C[i, j] for i in [i, i+n). */
AVX2 static inline __attribute__((always_inline)) void finish(__m256 c, float *cp, __m256i mask, int full, const epilogue *e, ptrdiff_t off, int i) {
  switch (e->kind) {
    case EPI_BIAS_ACT: {
      __m256 b = full ? _mm256_loadu_ps(e->bias + i) : _mm256_maskload_ps(e->bias + i, mask);
      __m256 v = _mm256_add_ps(c, b);
      __m256 r;
      if (e->act == RELU) {
        /* v > 0 ? v : +0, and NaN stays NaN (cpu_kernels.c bias_relu) */
        __m256 pos = _mm256_and_ps(v, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ));
        r = _mm256_blendv_ps(pos, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
      } else if (e->act == LEAKY_RELU) {
        /* v > 0 ? v : alpha·v (NaN: alpha·NaN = NaN) */
        __m256 n = _mm256_mul_ps(_mm256_set1_ps(e->alpha), v);
        r = _mm256_blendv_ps(n, v, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ));
      } else {
        r = v;
      }
      if (full) {
        _mm256_storeu_ps(cp, v);
        _mm256_storeu_ps(e->a + off, r);
      } else {
        _mm256_maskstore_ps(cp, mask, v);
        _mm256_maskstore_ps(e->a + off, mask, r);
      }
      return;
    }
    default:
      if (full) _mm256_storeu_ps(cp, c);
      else _mm256_maskstore_ps(cp, mask, c);
  }
}

/*
 * One block of C: rows [i, i + mr) (mr ≤ 16), columns [j, j + NR). B(kk, jj) is at
 * b[kk·sk + jj·sn] with b at column j. VEC = 2 when mr > 8.
 */
/* The product loop of one block: NR columns, VEC vectors of rows; LOAD is a full or masked load. */
#define KLOOP(LOAD0, LOAD1)                                                  \
  for (int kk = 0; kk < k; kk++) {                                           \
    const float *ak = a + kk * lda;                                          \
    __m256 a0 = LOAD0;                                                       \
    __m256 a1 = VEC > 1 ? LOAD1 : a0;                                        \
    const float *bk = b + kk * sk;                                           \
    _Pragma("GCC unroll 6") for (int jj = 0; jj < NR; jj++) {                \
      __m256 bb = _mm256_broadcast_ss(bk + jj * sn);                         \
      acc0[jj] = _mm256_fmadd_ps(a0, bb, acc0[jj]);                          \
      if (VEC > 1) acc1[jj] = _mm256_fmadd_ps(a1, bb, acc1[jj]);             \
    }                                                                        \
  }

/*
 * One block of C: rows [i, i + mr) (mr ≤ 8·VEC), columns [j, j + NR). B(kk, jj) is at b[kk·sk + jj·sn]
 * with b at column j. NR and VEC are constants in each caller below.
 */
AVX2 static inline __attribute__((always_inline)) void block(const int NR, const int VEC, int k, const float *a, ptrdiff_t lda,
                                                                 const float *b, ptrdiff_t sk, ptrdiff_t sn, float *c, ptrdiff_t ldc, int mr,
                                                                 const epilogue *e, int i, ptrdiff_t j, int first, int last) {
  __m256 acc0[6], acc1[6];
  __m256i m0 = lanes(mr < 8 ? mr : 8), m1 = lanes(mr > 8 ? mr - 8 : 0);
  int full = mr == 8 * VEC;
  if (first) {
    _Pragma("GCC unroll 6") for (int jj = 0; jj < NR; jj++) acc0[jj] = acc1[jj] = _mm256_setzero_ps();
  } else { /* the sums so far over the earlier slices of k, as floats: the same chain of roundings */
    _Pragma("GCC unroll 6") for (int jj = 0; jj < NR; jj++) {
      const float *cp = c + (j + jj) * ldc + i;
      acc0[jj] = full || VEC > 1 ? _mm256_loadu_ps(cp) : _mm256_maskload_ps(cp, m0);
      if (VEC > 1) acc1[jj] = full ? _mm256_loadu_ps(cp + 8) : _mm256_maskload_ps(cp + 8, m1);
    }
  }
  if (full) {
    KLOOP(_mm256_loadu_ps(ak), _mm256_loadu_ps(ak + 8))
  } else {
    KLOOP(_mm256_maskload_ps(ak, m0), _mm256_maskload_ps(ak + 8, m1))
  }
  static const epilogue plain = {.kind = EPI_NONE};
  if (!last) e = &plain;
  _Pragma("GCC unroll 6") for (int jj = 0; jj < NR; jj++) {
    ptrdiff_t off = (j + jj) * ldc + i;
    finish(acc0[jj], c + off, m0, full || VEC > 1, e, off, i);
    if (VEC > 1) finish(acc1[jj], c + off + 8, m1, full, e, off + 8, i + 8);
  }
}

#define BLOCK(NAME, NR, VEC)                                                                                                          \
  AVX2 static void NAME(int k, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t sk, ptrdiff_t sn, float *c, ptrdiff_t ldc, int mr, \
                        const epilogue *e, int i, ptrdiff_t j, int first, int last) {                                                 \
    block(NR, VEC, k, a, lda, b, sk, sn, c, ldc, mr, e, i, j, first, last);                                                           \
  }

BLOCK(block16x6, 6, 2)
BLOCK(block16x5, 5, 2)
BLOCK(block16x4, 4, 2)
BLOCK(block16x3, 3, 2)
BLOCK(block16x2, 2, 2)
BLOCK(block16x1, 1, 2)
BLOCK(block8x6, 6, 1)
BLOCK(block8x5, 5, 1)
BLOCK(block8x4, 4, 1)
BLOCK(block8x3, 3, 1)
BLOCK(block8x2, 2, 1)
BLOCK(block8x1, 1, 1)

typedef void (*block_fn)(int, const float *, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t, float *, ptrdiff_t, int, const epilogue *, int,
                         ptrdiff_t, int, int);
static const block_fn BLOCKS16[7] = {0, block16x1, block16x2, block16x3, block16x4, block16x5, block16x6};
static const block_fn BLOCKS8[7] = {0, block8x1, block8x2, block8x3, block8x4, block8x5, block8x6};

/*
 * Slices of k: a block's slice of A (16 rows × KC floats, 16 KB) stays in L1 while it meets every
 * column block (100 × 64 × 784: 74 → 78 GFLOP/s, 256 × 64 × 784: 57 → 75 on one Zen 3 core).
 */
enum { KC = 256 };

AVX2 static void gemm(int transA, int transB, int k, const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc,
                      int i0, int i1, int j0, int j1, const epilogue *e) {
  ptrdiff_t sk = transB ? ldb : 1, sn = transB ? 1 : ldb;
  float panel[16 * KC + KC / 4 * 16]; /* op(A) = Aᵀ: a block's rows of one slice of k, copied column-major (16 rows) */
  int k0 = 0;
  do {
    int kc = k - k0 < KC ? k - k0 : KC;
    if (k - k0 - kc < KC / 4) kc = k - k0; /* no sliver of a slice at the end */
    int first = k0 == 0, last = k0 + kc == k;
    const float *Bk = B + k0 * sk;
    for (int i = i0; i < i1; i += 16) {
      int mr = i1 - i < 16 ? i1 - i : 16;
      const float *Ai;
      ptrdiff_t la;
      if (transA) { /* op(A)(r, kk) = A[kk + r·lda] */
        for (int r = 0; r < mr; r++)
          for (int kk = 0; kk < kc; kk++) panel[kk * 16 + r] = A[(k0 + kk) + (i + r) * lda];
        Ai = panel;
        la = 16;
      } else {
        Ai = A + k0 * lda + i;
        la = lda;
      }
      const block_fn *blocks = mr > 8 ? BLOCKS16 : BLOCKS8;
      for (int j = j0; j < j1; j += 6) {
        int nr = j1 - j < 6 ? j1 - j : 6;
        blocks[nr](kc, Ai, la, Bk + j * sn, sk, sn, C, ldc, mr, e, i, j, first, last);
      }
    }
    k0 += kc;
  } while (k0 < k);
}

JNIEXPORT jboolean JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_gemmAvailable(JNIEnv *env, jclass cls) {
  (void)env;
  (void)cls;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? JNI_TRUE : JNI_FALSE;
}

/* C[i0:i1, j0:j1] = op(A) · op(B) there (alpha = 1, beta = 0), no epilogue. */
JNIEXPORT void JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_gemm(JNIEnv *env, jclass cls, jboolean transA, jboolean transB, jint k, jlong a, jint lda,
                                                                         jlong b, jint ldb, jlong c, jint ldc, jint i0, jint i1, jint j0,
                                                                         jint j1) {
  (void)env;
  (void)cls;
  epilogue e = {.kind = EPI_NONE};
  gemm(transA, transB, k, F(a), lda, F(b), ldb, F(c), ldc, i0, i1, j0, j1, &e);
}

/* The same, then z = C + bias and a = act(z) (act: RELU, LEAKY_RELU or IDENTITY; a laid out like C). */
JNIEXPORT void JNICALL Java_dev_jbackprop_backend_cpu_NativeKernels_gemmBiasActivation(JNIEnv *env, jclass cls, jboolean transA, jboolean transB, jint k,
                                                                                       jlong a, jint lda, jlong b, jint ldb, jlong c, jint ldc,
                                                                                       jint i0, jint i1, jint j0, jint j1, jlong bias,
                                                                                       jint act, jfloat alpha, jlong out) {
  (void)env;
  (void)cls;
  epilogue e = {.kind = EPI_BIAS_ACT, .bias = F(bias), .a = F(out), .act = act, .alpha = alpha};
  gemm(transA, transB, k, F(a), lda, F(b), ldb, F(c), ldc, i0, i1, j0, j1, &e);
}
