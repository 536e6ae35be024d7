/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nvbind layer of `bolt run` (see inject.h). Why a layer: creating the links and mount
 * points in a container's fresh upper dir copies up each parent directory (/usr, /usr/bin,
 * /etc, /etc/OpenCL, ...) at start and deletes each at exit; on a real disk every one of
 * those directories costs an inode allocation, journal work and a discard, milliseconds per
 * container in all. A lower layer built once per image costs nothing per container.
 *
 * The image is read through its own layer directories the way overlayfs merges them (the
 * topmost entry wins, a char 0:0 node is a whiteout, trusted.overlay.opaque stops the merge
 * below a directory), never through a path that crosses a symlink of the image. A directory
 * of the layer takes the owner and mode of the image's directory, since overlayfs shows the
 * attributes of the topmost one.
 */
#include "nvbind/inject.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/trace.h"

#define LAYER_FORMAT 2u   /* bump when the content of a layer changes */
#define MANIFEST_MAX 4000 /* below PATH_MAX: the longest manifest a symlink holds */

void
bolt_nv_layer_fini(struct bolt_nv_layer *l)
{
    free(l->dir);
    bolt_strv_free(l->binds);
    memset(l, 0, sizeof(*l));
}

/* ---- the image as overlayfs shows it ---- */

struct view {
    char **lowers; /* top first */
    size_t n;
};

static bool
is_opaque(const char *path)
{
    char v[4];
    ssize_t n = lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v));

    return n == 1 && v[0] == 'y';
}

/*
 * Look rel ("usr/bin", no leading '/') up in the merged image. Returns 1 with *st of the
 * entry shown, 0 when absent, -1 when a parent is not a directory in the image.
 */
static int
view_stat(const struct view *v, const char *rel, struct stat *st)
{
    cleanup_free bool *active = xcalloc(v->n + 1, sizeof(*active));
    cleanup_free bool *next = xcalloc(v->n + 1, sizeof(*next));
    cleanup_free char *prefix = xstrdup(rel);
    char *slash = prefix;

    for (size_t i = 0; i < v->n; i++)
        active[i] = true;
    for (;;) {
        bool found = false, last;

        slash = strchr(slash, '/');
        last = slash == NULL;
        if (slash)
            *slash = '\0';
        memset(next, 0, v->n * sizeof(*next));
        for (size_t i = 0; i < v->n; i++) {
            cleanup_free char *p = NULL;
            struct stat s;

            if (!active[i])
                continue;
            p = xasprintf("%s/%s", v->lowers[i], prefix);
            if (lstat(p, &s) < 0)
                continue;
            if (!found) {
                found = true;
                *st = s;
                if (S_ISCHR(s.st_mode) && s.st_rdev == makedev(0, 0))
                    return 0; /* whiteout */
                if (!S_ISDIR(s.st_mode))
                    break;
            } else if (!S_ISDIR(s.st_mode)) {
                break; /* a lower non-directory ends the merge */
            }
            next[i] = true;
            if (is_opaque(p))
                break;
        }
        if (!found)
            return 0;
        if (last)
            return 1;
        if (!S_ISDIR(st->st_mode))
            return -1;
        memcpy(active, next, v->n * sizeof(*active));
        *slash++ = '/';
    }
}

/*
 * Create the directories of abs (e.g. "/usr/bin") in the layer at rootfd, each with the
 * image's owner and mode. Returns an O_PATH fd of the last one, -2 when a component is not a
 * directory in the image (the caller falls back to a bind mount), -1 on error.
 */
