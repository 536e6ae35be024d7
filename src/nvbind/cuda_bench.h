/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_CUDA_BENCH_H
#define BOLT_NVBIND_CUDA_BENCH_H

/*
 * The CUDA driver API measurement of `bolt gaming gpu benchmark`, shared by bolt (on the
 * host) and bolt-cuda-bench (the helper run inside a container). Needs only libc and a
 * dlopen()ed libcuda.so.1: the helper must run in any glibc image.
 */

#include <stdbool.h>

struct bolt_cuda_figs {
    bool fake;   /* the library exports bolt_fake_cuda (the test fixture) */
    int devices; /* cuDeviceGetCount after cuInit */
    int samples; /* kernel launches timed */
    double launch_median_us, launch_min_us, launch_max_us;
    double h2d_gbps; /* host-to-device bandwidth; < 0: not measured, see h2d_why */
    char h2d_why[160];
    char why[300]; /* set when bolt_cuda_measure returns -1 */
};

/* CLOCK_MONOTONIC in microseconds; qsort comparator for doubles (bench.c uses them too). */
double bolt_bench_now_us(void);
int bolt_bench_cmp_double(const void *a, const void *b);

/*
 * cuInit, a context on device 0, an empty PTX kernel launched and synchronized iterations
 * times (one untimed launch first), then the best of 5 host-to-device copies of 64 MiB.
 * lib is a dlopen() handle of libcuda.so.1, libname names it in messages. Returns 0, or -1
 * with f->why naming the call and its CUresult.
 */
int bolt_cuda_measure(void *lib, const char *libname, int iterations, struct bolt_cuda_figs *f);

#endif
