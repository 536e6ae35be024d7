/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup layout detection, cgroupsPath resolution and value conversions (no cgroup writes). */
#include "runtime/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/cgroup_internal.h"
#include "util/fs.h"
#include "util/mem.h"

#define DEFAULT_UNDER  "/sys/fs/cgroup"
#define DEFAULT_PARENT "/bolt"

const char *
bolt_cgroup_mode_name(enum bolt_cgroup_mode mode)
{
    switch (mode) {
    case BOLT_CGROUP_V1:
        return "v1";
    case BOLT_CGROUP_V2:
        return "v2";
    case BOLT_CGROUP_HYBRID:
        return "hybrid";
    default:
        return "unknown";
    }
}

/* Undo mountinfo's octal escapes (\040 for a space, \011, \012, \134) in place. */
static void
unescape_octal(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0'
            && r[3] <= '7') {
            *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
            r += 3;
            continue;
        }
        *w++ = *r;
    }
    *w = '\0';
}

/* Is word a controller name listed in /proc/cgroups (first column)? */
static bool
in_proc_cgroups(const char *proc_cgroups, const char *word)
{
    size_t n = strlen(word);

    for (const char *l = proc_cgroups; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        if (l[0] != '#' && len > n && strncmp(l, word, n) == 0 && (l[n] == '\t' || l[n] == ' '))
            return true;
        l = e ? e + 1 : NULL;
    }
    return false;
}

/* Mount options of a v1 cgroup superblock that are not controllers. */
static bool
is_plain_option(const char *w)
{
    static const char *const plain[] = {"rw",
                                        "ro",
                                        "noprefix",
                                        "xattr",
                                        "clone_children",
                                        "cpuset_v2_mode",
                                        "favordynmods",
                                        "nsdelegate",
                                        "memory_recursiveprot",
                                        "memory_localevents",
                                        NULL};

    for (size_t i = 0; plain[i]; i++)
        if (strcmp(w, plain[i]) == 0)
            return true;
    return strncmp(w, "release_agent=", 14) == 0;
}

static char **
v1_controllers(const char *superopts, const char *proc_cgroups)
{
    cleanup_free char *copy = xstrdup(superopts);
    char **out = NULL;
    char *save = NULL;

    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        bool ctl;
        if (strncmp(w, "name=", 5) == 0)
            ctl = w[5] != '\0';
        else if (proc_cgroups)
            ctl = in_proc_cgroups(proc_cgroups, w);
        else
            ctl = !is_plain_option(w) && strchr(w, '=') == NULL;
        if (ctl)
            bolt_strv_push(&out, w);
    }
    return out;
}

