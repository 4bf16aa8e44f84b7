/*
 * A stand-in libcublas.so.13 for CublasBridgeTest (no GPU needed): implements a few cuBLAS entry
 * points by appending their arguments, one line a call, to the file named by FAKE_CUBLAS13_LOG,
 * and returns recognisable values. Pointer arguments are logged as addresses and, where the
 * caller passes host memory (alpha/beta, outputs), read or written through.
 * Everything else is deliberately missing so the bridge's fallback is exercised.
 *
 * With FAKE_CUBLAS13_COMPUTE set (FakeCudaTest, with the fake libcuda.so.1 whose "device" memory is
 * host memory) each cublasCreate makes its own handle, which keeps its stream, and the GEMMs and
 * GEMVs compute: queued on the handle's stream through the fake driver's fakecuda_enqueue (recorded
 * into a graph while that stream captures), or at once without the fake driver. FAKE_CUBLAS13_FAIL
 * ("name=status,…") makes a function return status; FAKE_CUBLAS13_NO_CAPTURE makes every GEMM and
 * GEMV refuse (CUBLAS_STATUS_NOT_SUPPORTED) while its stream captures.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-log.h"

#define FAKE_HANDLE ((void *)0x5eedc0b1a5ULL)
#define NOT_SUPPORTED 15

typedef struct {
    void *stream;
} handle_t;

typedef void (*fake_fn)(const void *ctx);
typedef int (*enqueue_fn)(void *, const char *, fake_fn, const void *, size_t, const unsigned long long *, int);
typedef int (*capturing_fn)(void *);

static int compute(void) { return getenv("FAKE_CUBLAS13_COMPUTE") != NULL; }

static void *driver_symbol(const char *name)
{
    void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
    return h ? dlsym(h, name) : NULL;
}

static int failure(const char *name)
{
    const char *spec = getenv("FAKE_CUBLAS13_FAIL");
    size_t n = strlen(name);
    for (const char *p = spec; p && *p;) {
        if (strncmp(p, name, n) == 0 && p[n] == '=')
            return atoi(p + n + 1);
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return 0;
}

/* Runs fn(ctx) on the handle's stream (through the fake driver when it is loaded); a status. */
static int run_on_stream(void *handle, const char *name, fake_fn fn, const void *ctx, size_t size,
                         const unsigned long long *ptrs, int nptrs)
{
    int f = failure(name);
    if (f)
        return f;
    void *stream = handle == FAKE_HANDLE ? NULL : ((handle_t *)handle)->stream;
    capturing_fn capturing = (capturing_fn)driver_symbol("fakecuda_capturing");
    if (getenv("FAKE_CUBLAS13_NO_CAPTURE") && capturing && capturing(stream))
        return NOT_SUPPORTED;
    enqueue_fn enqueue = (enqueue_fn)driver_symbol("fakecuda_enqueue");
    if (enqueue)
        return enqueue(stream, name, fn, ctx, size, ptrs, nptrs) == 0 ? 0 : 14 /* INTERNAL_ERROR */;
    fn(ctx);
    return 0;
}

/* column-major element (i, j) of op(X) where X has leading dimension ld */
static float at(const float *x, int trans, long long ld, long long i, long long j)
{
    return trans ? x[j + i * ld] : x[i + j * ld];
}

static float bf16_at(const unsigned short *x, int trans, long long ld, long long i, long long j)
{
    unsigned bits = (unsigned)(trans ? x[j + i * ld] : x[i + j * ld]) << 16;
    float v;
    memcpy(&v, &bits, 4);
    return v;
}

typedef struct {
    int transa, transb, m, n, k, lda, ldb, ldc, bf16;
    float alpha, beta;
    const void *a, *b;
    float *c;
} gemm_t;

static void gemm_run(const void *p)
{
    const gemm_t *g = p;
    for (long long j = 0; j < g->n; j++)
        for (long long i = 0; i < g->m; i++) {
            double s = 0; /* in double: the order of float sums is not what this fake is for */
            for (long long l = 0; l < g->k; l++)
                s += g->bf16 ? bf16_at(g->a, g->transa != 0, g->lda, i, l) * bf16_at(g->b, g->transb != 0, g->ldb, l, j)
                             : at(g->a, g->transa != 0, g->lda, i, l) * at(g->b, g->transb != 0, g->ldb, l, j);
            float *c = &g->c[i + j * (long long)g->ldc];
            *c = (float)(g->alpha * s + (g->beta == 0 ? 0 : g->beta * *c));
        }
}

static int queue_gemm(void *handle, const char *name, gemm_t *g)
{
    unsigned long long ptrs[3] = {(uintptr_t)g->a, (uintptr_t)g->b, (uintptr_t)g->c};
    return run_on_stream(handle, name, gemm_run, g, sizeof *g, ptrs, 3);
}

