/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting the container child: one clone3() straight into the new namespaces (with a
 * pidfd), then the parent's half of the setup protocol (id maps, cgroup, hooks).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/launch.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/sys.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* Our own copy of the kernel's struct clone_args (glibc 2.36 has no clone3 wrapper and
 * <linux/sched.h> clashes with <sched.h>). */
struct rt_clone_args {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

static pid_t
do_clone3(uint64_t flags, int *pidfd)
{
    struct rt_clone_args a;

    memset(&a, 0, sizeof(a));
    a.flags = flags | CLONE_PIDFD;
    a.pidfd = (uint64_t)(uintptr_t)pidfd;
    a.exit_signal = SIGCHLD;
    return (pid_t)syscall(__NR_clone3, &a, sizeof(a));
}

static int
write_map(pid_t pid, const char *file, const struct bolt_oci_idmap *m, size_t n,
          struct bolt_err *err)
{
    char path[64];
    char buf[4096];
    size_t len = 0;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id,
                         m[i].host_id, m[i].size);
        if (w < 0 || (size_t)w >= sizeof(buf) - len)
            return bolt_err_set(err, E2BIG, "linux.%s: too many entries", file);
        len += (size_t)w;
    }
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    if (bolt_write_file(path, buf, len, err) < 0)
        return bolt_err_wrap(err, "linux.%s", strcmp(file, "uid_map") == 0 ? "uidMappings"
                                                                            : "gidMappings");
    return 0;
}

int
rt_connect_console(const char *path, struct bolt_err *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path))
        return bolt_err_set(err, ENAMETOOLONG, "--console-socket '%s'", path);
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return bolt_err_set(err, errno, "--console-socket: socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return bolt_err_set(err, e, "--console-socket: connect to '%s'", path);
    }
    return fd;
}

/* setns(CLONE_NEWPID) only changes the namespace of our future children: join it for
 * the clone and go back afterwards, so an engine process calling us stays unchanged. */
static int
pidns_enter(int target, int *saved, struct bolt_err *err)
{
    *saved = -1;
    if (target < 0)
        return 0;
    *saved = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (*saved < 0)
        return bolt_err_set(err, errno, "open '/proc/self/ns/pid'");
    if (setns(target, CLONE_NEWPID) < 0)
        return bolt_err_set(err, errno, "join the pid namespace");
    return 0;
}

static void
pidns_leave(int saved)
{
    if (saved >= 0) {
        setns(saved, CLONE_NEWPID);
        close(saved);
    }
}

int
rt_launch(struct rt_launch *l, struct bolt_err *err)
{
    struct rt_child *c = &l->child;
    int sv[2];
    uint64_t flags = 0;
    int saved_pidns = -1;
    pid_t pid;

    /* The cgroup namespace is unshared by the child once it is in its cgroup, so that
     * cgroup becomes the namespace root (at clone time it is still in ours). */
    for (int t = 0; t < BOLT_NS_TYPES; t++) {
        if (c->new_ns[t] && t != BOLT_NS_CGROUP)
            flags |= (uint64_t)bolt_oci_ns_clone_flags[t];
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return bolt_err_set(err, errno, "socketpair");
    if (pidns_enter(l->pidns_fd, &saved_pidns, err) < 0) {
        pidns_leave(saved_pidns);
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    c->sync_fd = sv[1];
    l->pidfd = -1;
    pid = do_clone3(flags, &l->pidfd);
    if (pid == 0) {
        close(sv[0]);
        rt_child_main(c);
    }
    pidns_leave(saved_pidns);
    close(sv[1]);
    c->sync_fd = -1;
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        return bolt_err_set(err, e, "clone the container process (namespaces 0x%llx)",
                            (unsigned long long)flags);
    }
    l->pid = pid;
    l->sync = sv[0];
    return 0;
}

int
rt_launch_go(struct rt_launch *l, struct bolt_cgroup *cg, struct bolt_err *err)
{
    const struct bolt_oci_linux *lx = &l->child.spec->linux_;

    if (l->child.new_ns[BOLT_NS_USER]) {
        if (write_map(l->pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, err) < 0
            || write_map(l->pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, err) < 0)
            return -1;
    }
    if (cg && bolt_cgroup_enter(cg, l->pid, err) < 0)
        return -1;
    if (rt_msg_send(l->sync, RT_MSG_GO, l->pid, NULL) < 0)
        return bolt_err_set(err, errno, "release the container process");
    return 0;
}

void
rt_launch_abort(struct rt_launch *l)
{
    if (l->pid > 0) {
        kill(l->pid, SIGKILL);
        while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        l->pid = 0;
    }
    if (l->sync >= 0)
        close(steal_fd(&l->sync));
    if (l->pidfd >= 0)
        close(steal_fd(&l->pidfd));
}

int
rt_wait_status(int status)
{
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
