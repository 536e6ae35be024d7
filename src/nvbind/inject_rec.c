/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The injection record: what the first start of a `bolt run --gpu` request (or of an nvbind
 * container asking for GPUs) injected, so the next container of the same request, image and
 * driver applies it without loading the plan, resolving the selection or building the edits
 * again (see struct bolt_nv_rec in inject.h).
 *
 * A record is the target of a symlink (one readlink(2) reads it; the layer manifest does the
 * same): text, one item per line, fields separated by a tab. A value holding a tab or a
 * newline, or a record over REC_MAX bytes, is never written. The last line is "end".
 *   boltrec 2
 *   f <path> <dev:ino:size:mtime:ctime | ->   a file as it was (- : missing): the nvbind
 *                                            config, the driver version file, ld.so.cache
 *   t <path> <text>                  a file's first line (/proc/driver/nvidia/version's version)
 *   d <dir> <dev:ino:mtime:ctime>    a directory of device nodes, unchanged since a time when
 *                                    nothing could have changed in it unseen: its nodes are
 *                                    the same nodes
 *   n <path> <c|b:major:minor>       (numbers in hex, as every identity) a device node checked on its own (its directory changed
 *                                    too recently to be trusted)
 *   e <path>                         a mount source: it must exist (not for the optional
 *                                    mounts: the runtime skips those when their source is gone;
 *                                    nor for bolt's own under <runroot>/nvbind, see inject.h)
 *   a <path>                         a driver file that was missing: it must still be
 *   layer <layer dir>                not checked here: the overlay mount fails when it is
 *                                    gone, and the engine then forgets the records and builds
 *                                    it again (bolt_nv_engine_forget_record)
 *   droot <driver root>              instead of layer: nvbind's OCI path, where each start
 *   link <TARGET::LINK>              makes the links in the container's rootfs (a link that
 *   cachekey <hex>                   cannot be made is a bind mount of the driver's file) and
 *                                    takes the merged ld.so.cache for its image by that key
 *   node <path> <host|-> <type> <major> <minor> <mode> <permissions>
 *   mount <host> <container path> <type> <option,option,...>
 *   env <K=V>
 *   gpu <uuid> <index>
 *   warn <message>
 *   end
 */
#include "nvbind/inject.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/trace.h"

#define REC_FORMAT "2"
#define REC_MAX    4000 /* what a symlink holds everywhere */
/* A directory whose mtime and ctime are older than this can be trusted to show the next
 * change in it: file times move in ticks of at most 10 ms. */
#define SETTLED_NS (100LL * 1000 * 1000)

static const char *const root_envs[] = {"BOLT_NVBIND_CONFIG", "BOLT_DRIVER_ROOT", "BOLT_DEV_ROOT",
                                        "BOLT_PROC_ROOT", "BOLT_SYS_ROOT"};

void
bolt_nv_rec_fini(struct bolt_nv_rec *r)
{
    if (r->text) {
        /* a loaded record: its strings are views into text, only the arrays are its own */
        free(r->edits.nodes);
        for (size_t i = 0; i < r->edits.n_mounts; i++)
            free(r->edits.mounts[i].options);
        free(r->edits.mounts);
        free(r->edits.env);
        free(r->uuids);
        free(r->indexes);
        free(r->warnings);
        free(r->links);
        free(r->text);
    } else {
        free(r->layer_dir);
        bolt_cdi_edits_fini(&r->edits);
        bolt_strv_free(r->uuids);
        bolt_strv_free(r->indexes);
        bolt_strv_free(r->warnings);
        bolt_strv_free(r->links);
        free(r->droot);
    }
    bolt_strv_free(r->absent);
    bolt_strv_free(r->ids);
    memset(r, 0, sizeof(*r));
}

__attribute__((hot)) char *
bolt_nv_rec_path(const char *runroot, const char *persist, const char *lower, char *const *env)
{
    uint64_t h = BOLT_NV_FNV_BASIS;

    h = bolt_nv_fnv1a(h, REC_FORMAT, sizeof(REC_FORMAT));
    /* where the driver is: the config file (its content is checked) and what overrides it */
    for (size_t i = 0; i < sizeof(root_envs) / sizeof(root_envs[0]); i++) {
        const char *v = getenv(root_envs[i]);
        h = bolt_nv_fnv1a(h, v ? v : "", v ? strlen(v) + 1 : 1);
    }
    h = bolt_nv_fnv1a(h, persist ? persist : "", persist ? strlen(persist) + 1 : 1);
    h = bolt_nv_fnv1a(h, lower, strlen(lower) + 1);
    /* the request: every variable the selection and the requirements read */
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], "NVIDIA_", 7) == 0 || strncmp(env[i], "CUDA_VERSION=", 13) == 0)
            h = bolt_nv_fnv1a(h, env[i], strlen(env[i]) + 1);
    {
        /* "<runroot>/nvbind/rec/<16 hex digits>", without printf (see check()) */
        static const char tail[] = "/nvbind/rec/";
        size_t n = strlen(runroot);
        char *p = xmalloc(n + sizeof(tail) - 1 + 16 + 1);

        memcpy(p, runroot, n);
        memcpy(p + n, tail, sizeof(tail) - 1);
        n += sizeof(tail) - 1;
        for (int i = 15; i >= 0; i--, h >>= 4)
            p[n + (size_t)i] = "0123456789abcdef"[h & 15];
        p[n + 16] = '\0';
        return p;
    }
}

