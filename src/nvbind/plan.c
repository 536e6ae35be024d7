/* SPDX-License-Identifier: Apache-2.0 */
#include "nvbind/plan.h"
#include "nvbind/inject.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvbind/discover.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"

#define PLAN_FORMAT 1

static const char *const cap_names[] = {"compute", "utility", "graphics", "video",
                                        "display", "ngx",     "compat32"};

const char *
bolt_nv_cap_name(unsigned cap)
{
    for (unsigned i = 0; i < 7; i++)
        if (cap == (1u << i))
            return cap_names[i];
    return NULL;
}

const char *
bolt_nv_caps_str(unsigned caps, char *buf, size_t len)
{
    size_t n = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (unsigned i = 0; i < 7; i++) {
        int w;
        if (!(caps & (1u << i)))
            continue;
        w = snprintf(buf + n, len - n, "%s%s", n ? "," : "", cap_names[i]);
        if (w < 0 || (size_t)w >= len - n)
            break;
        n += (size_t)w;
    }
    return buf;
}

const char *
bolt_nv_driver_type_str(enum bolt_nv_driver_type t)
{
    switch (t) {
    case BOLT_NV_DRIVER_PROPRIETARY:
        return "proprietary";
    case BOLT_NV_DRIVER_OPEN:
        return "nvidia-open";
    case BOLT_NV_DRIVER_NOUVEAU:
        return "nouveau";
    case BOLT_NV_DRIVER_WSL:
        return "wsl2";
    case BOLT_NV_DRIVER_NONE:
    default:
        return "none";
    }
}

static const char *const file_kinds[] = {"lib", "lib32", "bin", "firmware",
                                         "config", "ipc", "dll", "wsl"};
static const char *const node_roles[] = {"ctl", "gpu", "modeset", "uvm", "uvm-tools",
                                         "cap", "dri-card", "dri-render", "dxg"};

const char *
bolt_nv_file_kind_str(enum bolt_nv_file_kind k)
{
    return (unsigned)k < 8 ? file_kinds[k] : "unknown";
}

bool
bolt_nv_file_has_cap(const struct bolt_nv_file *f, unsigned caps)
{
    /* video needs the compute libraries, display the graphics ones */
    if (caps & BOLT_NV_CAP_VIDEO)
        caps |= BOLT_NV_CAP_COMPUTE;
    if (caps & BOLT_NV_CAP_DISPLAY)
        caps |= BOLT_NV_CAP_GRAPHICS;
    if (f->kind == BOLT_NV_FILE_LIB32 && !(caps & BOLT_NV_CAP_COMPAT32))
        return false;
    return (f->caps & caps & ~(unsigned)BOLT_NV_CAP_COMPAT32) != 0;
}

static void
free_gpu(struct bolt_nv_gpu *g)
{
    free(g->name);
    free(g->uuid);
    free(g->bus_id);
    free(g->brand);
    free(g->arch);
    for (size_t k = 0; k < g->n_migs; k++) {
        free(g->migs[k].uuid);
        free(g->migs[k].name);
    }
    free(g->migs);
}

void
bolt_nv_plan_free(struct bolt_nv_plan *p)
{
    if (p == NULL)
        return;
    free(p->driver_version);
    free(p->source);
    free(p->driver_root);
    free(p->dev_root);
    free(p->proc_root);
    free(p->sys_root);
    free(p->libdir64);
    free(p->libdir32);
    for (size_t i = 0; i < p->n_gpus; i++)
        free_gpu(&p->gpus[i]);
    free(p->gpus);
    for (size_t i = 0; i < p->n_nodes; i++) {
        free(p->nodes[i].path);
        free(p->nodes[i].cap);
    }
    free(p->nodes);
    for (size_t i = 0; i < p->n_files; i++) {
        free(p->files[i].path);
        free(p->files[i].soname);
    }
    free(p->files);
    bolt_strv_free(p->warnings);
    bolt_ldcache_free(p->ldcache);
    free(p);
}

