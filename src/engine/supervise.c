/* SPDX-License-Identifier: Apache-2.0 */
/* The per-container supervisor: rootfs, start, logs, exit status, restart policy. */
#include "engine/supervise_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image/image.h"
#include "nvbind/inject.h"
#include "nvbind/lease.h"
#include "nvbind/perf.h"
#include "nvbind/profile.h"
#include "util/fs.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"

int
sup_update(const struct bolt_ctr_store *st, const char *id,
           bool (*fn)(struct bolt_container *c, void *arg), void *arg, struct bolt_err *err)
{
    int lock = bolt_ctrs_lock(st, err);
    struct bolt_container *c;
    int r = 0;

    if (lock < 0)
        return -1;
    c = bolt_ctrs_load(st, id, err);
    if (!c) {
        bolt_lock_release(lock);
        return -1;
    }
    if (fn(c, arg))
        r = bolt_ctrs_save(st, c, err);
    bolt_container_free(c);
    bolt_lock_release(lock);
    return r;
}

struct started_arg {
    pid_t pid;
    pid_t monitor;
    bool restarted;
};

static bool
mark_started(struct bolt_container *c, void *arg)
{
    struct started_arg *a = arg;

    c->status = BOLT_CTR_RUNNING;
    c->pid = a->pid;
    c->monitor_pid = a->monitor;
    c->started_ns = bolt_now_ns();
    if (a->restarted)
        c->restart_count++;
    free(c->error);
    c->error = NULL;
    return true;
}

struct exited_arg {
    int code;
    const char *error;
    enum bolt_ctr_status status;
};

static bool
mark_exited(struct bolt_container *c, void *arg)
{
    struct exited_arg *a = arg;

    c->status = a->status;
    c->exit_code = a->code;
    c->pid = 0;
    c->finished_ns = bolt_now_ns();
    if (a->status != BOLT_CTR_RESTARTING)
        c->monitor_pid = 0;
    free(c->error);
    c->error = a->error ? xstrdup(a->error) : NULL;
    return true;
}

/*
 * --rm containers: overlayfs "volatile" (Linux 5.10) skips every sync of the upper
 * filesystem, above all the syncfs of the whole host filesystem that unmounting a
 * writable overlay does. The upper layer is deleted at exit, so nothing is lost; after a
 * host crash overlayfs leaves work/work/incompat/volatile behind and refuses the upper
 * dir, which a later start of the same --rm container clears (its old writes are gone
 * either way). Returns -1 (errno set) where the kernel lacks the option.
 */
static int
mount_volatile(struct sup *s, const char *opts)
{
    cleanup_free char *mark = xasprintf("%s/work/work/incompat/volatile", s->dir);
    cleanup_free char *vopts = xasprintf("%s,volatile", opts);

    if (access(mark, F_OK) == 0)
        bolt_rm_rf(mark, NULL);
    return mount("overlay", s->rootfs, "overlay", 0, vopts);
}

