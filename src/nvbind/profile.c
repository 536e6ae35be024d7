/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Gaming profiles and options -> container edits (see profile.h and docs/gaming.md).
 */
#include "nvbind/profile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "nvbind/av.h"
#include "nvbind/config.h"
#include "nvbind/perf.h"
#include "nvbind/perf_config.h"
#include "nvbind/plan.h"
#include "util/fs.h"
#include "util/mem.h"

#define ANN_PREFIX    "io.bolt.gaming."
#define SHM_MIN_BYTES (1ULL << 30)
#define SHADER_DIR    "/var/cache/bolt-shaders"

struct gaming {
    const char *profile, *vsync, *perf;
    int dlss, rt, wine; /* -1 unset */
    long fps;           /* 0 unset */
    bool gpu;           /* a setting that needs GPUs was given */
    struct bolt_nv_av av;
};

static const char *const profiles[] = {"ultra-low-latency", "performance",  "balanced",
                                       "quality",           "power-saving", NULL};
static const char *const vsyncs[] = {"off", "on", "adaptive", "mailbox", NULL};

static bool
in_list(const char *v, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(v, list[i]) == 0)
            return true;
    return false;
}

static int
parse_bool(const char *flag, const char *v, int *out, struct bolt_err *err)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "yes"))
        *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "no"))
        *out = 0;
    else
        return bolt_err_set(err, 0, "%s: invalid value '%s' (expected true or false)", flag, v);
    return 0;
}

static int
parse_one(struct gaming *g, const char *key, const char *v, struct bolt_err *err)
{
    enum bolt_nv_perf_mode m;
    char *end;
    int r = bolt_nv_av_parse(&g->av, key, v, err);

    if (r != 0)
        return r < 0 ? -1 : 0;
    g->gpu = true;
    if (!strcmp(key, "profile")) {
        if (!in_list(v, profiles))
            return bolt_err_set(err, 0,
                                "--gaming-profile: invalid profile '%s' (expected "
                                "ultra-low-latency, performance, balanced, quality or "
                                "power-saving)",
                                v);
        g->profile = v;
    } else if (!strcmp(key, "vsync")) {
        if (!in_list(v, vsyncs))
            return bolt_err_set(err, 0,
                                "--vsync: invalid mode '%s' (expected off, on, adaptive "
                                "or mailbox)",
                                v);
        g->vsync = v;
    } else if (!strcmp(key, "fps")) {
        g->fps = strtol(v, &end, 10);
        if (end == v || *end || g->fps < 1 || g->fps > 1000)
            return bolt_err_set(err, 0,
                                "--fps: invalid frame rate target '%s' (expected a "
                                "number from 1 to 1000)",
                                v);
    } else if (!strcmp(key, "performance")) {
        if (bolt_nv_perf_mode_parse(v, "--performance", &m, err) < 0)
            return -1;
        g->perf = v;
    } else if (!strcmp(key, "dlss")) {
        return parse_bool("--dlss", v, &g->dlss, err);
    } else if (!strcmp(key, "rt")) {
        return parse_bool("--rt", v, &g->rt, err);
    } else if (!strcmp(key, "wine")) {
        return parse_bool("--wine", v, &g->wine, err);
    } else {
        return bolt_err_set(err, 0, "unknown gaming setting '%s'", key);
    }
    return 0;
}

struct env_acc {
    char **env; /* "K=V" */
};

static void
put(struct env_acc *a, const char *k, const char *v)
{
    size_t n = strlen(k);

    for (size_t i = 0; a->env && a->env[i]; i++)
        if (strncmp(a->env[i], k, n) == 0 && a->env[i][n] == '=') {
            free(a->env[i]);
            a->env[i] = xasprintf("%s=%s", k, v);
            return;
        }
    cleanup_free char *kv = xasprintf("%s=%s", k, v);
    bolt_strv_push(&a->env, kv);
}

