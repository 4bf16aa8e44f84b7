/*
 * libcublas.so.12 -> libcublas.so.13 bridge (see README.md).
 * The stubs in bridge.S jump through jbp_slots; this file fills the slots when the library is
 * loaded and implements the fallback for names that libcublas.so.13 lacks.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bind the pre-2.34 versions (libdl's), so a bridge built on a new glibc still loads on an older one. */
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlvsym,dlvsym@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");
__asm__(".symver dladdr,dladdr@GLIBC_2.2.5");
__asm__(".symver dlinfo,dlinfo@GLIBC_2.3.3");

#define TARGET "libcublas.so.13"
#define CUBLAS_STATUS_NOT_SUPPORTED 15

/* defined in bridge.S */
#define HIDDEN __attribute__((visibility("hidden")))
extern HIDDEN void *jbp_slots[];
extern HIDDEN const char *const jbp_names[];
extern HIDDEN unsigned char jbp_warned[];
extern HIDDEN const unsigned jbp_count;

static char jbp_reason[512] = "bridge not initialised";

/* Reached (by tail jump, so it returns straight to the caller) when the target lacks a name.
 * Returns 64 bits because a few names do not return cublasStatus_t. */
HIDDEN uintptr_t jbp_missing(unsigned idx)
{
    const char *name = jbp_names[idx];
    /* these return a string or a size_t in cuBLAS: a status code would be read as a pointer */
    const int is_string = strcmp(name, "cublasGetStatusName") == 0 || strcmp(name, "cublasGetStatusString") == 0;
    const int is_size = strcmp(name, "cublasGetCudartVersion") == 0;
    if (!__atomic_exchange_n(&jbp_warned[idx], 1, __ATOMIC_RELAXED))
        fprintf(stderr, "jbackprop cuBLAS bridge: %s is not available (%s); returning %s\n", name, jbp_reason,
                is_string ? "a placeholder string" : is_size ? "0" : "CUBLAS_STATUS_NOT_SUPPORTED");
    if (is_string)
        return (uintptr_t)"CUBLAS_STATUS_NOT_SUPPORTED (function missing behind the jbackprop cuBLAS bridge)";
    if (is_size)
        return 0;
    return CUBLAS_STATUS_NOT_SUPPORTED;
}

__attribute__((constructor)) static void jbp_init(void)
{
    Dl_info self;
    const int verbose = getenv("JBACKPROP_CUBLAS_BRIDGE_VERBOSE") != NULL;
    void *h = dlopen(TARGET, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *err = dlerror();
        snprintf(jbp_reason, sizeof jbp_reason, TARGET " was not found: %s", err ? err : "dlopen failed");
        if (verbose)
            fprintf(stderr, "jbackprop cuBLAS bridge: %s\n", jbp_reason);
        return;
    }
    snprintf(jbp_reason, sizeof jbp_reason, "not exported by " TARGET);
    /* a "libcublas.so.13" that is really this bridge would make every stub jump to itself */
    void *self_base = dladdr((void *)&jbp_init, &self) ? self.dli_fbase : NULL;
    unsigned found = 0;
    for (unsigned i = 0; i < jbp_count; i++) {
        void *p = dlvsym(h, jbp_names[i], TARGET);
        if (!p)
            p = dlsym(h, jbp_names[i]);
        Dl_info at;
        if (p && self_base && dladdr(p, &at) && at.dli_fbase == self_base)
            p = NULL;
        if (p) {
            jbp_slots[i] = p;
            found++;
        }
    }
    if (verbose) {
        struct link_map *lm = NULL;
        const char *where = dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name[0] ? lm->l_name : TARGET;
        fprintf(stderr, "jbackprop cuBLAS bridge: %u of %u names resolved in %s\n", found, jbp_count, where);
    }
}
