/* SPDX-License-Identifier: Apache-2.0 */
/* The container's first process, from clone to exec. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
#include "runtime/rt_seccomp.h"
#include "util/mem.h"
#include "util/sys.h"

__attribute__((noreturn)) static void
child_fail(struct rt_child *c, struct bolt_err *err)
{
    int code = bolt_rt_exit_code_for(err);

    if (rt_msg_send(c->sync_fd, RT_MSG_ERROR, code, err) < 0) {
        char buf[700];
        fprintf(stderr, "nvbind: %s\n", bolt_err_str(err, buf, sizeof(buf)));
    }
    _exit(code);
}

static int
wait_go(struct rt_child *c, pid_t *host_pid, struct bolt_err *err)
{
    struct rt_msg m;
    int r = rt_msg_recv(c->sync_fd, &m, NULL, err);

    if (r < 0)
        return -1;
    if (r == 0)
        return bolt_err_set(err, EPIPE, "the runtime went away during setup");
    if (m.type == RT_MSG_ERROR) {
        *err = m.err;
        return -1;
    }
    if (m.type != RT_MSG_GO)
        return bolt_err_set(err, EPROTO, "unexpected message %d from the runtime", m.type);
    if (host_pid)
        *host_pid = m.value;
    return 0;
}

static int
join_namespaces(struct rt_child *c, struct bolt_err *err)
{
    /* The user namespace first: it grants the rights to join the others. */
    static const enum bolt_oci_ns_type order[] = {BOLT_NS_USER, BOLT_NS_IPC, BOLT_NS_UTS,
                                                  BOLT_NS_NETWORK, BOLT_NS_CGROUP,
                                                  BOLT_NS_TIME, BOLT_NS_MOUNT};

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        int fd = c->ns_fds[order[i]];
        if (fd < 0)
            continue;
        if (setns(fd, bolt_oci_ns_clone_flags[order[i]]) < 0)
            return bolt_err_set(err, errno, "join %s namespace", bolt_oci_ns_names[order[i]]);
        close(fd);
        c->ns_fds[order[i]] = -1;
    }
    return 0;
}

static char *
state_json(struct rt_child *c, const char *status, pid_t host_pid)
{
    return rt_state_json_build(c->id, status, host_pid, c->bundle, c->spec->annotations,
                               c->spec->n_annotations);
}

/*
 * linux.seccomp.listenerPath: connect while the host's paths are still visible (before any
 * namespace is joined or the root pivoted), and prepare the container process state that
 * travels with the notify fd once the filter is loaded (runtime-spec "containerProcessState").
 */
static int
listener_connect(struct rt_child *c, pid_t host_pid, struct rt_notify_target *t,
                 struct bolt_err *err)
{
    const struct bolt_oci_seccomp *sc = c->spec->has_linux ? c->spec->linux_.seccomp : NULL;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    cleanup_free char *st = NULL;
    json_t *o;

