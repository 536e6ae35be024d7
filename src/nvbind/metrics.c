/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metrics sampling: NVML per GPU, cgroup counters per container, and GPU memory per
 * container from NVML's process list (pids matched to containers by cgroup path).
 */
#include "nvbind/metrics.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container.h"
#include "engine/engine.h"
#include "nvbind/plan.h"
#include "util/fs.h"
#include "util/mem.h"

#define NVML_OK 0
#define MAX_PROCS 512

struct mnvml_util {
    unsigned gpu, memory;
};
struct mnvml_mem {
    unsigned long long total, free, used;
};
struct mnvml_proc {
    unsigned pid;
    unsigned long long used;
    unsigned gi, ci;
};

struct mnvml {
    void *lib;
    int (*init)(void);
    int (*shutdown)(void);
    int (*count)(unsigned *);
    int (*by_index)(unsigned, void **);
    /* optional: a missing one leaves its figure null */
    int (*name)(void *, char *, unsigned);
    int (*uuid)(void *, char *, unsigned);
    int (*util)(void *, struct mnvml_util *);
    int (*memory)(void *, struct mnvml_mem *);
    int (*temp)(void *, int, unsigned *);
    int (*power)(void *, unsigned *);
    int (*limit)(void *, unsigned *);
    int (*clock)(void *, int, unsigned *);
    int (*fan)(void *, unsigned *);
    int (*pstate)(void *, unsigned *);
    int (*throttle)(void *, unsigned long long *);
    int (*compute)(void *, unsigned *, struct mnvml_proc *);
    int (*graphics)(void *, unsigned *, struct mnvml_proc *);
};

struct ctr_prev {
    char id[BOLT_CTR_ID_LEN + 1];
    uint64_t cpu_ns;
    double t;
};

struct bolt_metrics {
    struct bolt_ctr_store store;
    char *only; /* container id to watch, or NULL */
    struct mnvml nv;
    char *gpu_error;
    struct ctr_prev *prev;
    size_t n_prev;
};

static double
now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1e3;
}

json_t *
bolt_metrics_throttle_names(unsigned long long mask)
{
    static const char *const names[] = {"gpu_idle",      "applications_clocks", "sw_power_cap",
                                        "hw_slowdown",   "sync_boost",          "sw_thermal",
                                        "hw_thermal",    "hw_power_brake",      "display_clocks"};
    json_t *a = json_array();

    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (mask & (1ULL << i))
            json_array_append_new(a, json_string(names[i]));
    return a;
}

static int
nvml_load(struct mnvml *n, const char *path, struct bolt_err *err)
{
    memset(n, 0, sizeof(*n));
    n->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (n->lib == NULL)
        return bolt_err_set(err, 0, "cannot load NVML %s: %s", path, dlerror());
#define SYM(slot, name) *(void **)&n->slot = dlsym(n->lib, name)
    SYM(init, "nvmlInit_v2");
    SYM(shutdown, "nvmlShutdown");
    SYM(count, "nvmlDeviceGetCount_v2");
    SYM(by_index, "nvmlDeviceGetHandleByIndex_v2");
    SYM(name, "nvmlDeviceGetName");
    SYM(uuid, "nvmlDeviceGetUUID");
    SYM(util, "nvmlDeviceGetUtilizationRates");
    SYM(memory, "nvmlDeviceGetMemoryInfo");
    SYM(temp, "nvmlDeviceGetTemperature");
    SYM(power, "nvmlDeviceGetPowerUsage");
    SYM(limit, "nvmlDeviceGetEnforcedPowerLimit");
    SYM(clock, "nvmlDeviceGetClockInfo");
    SYM(fan, "nvmlDeviceGetFanSpeed");
    SYM(pstate, "nvmlDeviceGetPerformanceState");
    SYM(throttle, "nvmlDeviceGetCurrentClocksEventReasons");
    if (n->throttle == NULL)
        SYM(throttle, "nvmlDeviceGetCurrentClocksThrottleReasons");
    SYM(compute, "nvmlDeviceGetComputeRunningProcesses_v3");
    SYM(graphics, "nvmlDeviceGetGraphicsRunningProcesses_v3");
#undef SYM
    if (!n->init || !n->shutdown || !n->count || !n->by_index) {
        dlclose(n->lib);
        n->lib = NULL;
        return bolt_err_set(err, 0, "NVML %s lacks nvmlInit_v2/nvmlDeviceGetCount_v2", path);
    }
    if (n->init() != NVML_OK) {
        dlclose(n->lib);
        n->lib = NULL;
        return bolt_err_set(err, 0, "NVML %s failed to initialize (is the driver loaded?)", path);
    }
    return 0;
}

