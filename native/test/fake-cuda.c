/*
 * A stand-in libcuda.so.1 for FakeCudaTest: the CUDA driver API calls the GPU backend makes, with
 * host memory as "device" memory, so the real JCuda natives, our Java backend and (through the bridge)
 * JCublas2 run without a GPU. It is no emulator of kernels (a few of ours are run on the host: enough
 * for the probe's self-test, the optimiser step and the resident data path), but it keeps the rules the backend must follow and says when one is
 * broken:
 *
 *   - streams and events are ordered by vector clocks; every copy, memset, kernel and cuBLAS call
 *     (through fakecuda_enqueue) checks the allocations it touches against the last writes and reads
 *     of other streams, and an access that is not ordered after them is logged as "RACE ...";
 *   - the legacy default stream synchronises with every blocking stream: a legacy-stream call while a
 *     blocking stream captures fails with CUDA_ERROR_STREAM_CAPTURE_IMPLICIT (906) and invalidates that
 *     capture, as the real driver does;
 *   - during a capture, calls on the capturing thread that would synchronise or allocate fail with
 *     CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED (900) and invalidate it; work queued on a capturing stream
 *     is recorded into its graph, not run, and runs at cuGraphLaunch;
 *   - freeing memory that a live graph reads or writes is logged as "DANGLING ...".
 *
 * Environment: FAKE_CUDA_LOG (a file: one line per call, appended), FAKE_CUDA_DRIVER_VERSION (default
 * 13000), FAKE_CUDA_FAIL ("name=code[@n],…": the n-th call of name, or every call, returns code; name
 * is a function, or cuLaunchKernel/KERNEL for one kernel), FAKE_CUDA_NOEXEC (a kernel that is
 * launched but not run), FAKE_CUDA_KERNELS ("name:types;…", one letter per parameter: i int, f float,
 * l long long, p pointer; the launch's parameters are read and logged with them).
 */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-log.h"

#include "elementwise.cuh"

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef void (*fake_fn)(const void *ctx);

#define OK 0
#define ERR_INVALID_VALUE 1
#define ERR_OUT_OF_MEMORY 2
#define ERR_INVALID_HANDLE 400
#define ERR_NOT_FOUND 500
#define ERR_CAPTURE_UNSUPPORTED 900
#define ERR_CAPTURE_INVALIDATED 901
#define ERR_CAPTURE_IMPLICIT 906

#define MAXS 64
#define MAXA 4096
#define MAXP 24

typedef struct { unsigned long long c[MAXS]; } vclock;

struct graph;
typedef struct stream {
    int id;
    unsigned flags; /* 1: CU_STREAM_NON_BLOCKING */
    int capturing;
    int invalidated;
    struct graph *g;
    vclock clock;
} stream;

typedef struct {
    vclock clock;
    int recorded;
} event;

enum kind { MEMSET, COPY, KERNEL, EXTERNAL };

typedef struct node {
    enum kind kind;
    char name[64];
    CUdeviceptr dst, src;
    unsigned long long n; /* memset: words; copy: bytes; kernel: grid size */
    unsigned bits;
    int copy_dir; /* 0 HtoD, 1 DtoH, 2 DtoD */
    void *host;
    struct fn_info *fn;
    unsigned char params[MAXP * 8];
    fake_fn ext;
    void *ctx;
    CUdeviceptr ptrs[MAXP];
    int nptrs;
    struct node *next;
} node;

typedef struct graph {
    node *first, *last;
    int live;
} graph;

typedef struct exec {
    graph *g;
    int live;
} exec;

typedef struct fn_info {
    char name[64];
    char types[MAXP + 1];
} fn_info;

typedef struct {
    CUdeviceptr base;
    unsigned long long size;
    int live;
    int w_stream;
    unsigned long long w_seq;
    unsigned long long r_seq[MAXS];
} alloc;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static stream *streams[MAXS];
static stream legacy = {0, 0, 0, 0, NULL, {{0}}};
static vclock host;
static alloc allocs[MAXA];
static exec *execs[1024];
static int nexecs;
static unsigned long long allocated;
static const unsigned long long TOTAL = 141ULL << 30;
static int retained;
static int context_token;
static __thread void *current;
static __thread stream *capturing_here; /* the stream this thread captures on (THREAD_LOCAL mode) */

/* ---- log and failure injection ----------------------------------------------------------------- */

static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fake_log("FAKE_CUDA_LOG", fmt, ap);
    va_end(ap);
}

