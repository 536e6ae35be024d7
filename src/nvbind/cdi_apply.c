/* SPDX-License-Identifier: Apache-2.0 */
/* Applying CDI container edits to an OCI spec, and the spec directories. */
#include "nvbind/cdi.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "util/mem.h"

__attribute__((hot)) static void
apply_env(struct bolt_oci_spec *spec, char *const *env)
{
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        cleanup_free char *key = xstrndup(env[i], (size_t)(eq - env[i]));
        bolt_oci_spec_setenv(spec, key, eq + 1);
    }
}

/* Fill type/major/minor/mode of n from the host node (lstat). */
__attribute__((hot)) static int
complete_node(const struct bolt_cdi_node *n, char *type, int64_t *major, int64_t *minor,
              uint32_t *mode, const char *what, struct bolt_err *err)
{
    const char *host = n->host_path ? n->host_path : n->path;
    struct stat st;
    char htype;

    *type = n->type;
    *major = n->major;
    *minor = n->minor;
    *mode = n->has_file_mode ? n->file_mode : 0666;
    /* nothing to fill in: no host lookup (nvbind's fast path checked its nodes already) */
    if (n->type && n->has_major && n->has_minor && n->has_file_mode)
        return 0;
    if (lstat(host, &st) < 0) {
        /* a "minimal" node (type and major given) does not need the host node */
        if (n->type && (n->has_major || n->type == 'p'))
            return 0;
        return bolt_err_set(err, errno, "%s: device node '%s'", what, host);
    }
    if (S_ISCHR(st.st_mode))
        htype = 'c';
    else if (S_ISBLK(st.st_mode))
        htype = 'b';
    else if (S_ISFIFO(st.st_mode))
        htype = 'p';
    else
        return bolt_err_set(err, 0, "%s: '%s' is not a device node (expected a character, block "
                                    "or fifo special file)", what, host);
    if (n->type && !(n->type == htype || (n->type == 'u' && htype == 'c')))
        return bolt_err_set(err, 0, "%s: device '%s' has type '%c' but the host node '%s' is '%c'",
                            what, n->path, n->type, host, htype);
    if (!n->type)
        *type = htype;
    if (!n->has_major && htype != 'p') {
        *major = major(st.st_rdev);
        *minor = minor(st.st_rdev);
    }
    if (!n->has_file_mode)
        *mode = st.st_mode & 07777;
    return 0;
}

__attribute__((hot)) static void
remove_device(struct bolt_oci_spec *spec, const char *path)
{
    struct bolt_oci_linux *l = &spec->linux_;

    for (size_t i = 0; i < l->n_devices; i++) {
        if (strcmp(l->devices[i].path, path) != 0)
            continue;
        free(l->devices[i].path);
        memmove(&l->devices[i], &l->devices[i + 1], (l->n_devices - i - 1) * sizeof(*l->devices));
        l->n_devices--;
        return;
    }
}

__attribute__((hot)) static int
apply_node(struct bolt_oci_spec *spec, const struct bolt_cdi_node *n, const char *what,
           struct bolt_err *err)
{
    struct bolt_oci_device *d;
    const char *perm = n->permissions && *n->permissions ? n->permissions : "rwm";
    int64_t maj, min;
    uint32_t mode;
    char type;

    if (complete_node(n, &type, &maj, &min, &mode, what, err) < 0)
        return -1;
    if (strcmp(perm, "none") == 0)
        perm = "";
    remove_device(spec, n->path);
    bolt_oci_spec_add_device(spec, n->path, type, maj, min, mode,
                             type == 'b' || type == 'c' || type == 'u' ? perm : NULL);
    d = &spec->linux_.devices[spec->linux_.n_devices - 1];
    if (n->has_uid) {
        d->has_uid = true;
        d->uid = n->uid;
    } else if (spec->process.uid > 0) {
        d->has_uid = true;
        d->uid = spec->process.uid;
    }
    if (n->has_gid) {
        d->has_gid = true;
        d->gid = n->gid;
    } else if (spec->process.gid > 0) {
        d->has_gid = true;
        d->gid = spec->process.gid;
    }
    return 0;
}