static bool
is_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* The /etc files bolt binds into every container (engine.c write_etc_files). */
static bool
is_etc_bind(const struct sup *s, const struct bolt_oci_mount *m)
{
    static const char *const names[] = {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf"};

    if (!m->source || (!is_under(m->source, s->dir) && !is_under(m->source, s->rdir)))
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (strcmp(m->destination, names[i]) == 0)
            return true;
    return false;
}

/* Whether the image shows /etc as a directory (or not at all): lower is "top:...:bottom". */
static bool
etc_is_dir(const char *lower)
{
    cleanup_free char *copy = xstrdup(lower);
    char *save = NULL;
    struct stat sb;

    for (char *l = strtok_r(copy, ":", &save); l; l = strtok_r(NULL, ":", &save)) {
        cleanup_free char *etc = xasprintf("%s/etc", l);
        if (lstat(etc, &sb) == 0)
            return S_ISDIR(sb.st_mode);
    }
    return true;
}

/*
 * docker's "init" layer: the targets of the /etc file binds as empty files in a lower
 * layer above the image's, on the runroot. Without it the runtime creates each missing
 * target in the rootfs, and overlayfs copies /etc up into the upper dir: one more directory
 * on disk per container (a discard each on some disks). *out is the layer's path, or NULL
 * when it is not needed or an image layer has an /etc that is not a directory (it would
 * be hidden). Returns 0 or -1.
 */
static int
init_layer(struct sup *s, const char *lower, char **out, struct bolt_err *err)
{
    cleanup_free char *dir = xasprintf("%s/init", s->rdir);
    cleanup_free char *etc = xasprintf("%s/etc", dir);
    cleanup_close int fd = -1;
    bool any = false;

    for (size_t i = 0; i < s->spec->n_mounts && !any; i++)
        any = is_etc_bind(s, &s->spec->mounts[i]);
    *out = NULL;
    if (!any || !etc_is_dir(lower))
        return 0;
    if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || (mkdir(etc, 0755) < 0 && errno != EEXIST))
        return bolt_err_set(err, errno, "create directory '%s'", etc);
    fd = open(etc, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return bolt_err_set(err, errno, "open '%s'", etc);
    for (size_t i = 0; i < s->spec->n_mounts; i++) {
        const struct bolt_oci_mount *m = &s->spec->mounts[i];
        int f;
        if (!is_etc_bind(s, m))
            continue;
        f = openat(fd, m->destination + 5, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (f < 0)
            return bolt_err_set(err, errno, "create '%s%s'", dir, m->destination);
        close(f);
    }
    *out = steal_ptr(&dir);
    return 0;
}

/* The image's layers from <dir>/lower ("top:...:bottom"), or an empty dir without any. */
static char *
image_lowers(struct sup *s, struct bolt_err *err)
{
    cleanup_free char *lowerfile = xasprintf("%s/lower", s->dir);
    cleanup_free char *lower = bolt_read_file(lowerfile, NULL, err);

    if (!lower)
        return NULL;
    bolt_rstrip(lower);
    if (!*lower) {
        /* an image without layers: overlayfs still needs one lower dir (made only here,
         * since every directory bolt creates and deletes costs a discard on some disks) */
        free(lower);
        lower = xasprintf("%s/empty", s->dir);
        if (mkdir(lower, 0755) < 0 && errno != EEXIST) {
            bolt_err_set(err, errno, "create directory '%s'", lower);
            return NULL;
        }
    }
    return steal_ptr(&lower);
}

static int
mount_rootfs(struct sup *s, struct bolt_err *err)
{
    cleanup_free char *lower = image_lowers(s, err);
    cleanup_free char *opts = NULL, *gpu = NULL, *init = NULL;

    if (!lower)
        return -1;
    /* GPUs: nvbind's layer on top of the image holds what injection would write into upper */
    if (bolt_nv_engine_layer(&s->nv, s->spec, s->st->root, s->st->runroot, lower, &gpu, err) < 0)
        return -1;
    if (init_layer(s, lower, &init, err) < 0)
        return -1;
    /* the mount point is made here: on the runroot it is gone after a reboot */
    if (mkdir(s->rootfs, 0755) < 0 && errno != EEXIST)
        return bolt_err_set(err, errno, "create the rootfs mount point '%s'", s->rootfs);
    /*
     * A private mount namespace for the supervisor: the overlay exists only here and in
     * the container's namespace (a child of this one), so when both are gone the kernel
     * unmounts it, even if this process is SIGKILLed. Slave propagation keeps host mounts
     * visible without letting ours leak back.
     */
    if (unshare(CLONE_NEWNS) < 0)
        return bolt_err_set(err, errno, "unshare the supervisor's mount namespace");
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return bolt_err_set(err, errno, "make '/' a slave mount in the supervisor");
    for (int again = 1;; again--) {
        opts = xasprintf("lowerdir=%s%s%s%s%s,upperdir=%s/upper,workdir=%s/work",
                         init ? init : "", init ? ":" : "", gpu ? gpu : "", gpu ? ":" : "", lower,
                         s->dir, s->dir);
        if (s->auto_remove && mount_volatile(s, opts) == 0)
            return 0;
        if (mount("overlay", s->rootfs, "overlay", 0, opts) == 0)
            return 0;
        /* a recorded GPU injection trusts the nvbind layer to be there: when it was removed,
         * the record goes and the full path builds the layer again */
        if (!again || errno != ENOENT || !bolt_nv_engine_forget_record(&s->nv, s->st->runroot))
            return bolt_err_set(err, errno, "mount the overlay rootfs on '%s'", s->rootfs);
        free(steal_ptr(&opts));
        free(steal_ptr(&gpu));
        if (bolt_nv_engine_layer(&s->nv, s->spec, s->st->root, s->st->runroot, lower, &gpu, err) < 0)
            return -1;
    }
}

/* A missing command gives 127 and a non-executable one 126, whatever the runtime. */
static bool
under_mount(const struct bolt_oci_spec *spec, const char *path)
{
    for (size_t i = 0; i < spec->n_mounts; i++) {
        const char *d = spec->mounts[i].destination;
        size_t n = strlen(d);
        if (strncmp(path, d, n) == 0 && (path[n] == '/' || path[n] == '\0'))
            return true;
    }
    return false;
}

static int
probe(int rootfd, const char *path)
{
    int fd = bolt_open_in_root(rootfd, path, O_PATH | O_CLOEXEC, 0, NULL);
    struct stat sb;
    int r;

    if (fd < 0) {
        /* a symlink whose target is not in the rootfs may point into a mount the container
         * gets (nvidia-smi into the GPU bundle, a volume): the runtime checks it there */
        fd = bolt_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, NULL);
        r = fd >= 0 && fstat(fd, &sb) == 0 && S_ISLNK(sb.st_mode) ? 0 : ENOENT;
        if (fd >= 0)
            close(fd);
        return r;
    }
    r = fstat(fd, &sb) < 0 ? ENOENT : 0;
    close(fd);
    if (r)
        return r;
    if (!S_ISREG(sb.st_mode) || !(sb.st_mode & 0111))
        return EACCES;
    return 0;
}

static int
check_command(struct sup *s, struct bolt_err *err)
{
    char *const *args = s->spec->process.args;
    const char *cmd;
    cleanup_close int rootfd = -1;
    const char *path;
    int r = ENOENT;

    if (args && args[0] && strcmp(args[0], "/dev/init") == 0)
        args += (args[1] && strcmp(args[1], "--") == 0) ? 2 : 1;
    if (!args || !args[0])
        return 0;
    cmd = args[0];
    rootfd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return 0;
    if (strchr(cmd, '/')) {
        if (under_mount(s->spec, cmd))
            return 0;
        r = probe(rootfd, cmd);
    } else {
        cleanup_free char *copy = NULL;
        char *save = NULL;
        path = bolt_oci_spec_getenv(s->spec, "PATH");
        copy =
            xstrdup(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (char *d = strtok_r(copy, ":", &save); d && r; d = strtok_r(NULL, ":", &save)) {
            cleanup_free char *cand = xasprintf("%s/%s", d, cmd);
            int pr;
            if (under_mount(s->spec, cand))
                return 0;
            pr = probe(rootfd, cand);
            if (pr == 0 || r == ENOENT)
                r = pr;
        }
    }
    if (r == ENOENT)
        return bolt_err_set(err, ENOENT,
                            "exec '%s': executable file not found in $PATH in the "
                            "container",
                            cmd);
    if (r == EACCES)
        return bolt_err_set(err, EACCES, "exec '%s': permission denied (not an executable file)",
                            cmd);
    return 0;
}

/* docker creates a missing working directory (owned by root) in the container's rootfs */
static int
make_workdir(struct sup *s, struct bolt_err *err)
{
    const char *cwd = s->spec->process.cwd;
    cleanup_close int rootfd = -1;
    int fd;

    if (!cwd || strcmp(cwd, "/") == 0 || under_mount(s->spec, cwd))
        return 0;
    rootfd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return bolt_err_set(err, errno, "open rootfs '%s'", s->rootfs);
    fd = bolt_mkdir_in_root(rootfd, cwd, 0755, err);
    if (fd < 0)
        return bolt_err_wrap(err, "create working directory '%s'", cwd);
    close(fd);
    return 0;
}

static int
console_listen(struct sup *s, char **path_out, struct bolt_err *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    cleanup_free char *path = xasprintf("%s/console.sock", s->rdir);
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        /* a deep runroot: sun_path holds 108 bytes, so fall back to a short private dir */
        char tmpl[] = "/tmp/bolt-tty.XXXXXX";
        if (!mkdtemp(tmpl))
            return bolt_err_set(err, errno, "create a directory for the console socket");
        free(path);
        path = xasprintf("%s/console.sock", tmpl);
    }
    unlink(path);
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return bolt_err_set(err, errno, "create console socket");
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        int e = errno;
        close(fd);
        return bolt_err_set(err, e, "listen on console socket '%s'", path);
    }
    *path_out = steal_ptr(&path);
    return fd;
}