void
bolt_nv_plan_freep(struct bolt_nv_plan **p)
{
    bolt_nv_plan_free(*p);
}

static struct bolt_nv_plan *
plan_new(const struct bolt_nv_config *cfg)
{
    struct bolt_nv_plan *p = xzalloc(sizeof(*p));

    p->driver_root = xstrdup(cfg->driver_root);
    p->dev_root = xstrdup(cfg->dev_root);
    p->proc_root = xstrdup(cfg->proc_root);
    p->sys_root = xstrdup(cfg->sys_root);
    return p;
}

/*
 * A small file in as few syscalls as possible (open, one read, close): a read that returns
 * less than asked is the end of a regular or sysfs file, so the empty read that confirms it
 * is skipped. NUL-terminated; NULL when the file cannot be read. The fast path reads the
 * driver version and the cached plan with it on every container start.
 */
static char *
read_small(const char *path, size_t *len)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 16384, off = 0;
    cleanup_free char *buf = NULL;

    if (fd < 0)
        return NULL;
    buf = xmalloc(cap + 1);
    for (;;) {
        ssize_t n = read(fd, buf + off, cap - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return NULL;
        off += (size_t)n;
        if (n == 0 || off < cap)
            break;
        cap *= 2;
        buf = xrealloc(buf, cap + 1);
    }
    buf[off] = '\0';
    if (len)
        *len = off;
    return steal_ptr(&buf);
}

int
bolt_nv_plan_key(const struct bolt_nv_config *cfg, char **version, struct bolt_nv_ldcache_id *id,
                 struct bolt_err *err)
{
    cleanup_free char *cache = bolt_nv_path(cfg->driver_root, "/etc/ld.so.cache");
    cleanup_free char *sysver = bolt_nv_path(cfg->sys_root, "/sys/module/nvidia/version");
    cleanup_free char *v = read_small(sysver, NULL);
    struct stat st;

    if (v == NULL) {
        cleanup_free char *text = bolt_nv_read_under(cfg->proc_root, "/proc/driver/nvidia/version");
        v = text ? bolt_nv_parse_proc_version(text, NULL) : NULL;
    }
    if (v != NULL)
        bolt_rstrip(v);
    memset(id, 0, sizeof(*id));
    if (stat(cache, &st) == 0) {
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        id->size = (uint64_t)st.st_size;
        id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    } else if (errno != ENOENT) {
        return bolt_err_set(err, errno, "stat '%s'", cache);
    }
    *version = steal_ptr(&v);
    return 0;
}

struct bolt_nv_plan *
bolt_nv_plan_build(const struct bolt_nv_config *cfg, bool allow_nvml, struct bolt_err *err)
{
    cleanup_nv_plan struct bolt_nv_plan *p = plan_new(cfg);
    cleanup_free char *v = NULL;

    if (bolt_nv_plan_key(cfg, &v, &p->ldcache_id, err) < 0)
        return NULL;
    if (bolt_nv_discover_driver(p, err) < 0 || bolt_nv_discover_files(p, err) < 0
        || bolt_nv_discover_gpus_procfs(p, err) < 0)
        return NULL;
    if (allow_nvml && p->type != BOLT_NV_DRIVER_NOUVEAU) {
        struct bolt_err nerr = {0};
        if (bolt_nv_discover_gpus_nvml(p, &nerr) < 0) {
            char buf[600];
            bolt_nv_plan_warn(p, "%s; GPUs listed from %s", bolt_err_str(&nerr, buf, sizeof(buf)),
                              p->type == BOLT_NV_DRIVER_WSL ? "nowhere (WSL2 needs NVML)"
                                                            : "/proc/driver/nvidia");
        }
    }
    if (p->type == BOLT_NV_DRIVER_WSL && p->cuda_version == 0)
        p->cuda_version = bolt_nv_cuda_for_driver(p->driver_version);
    if (bolt_nv_discover_nodes(p, err) < 0)
        return NULL;
    return steal_ptr(&p);
}

/* ---- JSON ---- */

