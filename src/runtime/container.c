/* SPDX-License-Identifier: Apache-2.0 */
/* create / start / run: the parent side of a container's life. */
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "runtime/launch.h"
#include "runtime/rt_internal.h"
#include "runtime/rt_seccomp.h"
#include "util/fs.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sys.h"
#include "util/trace.h"

void
bolt_rt_opts_init(struct bolt_rt_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->stdio[0] = o->stdio[1] = o->stdio[2] = -1;
}

int
bolt_rt_exit_code_for(const struct bolt_err *err)
{
    if (!err || strncmp(err->msg, "exec '", 6) != 0)
        return 1;
    if (err->errnum == ENOENT)
        return BOLT_RT_EXIT_NOTFOUND;
    if (err->errnum == EACCES || err->errnum == ENOEXEC || err->errnum == EPERM)
        return BOLT_RT_EXIT_NOEXEC;
    return 1;
}

/* Everything a create in progress owns, released in reverse on failure. */
struct rt_create {
    struct rt_launch l;
    char *dir;
    char *bundle;
    char *rootfs;
    struct bolt_cgroup *cg;
    bool dir_made;
    int pty;              /* master received from the child (run without console socket) */
    struct bolt_trace tr; /* BOLT_TRACE=1: a runtime-create phase line */
};

static void
create_fini(struct rt_create *x, bool failed)
{
    struct bolt_err ignore;

    if (failed) {
        rt_launch_abort(&x->l);
        if (x->cg)
            bolt_cgroup_destroy(x->cg, &ignore);
        if (x->dir_made)
            bolt_rm_rf(x->dir, &ignore);
    }
    for (int t = 0; t < BOLT_NS_TYPES; t++) {
        if (x->l.child.ns_fds[t] >= 0)
            close(steal_fd(&x->l.child.ns_fds[t]));
    }
    if (x->l.pidns_fd >= 0)
        close(steal_fd(&x->l.pidns_fd));
    if (x->l.child.fifo_fd >= 0)
        close(steal_fd(&x->l.child.fifo_fd));
    if (x->l.child.console_fd >= 0)
        close(steal_fd(&x->l.child.console_fd));
    rt_seccomp_free(x->l.child.seccomp);
    x->l.child.seccomp = NULL;
    bolt_cgroup_free(x->cg);
    x->cg = NULL;
    free(x->dir);
    free(x->bundle);
    free(x->rootfs);
    x->dir = x->bundle = x->rootfs = NULL;
}

static int
resolve_paths(struct rt_create *x, const struct bolt_oci_spec *spec, const char *bundle,
              struct bolt_err *err)
{
    char buf[PATH_MAX];
    cleanup_free char *root = NULL;

    if (!realpath(bundle ? bundle : ".", buf))
        return bolt_err_set(err, errno, "--bundle: '%s'", bundle ? bundle : ".");
    x->bundle = xstrdup(buf);
    if (!spec->root_path || !*spec->root_path)
        return bolt_err_set(err, EINVAL, "root.path: missing (set it to the rootfs directory)");
    root = spec->root_path[0] == '/' ? xstrdup(spec->root_path)
                                     : xasprintf("%s/%s", x->bundle, spec->root_path);
    if (!realpath(root, buf))
        return bolt_err_set(err, errno, "root.path: rootfs '%s' %s", root,
                            errno == ENOENT ? "does not exist (create it or fix root.path)"
                                            : "is not usable");
    x->rootfs = xstrdup(buf);
    return 0;
}

static int
setup_namespaces(struct rt_create *x, const struct bolt_oci_spec *spec, struct bolt_err *err)
{
    const struct bolt_oci_linux *l = &spec->linux_;
    struct rt_child *c = &x->l.child;

    for (size_t i = 0; i < l->n_namespaces; i++) {
        const struct bolt_oci_namespace *ns = &l->namespaces[i];
        int fd;

        if (!ns->path || !*ns->path) {
            c->new_ns[ns->type] = true;
            continue;
        }
        fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return bolt_err_set(err, errno, "linux.namespaces[%zu]: %s namespace path '%s'", i,
                                bolt_oci_ns_names[ns->type], ns->path);
        if (ns->type == BOLT_NS_PID)
            x->l.pidns_fd = fd;
        else
            c->ns_fds[ns->type] = fd;
    }
    if (!c->new_ns[BOLT_NS_MOUNT])
        return bolt_err_set(err, EINVAL,
                            "linux.namespaces: a new mount namespace is required (add "
                            "{\"type\": \"mount\"})");
    return 0;
}

