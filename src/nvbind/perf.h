/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_PERF_H
#define BOLT_NVBIND_PERF_H

/*
 * GPU performance modes (ultra, high, balanced, efficient): NVML persistence mode, power
 * limit and locked clocks of each GPU, plus the cpufreq governor of the CPUs under sys_root.
 *
 * State lives under <runroot>/gpu-perf/ (all of it guarded by the flock "lock"):
 *   <uuid>.orig   the GPU's settings before bolt changed them (written before any change)
 *   <uuid>.mode   "MODE container" or "MODE system": what is applied now
 *   <uuid>.MODE.hold  flocked LOCK_SH by every container process using that GPU in MODE
 *   cpus.orig     "cpuN GOVERNOR" lines, the governors before the first change
 * A GPU whose mode is held by no live process (its last container ended, or its monitor
 * was killed) is restored from .orig by the next bolt_nv_perf_release/acquire/set_system,
 * so a crash never leaves a GPU changed for good.
 */

#include <stdbool.h>

#include "nvbind/config.h"
#include "util/err.h"

enum bolt_nv_perf_mode {
    BOLT_NV_PERF_NONE = 0,
    BOLT_NV_PERF_ULTRA,
    BOLT_NV_PERF_HIGH,
    BOLT_NV_PERF_BALANCED,
    BOLT_NV_PERF_EFFICIENT,
};

/* "ultra" ... ; flag names the option for the message ("--performance"). */
int bolt_nv_perf_mode_parse(const char *s, const char *flag, enum bolt_nv_perf_mode *out,
                            struct bolt_err *err);
const char *bolt_nv_perf_mode_str(enum bolt_nv_perf_mode mode);

/*
 * A container starts with mode on the GPUs uuids (NULL-terminated) and CPUs cpus (a cpuset
 * list "0-3,6", NULL = every CPU with cpufreq under sys_root). Records originals, applies
 * the mode, and takes one hold per GPU that stays open in this process (not close-on-exec,
 * so the monitor that this process becomes keeps it). Needs root: otherwise an error and
 * nothing changed. A GPU held by other containers in another mode is refused.
 */
int bolt_nv_perf_acquire(const struct bolt_nv_config *cfg, const char *runroot, char *const *uuids,
                         const char *cpus, enum bolt_nv_perf_mode mode, struct bolt_err *err);

/*
 * `bolt gaming gpu nvbind --performance X`: balanced restores every GPU and CPU bolt
 * changed (whoever changed it); any other mode is applied to all GPUs and CPUs at once and
 * stays until balanced is asked for. *n_gpus gets the number of GPUs changed/restored.
 */
int bolt_nv_perf_set_system(const struct bolt_nv_config *cfg, const char *runroot,
                            enum bolt_nv_perf_mode mode, unsigned *n_gpus, struct bolt_err *err);

/*
 * A container ended: close this process' holds, then restore every GPU (and the CPUs) no
 * live container holds any more. Best effort (problems are logged).
 */
void bolt_nv_perf_release(const char *runroot);

#endif
