/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman + CDI next to bolt in `bolt gaming gpu benchmark`. podman runs from a helper
 * process in a private mount namespace: crun refuses this kind of host while the hybrid
 * layout's cgroup2 mount is visible, and podman writes state, locks and caches under /run,
 * /dev/shm and /var/lib/containers, and reads CDI specs from /etc/cdi and /var/run/cdi.
 * Private tmpfs mounts over those paths keep all of it off the host, and the spec nvbind
 * generates is bound on /var/run/cdi in that namespace only. The helper is a subreaper, so
 * conmon and podman's cleanup processes come back to it and are waited for at the end.
 */
#include "nvbind/bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "image/archive.h"
#include "image/image.h"
#include "nvbind/cdi.h"
#include "nvbind/inject.h"
#include "nvbind/plan.h"
#include "runtime/cgroup.h"
#include "util/fs.h"
#include "util/mem.h"

#define VAR_LIB_CONTAINERS "/var/lib/containers"
#define REQ_MAX            65536

struct bolt_bench_ns {
    pid_t pid;
    int sock; /* SOCK_SEQPACKET: argv out, struct reply back */
};

struct reply {
    struct bolt_bench_outcome out;
    double us;
};

/* the helper's first message */
struct ready {
    struct bolt_err err;
    bool ok;
    bool detached; /* the hybrid layout's cgroup2 mount was detached */
};

struct bolt_bench_podman {
    char *tmp; /* archive, spec, containers.conf, stores */
    char *cdi_dir;
    char *conf;
    char *stage;        /* where the helper sees the host's /run while it binds keep[] */
    char **keep;        /* entries of /run the CDI spec uses ("/run/nvidia-persistenced") */
    const char *driver; /* storage driver that loaded the image */
    char **plain, **gpu;
    struct bolt_bench_ns ns;
    bool detached;
    bool made_var_lib; /* /var/lib/containers was created here (removed at the end) */
    size_t n_devices;
};

/* ---- the helper (child side) ---- */

static int
tmpfs_on(const char *path, const char *opts, struct bolt_err *err)
{
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        return bolt_err_set(err, errno, "mount a private tmpfs on '%s' for podman", path);
    return 0;
}

static bool
is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* crun 1.8 refuses a hybrid host (v1 controllers plus a cgroup2 mount): in this namespace
 * only, the cgroup2 mounts go, which leaves a plain v1 layout */
static int
detach_cgroup2(bool *detached, struct bolt_err *err)
{
    struct bolt_cgroup_layout *l = bolt_cgroup_layout_detect(NULL, err);
    int r = 0;

    if (l == NULL)
        return -1;
    for (size_t i = 0; l->mode == BOLT_CGROUP_HYBRID && i < l->n_hiers && r == 0; i++) {
        if (!l->hiers[i].v2)
            continue;
        if (umount2(l->hiers[i].mount, MNT_DETACH) < 0)
            r = bolt_err_set(err, errno,
                             "detach the cgroup2 mount '%s' in podman's namespace "
                             "(crun refuses the hybrid layout)",
                             l->hiers[i].mount);
        else
            *detached = true;
    }
    bolt_cgroup_layout_free(l);
    return r;
}

/* The podman-owned names under /run: never taken from the host, only a spec path itself. */
static bool
podman_owned(const char *name)
{
    static const char *const owned[] = {"libpod", "containers", "crun", "runc", "cdi", "netns"};

    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
        if (strcmp(name, owned[i]) == 0)
            return true;
    return false;
}

/*
 * The private /run hides the host's: what the CDI spec uses there (the persistenced and
 * fabric manager sockets of a real driver, a driver root such as /run/nvidia/driver) is
 * bound again from the host's /run, seen at stage.
 */