static int calls_of(const char *name)
{
    static char names[64][64];
    static int counts[64];
    for (int i = 0; i < 64; i++) {
        if (names[i][0] == 0) {
            snprintf(names[i], sizeof names[i], "%s", name);
            return counts[i] = 1;
        }
        if (strcmp(names[i], name) == 0)
            return ++counts[i];
    }
    return 0;
}

/* The injected result for this call of name, or 0. FAKE_CUDA_FAIL: "name=code" (every call) or
 * "name=code@n" (the n-th call), comma-separated. */
static CUresult injected(const char *name)
{
    const char *spec = getenv("FAKE_CUDA_FAIL");
    if (!spec || !*spec)
        return OK;
    int call = calls_of(name);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *rule = strtok_r(buf, ",", &save); rule; rule = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(rule, '=');
        if (!eq)
            continue;
        *eq = 0;
        char *at = strchr(eq + 1, '@');
        int nth = at ? atoi(at + 1) : 0;
        if (strcmp(rule, name) == 0 && (nth == 0 || nth == call)) {
            logf_("INJECTED %s -> %d", name, atoi(eq + 1));
            return atoi(eq + 1);
        }
    }
    return OK;
}

/* ---- clocks and races -------------------------------------------------------------------------- */

static void vmax(vclock *a, const vclock *b)
{
    for (int i = 0; i < MAXS; i++)
        if (b->c[i] > a->c[i])
            a->c[i] = b->c[i];
}

static alloc *find_alloc(CUdeviceptr p)
{
    if (!p)
        return NULL;
    for (int i = 0; i < MAXA; i++)
        if (allocs[i].live && p >= allocs[i].base && p < allocs[i].base + (allocs[i].size ? allocs[i].size : 1))
            return &allocs[i];
    return NULL;
}

/* An operation issued by the host onto s: after what the host has seen, and after the legacy stream's
 * work (a blocking stream) or every blocking stream's work (the legacy stream). */
static void begin_op(stream *s)
{
    vmax(&s->clock, &host);
    if (s->id == 0) {
        for (int i = 1; i < MAXS; i++)
            if (streams[i] && streams[i]->flags == 0)
                vmax(&s->clock, &streams[i]->clock);
    } else if (s->flags == 0) {
        vmax(&s->clock, &legacy.clock);
    }
    s->clock.c[s->id]++;
}

static void touch(stream *s, CUdeviceptr p, int write, const char *what)
{
    alloc *a = find_alloc(p);
    if (!a)
        return; /* host memory (pinned or pageable) or null */
    if (a->w_seq && a->w_stream != s->id && s->clock.c[a->w_stream] < a->w_seq)
        logf_("RACE %s on stream %d %s 0x%llx (allocation 0x%llx) not ordered after its write on stream %d", what,
              s->id, write ? "writes" : "reads", p, a->base, a->w_stream);
    if (write)
        for (int t = 0; t < MAXS; t++)
            if (t != s->id && a->r_seq[t] && s->clock.c[t] < a->r_seq[t])
                logf_("RACE %s on stream %d writes 0x%llx (allocation 0x%llx) not ordered after its read on stream %d",
                      what, s->id, p, a->base, t);
    if (write) {
        a->w_stream = s->id;
        a->w_seq = s->clock.c[s->id];
    } else {
        a->r_seq[s->id] = s->clock.c[s->id];
    }
}

/* ---- kernels ----------------------------------------------------------------------------------- */

static const char *types_of(const char *name)
{
    const char *spec = getenv("FAKE_CUDA_KERNELS");
    size_t n = strlen(name);
    for (const char *p = spec; p && *p;) {
        const char *colon = strchr(p, ':');
        const char *end = strchr(p, ';');
        if (!colon)
            break;
        if ((size_t)(colon - p) == n && strncmp(p, name, n) == 0) {
            static __thread char out[MAXP + 1];
            size_t len = end ? (size_t)(end - colon - 1) : strlen(colon + 1);
            if (len > MAXP)
                len = MAXP;
            memcpy(out, colon + 1, len);
            out[len] = 0;
            return out;
        }
        p = end ? end + 1 : NULL;
    }
    return "";
}

static int slot_int(const node *k, int i) { int v; memcpy(&v, k->params + 8 * i, 4); return v; }
static float slot_float(const node *k, int i) { float v; memcpy(&v, k->params + 8 * i, 4); return v; }
static long long slot_long(const node *k, int i) { long long v; memcpy(&v, k->params + 8 * i, 8); return v; }

/* The kernels run on the host: bias_activation (the probe's self-test), to_bf16, the optimiser step with
   the scalars it reads (set_scalars, optimizer_update: a graph replay must see the scalars written before it),
   and the uint8 and one-hot gathers (gather_bytes, gather_one_hot: the resident data path). */
