/* SPDX-License-Identifier: Apache-2.0 */
/* start / kill / delete / ps / wait on containers recorded under a state root. */
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/launch.h"
#include "runtime/rt_internal.h"
#include "util/fs.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sys.h"

/* Lock the container's state directory (exclusive, waiting). */
static int
lock_container(const char *root, const char *id, struct bolt_err *err)
{
    cleanup_free char *dir = NULL;
    cleanup_free char *path = NULL;

    if (bolt_rt_check_id(id, err) < 0)
        return -1;
    dir = rt_state_dir(root, id);
    path = xasprintf("%s/state.json", dir);
    if (access(path, F_OK) < 0)
        return bolt_err_set_plain(err, ENOENT, "container '%s' does not exist", id);
    free(path);
    path = xasprintf("%s/lock", dir);
    return bolt_lock_open(path, true, true, err);
}

int
bolt_rt_start(const char *state_root, const char *id, struct bolt_err *err)
{
    cleanup_close int lock = lock_container(state_root, id, err);
    cleanup_free char *dir = NULL;
    cleanup_free char *fifo = NULL;
    cleanup_close int fd = -1;
    struct rt_saved s;
    enum bolt_rt_status st;
    struct pollfd p;
    char byte;
    int r;

    if (lock < 0 || rt_saved_read(state_root, id, &s, err) < 0)
        return -1;
    dir = rt_state_dir(state_root, id);
    st = rt_saved_status(dir, &s);
    if (st != BOLT_RT_CREATED) {
        rt_saved_fini(&s);
        return bolt_err_set(err, EINVAL, "container '%s' is %s, not created: cannot start it", id,
                            bolt_rt_status_name(st));
    }
    fifo = xasprintf("%s/exec.fifo", dir);
    /* O_NONBLOCK: never hang on a fifo whose writer died; the init is blocked in its
     * open(O_WRONLY), which our open completes. */
    fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        rt_saved_fini(&s);
        return bolt_err_set(err, errno, "open exec fifo '%s'", fifo);
    }
    p = (struct pollfd){.fd = fd, .events = POLLIN};
    do {
        r = poll(&p, 1, 10000);
    } while (r < 0 && errno == EINTR);
    if (r <= 0 || read(fd, &byte, 1) != 1) {
        rt_saved_fini(&s);
        return bolt_err_set(err, r == 0 ? ETIMEDOUT : errno,
                            "container '%s': the init process did not take the start signal", id);
    }
    unlink(fifo);
    if (s.has_poststart && rt_saved_status(dir, &s) != BOLT_RT_STOPPED) {
        struct bolt_oci_spec *spec = NULL;
        struct bolt_err warn = {0};
        cleanup_free char *cfg = xasprintf("%s/config.json", dir);
        spec = bolt_oci_spec_load(cfg, &warn);
        if (spec && rt_spec_has_hooks(spec, BOLT_OCI_HOOK_POSTSTART)) {
            cleanup_free char *js = rt_state_json_build(id, "running", s.pid, s.bundle,
                                                        spec->annotations, spec->n_annotations);
            if (rt_hooks_run(spec, BOLT_OCI_HOOK_POSTSTART, js, &warn) < 0)
                log_warn("%s", warn.msg);
        }
        bolt_oci_spec_free(spec);
    }
    rt_saved_fini(&s);
    return 0;
}

static struct bolt_cgroup *
saved_cgroup(const struct rt_saved *s, struct bolt_err *err)
{
    if (!s->cgroup || !*s->cgroup) {
        bolt_err_set(err, ENOENT, "container '%s' has no cgroup recorded", s->id);
        return NULL;
    }
    return bolt_cgroup_from_string(s->cgroup, err);
}

