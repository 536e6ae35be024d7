/* SPDX-License-Identifier: Apache-2.0 */
/* Creating and starting containers. */
#include "engine/engine.h"
#include "engine/tune.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/supervise_internal.h"
#include "image/image.h"
#include "util/fs.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sys.h"
#include "util/trace.h"

char *
bolt_engine_init_path(void)
{
    return bolt_helper_path("BOLT_INIT", "bolt-init");
}

static int
load_image(const struct bolt_ctr_store *st, const char *ref, struct bolt_engine_image *img,
           struct bolt_err *err)
{
    struct bolt_image *im = bolt_image_resolve_trusted(st->root, ref, err);
    struct bolt_image_config *cfg;

    if (!im)
        return -1;
    cfg = &im->config;
    memset(img, 0, sizeof(*img));
    img->ref = xstrdup(ref);
    img->id = xstrdup(im->id);
    img->lowerdirs = bolt_strv_dup(im->lowerdirs);
    img->env = bolt_strv_dup(cfg->env);
    img->entrypoint = bolt_strv_dup(cfg->entrypoint);
    img->cmd = bolt_strv_dup(cfg->cmd);
    img->workdir = cfg->working_dir ? xstrdup(cfg->working_dir) : NULL;
    img->user = cfg->user ? xstrdup(cfg->user) : NULL;
    img->stop_signal = cfg->stop_signal ? xstrdup(cfg->stop_signal) : NULL;
    for (size_t i = 0; i < cfg->n_labels; i++)
        bolt_kv_push(&img->labels, &img->n_labels, cfg->label_keys[i], cfg->label_values[i]);
    bolt_image_free(im);
    return 0;
}

/* Validate the record-level options and fill c from them. */
static int
fill_record(struct bolt_container *c, const struct bolt_run_opts *o,
            const struct bolt_engine_image *img, const struct bolt_oci_spec *spec,
            struct bolt_err *err)
{
    const char *sig = o->stop_signal ? o->stop_signal : img->stop_signal;

    if (o->name && !bolt_container_name_is_valid(o->name))
        return bolt_err_set(err, 0,
                            "--name: invalid container name '%s' (expected "
                            "[a-zA-Z0-9][a-zA-Z0-9_.-]*)",
                            o->name);
    if (o->restart && bolt_restart_policy_parse(o->restart, &c->restart, err) < 0)
        return -1;
    if (o->auto_remove && c->restart.mode != BOLT_RESTART_NO)
        return bolt_err_set(err, 0,
                            "conflicting options: --restart %s and --rm (a removed "
                            "container cannot be restarted)",
                            o->restart);
    c->stop_signal = SIGTERM;
    if (sig) {
        c->stop_signal = bolt_signal_parse(sig);
        if (c->stop_signal < 0)
            return bolt_err_set(err, 0,
                                "--stop-signal: unknown signal '%s' (expected a name "
                                "such as SIGTERM or a number)",
                                sig);
    }
    c->stop_timeout = o->stop_timeout >= 0 ? o->stop_timeout : 10;
    c->name = o->name ? xstrdup(o->name) : NULL;
    c->image = xstrdup(o->image);
    c->image_id = img->id ? xstrdup(img->id) : NULL;
    c->command = bolt_strv_dup(spec->process.args);
    c->runtime = xstrdup(o->runtime && *o->runtime ? o->runtime : "nvbind");
    c->gpus = bolt_strv_dup(o->gpus);
    c->auto_remove = o->auto_remove;
    c->tty = o->tty;
    c->interactive = o->interactive;
    c->init = o->init;
    c->status = BOLT_CTR_CREATED;
    for (size_t i = 0; i < img->n_labels; i++)
        bolt_kv_push(&c->labels, &c->n_labels, img->labels[i].key, img->labels[i].value);
    for (size_t i = 0; o->labels && o->labels[i]; i++) {
        cleanup_free char *k = xstrdup(o->labels[i]);
        char *eq = strchr(k, '=');
        if (eq)
            *eq = '\0';
        if (!*k)
            return bolt_err_set(err, 0, "--label: invalid label '%s' (expected KEY=VALUE)",
                                o->labels[i]);
        bolt_kv_push(&c->labels, &c->n_labels, k, eq ? eq + 1 : "");
    }
    return 0;
}

/*
 * Files derived from the record (etc files, the lowerdir list): a crash before the record
 * is complete leaves a container that `bolt rm` removes, so they skip the fsync that
 * durable state pays for (each fsync costs milliseconds on the start path).
 */
static int
write_derived(const char *path, const char *text, struct bolt_err *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(text);

    if (fd < 0)
        return bolt_err_set(err, errno, "create '%s'", path);
    if (write(fd, text, len) != (ssize_t)len)
        return bolt_err_set(err, errno, "write '%s'", path);
    return 0;
}