/* ---- identities ---- */

static long long
ts_ns(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void
file_id(const char *path, char *buf, size_t len)
{
    struct stat st;

    if (stat(path, &st) < 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%llx:%llx:%llx:%llx:%llx", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
                 (unsigned long long)ts_ns(&st.st_mtim), (unsigned long long)ts_ns(&st.st_ctim));
}

/* The directory's stamp, or "" when it changed too recently to be trusted (or is missing). */
static void
dir_id(const char *path, char *buf, size_t len)
{
    struct stat st;
    struct timespec now;
    long long last;

    buf[0] = '\0';
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    last = ts_ns(&st.st_mtim) > ts_ns(&st.st_ctim) ? ts_ns(&st.st_mtim) : ts_ns(&st.st_ctim);
    if (ts_ns(&now) - last < SETTLED_NS)
        return;
    snprintf(buf, len, "%llx:%llx:%llx:%llx", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino, (unsigned long long)ts_ns(&st.st_mtim),
             (unsigned long long)ts_ns(&st.st_ctim));
}

/* First line of a small file (new string) or NULL. */
static char *
first_line(const char *path)
{
    cleanup_free char *text = bolt_read_file(path, NULL, NULL);

    if (text == NULL)
        return NULL;
    text[strcspn(text, "\n")] = '\0';
    return steal_ptr(&text);
}

void
bolt_nv_rec_identify(struct bolt_nv_rec *r, const struct bolt_nv_config *cfg)
{
    const char *conf = getenv("BOLT_NVBIND_CONFIG");
    cleanup_free char *sysver = bolt_nv_path(cfg->sys_root, "/sys/module/nvidia/version");
    cleanup_free char *cache = bolt_nv_path(cfg->driver_root, "/etc/ld.so.cache");
    char id[128];

    bolt_strv_free(r->ids);
    r->ids = NULL;
    if (conf == NULL || *conf == '\0')
        conf = BOLT_NV_CONFIG_FILE;
    /* the plan's key (bolt_nv_plan_key): the version file, else /proc's version line */
    file_id(sysver, id, sizeof(id));
    if (strcmp(id, "-") == 0) {
        cleanup_free char *proc = bolt_nv_path(cfg->proc_root, "/proc/driver/nvidia/version");
        cleanup_free char *line = first_line(proc);
        bolt_strv_push(&r->ids, "t");
        bolt_strv_push(&r->ids, proc);
        bolt_strv_push(&r->ids, line ? line : "");
    } else {
        bolt_strv_push(&r->ids, "f");
        bolt_strv_push(&r->ids, sysver);
        bolt_strv_push(&r->ids, id);
    }
    file_id(cache, id, sizeof(id));
    bolt_strv_push(&r->ids, "f");
    bolt_strv_push(&r->ids, cache);
    bolt_strv_push(&r->ids, id);
    file_id(conf, id, sizeof(id));
    bolt_strv_push(&r->ids, "f");
    bolt_strv_push(&r->ids, conf);
    bolt_strv_push(&r->ids, id);
}

/* ---- load ---- */

/* Split line at tabs into at most max fields (in place); returns the count. */
__attribute__((hot)) static size_t
fields(char *line, char **f, size_t max)
{
    size_t n = 0;

    while (n < max) {
        f[n++] = line;
        line = strchr(line, '\t');
        if (line == NULL)
            break;
        *line++ = '\0';
    }
    return n;
}

__attribute__((hot)) static bool
parse_ll(const char *s, long long *v)
{
    long long x = 0;

    if (*s == '\0' || strlen(s) > 18)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        x = x * 10 + (*s - '0');
    }
    *v = x;
    return true;
}

