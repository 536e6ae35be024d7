/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver bundle: the driver's libraries gathered once per boot under the runroot, so a
 * container needs one bind mount for all of them, and the per-container merged ld.so.cache.
 * Files are hard links when the runroot shares a filesystem with the driver root; otherwise
 * each file is bind-mounted (read-only) onto an empty file in the bundle, which lasts until
 * reboot like the runroot itself.
 */
#include "nvbind/inject.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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

/* Put host at dst: a hard link, or a read-only bind mount when link(2) cannot. */
static int
place_file(const char *host, const char *dst, struct bolt_err *err)
{
    int fd;

    if (link(host, dst) == 0)
        return 0;
    if (errno != EXDEV && errno != EPERM && errno != EMLINK)
        return bolt_err_set(err, errno, "link '%s' to '%s'", host, dst);
    fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0)
        return bolt_err_set(err, errno, "create '%s'", dst);
    close(fd);
    if (mount(host, dst, NULL, MS_BIND, NULL) < 0)
        return bolt_err_set(err, errno, "bind '%s' on '%s'", host, dst);
    if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        return bolt_err_set(err, errno, "remount '%s' read-only", dst);
    return 0;
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
            struct bolt_err *err)
{
    cleanup_free char *host = bolt_nv_path(plan->driver_root, f->path);
    cleanup_free char *dir = NULL, *dst = NULL;
    const char *sub = f->kind == BOLT_NV_FILE_LIB32 ? "lib32" : "lib64";
    struct stat st;

    if (stat(host, &st) < 0) {
        log_warn("driver file '%s' is missing: containers get GPUs without it", host);
        return 0;
    }
    if (f->kind == BOLT_NV_FILE_DLL)
        dir = xasprintf("%s/lib64/nvidia/wine", tmp);
    else
        dir = xasprintf("%s/%s", tmp, sub);
    if (bolt_mkdir_p(dir, 0755, err) < 0)
        return -1;
    dst = xasprintf("%s/%s", dir, base_of(f->path));
    if (place_file(host, dst, err) < 0)
        return -1;
    if (f->kind == BOLT_NV_FILE_DLL || !f->soname)
        return 0;
    if (add_symlink(dir, base_of(f->path), f->soname, err) < 0)
        return -1;
    if (strcmp(f->soname, "libcuda.so.1") == 0)
        return add_symlink(dir, "libcuda.so.1", "libcuda.so", err);
    return 0;
}

static bool
bundled(const struct bolt_nv_file *f)
{
    return f->kind == BOLT_NV_FILE_LIB || f->kind == BOLT_NV_FILE_LIB32
           || f->kind == BOLT_NV_FILE_DLL;
}

static int
build_bundle(const struct bolt_nv_plan *plan, unsigned caps, const char *dir,
             struct bolt_err *err)
{
    cleanup_free char *tmp = xasprintf("%s.tmp%ld", dir, (long)getpid());

    bolt_rm_rf(tmp, NULL);
    if (bolt_mkdir_p(tmp, 0755, err) < 0)
        return -1;
    for (size_t i = 0; i < plan->n_files; i++) {
        const struct bolt_nv_file *f = &plan->files[i];
        if (!bundled(f) || !bolt_nv_file_has_cap(f, caps))
            continue;
        if (bundle_file(plan, f, tmp, err) < 0)
            goto fail;
    }
    /* the mount points must exist even when a class has no files */
    for (int i = 0; i < 2; i++) {
        cleanup_free char *sub = xasprintf("%s/%s", tmp, i ? "lib32" : "lib64");
        if (bolt_mkdir_p(sub, 0755, err) < 0)
            goto fail;
    }
    if (rename(tmp, dir) < 0) {
        bolt_err_set(err, errno, "rename '%s' to '%s'", tmp, dir);
        goto fail;
    }
    return 0;
fail:
    umount2(tmp, MNT_DETACH);
    bolt_rm_rf(tmp, NULL);
    return -1;
}