static void run_kernel(const node *k)
{
    const char *noexec = getenv("FAKE_CUDA_NOEXEC");
    if (noexec && strcmp(noexec, k->fn->name) == 0)
        return;
    if (strcmp(k->fn->name, "bias_activation") == 0) {
        int act = slot_int(k, 0), rows = slot_int(k, 6);
        float alpha = slot_float(k, 1);
        float *z = (float *)(uintptr_t)slot_long(k, 2), *a = (float *)(uintptr_t)slot_long(k, 4);
        const float *bias = (const float *)(uintptr_t)slot_long(k, 3);
        unsigned short *a16 = (unsigned short *)(uintptr_t)slot_long(k, 5);
        long long n = slot_long(k, 7);
        for (long long i = 0; i < n; i++) {
            float v = z[i] + bias[i % rows];
            z[i] = v;
            a[i] = jb_activate(act, alpha, v);
            if (a16)
                a16[i] = jb_bf16(a[i]);
        }
    } else if (strcmp(k->fn->name, "set_scalars") == 0) {
        float *dst = (float *)(uintptr_t)slot_long(k, 0);
        int count = slot_int(k, 1);
        for (int i = 0; i < count && i < 16; i++)
            dst[i] = slot_float(k, 2 + i);
    } else if (strcmp(k->fn->name, "optimizer_update") == 0) {
        int rule = slot_int(k, 0);
        float *p = (float *)(uintptr_t)slot_long(k, 1), *s1 = (float *)(uintptr_t)slot_long(k, 3);
        float *s2 = (float *)(uintptr_t)slot_long(k, 4);
        const float *g = (const float *)(uintptr_t)slot_long(k, 2), *sc = (const float *)(uintptr_t)slot_long(k, 8);
        unsigned short *p16 = (unsigned short *)(uintptr_t)slot_long(k, 5);
        long long n = slot_long(k, 6), weights = slot_long(k, 7);
        for (long long i = 0; i < n; i++) {
            JbUpdate u = jb_optimizer(rule, i < weights, s1 != NULL, p[i], g[i], s1 ? s1[i] : 0.0f, s2 ? s2[i] : 0.0f, sc);
            if (s1)
                s1[i] = u.s1;
            if (s2)
                s2[i] = u.s2;
            p[i] = u.p;
            if (p16)
                p16[i] = jb_bf16(u.p);
        }
    } else if (strcmp(k->fn->name, "gather_bytes") == 0) {
        const unsigned char *src = (const unsigned char *)(uintptr_t)slot_long(k, 0);
        int src_cols = slot_int(k, 1), rows = slot_int(k, 7), m = slot_int(k, 8);
        const int *idx = (const int *)(uintptr_t)slot_long(k, 2);
        const float *shift = (const float *)(uintptr_t)slot_long(k, 3), *factor = (const float *)(uintptr_t)slot_long(k, 4);
        float *dst = (float *)(uintptr_t)slot_long(k, 5);
        unsigned short *dst16 = (unsigned short *)(uintptr_t)slot_long(k, 6);
        for (long long j = 0; j < m; j++) {
            int s = idx[j];
            for (int r = 0; r < rows; r++) {
                float v = NAN;
                if (s >= 0 && s < src_cols) {
                    v = jb_decode_u8(src[(long long)s * rows + r]);
                    if (shift)
                        v = jb_normalise(v, shift[r], factor[r]);
                }
                dst[j * rows + r] = v;
                if (dst16)
                    dst16[j * rows + r] = jb_bf16(v);
            }
        }
    } else if (strcmp(k->fn->name, "gather_one_hot") == 0) {
        const int *labels = (const int *)(uintptr_t)slot_long(k, 0), *idx = (const int *)(uintptr_t)slot_long(k, 2);
        int count = slot_int(k, 1), rows = slot_int(k, 4), m = slot_int(k, 5);
        float *dst = (float *)(uintptr_t)slot_long(k, 3);
        for (long long j = 0; j < m; j++) {
            int s = idx[j], c = s >= 0 && s < count ? labels[s] : -1;
            for (int r = 0; r < rows; r++)
                dst[j * rows + r] = jb_one_hot(r, c, rows);
        }
    } else if (strcmp(k->fn->name, "to_bf16") == 0) {
        const float *src = (const float *)(uintptr_t)slot_long(k, 0);
        unsigned short *dst = (unsigned short *)(uintptr_t)slot_long(k, 1);
        long long n = slot_long(k, 2);
        for (long long i = 0; i < n; i++)
            dst[i] = jb_bf16(src[i]);
    }
}