/*
 * The data lines of a loaded record become views into its text: no string is copied (a start
 * that applies a record then allocates only the spec's own copies). cap is the number of lines
 * of the record, which bounds every array.
 */
__attribute__((hot)) static bool
load_node(char **f, size_t nf, struct bolt_nv_rec *r, size_t cap)
{
    struct bolt_cdi_node *n;
    long long maj, min, mode;

    if (nf != 8 || (f[3][0] != 'c' && f[3][0] != 'b') || f[3][1] || !parse_ll(f[4], &maj)
        || !parse_ll(f[5], &min) || !parse_ll(f[6], &mode))
        return false;
    if (r->edits.nodes == NULL)
        r->edits.nodes = xcalloc(cap, sizeof(*r->edits.nodes));
    n = &r->edits.nodes[r->edits.n_nodes++];
    n->path = f[1];
    n->host_path = strcmp(f[2], "-") ? f[2] : NULL;
    n->type = f[3][0];
    n->has_major = n->has_minor = n->has_file_mode = true;
    n->major = maj;
    n->minor = min;
    n->file_mode = (uint32_t)mode;
    n->permissions = f[7];
    return true;
}

__attribute__((hot)) static bool
load_mount(char **f, size_t nf, struct bolt_nv_rec *r, size_t cap)
{
    struct bolt_cdi_mount *m;
    size_t n = 1;

    if (nf != 5)
        return false;
    for (const char *o = f[4]; *o; o++)
        n += *o == ',';
    if (r->edits.mounts == NULL)
        r->edits.mounts = xcalloc(cap, sizeof(*r->edits.mounts));
    m = &r->edits.mounts[r->edits.n_mounts++];
    m->host_path = f[1];
    m->container_path = f[2];
    m->type = f[3];
    m->options = xcalloc(n + 1, sizeof(*m->options));
    n = 0;
    for (char *o = f[4]; *o;) {
        char *c = strchr(o, ',');
        m->options[n++] = o;
        if (c == NULL)
            break;
        *c = '\0';
        o = c + 1;
    }
    return true;
}

/* Append v to the NULL-terminated view array *a (cap entries + the NULL). */
__attribute__((hot)) static void
view_push(char ***a, char *v, size_t cap)
{
    size_t n = 0;

    if (*a == NULL)
        *a = xcalloc(cap + 1, sizeof(**a));
    while ((*a)[n])
        n++;
    if (n < cap)
        (*a)[n] = v;
}

