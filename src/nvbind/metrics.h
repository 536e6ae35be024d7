/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_METRICS_H
#define BOLT_NVBIND_METRICS_H

/*
 * Live metrics for `bolt gaming performance`: per GPU (NVML, dlopen of the driver root's
 * libnvidia-ml.so.1) and per running bolt container (its cgroup, and its share of GPU
 * memory: NVML's process list mapped to containers by cgroup membership of each pid).
 *
 * A sample is a JSON object (the same form --format json prints and the HTML report embeds):
 *   {"time": 1700000000.25,
 *    "gpus": [{"index", "uuid", "name", "util_gpu", "util_memory", "mem_used", "mem_total",
 *              "temperature_c", "power_w", "power_limit_w", "clock_graphics_mhz",
 *              "clock_sm_mhz", "clock_mem_mhz", "fan_pct", "pstate", "throttle": [..]}],
 *    "gpu_error": "why there are no GPU figures" (only then),
 *    "containers": [{"name", "id", "pid", "cpu_pct", "mem_used", "mem_limit",
 *                    "gpu_mem": {"<uuid>": bytes}, "gpu_mem_total"}]}
 * A figure the driver does not report is null (never a made-up 0).
 */

#include <jansson.h>

#include "nvbind/config.h"
#include "util/err.h"

struct bolt_metrics;

/*
 * Open the sources: the container store under root/runroot and, when a driver is found
 * under cfg's roots, NVML. container: only that container (name, id or prefix; error when
 * unknown), NULL = every running one. Missing GPUs are not an error (gpu_error says why).
 */
struct bolt_metrics *bolt_metrics_open(const struct bolt_nv_config *cfg, const char *root,
                                       const char *runroot, const char *container,
                                       struct bolt_err *err);

/* Take one sample (CPU % is over the time since the previous sample or the open). */
json_t *bolt_metrics_sample(struct bolt_metrics *m, struct bolt_err *err);

void bolt_metrics_close(struct bolt_metrics *m);

/* Names of the NVML clock throttle reason bits set in mask, as a JSON array of strings. */
json_t *bolt_metrics_throttle_names(unsigned long long mask);

#endif
