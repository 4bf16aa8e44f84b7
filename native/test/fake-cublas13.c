/*
 * A stand-in libcublas.so.13 for CublasBridgeTest (no GPU needed): implements a few cuBLAS entry
 * points by appending their arguments, one line a call, to the file named by FAKE_CUBLAS13_LOG,
 * and returns recognisable values. Pointer arguments are logged as addresses and, where the
 * caller passes host memory (alpha/beta, outputs), read or written through.
 * Everything else is deliberately missing so the bridge's fallback is exercised.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FAKE_HANDLE ((void *)0x5eedc0b1a5ULL)

static void logf_(const char *fmt, ...)
{
    const char *path = getenv("FAKE_CUBLAS13_LOG");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

int cublasCreate_v2(void **handle)
{
    *handle = FAKE_HANDLE;
    logf_("cublasCreate_v2 out=%p", (void *)handle);
    return 0;
}

int cublasDestroy_v2(void *handle)
{
    logf_("cublasDestroy_v2 handle=%p", handle);
    return 0;
}

int cublasGetVersion_v2(void *handle, int *version)
{
    *version = 130042;
    logf_("cublasGetVersion_v2 handle=%p", handle);
    return 0;
}

int cublasSetStream_v2(void *handle, void *stream)
{
    logf_("cublasSetStream_v2 handle=%p stream=%p", handle, stream);
    return 0;
}

/* 14 arguments: the last 8 travel on the stack, so this checks the stub leaves the stack alone */
int cublasSgemm_v2(void *handle, int transa, int transb, int m, int n, int k, const float *alpha,
                   const float *A, int lda, const float *B, int ldb, const float *beta, float *C, int ldc)
{
    logf_("cublasSgemm_v2 handle=%p transa=%d transb=%d m=%d n=%d k=%d alpha=%.9g A=%p lda=%d B=%p ldb=%d beta=%.9g C=%p ldc=%d",
          handle, transa, transb, m, n, k, (double)*alpha, (const void *)A, lda, (const void *)B, ldb,
          (double)*beta, (void *)C, ldc);
    return 0;
}

/* 19 arguments, 13 of them on the stack, types and compute type as plain ints: the BF16 GEMM (Gemm.gemmEx) */
int cublasGemmEx(void *handle, int transa, int transb, int m, int n, int k, const void *alpha, const void *A, int Atype,
                 int lda, const void *B, int Btype, int ldb, const void *beta, void *C, int Ctype, int ldc, int computeType,
                 int algo)
{
    logf_("cublasGemmEx handle=%p transa=%d transb=%d m=%d n=%d k=%d alpha=%.9g A=%p Atype=%d lda=%d B=%p Btype=%d ldb=%d"
          " beta=%.9g C=%p Ctype=%d ldc=%d computeType=%d algo=%d",
          handle, transa, transb, m, n, k, (double)*(const float *)alpha, A, Atype, lda, B, Btype, ldb,
          (double)*(const float *)beta, C, Ctype, ldc, computeType, algo);
    return 0;
}

/* 64-bit sizes and double scalars */
int cublasDgemm_v2_64(void *handle, int transa, int transb, int64_t m, int64_t n, int64_t k, const double *alpha,
                      const double *A, int64_t lda, const double *B, int64_t ldb, const double *beta, double *C,
                      int64_t ldc)
{
    logf_("cublasDgemm_v2_64 handle=%p transa=%d transb=%d m=%lld n=%lld k=%lld alpha=%.17g A=%p lda=%lld B=%p ldb=%lld beta=%.17g C=%p ldc=%lld",
          handle, transa, transb, (long long)m, (long long)n, (long long)k, *alpha, (const void *)A,
          (long long)lda, (const void *)B, (long long)ldb, *beta, (void *)C, (long long)ldc);
    return 0;
}

/* result written through a host pointer: checks data comes back to Java */
int cublasSdot_v2(void *handle, int n, const float *x, int incx, const float *y, int incy, float *result)
{
    logf_("cublasSdot_v2 handle=%p n=%d x=%p incx=%d y=%p incy=%d", handle, n, (const void *)x, incx,
          (const void *)y, incy);
    *result = 42.25f;
    return 0;
}
