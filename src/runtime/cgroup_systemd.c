/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd cgroup driver: transient scope units over D-Bus (libsystemd's sd-bus, dlopened). */
#include "runtime/cgroup_systemd.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"
#include "util/log.h"
#include "util/mem.h"

#define SD_SONAME      "libsystemd.so.0"
#define SD_DEST        "org.freedesktop.systemd1"
#define SD_PATH        "/org/freedesktop/systemd1"
#define SD_MANAGER     "org.freedesktop.systemd1.Manager"
#define SD_DEFAULT_BUS "unix:path=/run/dbus/system_bus_socket"
#define SD_PRIVATE_BUS "unix:path=/run/systemd/private"
#define SD_JOB_TIMEOUT 30 /* seconds, as runc waits for a unit job */
#define SD_DEFAULT_PFX "nvbind"
#define SD_CGROUPFS_FIX                                                                          \
    "systemd must run as PID 1, or use the cgroupfs driver: drop --systemd-cgroup (docker "      \
    "daemon.json exec-opts native.cgroupdriver=cgroupfs, podman containers.conf cgroup_manager " \
    "= \"cgroupfs\", containerd SystemdCgroup = false)"

static enum bolt_cgroup_driver driver = BOLT_CGROUP_DRIVER_CGROUPFS;

void
bolt_cgroup_set_driver(enum bolt_cgroup_driver d)
{
    driver = d;
}

enum bolt_cgroup_driver
bolt_cgroup_get_driver(void)
{
    return driver;
}

/* ---- cgroupsPath "SLICE:PREFIX:NAME" ---- */

static bool
unit_part_ok(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(":_.\\-@", *s))
            return false;
    return true;
}

static bool
has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);

    return n >= m && strcmp(s + n - m, suf) == 0;
}

int
bolt_systemd_slice_expand(const char *slice, char **out, struct bolt_err *err)
{
    cleanup_free char *base = NULL;
    char *path = NULL;
    size_t n;

    if (!has_suffix(slice, ".slice") || strchr(slice, '/') || !unit_part_ok(slice))
        return bolt_err_set(err, 0,
                            "slice '%s': expected a slice unit name such as system.slice or "
                            "a-b.slice (letters, digits, ':_.\\-', ending in .slice)",
                            slice);
    if (strcmp(slice, "-.slice") == 0) {
        *out = xstrdup("/");
        return 0;
    }
    n = strlen(slice) - strlen(".slice");
    base = xstrndup(slice, n);
    if (n == 0 || base[0] == '-' || base[n - 1] == '-' || strstr(base, "--"))
        return bolt_err_set(err, 0,
                            "slice '%s': a dash-separated part is empty (expected e.g. "
                            "a-b.slice, the child of a.slice)",
                            slice);
    path = xstrdup("");
    for (size_t i = 0; i <= n; i++) {
        char *next;
        if (base[i] != '-' && base[i] != '\0')
            continue;
        next = xasprintf("%s/%.*s.slice", path, (int)i, base);
        free(path);
        path = next;
    }
    *out = path;
    return 0;
}

void
bolt_systemd_path_fini(struct bolt_systemd_path *p)
{
    free(p->slice);
    free(p->unit);
    free(p->path);
    memset(p, 0, sizeof(*p));
}

int
bolt_systemd_path_parse(const char *cgroups_path, const char *id, struct bolt_systemd_path *out,
                        struct bolt_err *err)
{
    cleanup_free char *dflt = NULL, *spath = NULL;
    cleanup_free char *copy = NULL;
    const char *slice;
    char *prefix, *name, *c1, *c2;

