/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bolt run` glue: --gpu/--gpus/--gpu-isolation/--gpu-memory and CDI --device.
 * At create the request is parsed and written into the container's spec as what the
 * runtime path reads anyway (NVIDIA_VISIBLE_DEVICES, NVIDIA_DRIVER_CAPABILITIES, and
 * io.bolt.gpu.* annotations); CDI devices are applied. At every start the supervisor injects
 * from that env (the same fast path as `nvbind create`), takes the GPU leases, and after the
 * start runs the GPU memory watch.
 */
#include "nvbind/inject.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/container.h"
#include "nvbind/lease.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sys.h"
#include "util/units.h"

#define ANN_ISOLATION "io.bolt.gpu.isolation"
#define ANN_MEMORY    "io.bolt.gpu.memory"

static const char *
tag_value(const char *entry, const char *tag)
{
    size_t n = strlen(tag);

    return strncmp(entry, tag, n) == 0 && entry[n] == '=' ? entry + n + 1 : NULL;
}

/* The selection as NVIDIA_VISIBLE_DEVICES spells it (docker does the same for a count). */
static char *
visible_str(const struct bolt_gpusel *sel)
{
    char *v;

    switch (sel->kind) {
    case BOLT_GPUSEL_ALL:
        return xstrdup("all");
    case BOLT_GPUSEL_NONE:
        return xstrdup("none");
    case BOLT_GPUSEL_COUNT:
        v = xstrdup(sel->count ? "0" : "void");
        for (unsigned i = 1; i < sel->count; i++) {
            char *n = xasprintf("%s,%u", v, i);
            free(v);
            v = n;
        }
        return v;
    case BOLT_GPUSEL_LIST:
        v = xstrdup("");
        for (size_t i = 0; i < sel->n_devs; i++) {
            const struct bolt_gpusel_dev *d = &sel->devs[i];
            char *n;
            if (d->type == BOLT_GPUSEL_DEV_INDEX)
                n = xasprintf("%s%s%u", v, i ? "," : "", d->index);
            else if (d->type == BOLT_GPUSEL_DEV_MIG_INDEX)
                n = xasprintf("%s%s%u:%u", v, i ? "," : "", d->index, d->mig);
            else
                n = xasprintf("%s%s%s", v, i ? "," : "", d->uuid);
            free(v);
            v = n;
        }
        return v;
    case BOLT_GPUSEL_UNSET:
    default:
        return xstrdup("void");
    }
}

static int
parse_request(char *const *gpus, struct bolt_gpusel *sel, const char **iso, uint64_t *mem,
              struct bolt_err *err)
{
    cleanup_free char *plain = NULL;
    const char *docker = NULL, *v;

    for (size_t i = 0; gpus && gpus[i]; i++) {
        if ((v = tag_value(gpus[i], "gpus"))) {
            docker = v;
        } else if ((v = tag_value(gpus[i], "isolation"))) {
            if (strcmp(v, "exclusive") && strcmp(v, "shared"))
                return bolt_err_set(err, 0, "--gpu-isolation: invalid value '%s' (expected "
                                            "exclusive or shared)", v);
            *iso = v;
        } else if ((v = tag_value(gpus[i], "memory"))) {
            if (bolt_parse_size(v, mem, err) < 0 || *mem == 0)
                return bolt_err_set(err, 0, "--gpu-memory: invalid size '%s' (expected a size "
                                            "such as 8GB or 512m)", v);
        } else {
            char *n = plain ? xasprintf("%s,%s", plain, gpus[i]) : xstrdup(gpus[i]);
            free(plain);
            plain = n;
        }
    }
    if (plain && docker)
        return bolt_err_set(err, 0, "--gpu and --gpus: give one of them (--gpu '%s', --gpus '%s')",
                            plain, docker);
    if (plain)
        return bolt_gpusel_parse_gpu(plain, sel, err);
    if (docker)
        return bolt_gpusel_parse_docker(docker, sel, err);
    return 0;
}

static int
apply_cdi_devices(struct bolt_oci_spec *spec, char *const *devices, struct bolt_err *err)
{
    cleanup_strv char **names = NULL, **dirs = NULL;
    struct bolt_cdi_registry reg;
    int r;

    for (size_t i = 0; devices && devices[i]; i++)
        if (bolt_cdi_is_qualified_name(devices[i]))
            bolt_strv_push(&names, devices[i]);
    if (names == NULL)
        return 0;
    for (size_t i = 0; names[i]; i++) {
        cleanup_free char *v = NULL, *c = NULL, *n = NULL;
        if (bolt_cdi_parse_qualified(names[i], &v, &c, &n, err) < 0)
            return bolt_err_wrap(err, "--device");
    }
    dirs = bolt_cdi_default_dirs();
    bolt_cdi_registry_load(&reg, dirs, err);
    r = bolt_cdi_registry_apply(&reg, names, spec, err);
    bolt_cdi_registry_fini(&reg);
    return r < 0 ? bolt_err_wrap(err, "--device") : 0;
}

int
bolt_nv_engine_edits(struct bolt_oci_spec *spec, char *const *gpus, char *const *devices,
                     struct bolt_err *err)
{
    struct bolt_gpusel sel = {0};
    const char *iso = NULL;
    uint64_t mem = 0;
    char buf[128];
    int r = -1;

    if (apply_cdi_devices(spec, devices, err) < 0)
        return -1;
    if (gpus == NULL || gpus[0] == NULL)
        return 0;
    if (parse_request(gpus, &sel, &iso, &mem, err) < 0)
        goto out;
    if (sel.kind == BOLT_GPUSEL_UNSET) {
        if (iso || mem) {
            bolt_err_set(err, 0, "%s needs GPUs: add --gpu (e.g. --gpu all)",
                         iso ? "--gpu-isolation" : "--gpu-memory");
            goto out;
        }
        bolt_oci_spec_setenv(spec, "NVIDIA_VISIBLE_DEVICES", "void");
        r = 0;
        goto out;
    }
    {
        cleanup_free char *vis = visible_str(&sel);
        bolt_oci_spec_setenv(spec, "NVIDIA_VISIBLE_DEVICES", vis);
    }
    /* the capabilities go into the container's own env (the image's stay when the request
     * names none), so `bolt exec` sees what the main process sees */
    if (sel.caps_set)
        bolt_oci_spec_setenv(spec, "NVIDIA_DRIVER_CAPABILITIES",
                             bolt_nv_caps_str(sel.caps, buf, sizeof(buf)));
    else if (bolt_oci_spec_getenv(spec, "NVIDIA_DRIVER_CAPABILITIES") == NULL)
        bolt_oci_spec_setenv(spec, "NVIDIA_DRIVER_CAPABILITIES",
                             bolt_nv_caps_str(BOLT_NV_CAP_DEFAULT, buf, sizeof(buf)));
    bolt_oci_spec_set_annotation(spec, ANN_ISOLATION, iso ? iso : "shared");
    if (mem) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)mem);
        bolt_oci_spec_set_annotation(spec, ANN_MEMORY, buf);
    }
    r = 0;
out:
    bolt_gpusel_fini(&sel);
    return r;
}

static const char *
annotation(const struct bolt_oci_spec *spec, const char *key)
{
    for (size_t i = 0; i < spec->n_annotations; i++)
        if (strcmp(spec->annotations[i].key, key) == 0)
            return spec->annotations[i].value;
    return NULL;
}

__attribute__((hot)) int
bolt_nv_engine_start(struct bolt_nv_prepared *p, struct bolt_oci_spec *spec, const char *root,
                     const char *runroot, const char *id, const char *name, struct bolt_err *err)
{
    struct bolt_nv_inject_opts o = {.runroot = runroot, .persist = root};
    struct bolt_nv_injected inj = {0};
    struct bolt_nv_lease lease = {0};
    const char *iso = annotation(spec, ANN_ISOLATION);
    int r;

    char short_id[13];

    if (bolt_oci_spec_getenv(spec, "NVIDIA_VISIBLE_DEVICES") == NULL)
        return 0;
    snprintf(short_id, sizeof(short_id), "%s", id);
    if (name == NULL)
        name = annotation(spec, "io.bolt.container.name");
    if (name == NULL)
        name = short_id;
    /* the first start uses the plan and the nvbind layer chosen at the rootfs mount */
    if (bolt_nv_engine_prepared(p, runroot, &o)) {
        r = bolt_nv_inject_spec(spec, &o, &inj, err);
        bolt_nv_engine_prepared_free(p);
    } else {
        r = bolt_nv_inject_spec(spec, &o, &inj, err);
    }
    if (r == 0 && inj.injected && inj.uuids && iso)
        r = bolt_nv_lease_acquire(runroot, inj.uuids, strcmp(iso, "exclusive") == 0, id, name,
                                  &lease, err);
    /* the lease fds stay open in this process (and the monitor it becomes) on purpose */
    free(lease.fds);
    if (r == 0 && inj.uuids) {
        cleanup_free char *list = NULL;
        for (size_t i = 0; inj.indexes[i]; i++) {
            char *n = list ? xasprintf("%s,%s", list, inj.indexes[i]) : xstrdup(inj.indexes[i]);
            free(list);
            list = n;
        }
        bolt_oci_spec_set_annotation(spec, "io.bolt.gpu.injected", list);
    }
    bolt_nv_injected_fini(&inj);
    return r;
}

/* ---- GPU memory watch ---- */

typedef int (*nvml_init_fn)(void);
typedef int (*nvml_handle_fn)(const char *, void **);
typedef int (*nvml_procs_fn)(void *, unsigned *, void *);
typedef const char *(*nvml_errstr_fn)(int);

/* nvmlReturn_t values that mean the driver or the GPU went away: only a new nvmlInit
 * (after the driver is back) gives answers again */
#define NVML_ERROR_UNINITIALIZED           1
#define NVML_ERROR_DRIVER_NOT_LOADED       9
#define NVML_ERROR_GPU_IS_LOST             15
#define NVML_ERROR_RESET_REQUIRED          16
#define NVML_ERROR_LIB_RM_VERSION_MISMATCH 18

struct nvml_proc {
    unsigned pid;
    unsigned long long used;
    unsigned gi, ci;
};

struct nvml_api {
    void *lib;
    nvml_init_fn init, shutdown;
    nvml_handle_fn by_uuid;
    nvml_procs_fn compute, graphics;
    nvml_errstr_fn errstr; /* may be NULL */
};

static int
nvml_open(const struct bolt_nv_plan *plan, struct nvml_api *api)
{
    for (size_t i = 0; i < plan->n_files && !api->lib; i++) {
        const struct bolt_nv_file *f = &plan->files[i];
        if (f->kind == BOLT_NV_FILE_LIB && f->soname
            && strcmp(f->soname, "libnvidia-ml.so.1") == 0) {
            cleanup_free char *p = bolt_nv_path(plan->driver_root, f->path);
            api->lib = dlopen(p, RTLD_NOW | RTLD_LOCAL);
        }
    }
    if (!api->lib)
        return -1;
    api->init = (nvml_init_fn)dlsym(api->lib, "nvmlInit_v2");
    api->shutdown = (nvml_init_fn)dlsym(api->lib, "nvmlShutdown");
    api->by_uuid = (nvml_handle_fn)dlsym(api->lib, "nvmlDeviceGetHandleByUUID");
    api->compute = (nvml_procs_fn)dlsym(api->lib, "nvmlDeviceGetComputeRunningProcesses_v3");
    api->graphics = (nvml_procs_fn)dlsym(api->lib, "nvmlDeviceGetGraphicsRunningProcesses_v3");
    api->errstr = (nvml_errstr_fn)dlsym(api->lib, "nvmlErrorString");
    return api->init && api->shutdown && api->by_uuid && api->compute ? 0 : -1;
}

static bool
in_container(unsigned pid, ino_t ns)
{
    char p[64];
    struct stat st;

    snprintf(p, sizeof(p), "/proc/%u/ns/pid", pid);
    return stat(p, &st) == 0 && st.st_ino == ns;
}

static bool
driver_gone(int r)
{
    return r == NVML_ERROR_UNINITIALIZED || r == NVML_ERROR_DRIVER_NOT_LOADED
           || r == NVML_ERROR_GPU_IS_LOST || r == NVML_ERROR_RESET_REQUIRED
           || r == NVML_ERROR_LIB_RM_VERSION_MISMATCH;
}

/*
 * *used = bytes of GPU memory the container's processes use on GPU uuid (0 if none or
 * unknown). Returns 0, or the NVML error of a query when it means the driver went away.
 */
static int
used_on(const struct nvml_api *api, const char *uuid, ino_t ns, unsigned long long *used)
{
    struct nvml_proc procs[256];
    void *h = NULL;
    nvml_procs_fn fns[2] = {api->compute, api->graphics};
    int r;

    *used = 0;
    if ((r = api->by_uuid(uuid, &h)) != 0)
        return driver_gone(r) ? r : 0;
    for (int k = 0; k < 2; k++) {
        unsigned n = 256;
        if (!fns[k])
            continue;
        if ((r = fns[k](h, &n, procs)) != 0) {
            if (driver_gone(r))
                return r;
            continue;
        }
        for (unsigned i = 0; i < n && i < 256; i++)
            if (procs[i].used != (unsigned long long)-1 && in_container(procs[i].pid, ns))
                *used += procs[i].used;
    }
    return 0;
}

static void
record_reason(const char *root, const char *runroot, const char *id, const char *reason)
{
    struct bolt_ctr_store st;
    struct bolt_err e = {0};

    if (bolt_ctrs_init(&st, root, runroot, &e) < 0)
        return;
    /* the monitor records the exit first (which clears the error); ours comes after it */
    for (int i = 0; i < 200; i++) {
        struct bolt_container *c = bolt_ctrs_load(&st, id, &e);
        bool done = c && c->status != BOLT_CTR_RUNNING;
        bolt_container_free(c);
        if (done)
            break;
        usleep(50 * 1000);
    }
    {
        int lock = bolt_ctrs_lock(&st, &e);
        struct bolt_container *c = lock >= 0 ? bolt_ctrs_load(&st, id, &e) : NULL;
        if (c) {
            free(c->error);
            c->error = xstrdup(reason);
            bolt_ctrs_save(&st, c, &e);
            bolt_container_free(c);
        }
        bolt_lock_release(lock);
    }
    bolt_ctrs_fini(&st);
}

static void
human(unsigned long long b, char *buf, size_t len)
{
    if (b >= (1ULL << 30))
        snprintf(buf, len, "%.2f GiB", (double)b / (double)(1ULL << 30));
    else
        snprintf(buf, len, "%.1f MiB", (double)b / (double)(1ULL << 20));
}

static const char *
nvml_strerror(const struct nvml_api *api, int r)
{
    const char *s = api->errstr ? api->errstr(r) : NULL;
    return s ? s : "unknown error";
}

/*
 * One round of the watch: the largest use by the container on one GPU (*where = its uuid,
 * NULL when none). Returns 0, or the NVML error that means the driver went away.
 */
static int
scan(const struct nvml_api *api, char **uuids, ino_t ns, unsigned long long *used,
     const char **where)
{
    *used = 0;
    *where = NULL;
    for (size_t i = 0; uuids[i]; i++) {
        unsigned long long u;
        int r = used_on(api, uuids[i], ns, &u);
        if (r != 0)
            return r;
        if (u > *used)
            *used = u, *where = uuids[i];
    }
    return 0;
}

/*
 * NVML stays initialized for the life of the watch: on a real GPU an nvmlInit costs tens of
 * milliseconds and wakes the driver, while queries answer with live data. A query failing
 * with an error that means the driver went away (unloaded, reset, GPU lost) shuts NVML down
 * and initializes it again at the next round.
 */
static void __attribute__((noreturn))
watch_loop(const struct bolt_nv_plan *plan, char **uuids, unsigned long long limit, pid_t pid,
           const char *root, const char *runroot, const char *id)
{
    struct nvml_api api = {0};
    char p[64], used_s[32], lim_s[32];
    struct stat st;
    bool up = false, warned_init = false, warned_lost = false;

    snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)pid);
    if (stat(p, &st) < 0 || nvml_open(plan, &api) < 0) {
        log_warn("--gpu-memory: cannot watch container %.12s (NVML unavailable)", id);
        _exit(0);
    }
    while (kill(pid, 0) == 0) {
        unsigned long long used = 0;
        const char *where = NULL;
        int r;

        if (!up) {
            r = api.init();
            up = r == 0;
            if (!up && !warned_init) {
                log_warn("--gpu-memory: NVML failed to initialize (%s); retrying twice a second",
                         nvml_strerror(&api, r));
                warned_init = true;
            }
        }
        if (up && (r = scan(&api, uuids, st.st_ino, &used, &where)) != 0) {
            if (!warned_lost) {
                log_warn("--gpu-memory: NVML query failed (%s): the driver went away; "
                         "initializing NVML again",
                         nvml_strerror(&api, r));
                warned_lost = true;
            }
            api.shutdown();
            up = false;
            where = NULL;
        }
        if (where && used > limit) {
            cleanup_free char *reason = NULL;
            human(used, used_s, sizeof(used_s));
            human(limit, lim_s, sizeof(lim_s));
            reason = xasprintf("stopped by bolt: GPU memory limit exceeded: %s used on %s > "
                               "--gpu-memory %s",
                               used_s, where, lim_s);
            log_warn("container %.12s: %s", id, reason);
            kill(pid, SIGKILL);
            api.shutdown();
            record_reason(root, runroot, id, reason);
            _exit(0);
        }
        {
            struct timespec ts = {0, 500 * 1000 * 1000}; /* twice a second */
            nanosleep(&ts, NULL);
        }
    }
    if (up)
        api.shutdown();
    _exit(0);
}

int
bolt_nv_engine_started(const struct bolt_oci_spec *spec, const char *root, const char *runroot,
                       const char *id, pid_t pid, struct bolt_err *err)
{
    const char *mem = annotation(spec, ANN_MEMORY), *vis;
    struct bolt_nv_config cfg;
    struct bolt_nv_plan *plan;
    char **uuids = NULL;
    pid_t w;

    if (mem == NULL || (vis = bolt_oci_spec_getenv(spec, "NVIDIA_VISIBLE_DEVICES")) == NULL)
        return 0;
    bolt_nv_config_init(&cfg);
    if (bolt_nv_config_load(&cfg, err) < 0) {
        bolt_nv_config_fini(&cfg);
        return -1;
    }
    plan = bolt_nv_plan_get(&cfg, runroot, false, NULL, err);
    bolt_nv_config_fini(&cfg);
    if (plan == NULL)
        return -1;
    for (size_t i = 0; i < plan->n_gpus; i++) {
        /* watch every GPU the container may use: a process can only appear where it runs */
        if (plan->gpus[i].uuid)
            bolt_strv_push(&uuids, plan->gpus[i].uuid);
    }
    w = uuids ? fork() : 0;
    if (w == 0 && uuids) {
        sys_close_range(3, ~0U, 0); /* no lease, lock or pipe of the supervisor */
        watch_loop(plan, uuids, strtoull(mem, NULL, 10), pid, root, runroot, id);
    }
    bolt_strv_free(uuids);
    bolt_nv_plan_free(plan);
    if (w < 0)
        return bolt_err_set(err, errno, "fork the GPU memory watch");
    return 0;
}