static int
make_state_dir(struct rt_create *x, const char *root, const char *id, bool fifo,
               struct bolt_err *err)
{
    cleanup_free char *fifo_path = NULL;

    if (bolt_mkdir_p(root, 0700, err) < 0)
        return bolt_err_wrap(err, "state root");
    x->dir = rt_state_dir(root, id);
    if (mkdir(x->dir, 0700) < 0) {
        if (errno == EEXIST)
            return bolt_err_set(err, EEXIST,
                                "container id '%s' is already in use (delete it or pick another id)",
                                id);
        return bolt_err_set(err, errno, "create state directory '%s'", x->dir);
    }
    x->dir_made = true;
    if (!fifo)
        return 0;
    fifo_path = xasprintf("%s/exec.fifo", x->dir);
    if (mkfifo(fifo_path, 0600) < 0)
        return bolt_err_set(err, errno, "mkfifo '%s'", fifo_path);
    x->l.child.fifo_fd = open(fifo_path, O_PATH | O_CLOEXEC);
    if (x->l.child.fifo_fd < 0)
        return bolt_err_set(err, errno, "open '%s'", fifo_path);
    return 0;
}

static int
setup_cgroup(struct rt_create *x, const char *id, const struct bolt_oci_spec *spec,
             struct bolt_err *err)
{
    const struct bolt_oci_linux *l = &spec->linux_;
    const struct bolt_oci_device_rule *defs;
    struct bolt_oci_device_rule *rules;
    size_t n_defs, n = 0;
    int r;

    x->cg = bolt_cgroup_create(l->cgroups_path, id, spec->has_linux && l->has_resources
                                                        ? &l->resources : NULL, err);
    if (!x->cg)
        return -1;
    if (!l->has_resources || l->resources.n_devices == 0)
        return 0;
    defs = bolt_cgroup_default_device_rules(&n_defs);
    rules = xcalloc(l->resources.n_devices + n_defs + l->n_devices, sizeof(*rules));
    for (size_t i = 0; i < l->resources.n_devices; i++)
        rules[n++] = l->resources.devices[i];
    for (size_t i = 0; i < n_defs; i++)
        rules[n++] = defs[i];
    for (size_t i = 0; i < l->n_devices; i++) {
        const struct bolt_oci_device *d = &l->devices[i];
        if (d->type == 'p')
            continue;
        rules[n] = (struct bolt_oci_device_rule){.allow = true, .type = d->type == 'b' ? 'b' : 'c',
                                                 .major = d->major, .minor = d->minor,
                                                 .access = "rwm"};
        n++;
    }
    r = bolt_cgroup_apply_devices(x->cg, rules, n, err);
    free(rules);
    return r;
}

/*
 * A record for the time until the container is created: if this process is killed midway,
 * `state`/`list` see a stopped container and `delete` removes its directory and cgroup
 * (the final record replaces this one).
 */
static int
save_creating(struct rt_create *x, const char *id, struct bolt_err *err)
{
    cleanup_free char *cg = x->cg ? bolt_cgroup_to_string(x->cg) : NULL;
    struct rt_saved s = {
        .id = (char *)id,
        .pid = getpid(),
        .pid_start = rt_pid_start(getpid(), NULL),
        .bundle = x->bundle,
        .rootfs = x->rootfs,
        .cgroup = cg,
        .creating = true,
    };

    return rt_saved_write(x->dir, &s, err);
}

static void
create_init(struct rt_create *x)
{
    memset(x, 0, sizeof(*x));
    for (int t = 0; t < BOLT_NS_TYPES; t++)
        x->l.child.ns_fds[t] = -1;
    x->l.child.fifo_fd = x->l.child.console_fd = x->l.child.sync_fd = -1;
    x->l.pidns_fd = x->l.pidfd = x->l.sync = -1;
    x->pty = -1;
    bolt_trace_begin(&x->tr, "runtime-create");
}