/* Profile defaults: frames queued by the driver, threaded GL, vsync and fps defaults. */
static void
profile_env(struct env_acc *a, struct gaming *g)
{
    const char *p = g->profile ? g->profile : "balanced";

    put(a, "__GL_SHADER_DISK_CACHE", "1");
    put(a, "__GL_SHADER_DISK_CACHE_PATH", SHADER_DIR "/nvidia");
    put(a, "DXVK_STATE_CACHE_PATH", SHADER_DIR "/dxvk");
    put(a, "VKD3D_SHADER_CACHE_PATH", SHADER_DIR "/vkd3d");
    put(a, "MESA_SHADER_CACHE_DIR", SHADER_DIR "/mesa");
    put(a, "__GL_SHADER_DISK_CACHE_SIZE", "10737418240");
    put(a, "__GL_SHADER_DISK_CACHE_SKIP_CLEANUP", "1");
    if (!strcmp(p, "ultra-low-latency")) {
        put(a, "__GL_MaxFramesAllowed", "1");
        put(a, "__GL_THREADED_OPTIMIZATIONS", "0");
        put(a, "DXVK_CONFIG", "dxgi.maxFrameLatency = 1; d3d9.maxFrameLatency = 1");
        if (!g->vsync)
            g->vsync = "off";
    } else if (!strcmp(p, "performance")) {
        put(a, "__GL_MaxFramesAllowed", "2");
        put(a, "__GL_THREADED_OPTIMIZATIONS", "1");
        if (!g->vsync)
            g->vsync = "off";
    } else if (!strcmp(p, "quality")) {
        put(a, "__GL_MaxFramesAllowed", "3");
        put(a, "__GL_FSAA_MODE", "7");
        put(a, "__GL_LOG_MAX_ANISO", "4");
        if (!g->vsync)
            g->vsync = "on";
    } else if (!strcmp(p, "power-saving")) {
        put(a, "__GL_MaxFramesAllowed", "2");
        if (!g->vsync)
            g->vsync = "on";
        if (!g->fps)
            g->fps = 60;
    } else {
        put(a, "__GL_MaxFramesAllowed", "2");
    }
}

static void
options_env(struct env_acc *a, const struct gaming *g)
{
    char buf[32];

    if (g->dlss == 1 || g->rt == 1) {
        put(a, "PROTON_ENABLE_NVAPI", "1");
        put(a, "DXVK_ENABLE_NVAPI", "1");
    }
    if (g->dlss == 1)
        put(a, "PROTON_ENABLE_NGX_UPDATER", "1");
    if (g->rt == 1) {
        put(a, "VKD3D_CONFIG", "dxr11,dxr");
        put(a, "PROTON_ENABLE_NVAPI", "1");
    }
    if (g->wine == 1) {
        put(a, "WINEESYNC", "1");
        put(a, "WINEFSYNC", "1");
        put(a, "WINEDEBUG", "-all");
        put(a, "DXVK_LOG_LEVEL", "none");
        put(a, "VKD3D_DEBUG", "none");
        put(a, "STAGING_SHARED_MEMORY", "1");
    }
    if (g->fps) {
        snprintf(buf, sizeof(buf), "%ld", g->fps);
        put(a, "DXVK_FRAME_RATE", buf);
        put(a, "VKD3D_FRAME_RATE", buf);
    }
    if (g->vsync) {
        bool on = !strcmp(g->vsync, "on") || !strcmp(g->vsync, "adaptive");
        put(a, "__GL_SYNC_TO_VBLANK", on ? "1" : "0");
        put(a, "vblank_mode", on ? "3" : "0");
        put(a, "MESA_VK_WSI_PRESENT_MODE",
            !strcmp(g->vsync, "on")         ? "fifo"
            : !strcmp(g->vsync, "adaptive") ? "relaxed"
            : !strcmp(g->vsync, "mailbox")  ? "mailbox"
                                            : "immediate");
        if (!strcmp(g->vsync, "adaptive"))
            put(a, "__GL_SYNC_TO_VBLANK_ADAPTIVE", "1");
    }
}