static int
place_dirs(const struct view *v, int rootfd, const char *abs, struct bolt_err *err)
{
    cleanup_free char *rel = xstrdup(abs + strspn(abs, "/"));
    size_t n = strlen(rel);
    int dfd = dup(rootfd);
    char *p = rel;

    while (n && rel[n - 1] == '/')
        rel[--n] = '\0';
    while (dfd >= 0 && *p) {
        char *slash = strchr(p, '/');
        struct stat st;
        int r, nfd;
        mode_t mode = 0755;
        uid_t uid = 0;
        gid_t gid = 0;

        if (slash)
            *slash = '\0';
        r = view_stat(v, rel, &st);
        if (r < 0 || (r == 1 && !S_ISDIR(st.st_mode))) {
            close(dfd);
            return -2;
        }
        if (r == 1)
            mode = st.st_mode & 07777, uid = st.st_uid, gid = st.st_gid;
        if (mkdirat(dfd, p, 0700) == 0) {
            if (fchownat(dfd, p, uid, gid, AT_SYMLINK_NOFOLLOW) < 0
                || fchmodat(dfd, p, mode, 0) < 0) {
                close(dfd);
                return bolt_err_set(err, errno, "set owner and mode of '%s' in the nvbind layer",
                                    rel);
            }
        } else if (errno != EEXIST) {
            close(dfd);
            return bolt_err_set(err, errno, "create '%s' in the nvbind layer", rel);
        }
        nfd = openat(dfd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(dfd);
        dfd = nfd;
        if (dfd < 0)
            return bolt_err_set(err, errno, "open '%s' in the nvbind layer", rel);
        if (!slash)
            break;
        *slash = '/';
        p = slash + 1;
    }
    return dfd;
}

static char *
parent_of(const char *abs)
{
    const char *s = strrchr(abs, '/');

    return s && s != abs ? xstrndup(abs, (size_t)(s - abs)) : xstrdup("/");
}

/* ---- building ---- */

struct build {
    const struct bolt_nv_plan *plan;
    unsigned caps;
    struct view view;
    int rootfd;
    char **binds;
    bool cache;
};

/* A binary or config file: a symlink into the bundle mount, else a bind mount later. */
static int
add_link(struct build *b, const struct bolt_nv_file *f, struct bolt_err *err)
{
    cleanup_free char *host = bolt_nv_path(b->plan->driver_root, f->path);
    cleanup_free char *target = xasprintf("%s%s", BOLT_NV_CTR_FILES, f->path);
    cleanup_free char *link = xasprintf("%s::%s", target, f->path);
    cleanup_free char *dir = parent_of(f->path);
    struct stat st;
    int dfd, r;

    if (lstat(host, &st) < 0) {
        log_warn("driver file '%s' is missing: containers get GPUs without it", host);
        return 0;
    }
    r = view_stat(&b->view, f->path + 1, &st);
    dfd = r == 1 && S_ISDIR(st.st_mode) ? -2 : place_dirs(&b->view, b->rootfd, dir, err);
    if (dfd == -1)
        return -1;
    if (dfd == -2) {
        bolt_strv_push(&b->binds, link);
        return 0;
    }
    r = symlinkat(target, dfd, strrchr(f->path, '/') + 1);
    close(dfd);
    if (r < 0 && errno != EEXIST)
        return bolt_err_set(err, errno, "symlink '%s' in the nvbind layer", f->path);
    return 0;
}

/* A mount point (directory, or empty file) the runtime would otherwise create. */
static int
add_mount_point(struct build *b, const char *path, bool dir, struct bolt_err *err)
{
    cleanup_free char *parent = dir ? xstrdup(path) : parent_of(path);
    struct stat st;
    int dfd, fd;

    if (!dir && view_stat(&b->view, path + 1, &st) == 1)
        return 0; /* the image has it */
    dfd = place_dirs(&b->view, b->rootfd, parent, err);
    if (dfd == -1)
        return -1;
    if (dfd == -2 || dir) {
        if (dfd >= 0)
            close(dfd);
        return 0; /* the runtime creates it as before */
    }
    fd = openat(dfd, strrchr(path, '/') + 1, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    close(dfd);
    if (fd < 0)
        return bolt_err_set(err, errno, "create mount point '%s' in the nvbind layer", path);
    close(fd);
    return 0;
}

/* The merged /etc/ld.so.cache, read from the image's topmost cache file. */
static int
add_cache(struct build *b, struct bolt_err *err)
{
    cleanup_free char *image = NULL;
    cleanup_free void *data = NULL;
    struct stat st;
    size_t len = 0;
    int r = view_stat(&b->view, "etc/ld.so.cache", &st), dfd;

    if (r < 0 || (r == 1 && !S_ISREG(st.st_mode)))
        return 0; /* an unusual image: the per-container cache mount handles it */
    for (size_t i = 0; r == 1 && i < b->view.n && !image; i++) {
        cleanup_free char *p = xasprintf("%s/etc/ld.so.cache", b->view.lowers[i]);
        struct stat s;
        if (lstat(p, &s) == 0 && s.st_ino == st.st_ino && s.st_dev == st.st_dev)
            image = bolt_read_file(p, &len, NULL);
    }
    data = bolt_nv_ldcache_merged(b->plan, b->caps, image, len, b->view.lowers[0], &len);
    dfd = place_dirs(&b->view, b->rootfd, "/etc", err);
    if (dfd == -1)
        return -1;
    if (dfd == -2)
        return 0;
    r = bolt_write_file_atomic_at(dfd, "ld.so.cache", data, len, 0644, err);
    close(dfd);
    if (r < 0)
        return bolt_err_wrap(err, "nvbind layer");
    b->cache = true;
    return 0;
}

static int
fill(struct build *b, struct bolt_err *err)
{
    const struct bolt_nv_plan *plan = b->plan;
    struct stat st;

    /* the layer's root is the container's "/": the image's owner and mode */
    if (b->view.n && stat(b->view.lowers[0], &st) == 0
        && (fchown(b->rootfd, st.st_uid, st.st_gid) < 0
            || fchmod(b->rootfd, st.st_mode & 07777) < 0))
        return bolt_err_set(err, errno, "set owner and mode of the nvbind layer");
    for (size_t i = 0; i < plan->n_files; i++) {
        const struct bolt_nv_file *f = &plan->files[i];
        cleanup_free char *host = NULL;
        int r = 0;

        if (!bolt_nv_file_has_cap(f, b->caps))
            continue;
        if (f->kind == BOLT_NV_FILE_BIN || f->kind == BOLT_NV_FILE_CONFIG) {
            r = add_link(b, f, err);
        } else if (f->kind == BOLT_NV_FILE_IPC) {
            host = bolt_nv_path(plan->driver_root, f->path);
            if (lstat(host, &st) == 0)
                r = add_mount_point(b, f->path, S_ISDIR(st.st_mode), err);
        }
        if (r < 0)
            return -1;
    }
    if (add_mount_point(b, BOLT_NV_CTR_BUNDLE, true, err) < 0)
        return -1;
    return add_cache(b, err);
}

/*
 * What the warm path reads: "layer" then one "bind TARGET::LINK" line per bind and "cache"
 * if merged. It is stored as the target of a symlink: one readlink(2) reads it, where a file
 * costs an open, a read and a close (each syscall costs microseconds in a VM). A manifest
 * longer than a symlink may be goes to manifest.txt, and the link says "file".
 */
static char *
manifest(const struct build *b)
{
    char *m = xstrdup(b->cache ? "layer\ncache\n" : "layer\n");

    for (size_t i = 0; b->binds && b->binds[i]; i++) {
        char *n = xasprintf("%sbind %s\n", m, b->binds[i]);
        free(m);
        m = n;
    }
    return m;
}

static int
build_layer(const struct bolt_nv_plan *plan, unsigned caps, const char *lower, const char *dir,
            struct bolt_err *err)
{
    cleanup_free char *tmp = xasprintf("%s.tmp%ld", dir, (long)getpid());
    cleanup_free char *root = xasprintf("%s/root", tmp);
    cleanup_free char *mpath = xasprintf("%s/manifest", tmp);
    cleanup_free char *m = NULL;
    cleanup_free char *copy = xstrdup(lower);
    struct build b = {.plan = plan, .caps = caps, .rootfd = -1};
    char *save = NULL;
    int r = -1;

    for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
        bolt_strv_push(&b.view.lowers, t);
    b.view.n = bolt_strv_len(b.view.lowers);
    bolt_rm_rf(tmp, NULL);
    if (bolt_mkdir_p(root, 0755, err) < 0)
        goto out;
    b.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* not O_PATH: fchown */
    if (b.rootfd < 0) {
        bolt_err_set(err, errno, "open '%s'", root);
        goto out;
    }
    if (fill(&b, err) < 0)
        goto out;
    m = manifest(&b);
    if (strlen(m) >= MANIFEST_MAX) {
        cleanup_free char *fpath = xasprintf("%s.txt", mpath);
        if (bolt_write_file_atomic(fpath, m, strlen(m), 0644, err) < 0)
            goto out;
        strcpy(m, "file");
    }
    if (symlink(m, mpath) < 0) {
        bolt_err_set(err, errno, "symlink '%s'", mpath);
        goto out;
    }
    {
        /* the image layers it was made for: bolt_nv_layers_gc removes it with them */
        cleanup_free char *lpath = xasprintf("%s/lower", tmp);
        if (symlink(lower, lpath) < 0) {
            bolt_err_set(err, errno, "symlink '%s'", lpath);
            goto out;
        }
    }
    if (rename(tmp, dir) < 0) {
        bolt_err_set(err, errno, "rename '%s' to '%s'", tmp, dir);
        goto out;
    }
    r = 0;
out:
    if (b.rootfd >= 0)
        close(b.rootfd);
    if (r < 0)
        bolt_rm_rf(tmp, NULL);
    bolt_strv_free(b.view.lowers);
    return r;
}

/* ---- lookup ---- */

static void
prune_stale(const char *top, const char *keep)
{
    cleanup_dir DIR *d = opendir(top);
    struct dirent *de;

    while (d && (de = readdir(d))) {
        cleanup_free char *p = NULL;
        if (de->d_name[0] == '.' || strcmp(de->d_name, keep) == 0)
            continue;
        p = xasprintf("%s/%s", top, de->d_name);
        bolt_rm_rf(p, NULL);
    }
}

/* The manifest of the layer at dir (new string), or NULL when the layer is not complete. */
static char *
read_manifest(const char *dir)
{
    cleanup_free char *link = xasprintf("%s/manifest", dir);
    char buf[MANIFEST_MAX + 1];
    ssize_t n = readlink(link, buf, sizeof(buf) - 1);

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    if (strcmp(buf, "file") == 0) {
        cleanup_free char *fpath = xasprintf("%s.txt", link);
        return bolt_read_file(fpath, NULL, NULL);
    }
    return xstrdup(buf);
}

/* Parse a manifest into out (binds, cache). */
static void
load_manifest(char *text, struct bolt_nv_layer *out)
{
    char *save = NULL;

    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strcmp(l, "cache") == 0)
            out->cache = true;
        else if (strncmp(l, "bind ", 5) == 0 && strstr(l + 5, "::"))
            bolt_strv_push(&out->binds, l + 5);
    }
}

