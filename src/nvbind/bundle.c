/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver bundle: the driver's libraries gathered once per boot under the runroot, so a
 * container needs one bind mount for all of them, and the per-container merged ld.so.cache.
 * Files are hard links (no copy; the driver's own inodes), in the runroot when it shares the
 * driver's filesystem, else under the persistent root (linked from the runroot); copies only
 * when neither does. No bind mounts: a bundle must be valid in every mount namespace (bolt's
 * supervisors run in private ones).
 */
#include "nvbind/inject.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvbind/ldcache.h"
#include "util/fs.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"

#if defined(__aarch64__)
#define LIB64_FLAGS (BOLT_LDCACHE_FLAG_ELF_LIBC6 | BOLT_LDCACHE_ARCH_AARCH64)
#else
#define LIB64_FLAGS (BOLT_LDCACHE_FLAG_ELF_LIBC6 | BOLT_LDCACHE_ARCH_X86_64)
#endif
#define LIB32_FLAGS (BOLT_LDCACHE_FLAG_ELF_LIBC6 | BOLT_LDCACHE_ARCH_I386)

static const char *
base_of(const char *p)
{
    const char *s = strrchr(p, '/');

    return s ? s + 1 : p;
}

enum place_mode { PLACE_LINK, PLACE_COPY };

static int
copy_file(const char *host, const char *dst, struct bolt_err *err)
{
    cleanup_close int in = open(host, O_RDONLY | O_CLOEXEC);
    cleanup_close int out = -1;
    struct stat st;

    if (in < 0 || fstat(in, &st) < 0)
        return bolt_err_set(err, errno, "open '%s'", host);
    out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0755);
    if (out < 0)
        return bolt_err_set(err, errno, "create '%s'", dst);
    for (off_t left = st.st_size; left > 0;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return bolt_err_set(err, n < 0 ? errno : EIO, "copy '%s' to '%s'", host, dst);
        left -= n;
    }
    return 0;
}

/*
 * Put host at dst: a hard link (no copy, and the file stays the driver's own inode), or a copy
 * when the bundle is on another filesystem and mode says so. EXDEV is returned as is so the
 * caller can try a bundle location on the driver's filesystem first.
 */
static int
place_file(const char *host, const char *dst, enum place_mode mode, struct bolt_err *err)
{
    if (mode == PLACE_COPY)
        return copy_file(host, dst, err);
    if (link(host, dst) == 0)
        return 0;
    return bolt_err_set(err, errno, "link '%s' to '%s'", host, dst);
}

static int
add_symlink(const char *dir, const char *target, const char *name, struct bolt_err *err)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, name);

    if (strcmp(target, name) == 0)
        return 0;
    if (symlink(target, p) < 0 && errno != EEXIST)
        return bolt_err_set(err, errno, "symlink '%s' -> '%s'", p, target);
    return 0;
}

static int
bundle_file(const struct bolt_nv_plan *plan, const struct bolt_nv_file *f, const char *tmp,
            enum place_mode mode, struct bolt_err *err)
{
    cleanup_free char *host = bolt_nv_path(plan->driver_root, f->path);
    cleanup_free char *dir = NULL, *dst = NULL;
    const char *sub = f->kind == BOLT_NV_FILE_LIB32 ? "lib" : "lib64";
    struct stat st;

    if (stat(host, &st) < 0) {
        log_warn("driver file '%s' is missing: containers get GPUs without it", host);
        return 0;
    }
    if (f->kind == BOLT_NV_FILE_DLL) {
        dir = xasprintf("%s/lib64/nvidia/wine", tmp);
    } else if (f->kind == BOLT_NV_FILE_BIN || f->kind == BOLT_NV_FILE_CONFIG) {
        /* at files/<path>: the container gets a symlink at <path> into the bundle mount */
        dir = xasprintf("%s/files%.*s", tmp, (int)(strrchr(f->path, '/') - f->path), f->path);
    } else {
        dir = xasprintf("%s/%s", tmp, sub);
    }
    if (bolt_mkdir_p(dir, 0755, err) < 0)
        return -1;
    dst = xasprintf("%s/%s", dir, base_of(f->path));
    if (place_file(host, dst, mode, err) < 0)
        return -1;
    if (f->kind != BOLT_NV_FILE_LIB && f->kind != BOLT_NV_FILE_LIB32)
        return 0;
    if (!f->soname)
        return 0;
    if (add_symlink(dir, base_of(f->path), f->soname, err) < 0)
        return -1;
    if (strcmp(f->soname, "libcuda.so.1") == 0)
        return add_symlink(dir, "libcuda.so.1", "libcuda.so", err);
    return 0;
}

