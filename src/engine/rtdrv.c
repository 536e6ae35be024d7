/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/rtdrv.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/mem.h"
#include "util/sys.h"

int
engine_rt_resolve(const char *name, const char *runroot, struct engine_rt *rt, struct bolt_err *err)
{
    memset(rt, 0, sizeof(*rt));
    if (!name || !*name || strcmp(name, "nvbind") == 0) {
        rt->state_root = xasprintf("%s/rt/nvbind", runroot);
        return 0;
    }
    if (strchr(name, '/')) {
        if (access(name, X_OK) < 0)
            return bolt_err_set(err, errno,
                                "--runtime: cannot execute '%s' (expected nvbind, or "
                                "a runc-compatible runtime name in PATH or a path)",
                                name);
        rt->path = realpath(name, NULL);
        if (!rt->path)
            return bolt_err_set(err, errno, "--runtime: resolve '%s'", name);
    } else {
        const char *path = getenv("PATH");
        cleanup_free char *copy = xstrdup(path && *path ? path
                                                        : "/usr/local/sbin:/usr/local/bin:"
                                                          "/usr/sbin:/usr/bin:/sbin:/bin");
        char *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d && !rt->path; d = strtok_r(NULL, ":", &save)) {
            cleanup_free char *cand = xasprintf("%s/%s", d, name);
            if (access(cand, X_OK) == 0)
                rt->path = steal_ptr(&cand);
        }
        if (!rt->path)
            return bolt_err_set(err, 0,
                                "--runtime: '%s' not found in PATH (expected nvbind, "
                                "or a runc-compatible runtime such as crun or runc, "
                                "or a path)",
                                name);
    }
    rt->external = true;
    {
        const char *base = strrchr(rt->path, '/');
        rt->state_root = xasprintf("%s/rt/%s", runroot, base ? base + 1 : rt->path);
    }
    return 0;
}

void
engine_rt_fini(struct engine_rt *rt)
{
    free(rt->path);
    free(rt->state_root);
    memset(rt, 0, sizeof(*rt));
}

/* Read the last error message from a runc/crun --log-format=json file. */
static void
last_log_error(const char *log, char *buf, size_t len)
{
    cleanup_free char *text = bolt_read_file(log, NULL, NULL);
    char *save = NULL;

    buf[0] = '\0';
    for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        json_t *o = json_loads(line, 0, NULL);
        const char *lvl = o ? json_string_value(json_object_get(o, "level")) : NULL;
        const char *msg = o ? json_string_value(json_object_get(o, "msg")) : NULL;
        if (lvl && msg && (strcmp(lvl, "error") == 0 || strcmp(lvl, "fatal") == 0))
            snprintf(buf, len, "%s", msg);
        json_decref(o);
    }
}

/*
 * Run the runtime binary with argv, stdio as given (-1: /dev/null), wait for it.
 * Returns its exit status (128+N on signal) or -1.
 */
/*
 * crun 1.8 refuses hybrid cgroup hosts (v1 controllers plus a cgroup2 mount at
 * /sys/fs/cgroup/unified). Its own documented workaround is to run it where that mount
 * is absent: the runtime child gets a private mount namespace without it, so crun sees a
 * plain v1 host. Nothing changes for anything else on the host.
 */
static void
hide_unified_cgroup(const char *path)
{
    const char *base = strrchr(path, '/');

    if (strcmp(base ? base + 1 : path, "crun") != 0 || !bolt_path_exists("/sys/fs/cgroup/unified"))
        return;
    if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0)
        umount2("/sys/fs/cgroup/unified", MNT_DETACH);
}