static bool
path_at_or_below(const char *path, const char *under)
{
    size_t n = strlen(under);

    while (n > 1 && under[n - 1] == '/')
        n--;
    if (n == 1 && under[0] == '/')
        return path[0] == '/';
    return strncmp(path, under, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool
same_controllers(char **a, char **b)
{
    size_t na = bolt_strv_len(a);

    if (na != bolt_strv_len(b))
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

static void
layout_add(struct bolt_cgroup_layout *l, bool v2, const char *mount, const char *root,
           char **controllers)
{
    for (size_t i = 0; i < l->n_hiers; i++) {
        /* A hierarchy mounted twice (bind mounts, nested containers): keep the first. */
        if (l->hiers[i].v2 == v2
            && (v2 || same_controllers(l->hiers[i].controllers, controllers))) {
            bolt_strv_free(controllers);
            return;
        }
    }
    l->hiers = xreallocarray(l->hiers, l->n_hiers + 1, sizeof(*l->hiers));
    l->hiers[l->n_hiers++] = (struct bolt_cgroup_hier){
        .v2 = v2, .mount = xstrdup(mount), .root = xstrdup(root), .controllers = controllers};
}

/* Fields of one mountinfo line: root (4th), mount point (5th), fstype and superopts. */
static void
parse_line(struct bolt_cgroup_layout *l, char *line, const char *proc_cgroups, const char *under)
{
    char *f[6] = {0};
    char *save = NULL, *sep, *fstype, *superopts;
    size_t i = 0;

    sep = strstr(line, " - ");
    if (sep == NULL)
        return;
    *sep = '\0';
    for (char *w = strtok_r(line, " ", &save); w && i < 6; w = strtok_r(NULL, " ", &save))
        f[i++] = w;
    if (i < 5)
        return;
    save = NULL;
    fstype = strtok_r(sep + 3, " ", &save);
    (void)strtok_r(NULL, " ", &save); /* source */
    superopts = strtok_r(NULL, " ", &save);
    if (fstype == NULL)
        return;
    unescape_octal(f[3]);
    unescape_octal(f[4]);
    if (!path_at_or_below(f[4], under))
        return;
    if (strcmp(fstype, "cgroup2") == 0) {
        layout_add(l, true, f[4], f[3], NULL);
    } else if (strcmp(fstype, "cgroup") == 0 && superopts) {
        char **ctl = v1_controllers(superopts, proc_cgroups);
        if (ctl == NULL)
            return;
        layout_add(l, false, f[4], f[3], ctl);
    }
}

struct bolt_cgroup_layout *
bolt_cgroup_layout_parse(const char *mountinfo, const char *proc_cgroups, const char *under,
                         struct bolt_err *err)
{
    struct bolt_cgroup_layout *l = xzalloc(sizeof(*l));
    cleanup_free char *copy = xstrdup(mountinfo ? mountinfo : "");
    char *save = NULL;
    bool v1 = false, v2 = false;

    if (under == NULL || under[0] == '\0')
        under = DEFAULT_UNDER;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        parse_line(l, line, proc_cgroups, under);
    for (size_t i = 0; i < l->n_hiers; i++) {
        if (l->hiers[i].v2)
            v2 = true;
        else
            v1 = true;
    }
    if (!v1 && !v2) {
        bolt_cgroup_layout_free(l);
        bolt_err_set(err, ENOENT,
                     "no cgroup or cgroup2 filesystem is mounted at or below '%s' (see "
                     "/proc/self/mountinfo); mount one, e.g. 'mount -t cgroup2 none %s'",
                     under, under);
        return NULL;
    }
    l->mode = v1 && v2 ? BOLT_CGROUP_HYBRID : v2 ? BOLT_CGROUP_V2 : BOLT_CGROUP_V1;
    return l;
}

static char **
split_words(const char *s)
{
    cleanup_free char *copy = xstrdup(s ? s : "");
    char **out = NULL;
    char *save = NULL;

    for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
        bolt_strv_push(&out, w);
    return out;
}

struct bolt_cgroup_layout *
bolt_cgroup_layout_detect(const char *under, struct bolt_err *err)
{
    cleanup_free char *mountinfo = NULL;
    cleanup_free char *proc_cgroups = NULL;
    struct bolt_cgroup_layout *l;

    mountinfo = bolt_read_file("/proc/self/mountinfo", NULL, err);
    if (mountinfo == NULL)
        return NULL;
    proc_cgroups = bolt_read_file("/proc/cgroups", NULL, NULL); /* gone in some v2-only kernels */
    l = bolt_cgroup_layout_parse(mountinfo, proc_cgroups, under, err);
    if (l == NULL)
        return NULL;
    for (size_t i = 0; i < l->n_hiers; i++) {
        cleanup_free char *ctl = NULL;
        if (!l->hiers[i].v2)
            continue;
        ctl = cgroup_read(l->hiers[i].mount, "cgroup.controllers", NULL);
        l->hiers[i].controllers = split_words(ctl);
    }
    return l;
}

void
bolt_cgroup_layout_free(struct bolt_cgroup_layout *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n_hiers; i++) {
        free(l->hiers[i].mount);
        free(l->hiers[i].root);
        bolt_strv_free(l->hiers[i].controllers);
    }
    free(l->hiers);
    free(l);
}

struct bolt_cgroup_layout *
cgroup_layout_dup(const struct bolt_cgroup_layout *l)
{
    struct bolt_cgroup_layout *d = xzalloc(sizeof(*d));

    d->mode = l->mode;
    d->n_hiers = l->n_hiers;
    d->hiers = xcalloc(l->n_hiers ? l->n_hiers : 1, sizeof(*d->hiers));
    for (size_t i = 0; i < l->n_hiers; i++) {
        d->hiers[i].v2 = l->hiers[i].v2;
        d->hiers[i].mount = xstrdup(l->hiers[i].mount);
        d->hiers[i].root = xstrdup(l->hiers[i].root ? l->hiers[i].root : "/");
        d->hiers[i].controllers = bolt_strv_dup(l->hiers[i].controllers);
    }
    return d;
}

int
bolt_cgroup_detect(enum bolt_cgroup_mode *mode, struct bolt_err *err)
{
    struct bolt_cgroup_layout *l = bolt_cgroup_layout_detect(NULL, err);

    if (l == NULL)
        return -1;
    *mode = l->mode;
    bolt_cgroup_layout_free(l);
    return 0;
}

static bool
strv_has(char **v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

int
cgroup_hier_for(const struct bolt_cgroup_layout *l, const char *controller)
{
    for (size_t i = 0; i < l->n_hiers; i++)
        if (!l->hiers[i].v2 && strv_has(l->hiers[i].controllers, controller))
            return (int)i;
    for (size_t i = 0; i < l->n_hiers; i++)
        if (l->hiers[i].v2 && strv_has(l->hiers[i].controllers, controller))
            return (int)i;
    return -1;
}

int
cgroup_unified(const struct bolt_cgroup_layout *l)
{
    for (size_t i = 0; i < l->n_hiers; i++)
        if (l->hiers[i].v2)
            return (int)i;
    return -1;
}

char *
cgroup_layout_describe(const struct bolt_cgroup_layout *l)
{
    char *out = xasprintf("%s:", bolt_cgroup_mode_name(l->mode));

    for (size_t i = 0; i < l->n_hiers; i++) {
        for (size_t j = 0; l->hiers[i].controllers && l->hiers[i].controllers[j]; j++) {
            char *n =
                xasprintf("%s %s%s", out, l->hiers[i].controllers[j], l->hiers[i].v2 ? "(v2)" : "");
            free(out);
            out = n;
        }
    }
    return out;
}

/* Normalize an absolute path: collapse "//", drop "." and the trailing "/"; ".." is refused. */
static int
normalize_abs(const char *in, char **out, struct bolt_err *err)
{
    cleanup_free char *copy = xstrdup(in);
    cleanup_free char *res = xzalloc(strlen(in) + 2);
    char *save = NULL;
    size_t n = 0;

    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0)
            return bolt_err_set(err, 0,
                                "linux.cgroupsPath '%s': '..' is not allowed; give a path "
                                "from the hierarchy root such as /bolt/<id>",
                                in);
        res[n++] = '/';
        memcpy(res + n, c, strlen(c));
        n += strlen(c);
    }
    if (n == 0)
        return bolt_err_set(err, 0,
                            "linux.cgroupsPath '%s': the hierarchy root cannot be a container's "
                            "cgroup; give a path such as /bolt/<id>",
                            in);
    res[n] = '\0';
    *out = steal_ptr(&res);
    return 0;
}

int
bolt_cgroup_path_resolve(const char *cgroups_path, const char *id, char **out, struct bolt_err *err)
{
    cleanup_free char *tmp = NULL;

    if (cgroups_path == NULL || cgroups_path[0] == '\0') {
        if (id == NULL || id[0] == '\0' || strchr(id, '/') || strcmp(id, ".") == 0
            || strcmp(id, "..") == 0)
            return bolt_err_set(err, 0,
                                "container id '%s' cannot name a cgroup: expected a non-empty "
                                "name without '/'",
                                id ? id : "");
        tmp = xasprintf(DEFAULT_PARENT "/%s", id);
        return normalize_abs(tmp, out, err);
    }
    if (cgroups_path[0] != '/' && strchr(cgroups_path, ':'))
        return bolt_err_set(err, 0,
                            "linux.cgroupsPath '%s': systemd-style paths (slice:prefix:name) "
                            "need the systemd cgroup driver (nvbind --systemd-cgroup); else use "
                            "an absolute path such as /bolt/<id> (podman: --cgroup-manager "
                            "cgroupfs)",
                            cgroups_path);
    if (cgroups_path[0] == '/')
        return normalize_abs(cgroups_path, out, err);
    tmp = xasprintf(DEFAULT_PARENT "/%s", cgroups_path);
    return normalize_abs(tmp, out, err);
}

uint64_t
bolt_cgroup_shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
bolt_cgroup_blkio_to_io_weight(uint64_t weight)
{
    if (weight == 0)
        return 0;
    if (weight < 10)
        weight = 10;
    if (weight > 1000)
        weight = 1000;
    return 1 + ((weight - 10) * 9999) / 990;
}

static const struct bolt_oci_device_rule default_rules[] = {
    {.allow = true, .type = 'c', .major = -1, .minor = -1, .access = "m"},
    {.allow = true, .type = 'b', .major = -1, .minor = -1, .access = "m"},
    {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},    /* null */
    {.allow = true, .type = 'c', .major = 1, .minor = 5, .access = "rwm"},    /* zero */
    {.allow = true, .type = 'c', .major = 1, .minor = 7, .access = "rwm"},    /* full */
    {.allow = true, .type = 'c', .major = 5, .minor = 0, .access = "rwm"},    /* tty */
    {.allow = true, .type = 'c', .major = 1, .minor = 8, .access = "rwm"},    /* random */
    {.allow = true, .type = 'c', .major = 1, .minor = 9, .access = "rwm"},    /* urandom */
    {.allow = true, .type = 'c', .major = 5, .minor = 1, .access = "rwm"},    /* console */
    {.allow = true, .type = 'c', .major = 5, .minor = 2, .access = "rwm"},    /* ptmx */
    {.allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rwm"}, /* pts/N */
};

const struct bolt_oci_device_rule *
bolt_cgroup_default_device_rules(size_t *n)
{
    *n = sizeof(default_rules) / sizeof(default_rules[0]);
    return default_rules;
}

int
cgroup_write(const char *dir, const char *file, const char *val, struct bolt_err *err)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, file);
    /* O_TRUNC as a shell's "echo >" does: cgroupfs ignores it, plain files (tests) need it. */
    cleanup_close int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
    size_t len = strlen(val);
    ssize_t w;

    if (fd < 0)
        return bolt_err_set(err, errno, "open '%s'", p);
    do
        w = write(fd, val, len);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return bolt_err_set(err, errno, "write '%s' to '%s'", val, p);
    return 0;
}

char *
cgroup_read(const char *dir, const char *file, struct bolt_err *err)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, file);
    char *s = bolt_read_file(p, NULL, err);

    return s ? bolt_rstrip(s) : NULL;
}

bool
cgroup_has_file(const char *dir, const char *file)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, file);

    return access(p, F_OK) == 0;
}