/* Whether every dir of the lowerdir string lower (a:b:c) still exists. */
static bool
lowers_exist(const char *lower)
{
    cleanup_free char *copy = xstrdup(lower);
    char *save = NULL;
    struct stat st;

    for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
        if (stat(t, &st) < 0 && errno == ENOENT)
            return false;
    return true;
}

int
bolt_nv_layers_gc(const char *runroot)
{
    cleanup_free char *top = xasprintf("%s/nvbind/layer", runroot);
    cleanup_dir DIR *d = opendir(top);
    struct dirent *de;
    int removed = 0;

    while (d && (de = readdir(d))) {
        cleanup_free char *pdir = NULL;
        cleanup_dir DIR *pd = NULL;
        struct dirent *le;

        if (de->d_name[0] == '.')
            continue;
        pdir = xasprintf("%s/%s", top, de->d_name);
        pd = opendir(pdir);
        while (pd && (le = readdir(pd))) {
            cleanup_free char *lpath = NULL, *ldir = NULL;
            char lower[8192];
            ssize_t n;

            if (le->d_name[0] == '.' || strchr(le->d_name, '.'))
                continue; /* a layer being built (NAME.tmpPID) is its builder's */
            lpath = xasprintf("%s/%s/lower", pdir, le->d_name);
            n = readlink(lpath, lower, sizeof(lower) - 1);
            if (n <= 0)
                continue; /* made before layers kept their lower dirs: kept */
            lower[n] = '\0';
            if (lowers_exist(lower))
                continue;
            ldir = xasprintf("%s/%s", pdir, le->d_name);
            if (bolt_rm_rf(ldir, NULL) == 0)
                removed++;
        }
    }
    if (removed)
        bolt_nv_rec_forget(runroot); /* some named a layer that is gone */
    return removed;
}