__attribute__((hot)) static void
remove_mount(struct bolt_oci_spec *spec, const char *dest)
{
    for (size_t i = 0; i < spec->n_mounts; i++) {
        struct bolt_oci_mount *m = &spec->mounts[i];
        if (strcmp(m->destination, dest) != 0)
            continue;
        free(m->destination);
        free(m->type);
        free(m->source);
        bolt_strv_free(m->options);
        free(m->uid_mappings);
        free(m->gid_mappings);
        memmove(m, m + 1, (spec->n_mounts - i - 1) * sizeof(*m));
        spec->n_mounts--;
        return;
    }
}

__attribute__((hot)) static void
apply_mount(struct bolt_oci_spec *spec, const struct bolt_cdi_mount *m)
{
    remove_mount(spec, m->container_path);
    bolt_oci_spec_add_mount(spec, m->container_path, m->type ? m->type : "bind", m->host_path,
                            (const char *const *)m->options);
}

static size_t
depth(const char *p)
{
    size_t n = 0;

    for (; *p; p++)
        n += *p == '/';
    return n;
}

/* Stable insertion sort by destination depth (parents before their children). */
__attribute__((hot)) static void
sort_mounts(struct bolt_oci_spec *spec)
{
    for (size_t i = 1; i < spec->n_mounts; i++) {
        struct bolt_oci_mount m = spec->mounts[i];
        size_t d = depth(m.destination), j = i;

        while (j > 0 && depth(spec->mounts[j - 1].destination) > d) {
            spec->mounts[j] = spec->mounts[j - 1];
            j--;
        }
        spec->mounts[j] = m;
    }
}

static void
apply_hook(struct bolt_oci_spec *spec, const struct bolt_cdi_hook *h)
{
    struct bolt_oci_hooks *hs = &spec->hooks;
    struct bolt_oci_hook *o;

    hs->list[h->kind] = xreallocarray(hs->list[h->kind], hs->n[h->kind] + 1, sizeof(*o));
    o = &hs->list[h->kind][hs->n[h->kind]++];
    memset(o, 0, sizeof(*o));
    o->path = xstrdup(h->path);
    o->args = bolt_strv_dup(h->args);
    o->env = bolt_strv_dup(h->env);
    o->has_timeout = h->has_timeout;
    o->timeout = h->timeout;
}

static void
apply_gids(struct bolt_oci_spec *spec, const uint32_t *gids, size_t n)
{
    struct bolt_oci_process *p = &spec->process;

    for (size_t i = 0; i < n; i++) {
        bool have = gids[i] == 0;
        for (size_t j = 0; j < p->n_additional_gids && !have; j++)
            have = p->additional_gids[j] == gids[i];
        if (have)
            continue;
        p->additional_gids = xreallocarray(p->additional_gids, p->n_additional_gids + 1,
                                           sizeof(*p->additional_gids));
        p->additional_gids[p->n_additional_gids++] = gids[i];
    }
}

__attribute__((hot)) int
bolt_cdi_edits_apply(const struct bolt_cdi_edits *e, struct bolt_oci_spec *spec, const char *what,
                     struct bolt_err *err)
{
    if (e->intel_rdt || e->net_devices)
        return bolt_err_set(err, ENOTSUP, "%s: %s edits are not supported by bolt's runtime "
                                          "(remove them from the spec or use another runtime)",
                            what, e->intel_rdt ? "intelRdt" : "netDevices");
    for (size_t i = 0; i < e->n_nodes; i++)
        if (apply_node(spec, &e->nodes[i], what, err) < 0)
            return -1;
    apply_env(spec, e->env);
    for (size_t i = 0; i < e->n_mounts; i++)
        apply_mount(spec, &e->mounts[i]);
    if (e->n_mounts)
        sort_mounts(spec);
    for (size_t i = 0; i < e->n_hooks; i++)
        apply_hook(spec, &e->hooks[i]);
    apply_gids(spec, e->gids, e->n_gids);
    return 0;
}

