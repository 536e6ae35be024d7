/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Performance modes: NVML setters (dlopen of the driver root's libnvidia-ml.so.1) and the
 * cpufreq governors under sys_root, with originals recorded before any change and restored
 * when no live process holds the mode any more (see perf.h for the state layout).
 */
#include "nvbind/perf.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "nvbind/plan.h"
#include "util/fs.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"

#define NVML_OK             0
#define NVML_CLOCK_GRAPHICS 0

static const char *const mode_names[] = {"none", "ultra", "high", "balanced", "efficient"};

int
bolt_nv_perf_mode_parse(const char *s, const char *flag, enum bolt_nv_perf_mode *out,
                        struct bolt_err *err)
{
    for (int i = BOLT_NV_PERF_ULTRA; i <= BOLT_NV_PERF_EFFICIENT; i++)
        if (s && strcmp(s, mode_names[i]) == 0) {
            *out = (enum bolt_nv_perf_mode)i;
            return 0;
        }
    return bolt_err_set(err, 0,
                        "%s: invalid performance mode '%s' (expected ultra, high, "
                        "balanced or efficient)",
                        flag, s ? s : "");
}

const char *
bolt_nv_perf_mode_str(enum bolt_nv_perf_mode mode)
{
    return (unsigned)mode <= BOLT_NV_PERF_EFFICIENT ? mode_names[mode] : "none";
}

/* ---- NVML ---- */

struct pnvml {
    void *lib;
    int (*init)(void);
    int (*shutdown)(void);
    int (*by_uuid)(const char *, void **);
    int (*get_persist)(void *, unsigned *);
    int (*set_persist)(void *, unsigned);
    int (*get_limit)(void *, unsigned *);
    int (*get_default)(void *, unsigned *); /* optional */
    int (*constraints)(void *, unsigned *, unsigned *);
    int (*set_limit)(void *, unsigned);
    int (*max_clock)(void *, int, unsigned *);
    int (*lock_clocks)(void *, unsigned, unsigned);
    int (*reset_clocks)(void *);
};

static void *
sym(struct pnvml *n, const char *name, bool *ok)
{
    void *p = dlsym(n->lib, name);

    if (p == NULL)
        *ok = false;
    return p;
}

static int
nvml_load(struct pnvml *n, const char *path, struct bolt_err *err)
{
    bool ok = true;

    memset(n, 0, sizeof(*n));
    n->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (n->lib == NULL)
        return bolt_err_set(err, 0, "load NVML '%s': %s", path, dlerror());
    *(void **)&n->init = sym(n, "nvmlInit_v2", &ok);
    *(void **)&n->shutdown = sym(n, "nvmlShutdown", &ok);
    *(void **)&n->by_uuid = sym(n, "nvmlDeviceGetHandleByUUID", &ok);
    *(void **)&n->get_persist = sym(n, "nvmlDeviceGetPersistenceMode", &ok);
    *(void **)&n->set_persist = sym(n, "nvmlDeviceSetPersistenceMode", &ok);
    *(void **)&n->get_limit = sym(n, "nvmlDeviceGetPowerManagementLimit", &ok);
    *(void **)&n->constraints = sym(n, "nvmlDeviceGetPowerManagementLimitConstraints", &ok);
    *(void **)&n->set_limit = sym(n, "nvmlDeviceSetPowerManagementLimit", &ok);
    *(void **)&n->max_clock = sym(n, "nvmlDeviceGetMaxClockInfo", &ok);
    *(void **)&n->lock_clocks = sym(n, "nvmlDeviceSetGpuLockedClocks", &ok);
    *(void **)&n->reset_clocks = sym(n, "nvmlDeviceResetGpuLockedClocks", &ok);
    *(void **)&n->get_default = dlsym(n->lib, "nvmlDeviceGetPowerManagementDefaultLimit");
    if (!ok || n->init() != NVML_OK) {
        dlclose(n->lib);
        n->lib = NULL;
        return bolt_err_set(err, 0,
                            "NVML '%s' lacks the power/clock functions or failed to "
                            "initialize",
                            path);
    }
    return 0;
}

static void
nvml_unload(struct pnvml *n)
{
    if (n->lib) {
        n->shutdown();
        dlclose(n->lib);
        n->lib = NULL;
    }
}

/* The driver root's libnvidia-ml.so.1, from the (cached) plan. */
static char *
nvml_path(const struct bolt_nv_config *cfg, const char *runroot, struct bolt_err *err)
{
    cleanup_nv_plan struct bolt_nv_plan *plan = bolt_nv_plan_get(cfg, runroot, false, NULL, err);

    if (plan == NULL)
        return NULL;
    for (size_t i = 0; i < plan->n_files; i++) {
        const struct bolt_nv_file *f = &plan->files[i];
        if (f->kind == BOLT_NV_FILE_LIB && f->soname && strcmp(f->soname, "libnvidia-ml.so.1") == 0)
            return bolt_nv_path(plan->driver_root, f->path);
    }
    bolt_err_set(err, 0,
                 "performance modes need NVML: libnvidia-ml.so.1 not found under driver "
                 "root '%s'",
                 cfg->driver_root);
    return NULL;
}

/* ---- state files ---- */

static char *
state_path(const char *runroot, const char *name)
{
    return xasprintf("%s/gpu-perf/%s", runroot, name);
}

/* Value of "key N" in a small "key value" text; def if absent. */
static long long
kv_num(const char *text, const char *key, long long def)
{
    size_t n = strlen(key);

    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, key, n) == 0 && p[n] == ' ')
            return strtoll(p + n + 1, NULL, 10);
    return def;
}