bool
bolt_nv_file_is_bundled(const struct bolt_nv_file *f)
{
    return f->kind == BOLT_NV_FILE_LIB || f->kind == BOLT_NV_FILE_LIB32
           || f->kind == BOLT_NV_FILE_DLL || f->kind == BOLT_NV_FILE_BIN
           || f->kind == BOLT_NV_FILE_CONFIG;
}

/* Build dir (via a temp dir and rename). Fails with errnum EXDEV when mode is LINK and the
 * driver lives on another filesystem. */
static int
build_bundle(const struct bolt_nv_plan *plan, unsigned caps, const char *dir,
             enum place_mode mode, struct bolt_err *err)
{
    cleanup_free char *tmp = xasprintf("%s.tmp%ld", dir, (long)getpid());
    cleanup_free char *parent = xstrndup(dir, (size_t)(strrchr(dir, '/') - dir));

    bolt_rm_rf(tmp, NULL);
    if (bolt_mkdir_p(tmp, 0755, err) < 0)
        return -1;
    for (size_t i = 0; i < plan->n_files; i++) {
        const struct bolt_nv_file *f = &plan->files[i];
        if (!bolt_nv_file_is_bundled(f) || !bolt_nv_file_has_cap(f, caps))
            continue;
        if (bundle_file(plan, f, tmp, mode, err) < 0)
            goto fail;
    }
    /* the mount points must exist even when a class has no files */
    for (int i = 0; i < 2; i++) {
        cleanup_free char *sub = xasprintf("%s/%s", tmp, i ? "lib" : "lib64");
        if (bolt_mkdir_p(sub, 0755, err) < 0)
            goto fail;
    }
    if (rename(tmp, dir) < 0) {
        bolt_err_set(err, errno, "rename '%s' to '%s'", tmp, dir);
        goto fail;
    }
    (void)parent;
    return 0;
fail:
    bolt_rm_rf(tmp, NULL);
    return -1;
}

/* Remove bundles of other driver versions/caches next to keep (best effort): running
 * containers keep theirs through their mounts. */
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

char *
bolt_nv_bundle_get(const struct bolt_nv_plan *plan, const char *runroot, const char *persist,
                   unsigned caps, struct bolt_err *err)
{
    const struct bolt_nv_ldcache_id *id = &plan->ldcache_id;
    cleanup_free char *top = xasprintf("%s/nvbind/bundle", runroot);
    cleanup_free char *lockp = xasprintf("%s/.lock", top);
    cleanup_free char *key = xasprintf("%s-%llx-%llx-%llx",
                                       plan->driver_version ? plan->driver_version : "none",
                                       (unsigned long long)id->ino, (unsigned long long)id->size,
                                       (unsigned long long)id->mtime_ns);
    cleanup_free char *parent = xasprintf("%s/%s", top, key);
    char *dir = xasprintf("%s/v2-caps-%02x", parent, caps);
    struct bolt_err e = {0};
    int lock, r;

    if (access(dir, F_OK) == 0)
        return dir; /* the warm path: one access(2) */
    if (bolt_mkdir_p(parent, 0755, err) < 0)
        goto fail;
    lock = bolt_lock_open(lockp, true, true, err);
    if (lock < 0)
        goto fail;
    if (access(dir, F_OK) == 0) {
        bolt_lock_release(lock);
        return dir;
    }
    prune_stale(top, key);
    r = build_bundle(plan, caps, dir, PLACE_LINK, &e);
    if (r < 0 && e.errnum == EXDEV && persist) {
        /* the runroot (a tmpfs) is not on the driver's filesystem: build the bundle under the
         * persistent root, which usually is, and point the runroot's path at it */
        cleanup_free char *ptop = xasprintf("%s/nvbind/bundle", persist);
        cleanup_free char *pparent = xasprintf("%s/%s", ptop, key);
        cleanup_free char *pdir = xasprintf("%s/v2-caps-%02x", pparent, caps);
        r = bolt_mkdir_p(pparent, 0755, &e);
        if (r == 0 && access(pdir, F_OK) != 0) {
            prune_stale(ptop, key);
            r = build_bundle(plan, caps, pdir, PLACE_LINK, &e);
        }
        if (r < 0 && e.errnum == EXDEV) {
            log_warn("the driver's files are on another filesystem than '%s' and '%s': the "
                     "driver bundle holds copies (put --root on the driver's filesystem to "
                     "link them instead)", runroot, persist);
            r = build_bundle(plan, caps, pdir, PLACE_COPY, &e);
        }
        if (r == 0 && symlink(pdir, dir) < 0 && errno != EEXIST)
            r = bolt_err_set(&e, errno, "symlink '%s' -> '%s'", dir, pdir);
    } else if (r < 0 && e.errnum == EXDEV) {
        log_warn("the driver's files are on another filesystem than '%s': the driver bundle "
                 "holds copies", runroot);
        r = build_bundle(plan, caps, dir, PLACE_COPY, &e);
    }
    bolt_lock_release(lock);
    if (r < 0) {
        *err = e;
        goto fail;
    }
    return dir;
fail:
    bolt_err_wrap(err, "driver bundle under '%s'", top);
    free(dir);
    return NULL;
}