static void
open_gpus(struct bolt_metrics *m, const struct bolt_nv_config *cfg, const char *runroot)
{
    struct bolt_err err = {0};
    char buf[600];
    cleanup_nv_plan struct bolt_nv_plan *plan = bolt_nv_plan_get(cfg, runroot, false, NULL, &err);
    cleanup_free char *path = NULL;

    if (plan == NULL) {
        m->gpu_error = xasprintf("no NVIDIA driver: %s", bolt_err_str(&err, buf, sizeof(buf)));
        return;
    }
    for (size_t i = 0; i < plan->n_files && path == NULL; i++) {
        const struct bolt_nv_file *f = &plan->files[i];
        if (f->kind == BOLT_NV_FILE_LIB && f->soname && strcmp(f->soname, "libnvidia-ml.so.1") == 0)
            path = bolt_nv_path(plan->driver_root, f->path);
    }
    if (path == NULL) {
        m->gpu_error = xasprintf("driver %s has no libnvidia-ml.so.1 under driver root %s",
                                 plan->driver_version ? plan->driver_version : "?",
                                 plan->driver_root);
        return;
    }
    if (nvml_load(&m->nv, path, &err) < 0)
        m->gpu_error = xstrdup(bolt_err_str(&err, buf, sizeof(buf)));
}

