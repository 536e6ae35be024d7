/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_PROFILE_H
#define BOLT_NVBIND_PROFILE_H

/*
 * Gaming settings of a container (`bolt run --gaming-profile/--dlss/--rt/--wine/--fps/
 * --vsync/--performance`, the Boltfile's gaming keys): validated at create and turned into
 * concrete spec edits (driver capability classes, environment for the NVIDIA GL/Vulkan
 * driver, DXVK, VKD3D-Proton, Proton and Wine, nofile limit) plus io.bolt.gaming.*
 * annotations, which `bolt inspect` shows and the supervisor reads at each start (the
 * performance mode). docs/gaming.md has the table.
 */

#include <jansson.h>

#include "oci/spec.h"
#include "util/err.h"

/*
 * settings: "key=value" entries as the CLI collects them: profile, dlss, rt, wine (true|
 * false), fps (1..1000), vsync (off|on|adaptive|mailbox), performance (ultra|high|balanced|
 * efficient). Later entries win. A setting without GPUs in the spec is refused (the flag is
 * named); so is a bad value (the flag, the value, what is expected).
 */
int bolt_nv_gaming_edits(struct bolt_oci_spec *spec, char *const *settings, struct bolt_err *err);

/*
 * At each start, after bolt_nv_engine_start: binds the persistent shader cache
 * (<root>/gaming/shader-cache/<image> at /var/cache/bolt-shaders) and applies the
 * performance mode (if any) to the injected GPUs and the container's CPUs
 * (bolt_nv_perf_acquire). No-op without gaming settings.
 */
int bolt_nv_gaming_start(struct bolt_oci_spec *spec, const char *root, const char *runroot,
                         struct bolt_err *err);

struct bolt_bf_gpu;
struct bolt_bf_audio;
/*
 * A Boltfile service's gaming keys (boltfile.h: gpu performance_mode, profile, dlss_enabled,
 * rt_cores_enabled, wine_optimizations, frame_rate_target, vsync_mode; audio system, latency,
 * sample_rate, buffer_size) appended to *settings as bolt_nv_gaming_edits takes them.
 * Either pointer may be NULL.
 */
void bolt_nv_gaming_from_boltfile(const struct bolt_bf_gpu *g, const struct bolt_bf_audio *a,
                                  char ***settings);

/* What was applied ({"profile": ..., "env": [...]}) from the annotations; a new object. */
json_t *bolt_nv_gaming_inspect(const struct bolt_oci_spec *spec);

#endif
