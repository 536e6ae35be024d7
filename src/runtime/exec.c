/* SPDX-License-Identifier: Apache-2.0 */
/* exec: a new process in a running container's namespaces and cgroup. */
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/launch.h"
#include "runtime/rt_internal.h"
#include "runtime/rt_seccomp.h"
#include "util/fs.h"
#include "util/mem.h"

void
bolt_rt_exec_opts_init(struct bolt_rt_exec_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->stdio[0] = o->stdio[1] = o->stdio[2] = -1;
}

/* Open /proc/PID/ns/<type> for every namespace the container has that we are not in. */
static int
open_namespaces(struct rt_launch *l, const struct bolt_oci_spec *spec, pid_t pid,
                struct bolt_err *err)
{
    static const char *const proc_names[BOLT_NS_TYPES] = {
        [BOLT_NS_PID] = "pid",   [BOLT_NS_NETWORK] = "net", [BOLT_NS_MOUNT] = "mnt",
        [BOLT_NS_IPC] = "ipc",   [BOLT_NS_UTS] = "uts",     [BOLT_NS_USER] = "user",
        [BOLT_NS_CGROUP] = "cgroup", [BOLT_NS_TIME] = "time",
    };

    for (size_t i = 0; i < spec->linux_.n_namespaces; i++) {
        enum bolt_oci_ns_type t = spec->linux_.namespaces[i].type;
        char path[64], self[64];
        struct stat a, b;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, proc_names[t]);
        snprintf(self, sizeof(self), "/proc/self/ns/%s", proc_names[t]);
        if (stat(path, &a) < 0)
            return bolt_err_set(err, errno, "container namespace '%s'", path);
        if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            continue; /* already there (setns into our own user ns would fail) */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return bolt_err_set(err, errno, "open '%s'", path);
        if (t == BOLT_NS_PID)
            l->pidns_fd = fd;
        else
            l->child.ns_fds[t] = fd;
    }
    return 0;
}

static void
launch_close(struct rt_launch *l)
{
    for (int t = 0; t < BOLT_NS_TYPES; t++) {
        if (l->child.ns_fds[t] >= 0)
            close(steal_fd(&l->child.ns_fds[t]));
    }
    if (l->pidns_fd >= 0)
        close(steal_fd(&l->pidns_fd));
    if (l->child.console_fd >= 0)
        close(steal_fd(&l->child.console_fd));
}

/* After GO the child either execs (EOF on sync), sends its pty, or reports an error. */
static int
exec_wait_started(struct rt_launch *l, int *pty, struct bolt_err *err)
{
    for (;;) {
        struct rt_msg m;
        int fd = -1;
        int r = rt_msg_recv(l->sync, &m, &fd, err);

        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        if (m.type == RT_MSG_PTY) {
            *pty = fd;
            continue;
        }
        if (m.type == RT_MSG_ERROR) {
            *err = m.err;
            return -1;
        }
        return bolt_err_set(err, EPROTO, "unexpected message %d from the exec process", m.type);
    }
}

/* Fill the launch for an exec'd process; connects the console socket when asked. */
static int
exec_launch_init(struct rt_launch *l, const struct rt_saved *s, const struct bolt_oci_spec *spec,
                 const struct bolt_oci_process *process, const struct bolt_rt_exec_opts *o,
                 struct bolt_err *err)
{
    memset(l, 0, sizeof(*l));
    for (int t = 0; t < BOLT_NS_TYPES; t++)
        l->child.ns_fds[t] = -1;
    l->pidns_fd = l->pidfd = l->sync = -1;
    l->child.fifo_fd = l->child.console_fd = -1;
    l->child.spec = spec;
    l->child.process = process;
    l->child.id = s->id;
    l->child.bundle = s->bundle;
    l->child.rootfs = s->rootfs;
    l->child.exec_mode = true;
    memcpy(l->child.stdio, o->stdio, sizeof(l->child.stdio));
    l->child.preserve_fds = o->preserve_fds;
    if (process->terminal && o->console_socket) {
        l->child.console_fd = rt_connect_console(o->console_socket, err);
        if (l->child.console_fd < 0)
            return -1;
    }
    l->child.pty_to_parent = process->terminal && !o->console_socket;
    return 0;
}

