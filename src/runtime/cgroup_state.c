/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup usage counters, and the handle's serialized form kept in state.json. */
#include "runtime/cgroup.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup_internal.h"
#include "util/fs.h"
#include "util/mem.h"

/* Value of "key N" in a flat keyed file (cpu.stat, memory.stat, memory.events, ...). */
static bool
kv_get(const char *text, const char *key, uint64_t *out)
{
    size_t n = strlen(key);

    for (const char *l = text; l && *l;) {
        if (strncmp(l, key, n) == 0 && l[n] == ' ') {
            *out = strtoull(l + n + 1, NULL, 10);
            return true;
        }
        l = strchr(l, '\n');
        l = l ? l + 1 : NULL;
    }
    return false;
}

/* A single-number file; "max" (v2) and v1's page-rounded LLONG_MAX read as unlimited. */
static bool
read_num(const char *dir, const char *file, uint64_t *out)
{
    cleanup_free char *s = cgroup_read(dir, file, NULL);

    if (s == NULL)
        return false;
    if (strcmp(s, "max") == 0) {
        *out = UINT64_MAX;
        return true;
    }
    *out = strtoull(s, NULL, 10);
    if (*out >= (1ULL << 62))
        *out = UINT64_MAX;
    return true;
}

static uint64_t
kv_file(const char *dir, const char *file, const char *key)
{
    cleanup_free char *s = cgroup_read(dir, file, NULL);
    uint64_t v = 0;

    if (s)
        kv_get(s, key, &v);
    return v;
}

static void
stats_cpu(struct bolt_cgroup *cg, struct bolt_cgroup_stats *st)
{
    int i = cgroup_hier_for(cg->layout, "cpuacct");
    long hz = sysconf(_SC_CLK_TCK);

    if (i >= 0 && !cg->layout->hiers[i].v2) {
        const char *d = cg->dirs[i];
        cleanup_free char *stat = cgroup_read(d, "cpuacct.stat", NULL);
        uint64_t user = 0, sys = 0;
        if (!read_num(d, "cpuacct.usage", &st->cpu_usage_ns))
            return;
        st->has_cpu = true;
        if (stat && kv_get(stat, "user", &user) && kv_get(stat, "system", &sys) && hz > 0) {
            st->cpu_user_ns = user * (1000000000ULL / (uint64_t)hz);
            st->cpu_system_ns = sys * (1000000000ULL / (uint64_t)hz);
        }
        return;
    }
    i = cgroup_unified(cg->layout);
    if (i >= 0) {
        cleanup_free char *stat = cgroup_read(cg->dirs[i], "cpu.stat", NULL);
        uint64_t v = 0;
        if (stat == NULL || !kv_get(stat, "usage_usec", &v))
            return;
        st->has_cpu = true;
        st->cpu_usage_ns = v * 1000;
        if (kv_get(stat, "user_usec", &v))
            st->cpu_user_ns = v * 1000;
        if (kv_get(stat, "system_usec", &v))
            st->cpu_system_ns = v * 1000;
    }
}

static void
stats_memory(struct bolt_cgroup *cg, struct bolt_cgroup_stats *st)
{
    int i = cgroup_hier_for(cg->layout, "memory");
    const char *d;

    if (i < 0)
        return;
    d = cg->dirs[i];
    if (!cg->layout->hiers[i].v2) {
        cleanup_free char *stat = cgroup_read(d, "memory.stat", NULL);
        if (!read_num(d, "memory.usage_in_bytes", &st->memory_usage))
            return;
        st->has_memory = true;
        read_num(d, "memory.max_usage_in_bytes", &st->memory_max_usage);
        read_num(d, "memory.limit_in_bytes", &st->memory_limit);
        read_num(d, "memory.failcnt", &st->memory_failcnt);
        if (stat && !kv_get(stat, "total_cache", &st->memory_cache))
            kv_get(stat, "cache", &st->memory_cache);
        st->oom_kills = kv_file(d, "memory.oom_control", "oom_kill");
        return;
    }
    if (!read_num(d, "memory.current", &st->memory_usage))
        return;
    st->has_memory = true;
    read_num(d, "memory.peak", &st->memory_max_usage);
    read_num(d, "memory.max", &st->memory_limit);
    st->memory_cache = kv_file(d, "memory.stat", "file");
    st->oom_kills = kv_file(d, "memory.events", "oom_kill");
    st->memory_failcnt = kv_file(d, "memory.events", "max");
}

