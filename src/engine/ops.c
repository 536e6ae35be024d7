/* SPDX-License-Identifier: Apache-2.0 */
/* Operations on existing containers: kill, stop, rm, wait, exec, top, stats. */
#include "engine/supervise_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine/spec_internal.h"
#include "runtime/cgroup.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/sys.h"

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

bool
bolt_engine_is_running(const struct bolt_ctr_store *st, struct bolt_container *c)
{
    bolt_ctrs_reconcile(st, c);
    return c->status == BOLT_CTR_RUNNING || c->status == BOLT_CTR_RESTARTING;
}

/* Wait up to ms for pid to exit. True when it is gone. */
static bool
wait_pid_gone(pid_t pid, long ms)
{
    int fd = sys_pidfd_open(pid, 0);
    struct pollfd p;
    int r;

    if (fd < 0)
        return errno == ESRCH;
    p = (struct pollfd){fd, POLLIN, 0};
    do
        r = poll(&p, 1, (int)ms);
    while (r < 0 && errno == EINTR);
    close(fd);
    return r > 0;
}

/* Wait until the supervisor of id has exited (its lock is free). */
static bool
wait_monitor_gone(const struct bolt_ctr_store *st, const char *id, long ms)
{
    for (long t = 0; t <= ms; t += 20) {
        if (!bolt_ctrs_monitor_alive(st, id))
            return true;
        sleep_ms(20);
    }
    return false;
}

static bool
set_stop(struct bolt_container *c, void *arg)
{
    (void)arg;
    c->stop_requested = true;
    return true;
}

static int
signal_pid(pid_t pid, int sig, struct bolt_err *err)
{
    int fd = sys_pidfd_open(pid, 0);
    int r;

    if (fd < 0) {
        if (errno == ESRCH)
            return bolt_err_set(err, ESRCH, "the container's process %d is gone", pid);
        r = kill(pid, sig); /* kernels without pidfd_open */
        return r < 0 ? bolt_err_set(err, errno, "kill %d", pid) : 0;
    }
    r = sys_pidfd_send_signal(fd, sig, NULL, 0);
    if (r < 0)
        r = bolt_err_set(err, errno, "send signal %d to the container's process %d", sig, pid);
    close(fd);
    return r;
}

int
bolt_engine_kill(const struct bolt_ctr_store *st, struct bolt_container *c, int sig,
                 bool mark_stopped, struct bolt_err *err)
{
    if (!bolt_engine_is_running(st, c) || c->pid <= 0)
        return bolt_err_set(err, 0, "container %s is not running", c->name);
    if (mark_stopped && sup_update(st, c->id, set_stop, NULL, err) < 0)
        return -1;
    return signal_pid(c->pid, sig, err);
}

/* The supervisor is gone but the container may still run: finish it ourselves. */
void
reap_orphan(const struct bolt_ctr_store *st, struct bolt_container *c)
{
    struct engine_rt rt;

    if (c->pid > 0) {
        signal_pid(c->pid, SIGKILL, NULL);
        wait_pid_gone(c->pid, 5000);
    }
    if (engine_rt_resolve(c->runtime, st->runroot, &rt, NULL) == 0) {
        engine_rt_delete(&rt, c->id, true, NULL);
        engine_rt_fini(&rt);
    }
}

int
bolt_engine_stop(const struct bolt_ctr_store *st, struct bolt_container *c, int timeout,
                 struct bolt_err *err)
{
    int t = timeout >= 0 ? timeout : c->stop_timeout;

    bolt_ctrs_reconcile(st, c);
    if (sup_update(st, c->id, set_stop, NULL, err) < 0)
        return -1;
    if (c->status == BOLT_CTR_DEAD) {
        reap_orphan(st, c);
        return 0;
    }
    if (c->status == BOLT_CTR_RUNNING && c->pid > 0) {
        if (signal_pid(c->pid, c->stop_signal > 0 ? c->stop_signal : SIGTERM, NULL) == 0
            && !wait_pid_gone(c->pid, (long)t * 1000))
            signal_pid(c->pid, SIGKILL, NULL);
    }
    if (!wait_monitor_gone(st, c->id, 15000))
        return bolt_err_set(err, 0,
                            "container %s: its monitor did not exit after the "
                            "container stopped",
                            c->name);
    return 0;
}