/* The driver's entries as the container sees them. */
static struct bolt_ldcache *
driver_entries(const struct bolt_nv_plan *plan, unsigned caps)
{
    struct bolt_ldcache *c = bolt_ldcache_new();

    for (size_t i = 0; i < plan->n_files; i++) {
        const struct bolt_nv_file *f = &plan->files[i];
        bool l32 = f->kind == BOLT_NV_FILE_LIB32;
        const char *dir = l32 ? BOLT_NV_CTR_LIB32 : BOLT_NV_CTR_LIB64;
        cleanup_free char *value = NULL;

        if (!(f->kind == BOLT_NV_FILE_LIB || l32) || !f->soname || !bolt_nv_file_has_cap(f, caps))
            continue;
        value = xasprintf("%s/%s", dir, f->soname);
        bolt_ldcache_add(c, l32 ? LIB32_FLAGS : LIB64_FLAGS, f->soname, value);
        if (strcmp(f->soname, "libcuda.so.1") == 0) {
            free(value);
            value = xasprintf("%s/libcuda.so", dir);
            bolt_ldcache_add(c, l32 ? LIB32_FLAGS : LIB64_FLAGS, "libcuda.so", value);
        }
    }
    /* WSL2: the shims stay at their own paths; /usr/lib/wsl/lib is the directory WSL's
     * ld.so.conf.d entry lists, so its libraries are keyed by file name as ldconfig would */
    for (size_t i = 0; i < plan->n_files; i++) {
        const struct bolt_nv_file *f = &plan->files[i];
        const char *base = base_of(f->path);
        if (f->kind != BOLT_NV_FILE_WSL)
            continue;
        if (f->soname)
            bolt_ldcache_add(c, LIB64_FLAGS, f->soname, f->path);
        else if (strncmp(f->path, "/usr/lib/wsl/lib/", 17) == 0 && strncmp(base, "lib", 3) == 0
                 && strstr(base, ".so"))
            bolt_ldcache_add(c, LIB64_FLAGS, base, f->path);
    }
    return c;
}

static char *
read_fd(int fd, size_t *len)
{
    struct stat st;
    size_t cap, n = 0;
    char *buf;

    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return NULL;
    cap = (size_t)st.st_size + 1;
    buf = xmalloc(cap);
    while (n < cap - 1) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    *len = n;
    return buf;
}

__attribute__((hot)) uint64_t
bolt_nv_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int
write_new(const char *path, const void *data, size_t len, struct bolt_err *err)
{
    cleanup_free char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
    cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const char *p = data;

    if (fd < 0)
        return bolt_err_set(err, errno, "create '%s'", tmp);
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            unlink(tmp);
            return bolt_err_set(err, errno, "write '%s'", tmp);
        }
        p += n;
        len -= (size_t)n;
    }
    /* the file is rebuilt from its inputs if lost: no fsync on this path */
    if (rename(tmp, path) < 0) {
        unlink(tmp);
        return bolt_err_set(err, errno, "rename '%s'", tmp);
    }
    return 0;
}