/* graphics+display always, ngx for DLSS; an explicit "all" stays. */
static void
add_caps(struct bolt_oci_spec *spec, bool ngx)
{
    const char *cur = bolt_oci_spec_getenv(spec, "NVIDIA_DRIVER_CAPABILITIES");
    const char *want[] = {"graphics", "display", ngx ? "ngx" : NULL};
    cleanup_free char *v = xstrdup(cur && *cur ? cur : "compute,utility");

    if (strcmp(v, "all") == 0)
        return;
    for (size_t i = 0; i < 3 && want[i]; i++) {
        cleanup_free char *pad = xasprintf(",%s,", v);
        cleanup_free char *needle = xasprintf(",%s,", want[i]);
        if (strstr(pad, needle) == NULL) {
            char *n = xasprintf("%s,%s", v, want[i]);
            free(v);
            v = n;
        }
    }
    bolt_oci_spec_setenv(spec, "NVIDIA_DRIVER_CAPABILITIES", v);
}

/* Games (Wine esync especially) want many fds: raise nofile to the hard limit bolt may give. */
static void
raise_nofile(struct bolt_oci_spec *spec)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_max == RLIM_INFINITY)
        return;
    for (size_t i = 0; i < spec->process.n_rlimits; i++)
        if (strcmp(spec->process.rlimits[i].type, "RLIMIT_NOFILE") == 0) {
            if (spec->process.rlimits[i].soft < rl.rlim_max)
                spec->process.rlimits[i].soft = spec->process.rlimits[i].hard = rl.rlim_max;
            return;
        }
    spec->process.rlimits = xreallocarray(spec->process.rlimits, spec->process.n_rlimits + 1,
                                          sizeof(*spec->process.rlimits));
    spec->process.rlimits[spec->process.n_rlimits++] =
        (struct bolt_oci_rlimit){xstrdup("RLIMIT_NOFILE"), rl.rlim_max, rl.rlim_max};
}

/* Games map big shared buffers (Wine, Chromium-based launchers): /dev/shm of at least 1 GiB. */
static void
raise_shm(struct bolt_oci_spec *spec)
{
    for (size_t i = 0; i < spec->n_mounts; i++) {
        struct bolt_oci_mount *m = &spec->mounts[i];
        if (strcmp(m->destination, "/dev/shm") != 0 || m->type == NULL
            || strcmp(m->type, "tmpfs") != 0)
            continue;
        for (size_t j = 0; m->options && m->options[j]; j++) {
            unsigned long long v, bytes;
            char unit = 0;
            if (sscanf(m->options[j], "size=%llu%c", &v, &unit) < 1)
                continue;
            bytes = v
                    * (unit == 'k'   ? 1ULL << 10
                       : unit == 'm' ? 1ULL << 20
                       : unit == 'g' ? 1ULL << 30
                                     : 1);
            if (bytes < SHM_MIN_BYTES) {
                free(m->options[j]);
                m->options[j] = xstrdup("size=1g");
            }
        }
    }
}

static void
cap_add(char ***set, const char *cap)
{
    for (size_t i = 0; *set && (*set)[i]; i++)
        if (strcmp((*set)[i], cap) == 0)
            return;
    bolt_strv_push(set, cap);
}

/* ultra-low-latency: CAP_SYS_NICE lets the game raise its own priority and use SCHED_FIFO/RR
 * (it bypasses RLIMIT_RTPRIO, whose hard limit root cannot raise here). */
static void
allow_nice(struct bolt_oci_spec *spec)
{
    struct bolt_oci_caps *c = &spec->process.caps;

    spec->process.has_caps = true;
    cap_add(&c->bounding, "CAP_SYS_NICE");
    cap_add(&c->effective, "CAP_SYS_NICE");
    cap_add(&c->permitted, "CAP_SYS_NICE");
}

static bool
has_gpus(const struct bolt_oci_spec *spec)
{
    const char *v = bolt_oci_spec_getenv(spec, "NVIDIA_VISIBLE_DEVICES");

    return v && *v && strcmp(v, "void") && strcmp(v, "none");
}

/*
 * The nvbind config's `performance` (bolt gaming gpu nvbind --performance) is the default
 * mode of GPU containers; balanced (nothing to hold) and an unset key change nothing.
 */