static char *
kv_str(const char *text, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, key, n) == 0 && p[n] == ' ')
            return xstrndup(p + n + 1, strcspn(p + n + 1, "\n"));
    return NULL;
}

/* Record the GPU's settings unless already recorded (the first original wins). */
static int
record_gpu(struct pnvml *n, const char *runroot, const char *uuid, void *h, const char *lib,
           struct bolt_err *err)
{
    cleanup_free char *path = xasprintf("%s/gpu-perf/%s.orig", runroot, uuid);
    cleanup_free char *text = NULL;
    unsigned persist = 0, limit = 0;

    if (bolt_path_exists(path))
        return 0;
    if (n->get_persist(h, &persist) != NVML_OK || n->get_limit(h, &limit) != NVML_OK)
        return bolt_err_set(err, 0, "read the power settings of GPU %s through NVML", uuid);
    text = xasprintf("persistence %u\npower_mw %u\nnvml %s\n", persist, limit, lib);
    return bolt_write_file_atomic(path, text, strlen(text), 0644, err);
}

static int
apply_gpu(struct pnvml *n, const char *uuid, void *h, const char *orig, enum bolt_nv_perf_mode mode,
          struct bolt_err *err)
{
    unsigned lo = 0, hi = 0, def = 0, target, clk = 0;

    if (n->constraints(h, &lo, &hi) != NVML_OK)
        return bolt_err_set(err, 0, "read the power limit constraints of GPU %s", uuid);
    if (n->get_default == NULL || n->get_default(h, &def) != NVML_OK)
        def = (unsigned)kv_num(orig, "power_mw", hi);
    switch (mode) {
    case BOLT_NV_PERF_ULTRA:
        target = hi;
        break;
    case BOLT_NV_PERF_EFFICIENT:
        target = def * 6 / 10 < lo ? lo : def * 6 / 10;
        break;
    case BOLT_NV_PERF_HIGH:
    case BOLT_NV_PERF_BALANCED:
    case BOLT_NV_PERF_NONE:
    default:
        target = def;
        break;
    }
    if (n->set_persist(h, mode == BOLT_NV_PERF_BALANCED ? (unsigned)kv_num(orig, "persistence", 0)
                                                        : 1u)
        != NVML_OK)
        return bolt_err_set(err, EPERM, "set persistence mode of GPU %s", uuid);
    if (n->set_limit(h, target) != NVML_OK)
        return bolt_err_set(err, EPERM, "set power limit %u mW on GPU %s", target, uuid);
    if (mode != BOLT_NV_PERF_ULTRA)
        return n->reset_clocks(h) == NVML_OK
                   ? 0
                   : bolt_err_set(err, EPERM, "reset the locked clocks of GPU %s", uuid);
    if (n->max_clock(h, NVML_CLOCK_GRAPHICS, &clk) != NVML_OK || clk == 0)
        return bolt_err_set(err, 0, "read the maximum graphics clock of GPU %s", uuid);
    if (n->lock_clocks(h, clk, clk) != NVML_OK)
        return bolt_err_set(err, EPERM, "lock the clocks of GPU %s at %u MHz", uuid, clk);
    return 0;
}