/* Next ':'-separated hex number of *s (advanced past it); false when there is none. */
__attribute__((hot)) static bool
hex_next(const char **s, unsigned long long *v)
{
    const char *p = *s;
    unsigned long long x = 0;

    if (*p == '\0' || *p == ':')
        return false;
    for (; *p && *p != ':'; p++) {
        int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
        if (d < 0)
            return false;
        x = x << 4 | (unsigned)d;
    }
    *s = *p == ':' ? p + 1 : p;
    *v = x;
    return true;
}

/* Whether want ("a:b:c..." in hex) spells exactly the n numbers of have. */
__attribute__((hot)) static bool
hex_equal(const char *want, const unsigned long long *have, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned long long v;
        if (!hex_next(&want, &v) || v != have[i])
            return false;
    }
    return *want == '\0';
}

__attribute__((hot)) static bool
push_id(struct bolt_nv_rec *r, const char *kind, const char *path, const char *want)
{
    bolt_strv_push(&r->ids, kind);
    bolt_strv_push(&r->ids, path);
    bolt_strv_push(&r->ids, want);
    return true;
}

/* One check of the host (the kinds f, t, d, n, e, a); true when it still holds. No printf and
 * no allocation on this path: it runs at every start, in a process that has not run this code
 * before, and on a VM every system call costs the touches after it again. */