static int
open_stdin(struct sup *s)
{
    if (s->attach == BOLT_ATTACH_STDIO && s->interactive && !s->tty)
        return dup(0);
    return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

struct run_fds {
    int out[2], errp[2], in, con_listen, console;
    char *con_path;
};

static void
run_fds_close(struct run_fds *f)
{
    int *all[] = {&f->out[0], &f->out[1],     &f->errp[0], &f->errp[1],
                  &f->in,     &f->con_listen, &f->console};

    for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
        if (*all[i] >= 0)
            close(*all[i]);
        *all[i] = -1;
    }
    if (f->con_path) {
        unlink(f->con_path);
        if (strncmp(f->con_path, "/tmp/bolt-tty.", 14) == 0) {
            *strrchr(f->con_path, '/') = '\0';
            rmdir(f->con_path);
        }
    }
    free(f->con_path);
    f->con_path = NULL;
}

static int
start_container(struct sup *s, struct run_fds *f, struct bolt_rt_proc *proc, struct bolt_err *err)
{
    int stdio[3];

    f->in = open_stdin(s);
    if (s->tty) {
        f->con_listen = console_listen(s, &f->con_path, err);
        if (f->con_listen < 0)
            return -1;
        stdio[0] = stdio[1] = stdio[2] = -1;
    } else {
        if (pipe2(f->out, O_CLOEXEC) < 0 || pipe2(f->errp, O_CLOEXEC) < 0)
            return bolt_err_set(err, errno, "create output pipes");
        stdio[0] = f->in;
        stdio[1] = f->out[1];
        stdio[2] = f->errp[1];
    }
    if (bolt_nv_engine_start(&s->nv, s->spec, s->st->root, s->st->runroot, s->id, NULL, err) < 0
        || bolt_nv_gaming_start(s->spec, s->st->root, s->st->runroot, err) < 0)
        return -1;
    if (engine_rt_start(&s->rt, s->id, s->spec, s->dir, stdio, f->con_path, proc, err) < 0) {
        /* a GPU record trusted bolt's own driver bundle to be there: the next start checks */
        bolt_nv_engine_forget_record(&s->nv, s->st->runroot);
        return -1;
    }
    if (bolt_nv_engine_started(s->spec, s->st->root, s->st->runroot, s->id, proc->pid, err) < 0) {
        engine_rt_kill(&s->rt, s->id, SIGKILL, true, NULL);
        return -1;
    }
    if (s->tty) {
        f->console = sup_recv_console(f->con_listen, err);
        if (f->console < 0) {
            engine_rt_kill(&s->rt, s->id, SIGKILL, true, NULL);
            return -1;
        }
        if (s->attach == BOLT_ATTACH_STDIO)
            sup_copy_winsize(f->console);
    }
    /* our copies of the write ends must go, or the pipes never reach EOF */
    if (f->out[1] >= 0)
        close(f->out[1]);
    if (f->errp[1] >= 0)
        close(f->errp[1]);
    f->out[1] = f->errp[1] = -1;
    return 0;
}