/* ---- running and recording operations -------------------------------------------------------- */

/* The device memory an operation reads or writes. */
static int device_ptrs(const node *n, CUdeviceptr *out)
{
    int k = 0;
    if (n->kind == MEMSET || (n->kind == COPY && n->copy_dir != 1))
        out[k++] = n->dst;
    if (n->kind == COPY && n->copy_dir != 0)
        out[k++] = n->src;
    for (int i = 0; i < n->nptrs; i++)
        out[k++] = n->ptrs[i];
    return k;
}

static void execute(stream *s, node *op)
{
    begin_op(s);
    switch (op->kind) {
    case MEMSET:
        touch(s, op->dst, 1, op->name);
        for (unsigned long long i = 0; i < op->n; i++)
            ((unsigned *)(uintptr_t)op->dst)[i] = op->bits;
        break;
    case COPY:
        if (op->copy_dir != 0)
            touch(s, op->src, 0, op->name);
        if (op->copy_dir != 1)
            touch(s, op->dst, 1, op->name);
        memcpy((void *)(uintptr_t)op->dst, (const void *)(uintptr_t)op->src, op->n);
        break;
    case KERNEL:
        for (int i = 0; i < op->nptrs; i++) {
            touch(s, op->ptrs[i], 0, op->name);
            touch(s, op->ptrs[i], 1, op->name);
        }
        run_kernel(op);
        break;
    case EXTERNAL:
        for (int i = 0; i < op->nptrs; i++) {
            touch(s, op->ptrs[i], 0, op->name);
            touch(s, op->ptrs[i], 1, op->name);
        }
        op->ext(op->ctx);
        break;
    }
}

static stream *as_stream(void *h) { return h ? (stream *)h : &legacy; }

/* Queues op on s: recorded into the graph while s captures, run now otherwise. Frees op when run. */
static CUresult enqueue(stream *s, node *op)
{
    if (s->capturing) {
        if (s->invalidated) {
            free(op);
            return ERR_CAPTURE_INVALIDATED;
        }
        op->next = NULL;
        if (s->g->last)
            s->g->last->next = op;
        else
            s->g->first = op;
        s->g->last = op;
        logf_("captured %s on stream %d", op->name, s->id);
        return OK;
    }
    execute(s, op);
    if (op->kind == EXTERNAL)
        free(op->ctx);
    free(op);
    return OK;
}

/* A legacy-stream call: it synchronises with every blocking stream, so a blocking stream's capture breaks. */
static CUresult legacy_call(const char *what)
{
    CUresult r = OK;
    for (int i = 1; i < MAXS; i++) {
        if (streams[i] && streams[i]->capturing && streams[i]->flags == 0) {
            streams[i]->invalidated = 1;
            r = ERR_CAPTURE_IMPLICIT;
        }
    }
    logf_("LEGACY %s%s", what, r ? " -> CUDA_ERROR_STREAM_CAPTURE_IMPLICIT (a blocking stream captures)" : "");
    return r;
}

/* A call that would synchronise or allocate, on a thread that captures: refused, capture invalidated. */
static CUresult unsafe_in_capture(const char *what)
{
    if (!capturing_here)
        return OK;
    capturing_here->invalidated = 1;
    logf_("%s during a capture on this thread -> CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", what);
    return ERR_CAPTURE_UNSUPPORTED;
}

#define ENTER(name)                         \
    pthread_mutex_lock(&lock);              \
    CUresult inj_ = injected(name);         \
    if (inj_) {                             \
        pthread_mutex_unlock(&lock);        \
        return inj_;                        \
    }
#define LEAVE(r)                   \
    do {                           \
        CUresult r_ = (r);         \
        pthread_mutex_unlock(&lock); \
        return r_;                 \
    } while (0)

/* ---- the hook for the fake cuBLAS -------------------------------------------------------------- */

/* Queues fn(ctx) (ctx copied) on stream as an operation touching ptrs; recorded when it captures. */
CUresult fakecuda_enqueue(void *s, const char *name, fake_fn fn, const void *ctx, size_t ctx_size,
                          const CUdeviceptr *ptrs, int nptrs)
{
    pthread_mutex_lock(&lock);
    node *op = calloc(1, sizeof *op);
    op->kind = EXTERNAL;
    snprintf(op->name, sizeof op->name, "%s", name);
    op->ext = fn;
    op->ctx = malloc(ctx_size);
    memcpy(op->ctx, ctx, ctx_size);
    op->nptrs = nptrs > MAXP ? MAXP : nptrs;
    memcpy(op->ptrs, ptrs, sizeof(CUdeviceptr) * op->nptrs);
    CUresult r = enqueue(as_stream(s), op);
    LEAVE(r);
}