int
bolt_engine_rm(const struct bolt_ctr_store *st, struct bolt_container *c, bool force,
               struct bolt_err *err)
{
    struct bolt_err e2 = {0};

    if (bolt_engine_is_running(st, c)) {
        if (!force)
            return bolt_err_set(err, 0,
                                "cannot remove container %s: it is %s (stop it first, "
                                "or use 'bolt rm -f')",
                                c->name, bolt_ctr_status_name(c->status));
        sup_update(st, c->id, set_stop, NULL, NULL);
        if (c->pid > 0)
            signal_pid(c->pid, SIGKILL, NULL);
        if (!wait_monitor_gone(st, c->id, 15000))
            return bolt_err_set(err, 0, "container %s: its monitor did not exit", c->name);
    }
    if (c->status == BOLT_CTR_DEAD)
        reap_orphan(st, c);
    if (engine_remove_all(st, c, &e2) < 0 && e2.errnum != ENOENT) {
        *err = e2;
        return -1;
    }
    return 0;
}

int
bolt_engine_wait(const struct bolt_ctr_store *st, const char *id, struct bolt_err *err)
{
    int last = -1;

    for (;;) {
        struct bolt_container *c = bolt_ctrs_load(st, id, err);
        int code;
        pid_t pid;
        if (!c) {
            /* removed (--rm) after it exited: its last known code is the answer */
            if (last >= 0 || err->errnum == ENOENT)
                return last >= 0 ? last : bolt_err_set_plain(err, ENOENT, "no such container: %s", id);
            return -1;
        }
        bolt_ctrs_reconcile(st, c);
        code = c->exit_code;
        pid = c->pid;
        if (c->status != BOLT_CTR_RUNNING) {
            bolt_container_free(c);
            return code;
        }
        bolt_container_free(c);
        last = -1;
        if (pid > 0)
            wait_pid_gone(pid, 200);
        else
            sleep_ms(50);
        /* the supervisor records the status right after the exit */
        sleep_ms(10);
    }
}

static char *
read_lowerdirs(const struct bolt_ctr_store *st, const char *id)
{
    cleanup_free char *dir = bolt_ctrs_ctr_dir(st, id);
    cleanup_free char *p = xasprintf("%s/lower", dir);
    char *text = bolt_read_file(p, NULL, NULL);

    if (text)
        bolt_rstrip(text);
    return text;
}

static int
exec_process(const struct bolt_ctr_store *st, struct bolt_container *c,
             const struct bolt_exec_opts *eo, struct bolt_oci_spec *spec, struct bolt_err *err)
{
    struct bolt_oci_process *p = &spec->process;

    bolt_strv_free(p->args);
    p->args = bolt_strv_dup(eo->args);
    p->terminal = eo->tty;
    p->has_console_size = false;
    for (size_t i = 0; eo->env && eo->env[i]; i++) {
        const char *eq = strchr(eo->env[i], '=');
        cleanup_free char *k = eq ? xstrndup(eo->env[i], (size_t)(eq - eo->env[i])) : NULL;
        if (!eq) {
            const char *v = getenv(eo->env[i]);
            if (v)
                bolt_oci_spec_setenv(spec, eo->env[i], v);
            continue;
        }
        if (!*k)
            return bolt_err_set(err, 0, "-e: invalid variable '%s' (expected KEY=VALUE)",
                                eo->env[i]);
        bolt_oci_spec_setenv(spec, k, eq + 1);
    }
    if (eo->workdir) {
        if (eo->workdir[0] != '/')
            return bolt_err_set(err, 0, "-w: '%s' must be an absolute path", eo->workdir);
        free(p->cwd);
        p->cwd = xstrdup(eo->workdir);
    }
    if (eo->user) {
        cleanup_free char *lower = read_lowerdirs(st, c->id);
        cleanup_strv char **dirs = NULL;
        char *save = NULL;
        for (char *d = lower ? strtok_r(lower, ":", &save) : NULL; d;
             d = strtok_r(NULL, ":", &save))
            bolt_strv_push(&dirs, d);
        if (engine_resolve_user(spec, eo->user, dirs, err) < 0)
            return -1;
    }
    return 0;
}

