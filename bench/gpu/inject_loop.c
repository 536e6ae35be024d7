/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inject_loop CONFIG.JSON RUNROOT N [LOWER]: nvbind's injection (bolt_nv_inject_oci: from the
 * second on, the record of the first) N times in
 * one process on fresh copies of a spec, printing the median and p90 in microseconds, then
 * the median cost of one getppid() syscall (how slow syscalls are on this machine now). With
 * LOWER (an image's layer dirs) it is `bolt run`'s path: the nvbind layer lookup, then the
 * injection that uses it; the first of them records it, and the others apply that record. A
 * container start pays it once in a new process (cold caches: see BOLT_TRACE=1); this is
 * the same code with warm caches, i.e. the work itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nvbind/inject.h"
#include "oci/spec.h"

static int
cmp(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
    struct bolt_err err = {0};
    struct bolt_oci_spec *base;
    long long *t;
    int n;

    if (argc != 4 && argc != 5)
        return fprintf(stderr, "usage: inject_loop CONFIG.JSON RUNROOT N [LOWER]\n"), 2;
    n = atoi(argv[3]);
    base = bolt_oci_spec_load(argv[1], &err);
    if (base == NULL || n <= 0)
        return fprintf(stderr, "inject_loop: %s\n", err.msg), 1;
    t = calloc((size_t)n, sizeof(*t));
    for (int i = 0; i < n; i++) {
        struct bolt_oci_spec *s = bolt_oci_spec_dup(base);
        struct bolt_nv_inject_opts o = {.runroot = argv[2]};
        long long t0 = bolt_nv_now_ns();
        char *layer = NULL;
        /* with LOWER: bolt run's path (the nvbind layer for that image, then the injection) */
        struct bolt_nv_injected inj = {0};
        struct bolt_nv_prepared prep = {0};
        if (argc == 5 && (bolt_nv_engine_layer(&prep, s, NULL, argv[2], argv[4], &layer, &err) < 0
                          || !bolt_nv_engine_prepared(&prep, argv[2], &o)))
            return fprintf(stderr, "inject_loop: %s\n", err.msg), 1;
        if (argc == 5 ? bolt_nv_inject_spec(s, &o, &inj, &err) < 0
                      : bolt_nv_inject_oci(s, NULL, argv[2], &err) < 0)
            return fprintf(stderr, "inject_loop: %s\n", err.msg), 1;
        t[i] = bolt_nv_now_ns() - t0;
        bolt_nv_injected_fini(&inj);
        bolt_nv_engine_prepared_free(&prep);
        free(layer);
        bolt_oci_spec_free(s);
    }
    qsort(t, (size_t)n, sizeof(*t), cmp);
    printf("%.1f %.1f", (double)t[n / 2] / 1000.0, (double)t[(n * 9) / 10] / 1000.0);
    /* what one trivial syscall costs on this machine now: bolt run's recorded path makes 6
     * (nvbind's about 20), and on a loaded VM each costs several microseconds */
    for (int i = 0; i < n; i++) {
        long long t0 = bolt_nv_now_ns();
        getppid();
        t[i] = bolt_nv_now_ns() - t0;
    }
    qsort(t, (size_t)n, sizeof(*t), cmp);
    printf(" %.2f\n", (double)t[n / 2] / 1000.0);
    return 0;
}