/* /etc/hosts, /etc/hostname and /etc/resolv.conf for the container, bound from its dir. */
static int
write_etc_files(struct bolt_oci_spec *spec, const char *dir, bool host_net, struct bolt_err *err)
{
    cleanup_free char *hosts = xasprintf("%s/hosts", dir);
    cleanup_free char *hostname = xasprintf("%s/hostname", dir);
    cleanup_free char *resolv = xasprintf("%s/resolv.conf", dir);
    cleanup_free char *htext = NULL;
    cleanup_free char *hn = xasprintf("%s\n", spec->hostname ? spec->hostname : "");
    cleanup_free char *rtext = bolt_read_file("/etc/resolv.conf", NULL, NULL);
    const char *opts[] = {"rbind", "rprivate", NULL};

    if (host_net)
        htext = bolt_read_file("/etc/hosts", NULL, NULL);
    if (!htext)
        htext = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                          "127.0.1.1\t%s\n",
                          spec->hostname ? spec->hostname : "localhost");
    if (!rtext)
        rtext = xstrdup("");
    for (size_t i = 0; i < spec->n_annotations; i++) {
        if (strcmp(spec->annotations[i].key, BOLT_ANN_EXTRA_HOSTS) == 0) {
            char *more = xasprintf("%s%s", htext, spec->annotations[i].value);
            free(htext);
            htext = more;
        }
    }
    if (write_derived(hosts, htext, err) < 0 || write_derived(hostname, hn, err) < 0
        || write_derived(resolv, rtext, err) < 0)
        return -1;
    bolt_oci_spec_add_mount(spec, "/etc/hosts", "bind", hosts, opts);
    bolt_oci_spec_add_mount(spec, "/etc/hostname", "bind", hostname, opts);
    bolt_oci_spec_add_mount(spec, "/etc/resolv.conf", "bind", resolv, opts);
    return 0;
}

static int
save_spec(const struct bolt_oci_spec *spec, const char *path, bool transient, struct bolt_err *err)
{
    json_t *j;
    char *text;
    int r;

    if (!transient)
        return bolt_oci_spec_save(spec, path, err);
    j = bolt_oci_spec_to_json(spec);
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        return bolt_err_set(err, ENOMEM, "serialize the spec");
    r = bolt_write_file_replace(path, text, strlen(text), err);
    free(text);
    return r;
}

static int
populate_dir(const struct bolt_ctr_store *st, struct bolt_container *c, struct bolt_oci_spec *spec,
             const struct bolt_engine_image *img, bool host_net, struct bolt_trace *tr,
             struct bolt_err *err)
{
    cleanup_free char *dir = bolt_ctrs_ctr_dir(st, c->id);
    cleanup_free char *rdir = bolt_ctrs_run_dir(st, c->id);
    cleanup_free char *lower = xasprintf("%s/lower", dir);
    cleanup_free char *cfg = xasprintf("%s/config.json", dir);
    const char *subdirs[] = {"upper", "work"};
    cleanup_free char *ltext = NULL;
    size_t len = 0;

    for (size_t i = 0; i < sizeof(subdirs) / sizeof(*subdirs); i++) {
        cleanup_free char *p = xasprintf("%s/%s", dir, subdirs[i]);
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return bolt_err_set(err, errno, "create directory '%s'", p);
    }
    bolt_trace_mark(tr, "dirs");
    for (size_t i = 0; img->lowerdirs && img->lowerdirs[i]; i++)
        len += strlen(img->lowerdirs[i]) + 1;
    ltext = xzalloc(len + 2);
    for (size_t i = 0; img->lowerdirs && img->lowerdirs[i]; i++) {
        if (i)
            strcat(ltext, ":");
        strcat(ltext, img->lowerdirs[i]);
    }
    /* a --rm container's etc files are transient: on the runroot (a tmpfs), not the disk */
    if (write_derived(lower, ltext, err) < 0
        || write_etc_files(spec, c->auto_remove ? rdir : dir, host_net, err) < 0
        || save_spec(spec, cfg, c->auto_remove, err) < 0)
        return -1;
    bolt_trace_mark(tr, "files");
    if (c->image_id && bolt_image_mark_used(st->root, c->image_id, c->id, !c->auto_remove, err) < 0)
        return -1;
    bolt_trace_mark(tr, "imageref");
    return 0;
}

int
bolt_engine_create(const struct bolt_ctr_store *st, const struct bolt_run_opts *o,
                   struct bolt_container **out, struct bolt_err *err)
{
    struct bolt_engine_image img = {0};
    struct bolt_container *c = xzalloc(sizeof(*c));
    struct bolt_oci_spec *spec = NULL;
    struct engine_rt rt;
    cleanup_free char *rdir = NULL;
    cleanup_free char *rootfs = NULL;
    cleanup_free char *init = NULL;
    bool host_net = o->network && strcmp(o->network, "host") == 0;
    bool external = false;
    struct bolt_trace tr;

