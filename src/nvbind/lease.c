/* SPDX-License-Identifier: Apache-2.0 */
#include "nvbind/lease.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/mem.h"

static char *
lease_dir(const char *runroot)
{
    return xasprintf("%s/nvbind/leases", runroot);
}

/* Close lock fds this process already holds on lease files (after an exec, on restart). */
static void
drop_own(const char *dir)
{
    cleanup_dir DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    size_t n = strlen(dir);

    if (d == NULL)
        return;
    while ((de = readdir(d))) {
        char link[64], target[PATH_MAX];
        ssize_t len;
        int fd = atoi(de->d_name);

        if (de->d_name[0] == '.' || fd == dirfd(d))
            continue;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        len = readlink(link, target, sizeof(target) - 1);
        if (len <= 0)
            continue;
        target[len] = 0;
        if (strncmp(target, dir, n) == 0 && target[n] == '/' && strstr(target, ".lock"))
            close(fd);
    }
}

static void
holder_path(char *buf, size_t len, const char *dir, const char *uuid, const char *id)
{
    snprintf(buf, len, "%s/%s.holders/%s", dir, uuid, id);
}

char **
bolt_nv_lease_holders(const char *runroot, const char *uuid)
{
    cleanup_free char *dir = lease_dir(runroot);
    cleanup_free char *hd = xasprintf("%s/%s.holders", dir, uuid);
    cleanup_dir DIR *d = opendir(hd);
    struct dirent *de;
    char **out = NULL;

    while (d && (de = readdir(d))) {
        cleanup_free char *p = NULL, *text = NULL;
        char name[256] = "", mode[16] = "";
        long pid = 0;

        if (de->d_name[0] == '.')
            continue;
        p = xasprintf("%s/%s", hd, de->d_name);
        text = bolt_read_file(p, NULL, NULL);
        if (text == NULL || sscanf(text, "%255s %ld %15s", name, &pid, mode) < 2)
            continue;
        if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH)) {
            unlink(p); /* its supervisor died: the lock is gone already */
            continue;
        }
        {
            cleanup_free char *s = xasprintf("'%s' (pid %ld, %s)", name, pid, mode);
            bolt_strv_push(&out, s);
        }
    }
    return out;
}

static int
busy(const char *runroot, const char *uuid, bool exclusive, struct bolt_err *err)
{
    cleanup_strv char **h = bolt_nv_lease_holders(runroot, uuid);
    char list[400] = "";
    size_t off = 0;

    for (size_t i = 0; h && h[i] && off < sizeof(list); i++) {
        int w = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", h[i]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
    if (exclusive)
        return bolt_err_set(err, 0, "--gpu-isolation exclusive: GPU %s is in use by container "
                                        "%s (stop it, or use --gpu-isolation shared)", uuid,
                            *list ? list : "(unknown)");
    return bolt_err_set(err, 0, "GPU %s is leased exclusively by container %s (stop it "
                                    "first)", uuid, *list ? list : "(unknown)");
}

/* this process took leases (a restart in the same process replaces them) */
static bool held_here;

/* open(path, flags) creating the parent directory on ENOENT */
static int
open_in_dir(const char *path, int flags, struct bolt_err *err)
{
    int fd = open(path, flags, 0600);

    if (fd < 0 && errno == ENOENT) {
        cleanup_free char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
        if (bolt_mkdir_p(dir, 0700, err) < 0)
            return -1;
        fd = open(path, flags, 0600);
    }
    if (fd < 0)
        bolt_err_set(err, errno, "open '%s'", path);
    return fd;
}

int
bolt_nv_lease_acquire(const char *runroot, char *const *uuids, bool exclusive, const char *id,
                      const char *name, struct bolt_nv_lease *out, struct bolt_err *err)
{
    cleanup_free char *dir = lease_dir(runroot);
    cleanup_free char *info = NULL;
    size_t n = bolt_strv_len(uuids);
    char path[PATH_MAX];

    memset(out, 0, sizeof(*out));
    /* a restart: the locks of the last start are still open here (after the exec into the
     * monitor and back, this process is told by the environment) */
    if (held_here || getenv(BOLT_NV_LEASES_HELD_ENV))
        drop_own(dir);
    info = xasprintf("%s %ld %s\n", name && *name ? name : id, (long)getpid(),
                     exclusive ? "exclusive" : "shared");
    out->fds = xcalloc(n + 1, sizeof(*out->fds));
    for (size_t i = 0; i < n; i++) {
        cleanup_close int hfd = -1;
        int fd;

        snprintf(path, sizeof(path), "%s/%s.lock", dir, uuids[i]);
        /* no O_CLOEXEC: the supervisor keeps the lock across its exec into the monitor */
        fd = open_in_dir(path, O_RDWR | O_CREAT, err);
        if (fd < 0)
            goto fail;
        out->fds[out->n++] = fd;
        if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0) {
            if (errno == EWOULDBLOCK)
                busy(runroot, uuids[i], exclusive, err);
            else
                bolt_err_set(err, errno, "lock '%s'", path);
            goto fail;
        }
        /* advisory (names the holder in messages): a plain write, no fsync on the container
         * start path. The entry goes when the container ends (bolt_nv_lease_forget); one
         * left by a supervisor that was killed is pruned by pid by whoever reads them. */
        holder_path(path, sizeof(path), dir, uuids[i], id);
        hfd = open_in_dir(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, err);
        if (hfd < 0 || write(hfd, info, strlen(info)) != (ssize_t)strlen(info)) {
            bolt_err_set(err, errno, "write lease holder '%s'", path);
            goto fail;
        }
    }
    held_here = n > 0;
    return 0;
fail:
    for (size_t i = 0; i < out->n; i++)
        close(out->fds[i]);
    free(out->fds);
    memset(out, 0, sizeof(*out));
    return -1;
}

void
bolt_nv_lease_forget(const char *runroot, const char *id)
{
    cleanup_free char *dir = lease_dir(runroot);
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *de;
    size_t n;

    while (d && (de = readdir(d))) {
        char rel[PATH_MAX];
        n = strlen(de->d_name);
        if (n < 8 || strcmp(de->d_name + n - 8, ".holders") != 0)
            continue;
        snprintf(rel, sizeof(rel), "%s/%s", de->d_name, id);
        unlinkat(dirfd(d), rel, 0);
    }
}

void
bolt_nv_lease_release(const char *runroot, char *const *uuids, const char *id,
                      struct bolt_nv_lease *l)
{
    cleanup_free char *dir = lease_dir(runroot);
    char path[PATH_MAX];

    for (size_t i = 0; uuids && uuids[i]; i++) {
        holder_path(path, sizeof(path), dir, uuids[i], id);
        unlink(path);
    }
    for (size_t i = 0; l && i < l->n; i++)
        close(l->fds[i]);
    if (l) {
        free(l->fds);
        memset(l, 0, sizeof(*l));
    }
}