/* Put the GPU back as recorded in .orig and forget it. */
static void
restore_gpu(const char *runroot, const char *uuid)
{
    cleanup_free char *opath = xasprintf("%s/gpu-perf/%s.orig", runroot, uuid);
    cleanup_free char *mpath = xasprintf("%s/gpu-perf/%s.mode", runroot, uuid);
    cleanup_free char *orig = bolt_read_file(opath, NULL, NULL);
    cleanup_free char *lib = orig ? kv_str(orig, "nvml") : NULL;
    struct bolt_err err = {0};
    struct pnvml n;
    void *h = NULL;

    if (lib && nvml_load(&n, lib, &err) == 0) {
        if (n.by_uuid(uuid, &h) == NVML_OK) {
            n.reset_clocks(h);
            n.set_limit(h, (unsigned)kv_num(orig, "power_mw", 0));
            n.set_persist(h, (unsigned)kv_num(orig, "persistence", 0));
        } else {
            log_warn("restore GPU %s: not found through NVML any more", uuid);
        }
        nvml_unload(&n);
    } else if (orig) {
        log_warn("restore GPU %s: %s", uuid, err.msg);
    }
    unlink(mpath);
    unlink(opath);
}

/* ---- CPUs ---- */

static char *
gov_path(const char *sys_root, unsigned cpu)
{
    cleanup_free char *rel =
        xasprintf("/sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor", cpu);
    return bolt_nv_path(sys_root, rel);
}

/* CPUs of the list (or all with cpufreq) that have a governor file. */
static int
cpu_list(const char *sys_root, const char *cpus, unsigned **out, size_t *n, struct bolt_err *err)
{
    cleanup_free char *dir = bolt_nv_path(sys_root, "/sys/devices/system/cpu");
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *e;

    *out = NULL;
    *n = 0;
    /* only the cpuN entries that exist: a fixed 0..1023 probe costs ~50 ms of failed stats */
    while (d && (e = readdir(d))) {
        unsigned c;
        char tail;
        if (sscanf(e->d_name, "cpu%u%c", &c, &tail) != 1 || c >= 4096)
            continue;
        if (cpus) {
            bool in = false;
            for (const char *s = cpus; *s && !in;) {
                char *end;
                unsigned a = (unsigned)strtoul(s, &end, 10), b = a;
                if (end == s)
                    return bolt_err_set(err, 0, "cpuset '%s': expected a list such as 0-3,6", cpus);
                if (*end == '-')
                    b = (unsigned)strtoul(end + 1, &end, 10);
                in = c >= a && c <= b;
                s = *end == ',' ? end + 1 : end;
            }
            if (!in)
                continue;
        }
        cleanup_free char *p = gov_path(sys_root, c);
        if (access(p, F_OK) == 0) {
            *out = xrealloc(*out, (*n + 1) * sizeof(**out));
            (*out)[(*n)++] = c;
        }
    }
    return 0;
}

/* sysfs attribute write; O_TRUNC so the fake sys trees of the tests read back cleanly */
static int
write_attr(const char *path, const char *value, struct bolt_err *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    size_t len = strlen(value);

    if (fd < 0)
        return bolt_err_set(err, errno, "open '%s'", path);
    if (write(fd, value, len) != (ssize_t)len)
        return bolt_err_set(err, errno, "write '%s' to '%s'", value, path);
    return 0;
}