char *
bolt_nv_plan_dirkey(const char *version, const struct bolt_nv_ldcache_id *id)
{
    return xasprintf("%s-%llx-%llx-%llx", version ? version : "none", (unsigned long long)id->ino,
                     (unsigned long long)id->size, (unsigned long long)id->mtime_ns);
}

int
bolt_nv_layer_get(const struct bolt_nv_plan *plan, unsigned caps, const char *lower,
                  const char *runroot, struct bolt_nv_layer *out, struct bolt_err *err)
{
    const struct bolt_nv_ldcache_id *id = &plan->ldcache_id;
    cleanup_free char *pkey = bolt_nv_plan_dirkey(plan->driver_version, id);
    cleanup_free char *top = xasprintf("%s/nvbind/layer", runroot);
    cleanup_free char *dir = NULL, *text = NULL;
    uint64_t h = BOLT_NV_FNV_BASIS;
    unsigned fmt = LAYER_FORMAT;
    int lock;

    memset(out, 0, sizeof(*out));
    h = bolt_nv_fnv1a(h, &fmt, sizeof(fmt));
    h = bolt_nv_fnv1a(h, &caps, sizeof(caps));
    h = bolt_nv_fnv1a(h, plan->driver_root, strlen(plan->driver_root) + 1);
    h = bolt_nv_fnv1a(h, lower, strlen(lower));
    dir = xasprintf("%s/%s/%016llx", top, pkey, (unsigned long long)h);
    text = read_manifest(dir); /* the warm path: one readlink */
    if (text == NULL) {
        cleanup_free char *parent = xasprintf("%s/%s", top, pkey);
        cleanup_free char *lockp = xasprintf("%s/.lock", top);
        int r = 0;

        if (bolt_mkdir_p(parent, 0755, err) < 0)
            return bolt_err_wrap(err, "nvbind layer");
        lock = bolt_lock_open(lockp, true, true, err);
        if (lock < 0)
            return bolt_err_wrap(err, "nvbind layer");
        text = read_manifest(dir);
        if (text == NULL) {
            prune_stale(top, pkey);
            r = build_layer(plan, caps, lower, dir, err);
            text = r == 0 ? read_manifest(dir) : NULL;
            if (r == 0 && text == NULL)
                bolt_err_set(err, 0, "'%s': the new layer has no manifest", dir);
        }
        bolt_lock_release(lock);
        if (text == NULL)
            return bolt_err_wrap(err, "nvbind layer under '%s'", top);
    }
    load_manifest(text, out);
    out->dir = xasprintf("%s/root", dir);
    out->caps = caps;
    return 0;
}