static int
create_prepare(struct rt_create *x, const char *id, const struct bolt_oci_spec *spec,
               const struct bolt_rt_opts *o, bool use_fifo, struct bolt_err *err)
{
    struct rt_child *c = &x->l.child;
    const struct bolt_oci_process *p = &spec->process;
    cleanup_free char *cache = NULL;

    if (bolt_rt_check_id(id, err) < 0)
        return -1;
    if (!spec->has_process || !p->args || !p->args[0])
        return bolt_err_set(err, EINVAL, "process.args: missing (name the program to run)");
    if (bolt_oci_spec_validate(spec, err) < 0 || resolve_paths(x, spec, o->bundle, err) < 0
        || setup_namespaces(x, spec, err) < 0)
        return -1;
    bolt_trace_mark(&x->tr, "validate");
    if (p->terminal && !o->console_socket && use_fifo)
        return bolt_err_set(err, EINVAL,
                            "process.terminal is true: pass --console-socket (or set "
                            "\"terminal\": false)");
    if (make_state_dir(x, o->state_root, id, use_fifo, err) < 0)
        return -1;
    bolt_trace_mark(&x->tr, "statedir");
    if (p->terminal && o->console_socket) {
        c->console_fd = rt_connect_console(o->console_socket, err);
        if (c->console_fd < 0)
            return -1;
    }
    c->pty_to_parent = p->terminal && !o->console_socket;
    bolt_err_clear(err);
    cache = xasprintf("%s/.seccomp-cache", o->state_root ? o->state_root : BOLT_RT_DEFAULT_ROOT);
    c->seccomp = rt_seccomp_prepare(spec, cache, err);
    if (!c->seccomp && bolt_err_is_set(err))
        return -1;
    bolt_trace_mark(&x->tr, "seccomp");
    if (setup_cgroup(x, id, spec, err) < 0 || save_creating(x, id, err) < 0)
        return -1;
    bolt_trace_mark(&x->tr, "cgroup");
    c->spec = spec;
    c->process = p;
    c->id = id;
    c->bundle = x->bundle;
    c->rootfs = x->rootfs;
    c->no_pivot = o->no_pivot;
    memcpy(c->stdio, o->stdio, sizeof(c->stdio));
    c->preserve_fds = o->preserve_fds;
    c->runtime_hooks = rt_spec_has_hooks(spec, BOLT_OCI_HOOK_PRESTART)
                       || rt_spec_has_hooks(spec, BOLT_OCI_HOOK_CREATE_RUNTIME);
    if (rt_launch(&x->l, err) < 0 || rt_launch_go(&x->l, x->cg, err) < 0)
        return -1;
    bolt_trace_mark(&x->tr, "launch");
    return 0;
}

static int
run_runtime_hooks(struct rt_create *x, const char *id, const struct bolt_oci_spec *spec,
                  struct bolt_err *err)
{
    cleanup_free char *st = rt_state_json_build(id, "creating", x->l.pid, x->bundle,
                                                spec->annotations, spec->n_annotations);

    if (rt_hooks_run(spec, BOLT_OCI_HOOK_PRESTART, st, err) < 0
        || rt_hooks_run(spec, BOLT_OCI_HOOK_CREATE_RUNTIME, st, err) < 0) {
        rt_msg_send(x->l.sync, RT_MSG_ERROR, 1, err);
        return -1;
    }
    return rt_msg_send(x->l.sync, RT_MSG_GO, x->l.pid, NULL);
}

static int
create_wait_ready(struct rt_create *x, const char *id, const struct bolt_oci_spec *spec,
                  struct bolt_err *err)
{
    for (;;) {
        struct rt_msg m;
        int fd = -1;
        int r = rt_msg_recv(x->l.sync, &m, &fd, err);
        int status = 0;

        if (r < 0)
            return -1;
        if (r == 0) {
            while (waitpid(x->l.pid, &status, 0) < 0 && errno == EINTR)
                ;
            x->l.pid = 0;
            return bolt_err_set(err, 0, "the container process exited during setup (status %d)",
                                rt_wait_status(status));
        }
        switch (m.type) {
        case RT_MSG_ERROR:
            *err = m.err;
            return -1;
        case RT_MSG_HOOKS:
            if (run_runtime_hooks(x, id, spec, err) < 0)
                return -1;
            break;
        case RT_MSG_PTY:
            if (x->pty >= 0)
                close(x->pty);
            x->pty = fd;
            break;
        case RT_MSG_READY:
            return 0;
        default:
            return bolt_err_set(err, EPROTO, "unexpected message %d from the container", m.type);
        }
    }
}

