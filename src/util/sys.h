/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_SYS_H
#define BOLT_SYS_H

/* Syscalls glibc 2.36 does not wrap. Each returns -1/errno, ENOSYS without a syscall number. */

#include <errno.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int
sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size)
{
#ifdef __NR_openat2
    return (int)syscall(__NR_openat2, dirfd, path, how, size);
#else
    errno = ENOSYS;
    return -1;
#endif
}

static inline int
sys_pivot_root(const char *new_root, const char *put_old)
{
    return (int)syscall(__NR_pivot_root, new_root, put_old);
}

static inline int
sys_pidfd_open(pid_t pid, unsigned int flags)
{
#ifdef __NR_pidfd_open
    return (int)syscall(__NR_pidfd_open, pid, flags);
#else
    errno = ENOSYS;
    return -1;
#endif
}

static inline int
sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
#ifdef __NR_pidfd_send_signal
    return (int)syscall(__NR_pidfd_send_signal, pidfd, sig, info, flags);
#else
    errno = ENOSYS;
    return -1;
#endif
}

static inline int
sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
#ifdef __NR_close_range
    return (int)syscall(__NR_close_range, first, last, flags);
#else
    errno = ENOSYS;
    return -1;
#endif
}

static inline int
sys_open_tree(int dirfd, const char *path, unsigned int flags)
{
#ifdef __NR_open_tree
    return (int)syscall(__NR_open_tree, dirfd, path, flags);
#else
    errno = ENOSYS;
    return -1;
#endif
}

static inline int
sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
               unsigned int flags)
{
#ifdef __NR_move_mount
    return (int)syscall(__NR_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
#else
    errno = ENOSYS;
    return -1;
#endif
}

#endif