/* ---- bolt run: chosen before the rootfs mount, used by the first start's injection ---- */

void
bolt_nv_engine_prepared_free(struct bolt_nv_prepared *p)
{
    bool applied = p->record_applied;

    free(p->runroot);
    bolt_nv_plan_free(p->plan);
    bolt_nv_layer_fini(&p->layer);
    bolt_nv_rec_fini(&p->rec);
    free(p->rec_path);
    memset(p, 0, sizeof(*p));
    p->record_applied = applied;
}

__attribute__((hot)) int
bolt_nv_engine_layer(struct bolt_nv_prepared *p, const struct bolt_oci_spec *spec,
                     const char *root, const char *runroot, const char *lower, char **dir,
                     struct bolt_err *err)
{
    long long c0 = bolt_trace_enabled() ? bolt_nv_cpu_ns() : 0, t0 = bolt_nv_now_ns();
    struct bolt_gpusel sel = {0};
    struct bolt_gpureq req = {0};
    struct bolt_nv_config cfg;
    bool rebuilt = false;
    unsigned caps;
    int r = -1;

    *dir = NULL;
    if (p->runroot || p->rec_path || p->plan)
        bolt_nv_engine_prepared_free(p);
    if (bolt_oci_spec_getenv(spec, "NVIDIA_VISIBLE_DEVICES") == NULL)
        return 0;
    p->rec_path = bolt_nv_rec_path(runroot, root, lower, spec->process.env);
    if (c0)
        p->key_ns = bolt_nv_now_ns() - t0;
    if (bolt_nv_rec_load(p->rec_path, &p->rec) == 0) {
        /* an earlier start of this request recorded its injection, and it still holds */
        p->runroot = xstrdup(runroot);
        *dir = xstrdup(p->rec.layer_dir);
        p->ns = bolt_nv_now_ns() - t0;
        p->cpu_ns = c0 ? bolt_nv_cpu_ns() - c0 : 0;
        return 0;
    }
    bolt_nv_config_init(&cfg);
    if (bolt_nv_config_load(&cfg, err) < 0)
        goto out;
    /* what the plan is made from, as it is before the plan is loaded */
    bolt_nv_rec_identify(&p->rec, &cfg);
    if (bolt_gpusel_from_env(spec->process.env, &sel, &req, err) < 0)
        goto out;
    r = 0;
    if (sel.kind == BOLT_GPUSEL_UNSET)
        goto out;
    caps = sel.caps_set ? sel.caps : BOLT_NV_CAP_DEFAULT;
    r = -1;
    p->plan = bolt_nv_plan_get(&cfg, runroot, false, &rebuilt, err);
    if (p->plan == NULL)
        goto out;
    /* what is missing or wrong is said once, when the plan is (re)built */
    for (size_t i = 0; rebuilt && p->plan->warnings && p->plan->warnings[i]; i++)
        log_warn("%s", p->plan->warnings[i]);
    p->runroot = xstrdup(runroot);
    r = 0;
    if (p->plan->type == BOLT_NV_DRIVER_NOUVEAU)
        goto out; /* /dev/dri only: nothing to put in a layer */
    r = bolt_nv_layer_get(p->plan, caps, lower, runroot, &p->layer, err);
    if (r == 0)
        *dir = xstrdup(p->layer.dir);
out:
    if (r < 0)
        bolt_nv_engine_prepared_free(p);
    p->ns = bolt_nv_now_ns() - t0;
    p->cpu_ns = c0 ? bolt_nv_cpu_ns() - c0 : 0;
    bolt_gpusel_fini(&sel);
    bolt_gpureq_fini(&req);
    bolt_nv_config_fini(&cfg);
    return r;
}

bool
bolt_nv_engine_forget_record(struct bolt_nv_prepared *p, const char *runroot)
{
    if (p->rec.layer_dir == NULL && !p->record_applied)
        return false;
    p->record_applied = false;
    bolt_nv_rec_forget(runroot);
    return true;
}

__attribute__((hot)) bool
bolt_nv_engine_prepared(struct bolt_nv_prepared *p, const char *runroot,
                        struct bolt_nv_inject_opts *o)
{
    if ((p->plan == NULL && p->rec.layer_dir == NULL)
        || strcmp(p->runroot, runroot) != 0)
        return false;
    o->plan = p->plan;
    o->layer = p->layer.dir ? &p->layer : NULL;
    o->rec = p->rec.layer_dir ? &p->rec : NULL;
    p->record_applied = o->rec != NULL;
    o->rec_path = p->rec_path;
    o->rec_ids = p->rec.ids;
    o->prep_ns = p->ns;
    o->prep_cpu_ns = p->cpu_ns;
    o->prep_key_ns = p->key_ns;
    return true;
}