static int
config_performance(struct gaming *g, struct bolt_err *err)
{
    struct bolt_nv_settings s;
    static char mode[16];

    if (bolt_nv_settings_load(&s, bolt_nv_settings_path(), err) < 0)
        return -1;
    if (s.performance && strcmp(s.performance, "balanced") != 0) {
        snprintf(mode, sizeof(mode), "%s", s.performance);
        g->perf = mode;
    }
    bolt_nv_settings_fini(&s);
    return 0;
}

int
bolt_nv_gaming_edits(struct bolt_oci_spec *spec, char *const *settings, struct bolt_err *err)
{
    struct gaming g = {.dlss = -1, .rt = -1, .wine = -1};
    struct env_acc a = {0};
    cleanup_free char *joined = NULL;

    if ((settings == NULL || settings[0] == NULL) && !has_gpus(spec))
        return 0;
    for (size_t i = 0; settings && settings[i]; i++) {
        const char *eq = strchr(settings[i], '=');
        cleanup_free char *key = eq ? xstrndup(settings[i], (size_t)(eq - settings[i])) : NULL;
        if (key == NULL)
            return bolt_err_set(err, 0, "gaming setting '%s': expected KEY=VALUE", settings[i]);
        if (parse_one(&g, key, eq + 1, err) < 0)
            return -1;
    }
    if (g.perf == NULL && has_gpus(spec) && config_performance(&g, err) < 0)
        return -1;
    if (!g.gpu) {
        if (g.perf) /* the config's default mode only: no profile edits */
            bolt_oci_spec_set_annotation(spec, ANN_PREFIX "performance", g.perf);
        goto av;
    }
    if (!has_gpus(spec) && g.perf)
        return bolt_err_set(err, 0, "--performance needs GPUs: add --gpu (e.g. --gpu all)");
    if (!has_gpus(spec))
        return bolt_err_set(err, 0,
                            "gaming settings (--gaming-profile, --dlss, --rt, --wine, "
                            "--fps, --vsync) need GPUs: add --gpu (e.g. --gpu all)");
    profile_env(&a, &g);
    options_env(&a, &g);
    add_caps(spec, g.dlss == 1);
    if (g.wine == 1 || (g.profile && strcmp(g.profile, "power-saving")))
        raise_nofile(spec);
    raise_shm(spec);
    if (g.profile && strcmp(g.profile, "ultra-low-latency") == 0)
        allow_nice(spec);
    for (size_t i = 0; a.env && a.env[i]; i++) {
        char *eq = strchr(a.env[i], '=');
        *eq = '\0';
        bolt_oci_spec_setenv(spec, a.env[i], eq + 1);
        *eq = '=';
    }
    bolt_oci_spec_set_annotation(spec, ANN_PREFIX "profile", g.profile ? g.profile : "balanced");
    if (g.perf)
        bolt_oci_spec_set_annotation(spec, ANN_PREFIX "performance", g.perf);
av:
    if (bolt_nv_av_edits(spec, &g.av, &a.env, err) < 0) {
        bolt_strv_free(a.env);
        return -1;
    }
    for (size_t i = 0; a.env && a.env[i]; i++) {
        char *n = joined ? xasprintf("%s\n%s", joined, a.env[i]) : xstrdup(a.env[i]);
        free(joined);
        joined = n;
    }
    bolt_strv_free(a.env);
    bolt_oci_spec_set_annotation(spec, ANN_PREFIX "env", joined ? joined : "");
    return 0;
}

static const char *
annotation(const struct bolt_oci_spec *spec, const char *key)
{
    for (size_t i = 0; i < spec->n_annotations; i++)
        if (strcmp(spec->annotations[i].key, key) == 0)
            return spec->annotations[i].value;
    return NULL;
}

/*
 * The shader caches live on the host under <root>/gaming/shader-cache/<image>, so they
 * survive the container (compiling shaders again costs minutes of stutter).
 */