/* ---- spec directories ---- */

char **
bolt_cdi_default_dirs(void)
{
    const char *env = getenv("BOLT_CDI_SPEC_DIRS");
    char **dirs = NULL;

    if (env && *env) {
        cleanup_free char *copy = xstrdup(env);
        char *save = NULL;
        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
            bolt_strv_push(&dirs, t);
        if (dirs)
            return dirs;
    }
    bolt_strv_push(&dirs, BOLT_CDI_DIR_STATIC);
    bolt_strv_push(&dirs, BOLT_CDI_DIR_DYNAMIC);
    return dirs;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_entry(const void *a, const void *b)
{
    const struct bolt_cdi_entry *x = a, *y = b;
    int c = strcmp(x->qualified, y->qualified);

    if (c)
        return c;
    return x->spec->priority - y->spec->priority;
}

static bool
is_spec_file(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.'
           && ((n > 5 && strcmp(name + n - 5, ".json") == 0)
               || (n > 5 && strcmp(name + n - 5, ".yaml") == 0));
}

static void
load_dir(struct bolt_cdi_registry *reg, const char *dir, int prio)
{
    cleanup_dir DIR *d = opendir(dir);
    cleanup_strv char **names = NULL;
    struct dirent *de;
    size_t n;

    if (d == NULL) {
        if (errno != ENOENT)
            bolt_strv_push(&reg->errors, dir);
        return;
    }
    while ((de = readdir(d)))
        if (is_spec_file(de->d_name))
            bolt_strv_push(&names, de->d_name);
    n = bolt_strv_len(names);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *path = xasprintf("%s/%s", dir, names[i]);
        struct bolt_err e = {0};
        char buf[700];
        struct bolt_cdi_spec *s = bolt_cdi_spec_load(path, prio, &e);

        if (s && bolt_cdi_spec_validate(s, &e) < 0) {
            bolt_err_wrap(&e, "%s", path);
            bolt_cdi_spec_free(s);
            s = NULL;
        }
        if (s == NULL) {
            bolt_strv_push(&reg->errors, bolt_err_str(&e, buf, sizeof(buf)));
            continue;
        }
        reg->specs = xreallocarray(reg->specs, reg->n_specs + 1, sizeof(*reg->specs));
        reg->specs[reg->n_specs++] = s;
    }
}

/* Sorted entries; for one name keep the highest priority, flag equal-priority twins. */
static void
index_devices(struct bolt_cdi_registry *reg)
{
    size_t n = 0, out = 0;

    for (size_t i = 0; i < reg->n_specs; i++)
        n += reg->specs[i]->n_devices;
    reg->entries = xcalloc(n + 1, sizeof(*reg->entries));
    for (size_t i = 0; i < reg->n_specs; i++) {
        struct bolt_cdi_spec *s = reg->specs[i];
        for (size_t j = 0; j < s->n_devices; j++) {
            struct bolt_cdi_entry *e = &reg->entries[out++];
            e->qualified = xasprintf("%s=%s", s->kind, s->devices[j].name);
            e->spec = s;
            e->dev = &s->devices[j];
        }
    }
    if (out)
        qsort(reg->entries, out, sizeof(*reg->entries), cmp_entry);
    n = 0;
    for (size_t i = 0; i < out; i++) {
        struct bolt_cdi_entry *e = &reg->entries[i];
        if (n && strcmp(reg->entries[n - 1].qualified, e->qualified) == 0) {
            struct bolt_cdi_entry *prev = &reg->entries[n - 1];
            if (prev->spec->priority == e->spec->priority) {
                prev->conflict = e->spec;
                free(e->qualified);
                continue;
            }
            free(prev->qualified);
            *prev = *e; /* higher priority (later directory) wins */
            continue;
        }
        reg->entries[n++] = *e;
    }
    reg->n_entries = n;
}