    memset(out, 0, sizeof(*out));
    if (cgroups_path == NULL || cgroups_path[0] == '\0')
        cgroups_path = dflt = xasprintf(":" SD_DEFAULT_PFX ":%s", id ? id : "");
    copy = xstrdup(cgroups_path);
    c1 = strchr(copy, ':');
    c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL || strchr(c2 + 1, ':'))
        return bolt_err_set(err, 0,
                            "linux.cgroupsPath '%s': the systemd cgroup driver expects "
                            "\"slice:prefix:name\" (e.g. system.slice:docker:<id>); drop "
                            "--systemd-cgroup to use a cgroupfs path",
                            cgroups_path);
    *c1 = *c2 = '\0';
    slice = copy;
    prefix = c1 + 1;
    name = c2 + 1;
    if (name[0] == '\0' || !unit_part_ok(name) || !unit_part_ok(prefix))
        return bolt_err_set(err, 0,
                            "linux.cgroupsPath '%s': prefix and name must be non-empty unit name "
                            "parts (letters, digits, ':_.\\-@', no '/')",
                            cgroups_path);
    if (slice[0] == '\0')
        slice = "system.slice";
    if (bolt_systemd_slice_expand(slice, &spath, err) < 0)
        return bolt_err_wrap(err, "linux.cgroupsPath '%s'", cgroups_path);
    if (has_suffix(name, ".slice")) {
        /* The name is a slice unit of its own; systemd places it by its name. */
        if (bolt_systemd_slice_expand(name, &out->path, err) < 0)
            return bolt_err_wrap(err, "linux.cgroupsPath '%s'", cgroups_path);
        out->unit = xstrdup(name);
    } else {
        out->unit =
            prefix[0] ? xasprintf("%s-%s.scope", prefix, name) : xasprintf("%s.scope", name);
        out->path = xasprintf("%s/%s", strcmp(spath, "/") == 0 ? "" : spath, out->unit);
    }
    if (strcmp(out->path, "/") == 0 || strlen(out->unit) > 255) {
        bolt_systemd_path_fini(out);
        return bolt_err_set(err, 0,
                            "linux.cgroupsPath '%s': names the root slice or a unit name longer "
                            "than 255 characters",
                            cgroups_path);
    }
    out->slice = xstrdup(slice);
    return 0;
}

/* ---- sd-bus, loaded on first use ---- */

typedef struct sd_bus sd_bus;
typedef struct sd_bus_message sd_bus_message;
typedef struct sd_bus_slot sd_bus_slot;
typedef struct {
    const char *name;
    const char *message;
    int need_free;
} sd_bus_error;
typedef int (*sd_bus_message_handler_t)(sd_bus_message *m, void *userdata, sd_bus_error *ret);

static struct {
    bool loaded;
    int (*bus_new)(sd_bus **);
    int (*bus_set_address)(sd_bus *, const char *);
    int (*bus_set_bus_client)(sd_bus *, int);
    int (*bus_start)(sd_bus *);
    sd_bus *(*bus_flush_close_unref)(sd_bus *);
    int (*message_new_method_call)(sd_bus *, sd_bus_message **, const char *, const char *,
                                   const char *, const char *);
    int (*message_append)(sd_bus_message *, const char *, ...);
    int (*message_open_container)(sd_bus_message *, char, const char *);
    int (*message_close_container)(sd_bus_message *);
    int (*message_read)(sd_bus_message *, const char *, ...);
    sd_bus_message *(*message_unref)(sd_bus_message *);
    int (*call)(sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
    void (*error_free)(sd_bus_error *);
    int (*match_signal)(sd_bus *, sd_bus_slot **, const char *, const char *, const char *,
                        const char *, sd_bus_message_handler_t, void *);
    int (*process)(sd_bus *, sd_bus_message **);
    int (*wait)(sd_bus *, uint64_t);
    sd_bus_slot *(*slot_unref)(sd_bus_slot *);
} F;

static int
sd_load(struct bolt_err *err)
{
    static const struct {
        const char *name;
        size_t off;
    } syms[] = {
#define S(f, n) {n, offsetof(__typeof__(F), f)}
        S(bus_new, "sd_bus_new"),
        S(bus_set_address, "sd_bus_set_address"),
        S(bus_set_bus_client, "sd_bus_set_bus_client"),
        S(bus_start, "sd_bus_start"),
        S(bus_flush_close_unref, "sd_bus_flush_close_unref"),
        S(message_new_method_call, "sd_bus_message_new_method_call"),
        S(message_append, "sd_bus_message_append"),
        S(message_open_container, "sd_bus_message_open_container"),
        S(message_close_container, "sd_bus_message_close_container"),
        S(message_read, "sd_bus_message_read"),
        S(message_unref, "sd_bus_message_unref"),
        S(call, "sd_bus_call"),
        S(error_free, "sd_bus_error_free"),
        S(match_signal, "sd_bus_match_signal"),
        S(process, "sd_bus_process"),
        S(wait, "sd_bus_wait"),
        S(slot_unref, "sd_bus_slot_unref"),
#undef S
    };
    void *h;

    if (F.loaded)
        return 0;
    h = dlopen(SD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return bolt_err_set_plain(err, ENOENT,
                                  "--systemd-cgroup: cannot load " SD_SONAME
                                  " (%s): install the Debian package libsystemd0",
                                  dlerror());
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        void *f = dlsym(h, syms[i].name);
        if (f == NULL)
            return bolt_err_set_plain(err, ENOSYS,
                                      "--systemd-cgroup: " SD_SONAME " has no %s: libsystemd "
                                      "237 or newer is needed",
                                      syms[i].name);
        memcpy((char *)&F + syms[i].off, &f, sizeof(f));
    }
    F.loaded = true;
    return 0;
}

/* Driver state of a handle (struct bolt_cgroup.sd). */
struct cgroup_sd {
    char *unit;
    char *slice;
    char *description;
    bool started;                         /* the unit exists (or did: a restored handle) */
    const struct bolt_oci_resources *res; /* borrowed until cgroup_sd_start */
    struct bolt_oci_device_rule *rules;   /* device rules to apply once the cgroup exists */
    size_t n_rules;
    bool has_rules;
    sd_bus *bus;
    sd_bus_slot *match;
    const char *wait_job; /* job object path being waited for */
    char *job_result;     /* its JobRemoved result */
};

/*
 * Close the connection. Done as soon as a unit job is over: a subscribed client that stops
 * reading (nvbind run waiting for its container) would have systemd's signals pile up.
 */
static void
sd_disconnect(struct cgroup_sd *sd)
{
    if (sd->match)
        sd->match = F.slot_unref(sd->match);
    if (sd->bus)
        sd->bus = F.bus_flush_close_unref(sd->bus);
}

void
cgroup_sd_free(struct cgroup_sd *sd)
{
    if (sd == NULL)
        return;
    sd_disconnect(sd);
    free(sd->unit);
    free(sd->slice);
    free(sd->description);
    free(sd->rules);
    free(sd->job_result);
    free(sd);
}

static int
on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret)
{
    struct cgroup_sd *sd = userdata;
    const char *job = NULL, *unit = NULL, *result = NULL;
    uint32_t id = 0;

    (void)ret;
    if (F.message_read(m, "uoss", &id, &job, &unit, &result) < 0)
        return 0;
    if (sd->wait_job && job && strcmp(job, sd->wait_job) == 0 && sd->job_result == NULL)
        sd->job_result = xstrdup(result ? result : "");
    return 0;
}