static int
keep_run_paths(const char *stage, char *const *keep, struct bolt_err *err)
{
    for (size_t i = 0; keep && keep[i]; i++) {
        cleanup_free char *src = xasprintf("%s%s", stage, keep[i] + strlen("/run"));
        struct stat st;
        int fd;
        if (stat(src, &st) < 0)
            continue; /* missing on the host too: podman says so when it needs it */
        if (S_ISDIR(st.st_mode)) {
            if (bolt_mkdir_p(keep[i], 0755, err) < 0)
                return -1;
        } else {
            cleanup_free char *parent = xstrdup(keep[i]);
            *strrchr(parent, '/') = '\0';
            if (bolt_mkdir_p(parent, 0755, err) < 0)
                return -1;
            if ((fd = open(keep[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
                return bolt_err_set(err, errno, "create the mount point '%s'", keep[i]);
            close(fd);
        }
        if (mount(src, keep[i], NULL, MS_BIND | MS_REC, NULL) < 0)
            return bolt_err_set(err, errno, "bind the host's '%s' into podman's /run", keep[i]);
    }
    return 0;
}

static int
private_mounts(const struct bolt_bench_podman *p, bool *detached, struct bolt_err *err)
{
    char run[PATH_MAX];

    if (unshare(CLONE_NEWNS) < 0)
        return bolt_err_set(err, errno,
                            "unshare(CLONE_NEWNS) for podman's private mount "
                            "namespace (needs root)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return bolt_err_set(err, errno, "make '/' private in podman's mount namespace");
    if (detach_cgroup2(detached, err) < 0)
        return -1;
    if (mount("/run", p->stage, NULL, MS_BIND | MS_REC, NULL) < 0)
        return bolt_err_set(err, errno, "bind the host's /run on '%s'", p->stage);
    if (tmpfs_on("/run", "mode=0755", err) < 0 || keep_run_paths(p->stage, p->keep, err) < 0)
        return -1;
    if (umount2(p->stage, MNT_DETACH) < 0)
        return bolt_err_set(err, errno, "detach '%s'", p->stage);
    /* /var/run is normally a link to /run; where it is a directory it gets its own tmpfs */
    if ((realpath("/var/run", run) == NULL || strcmp(run, "/run") != 0)
        && tmpfs_on("/var/run", "mode=0755", err) < 0)
        return -1;
    if (mkdir(BOLT_CDI_DIR_DYNAMIC, 0755) < 0 && errno != EEXIST)
        return bolt_err_set(err, errno, "mkdir '%s' in podman's tmpfs", BOLT_CDI_DIR_DYNAMIC);
    if (mount(p->cdi_dir, BOLT_CDI_DIR_DYNAMIC, NULL, MS_BIND, NULL) < 0)
        return bolt_err_set(err, errno, "bind the CDI spec dir '%s' on '%s'", p->cdi_dir,
                            BOLT_CDI_DIR_DYNAMIC);
    /* the host's own specs (e.g. nvidia-ctk's) must not mix with the measured one */
    if (is_dir(BOLT_CDI_DIR_STATIC) && tmpfs_on(BOLT_CDI_DIR_STATIC, "mode=0755", err) < 0)
        return -1;
    if (tmpfs_on("/dev/shm", "mode=1777", err) < 0)
        return -1;
    return tmpfs_on(VAR_LIB_CONTAINERS, "mode=0700", err);
}

/* Children of this process (orphans reparented to the subreaper included). */
static void
kill_children(void)
{
    cleanup_dir DIR *d = opendir("/proc");
    struct dirent *de;
    pid_t self = getpid();

    while (d && (de = readdir(d)) != NULL) {
        char path[300], buf[512], *close_paren;
        int fd, ppid = 0;
        ssize_t n;
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
        if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            continue;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        /* "pid (comm) state ppid ...": comm may hold spaces and parentheses */
        close_paren = strrchr(buf, ')');
        if (close_paren && sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == self)
            kill((pid_t)atoi(de->d_name), SIGKILL);
    }
}

/* Reap what has ended; true when no child is left. */
static bool
reap_some(void)
{
    pid_t w;

    while ((w = waitpid(-1, NULL, WNOHANG)) > 0) {
    }
    return w < 0 && errno == ECHILD;
}

/*
 * Wait for every process left (up to 10 s), then kill the rest by pid; a killed process'
 * own children come back here too, so this repeats for a while.
 */
static void
reap_all(void)
{
    for (int i = 0; i < 100; i++) {
        if (reap_some())
            return;
        usleep(100 * 1000);
    }
    for (int i = 0; i < 50; i++) {
        kill_children();
        usleep(100 * 1000);
        if (reap_some())
            return;
    }
}

static void
serve(int sock)
{
    static char buf[REQ_MAX + 1];
    char *argv[256];

    for (;;) {
        struct reply r = {0};
        ssize_t n = recv(sock, buf, REQ_MAX, 0);
        size_t k = 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf[n] = '\0';
        for (char *p = buf; p < buf + n && k < 255; p += strlen(p) + 1)
            argv[k++] = p;
        argv[k] = NULL;
        if (k == 0) {
            r.out.status = -1;
            snprintf(r.out.line, sizeof(r.out.line), "empty command");
        } else {
            bolt_bench_spawn(argv, &r.us, &r.out);
        }
        while (waitpid(-1, NULL, WNOHANG) > 0) {
            /* conmon and podman's cleanup processes, reparented here */
        }
        if (send(sock, &r, sizeof(r), 0) < 0)
            return;
    }
}

static void __attribute__((noreturn))
helper_main(int sock, pid_t parent, const struct bolt_bench_podman *p)
{
    struct ready rd = {0};
    cleanup_free char *tmpdir = xasprintf("%s/tmp", p->tmp);

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(1);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        bolt_err_set(&rd.err, errno, "prctl(PR_SET_CHILD_SUBREAPER) for podman's helper");
    else if (private_mounts(p, &rd.detached, &rd.err) == 0)
        rd.ok = true;
    /* podman reads only this file; image copies go to the temp dir, not /var/tmp */
    setenv("CONTAINERS_CONF", p->conf, 1);
    setenv("TMPDIR", tmpdir, 1);
    if (send(sock, &rd, sizeof(rd), 0) < 0 || !rd.ok)
        _exit(1);
    serve(sock);
    reap_all();
    _exit(0);
}

/* ---- the parent side ---- */

int
bolt_bench_ns_run(struct bolt_bench_ns *ns, char *const *argv, double *us,
                  struct bolt_bench_outcome *out)
{
    static char buf[REQ_MAX];
    struct reply r;
    size_t n = 0;
    ssize_t got;

    memset(out, 0, sizeof(*out));
    out->status = -1;
    for (size_t i = 0; argv[i]; i++) {
        size_t len = strlen(argv[i]) + 1;
        if (n + len > sizeof(buf)) {
            snprintf(out->line, sizeof(out->line), "command line longer than %d bytes", REQ_MAX);
            return -1;
        }
        memcpy(buf + n, argv[i], len);
        n += len;
    }
    if (send(ns->sock, buf, n, 0) < 0) {
        snprintf(out->line, sizeof(out->line), "send to podman's namespace helper: %s",
                 strerror(errno));
        return -1;
    }
    while ((got = recv(ns->sock, &r, sizeof(r), 0)) < 0 && errno == EINTR) {
    }
    if (got != (ssize_t)sizeof(r)) {
        snprintf(out->line, sizeof(out->line), "podman's namespace helper exited");
        return -1;
    }
    *out = r.out;
    *us = r.us;
    return out->status;
}

static int
start_helper(struct bolt_bench_podman *p, struct bolt_err *err)
{
    int sv[2];
    pid_t parent = getpid();
    struct ready rd;
    ssize_t n;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return bolt_err_set(err, errno, "socketpair for podman's namespace helper");
    p->ns.pid = fork();
    if (p->ns.pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return bolt_err_set(err, errno, "fork podman's namespace helper");
    }
    if (p->ns.pid == 0) {
        close(sv[0]);
        helper_main(sv[1], parent, p);
    }
    close(sv[1]);
    p->ns.sock = sv[0];
    while ((n = recv(p->ns.sock, &rd, sizeof(rd), 0)) < 0 && errno == EINTR) {
    }
    if (n != (ssize_t)sizeof(rd))
        return bolt_err_set(err, 0, "podman's namespace helper exited during set-up");
    p->detached = rd.detached;
    if (!rd.ok) {
        *err = rd.err;
        return -1;
    }
    return 0;
}

/* TMPDIR when it is an absolute path that stays visible in the helper, else /var/tmp */
static const char *
temp_base(void)
{
    static const char *const hidden[] = {"/run", "/var/run", "/dev/shm", VAR_LIB_CONTAINERS};
    const char *t = getenv("TMPDIR");

    if (t == NULL || t[0] != '/')
        return "/var/tmp";
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
        size_t n = strlen(hidden[i]);
        if (strncmp(t, hidden[i], n) == 0 && (t[n] == '/' || t[n] == '\0'))
            return "/var/tmp";
    }
    return t;
}

/* Add the /run entry that holds host path path (under /run or /var/run) to p->keep. */
static void
keep_if_run(struct bolt_bench_podman *p, const char *path)
{
    const char *rest = NULL;
    cleanup_free char *entry = NULL;
    char *slash;

    if (path == NULL)
        return;
    if (strncmp(path, "/run/", 5) == 0)
        rest = path + 5;
    else if (strncmp(path, "/var/run/", 9) == 0)
        rest = path + 9;
    if (rest == NULL || *rest == '\0')
        return;
    entry = xasprintf("/run/%s", rest);
    /* the whole first-level entry (one bind for a driver root's many files), but only the
     * exact path inside a name podman owns */
    slash = strchr(entry + 5, '/');
    if (slash) {
        *slash = '\0';
        if (podman_owned(entry + 5))
            *slash = '/';
    }
    for (size_t i = 0; p->keep && p->keep[i]; i++)
        if (strcmp(p->keep[i], entry) == 0)
            return;
    bolt_strv_push(&p->keep, entry);
}

static void
keep_edits(struct bolt_bench_podman *p, const struct bolt_cdi_edits *e)
{
    for (size_t i = 0; i < e->n_mounts; i++)
        keep_if_run(p, e->mounts[i].host_path);
    for (size_t i = 0; i < e->n_nodes; i++)
        keep_if_run(p, e->nodes[i].host_path ? e->nodes[i].host_path : e->nodes[i].path);
    for (size_t i = 0; i < e->n_hooks; i++)
        keep_if_run(p, e->hooks[i].path);
}

static int
write_cdi(struct bolt_bench_podman *p, const struct bolt_nv_config *cfg, const char *runroot,
          const char *nvbind_path, struct bolt_err *err)
{
    cleanup_nv_plan struct bolt_nv_plan *plan = bolt_nv_plan_get(cfg, runroot, false, NULL, err);
    cleanup_cdi_spec struct bolt_cdi_spec *spec = NULL;
    cleanup_free char *path = xasprintf("%s/nvidia.json", p->cdi_dir);
    cleanup_free char *text = NULL;
    json_t *j;

    if (plan == NULL)
        return bolt_err_wrap(err, "GPU plan for the CDI spec");
    spec = bolt_nv_cdi_generate(plan, BOLT_NV_CDI_NAMES_INDEX | BOLT_NV_CDI_NAMES_UUID, nvbind_path,
                                err);
    if (spec == NULL || bolt_cdi_spec_validate(spec, err) < 0)
        return bolt_err_wrap(err, "generate the CDI spec");
    p->n_devices = spec->n_devices;
    keep_edits(p, &spec->edits);
    for (size_t i = 0; i < spec->n_devices; i++)
        keep_edits(p, &spec->devices[i].edits);
    j = bolt_cdi_spec_to_json(spec);
    text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (bolt_mkdir_p(p->cdi_dir, 0755, err) < 0)
        return -1;
    return bolt_write_file_atomic(path, text, strlen(text), 0644, err);
}

/*
 * containers.conf: cgroupfs (no systemd), a file events log, and limits crun may set.
 * podman's default container limits are above what root may raise to where the bounding
 * set lacks CAP_SYS_RESOURCE (crun then fails with "setrlimit: Operation not permitted"):
 * nofile gets this process' hard limit, and nproc at most 32768, the hard limit podman 4.3
 * gives itself (and so conmon and crun) when it starts.
 */
static int
write_conf(const struct bolt_bench_podman *p, struct bolt_err *err)
{
    struct rlimit nofile = {0}, nproc = {0};
    unsigned long long np;
    cleanup_free char *text = NULL;

    getrlimit(RLIMIT_NOFILE, &nofile);
    getrlimit(RLIMIT_NPROC, &nproc);
    np = nproc.rlim_max < 32768 ? (unsigned long long)nproc.rlim_max : 32768;
    text =
        xasprintf("[containers]\n"
                  "default_ulimits = [\"nofile=%llu:%llu\", \"nproc=%llu:%llu\"]\n\n"
                  "[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n",
                  (unsigned long long)nofile.rlim_max, (unsigned long long)nofile.rlim_max, np, np);
    return bolt_write_file_atomic(p->conf, text, strlen(text), 0644, err);
}

static char **
podman_argv(const struct bolt_bench_podman *p, const char *driver, const char *last, ...)
{
    char **v = NULL;
    va_list ap;

    cleanup_free char *store = xasprintf("%s/store-%s", p->tmp, driver);
    /* podman refuses a runroot longer than 50 characters: it lives on the helper's
     * private /run, which goes away with the namespace */
    cleanup_free char *run = xasprintf("/run/bolt-bench-podman-%s", driver);

    bolt_strv_push(&v, "podman");
    bolt_strv_push(&v, "--root");
    bolt_strv_push(&v, store);
    bolt_strv_push(&v, "--runroot");
    bolt_strv_push(&v, run);
    bolt_strv_push(&v, "--storage-driver");
    bolt_strv_push(&v, driver);
    va_start(ap, last);
    for (const char *a = last; a; a = va_arg(ap, const char *))
        bolt_strv_push(&v, a);
    va_end(ap);
    return v;
}

/* `podman load` into a private store: overlay, else vfs (e.g. when the temp dir is itself
 * on overlayfs). On failure err has the vfs command, and how each attempt ended. */
static int
load_image(struct bolt_bench_podman *p, const char *archive, struct bolt_err *err)
{
    static const char *const drivers[] = {"overlay", "vfs"};
    struct bolt_bench_outcome o[2];

    for (size_t i = 0; i < 2; i++) {
        cleanup_strv char **argv = podman_argv(p, drivers[i], "load", "-q", "-i", archive, NULL);
        double us;
        if (bolt_bench_ns_run(&p->ns, argv, &us, &o[i]) == 0) {
            p->driver = drivers[i];
            return 0;
        }
        if (i == 1) {
            cleanup_free char *why = bolt_bench_why(argv, &o[1]);
            static char name[] = "podman";
            char *const argv0[] = {name, NULL};
            cleanup_free char *first = bolt_bench_why(argv0, &o[0]);
            /* first is "`podman` exited with status N: line": keep what follows the command */
            bolt_err_set_plain(err, 0,
                               "podman load into a private store failed: %s (with the "
                               "overlay driver:%s)",
                               why, first + strlen("`podman`"));
        }
    }
    return -1;
}

struct bolt_bench_podman *
bolt_bench_podman_new(const struct bolt_nv_config *cfg, const char *root, const char *runroot,
                      const char *image, const char *nvbind_path, struct bolt_err *err)
{
    struct bolt_bench_podman *p = xcalloc(1, sizeof(*p));
    struct bolt_image *img = NULL;
    cleanup_free char *archive = NULL, *tmpdir = NULL;
    const char *id;

    p->ns.pid = -1;
    p->ns.sock = -1;
    p->tmp = xasprintf("%s/bolt-bench-podman.XXXXXX", temp_base());
    if (mkdtemp(p->tmp) == NULL) {
        bolt_err_set(err, errno, "create a temp dir '%s' for podman", p->tmp);
        free(p->tmp);
        p->tmp = NULL;
        goto fail;
    }
    p->cdi_dir = xasprintf("%s/cdi", p->tmp);
    p->stage = xasprintf("%s/host-run", p->tmp);
    p->conf = xasprintf("%s/containers.conf", p->tmp);
    archive = xasprintf("%s/image.tar", p->tmp);
    tmpdir = xasprintf("%s/tmp", p->tmp);
    if ((img = bolt_image_resolve(root, image, err)) == NULL
        || bolt_image_save(root, image, archive, err) < 0) {
        bolt_err_wrap(err, "export '%s' from bolt's store for podman", image);
        goto fail;
    }
    id = strncmp(img->id, "sha256:", 7) == 0 ? img->id + 7 : img->id;
    if (nvbind_path == NULL) {
        bolt_err_set(err, 0,
                     "the CDI spec's hooks run nvbind, which is neither next to bolt "
                     "nor in PATH");
        goto fail;
    }
    if (write_cdi(p, cfg, runroot, nvbind_path, err) < 0 || write_conf(p, err) < 0
        || bolt_mkdir_p(tmpdir, 0700, err) < 0 || bolt_mkdir_p(p->stage, 0700, err) < 0)
        goto fail;
    if (!is_dir(VAR_LIB_CONTAINERS)) {
        /* the mount point of the helper's tmpfs; removed again at the end */
        if (mkdir(VAR_LIB_CONTAINERS, 0700) == 0) {
            p->made_var_lib = true;
        } else if (errno != EEXIST) {
            bolt_err_set(err, errno, "mkdir '%s' (a mount point in podman's namespace)",
                         VAR_LIB_CONTAINERS);
            goto fail;
        }
    }
    if (start_helper(p, err) < 0 || load_image(p, archive, err) < 0)
        goto fail;
    p->plain = podman_argv(p, p->driver, "run", "--rm", "--network", "none", id, "true", NULL);
    p->gpu = podman_argv(p, p->driver, "run", "--rm", "--network", "none", "--device",
                         "nvidia.com/gpu=all", id, "true", NULL);
    bolt_image_free(img);
    return p;
fail:
    bolt_image_free(img);
    bolt_bench_podman_free(p);
    return NULL;
}

char *const *
bolt_bench_podman_argv(const struct bolt_bench_podman *p, bool gpu)
{
    return gpu ? p->gpu : p->plain;
}

struct bolt_bench_ns *
bolt_bench_podman_ns(struct bolt_bench_podman *p)
{
    return &p->ns;
}

json_t *
bolt_bench_podman_info(const struct bolt_bench_podman *p)
{
    return json_pack("{s:s,s:b,s:I}", "storage_driver", p->driver ? p->driver : "",
                     "cgroup2_detached", p->detached, "cdi_spec_devices", (json_int_t)p->n_devices);
}

void
bolt_bench_podman_free(struct bolt_bench_podman *p)
{
    if (p == NULL)
        return;
    if (p->ns.sock >= 0)
        close(p->ns.sock); /* the helper sees EOF, waits for its processes and exits */
    if (p->ns.pid > 0) {
        while (waitpid(p->ns.pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    if (p->tmp)
        bolt_rm_rf(p->tmp, NULL);
    if (p->made_var_lib)
        rmdir(VAR_LIB_CONTAINERS);
    free(p->tmp);
    free(p->cdi_dir);
    free(p->stage);
    bolt_strv_free(p->keep);
    free(p->conf);
    bolt_strv_free(p->plain);
    bolt_strv_free(p->gpu);
    free(p);
}
