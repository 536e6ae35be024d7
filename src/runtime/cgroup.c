/* SPDX-License-Identifier: Apache-2.0 */
/* Container cgroups: create, enter, devices, freeze, kill, list, destroy. */
#include "runtime/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup_internal.h"
#include "runtime/cgroup_systemd.h"
#include "util/log.h"
#include "util/mem.h"

static void
sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static bool
strv_has(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static bool
has_word(const char *list, const char *w)
{
    size_t n = strlen(w);

    for (const char *p = list; p && (p = strstr(p, w)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
            return true;
    return false;
}

/* cgroup2: enable in dir's cgroup.subtree_control every controller dir has. */
static void
enable_subtree(const char *dir)
{
    cleanup_free char *avail = cgroup_read(dir, "cgroup.controllers", NULL);
    cleanup_free char *enabled = cgroup_read(dir, "cgroup.subtree_control", NULL);
    char *save = NULL;

    if (avail == NULL)
        return;
    for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
        cleanup_free char *plus = NULL;
        struct bolt_err e = {0};
        if (has_word(enabled, c))
            continue;
        plus = xasprintf("+%s", c);
        if (cgroup_write(dir, "cgroup.subtree_control", plus, &e) < 0)
            log_warn("enable the %s controller for children of '%s': %s", c, dir,
                     strerror(e.errnum));
    }
}

/* v1 cpuset: a new cgroup has empty cpus/mems and no task can join it until they are set. */
static int
cpuset_fill(const char *parent, const char *dir, struct bolt_err *err)
{
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

    for (size_t i = 0; i < 2; i++) {
        cleanup_free char *cur = cgroup_read(dir, files[i], NULL);
        cleanup_free char *from = NULL;
        if (cur && cur[0])
            continue;
        from = cgroup_read(parent, files[i], err);
        if (from == NULL)
            return -1;
        if (from[0] && cgroup_write(dir, files[i], from, err) < 0)
            return -1;
    }
    return 0;
}

static void
add_created(struct bolt_cgroup *cg, const char *dir)
{
    bolt_strv_push(&cg->created, dir);
}

/* mkdir every component of cg->path in hierarchy h. ENOENT (a parent removed by a
 * concurrent destroy) is returned as is so the caller can retry. */
int
cgroup_make_dirs(struct bolt_cgroup *cg, size_t h, struct bolt_err *err)
{
    const struct bolt_cgroup_hier *hi = &cg->layout->hiers[h];
    cleanup_free char *cur = xstrdup(hi->mount);
    bool cpuset = !hi->v2 && strv_has(hi->controllers, "cpuset");
    const char *p = cg->path;

    while (*p == '/') {
        const char *end = strchr(p + 1, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char *next = xasprintf("%s%.*s", cur, (int)len, p);
        cleanup_free char *parent = cur;
        cur = next;
        p += len;
        if (hi->v2)
            enable_subtree(parent);
        if (mkdir(cur, 0755) < 0) {
            if (errno != EEXIST)
                return bolt_err_set(err, errno, "mkdir cgroup '%s'", cur);
            if (*p == '\0')
                return bolt_err_set(err, EEXIST,
                                    "cgroup '%s' already exists: another container uses this "
                                    "linux.cgroupsPath (or a stale one is left; rmdir it)",
                                    cur);
            continue;
        }
        add_created(cg, cur);
        if (cpuset && cpuset_fill(parent, cur, err) < 0)
            return -1;
    }
    return 0;
}

static int destroy(struct bolt_cgroup *cg, bool kill, struct bolt_err *err);

struct bolt_cgroup *
cgroup_handle_new(const struct bolt_cgroup_layout *layout, char *path)
{
    struct bolt_cgroup *cg = xzalloc(sizeof(*cg));

    cg->layout = cgroup_layout_dup(layout);
    cg->path = path;
    cg->dirs = xcalloc(layout->n_hiers + 1, sizeof(char *));
    for (size_t i = 0; i < layout->n_hiers; i++)
        cg->dirs[i] = xasprintf("%s%s", layout->hiers[i].mount, path);
    return cg;
}

struct bolt_cgroup *
bolt_cgroup_create_in(const struct bolt_cgroup_layout *layout, const char *cgroups_path,
                      const char *id, const struct bolt_oci_resources *res, struct bolt_err *err)
{
    struct bolt_cgroup *cg;
    char *path = NULL;

    if (bolt_cgroup_get_driver() == BOLT_CGROUP_DRIVER_SYSTEMD)
        return cgroup_sd_create(layout, cgroups_path, id, res, err);
    if (bolt_cgroup_path_resolve(cgroups_path, id, &path, err) < 0)
        return NULL;
    cg = cgroup_handle_new(layout, path);
    for (size_t h = 0; h < layout->n_hiers; h++) {
        struct bolt_err e = {0};
        int rc = -1;
        for (int attempt = 0; attempt < 10 && rc < 0; attempt++) {
            bolt_err_clear(&e);
            rc = cgroup_make_dirs(cg, h, &e);
            if (rc < 0 && e.errnum != ENOENT)
                break;
        }
        if (rc < 0) {
            if (err)
                *err = e;
            goto fail;
        }
    }
    if (cgroup_apply_resources(cg, res, err) < 0)
        goto fail;
    log_debug("created cgroup '%s' (%s, %zu hierarchies)", cg->path,
              bolt_cgroup_mode_name(layout->mode), layout->n_hiers);
    return cg;
fail:
    destroy(cg, false, NULL);
    bolt_cgroup_free(cg);
    return NULL;
}

struct bolt_cgroup *
bolt_cgroup_create(const char *cgroups_path, const char *id, const struct bolt_oci_resources *res,
                   struct bolt_err *err)
{
    struct bolt_cgroup_layout *l = bolt_cgroup_layout_detect(NULL, err);
    struct bolt_cgroup *cg;

    if (l == NULL)
        return NULL;
    cg = bolt_cgroup_create_in(l, cgroups_path, id, res, err);
    bolt_cgroup_layout_free(l);
    return cg;
}

int
bolt_cgroup_enter(struct bolt_cgroup *cg, pid_t pid, struct bolt_err *err)
{
    char buf[32];

    /* systemd driver: the first enter starts the scope with pid in it, then joins the rest */
    if (cg->sd && cgroup_sd_start(cg, pid, err) < 0)
        return -1;
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    for (size_t i = 0; i < cg->layout->n_hiers; i++) {
        if (cgroup_write(cg->dirs[i], "cgroup.procs", buf, err) == 0)
            continue;
        if (err && err->errnum == EINVAL && strv_has(cg->layout->hiers[i].controllers, "cpu"))
            return bolt_err_wrap(err,
                                 "move pid %d into cgroup (a real-time process needs a "
                                 "real-time budget in its cgroup)",
                                 (int)pid);
        return bolt_err_wrap(err, "move pid %d into cgroup", (int)pid);
    }
    return 0;
}

int
bolt_cgroup_clone_fd(const struct bolt_cgroup *cg, struct bolt_err *err)
{
    int fd;

    if (cg->sd)
        return bolt_err_set(err, EOPNOTSUPP,
                            "clone into cgroup '%s': systemd creates it when the process exists",
                            cg->path);
    if (cg->layout->mode != BOLT_CGROUP_V2 || cg->layout->n_hiers != 1)
        return bolt_err_set(err, EOPNOTSUPP,
                            "clone into cgroup '%s': only on a pure cgroup2 layout (this is %s)",
                            cg->path, bolt_cgroup_mode_name(cg->layout->mode));
    fd = open(cg->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return bolt_err_set(err, errno, "open cgroup '%s'", cg->dirs[0]);
    return fd;
}

/* v1 devices.allow/deny line for a rule. */
static void
v1_rule_line(const struct bolt_oci_device_rule *r, char type, char *buf, size_t len)
{
    char maj[24] = "*", min[24] = "*";

    if (r->major >= 0)
        snprintf(maj, sizeof(maj), "%" PRId64, r->major);
    if (r->minor >= 0)
        snprintf(min, sizeof(min), "%" PRId64, r->minor);
    snprintf(buf, len, "%c %s:%s %s", type, maj, min, r->access[0] ? r->access : "rwm");
}

static int
apply_devices_v1(const char *dir, const struct bolt_oci_device_rule *rules, size_t n,
                 struct bolt_err *err)
{
    struct bpf_insn *unused = NULL;
    size_t n_unused = 0;
    char line[80];

    /* Same validation as the eBPF path, so both layouts refuse the same rules. */
    if (bolt_cgroup_bpf_build(rules, n, &unused, &n_unused, err) < 0)
        return -1;
    free(unused);
    /* Start from "allow everything", as a new cgroup does, unless rule 0 resets anyway. */
    if (!(rules[0].type == 'a' && rules[0].major < 0 && rules[0].minor < 0))
        cgroup_write(dir, "devices.allow", "a", NULL);
    for (size_t i = 0; i < n; i++) {
        const struct bolt_oci_device_rule *r = &rules[i];
        const char *file = r->allow ? "devices.allow" : "devices.deny";
        if (r->type == 'a' && r->major < 0 && r->minor < 0) {
            if (cgroup_write(dir, file, "a", err) < 0)
                return -1;
            continue;
        }
        for (int k = 0; k < 2; k++) {
            char type = r->type == 'a' ? (k == 0 ? 'c' : 'b') : r->type;
            if (k == 1 && r->type != 'a')
                break;
            v1_rule_line(r, type, line, sizeof(line));
            if (cgroup_write(dir, file, line, err) < 0)
                return bolt_err_wrap(err, "linux.resources.devices[%zu]", i);
        }
    }
    return 0;
}

int
bolt_cgroup_apply_devices(struct bolt_cgroup *cg, const struct bolt_oci_device_rule *rules,
                          size_t n, struct bolt_err *err)
{
    int i;

    if (n == 0 || cgroup_sd_defer_devices(cg, rules, n))
        return 0;
    i = cgroup_hier_for(cg->layout, "devices");
    if (i >= 0 && !cg->layout->hiers[i].v2)
        return apply_devices_v1(cg->dirs[i], rules, n, err);
    i = cgroup_unified(cg->layout);
    if (i < 0)
        return bolt_err_set(err, EOPNOTSUPP,
                            "device rules: this host has neither the v1 devices controller nor "
                            "a cgroup2 hierarchy for an eBPF device program");
    return cgroup_bpf_attach_rules(cg->dirs[i], rules, n, err);
}

/* The hierarchy whose cgroup.procs lists the container's processes. */
static const char *
procs_dir(const struct bolt_cgroup *cg)
{
    int i = -1;

    if (cg->layout->mode != BOLT_CGROUP_V2) {
        i = cgroup_hier_for(cg->layout, "pids");
        if (i < 0 || cg->layout->hiers[i].v2)
            i = cgroup_hier_for(cg->layout, "freezer");
        if (i >= 0 && cg->layout->hiers[i].v2)
            i = -1;
        for (size_t h = 0; i < 0 && h < cg->layout->n_hiers; h++)
            if (!cg->layout->hiers[h].v2)
                i = (int)h;
    }
    if (i < 0)
        i = cgroup_unified(cg->layout);
    return i >= 0 ? cg->dirs[i] : NULL;
}

static int
cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

    return (x > y) - (x < y);
}

int
bolt_cgroup_pids(struct bolt_cgroup *cg, pid_t **pids, size_t *n, struct bolt_err *err)
{
    const char *dir = procs_dir(cg);
    cleanup_free char *s = NULL;
    pid_t *v = NULL;
    size_t cnt = 0, cap = 0;
    char *save = NULL;

    if (dir == NULL)
        return bolt_err_set(err, ENOENT, "cgroup '%s' has no hierarchy", cg->path);
    s = cgroup_read(dir, "cgroup.procs", err);
    if (s == NULL)
        return -1;
    for (char *w = strtok_r(s, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            v = xreallocarray(v, cap, sizeof(*v));
        }
        v[cnt++] = (pid_t)strtol(w, NULL, 10);
    }
    if (cnt > 1)
        qsort(v, cnt, sizeof(*v), cmp_pid);
    *pids = v;
    *n = cnt;
    return 0;
}

bool
bolt_cgroup_is_empty(struct bolt_cgroup *cg)
{
    cleanup_free pid_t *pids = NULL;
    size_t n = 0;

    if (bolt_cgroup_pids(cg, &pids, &n, NULL) < 0)
        return true;
    return n == 0;
}

/* Write the request, then poll until the state file reports it (v1 may stay FREEZING). */
static int
freeze_wait(const char *dir, const char *file, const char *val, const char *state_file,
            const char *want, struct bolt_err *err)
{
    for (int i = 0; i < 400; i++) {
        cleanup_free char *st = NULL;
        if (cgroup_write(dir, file, val, err) < 0)
            return -1;
        st = cgroup_read(dir, state_file, err);
        if (st == NULL)
            return -1;
        if (strstr(st, want))
            return 0;
        sleep_ms(i < 20 ? 1 : 5);
    }
    return bolt_err_set(err, ETIMEDOUT, "cgroup '%s' did not reach '%s' in 2 s", dir, want);
}

int
bolt_cgroup_freeze(struct bolt_cgroup *cg, bool frozen, struct bolt_err *err)
{
    int i = cgroup_hier_for(cg->layout, "freezer");

    if (i >= 0 && !cg->layout->hiers[i].v2)
        return freeze_wait(cg->dirs[i], "freezer.state", frozen ? "FROZEN" : "THAWED",
                           "freezer.state", frozen ? "FROZEN" : "THAWED", err);
    i = cgroup_unified(cg->layout);
    if (i < 0 || !cgroup_has_file(cg->dirs[i], "cgroup.freeze"))
        return bolt_err_set(err, EOPNOTSUPP,
                            "freeze cgroup '%s': no v1 freezer controller and no cgroup2 "
                            "cgroup.freeze",
                            cg->path);
    return freeze_wait(cg->dirs[i], "cgroup.freeze", frozen ? "1" : "0", "cgroup.events",
                       frozen ? "frozen 1" : "frozen 0", err);
}

int
bolt_cgroup_kill_all(struct bolt_cgroup *cg, int sig, struct bolt_err *err)
{
    cleanup_free pid_t *pids = NULL;
    size_t n = 0;
    bool frozen = false, self = false;
    int u = cgroup_unified(cg->layout);

    if (bolt_cgroup_pids(cg, &pids, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        self |= pids[i] == getpid();
    if (n == 0)
        return 0;
    /* Never freeze or kill the caller itself (a runtime running inside the cgroup). */
    if (!self && sig == SIGKILL && cg->layout->mode == BOLT_CGROUP_V2 && u >= 0
        && cgroup_has_file(cg->dirs[u], "cgroup.kill"))
        return cgroup_write(cg->dirs[u], "cgroup.kill", "1", err);
    /* Frozen, no process can fork a child we would miss: list again once frozen. */
    if (!self && bolt_cgroup_freeze(cg, true, NULL) == 0) {
        frozen = true;
        free(pids);
        pids = NULL;
        if (bolt_cgroup_pids(cg, &pids, &n, err) < 0) {
            bolt_cgroup_freeze(cg, false, NULL);
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (pids[i] != getpid() && kill(pids[i], sig) < 0 && errno != ESRCH)
            log_warn("kill pid %d in cgroup '%s': %s", (int)pids[i], cg->path, strerror(errno));
    if (frozen && bolt_cgroup_freeze(cg, false, err) < 0)
        return -1;
    return 0;
}

/* SIGKILL everything left and wait (up to 2 s) until the cgroup is empty. */
static void
kill_leftovers(struct bolt_cgroup *cg)
{
    for (int i = 0; i < 200 && !bolt_cgroup_is_empty(cg); i++) {
        if (i % 20 == 0)
            bolt_cgroup_kill_all(cg, SIGKILL, NULL);
        sleep_ms(10);
    }
}

static bool
is_leaf(const struct bolt_cgroup *cg, const char *dir)
{
    for (size_t i = 0; i < cg->layout->n_hiers; i++)
        if (strcmp(cg->dirs[i], dir) == 0)
            return true;
    return false;
}

static int
rmdir_retry(const char *dir)
{
    for (int i = 0; i < 50; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            return -1;
        sleep_ms(10); /* exiting processes leave the cgroup asynchronously */
    }
    return -1;
}

/*
 * Directories under /bolt belong to bolt whoever made them: remove the empty ancestors
 * of the leaf up to /bolt, so the last container out leaves nothing behind. A concurrent
 * create that loses its parent here retries (make_dirs returns ENOENT).
 */
static void
remove_bolt_parents(const struct bolt_cgroup *cg)
{
    if (strncmp(cg->path, "/bolt/", 6) != 0)
        return;
    for (size_t h = 0; h < cg->layout->n_hiers; h++) {
        cleanup_free char *d = xstrdup(cg->dirs[h]);
        size_t floor = strlen(cg->layout->hiers[h].mount) + strlen("/bolt");
        char *slash;
        while ((slash = strrchr(d, '/')) != NULL && (size_t)(slash - d) >= floor) {
            *slash = '\0';
            if (rmdir(d) < 0)
                break;
        }
    }
}

/* kill false: a create that failed, whose path may hold another container's processes
 * (its leaf existed: EEXIST) and none of its own, only removes the directories it made. */
static int
destroy(struct bolt_cgroup *cg, bool kill, struct bolt_err *err)
{
    size_t n = bolt_strv_len(cg->created);
    int rc = 0;

    /* systemd driver: a unit this handle never started (e.g. it already existed for another
     * container) is not ours to empty or stop. */
    if (kill && (cg->sd == NULL || cgroup_sd_started(cg)))
        kill_leftovers(cg);
    if (cg->sd && cgroup_sd_started(cg) && cgroup_sd_stop(cg, err) < 0)
        rc = -1;
    for (size_t i = n; i > 0; i--) {
        const char *d = cg->created[i - 1];
        if (is_leaf(cg, d)) {
            if (rmdir_retry(d) < 0 && rc == 0)
                rc = bolt_err_set(err, errno, "remove cgroup '%s'", d);
        } else if (rmdir(d) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY) {
            log_warn("remove cgroup parent '%s': %s", d, strerror(errno));
        }
    }
    if (n > 0 && rc == 0)
        remove_bolt_parents(cg);
    return rc;
}

int
bolt_cgroup_destroy(struct bolt_cgroup *cg, struct bolt_err *err)
{
    return destroy(cg, true, err);
}

void
bolt_cgroup_free(struct bolt_cgroup *cg)
{
    if (cg == NULL)
        return;
    bolt_cgroup_layout_free(cg->layout);
    free(cg->path);
    bolt_strv_free(cg->dirs);
    bolt_strv_free(cg->created);
    cgroup_sd_free(cg->sd);
    free(cg);
}

const char *
bolt_cgroup_path(const struct bolt_cgroup *cg)
{
    return cg->path;
}

enum bolt_cgroup_mode
bolt_cgroup_mode(const struct bolt_cgroup *cg)
{
    return cg->layout->mode;
}

const char *
bolt_cgroup_dir(const struct bolt_cgroup *cg, const char *controller)
{
    int i = controller ? cgroup_hier_for(cg->layout, controller) : cgroup_unified(cg->layout);

    return i >= 0 ? cg->dirs[i] : NULL;
}
