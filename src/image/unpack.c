/* SPDX-License-Identifier: Apache-2.0 */
#include "image/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define READ_BUF  (1 << 20)

char *
bolt_unpack_clean_path(const char *path)
{
    size_t n = strlen(path);
    char *out = xmalloc(n + 1);
    size_t o = 0;
    const char *p = path;

    while (*p) {
        const char *e;
        size_t len;
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        e = strchr(p, '/');
        len = e ? (size_t)(e - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            free(out);
            return NULL;
        }
        if (!(len == 1 && p[0] == '.')) {
            if (o)
                out[o++] = '/';
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
    }
    out[o] = '\0';
    return out;
}

/* The decompressing reader (format "raw") feeds the tar reader and hashes on the way. */
struct src {
    int fd;
    char *buf;
    struct archive *raw;
    struct bolt_sha256 hash;
    uint64_t bytes;
    bool eof;
};

static la_ssize_t
fd_read_cb(struct archive *a, void *data, const void **buf)
{
    struct src *s = data;
    ssize_t r;

    do
        r = read(s->fd, s->buf, READ_BUF);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        archive_set_error(a, errno, "read layer");
        return -1;
    }
    *buf = s->buf;
    return r;
}

static la_ssize_t
raw_read_cb(struct archive *a, void *data, const void **buf)
{
    struct src *s = data;
    size_t size = 0;
    la_int64_t off;
    int r;

    if (s->eof)
        return 0;
    do
        r = archive_read_data_block(s->raw, buf, &size, &off);
    while (r == ARCHIVE_OK && size == 0);
    if (r == ARCHIVE_EOF) {
        s->eof = true;
        return 0;
    }
    if (r < ARCHIVE_WARN) {
        archive_set_error(a, archive_errno(s->raw), "%s", archive_error_string(s->raw));
        return -1;
    }
    bolt_sha256_update(&s->hash, *buf, size);
    s->bytes += size;
    return (la_ssize_t)size;
}

struct unpacker {
    int rootfd;
    const char *what;
    bool is_root;
    char *parent_path; /* cached parent directory */
    int parentfd;
    char **dirs; /* directories whose mtime is set at the end */
    la_int64_t *dir_mtimes;
    long *dir_nsec;
    size_t n_dirs, cap_dirs;
};

static void
forget_parent(struct unpacker *u)
{
    if (u->parentfd >= 0)
        close(u->parentfd);
    u->parentfd = -1;
    free(u->parent_path);
    u->parent_path = NULL;
}

static int
open_parent(struct unpacker *u, const char *dir, struct bolt_err *err)
{
    int fd;

    if (u->parent_path && strcmp(u->parent_path, dir) == 0)
        return u->parentfd;
    forget_parent(u);
    if (*dir == '\0')
        fd = fcntl(u->rootfd, F_DUPFD_CLOEXEC, 3);
    else
        fd = bolt_mkdir_in_root(u->rootfd, dir, 0755, err);
    if (fd < 0)
        return *dir ? -1 : bolt_err_set(err, errno, "dup layer fd");
    u->parentfd = fd;
    u->parent_path = xstrdup(dir);
    return fd;
}

/* Remove name under dirfd, recursively for directories, never following symlinks. */
static int
remove_at(int pfd, const char *name)
{
    struct stat st;
    int fd;
    DIR *d;
    struct dirent *de;

    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(pfd, name, 0);
    fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (remove_at(dirfd(d), de->d_name) < 0) {
            int e = errno;
            closedir(d);
            errno = e;
            return -1;
        }
    }
    closedir(d);
    return unlinkat(pfd, name, AT_REMOVEDIR);
}

/* Make room for a new non-directory entry (tar semantics: the later entry wins). */
static int
clear_slot(struct unpacker *u, int pfd, const char *name, const char *path, struct bolt_err *err)
{
    struct stat st;

    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    if (S_ISDIR(st.st_mode) && u->parent_path && strncmp(u->parent_path, path, strlen(path)) == 0)
        forget_parent(u);
    if (remove_at(pfd, name) < 0)
        return bolt_err_set(err, errno, "%s: replace '%s'", u->what, path);
    return 0;
}

static void
apply_xattrs(struct unpacker *u, int fd, struct archive_entry *e, const char *path)
{
    const char *name;
    const void *val;
    size_t size;

    if (archive_entry_xattr_reset(e) == 0)
        return;
    while (archive_entry_xattr_next(e, &name, &val, &size) == ARCHIVE_OK) {
        if (fsetxattr(fd, name, val, size, 0) < 0)
            log_warn("%s: set xattr '%s' on '%s': %s", u->what, name, path, strerror(errno));
    }
}