static const char *
sd_errname(const sd_bus_error *e, int r)
{
    return e->name ? e->name : strerror(-r);
}

/* Connect to one bus address and subscribe to the Manager's signals. */
static int
sd_try(struct cgroup_sd *sd, const char *addr, bool bus_client, char **why)
{
    sd_bus_message *m = NULL, *reply = NULL;
    sd_bus_error e = {0};
    sd_bus *bus = NULL;
    int r;

    if ((r = F.bus_new(&bus)) < 0 || (r = F.bus_set_address(bus, addr)) < 0
        || (r = F.bus_set_bus_client(bus, bus_client)) < 0 || (r = F.bus_start(bus)) < 0) {
        *why = xasprintf("%s: %s", addr, strerror(-r));
        goto out;
    }
    r = F.match_signal(bus, &sd->match, NULL, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed,
                       sd);
    if (r >= 0)
        r = F.message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe");
    if (r >= 0)
        r = F.call(bus, m, 5 * 1000000ULL, &e, &reply);
    if (r < 0) {
        /* systemd answers AlreadySubscribed on a second Subscribe: it is there. */
        if (e.name && strcmp(e.name, "org.freedesktop.systemd1.AlreadySubscribed") == 0)
            r = 0;
        else
            *why = xasprintf("%s: %s%s%s", addr, sd_errname(&e, r), e.message ? ": " : "",
                             e.message ? e.message : "");
    }
out:
    F.error_free(&e);
    if (m)
        F.message_unref(m);
    if (reply)
        F.message_unref(reply);
    if (r < 0) {
        if (sd->match)
            sd->match = F.slot_unref(sd->match);
        if (bus)
            F.bus_flush_close_unref(bus);
        return -1;
    }
    sd->bus = bus;
    return 0;
}

static int
sd_connect(struct cgroup_sd *sd, struct bolt_err *err)
{
    const char *env = getenv("DBUS_SYSTEM_BUS_ADDRESS");
    cleanup_free char *why1 = NULL, *why2 = NULL;

    if (sd->bus)
        return 0;
    if (sd_load(err) < 0)
        return -1;
    if (sd_try(sd, env && *env ? env : SD_DEFAULT_BUS, true, &why1) == 0)
        return 0;
    if (geteuid() == 0 && sd_try(sd, SD_PRIVATE_BUS, false, &why2) == 0)
        return 0;
    return bolt_err_set_plain(err, EHOSTDOWN,
                              "--systemd-cgroup: no systemd on D-Bus (tried %s%s%s): %s", why1,
                              why2 ? "; " : "", why2 ? why2 : "", SD_CGROUPFS_FIX);
}