/* The cgroup path of pid that identifies containers: the v1 memory line, else cgroup2's. */
static char *
cgroup_key(pid_t pid)
{
    char path[64];
    cleanup_free char *text = NULL;
    char *v2 = NULL;

    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
    text = bolt_read_file(path, NULL, NULL);
    if (text == NULL)
        return NULL;
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c2 = '\0';
        if (c1[1] == '\0') {
            free(v2);
            v2 = xstrdup(c2 + 1);
            continue;
        }
        char *save = NULL;
        for (char *t = strtok_r(c1 + 1, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (strcmp(t, "memory") == 0) {
                free(v2);
                return xasprintf("memory:%s", c2 + 1);
            }
    }
    if (v2 == NULL)
        return NULL;
    char *k = xasprintf("unified:%s", v2);
    free(v2);
    return k;
}

/* True when key (of some pid) is the container's cgroup ckey or below it. */
static bool
key_within(const char *key, const char *ckey)
{
    size_t n = strlen(ckey);

    if (key == NULL || ckey == NULL || strchr(ckey, ':') == NULL)
        return false;
    /* a container never lives in the root cgroup: that would match every process */
    if (strcmp(strchr(ckey, ':') + 1, "/") == 0)
        return false;
    return strncmp(key, ckey, n) == 0 && (key[n] == '\0' || key[n] == '/');
}

static json_t *
jnum_or_null(bool ok, double v)
{
    return ok ? json_real(v) : json_null();
}

static json_t *
jint_or_null(bool ok, long long v)
{
    return ok ? json_integer(v) : json_null();
}

struct gpu_procs {
    char uuid[96];
    struct mnvml_proc procs[MAX_PROCS];
    unsigned n;
};

static json_t *
sample_gpu(struct mnvml *n, unsigned i, struct gpu_procs *gp)
{
    json_t *g = json_object();
    void *h = NULL;
    char name[96] = "", uuid[96] = "";
    struct mnvml_util u;
    struct mnvml_mem mem;
    unsigned v = 0, v2 = 0;
    unsigned long long tr;
    bool ok;

    json_object_set_new(g, "index", json_integer(i));
    if (n->by_index(i, &h) != NVML_OK) {
        json_object_set_new(g, "error", json_string("nvmlDeviceGetHandleByIndex failed"));
        return g;
    }
    if (n->name)
        n->name(h, name, sizeof(name));
    if (n->uuid)
        n->uuid(h, uuid, sizeof(uuid));
    json_object_set_new(g, "uuid", json_string(uuid));
    json_object_set_new(g, "name", json_string(name));
    ok = n->util && n->util(h, &u) == NVML_OK;
    json_object_set_new(g, "util_gpu", jint_or_null(ok, ok ? u.gpu : 0));
    json_object_set_new(g, "util_memory", jint_or_null(ok, ok ? u.memory : 0));
    ok = n->memory && n->memory(h, &mem) == NVML_OK;
    json_object_set_new(g, "mem_used", jint_or_null(ok, ok ? (long long)mem.used : 0));
    json_object_set_new(g, "mem_total", jint_or_null(ok, ok ? (long long)mem.total : 0));
    ok = n->temp && n->temp(h, 0, &v) == NVML_OK;
    json_object_set_new(g, "temperature_c", jint_or_null(ok, v));
    ok = n->power && n->power(h, &v) == NVML_OK;
    json_object_set_new(g, "power_w", jnum_or_null(ok, v / 1000.0));
    ok = n->limit && n->limit(h, &v) == NVML_OK;
    json_object_set_new(g, "power_limit_w", jnum_or_null(ok, v / 1000.0));
    ok = n->clock && n->clock(h, 0, &v) == NVML_OK;
    json_object_set_new(g, "clock_graphics_mhz", jint_or_null(ok, v));
    ok = n->clock && n->clock(h, 1, &v) == NVML_OK;
    json_object_set_new(g, "clock_sm_mhz", jint_or_null(ok, v));
    ok = n->clock && n->clock(h, 2, &v2) == NVML_OK;
    json_object_set_new(g, "clock_mem_mhz", jint_or_null(ok, v2));
    ok = n->fan && n->fan(h, &v) == NVML_OK;
    json_object_set_new(g, "fan_pct", jint_or_null(ok, v));
    ok = n->pstate && n->pstate(h, &v) == NVML_OK && v < 32;
    json_object_set_new(g, "pstate", jint_or_null(ok, v));
    ok = n->throttle && n->throttle(h, &tr) == NVML_OK;
    json_object_set_new(g, "throttle", ok ? bolt_metrics_throttle_names(tr) : json_null());

    snprintf(gp->uuid, sizeof(gp->uuid), "%s", uuid);
    gp->n = 0;
    int (*fns[2])(void *, unsigned *, struct mnvml_proc *) = {n->compute, n->graphics};
    for (int k = 0; k < 2; k++) {
        unsigned cnt = MAX_PROCS - gp->n;
        if (fns[k] && cnt > 0 && fns[k](h, &cnt, gp->procs + gp->n) == NVML_OK)
            gp->n += cnt;
    }
    return g;
}

struct bolt_metrics *
bolt_metrics_open(const struct bolt_nv_config *cfg, const char *root, const char *runroot,
                  const char *container, struct bolt_err *err)
{
    struct bolt_metrics *m = xcalloc(1, sizeof(*m));

    if (bolt_ctrs_init(&m->store, root, runroot, err) < 0) {
        free(m);
        return NULL;
    }
    if (container) {
        struct bolt_container *c = bolt_ctrs_lookup(&m->store, container, err);
        if (c == NULL) {
            bolt_err_wrap(err, "--container");
            bolt_metrics_close(m);
            return NULL;
        }
        m->only = xstrdup(c->id);
        bolt_container_free(c);
    }
    open_gpus(m, cfg, runroot);
    /* baseline for CPU % */
    json_decref(bolt_metrics_sample(m, NULL));
    return m;
}

static uint64_t
prev_cpu(struct bolt_metrics *m, const char *id, uint64_t cpu, double t, double *dt)
{
    for (size_t i = 0; i < m->n_prev; i++)
        if (strcmp(m->prev[i].id, id) == 0) {
            uint64_t p = m->prev[i].cpu_ns;
            *dt = t - m->prev[i].t;
            m->prev[i].cpu_ns = cpu;
            m->prev[i].t = t;
            return p;
        }
    m->prev = xrealloc(m->prev, (m->n_prev + 1) * sizeof(*m->prev));
    snprintf(m->prev[m->n_prev].id, sizeof(m->prev[0].id), "%s", id);
    m->prev[m->n_prev].cpu_ns = cpu;
    m->prev[m->n_prev].t = t;
    m->n_prev++;
    *dt = 0;
    return cpu;
}

json_t *
bolt_metrics_sample(struct bolt_metrics *m, struct bolt_err *err)
{
    json_t *s = json_object(), *gpus = json_array(), *ctrs = json_array();
    struct gpu_procs *gp = NULL;
    unsigned n_gpus = 0;
    struct bolt_container **list = NULL;
    size_t n = 0;

    json_object_set_new(s, "time", json_real(now_real()));
    if (m->nv.lib) {
        if (m->nv.count(&n_gpus) != NVML_OK)
            n_gpus = 0;
        gp = xcalloc(n_gpus ? n_gpus : 1, sizeof(*gp));
        for (unsigned i = 0; i < n_gpus; i++)
            json_array_append_new(gpus, sample_gpu(&m->nv, i, &gp[i]));
    } else if (m->gpu_error) {
        json_object_set_new(s, "gpu_error", json_string(m->gpu_error));
    }
    json_object_set_new(s, "gpus", gpus);

    list = bolt_ctrs_list(&m->store, &n, err);
    for (size_t i = 0; list && i < n; i++) {
        struct bolt_container *c = list[i];
        struct bolt_engine_stats es;
        double t = now_mono(), dt;
        cleanup_free char *ckey = NULL;
        json_t *jc, *gm;
        unsigned long long gtotal = 0;

        if (m->only && strcmp(c->id, m->only) != 0)
            continue;
        bolt_ctrs_reconcile(&m->store, c);
        if (c->status != BOLT_CTR_RUNNING || c->pid <= 0)
            continue;
        if (bolt_engine_stats(c, &es, NULL) < 0)
            continue;
        jc = json_object();
        json_object_set_new(jc, "name", json_string(c->name));
        json_object_set_new(jc, "id", json_string(c->id));
        json_object_set_new(jc, "pid", json_integer(c->pid));
        if (es.has_cpu) {
            uint64_t before = prev_cpu(m, c->id, es.cpu_ns, t, &dt);
            json_object_set_new(jc, "cpu_pct",
                                dt > 0.01 ? json_real(100.0 * (double)(es.cpu_ns - before) / 1e9 / dt)
                                          : json_null());
        } else {
            json_object_set_new(jc, "cpu_pct", json_null());
        }
        json_object_set_new(jc, "mem_used", jint_or_null(es.has_mem, (long long)es.mem_usage));
        json_object_set_new(jc, "mem_limit",
                            jint_or_null(es.has_mem && es.mem_limit != UINT64_MAX,
                                         (long long)es.mem_limit));
        ckey = cgroup_key(c->pid);
        gm = json_object();
        for (unsigned g = 0; gp && g < n_gpus; g++) {
            unsigned long long sum = 0;
            for (unsigned k = 0; k < gp[g].n; k++) {
                cleanup_free char *pk = cgroup_key((pid_t)gp[g].procs[k].pid);
                if (gp[g].procs[k].used != (unsigned long long)-1 && key_within(pk, ckey))
                    sum += gp[g].procs[k].used;
            }
            if (sum) {
                json_object_set_new(gm, gp[g].uuid, json_integer((long long)sum));
                gtotal += sum;
            }
        }
        json_object_set_new(jc, "gpu_mem", gm);
        json_object_set_new(jc, "gpu_mem_total",
                            m->nv.lib ? json_integer((long long)gtotal) : json_null());
        json_array_append_new(ctrs, jc);
    }
    bolt_ctrs_list_free(list, n);
    json_object_set_new(s, "containers", ctrs);
    free(gp);
    return s;
}

void
bolt_metrics_close(struct bolt_metrics *m)
{
    if (m == NULL)
        return;
    if (m->nv.lib) {
        m->nv.shutdown();
        dlclose(m->nv.lib);
    }
    bolt_ctrs_fini(&m->store);
    free(m->only);
    free(m->gpu_error);
    free(m->prev);
    free(m);
}