static const char *
mode_governor(enum bolt_nv_perf_mode mode)
{
    if (mode == BOLT_NV_PERF_ULTRA || mode == BOLT_NV_PERF_HIGH)
        return "performance";
    if (mode == BOLT_NV_PERF_EFFICIENT)
        return "powersave";
    return NULL;
}

static int
apply_cpus(const char *runroot, const char *sys_root, const char *cpus, enum bolt_nv_perf_mode mode,
           struct bolt_err *err)
{
    const char *gov = mode_governor(mode);
    cleanup_free unsigned *list = NULL;
    cleanup_free char *opath = state_path(runroot, "cpus.orig");
    cleanup_free char *orig = NULL;
    size_t n = 0;

    if (gov == NULL)
        return 0;
    if (cpu_list(sys_root, cpus, &list, &n, err) < 0)
        return -1;
    if (n == 0) {
        log_warn("performance mode %s: no cpufreq governor under '%s', CPUs left alone",
                 bolt_nv_perf_mode_str(mode), sys_root);
        return 0;
    }
    orig = bolt_read_file(opath, NULL, NULL);
    if (orig == NULL)
        orig = xasprintf("sys_root %s\n", sys_root);
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *p = gov_path(sys_root, list[i]);
        cleanup_free char *cur = bolt_read_file(p, NULL, err);
        char key[32];
        snprintf(key, sizeof(key), "cpu%u", list[i]);
        if (cur == NULL)
            return -1;
        bolt_rstrip(cur);
        cleanup_free char *had = kv_str(orig, key);
        if (had == NULL) {
            char *n2 = xasprintf("%s%s %s\n", orig ? orig : "", key, cur);
            free(orig);
            orig = n2;
            if (bolt_write_file_atomic(opath, orig, strlen(orig), 0644, err) < 0)
                return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *p = gov_path(sys_root, list[i]);
        if (write_attr(p, gov, err) < 0)
            return bolt_err_wrap(err, "set cpufreq governor '%s'", gov);
    }
    return 0;
}

static void
restore_cpus(const char *runroot, const char *sys_root)
{
    cleanup_free char *opath = state_path(runroot, "cpus.orig");
    cleanup_free char *orig = bolt_read_file(opath, NULL, NULL);
    cleanup_free char *root = orig ? kv_str(orig, "sys_root") : NULL;

    if (orig == NULL)
        return;
    for (const char *p = orig; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        unsigned cpu;
        char gov[64];
        if (sscanf(p, "cpu%u %63s", &cpu, gov) == 2) {
            cleanup_free char *g = gov_path(root ? root : sys_root, cpu);
            struct bolt_err err = {0};
            if (write_attr(g, gov, &err) < 0)
                log_warn("restore cpufreq governor of cpu%u: %s", cpu, err.msg);
        }
    }
    unlink(opath);
}

/* ---- holds and reconciliation ---- */

static bool
is_held(const char *runroot, const char *uuid, const char *mode)
{
    cleanup_free char *p = xasprintf("%s/gpu-perf/%s.%s.hold", runroot, uuid, mode);
    cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return false;
    return flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

/* Restore every GPU whose container mode nobody holds; the CPUs once no mode is left. */
static void
reconcile(const char *runroot)
{
    cleanup_free char *dir = xasprintf("%s/gpu-perf", runroot);
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *e;
    size_t left = 0;

    if (d == NULL)
        return;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        char mode[32] = "", owner[32] = "";
        if (len <= 5 || strcmp(e->d_name + len - 5, ".mode") != 0)
            continue;
        cleanup_free char *uuid = xstrndup(e->d_name, len - 5);
        cleanup_free char *p = xasprintf("%s/%s", dir, e->d_name);
        cleanup_free char *text = bolt_read_file(p, NULL, NULL);
        if (text && sscanf(text, "%31s %31s", mode, owner) == 2
            && (strcmp(owner, "system") == 0 || is_held(runroot, uuid, mode))) {
            left++;
            continue;
        }
        log_info("restore GPU %s: no container uses performance mode %s any more", uuid, mode);
        restore_gpu(runroot, uuid);
    }
    if (left == 0)
        restore_cpus(runroot, "/");
}

