/* SPDX-License-Identifier: Apache-2.0 */
/* [services.X.gaming]: gpu (runtime, isolation, nvbind, nvidia, amd, gaming) and audio. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltfile/bf_internal.h"
#include "util/mem.h"

static const char *const gaming_keys[] = {"gpu", "audio", NULL};
static const char *const gpu_keys[] = {"runtime", "isolation_level", "memory_limit",
                                       "nvbind",  "gaming",          NULL};
static const char *const nvbind_keys[] = {
    "driver", "devices", "performance_mode", "wsl2_optimized", "nvidia", "amd", NULL};
static const char *const nvidia_keys[] = {"driver_type", "cuda_support", "cuda_version",
                                          "driver_version", NULL};
static const char *const amd_keys[] = {"driver_type", "rocm_support", "rocm_version", NULL};
static const char *const profile_keys[] = {"profile",
                                           "dlss_enabled",
                                           "rt_cores_enabled",
                                           "wine_optimizations",
                                           "frame_rate_target",
                                           "vsync_mode",
                                           NULL};
static const char *const audio_keys[] = {"system", "latency", "sample_rate", "buffer_size", NULL};

static const char *const runtimes[] = {"nvbind", NULL};
static const char *const isolations[] = {"exclusive", "shared", NULL};
static const char *const drivers[] = {"auto", "nvidia-open", "proprietary", "nouveau", NULL};
static const char *const perf_modes[] = {"ultra", "high", "balanced", "efficient", NULL};
static const char *const nvidia_types[] = {"nvidia-open", "proprietary", "nouveau", NULL};
static const char *const amd_types[] = {"amdgpu", "amdgpu-pro", NULL};
static const char *const profiles[] = {"ultra-low-latency", "performance",  "balanced",
                                       "quality",           "power-saving", NULL};
static const char *const vsync_modes[] = {"off", "on", "adaptive", "mailbox", NULL};
static const char *const audio_systems[] = {"pipewire", "pulseaudio", NULL};
static const char *const latencies[] = {"low", "normal", "high", NULL};

/* "12", "12.2", "535.104.05": dot-separated numbers. */
static bool
valid_version(const char *s)
{
    bool digit = false;

    for (; *s; s++) {
        if (isdigit((unsigned char)*s))
            digit = true;
        else if (*s == '.' && digit)
            digit = false;
        else
            return false;
    }
    return digit;
}

static void
get_version(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key,
            char **out)
{
    cleanup_free char *p = NULL;

    if (!bf_get_str(c, t, path, key, out) || *out == NULL || valid_version(*out))
        return;
    p = bf_join(path, key);
    bf_report(c, bolt_toml_get(t, key)->pos,
              "%s: invalid version '%s' (expected numbers separated by dots, e.g. \"12.2\")", p,
              *out);
    free(*out);
    *out = NULL;
}

/* "all", "none", "0", "gpu:0", "GPU-<uuid>", "MIG-<uuid>". */
static bool
valid_gpu(const char *d)
{
    const char *n = strncmp(d, "gpu:", 4) == 0 ? d + 4 : d;

    if (strcmp(d, "all") == 0 || strcmp(d, "none") == 0)
        return true;
    if ((strncmp(d, "GPU-", 4) == 0 || strncmp(d, "MIG-", 4) == 0) && d[4] != '\0')
        return strspn(d + 4, "0123456789abcdefABCDEF-/") == strlen(d + 4);
    return *n != '\0' && strspn(n, "0123456789") == strlen(n) && strlen(n) <= 4;
}

static void
parse_devices(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
              struct bolt_bf_gpu *gpu)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "devices");
    cleanup_free char *p = bf_join(path, "devices");

    if (v != NULL && v->type == BOLT_TOML_ARRAY) {
        for (size_t i = 0; i < v->u.array.n; i++) {
            const struct bolt_toml_value *e = v->u.array.items[i];
            if (e->type == BOLT_TOML_INTEGER && e->u.integer >= 0 && e->u.integer < 10000) {
                cleanup_free char *s = xasprintf("%lld", (long long)e->u.integer);
                bolt_strv_push(&gpu->devices, s);
                continue;
            }
            cleanup_free char *ep = xasprintf("%s[%zu]", p, i);
            if (e->type != BOLT_TOML_STRING)
                bf_wrong_type(c, ep, e, "a GPU like \"gpu:0\", \"all\" or \"GPU-<uuid>\"");
            else if (!valid_gpu(e->u.str.ptr))
                bf_report(c, e->pos,
                          "%s: invalid GPU '%s' (expected all, none, an index like 0 "
                          "or gpu:0, GPU-<uuid> or MIG-<uuid>)",
                          ep, e->u.str.ptr);
            else
                bolt_strv_push(&gpu->devices, e->u.str.ptr);
        }
    } else if (v != NULL && v->type == BOLT_TOML_STRING && valid_gpu(v->u.str.ptr)) {
        bolt_strv_push(&gpu->devices, v->u.str.ptr);
    } else if (v != NULL) {
        bf_wrong_type(c, p, v, "an array of GPUs like [\"gpu:0\"] or \"all\"");
    }
    gpu->n_devices = bolt_strv_len(gpu->devices);
}

