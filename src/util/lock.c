/* SPDX-License-Identifier: Apache-2.0 */
#include "util/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

int
bolt_lock_fd(int fd, bool exclusive, bool wait, struct bolt_err *err)
{
    int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);

    while (flock(fd, op) < 0) {
        if (errno == EINTR)
            continue;
        return bolt_err_set(err, errno, "lock");
    }
    return 0;
}

int
bolt_lock_open(const char *path, bool exclusive, bool wait, struct bolt_err *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0)
        return bolt_err_set(err, errno, "open lock '%s'", path);
    if (bolt_lock_fd(fd, exclusive, wait, err) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return bolt_err_wrap(err, "'%s'", path);
    }
    return fd;
}

void
bolt_lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}