static void
now_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    char base[32];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

static int
write_pid_file(const char *path, pid_t pid, struct bolt_err *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

    if (rt_write_volatile(path, buf, (size_t)n, 0644, err) < 0)
        return bolt_err_wrap(err, "--pid-file");
    return 0;
}

static int
save_state(struct rt_create *x, const char *id, const struct bolt_oci_spec *spec,
           const struct bolt_rt_opts *o, struct bolt_err *err)
{
    struct rt_saved s;
    char created[64];
    cleanup_free char *cg = x->cg ? bolt_cgroup_to_string(x->cg) : NULL;
    cleanup_free char *cfg = xasprintf("%s/config.json", x->dir);
    json_t *json;
    int r;

    now_rfc3339(created, sizeof(created));
    memset(&s, 0, sizeof(s));
    s.id = (char *)id;
    s.pid = x->l.pid;
    s.pid_start = rt_pid_start(x->l.pid, NULL);
    s.bundle = x->bundle;
    s.rootfs = x->rootfs;
    s.created = created;
    s.cgroup = cg;
    s.has_poststart = rt_spec_has_hooks(spec, BOLT_OCI_HOOK_POSTSTART);
    s.has_poststop = rt_spec_has_hooks(spec, BOLT_OCI_HOOK_POSTSTOP);
    s.annotations = json_object();
    for (size_t i = 0; i < spec->n_annotations; i++)
        json_object_set_new(s.annotations, spec->annotations[i].key,
                            json_string(spec->annotations[i].value ? spec->annotations[i].value
                                                                   : ""));
    json = bolt_oci_spec_to_json(spec);
    r = rt_write_json_volatile(cfg, json, err);
    json_decref(json);
    if (r == 0)
        r = rt_saved_write(x->dir, &s, err);
    json_decref(s.annotations);
    if (r == 0 && o->pid_file)
        r = write_pid_file(o->pid_file, x->l.pid, err);
    return r;
}

int
bolt_rt_create(const char *id, const struct bolt_oci_spec *spec, const struct bolt_rt_opts *o,
               struct bolt_rt_proc *proc, struct bolt_err *err)
{
    struct rt_create x;

    create_init(&x);
    if (create_prepare(&x, id, spec, o, true, err) < 0
        || create_wait_ready(&x, id, spec, err) < 0) {
        create_fini(&x, true);
        return -1;
    }
    bolt_trace_mark(&x.tr, "child");
    if (save_state(&x, id, spec, o, err) < 0) {
        create_fini(&x, true);
        return -1;
    }
    bolt_trace_mark(&x.tr, "state");
    bolt_trace_end(&x.tr);
    if (proc) {
        proc->pid = x.l.pid;
        proc->pidfd = steal_fd(&x.l.pidfd);
    }
    if (x.l.pidfd >= 0)
        close(x.l.pidfd);
    close(x.l.sync);
    create_fini(&x, false);
    return 0;
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

void
rt_forward_mask(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        sigaddset(set, forwarded[i]);
}

static int
signalfd_open(const sigset_t *mask)
{
    return signalfd(-1, mask, SFD_CLOEXEC);
}

static void
signalfd_forward(int sfd, pid_t pid, int pty)
{
    struct signalfd_siginfo si;
    struct winsize ws;

    if (read(sfd, &si, sizeof(si)) != sizeof(si))
        return;
    if (si.ssi_signo == SIGWINCH) {
        if (pty >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0)
            ioctl(pty, TIOCSWINSZ, &ws);
        return;
    }
    kill(pid, (int)si.ssi_signo);
}

/* Copy what is readable on from to to; false on EOF/error. */
static bool
pump(int from, int to)
{
    char buf[8192];
    ssize_t n = read(from, buf, sizeof(buf));

    if (n <= 0)
        return n < 0 && errno == EINTR;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        off += w;
    }
    return true;
}

/*
 * Supervise a started container until it exits: forward signals (via signalfd), proxy
 * the pty when we hold its master, and watch the sync socket for a late exec failure.
 * Returns the exit status or -1 (err set, e.g. the exec failed).
 */