int
bolt_engine_exec(const struct bolt_ctr_store *st, struct bolt_container *c,
                 const struct bolt_exec_opts *eo, int *exit_code, struct bolt_err *err)
{
    cleanup_free char *dir = bolt_ctrs_ctr_dir(st, c->id);
    cleanup_free char *cfg = xasprintf("%s/config.json", dir);
    struct bolt_oci_spec *spec = NULL;
    struct bolt_rt_exec_opts xo;
    struct engine_rt rt;
    struct termios saved;
    bool raw = false;
    int r;

    *exit_code = 125;
    if (!bolt_engine_is_running(st, c) || c->status != BOLT_CTR_RUNNING)
        return bolt_err_set(err, 0, "container %s is not running", c->name);
    spec = bolt_oci_spec_load(cfg, err);
    if (!spec)
        return -1;
    if (exec_process(st, c, eo, spec, err) < 0
        || engine_rt_resolve(c->runtime, st->runroot, &rt, err) < 0) {
        bolt_oci_spec_free(spec);
        return -1;
    }
    bolt_rt_exec_opts_init(&xo);
    xo.detach = eo->detach;
    if (!eo->interactive && !eo->tty)
        xo.stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (eo->tty && !eo->detach && isatty(0) && tcgetattr(0, &saved) == 0) {
        struct termios t = saved;
        cfmakeraw(&t);
        t.c_oflag = saved.c_oflag;
        raw = tcsetattr(0, TCSANOW, &t) == 0;
    }
    r = engine_rt_exec(&rt, c->id, &spec->process, &xo, err);
    if (raw)
        tcsetattr(0, TCSANOW, &saved);
    if (xo.stdio[0] >= 0)
        close(xo.stdio[0]);
    engine_rt_fini(&rt);
    bolt_oci_spec_free(spec);
    if (r < 0) {
        *exit_code = engine_rt_exit_code_for(err);
        return -1;
    }
    *exit_code = r;
    return r;
}

static bool
same_pidns(pid_t pid, const struct stat *ns)
{
    char path[64];
    struct stat sb;

    snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
    return stat(path, &sb) == 0 && sb.st_ino == ns->st_ino && sb.st_dev == ns->st_dev;
}

static void
sort_pids(pid_t *v, size_t cnt)
{
    for (size_t i = 1; i < cnt; i++) {
        pid_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* The processes of the container's own cgroup (v1, v2 or hybrid); -1 if it has none. */
static int
cgroup_pids(struct bolt_container *c, pid_t **pids, size_t *n)
{
    struct bolt_err e;
    struct bolt_cgroup *cg = bolt_cgroup_from_pid(c->pid, &e);
    int r;

    if (!cg)
        return -1;
    r = bolt_cgroup_pids(cg, pids, n, &e);
    bolt_cgroup_free(cg);
    if (r == 0 && *n == 0) {
        free(*pids);
        *pids = NULL;
    }
    return r == 0 && *n > 0 ? 0 : -1;
}

int
bolt_engine_pids(const struct bolt_ctr_store *st, struct bolt_container *c, pid_t **pids, size_t *n,
                 struct bolt_err *err)
{
    char path[64];
    struct stat ns;
    cleanup_dir DIR *d = NULL;
    struct dirent *de;
    pid_t *v = NULL;
    size_t cnt = 0;

    if (!bolt_engine_is_running(st, c) || c->pid <= 0)
        return bolt_err_set(err, 0, "container %s is not running", c->name);
    if (cgroup_pids(c, pids, n) == 0)
        return 0;
    /* no cgroup of its own (a runtime without cgroups): every process in its pid namespace */
    snprintf(path, sizeof(path), "/proc/%d/ns/pid", c->pid);
    if (stat(path, &ns) < 0)
        return bolt_err_set(err, errno, "container %s: read '%s'", c->name, path);
    d = opendir("/proc");
    if (!d)
        return bolt_err_set(err, errno, "open '/proc'");
    while ((de = readdir(d))) {
        pid_t p = (pid_t)atoi(de->d_name);
        if (p <= 0 || !same_pidns(p, &ns))
            continue;
        v = xreallocarray(v, cnt + 1, sizeof(*v));
        v[cnt++] = p;
    }
    sort_pids(v, cnt);
    *pids = v;
    *n = cnt;
    return 0;
}