void *
bolt_nv_ldcache_merged(const struct bolt_nv_plan *plan, unsigned caps, const char *image,
                       size_t image_len, const char *rootfs, size_t *len)
{
    cleanup_ldcache struct bolt_ldcache *drv = NULL, *img = NULL, *merged = NULL;

    if (image) {
        struct bolt_err e = {0};
        char buf[600];
        img = bolt_ldcache_parse(image, image_len, &e);
        if (img == NULL)
            log_warn("image cache '%s/etc/ld.so.cache' is unreadable (%s): the container's cache "
                     "lists only the driver", rootfs, bolt_err_str(&e, buf, sizeof(buf)));
    }
    drv = driver_entries(plan, caps);
    merged = bolt_ldcache_merge(img, drv);
    return bolt_ldcache_serialize(merged, len);
}

uint64_t
bolt_nv_ldcache_key(const struct bolt_nv_plan *plan, unsigned caps)
{
    uint64_t h = BOLT_NV_FNV_BASIS;

    h = bolt_nv_fnv1a(h, &plan->ldcache_id, sizeof(plan->ldcache_id));
    h = bolt_nv_fnv1a(h, plan->driver_root, strlen(plan->driver_root));
    return bolt_nv_fnv1a(h, &caps, sizeof(caps));
}

/*
 * The merged cache's path for the image's cache open at fd (-1: the image has none) and key
 * (bolt_nv_ldcache_key). The image's file is identified by inode, size and times (not its
 * device: every overlay mount has its own, while the inode and times are the image layer's),
 * so containers of one image share the file and a warm start costs an fstat instead of
 * reading the image's cache.
 */
static char *
ldcache_path(int fd, uint64_t key, const char *runroot)
{
    uint64_t h = key;
    struct stat st;

    if (fd >= 0 && fstat(fd, &st) == 0) {
        uint64_t k[5] = {(uint64_t)st.st_ino, (uint64_t)st.st_size,
                         (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec,
                         (uint64_t)st.st_ctim.tv_sec * 1000000000ULL + (uint64_t)st.st_ctim.tv_nsec,
                         1};
        h = bolt_nv_fnv1a(h, k, sizeof(k));
    }
    return xasprintf("%s/nvbind/ldcache/%016llx", runroot, (unsigned long long)h);
}

/* The image's /etc/ld.so.cache opened through rootfs: an fd, -1 when the image has none,
 * -2 when rootfs cannot be opened (err says why). */
static int
open_image_cache(const char *rootfs, struct bolt_err *err)
{
    cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (rootfd < 0) {
        bolt_err_set(err, errno, "open rootfs '%s'", rootfs);
        return -2;
    }
    return bolt_open_in_root(rootfd, "/etc/ld.so.cache", O_RDONLY | O_CLOEXEC, 0, NULL);
}

__attribute__((hot)) char *
bolt_nv_ldcache_existing(uint64_t key, const char *rootfs, const char *runroot)
{
    struct bolt_err err = {0};
    int fd = open_image_cache(rootfs, &err);
    char *path = fd == -2 ? NULL : ldcache_path(fd, key, runroot);

    if (fd >= 0)
        close(fd);
    if (path && access(path, F_OK) < 0)
        free(steal_ptr(&path));
    return path;
}

char *
bolt_nv_ldcache_for_container(const struct bolt_nv_plan *plan, unsigned caps, const char *rootfs,
                              const char *runroot, struct bolt_err *err)
{
    cleanup_close int fd = -1;
    cleanup_free char *text = NULL, *dir = NULL;
    cleanup_free void *data = NULL;
    size_t len = 0;
    char *path;

    fd = open_image_cache(rootfs, err);
    if (fd == -2)
        return NULL;
    path = ldcache_path(fd, bolt_nv_ldcache_key(plan, caps), runroot);
    if (access(path, F_OK) == 0)
        return path;
    if (fd >= 0)
        text = read_fd(fd, &len);
    data = bolt_nv_ldcache_merged(plan, caps, text, len, rootfs, &len);
    dir = xasprintf("%s/nvbind/ldcache", runroot);
    if (bolt_mkdir_p(dir, 0755, err) < 0 || write_new(path, data, len, err) < 0) {
        free(path);
        return NULL;
    }
    return path;
}