static int
mount_shader_cache(struct bolt_oci_spec *spec, const char *root, struct bolt_err *err)
{
    const char *image = annotation(spec, "io.bolt.image");
    const char *opts[] = {"rbind", "rw", "nosuid", "nodev", NULL};
    cleanup_free char *key = xstrdup(image && *image ? image : "default");
    cleanup_free char *dir = NULL;

    for (char *p = key; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_'))
            *p = '_';
    dir = xasprintf("%s/gaming/shader-cache/%s", root, key);
    for (const char *sub = "nvidia\0dxvk\0vkd3d\0mesa\0"; *sub; sub += strlen(sub) + 1) {
        cleanup_free char *d = xasprintf("%s/%s", dir, sub);
        if (bolt_mkdir_p(d, 0777, err) < 0)
            return bolt_err_wrap(err, "shader cache");
    }
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (strcmp(spec->mounts[i].destination, SHADER_DIR) == 0)
            return 0; /* a restart: already there */
    bolt_oci_spec_add_mount(spec, SHADER_DIR, "bind", dir, opts);
    return 0;
}

int
bolt_nv_gaming_start(struct bolt_oci_spec *spec, const char *root, const char *runroot,
                     struct bolt_err *err)
{
    const char *perf = annotation(spec, ANN_PREFIX "performance");
    const char *inj = annotation(spec, "io.bolt.gpu.injected");
    cleanup_nv_plan struct bolt_nv_plan *plan = NULL;
    cleanup_strv char **uuids = NULL;
    struct bolt_nv_config cfg;
    enum bolt_nv_perf_mode mode;
    int r = -1;

    if (annotation(spec, ANN_PREFIX "profile") && mount_shader_cache(spec, root, err) < 0)
        return -1;
    if (bolt_nv_av_start(spec, runroot, err) < 0)
        return -1;
    if (perf == NULL)
        return 0;
    if (bolt_nv_perf_mode_parse(perf, "--performance", &mode, err) < 0)
        return -1;
    bolt_nv_config_init(&cfg);
    if (bolt_nv_config_load(&cfg, err) < 0
        || (plan = bolt_nv_plan_get(&cfg, runroot, false, NULL, err)) == NULL)
        goto out;
    for (const char *p = inj; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        unsigned idx = (unsigned)strtoul(p, NULL, 10);
        for (size_t i = 0; i < plan->n_gpus; i++)
            if (plan->gpus[i].index == idx)
                bolt_strv_push(&uuids, plan->gpus[i].uuid);
    }
    if (uuids == NULL) {
        r = bolt_err_set(err, 0, "--performance %s: the container got no GPUs to tune", perf);
        goto out;
    }
    r = bolt_nv_perf_acquire(&cfg, runroot, uuids,
                             spec->linux_.has_resources ? spec->linux_.resources.cpu_cpus : NULL,
                             mode, err);
out:
    bolt_nv_config_fini(&cfg);
    return r;
}

json_t *
bolt_nv_gaming_inspect(const struct bolt_oci_spec *spec)
{
    json_t *o = json_object(), *env = json_array();
    const char *v;

    if (spec == NULL || annotation(spec, ANN_PREFIX "env") == NULL) {
        json_decref(env);
        return o;
    }
    if ((v = annotation(spec, ANN_PREFIX "profile")))
        json_object_set_new(o, "Profile", json_string(v));
    if ((v = annotation(spec, ANN_PREFIX "display")))
        json_object_set_new(o, "Display", json_string(v));
    if ((v = annotation(spec, ANN_PREFIX "audio")))
        json_object_set_new(o, "Audio", json_string(v));
    if ((v = annotation(spec, ANN_PREFIX "performance")))
        json_object_set_new(o, "Performance", json_string(v));
    if ((v = bolt_oci_spec_getenv(spec, "NVIDIA_DRIVER_CAPABILITIES")))
        json_object_set_new(o, "DriverCapabilities", json_string(v));
    v = annotation(spec, ANN_PREFIX "env");
    while (v && *v) {
        size_t n = strcspn(v, "\n");
        json_array_append_new(env, json_stringn(v, n));
        v += n + (v[n] == '\n');
    }
    json_object_set_new(o, "Env", env);
    return o;
}