/* v1 blkio.throttle.io_service_bytes_recursive: "MAJ:MIN Read N" / "MAJ:MIN Write N" lines. */
void
cgroup_parse_io_v1(const char *text, struct bolt_cgroup_stats *st)
{
    for (const char *l = text; l && *l;) {
        char dev[32], op[16];
        unsigned long long v;
        if (sscanf(l, "%31s %15s %llu", dev, op, &v) == 3) {
            if (strcmp(op, "Read") == 0)
                st->io_read_bytes += v;
            else if (strcmp(op, "Write") == 0)
                st->io_write_bytes += v;
        }
        l = strchr(l, '\n');
        l = l ? l + 1 : NULL;
    }
}

/* cgroup2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N ..." per device. */
void
cgroup_parse_io_v2(const char *text, struct bolt_cgroup_stats *st)
{
    for (const char *l = text; l && *l;) {
        const char *r = strstr(l, " rbytes="), *w = strstr(l, " wbytes=");
        const char *e = strchr(l, '\n');
        if (r && (!e || r < e))
            st->io_read_bytes += strtoull(r + 8, NULL, 10);
        if (w && (!e || w < e))
            st->io_write_bytes += strtoull(w + 8, NULL, 10);
        l = e ? e + 1 : NULL;
    }
}

static void
stats_io(struct bolt_cgroup *cg, struct bolt_cgroup_stats *st)
{
    int i = cgroup_hier_for(cg->layout, "blkio");
    cleanup_free char *text = NULL;

    if (i >= 0 && !cg->layout->hiers[i].v2) {
        text = cgroup_read(cg->dirs[i], "blkio.throttle.io_service_bytes_recursive", NULL);
        if (text == NULL)
            text = cgroup_read(cg->dirs[i], "blkio.io_service_bytes_recursive", NULL);
        if (text) {
            st->has_io = true;
            cgroup_parse_io_v1(text, st);
        }
        return;
    }
    i = cgroup_hier_for(cg->layout, "io");
    if (i >= 0 && (text = cgroup_read(cg->dirs[i], "io.stat", NULL)) != NULL) {
        st->has_io = true;
        cgroup_parse_io_v2(text, st);
    }
}

int
bolt_cgroup_stats(struct bolt_cgroup *cg, struct bolt_cgroup_stats *st, struct bolt_err *err)
{
    int i = cgroup_hier_for(cg->layout, "pids");

    memset(st, 0, sizeof(*st));
    st->memory_limit = UINT64_MAX;
    st->pids_limit = UINT64_MAX;
    for (size_t h = 0; h < cg->layout->n_hiers; h++) {
        if (access(cg->dirs[h], F_OK) < 0)
            return bolt_err_set(err, errno, "stats of cgroup '%s'", cg->dirs[h]);
    }
    stats_cpu(cg, st);
    stats_memory(cg, st);
    stats_io(cg, st);
    if (i >= 0 && read_num(cg->dirs[i], "pids.current", &st->pids_current)) {
        st->has_pids = true;
        read_num(cg->dirs[i], "pids.max", &st->pids_limit);
    }
    return 0;
}

char *
bolt_cgroup_to_string(const struct bolt_cgroup *cg)
{
    json_t *root = json_object(), *hiers = json_array(), *created = json_array();
    char *s;

    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "mode", json_string(bolt_cgroup_mode_name(cg->layout->mode)));
    json_object_set_new(root, "path", json_string(cg->path));
    for (size_t i = 0; i < cg->layout->n_hiers; i++) {
        const struct bolt_cgroup_hier *h = &cg->layout->hiers[i];
        json_t *o = json_object(), *ctl = json_array();
        for (size_t j = 0; h->controllers && h->controllers[j]; j++)
            json_array_append_new(ctl, json_string(h->controllers[j]));
        json_object_set_new(o, "v2", json_boolean(h->v2));
        json_object_set_new(o, "mount", json_string(h->mount));
        json_object_set_new(o, "root", json_string(h->root ? h->root : "/"));
        json_object_set_new(o, "controllers", ctl);
        json_array_append_new(hiers, o);
    }
    for (size_t i = 0; cg->created && cg->created[i]; i++)
        json_array_append_new(created, json_string(cg->created[i]));
    json_object_set_new(root, "hierarchies", hiers);
    json_object_set_new(root, "created", created);
    if (cg->sd)
        cgroup_sd_to_json(cg->sd, root);
    s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (s == NULL)
        abort(); /* only on OOM */
    return s;
}