static int
lock_state(const char *runroot, struct bolt_err *err)
{
    cleanup_free char *dir = xasprintf("%s/gpu-perf", runroot);
    cleanup_free char *lock = xasprintf("%s/lock", dir);

    if (bolt_mkdir_p(dir, 0755, err) < 0)
        return -1;
    return bolt_lock_open(lock, true, true, err);
}

static int
need_root(enum bolt_nv_perf_mode mode, struct bolt_err *err)
{
    if (geteuid() == 0)
        return 0;
    return bolt_err_set(err, EPERM,
                        "performance mode %s: changing GPU power, clocks and cpufreq "
                        "governors needs root (run bolt as root); nothing was changed",
                        bolt_nv_perf_mode_str(mode));
}

/* A GPU already in another mode (held by containers, or set system-wide) cannot change. */
static int
check_mode(const char *runroot, const char *uuid, enum bolt_nv_perf_mode mode, bool *sys,
           struct bolt_err *err)
{
    cleanup_free char *p = xasprintf("%s/gpu-perf/%s.mode", runroot, uuid);
    cleanup_free char *text = bolt_read_file(p, NULL, NULL);
    char cur[32] = "", owner[32] = "";

    *sys = false;
    if (text == NULL || sscanf(text, "%31s %31s", cur, owner) != 2)
        return 0;
    *sys = strcmp(owner, "system") == 0;
    if (strcmp(cur, bolt_nv_perf_mode_str(mode)) == 0)
        return 0;
    if (*sys)
        return bolt_err_set(err, EBUSY,
                            "GPU %s is in performance mode %s system-wide: run `bolt "
                            "gaming gpu nvbind --performance balanced` first",
                            uuid, cur);
    return bolt_err_set(err, EBUSY,
                        "GPU %s is in performance mode %s for other containers: use "
                        "--performance %s or wait until they end",
                        uuid, cur, cur);
}

static int
take_hold(const char *runroot, const char *uuid, enum bolt_nv_perf_mode mode, struct bolt_err *err)
{
    cleanup_free char *p =
        xasprintf("%s/gpu-perf/%s.%s.hold", runroot, uuid, bolt_nv_perf_mode_str(mode));
    /* no O_CLOEXEC: the hold must survive the exec into the container's monitor */
    int fd = open(p, O_RDWR | O_CREAT, 0644);

    if (fd < 0)
        return bolt_err_set(err, errno, "open '%s'", p);
    if (flock(fd, LOCK_SH) < 0) {
        int e = errno;
        close(fd);
        return bolt_err_set(err, e, "lock '%s'", p);
    }
    return 0;
}

/* Record, apply and mark each GPU; owner "container" or "system". */
static int
apply_all(const struct bolt_nv_config *cfg, const char *runroot, char *const *uuids,
          enum bolt_nv_perf_mode mode, const char *owner, struct bolt_err *err)
{
    cleanup_free char *lib = nvml_path(cfg, runroot, err);
    struct pnvml n;
    int r = 0;

    if (lib == NULL || nvml_load(&n, lib, err) < 0)
        return -1;
    for (size_t i = 0; uuids[i] && r == 0; i++) {
        cleanup_free char *mpath = xasprintf("%s/gpu-perf/%s.mode", runroot, uuids[i]);
        cleanup_free char *opath = xasprintf("%s/gpu-perf/%s.orig", runroot, uuids[i]);
        cleanup_free char *orig = NULL, *mark = NULL;
        bool sys = false;
        void *h = NULL;
        if (n.by_uuid(uuids[i], &h) != NVML_OK) {
            r = bolt_err_set(err, 0, "GPU %s: not found through NVML", uuids[i]);
            break;
        }
        if (strcmp(owner, "container") == 0 && check_mode(runroot, uuids[i], mode, &sys, err) < 0) {
            r = -1;
            break;
        }
        if (record_gpu(&n, runroot, uuids[i], h, lib, err) < 0) {
            r = -1;
            break;
        }
        mark = xasprintf("%s %s\n", bolt_nv_perf_mode_str(mode), sys ? "system" : owner);
        orig = bolt_read_file(opath, NULL, err);
        r = orig ? bolt_write_file_atomic(mpath, mark, strlen(mark), 0644, err) : -1;
        if (r == 0)
            r = apply_gpu(&n, uuids[i], h, orig, mode, err);
    }
    nvml_unload(&n);
    return r;
}

