/* SPDX-License-Identifier: Apache-2.0 */
#include "util/fs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/sys.h"

char *
bolt_read_file_at(int dirfd, const char *path, size_t *len, struct bolt_err *err)
{
    cleanup_close int fd = -1;
    size_t cap = 4096, n = 0;
    char *buf;

    fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        bolt_err_set(err, errno, "open '%s'", path);
        return NULL;
    }
    buf = xmalloc(cap);
    for (;;) {
        ssize_t r;
        if (n + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            bolt_err_set(err, errno, "read '%s'", path);
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *
bolt_read_file(const char *path, size_t *len, struct bolt_err *err)
{
    return bolt_read_file_at(AT_FDCWD, path, len, err);
}

static int
write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int
bolt_write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                          struct bolt_err *err)
{
    cleanup_free char *tmp = NULL;
    cleanup_free char *dir = NULL;
    cleanup_close int fd = -1;
    cleanup_close int dfd = -1;
    const char *slash = strrchr(path, '/');

    tmp = xasprintf("%s.tmp.%d", path, getpid());
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return bolt_err_set(err, errno, "create '%s'", tmp);
    if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return bolt_err_set(err, e, "write '%s'", tmp);
    }
    if (renameat(dirfd, tmp, dirfd, path) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return bolt_err_set(err, e, "rename '%s' to '%s'", tmp, path);
    }
    dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path ? 1 : 0)) : xstrdup(".");
    dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
        fsync(dfd);
    return 0;
}

int
bolt_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                       struct bolt_err *err)
{
    return bolt_write_file_atomic_at(AT_FDCWD, path, data, len, mode, err);
}

int
bolt_write_file(const char *path, const void *data, size_t len, struct bolt_err *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0)
        return bolt_err_set(err, errno, "open '%s'", path);
    if (write_all(fd, data, len) < 0)
        return bolt_err_set(err, errno, "write '%s'", path);
    return 0;
}

int
bolt_mkdir_p(const char *path, mode_t mode, struct bolt_err *err)
{
    cleanup_free char *p = xstrdup(path);
    size_t n = strlen(p);

    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    /* the common case on every command: the directory (or at least its parent) exists,
     * so one mkdir answers instead of one per path component */
    if (mkdir(p, mode) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return bolt_err_set(err, errno, "mkdir '%s'", p);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return bolt_err_set(err, errno, "mkdir '%s'", p);
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST)
        return bolt_err_set(err, errno, "mkdir '%s'", p);
    return 0;
}

static int
rm_rf_at(int parentfd, const char *name, dev_t dev, struct bolt_err *err)
{
    struct stat st;
    cleanup_dir DIR *d = NULL;
    struct dirent *de;
    int fd;

    if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : bolt_err_set(err, errno, "stat '%s'", name);
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(parentfd, name, 0) < 0 && errno != ENOENT)
            return bolt_err_set(err, errno, "unlink '%s'", name);
        return 0;
    }
    if (st.st_dev != dev)
        return bolt_err_set(err, EBUSY, "remove '%s': a mount point is still in place", name);
    fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return bolt_err_set(err, errno, "open '%s'", name);
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return bolt_err_set(err, errno, "opendir '%s'", name);
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (rm_rf_at(dirfd(d), de->d_name, dev, err) < 0)
            return -1;
    }
    if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return bolt_err_set(err, errno, "rmdir '%s'", name);
    return 0;
}

int
bolt_rm_rf(const char *path, struct bolt_err *err)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : bolt_err_set(err, errno, "stat '%s'", path);
    return rm_rf_at(AT_FDCWD, path, st.st_dev, err);
}

bool
bolt_path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/*
 * Fallback walk for kernels without openat2: resolve each component with O_PATH|O_NOFOLLOW;
 * symlinks are read and resolved again relative to the root, ".." never climbs above it.
 */