static json_t *
gpu_to_json(const struct bolt_nv_gpu *g)
{
    json_t *migs = json_array();

    for (size_t k = 0; k < g->n_migs; k++) {
        const struct bolt_nv_mig *m = &g->migs[k];
        json_array_append_new(migs, json_pack("{s:i, s:i, s:s*, s:s*, s:I, s:i, s:i}", "gi",
                                              (int)m->gi, "ci", (int)m->ci, "uuid", m->uuid,
                                              "name", m->name, "memory_total",
                                              (json_int_t)m->mem_total, "gi_cap_minor",
                                              m->gi_cap_minor, "ci_cap_minor", m->ci_cap_minor));
    }
    return json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:b, s:o, s:i, s:i}",
                     "index", (int)g->index, "minor", (int)g->minor, "name", g->name, "uuid",
                     g->uuid, "bus_id", g->bus_id, "brand", g->brand, "arch", g->arch,
                     "memory_total", (json_int_t)g->mem_total, "cc_major", g->cc_major,
                     "cc_minor", g->cc_minor, "mig_enabled", g->mig_enabled, "mig_devices", migs,
                     "drm_card", g->drm_card, "drm_render", g->drm_render);
}

char *
bolt_nv_plan_to_json(const struct bolt_nv_plan *p, bool pretty)
{
    json_t *gpus = json_array(), *nodes = json_array(), *files = json_array(), *warn = json_array();
    json_t *root;
    char *out;

    for (size_t i = 0; i < p->n_gpus; i++)
        json_array_append_new(gpus, gpu_to_json(&p->gpus[i]));
    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct bolt_nv_node *n = &p->nodes[i];
        json_array_append_new(nodes, json_pack("{s:s, s:i, s:i, s:i, s:s, s:i, s:s*}", "path",
                                               n->path, "major", (int)n->major, "minor",
                                               (int)n->minor, "mode", (int)n->mode, "role",
                                               node_roles[n->role], "gpu", n->gpu, "cap", n->cap));
    }
    for (size_t i = 0; i < p->n_files; i++) {
        const struct bolt_nv_file *f = &p->files[i];
        char caps[128];
        json_array_append_new(files, json_pack("{s:s, s:s*, s:s, s:s}", "path", f->path,
                                               "soname", f->soname, "kind",
                                               file_kinds[f->kind], "caps",
                                               bolt_nv_caps_str(f->caps, caps, sizeof(caps))));
    }
    for (size_t i = 0; p->warnings && p->warnings[i]; i++)
        json_array_append_new(warn, json_string(p->warnings[i]));
    root = json_pack("{s:i, s:s*, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s*, s:s*, "
                     "s:{s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o}",
                     "format", PLAN_FORMAT, "driver_version", p->driver_version, "driver_type",
                     bolt_nv_driver_type_str(p->type), "cuda_version", p->cuda_version, "source",
                     p->source ? p->source : "procfs", "driver_root", p->driver_root, "dev_root",
                     p->dev_root, "proc_root", p->proc_root, "sys_root", p->sys_root, "libdir64",
                     p->libdir64, "libdir32", p->libdir32, "ldcache", "dev",
                     (json_int_t)p->ldcache_id.dev, "ino", (json_int_t)p->ldcache_id.ino, "size",
                     (json_int_t)p->ldcache_id.size, "mtime_ns", (json_int_t)p->ldcache_id.mtime_ns,
                     "gpus", gpus, "nodes", nodes, "files", files, "warnings", warn);
    out = json_dumps(root, pretty ? JSON_INDENT(2) : JSON_COMPACT);
    json_decref(root);
    return out;
}

static int
lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

static unsigned
caps_parse_simple(const char *s)
{
    unsigned caps = 0;

    for (unsigned i = 0; i < 7; i++) {
        const char *p = strstr(s, cap_names[i]);
        size_t l = strlen(cap_names[i]);
        if (p && (p == s || p[-1] == ',') && (p[l] == '\0' || p[l] == ','))
            caps |= 1u << i;
    }
    return caps;
}