char *
bolt_nv_bundle_get(const struct bolt_nv_plan *plan, const char *runroot, unsigned caps,
                   struct bolt_err *err)
{
    const struct bolt_nv_ldcache_id *id = &plan->ldcache_id;
    cleanup_free char *top = xasprintf("%s/nvbind/bundle", runroot);
    cleanup_free char *lockp = xasprintf("%s/.lock", top);
    char *dir = xasprintf("%s/%s-%llx-%llx-%llx/caps-%02x", top,
                          plan->driver_version ? plan->driver_version : "none",
                          (unsigned long long)id->ino, (unsigned long long)id->size,
                          (unsigned long long)id->mtime_ns, caps);
    cleanup_free char *parent = NULL;
    int lock;

    if (access(dir, F_OK) == 0)
        return dir;
    parent = xstrndup(dir, (size_t)(strrchr(dir, '/') - dir));
    if (bolt_mkdir_p(parent, 0755, err) < 0)
        goto fail;
    lock = bolt_lock_open(lockp, true, true, err);
    if (lock < 0)
        goto fail;
    if (access(dir, F_OK) != 0 && build_bundle(plan, caps, dir, err) < 0) {
        bolt_lock_release(lock);
        goto fail;
    }
    bolt_lock_release(lock);
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

/* FNV-1a 64: names a cache file by its inputs (no security role: the files are ours). */
static uint64_t
fnv1a(uint64_t h, const void *data, size_t len)
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

char *
bolt_nv_ldcache_for_container(const struct bolt_nv_plan *plan, unsigned caps, const char *rootfs,
                              const char *runroot, struct bolt_err *err)
{
    cleanup_ldcache struct bolt_ldcache *drv = NULL, *img = NULL, *merged = NULL;
    cleanup_close int rootfd = -1, fd = -1;
    cleanup_free char *text = NULL, *dir = NULL;
    cleanup_free void *data = NULL;
    const struct bolt_nv_ldcache_id *id = &plan->ldcache_id;
    uint64_t h = 0xcbf29ce484222325ULL;
    struct stat st;
    size_t len = 0;
    char *path;

    rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        bolt_err_set(err, errno, "open rootfs '%s'", rootfs);
        return NULL;
    }
    fd = bolt_open_in_root(rootfd, "/etc/ld.so.cache", O_RDONLY | O_CLOEXEC, 0, NULL);
    /*
     * The merged cache depends on the image's cache, the driver and the caps only. The image's
     * file is identified by inode, size and times (not its device: every overlay mount has
     * its own, while the inode and times are the image layer's), so containers of one image
     * share the file and a warm start costs an fstat instead of reading the image's cache.
     */
    if (fd >= 0 && fstat(fd, &st) == 0) {
        uint64_t k[5] = {(uint64_t)st.st_ino, (uint64_t)st.st_size,
                         (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec,
                         (uint64_t)st.st_ctim.tv_sec * 1000000000ULL + (uint64_t)st.st_ctim.tv_nsec,
                         1};
        h = fnv1a(h, k, sizeof(k));
    }
    h = fnv1a(h, id, sizeof(*id));
    h = fnv1a(h, plan->driver_root, strlen(plan->driver_root));
    h = fnv1a(h, &caps, sizeof(caps));
    dir = xasprintf("%s/nvbind/ldcache", runroot);
    path = xasprintf("%s/%016llx", dir, (unsigned long long)h);
    if (access(path, F_OK) == 0)
        return path;
    if (fd >= 0)
        text = read_fd(fd, &len);
    if (text) {
        struct bolt_err e = {0};
        char buf[600];
        img = bolt_ldcache_parse(text, len, &e);
        if (img == NULL)
            log_warn("image cache '%s/etc/ld.so.cache' is unreadable (%s): the container's cache "
                     "lists only the driver", rootfs, bolt_err_str(&e, buf, sizeof(buf)));
    }
    drv = driver_entries(plan, caps);
    merged = bolt_ldcache_merge(img, drv);
    data = bolt_ldcache_serialize(merged, &len);
    if (bolt_mkdir_p(dir, 0755, err) < 0 || write_new(path, data, len, err) < 0) {
        free(path);
        return NULL;
    }
    return path;
}