int
bolt_nv_perf_acquire(const struct bolt_nv_config *cfg, const char *runroot, char *const *uuids,
                     const char *cpus, enum bolt_nv_perf_mode mode, struct bolt_err *err)
{
    cleanup_close int lock = -1;
    int r;

    if (need_root(mode, err) < 0)
        return -1;
    if ((lock = lock_state(runroot, err)) < 0)
        return -1;
    reconcile(runroot);
    r = apply_all(cfg, runroot, uuids, mode, "container", err);
    for (size_t i = 0; r == 0 && uuids[i]; i++)
        r = take_hold(runroot, uuids[i], mode, err);
    if (r == 0)
        r = apply_cpus(runroot, cfg->sys_root, cpus, mode, err);
    if (r < 0) /* undo what no other container holds (this process holds nothing yet) */
        reconcile(runroot);
    return r < 0 ? bolt_err_wrap(err, "--performance %s", bolt_nv_perf_mode_str(mode)) : 0;
}

static unsigned
restore_everything(const char *runroot)
{
    cleanup_free char *dir = xasprintf("%s/gpu-perf", runroot);
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *e;
    unsigned n = 0;

    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".orig") == 0
            && strcmp(e->d_name, "cpus.orig")) {
            cleanup_free char *uuid = xstrndup(e->d_name, len - 5);
            restore_gpu(runroot, uuid);
            n++;
        }
    }
    restore_cpus(runroot, "/");
    return n;
}

int
bolt_nv_perf_set_system(const struct bolt_nv_config *cfg, const char *runroot,
                        enum bolt_nv_perf_mode mode, unsigned *n_gpus, struct bolt_err *err)
{
    cleanup_nv_plan struct bolt_nv_plan *plan = NULL;
    cleanup_strv char **uuids = NULL;
    cleanup_close int lock = -1;

    if (need_root(mode, err) < 0)
        return -1;
    if ((lock = lock_state(runroot, err)) < 0)
        return -1;
    if (mode == BOLT_NV_PERF_BALANCED) {
        *n_gpus = restore_everything(runroot);
        return 0;
    }
    reconcile(runroot);
    if ((plan = bolt_nv_plan_get(cfg, runroot, false, NULL, err)) == NULL)
        return -1;
    for (size_t i = 0; i < plan->n_gpus; i++)
        bolt_strv_push(&uuids, plan->gpus[i].uuid);
    if (uuids == NULL)
        return bolt_err_set(err, ENODEV, "--performance %s: no GPUs found",
                            bolt_nv_perf_mode_str(mode));
    if (apply_all(cfg, runroot, uuids, mode, "system", err) < 0
        || apply_cpus(runroot, cfg->sys_root, NULL, mode, err) < 0)
        return -1;
    *n_gpus = (unsigned)plan->n_gpus;
    return 0;
}

void
bolt_nv_perf_release(const char *runroot)
{
    cleanup_free char *dir = xasprintf("%s/gpu-perf/", runroot);
    cleanup_dir DIR *d = NULL;
    struct dirent *e;
    cleanup_close int lock = -1;

    if (!bolt_path_exists(dir))
        return;
    if ((d = opendir("/proc/self/fd")) == NULL)
        return;
    while ((e = readdir(d))) {
        char link[PATH_MAX + 1], p[300];
        ssize_t n;
        snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
        n = readlink(p, link, sizeof(link) - 1);
        if (n <= 0)
            continue;
        link[n] = '\0';
        if (strncmp(link, dir, strlen(dir)) == 0 && n > 5 && strcmp(link + n - 5, ".hold") == 0)
            close(atoi(e->d_name));
    }
    if ((lock = lock_state(runroot, NULL)) < 0)
        return;
    reconcile(runroot);
}