static int
apply_owner_mode(struct unpacker *u, int fd, struct archive_entry *e, const char *path,
                 struct bolt_err *err)
{
    mode_t mode = archive_entry_perm(e) & 07777;

    if (u->is_root
        && fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
        return bolt_err_set(err, errno, "%s: chown '%s' to %lld:%lld", u->what, path,
                            (long long)archive_entry_uid(e), (long long)archive_entry_gid(e));
    /* after chown: chown clears setuid/setgid bits */
    if (fchmod(fd, mode) < 0)
        return bolt_err_set(err, errno, "%s: chmod '%s'", u->what, path);
    return 0;
}

static int
write_data(struct unpacker *u, struct archive *a, int fd, struct archive_entry *e,
           const char *path, struct bolt_err *err)
{
    const void *buf;
    size_t size;
    la_int64_t off, end = 0;
    int r;

    while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
        const char *p = buf;
        while (size > 0) {
            ssize_t w = pwrite(fd, p, size, off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return bolt_err_set(err, errno, "%s: write '%s'", u->what, path);
            p += w;
            size -= (size_t)w;
            off += w;
        }
        end = off;
    }
    if (r != ARCHIVE_EOF)
        return bolt_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0,
                            "%s: read data of '%s': %s (the layer is truncated or corrupt)",
                            u->what, path, archive_error_string(a));
    if (archive_entry_size(e) > end && ftruncate(fd, archive_entry_size(e)) < 0)
        return bolt_err_set(err, errno, "%s: truncate '%s'", u->what, path);
    return 0;
}

static int
make_file(struct unpacker *u, struct archive *a, struct archive_entry *e, int pfd,
          const char *name, const char *path, struct bolt_err *err)
{
    cleanup_close int fd = -1;
    struct timespec ts[2];

    /* create first, clear only when something is in the way: one syscall less per file */
    fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        if (clear_slot(u, pfd, name, path, err) < 0)
            return -1;
        fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (fd < 0)
        return bolt_err_set(err, errno, "%s: create '%s'", u->what, path);
    if (write_data(u, a, fd, e, path, err) < 0 || apply_owner_mode(u, fd, e, path, err) < 0)
        return -1;
    apply_xattrs(u, fd, e, path);
    ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime(e);
    ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec(e);
    futimens(fd, ts);
    return 0;
}

static void
remember_dir(struct unpacker *u, const char *path, struct archive_entry *e)
{
    if (u->n_dirs == u->cap_dirs) {
        u->cap_dirs = u->cap_dirs ? u->cap_dirs * 2 : 64;
        u->dirs = xreallocarray(u->dirs, u->cap_dirs, sizeof(*u->dirs));
        u->dir_mtimes = xreallocarray(u->dir_mtimes, u->cap_dirs, sizeof(*u->dir_mtimes));
        u->dir_nsec = xreallocarray(u->dir_nsec, u->cap_dirs, sizeof(*u->dir_nsec));
    }
    u->dirs[u->n_dirs] = xstrdup(path);
    u->dir_mtimes[u->n_dirs] = archive_entry_mtime(e);
    u->dir_nsec[u->n_dirs] = archive_entry_mtime_nsec(e);
    u->n_dirs++;
}

static int
make_dir(struct unpacker *u, struct archive_entry *e, int pfd, const char *name,
         const char *path, struct bolt_err *err)
{
    cleanup_close int fd = -1;
    struct stat st;

    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)
        && clear_slot(u, pfd, name, path, err) < 0)
        return -1;
    if (mkdirat(pfd, name, 0700) < 0 && errno != EEXIST)
        return bolt_err_set(err, errno, "%s: mkdir '%s'", u->what, path);
    fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return bolt_err_set(err, errno, "%s: open directory '%s'", u->what, path);
    if (apply_owner_mode(u, fd, e, path, err) < 0)
        return -1;
    apply_xattrs(u, fd, e, path);
    remember_dir(u, path, e);
    return 0;
}

