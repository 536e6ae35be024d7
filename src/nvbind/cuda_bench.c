/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CUDA driver API timings: launch latency of an empty kernel given as PTX text (the driver
 * JIT-compiles it, so no compiler is needed) and host-to-device bandwidth. libc only.
 */
#include "nvbind/cuda_bench.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char ptx_empty[] = ".version 6.0\n"
                                ".target sm_50\n"
                                ".address_size 64\n"
                                ".visible .entry bolt_empty()\n"
                                "{\n"
                                "  ret;\n"
                                "}\n";

#define H2D_BYTES  ((size_t)64 << 20)
#define H2D_ROUNDS 5

typedef int CUresult;
struct cuda {
    CUresult (*init)(unsigned);
    CUresult (*count)(int *);
    CUresult (*device_get)(int *, int);
    CUresult (*ctx_create)(void **, unsigned, int);
    CUresult (*ctx_destroy)(void *);
    CUresult (*module_load)(void **, const void *);
    CUresult (*get_function)(void **, void *, const char *);
    CUresult (*launch)(void *, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                       void *, void **, void **);
    CUresult (*sync)(void);
    CUresult (*mem_alloc)(unsigned long long *, size_t);
    CUresult (*mem_free)(unsigned long long);
    CUresult (*htod)(unsigned long long, const void *, size_t);
};

#define SYM(slot, name)                   \
    {                                     \
        name, offsetof(struct cuda, slot) \
    }
static const struct {
    const char *name;
    size_t off;
} syms[] = {
    SYM(init, "cuInit"),
    SYM(count, "cuDeviceGetCount"),
    SYM(device_get, "cuDeviceGet"),
    SYM(ctx_create, "cuCtxCreate_v2"),
    SYM(ctx_destroy, "cuCtxDestroy_v2"),
    SYM(module_load, "cuModuleLoadData"),
    SYM(get_function, "cuModuleGetFunction"),
    SYM(launch, "cuLaunchKernel"),
    SYM(sync, "cuCtxSynchronize"),
    SYM(mem_alloc, "cuMemAlloc_v2"),
    SYM(mem_free, "cuMemFree_v2"),
    SYM(htod, "cuMemcpyHtoD_v2"),
};
#undef SYM

double
bolt_bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int
bolt_bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One launch + synchronize; CUresult of the first call that failed. */
static CUresult
launch_sync(const struct cuda *c, void *fn)
{
    CUresult r = c->launch(fn, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL);
    return r != 0 ? r : c->sync();
}

static void
measure_h2d(const struct cuda *c, struct bolt_cuda_figs *f)
{
    unsigned long long dptr = 0;
    char *host = malloc(H2D_BYTES);
    double best = 0;
    CUresult r;

    if (host == NULL) {
        snprintf(f->h2d_why, sizeof(f->h2d_why), "no memory for a 64 MiB host buffer");
        return;
    }
    memset(host, 1, H2D_BYTES);
    if ((r = c->mem_alloc(&dptr, H2D_BYTES)) != 0) {
        snprintf(f->h2d_why, sizeof(f->h2d_why), "cuMemAlloc_v2 of 64 MiB failed (CUresult %d)", r);
        free(host);
        return;
    }
    for (int i = 0; i < H2D_ROUNDS; i++) {
        double t0 = bolt_bench_now_us();
        if ((r = c->htod(dptr, host, H2D_BYTES)) != 0 || (r = c->sync()) != 0) {
            snprintf(f->h2d_why, sizeof(f->h2d_why),
                     "cuMemcpyHtoD_v2 of 64 MiB failed (CUresult %d)", r);
            best = 0;
            break;
        }
        double d = bolt_bench_now_us() - t0;
        if (best == 0 || d < best)
            best = d;
    }
    if (best > 0)
        f->h2d_gbps = (double)H2D_BYTES / best / 1e3; /* bytes per us / 1e3 = GB/s */
    c->mem_free(dptr);
    free(host);
}

int
bolt_cuda_measure(void *lib, const char *libname, int iterations, struct bolt_cuda_figs *f)
{
    struct cuda c;
    void *ctx = NULL, *mod = NULL, *fn = NULL;
    double *v = NULL;
    const char *call = NULL;
    int dev = 0;
    CUresult r = 0;

    memset(f, 0, sizeof(*f));
    f->h2d_gbps = -1;
    f->fake = dlsym(lib, "bolt_fake_cuda") != NULL;
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        void *p = dlsym(lib, syms[i].name);
        if (p == NULL) {
            snprintf(f->why, sizeof(f->why), "%s has no %s (not a CUDA driver library?)", libname,
                     syms[i].name);
            return -1;
        }
        memcpy((char *)&c + syms[i].off, &p, sizeof(p));
    }
    if ((r = c.init(0)) != 0) {
        snprintf(f->why, sizeof(f->why),
                 "cuInit failed (CUresult %d): no usable GPU behind the device nodes%s", r,
                 r == 100 ? " (CUDA_ERROR_NO_DEVICE)" : "");
        return -1;
    }
    if ((r = c.count(&f->devices)) != 0)
        call = "cuDeviceGetCount";
    else if ((r = c.device_get(&dev, 0)) != 0)
        call = "cuDeviceGet";
    else if ((r = c.ctx_create(&ctx, 0, dev)) != 0)
        call = "cuCtxCreate_v2";
    else if ((r = c.module_load(&mod, ptx_empty)) != 0)
        call = "cuModuleLoadData (the PTX kernel)";
    else if ((r = c.get_function(&fn, mod, "bolt_empty")) != 0)
        call = "cuModuleGetFunction";
    else if ((r = launch_sync(&c, fn)) != 0)
        call = "cuLaunchKernel";
    if (call) {
        snprintf(f->why, sizeof(f->why), "%s failed (CUresult %d)", call, r);
        goto out;
    }
    v = calloc((size_t)iterations, sizeof(double));
    if (v == NULL) {
        snprintf(f->why, sizeof(f->why), "no memory for %d samples", iterations);
        goto out;
    }
    for (int i = 0; i < iterations; i++) {
        double t0 = bolt_bench_now_us();
        if ((r = launch_sync(&c, fn)) != 0) {
            snprintf(f->why, sizeof(f->why),
                     "cuLaunchKernel + cuCtxSynchronize failed at "
                     "launch %d (CUresult %d)",
                     i + 1, r);
            goto out;
        }
        v[i] = bolt_bench_now_us() - t0;
    }
    qsort(v, (size_t)iterations, sizeof(*v), bolt_bench_cmp_double);
    f->samples = iterations;
    f->launch_min_us = v[0];
    f->launch_max_us = v[iterations - 1];
    f->launch_median_us =
        iterations % 2 ? v[iterations / 2] : (v[iterations / 2 - 1] + v[iterations / 2]) / 2;
    measure_h2d(&c, f);
out:
    free(v);
    if (ctx)
        c.ctx_destroy(ctx); /* unloads the module with it */
    return f->why[0] ? -1 : 0;
}