int fakecuda_capturing(void *s)
{
    pthread_mutex_lock(&lock);
    int c = as_stream(s)->capturing;
    LEAVE(c);
}

/* ---- initialisation, devices, contexts, modules ------------------------------------------------ */

CUresult cuInit(unsigned flags)
{
    ENTER("cuInit");
    logf_("cuInit flags=%u", flags);
    LEAVE(OK);
}

CUresult cuDriverGetVersion(int *v)
{
    ENTER("cuDriverGetVersion");
    const char *e = getenv("FAKE_CUDA_DRIVER_VERSION");
    *v = e ? atoi(e) : 13000;
    LEAVE(OK);
}

CUresult cuDeviceGetCount(int *n)
{
    ENTER("cuDeviceGetCount");
    *n = 1;
    LEAVE(OK);
}

CUresult cuDeviceGet(int *d, int ordinal)
{
    ENTER("cuDeviceGet");
    if (ordinal != 0)
        LEAVE(101);
    *d = 0;
    LEAVE(OK);
}

CUresult cuDeviceGetName(char *name, int len, int dev)
{
    ENTER("cuDeviceGetName");
    (void)dev;
    snprintf(name, (size_t)len, "Fake H200 (jbackprop test driver)");
    LEAVE(OK);
}

CUresult cuDeviceGetAttribute(int *v, int attribute, int dev)
{
    ENTER("cuDeviceGetAttribute");
    (void)dev;
    *v = attribute == 75 ? 9 : attribute == 76 ? 0 : attribute == 16 ? 132 : 0;
    LEAVE(OK);
}

CUresult cuDeviceTotalMem_v2(size_t *bytes, int dev)
{
    ENTER("cuDeviceTotalMem_v2");
    (void)dev;
    *bytes = TOTAL;
    LEAVE(OK);
}

CUresult cuMemGetInfo_v2(size_t *free_, size_t *total)
{
    ENTER("cuMemGetInfo_v2");
    *free_ = TOTAL - allocated;
    *total = TOTAL;
    LEAVE(OK);
}

CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev)
{
    ENTER("cuDevicePrimaryCtxRetain");
    (void)dev;
    retained++;
    *ctx = &context_token;
    LEAVE(OK);
}

CUresult cuDevicePrimaryCtxRelease_v2(int dev)
{
    ENTER("cuDevicePrimaryCtxRelease_v2");
    (void)dev;
    retained--;
    LEAVE(OK);
}

CUresult cuCtxSetCurrent(void *ctx)
{
    ENTER("cuCtxSetCurrent");
    current = ctx;
    LEAVE(OK);
}

CUresult cuCtxGetCurrent(void **ctx)
{
    ENTER("cuCtxGetCurrent");
    *ctx = current;
    LEAVE(OK);
}

typedef struct {
    char *image;
    size_t size;
} module;

CUresult cuModuleLoadData(void **m, const void *image)
{
    ENTER("cuModuleLoadData");
    module *mod = calloc(1, sizeof *mod);
    /* a fatbin: keep enough of it to look kernel names up (its PTX is in there, uncompressed) */
    mod->size = 4 << 20;
    mod->image = malloc(mod->size);
    memcpy(mod->image, image, 16);
    const unsigned char *b = image;
    unsigned long long total = 0;
    memcpy(&total, b + 8, 8); /* fatbin header: magic, version, header size, then the size of the rest */
    size_t n = (size_t)(total + 16);
    if (n > mod->size)
        n = mod->size;
    memcpy(mod->image, image, n);
    mod->size = n;
    *m = mod;
    logf_("cuModuleLoadData %zu bytes", n);
    LEAVE(OK);
}

CUresult cuModuleUnload(void *m)
{
    ENTER("cuModuleUnload");
    module *mod = m;
    free(mod->image);
    free(mod);
    LEAVE(OK);
}

CUresult cuModuleGetFunction(void **f, void *m, const char *name)
{
    ENTER("cuModuleGetFunction");
    module *mod = m;
    char entry[96];
    snprintf(entry, sizeof entry, ".entry %s(", name);
    if (!memmem(mod->image, mod->size, entry, strlen(entry))) {
        logf_("cuModuleGetFunction %s -> not found", name);
        LEAVE(ERR_NOT_FOUND);
    }
    fn_info *fi = calloc(1, sizeof *fi);
    snprintf(fi->name, sizeof fi->name, "%s", name);
    snprintf(fi->types, sizeof fi->types, "%s", types_of(name));
    *f = fi;
    LEAVE(OK);
}

