/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_DISCOVER_H
#define BOLT_NVBIND_DISCOVER_H

/*
 * The steps of bolt_nv_plan_build (plan.h), one per source of facts. Each fills part of the
 * plan; problems that still leave a usable driver are appended to plan->warnings.
 * Internal to src/nvbind; tests call them directly.
 */

#include "nvbind/plan.h"

/* Driver type and version from /proc/driver/nvidia/version, /sys/module, WSL markers. */
int bolt_nv_discover_driver(struct bolt_nv_plan *plan, struct bolt_err *err);

/* Parse the version out of a /proc/driver/nvidia/version text; sets *open. NULL if none. */
char *bolt_nv_parse_proc_version(const char *text, bool *open);

/* GPUs from /proc/driver/nvidia/gpus/<BDF>/information, capabilities and sysfs. */
int bolt_nv_discover_gpus_procfs(struct bolt_nv_plan *plan, struct bolt_err *err);

/* GPUs from NVML (dlopen of the driver root's libnvidia-ml.so.1). -1 + err if it fails. */
int bolt_nv_discover_gpus_nvml(struct bolt_nv_plan *plan, struct bolt_err *err);

/* Device nodes for the GPUs of the plan, each checked with stat (st_rdev). */
int bolt_nv_discover_nodes(struct bolt_nv_plan *plan, struct bolt_err *err);

/* Driver files per capability class (ld.so.cache, binaries, firmware, JSON, IPC, DLLs, WSL). */
int bolt_nv_discover_files(struct bolt_nv_plan *plan, struct bolt_err *err);

/* CUDA driver API version shipped with a driver branch (550 -> 12040), 0 if unknown. */
int bolt_nv_cuda_for_driver(const char *driver_version);

/* Append a printf-formatted warning to plan->warnings. */
void bolt_nv_plan_warn(struct bolt_nv_plan *plan, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Read a small text file under root (NULL if it cannot be read). */
char *bolt_nv_read_under(const char *root, const char *path);

#endif