static int
walk_in_root(int rootfd, const char *path, int flags, mode_t mode, int depth, struct bolt_err *err)
{
    cleanup_free char *copy = xstrdup(path);
    char *save = NULL, *comp, *next;
    int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);

    if (cur < 0)
        return bolt_err_set(err, errno, "dup root fd");
    if (depth > 40) {
        close(cur);
        return bolt_err_set(err, ELOOP, "resolve '%s'", path);
    }
    comp = strtok_r(copy, "/", &save);
    while (comp) {
        struct stat st;
        int fd;
        next = strtok_r(NULL, "/", &save);
        if (strcmp(comp, ".") == 0) {
            comp = next;
            continue;
        }
        if (strcmp(comp, "..") == 0) {
            struct stat rs, cs;
            if (fstat(cur, &cs) == 0 && fstat(rootfd, &rs) == 0 && cs.st_ino == rs.st_ino
                && cs.st_dev == rs.st_dev) {
                comp = next;
                continue;
            }
        }
        if (next == NULL) {
            struct stat lst;
            bool is_link = fstatat(cur, comp, &lst, AT_SYMLINK_NOFOLLOW) == 0
                           && S_ISLNK(lst.st_mode) && !(flags & O_NOFOLLOW);
            /* A final symlink is followed inside the root unless O_NOFOLLOW was asked (O_PATH
             * with O_NOFOLLOW would otherwise hand back the link itself). */
            fd = is_link ? -1 : openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
            if (!is_link) {
                int e = errno;
                close(cur);
                if (fd < 0)
                    return bolt_err_set(err, e, "open '%s'", path);
                return fd;
            }
        }
        fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            close(cur);
            return bolt_err_set(err, e, "open '%s'", path);
        }
        if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(cur, comp, target, sizeof(target) - 1);
            cleanup_free char *rest = NULL;
            int r;
            close(fd);
            if (n < 0) {
                int e = errno;
                close(cur);
                return bolt_err_set(err, e, "readlink '%s'", comp);
            }
            target[n] = '\0';
            /* Re-resolve "target/rest" from the root (absolute) or from cur (relative). */
            rest = xasprintf("%s%s%s", target, next ? "/" : "", next ? next : "");
            if (next) {
                /* strtok_r modified copy; rebuild the rest of the path from save. */
                free(rest);
                rest = xasprintf("%s/%s%s%s", target, next, *save ? "/" : "", save);
            }
            r = walk_in_root(target[0] == '/' ? rootfd : cur, rest, flags, mode, depth + 1, err);
            close(cur);
            return r;
        }
        close(cur);
        cur = fd;
        comp = next;
    }
    /* Empty path or only "." / "..": reopen the current directory with the requested flags. */
    {
        int fd = openat(cur, ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
        int e = errno;
        close(cur);
        if (fd < 0)
            return bolt_err_set(err, e, "open '%s'", path);
        return fd;
    }
}

int
bolt_open_in_root(int rootfd, const char *path, int flags, mode_t mode, struct bolt_err *err)
{
    static int have_openat2 = 1;
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    const char *rel = path;
    int fd;

    while (*rel == '/')
        rel++;
    if (*rel == '\0')
        rel = ".";
    if (have_openat2) {
        do {
            fd = sys_openat2(rootfd, rel, &how, sizeof(how));
        } while (fd < 0 && errno == EAGAIN);
        if (fd >= 0)
            return fd;
        if (errno != ENOSYS)
            return bolt_err_set(err, errno, "open '%s'", path);
        have_openat2 = 0;
    }
    return walk_in_root(rootfd, rel, flags, mode, 0, err);
}

int
bolt_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct bolt_err *err)
{
    cleanup_free char *copy = xstrdup(path);
    size_t n = strlen(copy);
    char *p = copy;

    while (n > 1 && copy[n - 1] == '/')
        copy[--n] = '\0';
    /* Create each prefix in turn; each mkdirat happens on an fd resolved inside the root. */
    for (;;) {
        char *slash;
        cleanup_close int parent = -1;
        const char *name;
        char saved;

        while (*p == '/')
            p++;
        slash = strchr(p, '/');
        saved = slash ? *slash : '\0';
        if (slash)
            *slash = '\0';
        name = strrchr(copy, '/');
        name = name ? name + 1 : copy;
        if (*name != '\0' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
            cleanup_free char *dir = xstrndup(copy, (size_t)(name - copy));
            parent = bolt_open_in_root(rootfd, dir[0] ? dir : "/", O_PATH | O_DIRECTORY, 0, err);
            if (parent < 0)
                return -1;
            if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
                return bolt_err_set(err, errno, "mkdir '%s'", copy);
        }
        if (!slash)
            break;
        *slash = saved;
        p = slash + 1;
    }
    return bolt_open_in_root(rootfd, copy, O_PATH | O_DIRECTORY, 0, err);
}

int
bolt_mount_target_in_root(int rootfd, const char *path, bool dir, struct bolt_err *err)
{
    cleanup_free char *copy = xstrdup(path);
    cleanup_close int parent = -1;
    char *slash;
    int fd;

    if (dir)
        return bolt_mkdir_in_root(rootfd, path, 0755, err);
    fd = bolt_open_in_root(rootfd, path, O_PATH, 0, err);
    if (fd >= 0)
        return fd;
    if (err && err->errnum != ENOENT)
        return -1;
    slash = strrchr(copy, '/');
    if (slash && slash != copy) {
        *slash = '\0';
        parent = bolt_mkdir_in_root(rootfd, copy, 0755, err);
        if (parent < 0)
            return -1;
    }
    bolt_err_clear(err);
    fd = bolt_open_in_root(rootfd, path, O_WRONLY | O_CREAT, 0644, err);
    if (fd < 0)
        return -1;
    close(fd);
    return bolt_open_in_root(rootfd, path, O_PATH, 0, err);
}

char *
bolt_rstrip(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

void
bolt_stdio_ensure(void)
{
    for (int fd = 0; fd < 3; fd++) {
        int n;
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        /* the lowest free number is fd itself */
        n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

char *
bolt_helper_path(const char *env_var, const char *name)
{
    const char *env = getenv(env_var);
    char self[PATH_MAX];
    ssize_t n;
    char *slash;

    if (env && *env)
        return xstrdup(env);
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            cleanup_free char *cand = xasprintf("%s/%s", self, name);
            if (access(cand, X_OK) == 0)
                return steal_ptr(&cand);
        }
    }
    return xasprintf("/usr/libexec/bolt/%s", name);
}