static int
signal_init(const struct rt_saved *s, int sig, struct bolt_err *err)
{
    cleanup_close int pidfd = sys_pidfd_open(s->pid, 0);

    /* Checking the start time after opening the pidfd closes the pid-reuse race. */
    if (pidfd < 0 || rt_pid_start(s->pid, NULL) != s->pid_start)
        return bolt_err_set(err, ESRCH, "container '%s' is not running", s->id);
    if (sys_pidfd_send_signal(pidfd, sig, NULL, 0) < 0)
        return bolt_err_set(err, errno, "send signal %d to container '%s'", sig, s->id);
    return 0;
}

int
bolt_rt_kill(const char *state_root, const char *id, int sig, bool all, struct bolt_err *err)
{
    cleanup_free char *dir = NULL;
    struct rt_saved s;
    int r;

    if (rt_saved_read(state_root, id, &s, err) < 0)
        return -1;
    dir = rt_state_dir(state_root, id);
    if (rt_saved_status(dir, &s) == BOLT_RT_STOPPED && !all) {
        rt_saved_fini(&s);
        return bolt_err_set(err, ESRCH, "container '%s' is not running", id);
    }
    if (all) {
        struct bolt_cgroup *cg = saved_cgroup(&s, err);
        r = cg ? bolt_cgroup_kill_all(cg, sig, err) : -1;
        bolt_cgroup_free(cg);
    } else {
        r = signal_init(&s, sig, err);
    }
    rt_saved_fini(&s);
    return r;
}

/* Wait up to timeout_ms for the init to be gone (or a zombie). */
static bool
wait_gone(const struct rt_saved *s, int timeout_ms)
{
    cleanup_close int pidfd = sys_pidfd_open(s->pid, 0);
    bool zombie = false;

    if (pidfd < 0 || rt_pid_start(s->pid, &zombie) != s->pid_start || zombie)
        return true;
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    return poll(&p, 1, timeout_ms) > 0;
}

static void
run_poststop(const char *dir, const struct rt_saved *s)
{
    struct bolt_err warn = {0};
    struct bolt_oci_spec *spec = rt_saved_spec(dir, &warn);
    cleanup_free char *js = NULL;

    if (!spec) {
        log_warn("poststop hooks of '%s' not run: %s", s->id, warn.msg);
        return;
    }
    js = rt_state_json_build(s->id, "stopped", 0, s->bundle, spec->annotations,
                             spec->n_annotations);
    if (rt_hooks_run(spec, BOLT_OCI_HOOK_POSTSTOP, js, &warn) < 0)
        log_warn("%s", warn.msg);
    bolt_oci_spec_free(spec);
}

int
bolt_rt_delete(const char *state_root, const char *id, bool force, struct bolt_err *err)
{
    cleanup_close int lock = lock_container(state_root, id, err);
    cleanup_free char *dir = NULL;
    struct bolt_cgroup *cg = NULL;
    struct rt_saved s;
    enum bolt_rt_status st;
    int r = 0;

    if (lock < 0 || rt_saved_read(state_root, id, &s, err) < 0) {
        /* a directory without a record: a create killed before it wrote one (nothing
         * else was made yet); --force removes it */
        cleanup_free char *d = bolt_rt_check_id(id, NULL) == 0 ? rt_state_dir(state_root, id)
                                                                 : NULL;
        cleanup_free char *rec = d ? xasprintf("%s/state.json", d) : NULL;
        if (force && lock < 0 && d && access(d, F_OK) == 0 && access(rec, F_OK) < 0) {
            bolt_err_clear(err);
            return bolt_rm_rf(d, err);
        }
        return -1;
    }
    dir = rt_state_dir(state_root, id);
    st = rt_saved_status(dir, &s);
    if (st != BOLT_RT_STOPPED && !force) {
        rt_saved_fini(&s);
        return bolt_err_set(err, EBUSY,
                            "container '%s' is %s: stop it first or use delete --force", id,
                            bolt_rt_status_name(st));
    }
    if (s.cgroup && *s.cgroup)
        cg = bolt_cgroup_from_string(s.cgroup, err);
    if (st != BOLT_RT_STOPPED) {
        if (cg)
            bolt_cgroup_kill_all(cg, SIGKILL, NULL);
        if (cg && st == BOLT_RT_PAUSED)
            bolt_cgroup_freeze(cg, false, NULL);
        signal_init(&s, SIGKILL, NULL);
        if (!wait_gone(&s, 5000))
            log_warn("container '%s': init %d still alive after SIGKILL", id, (int)s.pid);
    }
    if (s.has_poststop)
        run_poststop(dir, &s);
    if (cg && bolt_cgroup_destroy(cg, err) < 0)
        r = -1;
    bolt_cgroup_free(cg);
    if (bolt_rm_rf(dir, r < 0 ? NULL : err) < 0)
        r = -1;
    rt_saved_fini(&s);
    return r;
}