static int
gpu_from_json(json_t *j, struct bolt_nv_gpu *g)
{
    json_t *migs = NULL;
    const char *name = NULL, *uuid = NULL, *bus = NULL, *brand = NULL, *arch = NULL;
    json_int_t mem = 0;
    int idx, minor, mig_en = 0;

    if (json_unpack(j, "{s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:b, s:o, s:i, s:i}",
                    "index", &idx, "minor", &minor, "name", &name, "uuid", &uuid, "bus_id", &bus,
                    "brand", &brand, "arch", &arch, "memory_total", &mem, "cc_major",
                    &g->cc_major, "cc_minor", &g->cc_minor, "mig_enabled", &mig_en,
                    "mig_devices", &migs, "drm_card", &g->drm_card, "drm_render",
                    &g->drm_render) < 0
        || !json_is_array(migs))
        return -1;
    g->index = (unsigned)idx;
    g->minor = (unsigned)minor;
    g->name = xstrdup(name);
    g->uuid = xstrdup(uuid);
    g->bus_id = xstrdup(bus);
    g->brand = xstrdup(brand);
    g->arch = xstrdup(arch);
    g->mem_total = (uint64_t)mem;
    g->mig_enabled = mig_en;
    g->n_migs = json_array_size(migs);
    g->migs = xcalloc(g->n_migs + 1, sizeof(*g->migs));
    for (size_t k = 0; k < g->n_migs; k++) {
        struct bolt_nv_mig *m = &g->migs[k];
        const char *mu = NULL, *mn = NULL;
        int gi, ci;
        json_int_t mm = 0;
        if (json_unpack(json_array_get(migs, k), "{s:i, s:i, s?s, s?s, s:I, s:i, s:i}", "gi", &gi,
                        "ci", &ci, "uuid", &mu, "name", &mn, "memory_total", &mm, "gi_cap_minor",
                        &m->gi_cap_minor, "ci_cap_minor", &m->ci_cap_minor) < 0)
            return -1;
        m->gi = (unsigned)gi;
        m->ci = (unsigned)ci;
        m->uuid = mu ? xstrdup(mu) : NULL;
        m->name = mn ? xstrdup(mn) : NULL;
        m->mem_total = (uint64_t)mm;
    }
    return 0;
}

static int
lists_from_json(struct bolt_nv_plan *p, json_t *gpus, json_t *nodes, json_t *files, json_t *warn)
{
    p->gpus = xcalloc(json_array_size(gpus) + 1, sizeof(*p->gpus));
    while (p->n_gpus < json_array_size(gpus)) {
        /* counted before the check so a half-read GPU is freed with the plan */
        struct bolt_nv_gpu *g = &p->gpus[p->n_gpus++];
        if (gpu_from_json(json_array_get(gpus, p->n_gpus - 1), g) < 0)
            return -1;
    }
    p->nodes = xcalloc(json_array_size(nodes) + 1, sizeof(*p->nodes));
    for (size_t i = 0; i < json_array_size(nodes); i++) {
        struct bolt_nv_node *n = &p->nodes[i];
        const char *path, *role, *cap = NULL;
        int maj, min, mode;
        if (json_unpack(json_array_get(nodes, i), "{s:s, s:i, s:i, s:i, s:s, s:i, s?s}", "path",
                        &path, "major", &maj, "minor", &min, "mode", &mode, "role", &role, "gpu",
                        &n->gpu, "cap", &cap) < 0
            || lookup(node_roles, 9, role) < 0)
            return -1;
        n->path = xstrdup(path);
        n->major = (unsigned)maj;
        n->minor = (unsigned)min;
        n->mode = (uint32_t)mode;
        n->role = (enum bolt_nv_node_role)lookup(node_roles, 9, role);
        n->cap = cap ? xstrdup(cap) : NULL;
        p->n_nodes++;
    }
    p->files = xcalloc(json_array_size(files) + 1, sizeof(*p->files));
    for (size_t i = 0; i < json_array_size(files); i++) {
        struct bolt_nv_file *f = &p->files[i];
        const char *path, *soname = NULL, *kind, *caps;
        if (json_unpack(json_array_get(files, i), "{s:s, s?s, s:s, s:s}", "path", &path,
                        "soname", &soname, "kind", &kind, "caps", &caps) < 0
            || lookup(file_kinds, 8, kind) < 0)
            return -1;
        f->path = xstrdup(path);
        f->soname = soname ? xstrdup(soname) : NULL;
        f->kind = (enum bolt_nv_file_kind)lookup(file_kinds, 8, kind);
        f->caps = caps_parse_simple(caps);
        p->n_files++;
    }
    for (size_t i = 0; i < json_array_size(warn); i++)
        if (json_is_string(json_array_get(warn, i)))
            bolt_strv_push(&p->warnings, json_string_value(json_array_get(warn, i)));
    return 0;
}

