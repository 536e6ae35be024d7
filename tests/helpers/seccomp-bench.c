/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp-bench [N]: time bolt_seccomp_prepare for docker's default profile on a cache
 * miss (libseccomp compile + export + cache write) and on a cache hit (canonical JSON,
 * SHA-256, one file read), N rounds each. Prints medians of wall and CPU time, so the
 * figure stays readable on a loaded machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "oci/spec.h"
#include "runtime/seccomp.h"
#include "util/fs.h"

struct sample {
    double wall, cpu;
};

static double
usec(clockid_t c)
{
    struct timespec t;

    clock_gettime(c, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp);
    return v[n / 2];
}

/* Times one prepare; returns 1 if it came from the cache, 0 if compiled, -1 on error. */
static int
timed_prepare(const struct bolt_oci_seccomp *sc, const char *dir, double *wall, double *cpu,
              size_t *len)
{
    struct bolt_err err = {0};
    double w0 = usec(CLOCK_MONOTONIC), c0 = usec(CLOCK_PROCESS_CPUTIME_ID);
    struct bolt_seccomp_prog *p = bolt_seccomp_prepare(sc, dir, &err);
    int cached;

    *wall = usec(CLOCK_MONOTONIC) - w0;
    *cpu = usec(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (p == NULL) {
        fprintf(stderr, "seccomp-bench: %s\n", err.msg);
        return -1;
    }
    cached = bolt_seccomp_prog_cached(p);
    *len = bolt_seccomp_prog_len(p);
    bolt_seccomp_prog_free(p);
    return cached;
}

int
main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 30;
    char dir[] = "/tmp/bolt-seccomp-bench-XXXXXX";
    struct bolt_err err = {0};
    struct bolt_oci_seccomp *sc = bolt_seccomp_default_profile();
    double *mw, *mc, *hw, *hc;
    size_t len = 0;

    if (n < 1 || mkdtemp(dir) == NULL)
        return 2;
    mw = calloc((size_t)n, sizeof(double));
    mc = calloc((size_t)n, sizeof(double));
    hw = calloc((size_t)n, sizeof(double));
    hc = calloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++) {
        bolt_rm_rf(dir, &err);
        if (timed_prepare(sc, dir, &mw[i], &mc[i], &len) != 0
            || timed_prepare(sc, dir, &hw[i], &hc[i], &len) != 1)
            return 1;
    }
    printf("default profile: %zu BPF instructions, %d rounds\n", len, n);
    printf("miss: median %.0f us wall, %.0f us cpu\n", median(mw, n), median(mc, n));
    printf("hit:  median %.1f us wall, %.1f us cpu\n", median(hw, n), median(hc, n));
    printf("miss/hit (cpu): %.0fx\n", median(mc, n) / median(hc, n));
    bolt_rm_rf(dir, &err);
    bolt_oci_seccomp_free(sc);
    free(mw);
    free(mc);
    free(hw);
    free(hc);
    return 0;
}