/* ---- memory ------------------------------------------------------------------------------------ */

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes)
{
    ENTER("cuMemAlloc_v2");
    CUresult u = unsafe_in_capture("cuMemAlloc");
    if (u)
        LEAVE(u);
    void *m = malloc(bytes ? bytes : 1);
    if (!m)
        LEAVE(ERR_OUT_OF_MEMORY);
    memset(m, 0xa5, bytes); /* not zero: a missing fill shows */
    int slot = -1;
    for (int i = 0; i < MAXA && slot < 0; i++)
        if (!allocs[i].live)
            slot = i;
    if (slot < 0) {
        free(m);
        LEAVE(ERR_OUT_OF_MEMORY);
    }
    memset(&allocs[slot], 0, sizeof allocs[slot]);
    allocs[slot].base = (CUdeviceptr)(uintptr_t)m;
    allocs[slot].size = bytes;
    allocs[slot].live = 1;
    allocs[slot].w_stream = -1;
    allocated += bytes;
    *p = allocs[slot].base;
    logf_("cuMemAlloc %zu bytes -> 0x%llx", bytes, *p);
    LEAVE(OK);
}

CUresult cuMemFree_v2(CUdeviceptr p)
{
    ENTER("cuMemFree_v2");
    CUresult u = unsafe_in_capture("cuMemFree");
    if (u)
        LEAVE(u);
    alloc *a = find_alloc(p);
    if (!a || a->base != p)
        LEAVE(ERR_INVALID_VALUE);
    for (int e = 0; e < nexecs; e++) {
        if (!execs[e] || !execs[e]->live)
            continue;
        for (node *n = execs[e]->g->first; n; n = n->next) {
            CUdeviceptr used[MAXP + 2];
            int k = device_ptrs(n, used);
            for (int i = 0; i < k; i++)
                if (used[i] >= a->base && used[i] < a->base + (a->size ? a->size : 1))
                    logf_("DANGLING cuMemFree(0x%llx) frees memory that graph exec %d still uses (%s)", p, e, n->name);
        }
    }
    allocated -= a->size;
    a->live = 0;
    free((void *)(uintptr_t)p);
    logf_("cuMemFree 0x%llx", p);
    LEAVE(OK);
}

CUresult cuMemAllocHost_v2(void **p, size_t bytes)
{
    ENTER("cuMemAllocHost_v2");
    *p = malloc(bytes ? bytes : 1);
    LEAVE(*p ? OK : ERR_OUT_OF_MEMORY);
}

CUresult cuMemFreeHost(void *p)
{
    ENTER("cuMemFreeHost");
    free(p);
    LEAVE(OK);
}

static node *copy_node(const char *name, CUdeviceptr dst, CUdeviceptr src, size_t bytes, int dir)
{
    node *op = calloc(1, sizeof *op);
    op->kind = COPY;
    snprintf(op->name, sizeof op->name, "%s", name);
    op->dst = dst;
    op->src = src;
    op->n = bytes;
    op->copy_dir = dir;
    return op;
}

static CUresult queue_copy(const char *name, CUdeviceptr dst, CUdeviceptr src, size_t bytes, int dir, void *s)
{
    stream *st = as_stream(s);
    logf_("%s %zu bytes 0x%llx <- 0x%llx on stream %d", name, bytes, dst, src, st->id);
    if (st == &legacy) {
        CUresult r = legacy_call(name);
        if (r)
            return r;
    }
    return enqueue(st, copy_node(name, dst, src, bytes, dir));
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t bytes, void *s)
{
    ENTER("cuMemcpyHtoDAsync_v2");
    LEAVE(queue_copy("cuMemcpyHtoDAsync", dst, (CUdeviceptr)(uintptr_t)src, bytes, 0, s));
}

CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t bytes, void *s)
{
    ENTER("cuMemcpyDtoHAsync_v2");
    LEAVE(queue_copy("cuMemcpyDtoHAsync", (CUdeviceptr)(uintptr_t)dst, src, bytes, 1, s));
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, void *s)
{
    ENTER("cuMemcpyDtoDAsync_v2");
    LEAVE(queue_copy("cuMemcpyDtoDAsync", dst, src, bytes, 2, s));
}

/* the synchronous copies run on the legacy stream, and the host waits for them */
static CUresult sync_copy(const char *name, CUdeviceptr dst, CUdeviceptr src, size_t bytes, int dir)
{
    CUresult r = unsafe_in_capture(name);
    if (!r)
        r = queue_copy(name, dst, src, bytes, dir, NULL);
    if (!r)
        vmax(&host, &legacy.clock);
    return r;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes)
{
    ENTER("cuMemcpyHtoD_v2");
    LEAVE(sync_copy("cuMemcpyHtoD", dst, (CUdeviceptr)(uintptr_t)src, bytes, 0));
}

CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes)
{
    ENTER("cuMemcpyDtoH_v2");
    LEAVE(sync_copy("cuMemcpyDtoH", (CUdeviceptr)(uintptr_t)dst, src, bytes, 1));
}

CUresult cuMemsetD32Async(CUdeviceptr p, unsigned bits, size_t words, void *s)
{
    ENTER("cuMemsetD32Async");
    stream *st = as_stream(s);
    logf_("cuMemsetD32Async 0x%llx %zu words of 0x%x on stream %d", p, words, bits, st->id);
    if (st == &legacy) {
        CUresult r = legacy_call("cuMemsetD32Async");
        if (r)
            LEAVE(r);
    }
    node *op = calloc(1, sizeof *op);
    op->kind = MEMSET;
    snprintf(op->name, sizeof op->name, "cuMemsetD32Async");
    op->dst = p;
    op->n = words;
    op->bits = bits;
    LEAVE(enqueue(st, op));
}

/* ---- streams, events, graphs ------------------------------------------------------------------- */

CUresult cuStreamCreate(void **s, unsigned flags)
{
    ENTER("cuStreamCreate");
    for (int i = 1; i < MAXS; i++) {
        if (!streams[i]) {
            stream *st = calloc(1, sizeof *st);
            st->id = i;
            st->flags = flags;
            streams[i] = st;
            *s = st;
            logf_("cuStreamCreate stream %d flags=%u%s", i, flags, flags & 1 ? " (non-blocking)" : " (blocking)");
            LEAVE(OK);
        }
    }
    LEAVE(ERR_OUT_OF_MEMORY);
}

CUresult cuStreamDestroy_v2(void *s)
{
    ENTER("cuStreamDestroy_v2");
    stream *st = s;
    if (!st)
        LEAVE(ERR_INVALID_HANDLE);
    streams[st->id] = NULL;
    free(st);
    LEAVE(OK);
}

CUresult cuStreamSynchronize(void *s)
{
    ENTER("cuStreamSynchronize");
    stream *st = as_stream(s);
    if (st->capturing) {
        st->invalidated = 1;
        logf_("cuStreamSynchronize on capturing stream %d -> CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", st->id);
        LEAVE(ERR_CAPTURE_UNSUPPORTED);
    }
    CUresult u = unsafe_in_capture("cuStreamSynchronize");
    if (u)
        LEAVE(u);
    if (st == &legacy) {
        CUresult r = legacy_call("cuStreamSynchronize");
        if (r)
            LEAVE(r);
        begin_op(&legacy);
    }
    vmax(&host, &st->clock);
    LEAVE(OK);
}

CUresult cuEventCreate(void **e, unsigned flags)
{
    ENTER("cuEventCreate");
    (void)flags;
    *e = calloc(1, sizeof(event));
    LEAVE(OK);
}

CUresult cuEventDestroy_v2(void *e)
{
    ENTER("cuEventDestroy_v2");
    free(e);
    LEAVE(OK);
}

CUresult cuEventRecord(void *e, void *s)
{
    ENTER("cuEventRecord");
    stream *st = as_stream(s);
    event *ev = e;
    vmax(&st->clock, &host);
    ev->clock = st->clock;
    ev->recorded = 1;
    LEAVE(OK);
}

CUresult cuStreamWaitEvent(void *s, void *e, unsigned flags)
{
    ENTER("cuStreamWaitEvent");
    (void)flags;
    event *ev = e;
    if (ev->recorded) /* an event never recorded is complete: nothing to wait for */
        vmax(&as_stream(s)->clock, &ev->clock);
    LEAVE(OK);
}

CUresult cuEventSynchronize(void *e)
{
    ENTER("cuEventSynchronize");
    CUresult u = unsafe_in_capture("cuEventSynchronize");
    if (u)
        LEAVE(u);
    event *ev = e;
    if (ev->recorded)
        vmax(&host, &ev->clock);
    LEAVE(OK);
}

CUresult cuStreamBeginCapture_v2(void *s, int mode)
{
    ENTER("cuStreamBeginCapture_v2");
    stream *st = as_stream(s);
    if (st == &legacy || st->capturing)
        LEAVE(ERR_INVALID_VALUE);
    st->capturing = 1;
    st->invalidated = 0;
    st->g = calloc(1, sizeof(graph));
    capturing_here = st;
    logf_("cuStreamBeginCapture stream %d mode %d", st->id, mode);
    LEAVE(OK);
}