static int
spawn_wait(const char *path, char **argv, const int stdio[3], struct bolt_err *err)
{
    pid_t pid = fork();
    int status;

    if (pid < 0)
        return bolt_err_set(err, errno, "fork for '%s'", path);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int i = 0; i < 3; i++) {
            int fd = stdio && stdio[i] >= 0 ? stdio[i] : devnull;
            if (fd != i)
                dup2(fd, i);
            else
                fcntl(i, F_SETFD, 0);
        }
        sys_close_range(3, ~0U, 0);
        hide_unified_cgroup(path);
        execv(path, argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return bolt_err_set(err, errno, "wait for '%s'", path);
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static int
ext_fail(const char *what, const char *rt, const char *log, int status, struct bolt_err *err)
{
    char msg[400];

    last_log_error(log, msg, sizeof(msg));
    if (status == 127 && !msg[0])
        return bolt_err_set(err, 0, "%s: could not execute runtime '%s'", what, rt);
    if (strstr(msg, "executable file not found") || strstr(msg, "no such file or directory"))
        return bolt_err_set(err, ENOENT, "%s (runtime %s): %s", what, rt, msg);
    if (strstr(msg, "permission denied"))
        return bolt_err_set(err, EACCES, "%s (runtime %s): %s", what, rt, msg);
    return bolt_err_set(err, 0, "%s (runtime %s) failed with status %d%s%s", what, rt, status,
                        msg[0] ? ": " : "", msg);
}

static void
push_base(char ***argv, const struct engine_rt *rt, const char *log)
{
    bolt_strv_push(argv, rt->path);
    bolt_strv_push(argv, "--root");
    bolt_strv_push(argv, rt->state_root);
    bolt_strv_push(argv, "--log");
    bolt_strv_push(argv, log);
    bolt_strv_push(argv, "--log-format");
    bolt_strv_push(argv, "json");
}

static int
ext_start(const struct engine_rt *rt, const char *id, const char *bundle, const int stdio[3],
          const char *console_socket, struct bolt_rt_proc *proc, struct bolt_err *err)
{
    cleanup_free char *log = xasprintf("%s/%s.log", rt->state_root, id);
    cleanup_free char *pidfile = xasprintf("%s/%s.pid", rt->state_root, id);
    cleanup_free char *pidtext = NULL;
    cleanup_strv char **argv = NULL;
    cleanup_strv char **argv2 = NULL;
    int r;

    unlink(log);
    push_base(&argv, rt, log);
    bolt_strv_push(&argv, "create");
    bolt_strv_push(&argv, "--bundle");
    bolt_strv_push(&argv, bundle);
    bolt_strv_push(&argv, "--pid-file");
    bolt_strv_push(&argv, pidfile);
    if (console_socket) {
        bolt_strv_push(&argv, "--console-socket");
        bolt_strv_push(&argv, console_socket);
    }
    bolt_strv_push(&argv, id);
    r = spawn_wait(rt->path, argv, stdio, err);
    if (r != 0)
        return r < 0 ? -1 : ext_fail("create container", rt->path, log, r, err);
    pidtext = bolt_read_file(pidfile, NULL, err);
    if (!pidtext)
        return bolt_err_wrap(err, "runtime %s wrote no pid file", rt->path);
    proc->pid = (pid_t)strtol(pidtext, NULL, 10);
    proc->pidfd = sys_pidfd_open(proc->pid, 0);
    if (proc->pidfd >= 0)
        fcntl(proc->pidfd, F_SETFD, FD_CLOEXEC);
    push_base(&argv2, rt, log);
    bolt_strv_push(&argv2, "start");
    bolt_strv_push(&argv2, id);
    r = spawn_wait(rt->path, argv2, NULL, err);
    if (r != 0) {
        engine_rt_delete(rt, id, true, NULL);
        if (proc->pidfd >= 0)
            close(proc->pidfd);
        return r < 0 ? -1 : ext_fail("start container", rt->path, log, r, err);
    }
    return 0;
}

int
engine_rt_start(const struct engine_rt *rt, const char *id, const struct bolt_oci_spec *spec,
                const char *bundle, const int stdio[3], const char *console_socket,
                struct bolt_rt_proc *proc, struct bolt_err *err)
{
    struct bolt_rt_opts o;

    if (bolt_mkdir_p(rt->state_root, 0700, err) < 0)
        return -1;
    if (rt->external)
        return ext_start(rt, id, bundle, stdio, console_socket, proc, err);
    bolt_rt_opts_init(&o);
    o.state_root = rt->state_root;
    o.bundle = bundle;
    o.console_socket = console_socket;
    for (int i = 0; i < 3; i++)
        o.stdio[i] = stdio[i];
    if (bolt_rt_create(id, spec, &o, proc, err) < 0)
        return -1;
    if (bolt_rt_start(rt->state_root, id, err) < 0) {
        struct bolt_err e2 = {0};
        bolt_rt_delete(rt->state_root, id, true, &e2);
        if (proc->pidfd >= 0)
            close(proc->pidfd);
        return -1;
    }
    return 0;
}

int
engine_rt_kill(const struct engine_rt *rt, const char *id, int sig, bool all, struct bolt_err *err)
{
    cleanup_free char *log = NULL;
    cleanup_strv char **argv = NULL;
    char num[16];
    int r;

    if (!rt->external)
        return bolt_rt_kill(rt->state_root, id, sig, all, err);
    log = xasprintf("%s/%s.log", rt->state_root, id);
    push_base(&argv, rt, log);
    bolt_strv_push(&argv, "kill");
    if (all)
        bolt_strv_push(&argv, "--all");
    bolt_strv_push(&argv, id);
    snprintf(num, sizeof(num), "%d", sig);
    bolt_strv_push(&argv, num);
    r = spawn_wait(rt->path, argv, NULL, err);
    return r == 0 ? 0 : (r < 0 ? -1 : ext_fail("kill container", rt->path, log, r, err));
}

int
engine_rt_delete(const struct engine_rt *rt, const char *id, bool force, struct bolt_err *err)
{
    cleanup_free char *log = NULL;
    cleanup_free char *pidfile = NULL;
    cleanup_strv char **argv = NULL;
    int r;

    if (!rt->external)
        return bolt_rt_delete(rt->state_root, id, force, err);
    log = xasprintf("%s/%s.log", rt->state_root, id);
    pidfile = xasprintf("%s/%s.pid", rt->state_root, id);
    push_base(&argv, rt, log);
    bolt_strv_push(&argv, "delete");
    if (force)
        bolt_strv_push(&argv, "--force");
    bolt_strv_push(&argv, id);
    r = spawn_wait(rt->path, argv, NULL, err);
    if (r != 0)
        return r < 0 ? -1 : ext_fail("delete container", rt->path, log, r, err);
    unlink(log);
    unlink(pidfile);
    return 0;
}

static void
push_exec_args(char ***argv, const struct bolt_oci_process *p, const struct bolt_rt_exec_opts *eo)
{
    char user[32];

    if (p->terminal) {
        bolt_strv_push(argv, "--tty");
        if (eo->console_socket) {
            bolt_strv_push(argv, "--console-socket");
            bolt_strv_push(argv, eo->console_socket);
        }
    }
    if (eo->detach)
        bolt_strv_push(argv, "--detach");
    if (p->cwd) {
        bolt_strv_push(argv, "--cwd");
        bolt_strv_push(argv, p->cwd);
    }
    for (size_t i = 0; p->env && p->env[i]; i++) {
        bolt_strv_push(argv, "--env");
        bolt_strv_push(argv, p->env[i]);
    }
    snprintf(user, sizeof(user), "%u:%u", p->uid, p->gid);
    bolt_strv_push(argv, "--user");
    bolt_strv_push(argv, user);
}

int
engine_rt_exec(const struct engine_rt *rt, const char *id, const struct bolt_oci_process *p,
               const struct bolt_rt_exec_opts *eo, struct bolt_err *err)
{
    cleanup_free char *log = NULL;
    cleanup_strv char **argv = NULL;
    struct bolt_rt_proc proc = {0, -1};
    int r;

    if (!rt->external) {
        r = bolt_rt_exec(rt->state_root, id, p, eo, &proc, err);
        if (proc.pidfd >= 0)
            close(proc.pidfd);
        return r;
    }
    log = xasprintf("%s/%s.exec.log", rt->state_root, id);
    unlink(log);
    push_base(&argv, rt, log);
    bolt_strv_push(&argv, "exec");
    push_exec_args(&argv, p, eo);
    bolt_strv_push(&argv, id);
    for (size_t i = 0; p->args && p->args[i]; i++)
        bolt_strv_push(&argv, p->args[i]);
    {
        int stdio[3];
        for (int i = 0; i < 3; i++)
            stdio[i] = eo->stdio[i] >= 0 ? eo->stdio[i] : i; /* exec inherits our stdio */
        r = spawn_wait(rt->path, argv, stdio, err);
    }
    if (r < 0)
        return -1;
    {
        char msg[400];
        last_log_error(log, msg, sizeof(msg));
        unlink(log);
        if (msg[0]) {
            if (strstr(msg, "executable file not found") || strstr(msg, "no such file"))
                return bolt_err_set(err, ENOENT, "exec (runtime %s): %s", rt->path, msg);
            if (strstr(msg, "permission denied"))
                return bolt_err_set(err, EACCES, "exec (runtime %s): %s", rt->path, msg);
            return bolt_err_set(err, 0, "exec (runtime %s): %s", rt->path, msg);
        }
    }
    return r;
}

int
engine_rt_exit_code_for(const struct bolt_err *err)
{
    if (err->errnum == ENOENT)
        return 127;
    if (err->errnum == EACCES || err->errnum == ENOEXEC || err->errnum == EPERM)
        return 126;
    return 125;
}