/* Wait for the JobRemoved signal of job. *result is new. */
static int
sd_wait_job(struct cgroup_sd *sd, const char *job, const char *what, char **result,
            struct bolt_err *err)
{
    struct timespec t0, now;
    int r;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    free(sd->job_result);
    sd->job_result = NULL;
    sd->wait_job = job;
    for (;;) {
        int64_t left_us;
        r = F.process(sd->bus, NULL);
        if (r < 0)
            break;
        if (sd->job_result)
            break;
        if (r > 0)
            continue;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left_us = (int64_t)SD_JOB_TIMEOUT * 1000000 - (now.tv_sec - t0.tv_sec) * 1000000
                  - (now.tv_nsec - t0.tv_nsec) / 1000;
        if (left_us <= 0) {
            sd->wait_job = NULL;
            return bolt_err_set_plain(err, ETIMEDOUT,
                                      "systemd did not finish the job %s unit '%s' within %d s "
                                      "(job %s; see 'systemctl status %s')",
                                      what, sd->unit, SD_JOB_TIMEOUT, job, sd->unit);
        }
        r = F.wait(sd->bus, (uint64_t)left_us);
        if (r < 0)
            break;
    }
    sd->wait_job = NULL;
    if (r < 0)
        return bolt_err_set(err, -r, "D-Bus connection to systemd while %s unit '%s'", what,
                            sd->unit);
    *result = steal_ptr(&sd->job_result);
    return 0;
}

static int
append_props(struct cgroup_sd *sd, sd_bus_message *m, pid_t pid)
{
    const struct bolt_oci_resources *res = sd->res;
    bool scope = has_suffix(sd->unit, ".scope");
    int r = 0;

    r = F.message_open_container(m, 'a', "(sv)");
    if (r >= 0)
        r = F.message_append(m, "(sv)", "Description", "s", sd->description);
    if (r >= 0)
        r = F.message_append(m, "(sv)", "Slice", "s", sd->slice);
    if (r >= 0)
        r = F.message_append(m, "(sv)", "DefaultDependencies", "b", 0);
    /* A slice holds no processes and is not delegated; its pids are moved in by hand. */
    if (r >= 0 && scope)
        r = F.message_append(m, "(sv)", "Delegate", "b", 1);
    if (r >= 0 && scope)
        r = F.message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
    if (r >= 0)
        r = F.message_append(m, "(sv)", "MemoryAccounting", "b", 1);
    if (r >= 0)
        r = F.message_append(m, "(sv)", "TasksAccounting", "b", 1);
    if (r >= 0)
        r = F.message_append(m, "(sv)", "CPUAccounting", "b", 1);
    /* The limits systemd knows, so a daemon-reload keeps them; all are also written below. */
    if (r >= 0 && res && res->has_memory_limit && res->memory_limit > 0)
        r = F.message_append(m, "(sv)", "MemoryMax", "t", (uint64_t)res->memory_limit);
    if (r >= 0 && res && res->has_pids_limit)
        r = F.message_append(m, "(sv)", "TasksMax", "t",
                             res->pids_limit > 0 ? (uint64_t)res->pids_limit : UINT64_MAX);
    if (r >= 0 && res && res->has_cpu_shares && res->cpu_shares > 0)
        r = F.message_append(m, "(sv)", "CPUWeight", "t",
                             bolt_cgroup_shares_to_weight(res->cpu_shares));
    if (r >= 0 && res && res->has_cpu_quota && res->cpu_quota > 0) {
        uint64_t period = res->has_cpu_period && res->cpu_period ? res->cpu_period : 100000;
        /* No CPUQuotaPeriodUSec (systemd 242+, refused by older ones): the period itself is
         * written into the cgroup below, the ratio systemd keeps is the same. */
        r = F.message_append(m, "(sv)", "CPUQuotaPerSecUSec", "t",
                             (uint64_t)res->cpu_quota * 1000000ULL / period);
    }
    if (r >= 0)
        r = F.message_close_container(m);
    if (r >= 0)
        r = F.message_append(m, "a(sa(sv))", 0);
    return r;
}