struct bolt_nv_plan *
bolt_nv_plan_from_json(const char *text, size_t len, struct bolt_err *err)
{
    static const char *const types[] = {"none", "proprietary", "nvidia-open", "nouveau", "wsl2"};
    cleanup_nv_plan struct bolt_nv_plan *p = xzalloc(sizeof(*p));
    json_t *root = bolt_json_loadb(text, len, "plan", err);
    json_t *gpus, *nodes, *files, *warn;
    const char *ver = NULL, *type, *source, *dr, *dv, *pr, *sr, *l64 = NULL, *l32 = NULL;
    json_int_t dev, ino, size, mtime;
    int format = 0, rc;

    if (root == NULL)
        return NULL;
    rc = json_unpack(root, "{s:i, s?s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s?s, s?s, "
                           "s:{s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o}",
                     "format", &format, "driver_version", &ver, "driver_type", &type,
                     "cuda_version", &p->cuda_version, "source", &source, "driver_root", &dr,
                     "dev_root", &dv, "proc_root", &pr, "sys_root", &sr, "libdir64", &l64,
                     "libdir32", &l32, "ldcache", "dev", &dev, "ino", &ino, "size", &size,
                     "mtime_ns", &mtime, "gpus", &gpus, "nodes", &nodes, "files", &files,
                     "warnings", &warn);
    if (rc < 0 || format != PLAN_FORMAT || lookup(types, 5, type) < 0 || !json_is_array(gpus)
        || !json_is_array(nodes) || !json_is_array(files) || !json_is_array(warn)) {
        json_decref(root);
        bolt_err_set(err, 0, "plan: not a format-%d nvbind plan", PLAN_FORMAT);
        return NULL;
    }
    p->driver_version = ver ? xstrdup(ver) : NULL;
    p->type = (enum bolt_nv_driver_type)lookup(types, 5, type);
    p->source = xstrdup(source);
    p->driver_root = xstrdup(dr);
    p->dev_root = xstrdup(dv);
    p->proc_root = xstrdup(pr);
    p->sys_root = xstrdup(sr);
    p->libdir64 = l64 ? xstrdup(l64) : NULL;
    p->libdir32 = l32 ? xstrdup(l32) : NULL;
    p->ldcache_id = (struct bolt_nv_ldcache_id){(uint64_t)dev, (uint64_t)ino, (uint64_t)size,
                                                (int64_t)mtime};
    rc = lists_from_json(p, gpus, nodes, files, warn);
    json_decref(root);
    if (rc < 0) {
        bolt_err_set(err, 0, "plan: malformed GPU, node or file entry");
        return NULL;
    }
    return steal_ptr(&p);
}

/* ---- the cache ---- */

static bool
plan_matches(const struct bolt_nv_plan *p, const struct bolt_nv_config *cfg, const char *version,
             const struct bolt_nv_ldcache_id *id)
{
    bool same_version = (version == NULL && p->driver_version == NULL)
                        || (version && p->driver_version && strcmp(version, p->driver_version) == 0)
                        || (version == NULL && p->type == BOLT_NV_DRIVER_WSL);

    return same_version && memcmp(id, &p->ldcache_id, sizeof(*id)) == 0
           && strcmp(p->driver_root, cfg->driver_root) == 0
           && strcmp(p->dev_root, cfg->dev_root) == 0 && strcmp(p->proc_root, cfg->proc_root) == 0
           && strcmp(p->sys_root, cfg->sys_root) == 0;
}