static void
parse_nvbind(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
             struct bolt_bf_gpu *gpu)
{
    cleanup_free char *p = bf_join(path, "nvbind");
    cleanup_free char *np = NULL, *ap = NULL;
    const struct bolt_toml_value *n = bf_get_table(c, t, path, "nvbind"), *sub;

    if (n == NULL)
        return;
    bf_check_keys(c, n, p, nvbind_keys);
    bf_get_enum(c, n, p, "driver", drivers, &gpu->driver);
    parse_devices(c, n, p, gpu);
    bf_get_enum(c, n, p, "performance_mode", perf_modes, &gpu->performance_mode);
    bf_get_bool(c, n, p, "wsl2_optimized", &gpu->wsl2_optimized);
    if ((sub = bf_get_table(c, n, p, "nvidia")) != NULL) {
        np = bf_join(p, "nvidia");
        bf_check_keys(c, sub, np, nvidia_keys);
        bf_get_enum(c, sub, np, "driver_type", nvidia_types, &gpu->nvidia_driver_type);
        bf_get_bool(c, sub, np, "cuda_support", &gpu->cuda_support);
        get_version(c, sub, np, "cuda_version", &gpu->cuda_version);
        get_version(c, sub, np, "driver_version", &gpu->driver_version);
    }
    if ((sub = bf_get_table(c, n, p, "amd")) != NULL) {
        ap = bf_join(p, "amd");
        bf_check_keys(c, sub, ap, amd_keys);
        bf_get_enum(c, sub, ap, "driver_type", amd_types, &gpu->amd_driver_type);
        bf_get_bool(c, sub, ap, "rocm_support", &gpu->rocm_support);
        get_version(c, sub, ap, "rocm_version", &gpu->rocm_version);
    }
}

static void
parse_profile(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
              struct bolt_bf_gpu *gpu)
{
    cleanup_free char *p = bf_join(path, "gaming");
    const struct bolt_toml_value *g = bf_get_table(c, t, path, "gaming");
    int64_t fps = 0;

    if (g == NULL)
        return;
    bf_check_keys(c, g, p, profile_keys);
    bf_get_enum(c, g, p, "profile", profiles, &gpu->profile);
    bf_get_bool(c, g, p, "dlss_enabled", &gpu->dlss_enabled);
    bf_get_bool(c, g, p, "rt_cores_enabled", &gpu->rt_cores_enabled);
    bf_get_bool(c, g, p, "wine_optimizations", &gpu->wine_optimizations);
    if (bf_get_int(c, g, p, "frame_rate_target", 1, 1000, &fps))
        gpu->frame_rate_target = (int)fps;
    bf_get_enum(c, g, p, "vsync_mode", vsync_modes, &gpu->vsync_mode);
}

static void
parse_gpu(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
          struct bolt_bf_gpu *gpu)
{
    cleanup_free char *p = bf_join(path, "gpu");
    const struct bolt_toml_value *g = bf_get_table(c, t, path, "gpu");

    if (g == NULL)
        return;
    gpu->present = true;
    bf_check_keys(c, g, p, gpu_keys);
    bf_get_enum(c, g, p, "runtime", runtimes, &gpu->runtime);
    bf_get_enum(c, g, p, "isolation_level", isolations, &gpu->isolation_level);
    bf_get_size(c, g, p, "memory_limit", &gpu->memory_limit);
    parse_nvbind(c, g, p, gpu);
    parse_profile(c, g, p, gpu);
}

static void
parse_audio(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
            struct bolt_bf_audio *audio)
{
    cleanup_free char *p = bf_join(path, "audio");
    const struct bolt_toml_value *a = bf_get_table(c, t, path, "audio"), *v;
    int64_t rate = 0, buf = 0;

    if (a == NULL)
        return;
    audio->present = true;
    bf_check_keys(c, a, p, audio_keys);
    bf_get_enum(c, a, p, "system", audio_systems, &audio->system);
    bf_get_enum(c, a, p, "latency", latencies, &audio->latency);
    if (bf_get_int(c, a, p, "sample_rate", 8000, 384000, &rate))
        audio->sample_rate = (int)rate;
    if (!bf_get_int(c, a, p, "buffer_size", 16, 8192, &buf))
        return;
    v = bolt_toml_get(a, "buffer_size");
    if (v != NULL && (buf & (buf - 1)) != 0) {
        cleanup_free char *bp = bf_join(p, "buffer_size");
        bf_report(c, v->pos, "%s: %lld is not a power of two (e.g. 256, 512, 1024)", bp,
                  (long long)buf);
        return;
    }
    audio->buffer_size = (int)buf;
}

void
bf_parse_gaming(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                struct bolt_bf_service *svc)
{
    cleanup_free char *p = bf_join(path, "gaming");
    const struct bolt_toml_value *g = bf_get_table(c, t, path, "gaming");

    if (g == NULL)
        return;
    bf_check_keys(c, g, p, gaming_keys);
    parse_gpu(c, g, p, &svc->gpu);
    parse_audio(c, g, p, &svc->audio);
}