    bolt_trace_begin(&tr, "engine-create");
    if (engine_rt_resolve(o->runtime, st->runroot, &rt, err) < 0)
        goto fail;
    external = rt.external;
    engine_rt_fini(&rt);
    if (load_image(st, o->image, &img, err) < 0)
        goto fail;
    bolt_trace_mark(&tr, "image");
    bolt_container_new_id(c->id);
    /* the mount point is transient: the supervisor makes it on the runroot */
    rdir = bolt_ctrs_run_dir(st, c->id);
    rootfs = xasprintf("%s/rootfs", rdir);
    init = bolt_engine_init_path();
    spec = bolt_engine_build_spec(o, &img, c->id, rootfs, init, err);
    /* `bolt gaming realtime --enable`: CAP_SYS_NICE, RLIMIT_RTPRIO, RT budget (tune.h) */
    if (spec
        && (bolt_tune_rt_edits(spec, st->root, err) < 0
            || bolt_tune_hugepages_edits(spec, o->hugepages, err) < 0))
        goto fail;
    if (!spec || fill_record(c, o, &img, spec, err) < 0)
        goto fail;
    if (external) {
        /* crun 1.8 and runc 1.1 reject "1.2.0"; nothing bolt writes needs more than 1.0.2 */
        free(spec->oci_version);
        spec->oci_version = xstrdup("1.0.2");
    }
    bolt_trace_mark(&tr, "spec");
    if (bolt_ctrs_create(st, c, err) < 0)
        goto fail;
    bolt_trace_mark(&tr, "record");
    if (populate_dir(st, c, spec, &img, host_net, &tr, err) < 0) {
        engine_remove_all(st, c, NULL);
        goto fail;
    }
    bolt_oci_spec_free(spec);
    bolt_engine_image_fini(&img);
    bolt_trace_end(&tr);
    *out = c;
    return 0;
fail:
    bolt_oci_spec_free(spec);
    bolt_engine_image_fini(&img);
    bolt_container_free(c);
    return -1;
}

int
engine_remove_all(const struct bolt_ctr_store *st, const struct bolt_container *c,
                  struct bolt_err *err)
{
    struct engine_rt rt;
    cleanup_free char *rootfs = NULL;
    cleanup_free char *dir = bolt_ctrs_ctr_dir(st, c->id);
    cleanup_free char *rdir = bolt_ctrs_run_dir(st, c->id);

    if (engine_rt_resolve(c->runtime, st->runroot, &rt, NULL) == 0) {
        cleanup_free char *state = xasprintf("%s/%s", rt.state_root, c->id);
        if (bolt_path_exists(state))
            engine_rt_delete(&rt, c->id, true, NULL);
        engine_rt_fini(&rt);
    }
    /* a supervisor killed mid-flight may have left the overlay mounted in no namespace
     * we can see; in ours it can only be present if we mounted it ourselves (the mount
     * point is on the runroot; records of older bolt versions have it in dir) */
    rootfs = xasprintf("%s/rootfs", dir);
    umount2(rootfs, MNT_DETACH);
    free(rootfs);
    rootfs = xasprintf("%s/rootfs", rdir);
    umount2(rootfs, MNT_DETACH);
    if (c->image_id)
        bolt_image_unmark_used(st->root, c->image_id, c->id, NULL);
    return bolt_ctrs_remove(st, c->id, err);
}

/* Delete every entry of trash in a child of our own, detached from our stdio and session. */
static void
sweep_trash_detached(const char *trash)
{
    pid_t pid = fork();
    int null;

    if (pid != 0)
        return; /* the caller, or no child: the next removal sweeps */
    /* a shell or a test harness waits until every copy of its pipes is closed */
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
        dup2(null, fd);
    setsid();
    {
        cleanup_dir DIR *d = opendir(trash);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            cleanup_free char *p = NULL;
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            p = xasprintf("%s/%s", trash, de->d_name);
            bolt_rm_rf(p, NULL);
        }
    }
    _exit(0);
}

/*
 * engine_remove_all for a --rm container at its exit: the record goes first (it is no longer
 * listed), then its directory is renamed to <root>/trash/<id> and deleted by a detached
 * child, so `bolt run --rm` does not wait for the disk: deleting the directories of an
 * overlay (upper, work and the kernel's work/work/incompat/volatile) often blocks 10-20 ms
 * on the journal of a discard-mounted ext4 here. What a killed child leaves in trash is
 * deleted by the next such removal. Falls back to removing in place.
 */
int
engine_remove_all_detached(const struct bolt_ctr_store *st, const struct bolt_container *c,
                           struct bolt_err *err)
{
    cleanup_free char *dir = bolt_ctrs_ctr_dir(st, c->id);
    cleanup_free char *rec = xasprintf("%s/container.json", dir);
    cleanup_free char *trash = xasprintf("%s/trash", st->root);
    cleanup_free char *dst = xasprintf("%s/%s", trash, c->id);
    struct bolt_container copy = *c;