CUresult cuStreamEndCapture(void *s, void **g)
{
    pthread_mutex_lock(&lock);
    stream *st = as_stream(s);
    if (!st->capturing)
        LEAVE(ERR_INVALID_VALUE);
    st->capturing = 0;
    capturing_here = NULL;
    CUresult inj = injected("cuStreamEndCapture");
    if (st->invalidated || inj) {
        logf_("cuStreamEndCapture stream %d -> %s", st->id, inj ? "injected failure" : "invalidated");
        for (node *n = st->g->first, *next; n; n = next) {
            next = n->next;
            free(n);
        }
        free(st->g);
        st->g = NULL;
        LEAVE(inj ? inj : ERR_CAPTURE_INVALIDATED);
    }
    st->g->live = 1;
    *g = st->g;
    st->g = NULL;
    logf_("cuStreamEndCapture stream %d -> graph", st->id);
    LEAVE(OK);
}

CUresult cuGraphInstantiateWithFlags(void **x, void *g, unsigned long long flags)
{
    ENTER("cuGraphInstantiateWithFlags");
    (void)flags;
    exec *e = calloc(1, sizeof *e);
    e->g = g;
    e->live = 1;
    if (nexecs < 1024)
        execs[nexecs++] = e;
    *x = e;
    LEAVE(OK);
}

CUresult cuGraphLaunch(void *x, void *s)
{
    ENTER("cuGraphLaunch");
    exec *e = x;
    stream *st = as_stream(s);
    logf_("cuGraphLaunch on stream %d", st->id);
    for (node *n = e->g->first; n; n = n->next) {
        CUdeviceptr used[MAXP + 2];
        int k = device_ptrs(n, used);
        for (int i = 0; i < k; i++)
            if (!find_alloc(used[i]))
                logf_("DANGLING cuGraphLaunch: %s uses 0x%llx, which is not allocated", n->name, used[i]);
        execute(st, n);
    }
    LEAVE(OK);
}

CUresult cuGraphExecDestroy(void *x)
{
    ENTER("cuGraphExecDestroy");
    exec *e = x;
    e->live = 0;
    LEAVE(OK);
}

CUresult cuGraphDestroy(void *g)
{
    ENTER("cuGraphDestroy");
    ((graph *)g)->live = 0; /* nodes kept: an exec made from it may still run them */
    LEAVE(OK);
}

CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void *s, void **params, void **extra)
{
    fn_info *fi = f;
    char name[96];
    snprintf(name, sizeof name, "cuLaunchKernel/%s", fi->name);
    pthread_mutex_lock(&lock);
    CUresult inj = injected("cuLaunchKernel");
    if (!inj)
        inj = injected(name);
    stream *st = as_stream(s);
    (void)gy;
    (void)gz;
    (void)by;
    (void)bz;
    (void)shared;
    (void)extra;
    node *op = calloc(1, sizeof *op);
    op->kind = KERNEL;
    snprintf(op->name, sizeof op->name, "%s", fi->name);
    op->fn = fi;
    op->n = gx;
    char args[1024] = "";
    size_t used = 0;
    int np = (int)strlen(fi->types);
    for (int i = 0; i < np && i < MAXP; i++) {
        char t = fi->types[i];
        size_t size = (t == 'i' || t == 'f') ? 4 : 8;
        memcpy(op->params + 8 * i, params[i], size);
        if (t == 'p') {
            CUdeviceptr p = (CUdeviceptr)slot_long(op, i);
            if (p)
                op->ptrs[op->nptrs++] = p;
            used += (size_t)snprintf(args + used, sizeof args - used, " 0x%llx", p);
        } else if (t == 'l') {
            used += (size_t)snprintf(args + used, sizeof args - used, " %lld", slot_long(op, i));
        } else if (t == 'f') {
            used += (size_t)snprintf(args + used, sizeof args - used, " %g", (double)slot_float(op, i));
        } else {
            used += (size_t)snprintf(args + used, sizeof args - used, " %d", slot_int(op, i));
        }
        if (used >= sizeof args)
            used = sizeof args - 1;
    }
    logf_("cuLaunchKernel %s grid %u block %u on stream %d:%s%s", fi->name, gx, bx, st->id, args,
          inj ? " -> injected failure" : "");
    if (inj) {
        free(op);
        LEAVE(inj);
    }
    if (st == &legacy) {
        CUresult r = legacy_call("cuLaunchKernel");
        if (r) {
            free(op);
            LEAVE(r);
        }
    }
    LEAVE(enqueue(st, op));
}