static int
make_special(struct unpacker *u, struct archive_entry *e, int pfd, const char *name,
             const char *path, struct bolt_err *err)
{
    mode_t type = archive_entry_filetype(e);
    struct timespec ts[2];
    uid_t uid = (uid_t)archive_entry_uid(e);
    gid_t gid = (gid_t)archive_entry_gid(e);

    if (clear_slot(u, pfd, name, path, err) < 0)
        return -1;
    if (type == AE_IFLNK) {
        if (symlinkat(archive_entry_symlink(e), pfd, name) < 0)
            return bolt_err_set(err, errno, "%s: symlink '%s'", u->what, path);
    } else if (type == AE_IFIFO) {
        if (mkfifoat(pfd, name, archive_entry_perm(e) & 07777) < 0)
            return bolt_err_set(err, errno, "%s: mkfifo '%s'", u->what, path);
    } else {
        if (!u->is_root) {
            log_debug("%s: skip device node '%s' (not root)", u->what, path);
            return 0;
        }
        if (mknodat(pfd, name, type | (archive_entry_perm(e) & 07777), archive_entry_rdev(e)) < 0)
            return bolt_err_set(err, errno, "%s: mknod '%s'", u->what, path);
    }
    if (u->is_root && fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return bolt_err_set(err, errno, "%s: chown '%s'", u->what, path);
    if (type != AE_IFLNK && fchmodat(pfd, name, archive_entry_perm(e) & 07777, 0) < 0)
        return bolt_err_set(err, errno, "%s: chmod '%s'", u->what, path);
    ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime(e);
    ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec(e);
    utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW);
    return 0;
}

static int
make_hardlink(struct unpacker *u, struct archive_entry *e, int pfd, const char *name,
              const char *path, struct bolt_err *err)
{
    cleanup_free char *target = bolt_unpack_clean_path(archive_entry_hardlink(e));
    cleanup_close int tfd = -1;
    char proc[64];

    if (target == NULL || *target == '\0')
        return bolt_err_set(err, 0, "%s: hardlink '%s' -> '%s' points outside the layer "
                                    "(refused; the image is malicious or broken)",
                            u->what, path, archive_entry_hardlink(e));
    tfd = bolt_open_in_root(u->rootfd, target, O_PATH | O_NOFOLLOW, 0, err);
    if (tfd < 0)
        return bolt_err_wrap(err, "%s: hardlink '%s' -> '%s'", u->what, path, target);
    if (clear_slot(u, pfd, name, path, err) < 0)
        return -1;
    if (linkat(tfd, "", pfd, name, AT_EMPTY_PATH) == 0)
        return 0;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tfd);
    if (linkat(AT_FDCWD, proc, pfd, name, AT_SYMLINK_FOLLOW) < 0)
        return bolt_err_set(err, errno, "%s: hardlink '%s' -> '%s'", u->what, path, target);
    return 0;
}

static int
make_whiteout(struct unpacker *u, int pfd, const char *name, const char *path,
              struct bolt_err *err)
{
    const char *victim = name + strlen(WH_PREFIX);