static int
exec_in(const char *root, const struct rt_saved *s, const struct bolt_oci_spec *spec,
        const struct bolt_oci_process *process, const struct bolt_rt_exec_opts *o,
        struct bolt_rt_proc *proc, struct bolt_err *err)
{
    struct rt_launch l;
    struct bolt_cgroup *cg = NULL;
    sigset_t mask, old;
    int pty = -1, r = -1;
    char buf[32];
    cleanup_free char *cache = NULL;

    if (exec_launch_init(&l, s, spec, process, o, err) < 0)
        return -1;
    if (s->cgroup && *s->cgroup && !(cg = bolt_cgroup_from_string(s->cgroup, err)))
        goto out;
    bolt_err_clear(err);
    cache = xasprintf("%s/.seccomp-cache", root ? root : BOLT_RT_DEFAULT_ROOT);
    l.child.seccomp = rt_seccomp_prepare(spec, cache, err);
    if ((!l.child.seccomp && bolt_err_is_set(err)) || open_namespaces(&l, spec, s->pid, err) < 0)
        goto out;
    rt_forward_mask(&mask);
    sigprocmask(SIG_BLOCK, &mask, &old);
    if (rt_launch(&l, err) < 0 || rt_launch_go(&l, cg, err) < 0
        || exec_wait_started(&l, &pty, err) < 0) {
        rt_launch_abort(&l);
        sigprocmask(SIG_SETMASK, &old, NULL);
        goto out;
    }
    if (o->pid_file) {
        int n = snprintf(buf, sizeof(buf), "%d", (int)l.pid);
        if (rt_write_volatile(o->pid_file, buf, (size_t)n, 0644, err) < 0)
            bolt_err_wrap(err, "--pid-file");
    }
    if (o->detach) {
        if (proc) {
            proc->pid = l.pid;
            proc->pidfd = steal_fd(&l.pidfd);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        r = 0;
    } else {
        r = rt_supervise(l.pid, l.pidfd, -1, pty, &mask, err);
        sigprocmask(SIG_SETMASK, &old, NULL);
    }
out:
    if (pty >= 0)
        close(pty);
    if (l.sync >= 0)
        close(l.sync);
    if (l.pidfd >= 0)
        close(l.pidfd);
    launch_close(&l);
    rt_seccomp_free(l.child.seccomp);
    bolt_cgroup_free(cg);
    return r;
}

int
bolt_rt_exec(const char *state_root, const char *id, const struct bolt_oci_process *process,
             const struct bolt_rt_exec_opts *o, struct bolt_rt_proc *proc, struct bolt_err *err)
{
    cleanup_free char *dir = NULL;
    struct bolt_oci_spec *spec = NULL;
    struct rt_saved s;
    enum bolt_rt_status st;
    int r;

    if (process->terminal && o->detach && !o->console_socket)
        return bolt_err_set(err, EINVAL,
                            "exec: a detached process with a terminal needs --console-socket "
                            "(nobody would hold the pty otherwise)");
    if (rt_saved_read(state_root, id, &s, err) < 0)
        return -1;
    dir = rt_state_dir(state_root, id);
    st = rt_saved_status(dir, &s);
    if (st != BOLT_RT_RUNNING && st != BOLT_RT_CREATED) {
        rt_saved_fini(&s);
        return bolt_err_set(err, EINVAL, "container '%s' is %s: exec needs a running container",
                            id, bolt_rt_status_name(st));
    }
    spec = rt_saved_spec(dir, err);
    if (!spec) {
        rt_saved_fini(&s);
        return bolt_err_wrap(err, "container '%s'", id);
    }
    r = exec_in(state_root, &s, spec, process, o, proc, err);
    bolt_oci_spec_free(spec);
    rt_saved_fini(&s);
    return r;
}
