/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_BENCH_H
#define BOLT_NVBIND_BENCH_H

/*
 * `bolt gaming gpu benchmark`: what GPU passthrough costs. Each measurement is a JSON
 * object {"name", "measured": bool, "median_us", "samples", "why" (when not measured)};
 * ratios are {"name", "ratio", "of", "to"}.
 */

#include <jansson.h>

#include "nvbind/config.h"
#include "util/err.h"

/*
 * Median wall time of bolt_nv_inject_spec (all GPUs) into a fresh default spec, and of
 * loading the cached plan, over iterations calls in this process.
 */
json_t *bolt_bench_inject(const struct bolt_nv_config *cfg, const char *runroot, int iterations);

/*
 * Median wall time of running argv (NULL-terminated) to completion, iterations times.
 * A failing run makes the measurement "not measured" with its exit status in "why".
 */
json_t *bolt_bench_command(const char *name, char *const *argv, int iterations);

/* Interleaved: a and b alternately, so both see the same machine load. */
void bolt_bench_pair(json_t *out_a, json_t *out_b, char *const *a, char *const *b,
                     int iterations);

/* CUDA driver API on the host: cuLaunchKernel latency of an empty PTX kernel and
 * host-to-device bandwidth (64 MiB cuMemcpyHtoD). Not measured without a real GPU. */
json_t *bolt_bench_cuda(const struct bolt_nv_config *cfg, const char *runroot, int iterations);

/* A "not measured" entry. */
json_t *bolt_bench_skip(const char *name, const char *why);

#endif