typedef struct {
    int m, n, lda, incx, incy;
    float alpha, beta;
    const float *a, *x;
    float *y;
} gemv_t;

static void gemv_run(const void *p)
{
    const gemv_t *g = p;
    for (long long i = 0; i < g->m; i++) {
        double s = 0;
        for (long long j = 0; j < g->n; j++)
            s += g->a[i + j * (long long)g->lda] * g->x[j * (long long)g->incx];
        float *y = &g->y[i * (long long)g->incy];
        *y = (float)(g->alpha * s + (g->beta == 0 ? 0 : g->beta * *y));
    }
}

static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fake_log("FAKE_CUBLAS13_LOG", fmt, ap);
    va_end(ap);
}

int cublasCreate_v2(void **handle)
{
    int f = failure("cublasCreate_v2");
    if (f)
        return f;
    *handle = compute() ? calloc(1, sizeof(handle_t)) : FAKE_HANDLE;
    logf_("cublasCreate_v2 out=%p", (void *)handle);
    return 0;
}

int cublasDestroy_v2(void *handle)
{
    logf_("cublasDestroy_v2 handle=%p", handle);
    if (handle != FAKE_HANDLE)
        free(handle);
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
    if (handle != FAKE_HANDLE)
        ((handle_t *)handle)->stream = stream;
    return 0;
}

int cublasSetWorkspace_v2(void *handle, void *workspace, size_t bytes)
{
    logf_("cublasSetWorkspace_v2 handle=%p workspace=%p bytes=%zu", handle, workspace, bytes);
    return failure("cublasSetWorkspace_v2");
}

int cublasSetPointerMode_v2(void *handle, int mode)
{
    logf_("cublasSetPointerMode_v2 handle=%p mode=%d", handle, mode);
    return mode == 0 ? 0 : NOT_SUPPORTED; /* host pointers only: what Gemm uses */
}

int cublasSetMathMode(void *handle, int mode)
{
    logf_("cublasSetMathMode handle=%p mode=%d", handle, mode);
    return 0;
}

/* MAJOR_VERSION 0, MINOR_VERSION 1, PATCH_LEVEL 2 */
int cublasGetProperty(int type, int *value)
{
    *value = type == 0 ? 13 : type == 1 ? 0 : 42;
    return 0;
}

int cublasSgemv_v2(void *handle, int trans, int m, int n, const float *alpha, const float *A, int lda, const float *x,
                   int incx, const float *beta, float *y, int incy)
{
    logf_("cublasSgemv_v2 handle=%p trans=%d m=%d n=%d alpha=%.9g A=%p lda=%d x=%p incx=%d beta=%.9g y=%p incy=%d",
          handle, trans, m, n, (double)*alpha, (const void *)A, lda, (const void *)x, incx, (double)*beta, (void *)y,
          incy);
    if (!compute())
        return 0;
    if (trans != 0)
        return NOT_SUPPORTED;
    gemv_t g = {m, n, lda, incx, incy, *alpha, *beta, A, x, y};
    unsigned long long ptrs[3] = {(uintptr_t)A, (uintptr_t)x, (uintptr_t)y};
    return run_on_stream(handle, "cublasSgemv_v2", gemv_run, &g, sizeof g, ptrs, 3);
}

/* 14 arguments: the last 8 travel on the stack, so this checks the stub leaves the stack alone */
int cublasSgemm_v2(void *handle, int transa, int transb, int m, int n, int k, const float *alpha,
                   const float *A, int lda, const float *B, int ldb, const float *beta, float *C, int ldc)
{
    logf_("cublasSgemm_v2 handle=%p transa=%d transb=%d m=%d n=%d k=%d alpha=%.9g A=%p lda=%d B=%p ldb=%d beta=%.9g C=%p ldc=%d",
          handle, transa, transb, m, n, k, (double)*alpha, (const void *)A, lda, (const void *)B, ldb,
          (double)*beta, (void *)C, ldc);
    if (!compute())
        return 0;
    gemm_t g = {transa, transb, m, n, k, lda, ldb, ldc, 0, *alpha, *beta, A, B, C};
    return queue_gemm(handle, "cublasSgemm_v2", &g);
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
    if (!compute())
        return 0;
    if (Atype != 14 || Btype != 14 || Ctype != 0)
        return NOT_SUPPORTED;
    gemm_t g = {transa, transb, m, n, k, lda, ldb, ldc, 1, *(const float *)alpha, *(const float *)beta, A, B, C};
    return queue_gemm(handle, "cublasGemmEx", &g);
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