/* Call a Manager method (name, "replace") that returns a job; wait for the job. */
static int
sd_unit_job(struct cgroup_sd *sd, const char *method, pid_t pid, char **result, sd_bus_error *e,
            struct bolt_err *err)
{
    sd_bus_message *m = NULL, *reply = NULL;
    const char *job = NULL;
    cleanup_free char *job_copy = NULL;
    bool start = strcmp(method, "StartTransientUnit") == 0;
    int r;

    r = F.message_new_method_call(sd->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
    if (r >= 0)
        r = F.message_append(m, "ss", sd->unit, "replace");
    if (r >= 0 && start)
        r = append_props(sd, m, pid);
    if (r < 0) {
        if (m)
            F.message_unref(m);
        return bolt_err_set(err, -r, "build the D-Bus %s call for unit '%s'", method, sd->unit);
    }
    r = F.call(sd->bus, m, (uint64_t)SD_JOB_TIMEOUT * 1000000ULL, e, &reply);
    F.message_unref(m);
    if (r < 0 && e->name)
        return -1; /* the caller reads e */
    if (r < 0)
        return bolt_err_set(err, -r, "D-Bus %s of unit '%s'", method, sd->unit);
    r = F.message_read(reply, "o", &job);
    if (r >= 0)
        job_copy = xstrdup(job);
    F.message_unref(reply);
    if (r < 0)
        return bolt_err_set(err, -r, "systemd's reply to %s of unit '%s'", method, sd->unit);
    if (start)
        sd->started = true; /* systemd has the unit now, whatever the job's result */
    if (sd_wait_job(sd, job_copy, start ? "starting" : "stopping", result, err) < 0)
        return -1;
    return 0;
}

static void
sd_unit_from_path(struct cgroup_sd *sd, const struct bolt_systemd_path *p)
{
    sd->unit = xstrdup(p->unit);
    sd->slice = xstrdup(p->slice);
}

struct bolt_cgroup *
cgroup_sd_create(const struct bolt_cgroup_layout *layout, const char *cgroups_path, const char *id,
                 const struct bolt_oci_resources *res, struct bolt_err *err)
{
    struct bolt_systemd_path p;
    struct cgroup_sd *sd;
    struct bolt_cgroup *cg;

    if (bolt_systemd_path_parse(cgroups_path, id, &p, err) < 0)
        return NULL;
    sd = xzalloc(sizeof(*sd));
    sd_unit_from_path(sd, &p);
    sd->description = xasprintf("nvbind container %s", id ? id : p.unit);
    sd->res = res;
    cg = cgroup_handle_new(layout, steal_ptr(&p.path));
    cg->sd = sd;
    bolt_systemd_path_fini(&p);
    /* Reach systemd now, so a host without it fails before any process exists. */
    if (sd_connect(sd, err) < 0) {
        bolt_cgroup_free(cg);
        return NULL;
    }
    log_debug("systemd cgroup driver: unit '%s' in '%s', path '%s'", sd->unit, sd->slice, cg->path);
    return cg;
}

bool
cgroup_sd_defer_devices(struct bolt_cgroup *cg, const struct bolt_oci_device_rule *rules, size_t n)
{
    struct cgroup_sd *sd = cg->sd;

    if (sd == NULL || sd->started)
        return false;
    free(sd->rules);
    sd->rules = n ? xcalloc(n, sizeof(*rules)) : NULL;
    if (n)
        memcpy(sd->rules, rules, n * sizeof(*rules));
    sd->n_rules = n;
    sd->has_rules = true;
    return true;
}

/* Create the scope's path in the hierarchies systemd did not (v1 controllers on hybrid). */
static int
sd_join(struct bolt_cgroup *cg, struct bolt_err *err)
{
    for (size_t h = 0; h < cg->layout->n_hiers; h++) {
        if (access(cg->dirs[h], F_OK) == 0)
            continue;
        if (cgroup_make_dirs(cg, h, err) < 0)
            return bolt_err_wrap(err, "systemd unit '%s': create its cgroup in '%s'", cg->sd->unit,
                                 cg->layout->hiers[h].mount);
    }
    return 0;
}

int
cgroup_sd_start(struct bolt_cgroup *cg, pid_t pid, struct bolt_err *err)
{
    struct cgroup_sd *sd = cg->sd;
    cleanup_free char *result = NULL;
    sd_bus_error e = {0};
    int r;

    if (sd->started)
        return 0;
    if (sd_connect(sd, err) < 0)
        return -1;
    r = sd_unit_job(sd, "StartTransientUnit", pid, &result, &e, err);
    sd_disconnect(sd);
    if (r < 0 && e.name) {
        if (strcmp(e.name, "org.freedesktop.systemd1.UnitExists") == 0)
            bolt_err_set_plain(err, EEXIST,
                               "systemd unit '%s' already exists: another container uses this "
                               "linux.cgroupsPath (or a stale unit is left: systemctl stop %s)",
                               sd->unit, sd->unit);
        else
            bolt_err_set_plain(err, EIO, "systemd refused to start unit '%s': %s%s%s", sd->unit,
                               e.name, e.message ? ": " : "", e.message ? e.message : "");
        F.error_free(&e);
        return -1;
    }
    F.error_free(&e);
    if (r < 0)
        return -1;
    sd->started = true;
    if (strcmp(result, "done") != 0)
        return bolt_err_set_plain(err, EIO,
                                  "systemd could not start unit '%s': job result '%s' (see "
                                  "'journalctl -u %s')",
                                  sd->unit, result, sd->unit);
    if (sd_join(cg, err) < 0 || cgroup_apply_resources(cg, sd->res, err) < 0)
        return -1;
    sd->res = NULL;
    if (sd->has_rules && bolt_cgroup_apply_devices(cg, sd->rules, sd->n_rules, err) < 0)
        return -1;
    log_debug("systemd unit '%s' started with pid %d", sd->unit, (int)pid);
    return 0;
}

bool
cgroup_sd_started(const struct bolt_cgroup *cg)
{
    return cg->sd && cg->sd->started;
}

/* Remove what systemd would have removed, when it cannot be asked to. */
static void
sd_rmdir_leaves(struct bolt_cgroup *cg)
{
    for (size_t h = 0; h < cg->layout->n_hiers; h++)
        if (rmdir(cg->dirs[h]) < 0 && errno != ENOENT)
            log_warn("remove cgroup '%s': %s", cg->dirs[h], strerror(errno));
}

int
cgroup_sd_stop(struct bolt_cgroup *cg, struct bolt_err *err)
{
    struct cgroup_sd *sd = cg->sd;
    cleanup_free char *result = NULL;
    struct bolt_err cerr = {0};
    sd_bus_error e = {0};
    int r;

    if (sd_connect(sd, &cerr) < 0) {
        log_warn("stop systemd unit '%s': %s", sd->unit, cerr.msg);
        sd_rmdir_leaves(cg);
        return 0;
    }
    r = sd_unit_job(sd, "StopUnit", 0, &result, &e, err);
    sd_disconnect(sd);
    if (r < 0 && e.name) {
        bool gone = strcmp(e.name, "org.freedesktop.systemd1.NoSuchUnit") == 0;
        if (!gone)
            bolt_err_set_plain(err, EIO, "systemd refused to stop unit '%s': %s%s%s", sd->unit,
                               e.name, e.message ? ": " : "", e.message ? e.message : "");
        F.error_free(&e);
        return gone ? 0 : -1;
    }
    F.error_free(&e);
    if (r < 0)
        return -1;
    if (strcmp(result, "done") != 0)
        log_warn("systemd unit '%s': stop job result '%s'", sd->unit, result);
    return 0;
}

void
cgroup_sd_to_json(const struct cgroup_sd *sd, json_t *root)
{
    json_object_set_new(root, "systemd",
                        json_pack("{s:s, s:s}", "unit", sd->unit, "slice", sd->slice));
}

int
cgroup_sd_from_json(json_t *root, struct bolt_cgroup *cg, struct bolt_err *err)
{
    json_t *o = json_object_get(root, "systemd");
    const char *unit = json_string_value(json_object_get(o, "unit"));
    const char *slice = json_string_value(json_object_get(o, "slice"));
    cleanup_free char *spath = NULL;
    struct cgroup_sd *sd;

    if (o == NULL)
        return 0;
    if (unit == NULL || slice == NULL || !unit_part_ok(unit)
        || !(has_suffix(unit, ".scope") || has_suffix(unit, ".slice"))
        || bolt_systemd_slice_expand(slice, &spath, NULL) < 0)
        return bolt_err_set(err, EINVAL,
                            "cgroup state: systemd: expected {unit: NAME.scope or NAME.slice, "
                            "slice: NAME.slice}");
    sd = xzalloc(sizeof(*sd));
    sd->unit = xstrdup(unit);
    sd->slice = xstrdup(slice);
    sd->started = true;
    cg->sd = sd;
    return 0;
}