static bool
safe_abs(const char *p)
{
    return p && p[0] == '/' && strstr(p, "/../") == NULL
           && (strlen(p) < 3 || strcmp(p + strlen(p) - 3, "/..") != 0);
}

static int
parse_hier(json_t *o, size_t i, struct bolt_cgroup_hier *h, struct bolt_err *err)
{
    json_t *ctl = json_object_get(o, "controllers");
    const char *mount = json_string_value(json_object_get(o, "mount"));
    const char *root = json_string_value(json_object_get(o, "root"));
    size_t j;
    json_t *c;

    if (!json_is_object(o) || !safe_abs(mount) || !json_is_boolean(json_object_get(o, "v2"))
        || !json_is_array(ctl))
        return bolt_err_set(err, EINVAL,
                            "cgroup state: hierarchies[%zu]: expected {v2, mount (absolute), "
                            "root, controllers[]}",
                            i);
    h->v2 = json_is_true(json_object_get(o, "v2"));
    h->mount = xstrdup(mount);
    h->root = xstrdup(root ? root : "/");
    json_array_foreach(ctl, j, c)
    {
        if (!json_is_string(c))
            return bolt_err_set(err, EINVAL,
                                "cgroup state: hierarchies[%zu].controllers[%zu]: "
                                "expected string",
                                i, j);
        bolt_strv_push(&h->controllers, json_string_value(c));
    }
    return 0;
}

/* A created directory must lie inside one of the hierarchies and on the cgroup's path. */
static bool
created_ok(const struct bolt_cgroup *cg, const char *d)
{
    if (!safe_abs(d))
        return false;
    for (size_t i = 0; i < cg->layout->n_hiers; i++) {
        size_t n = strlen(cg->layout->hiers[i].mount);
        size_t m = strlen(d);
        if (strncmp(d, cg->layout->hiers[i].mount, n) == 0 && d[n] == '/'
            && strncmp(cg->dirs[i], d, m) == 0 && (cg->dirs[i][m] == '/' || cg->dirs[i][m] == '\0'))
            return true;
    }
    return false;
}

static struct bolt_cgroup *
from_json(json_t *root, struct bolt_err *err)
{
    struct bolt_cgroup_layout *l = xzalloc(sizeof(*l));
    struct bolt_cgroup *cg = NULL;
    json_t *hiers = json_object_get(root, "hierarchies"),
           *created = json_object_get(root, "created");
    const char *mode = json_string_value(json_object_get(root, "mode"));
    const char *path = json_string_value(json_object_get(root, "path"));
    size_t i;
    json_t *v;

    if (json_integer_value(json_object_get(root, "version")) != 1 || !json_is_array(hiers)
        || !json_is_array(created) || mode == NULL || !safe_abs(path) || strlen(path) < 2) {
        bolt_err_set(err, EINVAL,
                     "cgroup state: expected {version: 1, mode, path (absolute), "
                     "hierarchies[], created[]}");
        goto fail;
    }
    l->mode = strcmp(mode, "v1") == 0       ? BOLT_CGROUP_V1
              : strcmp(mode, "v2") == 0     ? BOLT_CGROUP_V2
              : strcmp(mode, "hybrid") == 0 ? BOLT_CGROUP_HYBRID
                                            : 0;
    if (l->mode == 0) {
        bolt_err_set(err, EINVAL, "cgroup state: mode '%s': expected v1, v2 or hybrid", mode);
        goto fail;
    }
    l->hiers = xcalloc(json_array_size(hiers) + 1, sizeof(*l->hiers));
    json_array_foreach(hiers, i, v)
    {
        l->n_hiers = i + 1;
        if (parse_hier(v, i, &l->hiers[i], err) < 0)
            goto fail;
    }
    cg = xzalloc(sizeof(*cg));
    cg->layout = steal_ptr(&l);
    cg->path = xstrdup(path);
    cg->dirs = xcalloc(cg->layout->n_hiers + 1, sizeof(char *));
    for (i = 0; i < cg->layout->n_hiers; i++)
        cg->dirs[i] = xasprintf("%s%s", cg->layout->hiers[i].mount, path);
    json_array_foreach(created, i, v)
    {
        if (!created_ok(cg, json_string_value(v))) {
            bolt_err_set(err, EINVAL,
                         "cgroup state: created[%zu]: expected a directory on the path '%s' of "
                         "one hierarchy",
                         i, path);
            goto fail;
        }
        bolt_strv_push(&cg->created, json_string_value(v));
    }
    if (cgroup_sd_from_json(root, cg, err) < 0)
        goto fail;
    return cg;
fail:
    bolt_cgroup_layout_free(l);
    bolt_cgroup_free(cg);
    return NULL;
}