    if (strcmp(name, WH_OPAQUE) == 0) {
        cleanup_close int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
            return bolt_err_set(err, errno, "%s: mark '%s' opaque (trusted.overlay.opaque)",
                                u->what, path);
        return 0;
    }
    if (*victim == '\0' || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
        return bolt_err_set(err, 0, "%s: bad whiteout '%s'", u->what, path);
    if (clear_slot(u, pfd, victim, path, err) < 0)
        return -1;
    if (mknodat(pfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
        return bolt_err_set(err, errno, "%s: whiteout '%s' (mknod 0:0)", u->what, path);
    return 0;
}

static int
unpack_entry(struct unpacker *u, struct archive *a, struct archive_entry *e, struct bolt_err *err)
{
    const char *raw = archive_entry_pathname(e);
    cleanup_free char *path = NULL;
    cleanup_free char *dir = NULL;
    const char *name;
    char *slash;
    int pfd;

    if (raw == NULL)
        return bolt_err_set(err, 0, "%s: tar entry without a name", u->what);
    path = bolt_unpack_clean_path(raw);
    if (path == NULL)
        return bolt_err_set(err, 0, "%s: entry '%s' contains '..' and would leave the layer "
                                    "(refused; the image is malicious or broken)", u->what, raw);
    if (*path == '\0')
        return 0; /* the layer root itself */
    dir = xstrdup(path);
    slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        name = path + (slash - dir) + 1;
    } else {
        dir[0] = '\0';
        name = path;
    }
    pfd = open_parent(u, dir, err);
    if (pfd < 0)
        return bolt_err_wrap(err, "%s: parent of '%s'", u->what, path);
    if (strncmp(name, WH_PREFIX, strlen(WH_PREFIX)) == 0)
        return make_whiteout(u, pfd, name, path, err);
    if (archive_entry_hardlink(e))
        return make_hardlink(u, e, pfd, name, path, err);
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
        return make_file(u, a, e, pfd, name, path, err);
    case AE_IFDIR:
        return make_dir(u, e, pfd, name, path, err);
    case AE_IFLNK:
    case AE_IFIFO:
    case AE_IFCHR:
    case AE_IFBLK:
        return make_special(u, e, pfd, name, path, err);
    default:
        log_debug("%s: skip '%s' (unsupported type %o)", u->what, path,
                  (unsigned)archive_entry_filetype(e));
        return 0;
    }
}

static void
finish_dirs(struct unpacker *u)
{
    /* deepest first does not matter: setting a dir's mtime does not touch its parent */
    for (size_t i = 0; i < u->n_dirs; i++) {
        struct timespec ts[2];
        ts[0].tv_sec = ts[1].tv_sec = u->dir_mtimes[i];
        ts[0].tv_nsec = ts[1].tv_nsec = u->dir_nsec[i];
        utimensat(u->rootfd, u->dirs[i], ts, AT_SYMLINK_NOFOLLOW);
    }
}

static void
unpacker_fini(struct unpacker *u)
{
    forget_parent(u);
    for (size_t i = 0; i < u->n_dirs; i++)
        free(u->dirs[i]);
    free(u->dirs);
    free(u->dir_mtimes);
    free(u->dir_nsec);
}

static int
open_readers(struct src *s, struct archive **tar, const char *what, struct bolt_err *err)
{
    s->raw = archive_read_new();
    archive_read_support_filter_gzip(s->raw);
    archive_read_support_filter_zstd(s->raw);
    archive_read_support_filter_xz(s->raw);
    archive_read_support_filter_bzip2(s->raw);
    archive_read_support_format_raw(s->raw);
    if (archive_read_open(s->raw, s, NULL, fd_read_cb, NULL) != ARCHIVE_OK)
        return bolt_err_set(err, 0, "%s: %s", what, archive_error_string(s->raw));
    {
        struct archive_entry *e;
        if (archive_read_next_header(s->raw, &e) != ARCHIVE_OK)
            return bolt_err_set(err, 0, "%s: %s", what, archive_error_string(s->raw));
    }
    *tar = archive_read_new();
    archive_read_support_format_tar(*tar);
    archive_read_support_format_gnutar(*tar);
    if (archive_read_open(*tar, s, NULL, raw_read_cb, NULL) != ARCHIVE_OK)
        return bolt_err_set(err, 0, "%s: not a tar stream: %s", what, archive_error_string(*tar));
    return 0;
}

int
bolt_layer_unpack(int srcfd, int destfd, const char *what, char diffid[BOLT_DIGEST_LEN],
                  struct bolt_unpack_stats *stats, struct bolt_err *err)
{
    struct src s = {.fd = srcfd};
    struct unpacker u = {.rootfd = destfd, .what = what, .is_root = geteuid() == 0,
                         .parentfd = -1};
    struct archive *tar = NULL;
    struct archive_entry *e;
    uint64_t n = 0;
    int rc = -1, r;
    const void *blk;
    size_t sz;
    la_int64_t off;

    s.buf = xmalloc(READ_BUF);
    bolt_sha256_init(&s.hash);
    if (open_readers(&s, &tar, what, err) < 0)
        goto out;
    while ((r = archive_read_next_header(tar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        n++;
        if (unpack_entry(&u, tar, e, err) < 0)
            goto out;
    }
    if (r != ARCHIVE_EOF) {
        bolt_err_set(err, 0, "%s: %s after %llu entries (the layer is truncated or corrupt)",
                     what, archive_error_string(tar), (unsigned long long)n);
        goto out;
    }
    /* hash the padding after the end-of-archive blocks too: it is part of the diffID */
    while (!s.eof && (r = archive_read_data_block(s.raw, &blk, &sz, &off)) == ARCHIVE_OK) {
        bolt_sha256_update(&s.hash, blk, sz);
        s.bytes += sz;
    }
    if (!s.eof && r != ARCHIVE_EOF) {
        bolt_err_set(err, 0, "%s: %s (the layer is truncated or corrupt)", what,
                     archive_error_string(s.raw));
        goto out;
    }
    finish_dirs(&u);
    if (diffid)
        bolt_sha256_final(&s.hash, diffid);
    if (stats) {
        stats->entries = n;
        stats->bytes = s.bytes;
    }
    rc = 0;
out:
    bolt_sha256_fini(&s.hash);
    unpacker_fini(&u);
    if (tar)
        archive_read_free(tar);
    if (s.raw)
        archive_read_free(s.raw);
    free(s.buf);
    return rc;
}