static void
report(struct sup *s, int status, int exit_code, const struct bolt_err *err)
{
    struct bolt_engine_report r = {0};
    ssize_t n;

    if (s->reported || s->report_fd < 0)
        return;
    r.status = status;
    r.exit_code = exit_code;
    if (err)
        r.err = *err;
    do
        n = write(s->report_fd, &r, sizeof(r));
    while (n < 0 && errno == EINTR);
    close(s->report_fd);
    s->report_fd = -1;
    s->reported = true;
}

/* The static monitor bolt execs into while a detached container runs (next to bolt). */
static char *
monitor_path(void)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash;

    if (getenv("BOLT_MONITOR"))
        return *getenv("BOLT_MONITOR") ? xstrdup(getenv("BOLT_MONITOR")) : NULL;
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    slash = strrchr(self, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    {
        char *p = xasprintf("%s/bolt-monitor", self);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

static bool
keep_fd(int fd)
{
    return fd < 0 || fcntl(fd, F_SETFD, 0) == 0;
}

/*
 * Detached: hand the running container to bolt-monitor (exec; returns only on failure).
 * The process keeps its pid, children, mount namespace and subreaper flag.
 */
static void
exec_monitor(struct sup *s, struct run_fds *f, int restarts, int64_t began)
{
    cleanup_free char *mon = monitor_path();
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char a[8][32];
    int out = s->tty ? f->console : f->out[0];
    int errfd = s->tty ? -1 : f->errp[0];

    if (!mon || n <= 0 || s->lockfd < 0)
        return;
    self[n] = '\0';
    if (!keep_fd(s->logw.fd) || !keep_fd(out) || !keep_fd(errfd) || !keep_fd(s->lockfd))
        return;
    snprintf(a[0], sizeof(a[0]), "%d", (int)s->pid);
    snprintf(a[1], sizeof(a[1]), "%d", s->logw.fd);
    snprintf(a[2], sizeof(a[2]), "%d", out);
    snprintf(a[3], sizeof(a[3]), "%d", errfd);
    snprintf(a[4], sizeof(a[4]), "%d", s->lockfd);
    snprintf(a[5], sizeof(a[5]), "%d", restarts);
    snprintf(a[6], sizeof(a[6]), "%lld", (long long)began);
    {
        char *argv[] = {mon,  self, s->st->root, s->st->runroot, s->id, a[0], a[1],
                        a[2], a[3], a[4],        a[5],           a[6],  NULL};
        execv(mon, argv);
    }
    log_warn("exec the container monitor '%s': %s; supervising in-process", mon, strerror(errno));
    fcntl(s->logw.fd, F_SETFD, FD_CLOEXEC);
}

/* One life of the container. Returns its exit status, or -1 when it could not start. */
static int
run_once(struct sup *s, int restarts, int64_t began, struct bolt_err *err)
{
    struct run_fds f = {{-1, -1}, {-1, -1}, -1, -1, -1, NULL};
    struct bolt_rt_proc proc = {0, -1};
    struct started_arg sa = {0, getpid(), restarts > 0};
    int status;

    if (restarts > 0)
        bolt_trace_begin(&s->tr, "engine-restart");
    if (start_container(s, &f, &proc, err) < 0) {
        run_fds_close(&f);
        return -1;
    }
    bolt_trace_mark(&s->tr, "runtime");
    s->pid = proc.pid;
    sa.pid = proc.pid;
    if (sup_update(s->st, s->id, mark_started, &sa, err) < 0) {
        engine_rt_kill(&s->rt, s->id, SIGKILL, true, NULL);
        log_warn("record the start of container %.12s failed", s->id);
    }
    bolt_trace_mark(&s->tr, "record");
    bolt_trace_end(&s->tr);
    bolt_trace_begin(&s->tr, "engine-exit");
    report(s, 0, 0, NULL);
    if (s->attach == BOLT_ATTACH_NONE)
        exec_monitor(s, &f, restarts, began);
    if (s->tty)
        status = sup_pump(s, f.console, -1, proc.pidfd);
    else
        status = sup_pump(s, f.out[0], f.errp[0], proc.pidfd);
    if (proc.pidfd >= 0)
        close(proc.pidfd);
    run_fds_close(&f);
    bolt_trace_mark(&s->tr, "wait");
    s->pid = 0;
    engine_rt_delete(&s->rt, s->id, true, NULL);
    bolt_trace_mark(&s->tr, "rtdelete");
    return status;
}

static bool
stop_was_requested(struct sup *s)
{
    struct bolt_container *c = bolt_ctrs_load(s->st, s->id, NULL);
    bool r = !c || c->stop_requested;

    bolt_container_free(c);
    return r || s->stop_now;
}

static bool
should_restart(struct sup *s, int status, int restarts)
{
    struct bolt_container *c = bolt_ctrs_load(s->st, s->id, NULL);
    bool r = false;

    if (!c)
        return false;
    if (!c->stop_requested && !s->stop_now) {
        switch (c->restart.mode) {
        case BOLT_RESTART_ALWAYS:
        case BOLT_RESTART_UNLESS_STOPPED:
            r = true;
            break;
        case BOLT_RESTART_ON_FAILURE:
            r = status != 0 && (c->restart.max_retries == 0 || restarts < c->restart.max_retries);
            break;
        case BOLT_RESTART_NO:
        default:
            r = false;
            break;
        }
    }
    bolt_container_free(c);
    return r;
}

/* docker's backoff: 100 ms doubling up to a minute, reset after 10 s of healthy running. */
static bool
backoff_sleep(struct sup *s, long delay_ms)
{
    for (long slept = 0; slept < delay_ms; slept += 50) {
        struct timespec ts = {0, 50 * 1000000L};
        struct signalfd_siginfo si;
        nanosleep(&ts, NULL);
        while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
                s->stop_now = true;
            if (si.ssi_signo == SIGCHLD)
                while (waitpid(-1, NULL, WNOHANG) > 0)
                    ;
        }
        if (stop_was_requested(s))
            return false;
    }
    return true;
}

static int
setup_signals(struct sup *s, struct bolt_err *err)
{
    sigset_t mask;

    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGQUIT);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, SIGWINCH);
    sigaddset(&mask, SIGPIPE);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
        return bolt_err_set(err, errno, "block signals in the supervisor");
    s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (s->sigfd < 0)
        return bolt_err_set(err, errno, "signalfd");
    return 0;
}