struct bolt_cgroup *
bolt_cgroup_from_string(const char *s, struct bolt_err *err)
{
    json_error_t jerr;
    json_t *root = json_loads(s ? s : "", 0, &jerr);
    struct bolt_cgroup *cg;

    if (root == NULL) {
        bolt_err_set(err, EINVAL, "cgroup state: invalid JSON at column %d: %s", jerr.column,
                     jerr.text);
        return NULL;
    }
    cg = from_json(root, err);
    json_decref(root);
    return cg;
}

/* Path of the line of hierarchy h (v1 controller name, or "" for the 0:: cgroup2 line). */
static const char *
proc_line_path(char *text, const char *ctl)
{
    char *save = NULL;

    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        bool match = false;
        if (c2 == NULL)
            continue;
        *c2 = '\0';
        if (ctl[0] == '\0') {
            match = c1[1] == '\0';
        } else {
            char *s2 = NULL;
            for (char *w = strtok_r(c1 + 1, ",", &s2); w && !match; w = strtok_r(NULL, ",", &s2))
                match = strcmp(w, ctl) == 0;
        }
        if (match)
            return c2 + 1;
    }
    return NULL;
}

char *
cgroup_proc_path(const char *text, const struct bolt_cgroup_layout *l, struct bolt_err *err)
{
    static const char *const order[] = {"pids", "memory", ""};

    for (size_t k = 0; k < 3; k++) {
        int h = order[k][0] ? cgroup_hier_for(l, order[k]) : cgroup_unified(l);
        cleanup_free char *copy = xstrdup(text);
        const char *p, *root;
        size_t rn;
        if (h < 0 || (order[k][0] && l->hiers[h].v2))
            continue;
        p = proc_line_path(copy, order[k]);
        if (p == NULL || p[0] != '/')
            continue;
        /* A mount of a sub-tree (mountinfo root "/a") shows "/a/b" as "/b". */
        root = l->hiers[h].root ? l->hiers[h].root : "/";
        rn = strlen(root);
        if (rn > 1 && strncmp(p, root, rn) == 0 && (p[rn] == '/' || p[rn] == '\0'))
            p += rn;
        if (p[0] == '\0' || strcmp(p, "/") == 0) {
            bolt_err_set(err, EINVAL, "the process is in the root cgroup");
            return NULL;
        }
        return xstrdup(p);
    }
    bolt_err_set(err, ENOENT, "no pids, memory or cgroup2 line in /proc/<pid>/cgroup");
    return NULL;
}

struct bolt_cgroup *
bolt_cgroup_from_pid(pid_t pid, struct bolt_err *err)
{
    char file[64];
    cleanup_free char *text = NULL;
    struct bolt_cgroup_layout *l;
    struct bolt_cgroup *cg;
    char *path;

    snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
    text = bolt_read_file(file, NULL, err);
    if (text == NULL)
        return NULL;
    l = bolt_cgroup_layout_detect(NULL, err);
    if (l == NULL)
        return NULL;
    path = cgroup_proc_path(text, l, err);
    if (path == NULL) {
        bolt_cgroup_layout_free(l);
        bolt_err_wrap(err, "cgroup of pid %d", (int)pid);
        return NULL;
    }
    cg = xzalloc(sizeof(*cg));
    cg->layout = l;
    cg->path = path;
    cg->dirs = xcalloc(l->n_hiers + 1, sizeof(char *));
    for (size_t i = 0; i < l->n_hiers; i++)
        cg->dirs[i] = xasprintf("%s%s", l->hiers[i].mount, path);
    return cg;
}