    if (c->image_id)
        bolt_image_unmark_used(st->root, c->image_id, c->id, NULL);
    copy.image_id = NULL; /* unmarked already */
    if ((mkdir(trash, 0700) < 0 && errno != EEXIST) || unlink(rec) < 0 || rename(dir, dst) < 0)
        return engine_remove_all(st, &copy, err);
    /* the runtime's state, the mount point and the rest of the runroot: a tmpfs */
    if (engine_remove_all(st, &copy, err) < 0)
        return -1;
    sweep_trash_detached(trash);
    return 0;
}

/* Take the supervisor lock of a container that must not be running. Returns the fd. */
static int
take_monitor_lock(const struct bolt_ctr_store *st, const char *id, struct bolt_err *err)
{
    cleanup_free char *rdir = bolt_ctrs_run_dir(st, id);
    cleanup_free char *path = xasprintf("%s/monitor.lock", rdir);
    int fd;

    if (bolt_mkdir_p(rdir, 0700, err) < 0)
        return -1;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return bolt_err_set(err, errno, "open '%s'", path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return bolt_err_set(err, 0,
                                "container %.12s is already running (its monitor is "
                                "alive; stop it first)",
                                id);
        return bolt_err_set(err, e, "lock '%s'", path);
    }
    return fd;
}

static bool
clear_stop(struct bolt_container *c, void *arg)
{
    (void)arg;
    c->stop_requested = false;
    return true;
}

/* The detached supervisor: double fork, setsid, report over a pipe. */
static int
start_detached(const struct bolt_ctr_store *st, const char *id, int lockfd, bool first,
               int *exit_code, struct bolt_err *err)
{
    int p[2];
    pid_t pid;
    struct bolt_engine_report r;
    ssize_t n;
    int wst;

    if (pipe2(p, O_CLOEXEC) < 0)
        return bolt_err_set(err, errno, "create report pipe");
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return bolt_err_set(err, errno, "fork the container monitor");
    }
    if (pid == 0) {
        struct bolt_err e = {0};
        int code = 0;
        int devnull = open("/dev/null", O_RDWR);
        close(p[0]);
        setsid();
        if (fork() != 0)
            _exit(0);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        if (devnull > 2)
            close(devnull);
        (void)lockfd; /* inherited: this process holds the monitor lock for its whole life */
        malloc_trim(0);
        bolt_engine_supervise_ex(st, id, BOLT_ATTACH_NONE, p[1], first, lockfd, &code, &e);
        _exit(0);
    }
    close(p[1]);
    close(lockfd);
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;
    do
        n = read(p[0], &r, sizeof(r));
    while (n < 0 && errno == EINTR);
    close(p[0]);
    if (n != (ssize_t)sizeof(r)) {
        *exit_code = BOLT_ENGINE_EXIT_FAIL;
        return bolt_err_set(err, 0,
                            "the monitor of container %.12s exited before the container "
                            "started",
                            id);
    }
    if (r.status != 0) {
        *err = r.err;
        *exit_code = r.status;
        return -1;
    }
    return 0;
}

int
bolt_engine_start_ex(const struct bolt_ctr_store *st, const char *id, bool detached,
                     enum bolt_attach attach, bool first, int *exit_code, struct bolt_err *err)
{
    int lockfd;
    int status;

    *exit_code = BOLT_ENGINE_EXIT_FAIL;
    lockfd = take_monitor_lock(st, id, err);
    if (lockfd < 0)
        return -1;
    if (!first) {
        /* a previous supervisor was killed: finish its container before a new life */
        struct bolt_container *c = bolt_ctrs_load(st, id, NULL);
        if (c
            && (c->status == BOLT_CTR_RUNNING || c->status == BOLT_CTR_RESTARTING
                || c->status == BOLT_CTR_DEAD))
            reap_orphan(st, c);
        bolt_container_free(c);
    }
    /* a new container has no stop request to clear: skip the record write */
    if (!first && sup_update(st, id, clear_stop, NULL, err) < 0) {
        close(lockfd);
        return -1;
    }
    if (detached)
        return start_detached(st, id, lockfd, first, exit_code, err);
    status = bolt_engine_supervise_ex(st, id, attach, -1, first, -1, exit_code, err);
    close(lockfd);
    if (status < 0)
        return -1;
    *exit_code = status;
    return status;
}

int
bolt_engine_start(const struct bolt_ctr_store *st, const char *id, bool detached,
                  enum bolt_attach attach, int *exit_code, struct bolt_err *err)
{
    return bolt_engine_start_ex(st, id, detached, attach, false, exit_code, err);
}