static int
sup_init(struct sup *s, const struct bolt_ctr_store *st, const char *id, enum bolt_attach attach,
         int report_fd, struct bolt_err *err)
{
    struct bolt_container *c = bolt_ctrs_load(st, id, err);
    cleanup_free char *cfg = NULL;
    int r;

    if (!c)
        return -1;
    memcpy(s->id, c->id, sizeof(s->id));
    s->st = st;
    s->attach = attach;
    s->report_fd = report_fd;
    s->tty = c->tty;
    s->interactive = c->interactive;
    s->auto_remove = c->auto_remove;
    s->sigfd = -1;
    s->logw.fd = -1;
    s->dir = bolt_ctrs_ctr_dir(st, id);
    s->rdir = bolt_ctrs_run_dir(st, id);
    cfg = xasprintf("%s/config.json", s->dir);
    r = engine_rt_resolve(c->runtime, st->runroot, &s->rt, err);
    bolt_container_free(c);
    if (r < 0)
        return -1;
    s->spec = bolt_oci_spec_load(cfg, err);
    if (!s->spec)
        return -1;
    /* <runroot>/containers/<id>/rootfs; <root>/containers/<id>/rootfs for older records */
    if (!s->spec->root_path || s->spec->root_path[0] != '/')
        return bolt_err_set(err, EINVAL, "%s: root.path is not an absolute path", cfg);
    s->rootfs = xstrdup(s->spec->root_path);
    {
        cleanup_free char *log = xasprintf("%s/ctr.log", s->dir);
        if (engine_logw_open(&s->logw, log, err) < 0)
            return -1;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return bolt_err_set(err, errno, "become a child subreaper");
    return setup_signals(s, err);
}

static void
sup_fini(struct sup *s)
{
    sup_term_restore(s);
    engine_logw_close(&s->logw);
    if (s->sigfd >= 0)
        close(s->sigfd);
    bolt_oci_spec_free(s->spec);
    engine_rt_fini(&s->rt);
    bolt_nv_engine_prepared_free(&s->nv);
    if (s->rootfs)
        umount2(s->rootfs, MNT_DETACH);
    free(s->dir);
    free(s->rdir);
    free(s->rootfs);
}

static int
first_start_failed(struct sup *s, struct bolt_err *err)
{
    int code = engine_rt_exit_code_for(err);
    char buf[600];
    struct exited_arg ea = {code, bolt_err_str(err, buf, sizeof(buf)), BOLT_CTR_CREATED};
    struct bolt_container *c;

    /* GPU lease entries a failed start wrote (its locks go with this process) */
    bolt_nv_lease_forget(s->st->runroot, s->id);

    if (s->remove_on_fail) {
        c = bolt_ctrs_load(s->st, s->id, NULL);
        if (c) {
            if (s->rootfs)
                umount2(s->rootfs, MNT_DETACH);
            engine_remove_all(s->st, c, NULL);
            bolt_container_free(c);
        }
    } else {
        sup_update(s->st, s->id, mark_exited, &ea, NULL);
    }
    report(s, code, code, err);
    return code;
}

/*
 * After an exit: record it, and either stop (returns false) or wait the backoff and go on
 * (true). docker's backoff: 100 ms doubling up to a minute, reset after 10 s of running.
 */
static bool
after_exit(struct sup *s, int status, int *restarts, int64_t began)
{
    struct exited_arg ea = {status, NULL, BOLT_CTR_EXITED};
    long delay;

    if (bolt_now_ns() - began > 10LL * 1000000000LL)
        *restarts = 0;
    if (!should_restart(s, status, *restarts)) {
        sup_update(s->st, s->id, mark_exited, &ea, NULL);
        return false;
    }
    ea.status = BOLT_CTR_RESTARTING;
    sup_update(s->st, s->id, mark_exited, &ea, NULL);
    delay = 100L << (*restarts < 10 ? *restarts : 10);
    if (delay > 60000)
        delay = 60000;
    (*restarts)++;
    if (!backoff_sleep(s, delay)) {
        ea.status = BOLT_CTR_EXITED;
        sup_update(s->st, s->id, mark_exited, &ea, NULL);
        return false;
    }
    return true;
}

/* The supervisor's life: start, wait, record, restart per policy. */
static int
supervise_loop(struct sup *s, int restarts, int status, bool started, struct bolt_err *err)
{
    for (;;) {
        int64_t began = bolt_now_ns();
        if (!started) {
            status = run_once(s, restarts, began, err);
            if (status < 0) {
                char buf[600];
                struct exited_arg ea = {0, NULL, BOLT_CTR_EXITED};
                if (!s->reported)
                    return -1;
                ea.code = engine_rt_exit_code_for(err);
                ea.error = bolt_err_str(err, buf, sizeof(buf));
                sup_update(s->st, s->id, mark_exited, &ea, NULL);
                return ea.code;
            }
        }
        started = false;
        if (!after_exit(s, status, &restarts, s->began ? s->began : began))
            return status;
        s->began = 0;
    }
}

static int
supervise_finish(struct sup *s, const struct bolt_ctr_store *st, const char *id, int status)
{
    struct bolt_container *c;

    sup_term_restore(s);
    bolt_trace_mark(&s->tr, "exited");
    bolt_nv_perf_release(st->runroot); /* performance modes no container holds any more */
    bolt_nv_lease_forget(st->runroot, id); /* its GPU lease entries (the locks go with us) */
    c = bolt_ctrs_load(st, id, NULL);
    sup_fini(s);
    bolt_trace_mark(&s->tr, "fini");
    if (c && c->auto_remove)
        engine_remove_all_detached(st, c, NULL);
    bolt_container_free(c);
    bolt_trace_mark(&s->tr, "remove");
    bolt_trace_end(&s->tr);
    return status;
}

int
bolt_engine_monitor_resume(const struct bolt_ctr_store *st, const char *id, int status, int lockfd,
                           int restarts, int64_t began, struct bolt_err *err)
{
    struct sup s;

    memset(&s, 0, sizeof(s));
    s.lockfd = lockfd;
    fcntl(lockfd, F_SETFD, FD_CLOEXEC);
    if (sup_init(&s, st, id, BOLT_ATTACH_NONE, -1, err) < 0) {
        sup_fini(&s);
        return -1;
    }
    s.reported = true;
    /* the overlay is still mounted in this process' namespace: sup_fini unmounts it */
    engine_rt_delete(&s.rt, s.id, true, NULL);
    s.began = began;
    status = supervise_loop(&s, restarts, status, true, err);
    return supervise_finish(&s, st, id, status);
}

/* The first start's set-up: record and spec, the overlay rootfs, the command check. */
static int
sup_prepare(struct sup *s, const struct bolt_ctr_store *st, const char *id, enum bolt_attach attach,
            int report_fd, struct bolt_err *err)
{
    if (sup_init(s, st, id, attach, report_fd, err) < 0)
        return -1;
    bolt_trace_mark(&s->tr, "init");
    if (mount_rootfs(s, err) < 0)
        return -1;
    bolt_trace_mark(&s->tr, "rootfs");
    if (make_workdir(s, err) < 0 || check_command(s, err) < 0)
        return -1;
    bolt_trace_mark(&s->tr, "check");
    return 0;
}

int
bolt_engine_supervise_ex(const struct bolt_ctr_store *st, const char *id, enum bolt_attach attach,
                         int report_fd, bool remove_on_fail, int lockfd, int *fail_code,
                         struct bolt_err *err)
{
    struct sup s;
    int status;

    memset(&s, 0, sizeof(s));
    bolt_trace_begin(&s.tr, "engine-start");
    s.remove_on_fail = remove_on_fail;
    s.lockfd = lockfd;
    if (sup_prepare(&s, st, id, attach, report_fd, err) < 0) {
        *fail_code = first_start_failed(&s, err);
        sup_fini(&s);
        return -1;
    }
    if (attach == BOLT_ATTACH_STDIO && s.tty)
        sup_term_raw(&s);
    status = supervise_loop(&s, 0, 0, false, err);
    if (status < 0) {
        *fail_code = first_start_failed(&s, err);
        sup_fini(&s);
        return -1;
    }
    return supervise_finish(&s, st, id, status);
}

int
bolt_engine_supervise(const struct bolt_ctr_store *st, const char *id, enum bolt_attach attach,
                      int report_fd, struct bolt_err *err)
{
    int code = 0;

    return bolt_engine_supervise_ex(st, id, attach, report_fd, false, -1, &code, err);
}
