/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bolt-cuda-bench [ITERATIONS]: the CUDA measurement of `bolt gaming gpu benchmark`, run
 * inside a container. Dynamically linked against glibc so that dlopen("libcuda.so.1")
 * finds the injected driver through the container's ld.so.cache, as CUDA programs do.
 * Prints one JSON line, exit 0:
 *   {"fake":false,"devices":1,"samples":20,"median_us":..,"min_us":..,"max_us":..,
 *    "h2d_gbps":..}            ("h2d_why" instead of "h2d_gbps" when the copy failed)
 * or, exit 1: {"error":"..."}.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvbind/cuda_bench.h"

/* s as a JSON string body: quotes, backslashes and control characters escaped */
static void
put_json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static int
fail(const char *msg)
{
    printf("{\"error\":");
    put_json_str(msg);
    printf("}\n");
    return 1;
}

int
main(int argc, char **argv)
{
    struct bolt_cuda_figs f;
    char msg[600];
    long n = 20;
    char *end = NULL;
    void *lib;

    if (argc == 2)
        n = strtol(argv[1], &end, 10);
    if (argc > 2 || (end && (end == argv[1] || *end)) || n < 1 || n > 100000) {
        snprintf(msg, sizeof(msg),
                 "usage: bolt-cuda-bench [ITERATIONS]: '%.100s' is not a count 1..100000",
                 argc > 2 ? argv[2] : argv[1]);
        return fail(msg);
    }
    lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        snprintf(msg, sizeof(msg), "cannot load libcuda.so.1 in the container: %s", dlerror());
        return fail(msg);
    }
    if (bolt_cuda_measure(lib, "libcuda.so.1", (int)n, &f) < 0)
        return fail(f.why);
    /* %.9g: the fake driver's launches take tens of nanoseconds */
    printf("{\"fake\":%s,\"devices\":%d,\"samples\":%d,\"median_us\":%.9g,\"min_us\":%.9g,"
           "\"max_us\":%.9g,",
           f.fake ? "true" : "false", f.devices, f.samples, f.launch_median_us, f.launch_min_us,
           f.launch_max_us);
    if (f.h2d_gbps >= 0) {
        printf("\"h2d_gbps\":%.9g}\n", f.h2d_gbps);
    } else {
        printf("\"h2d_why\":");
        put_json_str(f.h2d_why);
        printf("}\n");
    }
    return 0;
}