int
rt_supervise(pid_t pid, int pidfd, int sync, int pty, const sigset_t *mask, struct bolt_err *err)
{
    cleanup_close int sfd = signalfd_open(mask);
    struct rt_msg m;
    bool in_open = pty >= 0, sync_open = sync >= 0;
    struct termios saved;
    bool raw = false;
    int status = 0;

    if (pty >= 0 && isatty(0) && tcgetattr(0, &saved) == 0) {
        struct termios t = saved;
        struct winsize ws;
        cfmakeraw(&t);
        raw = tcsetattr(0, TCSANOW, &t) == 0;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0)
            ioctl(pty, TIOCSWINSZ, &ws);
    }

    for (;;) {
        struct pollfd p[5] = {
            {.fd = pidfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN},
            {.fd = sync_open ? sync : -1, .events = POLLIN},
            {.fd = pty, .events = POLLIN}, {.fd = in_open ? 0 : -1, .events = POLLIN},
        };
        if (poll(p, 5, -1) < 0) {
            if (errno == EINTR)
                continue;
            return bolt_err_set(err, errno, "poll");
        }
        if (p[2].revents) {
            int r = rt_msg_recv(sync, &m, NULL, NULL);
            sync_open = false;
            if (r == 1 && m.type == RT_MSG_ERROR) {
                *err = m.err;
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                    ;
                if (raw)
                    tcsetattr(0, TCSANOW, &saved);
                return -1;
            }
        }
        if (p[1].revents)
            signalfd_forward(sfd, pid, pty);
        if (p[3].revents && !pump(pty, 1))
            pty = -1;
        if (p[4].revents && !pump(0, pty))
            in_open = false;
        if (p[0].revents)
            break;
    }
    while (pty >= 0 && pump(pty, 1))
        ;
    if (raw)
        tcsetattr(0, TCSANOW, &saved);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return bolt_err_set(err, errno, "wait for the container");
    }
    return rt_wait_status(status);
}

int
bolt_rt_run(const char *id, const struct bolt_oci_spec *spec, const struct bolt_rt_opts *o,
            struct bolt_err *err)
{
    struct rt_create x;
    sigset_t mask, old;
    struct bolt_err warn;
    int status;

    rt_forward_mask(&mask);
    sigprocmask(SIG_BLOCK, &mask, &old);
    create_init(&x);
    if (create_prepare(&x, id, spec, o, false, err) < 0
        || create_wait_ready(&x, id, spec, err) < 0 || save_state(&x, id, spec, o, err) < 0
        || rt_msg_send(x.l.sync, RT_MSG_GO, x.l.pid, NULL) < 0) {
        create_fini(&x, true);
        if (x.pty >= 0)
            close(x.pty);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return -1;
    }
    if (rt_spec_has_hooks(spec, BOLT_OCI_HOOK_POSTSTART)) {
        cleanup_free char *st = rt_state_json_build(id, "running", x.l.pid, x.bundle,
                                                    spec->annotations, spec->n_annotations);
        if (rt_hooks_run(spec, BOLT_OCI_HOOK_POSTSTART, st, &warn) < 0)
            log_warn("%s", warn.msg);
    }
    status = rt_supervise(x.l.pid, x.l.pidfd, x.l.sync, x.pty, &mask, err);
    x.l.pid = 0;
    if (x.pty >= 0)
        close(x.pty);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (rt_spec_has_hooks(spec, BOLT_OCI_HOOK_POSTSTOP)) {
        cleanup_free char *st = rt_state_json_build(id, "stopped", 0, x.bundle,
                                                    spec->annotations, spec->n_annotations);
        if (rt_hooks_run(spec, BOLT_OCI_HOOK_POSTSTOP, st, &warn) < 0)
            log_warn("%s", warn.msg);
    }
    if (!o->keep_state_on_exit) {
        if (x.cg && bolt_cgroup_destroy(x.cg, &warn) < 0)
            log_warn("remove cgroup: %s", warn.msg);
        bolt_rm_rf(x.dir, NULL);
    }
    create_fini(&x, false);
    if (x.l.sync >= 0)
        close(x.l.sync);
    if (x.l.pidfd >= 0)
        close(x.l.pidfd);
    return status;
}