struct bolt_nv_plan *
bolt_nv_plan_get(const struct bolt_nv_config *cfg, const char *runroot, bool allow_nvml,
                 bool *rebuilt, struct bolt_err *err)
{
    cleanup_free char *dir = xasprintf("%s/nvbind", runroot);
    cleanup_free char *path = xasprintf("%s/plan.json", dir);
    cleanup_free char *bin_path = xasprintf("%s/plan.bin", dir);
    cleanup_free char *lockp = xasprintf("%s/plan.lock", dir);
    cleanup_free char *version = NULL;
    cleanup_free void *bin = NULL;
    cleanup_free char *json = NULL;
    cleanup_close int lock = -1;
    struct bolt_nv_ldcache_id id;
    struct bolt_nv_plan *p = NULL;
    size_t len = 0;

    if (rebuilt)
        *rebuilt = false;
    if (bolt_nv_plan_key(cfg, &version, &id, err) < 0)
        return NULL;
    bin = read_small(bin_path, &len);
    if (bin != NULL) {
        p = bolt_nv_plan_from_bin(bin, len, NULL);
        /* a listing wants NVML facts: a plan built from /proc alone is rebuilt for it */
        if (p && plan_matches(p, cfg, version, &id)
            && (!allow_nvml || strcmp(p->source, "nvml") == 0 || p->type == BOLT_NV_DRIVER_NOUVEAU))
            return p;
        bolt_nv_plan_free(p);
        free(steal_ptr(&bin));
    }
    p = bolt_nv_plan_build(cfg, allow_nvml, err);
    if (p == NULL)
        return NULL;
    if (rebuilt)
        *rebuilt = true;
    bolt_nv_rec_forget(runroot); /* what was injected from the old plan */
    json = bolt_nv_plan_to_json(p, false);
    bin = bolt_nv_plan_to_bin(p, &len);
    /* the JSON first: a reader that sees the new plan.bin finds the matching plan.json */
    if (bolt_mkdir_p(dir, 0700, err) < 0 || (lock = bolt_lock_open(lockp, true, true, err)) < 0
        || bolt_write_file_atomic(path, json, strlen(json), 0600, err) < 0
        || bolt_write_file_atomic(bin_path, bin, len, 0600, err) < 0) {
        bolt_nv_plan_free(p);
        return NULL;
    }
    log_debug("nvbind: plan rebuilt for driver %s in '%s'",
              p->driver_version ? p->driver_version : "none", path);
    return p;
}

const struct bolt_nv_gpu *
bolt_nv_plan_find_uuid(const struct bolt_nv_plan *plan, const char *uuid, int *mig)
{
    for (size_t i = 0; i < plan->n_gpus; i++) {
        const struct bolt_nv_gpu *g = &plan->gpus[i];
        if (strcasecmp(g->uuid, uuid) == 0) {
            if (mig)
                *mig = -1;
            return g;
        }
        for (size_t k = 0; k < g->n_migs; k++)
            if (g->migs[k].uuid && strcasecmp(g->migs[k].uuid, uuid) == 0) {
                if (mig)
                    *mig = (int)k;
                return g;
            }
    }
    return NULL;
}

const char *
bolt_nv_plan_gpus_str(const struct bolt_nv_plan *plan, char *buf, size_t len)
{
    size_t n = 0;

    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (plan->n_gpus == 0) {
        snprintf(buf, len, "none");
        return buf;
    }
    for (size_t i = 0; i < plan->n_gpus; i++) {
        int w = snprintf(buf + n, len - n, "%s%u (%s, %s)", i ? ", " : "", plan->gpus[i].index,
                         plan->gpus[i].name, plan->gpus[i].uuid);
        if (w < 0 || (size_t)w >= len - n)
            break;
        n += (size_t)w;
    }
    return buf;
}