/* The paused marker (<dir>/paused) records what the freezer was told, so `state` needs
 * no cgroup read to report it. */
static int
set_frozen(const char *state_root, const char *id, bool frozen, struct bolt_err *err)
{
    cleanup_close int lock = lock_container(state_root, id, err);
    cleanup_free char *dir = NULL;
    cleanup_free char *mark = NULL;
    struct bolt_cgroup *cg = NULL;
    struct rt_saved s;
    enum bolt_rt_status st;
    int r;

    if (lock < 0 || rt_saved_read(state_root, id, &s, err) < 0)
        return -1;
    dir = rt_state_dir(state_root, id);
    st = rt_saved_status(dir, &s);
    if (st != (frozen ? BOLT_RT_RUNNING : BOLT_RT_PAUSED)) {
        rt_saved_fini(&s);
        return bolt_err_set(err, EINVAL, "container '%s' is %s, not %s", id,
                            bolt_rt_status_name(st), frozen ? "running" : "paused");
    }
    cg = saved_cgroup(&s, err);
    r = cg ? bolt_cgroup_freeze(cg, frozen, err) : -1;
    bolt_cgroup_free(cg);
    rt_saved_fini(&s);
    if (r < 0)
        return -1;
    mark = xasprintf("%s/paused", dir);
    if (frozen)
        return rt_write_volatile(mark, "1", 1, 0600, err);
    if (unlink(mark) < 0 && errno != ENOENT)
        return bolt_err_set(err, errno, "remove '%s'", mark);
    return 0;
}

int
bolt_rt_pause(const char *state_root, const char *id, struct bolt_err *err)
{
    return set_frozen(state_root, id, true, err);
}

int
bolt_rt_resume(const char *state_root, const char *id, struct bolt_err *err)
{
    return set_frozen(state_root, id, false, err);
}

int
bolt_rt_ps(const char *state_root, const char *id, pid_t **pids, size_t *n_pids,
           struct bolt_err *err)
{
    struct rt_saved s;
    struct bolt_cgroup *cg;
    int r;

    if (rt_saved_read(state_root, id, &s, err) < 0)
        return -1;
    cg = saved_cgroup(&s, err);
    r = cg ? bolt_cgroup_pids(cg, pids, n_pids, err) : -1;
    bolt_cgroup_free(cg);
    rt_saved_fini(&s);
    return r;
}

int
bolt_rt_wait(const struct bolt_rt_proc *proc, struct bolt_err *err)
{
    int status = 0;

    if (proc->pidfd >= 0) {
        struct pollfd p = {.fd = proc->pidfd, .events = POLLIN};
        while (poll(&p, 1, -1) < 0) {
            if (errno != EINTR)
                return bolt_err_set(err, errno, "poll pidfd of %d", (int)proc->pid);
        }
    }
    while (waitpid(proc->pid, &status, 0) < 0) {
        if (errno != EINTR)
            return bolt_err_set(err, errno, "wait for process %d", (int)proc->pid);
    }
    return rt_wait_status(status);
}