int
bolt_cdi_registry_load(struct bolt_cdi_registry *reg, char *const *dirs, struct bolt_err *err)
{
    (void)err;
    memset(reg, 0, sizeof(*reg));
    for (int i = 0; dirs && dirs[i]; i++)
        load_dir(reg, dirs[i], i);
    index_devices(reg);
    return 0;
}

void
bolt_cdi_registry_fini(struct bolt_cdi_registry *reg)
{
    for (size_t i = 0; i < reg->n_specs; i++)
        bolt_cdi_spec_free(reg->specs[i]);
    free(reg->specs);
    for (size_t i = 0; i < reg->n_entries; i++)
        free(reg->entries[i].qualified);
    free(reg->entries);
    bolt_strv_free(reg->errors);
    memset(reg, 0, sizeof(*reg));
}

const struct bolt_cdi_entry *
bolt_cdi_registry_find(const struct bolt_cdi_registry *reg, const char *qualified)
{
    size_t lo = 0, hi = reg->n_entries;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(reg->entries[mid].qualified, qualified);
        if (c == 0)
            return &reg->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int
unknown_device(const struct bolt_cdi_registry *reg, const char *name, struct bolt_err *err)
{
    cleanup_free char *vendor = NULL, *cls = NULL, *dev = NULL, *kind = NULL;
    char list[300] = "";
    size_t off = 0, count = 0;

    if (bolt_cdi_parse_qualified(name, &vendor, &cls, &dev, err) < 0)
        return -1;
    kind = xasprintf("%s/%s=", vendor, cls);
    for (size_t i = 0; i < reg->n_entries; i++) {
        const char *q = reg->entries[i].qualified;
        if (strncmp(q, kind, strlen(kind)) != 0)
            continue;
        if (off + strlen(q) + 8 < sizeof(list))
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", count ? ", " : "", q);
        else if (off + 5 < sizeof(list))
            off += (size_t)snprintf(list + off, sizeof(list) - off, ", ...");
        count++;
    }
    if (count == 0)
        return bolt_err_set_plain(err, ENOENT, "unknown CDI device '%s': no spec defines kind '%s/%s' "
                                         "(spec dirs: /etc/cdi, /var/run/cdi; for NVIDIA GPUs run "
                                         "`nvbind cdi generate --output /etc/cdi/nvidia.json`)",
                            name, vendor, cls);
    return bolt_err_set_plain(err, ENOENT, "unknown CDI device '%s' (known: %s)", name, list);
}

int
bolt_cdi_registry_apply(const struct bolt_cdi_registry *reg, char *const *names,
                        struct bolt_oci_spec *spec, struct bolt_err *err)
{
    size_t n = bolt_strv_len(names);
    cleanup_free const struct bolt_cdi_entry **found = xcalloc(n + 1, sizeof(*found));

    for (size_t i = 0; i < n; i++) {
        found[i] = bolt_cdi_registry_find(reg, names[i]);
        if (found[i] == NULL)
            return unknown_device(reg, names[i], err);
        if (found[i]->conflict)
            return bolt_err_set(err, EEXIST, "CDI device '%s': conflicting definitions in '%s' and "
                                             "'%s' (same priority; remove one of them)", names[i],
                                found[i]->spec->path, found[i]->conflict->path);
    }
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = found[j]->spec == found[i]->spec;
        if (!seen && bolt_cdi_edits_apply(&found[i]->spec->edits, spec, found[i]->spec->path, err) < 0)
            return -1;
        if (bolt_cdi_edits_apply(&found[i]->dev->edits, spec, names[i], err) < 0)
            return -1;
    }
    return 0;
}