    t->sock = -1;
    t->msg = NULL;
    if (!c->seccomp || !sc || !sc->listener_path || !sc->listener_path[0])
        return 0;
    if (strlen(sc->listener_path) >= sizeof(sa.sun_path))
        return bolt_err_set(err, 0, "linux.seccomp.listenerPath: '%s' is too long for a socket",
                            sc->listener_path);
    memcpy(sa.sun_path, sc->listener_path, strlen(sc->listener_path) + 1);
    t->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (t->sock < 0)
        return bolt_err_set(err, errno, "linux.seccomp.listenerPath: socket");
    if (connect(t->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return bolt_err_set(err, errno,
                            "linux.seccomp.listenerPath: connect to '%s' (start the seccomp "
                            "agent that listens there first)",
                            sc->listener_path);
    st = state_json(c, c->exec_mode ? "running" : "creating", host_pid);
    o = json_pack("{s:s,s:[s],s:i,s:s,s:o}", "ociVersion", "1.2.0", "fds", "seccompFd", "pid",
                  (int)host_pid, "metadata", sc->listener_metadata ? sc->listener_metadata : "",
                  "state", json_loads(st, 0, NULL));
    t->msg = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!t->msg)
        return bolt_err_set(err, ENOMEM, "linux.seccomp.listenerPath: build the process state");
    return 0;
}

/* Block until `start` opens the exec fifo (runc semantics), through the host /proc fd
 * kept across pivot_root since the fifo lives outside the container. */
static int
wait_start(struct rt_child *c, int procfd, struct bolt_err *err)
{
    char path[64];
    cleanup_close int fd = -1;
    char one = '0';

    snprintf(path, sizeof(path), "self/fd/%d", c->fifo_fd);
    fd = openat(procfd, path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return bolt_err_set(err, errno, "open the exec fifo");
    if (write(fd, &one, 1) != 1)
        return bolt_err_set(err, errno, "write the exec fifo");
    close(c->fifo_fd);
    c->fifo_fd = -1;
    return 0;
}

static void
setup(struct rt_child *c, pid_t *host_pid, int *procfd, struct rt_notify_target *notify)
{
    struct bolt_err err = {0};
    const struct bolt_oci_process *p = c->process;
    cleanup_close int rootfd = -1;

    if (wait_go(c, host_pid, &err) < 0 || listener_connect(c, *host_pid, notify, &err) < 0
        || join_namespaces(c, &err) < 0)
        child_fail(c, &err);
    if (c->new_ns[BOLT_NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0) {
        bolt_err_set(&err, errno, "unshare the cgroup namespace");
        child_fail(c, &err);
    }
    if (c->new_ns[BOLT_NS_USER] && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
        bolt_err_set(&err, errno, "become root in the user namespace");
        child_fail(c, &err);
    }
    if (setsid() < 0 && !c->exec_mode) {
        bolt_err_set(&err, errno, "setsid");
        child_fail(c, &err);
    }
    if (p->has_oom_score_adj) {
        char v[16];
        int n = snprintf(v, sizeof(v), "%d", p->oom_score_adj);
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, v, (size_t)n) != n) {
            bolt_err_set(&err, errno, "process.oomScoreAdj: write %d", p->oom_score_adj);
            child_fail(c, &err);
        }
        close(fd);
    }
    if (rt_apply_rlimits(p, &err) < 0)
        child_fail(c, &err);
    if (c->exec_mode)
        return;
    *procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*procfd < 0) {
        bolt_err_set(&err, errno, "open '/proc'");
        child_fail(c, &err);
    }
    umask(0);
    if (rt_rootfs_prepare(c, &rootfd, &err) < 0)
        child_fail(c, &err);
    if (c->runtime_hooks) {
        if (rt_msg_send(c->sync_fd, RT_MSG_HOOKS, 0, NULL) < 0 || wait_go(c, NULL, &err) < 0)
            child_fail(c, &err);
    }
    if (rt_spec_has_hooks(c->spec, BOLT_OCI_HOOK_CREATE_CONTAINER)) {
        cleanup_free char *st = state_json(c, "created", *host_pid);
        if (rt_hooks_run(c->spec, BOLT_OCI_HOOK_CREATE_CONTAINER, st, &err) < 0)
            child_fail(c, &err);
    }
    if (rt_rootfs_pivot(c, rootfd, &err) < 0 || rt_rootfs_finish(c, &err) < 0)
        child_fail(c, &err);
}

/* Hooks and the runtime may have changed dispositions; the container starts clean. */
static void
reset_signals(void)
{
    sigset_t none;

    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

void
rt_child_main(struct rt_child *c)
{
    struct bolt_err err = {0};
    const struct bolt_oci_process *p = c->process;
    cleanup_free char *exe = NULL;
    cleanup_close int procfd = -1;
    pid_t host_pid = 0;
    struct rt_notify_target notify = {.sock = -1};

    setup(c, &host_pid, &procfd, &notify);
    if (p->terminal) {
        if (rt_setup_terminal(c, &err) < 0)
            child_fail(c, &err);
    } else if (rt_setup_stdio(c->stdio, &err) < 0) {
        child_fail(c, &err);
    }
    if (p->cwd && chdir(p->cwd) < 0) {
        bolt_err_set(&err, errno, "process.cwd: chdir '%s'", p->cwd);
        child_fail(c, &err);
    }
    if (rt_resolve_exec(p, &exe, &err) < 0)
        child_fail(c, &err);
    if (!c->exec_mode) {
        if (rt_msg_send(c->sync_fd, RT_MSG_READY, 0, NULL) < 0)
            _exit(1);
        if (c->fifo_fd >= 0 ? wait_start(c, procfd, &err) < 0 : wait_go(c, NULL, &err) < 0)
            child_fail(c, &err);
        if (rt_spec_has_hooks(c->spec, BOLT_OCI_HOOK_START_CONTAINER)) {
            cleanup_free char *st = state_json(c, "running", host_pid);
            if (rt_hooks_run(c->spec, BOLT_OCI_HOOK_START_CONTAINER, st, &err) < 0)
                child_fail(c, &err);
        }
    }
    if (rt_finalize_process(p, c->seccomp, &notify, &err) < 0)
        child_fail(c, &err);
    /* Everything but stdio and the sync socket (CLOEXEC: it tells the parent that exec
     * succeeded by closing) goes before exec. */
    sys_close_range(3 + (unsigned)c->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd = 3; fd < 3 + c->preserve_fds; fd++)
        fcntl(fd, F_SETFD, 0);
    reset_signals();
    execve(exe, p->args, p->env ? p->env : (char *[]){NULL});
    bolt_err_set(&err, errno, "exec '%s'", p->args[0]);
    child_fail(c, &err);
}