__attribute__((hot)) static bool
check(char kind, const char *path, const char *want, struct bolt_nv_rec *r)
{
    struct stat st;

    switch (kind) {
    case 'f':
        if (stat(path, &st) < 0) {
            if (strcmp(want, "-") != 0)
                return false;
        } else {
            unsigned long long have[5] = {st.st_dev, st.st_ino, (unsigned long long)st.st_size,
                                          (unsigned long long)ts_ns(&st.st_mtim),
                                          (unsigned long long)ts_ns(&st.st_ctim)};
            if (!hex_equal(want, have, 5))
                return false;
        }
        return true;
    case 't': {
        cleanup_free char *line = first_line(path);
        return strcmp(line ? line : "", want) == 0;
    }
    case 'd': {
        unsigned long long have[4];
        if (stat(path, &st) < 0)
            return false;
        have[0] = st.st_dev;
        have[1] = st.st_ino;
        have[2] = (unsigned long long)ts_ns(&st.st_mtim);
        have[3] = (unsigned long long)ts_ns(&st.st_ctim);
        return hex_equal(want, have, 4);
    }
    case 'n': {
        unsigned long long have[2];
        r->unsettled = true;
        if (stat(path, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            || want[0] != (S_ISCHR(st.st_mode) ? 'c' : 'b') || want[1] != ':')
            return false;
        have[0] = major(st.st_rdev);
        have[1] = minor(st.st_rdev);
        return hex_equal(want + 2, have, 2);
    }
    case 'e':
        return lstat(path, &st) == 0;
    case 'a':
        /* a driver file that is back: the injection would differ */
        return lstat(path, &st) < 0 && errno == ENOENT;
    default:
        return false;
    }
}

__attribute__((hot)) static bool
load_line(char *line, struct bolt_nv_rec *r, size_t cap)
{
    char *f[9];
    size_t nf = fields(line, f, 9);

    if (strcmp(f[0], "node") == 0)
        return load_node(f, nf, r, cap);
    if (strcmp(f[0], "mount") == 0)
        return load_mount(f, nf, r, cap);
    if (strcmp(f[0], "gpu") == 0 && nf == 3) {
        view_push(&r->uuids, f[1], cap);
        view_push(&r->indexes, f[2], cap);
        return true;
    }
    if (nf != 2)
        return false;
    if (strcmp(f[0], "env") == 0) {
        if (strchr(f[1], '=') == NULL)
            return false;
        view_push(&r->edits.env, f[1], cap);
    } else if (strcmp(f[0], "warn") == 0) {
        view_push(&r->warnings, f[1], cap);
    } else if (strcmp(f[0], "layer") == 0 && r->layer_dir == NULL) {
        r->layer_dir = f[1];
    } else if (strcmp(f[0], "link") == 0 && strstr(f[1], "::")) {
        view_push(&r->links, f[1], cap);
    } else if (strcmp(f[0], "droot") == 0 && r->droot == NULL) {
        r->droot = f[1];
    } else if (strcmp(f[0], "cachekey") == 0 && !r->has_cache_key) {
        const char *p = f[1];
        unsigned long long k;
        if (!hex_next(&p, &k) || *p)
            return false;
        r->cache_key = k;
        r->has_cache_key = true;
    } else {
        return false;
    }
    return true;
}

__attribute__((hot)) int
bolt_nv_rec_load(const char *path, struct bolt_nv_rec *out)
{
    /* on the heap: only the bytes read are touched (a stack array is probed page by page,
     * and a fresh page costs more here than the whole lookup) */
    char *buf = xmalloc(REC_MAX + 2);
    long long t0 = bolt_trace_enabled() ? bolt_trace_now_ns() : 0, t1 = 0, t2 = 0;
    ssize_t n = readlink(path, buf, REC_MAX + 1);
    size_t cap = 0, n_checks = 0;
    char *line, *next, *first;
    bool ended = false;

    memset(out, 0, sizeof(*out));
    out->text = buf; /* from here on, bolt_nv_rec_fini frees it */
    if (n <= 0 || n > REC_MAX || buf[n - 1] != '\n')
        goto bad;
    buf[n] = '\0';
    next = strchr(buf, '\n');
    *next = '\0';
    if (strcmp(buf, "boltrec\t" REC_FORMAT) != 0)
        goto bad;
    if (t0)
        t1 = bolt_trace_now_ns();
    /* first every check of the host, back to back (they come first in a record); they stay
     * in the text, split in place (no array of them: this runs in a process whose stack has
     * not been this deep, and a fresh stack page costs more than the checks) */
    first = next + 1;
    for (line = first; *line; line = next + 1) {
        char *f[4];
        size_t nf;

        if (!strchr("ftdnea", line[0]) || line[1] != '\t')
            break;
        next = strchr(line, '\n');
        *next = '\0';
        nf = fields(line, f, 4);
        n_checks++;
        if (nf != (strchr("ea", f[0][0]) ? 2u : 3u)
            || !check(f[0][0], f[1], nf == 3 ? f[2] : NULL, out))
            goto bad;
    }
    if (t0)
        t2 = bolt_trace_now_ns();
    /* then what it holds */
    for (const char *c = line; *c; c++)
        cap += *c == '\n';
    for (; *line; line = next + 1) {
        next = strchr(line, '\n');
        *next = '\0';
        if (strcmp(line, "end") == 0) {
            ended = next[1] == '\0';
            break;
        }
        if (!load_line(line, out, cap))
            break;
    }
    if (!ended || (out->layer_dir == NULL) == (out->droot == NULL) || out->uuids == NULL)
        goto bad;
    if (t0) {
        out->read_ns = t1 - t0;
        out->check_ns = t2 - t1;
        out->parse_ns = bolt_trace_now_ns() - t2;
    }
    /* nodes checked one by one because their directory had just changed: once it has
     * settled, the record is written again with the directory's stamp instead */
    if (out->unsettled) {
        /* the check lines, split in place above: "<kind>\0<path>\0[<want>\0]" each */
        for (char *c = first; n_checks--;) {
            char kind[2] = {c[0], '\0'};
            char *cpath = c + 2, *want = NULL;
            c = cpath + strlen(cpath) + 1;
            if (!strchr("ea", kind[0])) {
                want = c;
                c += strlen(c) + 1;
            }
            if (kind[0] == 'f' || kind[0] == 't')
                push_id(out, kind, cpath, want);
            else if (kind[0] == 'a')
                bolt_strv_push(&out->absent, cpath);
        }
        bolt_nv_rec_save(path, out);
    }
    return 0;
bad:
    bolt_nv_rec_fini(out);
    return -1;
}

/* ---- save ---- */

struct buf {
    char p[REC_MAX + 1];
    size_t len;
    bool bad; /* a value that the format cannot hold, or too long */
};

static void
put(struct buf *b, const char *s, char end)
{
    size_t n = strlen(s);

    if (strpbrk(s, "\t\n") || b->len + n + 1 > REC_MAX) {
        b->bad = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len++] = end;
}

static bool
recordable(const struct bolt_cdi_edits *e)
{
    if (e->n_hooks || e->n_gids || e->intel_rdt || e->net_devices)
        return false;
    for (size_t i = 0; i < e->n_nodes; i++) {
        const struct bolt_cdi_node *n = &e->nodes[i];
        if ((n->type != 'c' && n->type != 'b') || !n->has_major || !n->has_minor
            || !n->has_file_mode || n->has_uid || n->has_gid)
            return false;
    }
    return true;
}

/* d lines for the directories of the nodes that can be trusted, n lines for the others */
static void
put_nodes(struct buf *b, const struct bolt_cdi_edits *e)
{
    cleanup_strv char **dirs = NULL, **stamps = NULL;
    char id[128];

    for (size_t i = 0; i < e->n_nodes; i++) {
        const struct bolt_cdi_node *n = &e->nodes[i];
        const char *host = n->host_path ? n->host_path : n->path;
        const char *slash = strrchr(host, '/');
        cleanup_free char *dir = xstrndup(host, slash && slash != host ? (size_t)(slash - host) : 1);
        size_t k = 0;

        while (dirs && dirs[k] && strcmp(dirs[k], dir) != 0)
            k++;
        if (dirs == NULL || dirs[k] == NULL) {
            dir_id(dir, id, sizeof(id));
            bolt_strv_push(&dirs, dir);
            bolt_strv_push(&stamps, id);
            if (*id) {
                put(b, "d", '\t');
                put(b, dir, '\t');
                put(b, id, '\n');
            }
        }
        if (*stamps[k] == '\0') {
            snprintf(id, sizeof(id), "%c:%llx:%llx", n->type, (unsigned long long)n->major,
                     (unsigned long long)n->minor);
            put(b, "n", '\t');
            put(b, host, '\t');
            put(b, id, '\n');
        }
    }
}

void
bolt_nv_rec_save(const char *path, const struct bolt_nv_rec *r)
{
    const struct bolt_cdi_edits *e = &r->edits;
    cleanup_free struct buf *b = NULL;
    cleanup_free char *tmp = NULL, *dir = NULL;
    char num[64];

    /* "<runroot>/nvbind/": what is under it is bolt's own */
    const char *rec = strstr(path, "/nvbind/rec/");
    size_t own = rec ? (size_t)(rec - path) + sizeof("/nvbind/") - 1 : 0;

    if ((r->layer_dir == NULL) == (r->droot == NULL) || r->uuids == NULL || r->ids == NULL
        || !recordable(e))
        return;
    if (r->droot)
        own = 0; /* nvbind: no engine forgets a record after a failed start, so all is checked */
    b = xcalloc(1, sizeof(*b));
    put(b, "boltrec", '\t');
    put(b, REC_FORMAT, '\n');
    for (size_t i = 0; r->ids[i] && r->ids[i + 1] && r->ids[i + 2]; i += 3) {
        put(b, r->ids[i], '\t');
        put(b, r->ids[i + 1], '\t');
        put(b, r->ids[i + 2], '\n');
    }
    put_nodes(b, e);
    for (size_t i = 0; i < e->n_mounts; i++) {
        bool optional = false;
        for (char **o = e->mounts[i].options; o && *o && !optional; o++)
            optional = strcmp(*o, BOLT_MOUNT_OPT_OPTIONAL) == 0;
        if (optional)
            continue; /* the runtime skips it when its source is missing */
        if (own && strncmp(e->mounts[i].host_path, path, own) == 0)
            continue; /* bolt's own (the bundle): see bolt_nv_engine_forget_record */
        put(b, "e", '\t');
        put(b, e->mounts[i].host_path, '\n');
    }
    for (size_t i = 0; r->droot && r->links && r->links[i]; i++) {
        /* nvbind: each start links to the driver's file, which must still be there */
        cleanup_free char *host = bolt_nv_path(r->droot, strstr(r->links[i], "::") + 2);
        put(b, "e", '\t');
        put(b, host, '\n');
    }
    for (size_t i = 0; r->absent && r->absent[i]; i++) {
        put(b, "a", '\t');
        put(b, r->absent[i], '\n');
    }
    if (r->layer_dir) {
        put(b, "layer", '\t');
        put(b, r->layer_dir, '\n');
    } else {
        put(b, "droot", '\t');
        put(b, r->droot, '\n');
        for (size_t i = 0; r->links && r->links[i]; i++) {
            put(b, "link", '\t');
            put(b, r->links[i], '\n');
        }
        if (r->has_cache_key) {
            snprintf(num, sizeof(num), "%llx", (unsigned long long)r->cache_key);
            put(b, "cachekey", '\t');
            put(b, num, '\n');
        }
    }
    for (size_t i = 0; i < e->n_nodes; i++) {
        const struct bolt_cdi_node *n = &e->nodes[i];
        put(b, "node", '\t');
        put(b, n->path, '\t');
        put(b, n->host_path ? n->host_path : "-", '\t');
        put(b, n->type == 'c' ? "c" : "b", '\t');
        snprintf(num, sizeof(num), "%lld", (long long)n->major);
        put(b, num, '\t');
        snprintf(num, sizeof(num), "%lld", (long long)n->minor);
        put(b, num, '\t');
        snprintf(num, sizeof(num), "%u", n->file_mode);
        put(b, num, '\t');
        put(b, n->permissions && *n->permissions ? n->permissions : "rwm", '\n');
    }
    for (size_t i = 0; i < e->n_mounts; i++) {
        const struct bolt_cdi_mount *m = &e->mounts[i];
        put(b, "mount", '\t');
        put(b, m->host_path, '\t');
        put(b, m->container_path, '\t');
        put(b, m->type ? m->type : "bind", '\t');
        for (size_t k = 0; m->options && m->options[k]; k++) {
            if (strchr(m->options[k], ','))
                b->bad = true;
            put(b, m->options[k], m->options[k + 1] ? ',' : '\n');
        }
        if (m->options == NULL || m->options[0] == NULL)
            put(b, "", '\n');
    }
    for (size_t i = 0; e->env && e->env[i]; i++) {
        put(b, "env", '\t');
        put(b, e->env[i], '\n');
    }
    for (size_t i = 0; r->uuids[i] && r->indexes && r->indexes[i]; i++) {
        put(b, "gpu", '\t');
        put(b, r->uuids[i], '\t');
        put(b, r->indexes[i], '\n');
    }
    for (size_t i = 0; r->warnings && r->warnings[i]; i++) {
        put(b, "warn", '\t');
        put(b, r->warnings[i], '\n');
    }
    put(b, "end", '\n');
    if (b->bad)
        return; /* this request takes the full path at every start */
    b->p[b->len] = '\0';
    /* a new link, then rename: a reader sees the old record or the whole new one. It lives
     * on the runroot and is made again when it is lost. */
    dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
    tmp = xasprintf("%s.%d.tmp", path, (int)getpid());
    if (mkdir(dir, 0700) < 0 && errno != EEXIST && bolt_mkdir_p(dir, 0700, NULL) < 0)
        return;
    unlink(tmp);
    if (symlink(b->p, tmp) < 0)
        return;
    if (rename(tmp, path) < 0)
        unlink(tmp);
}

void
bolt_nv_rec_forget(const char *runroot)
{
    cleanup_free char *dir = xasprintf("%s/nvbind/rec", runroot);

    bolt_rm_rf(dir, NULL);
}
