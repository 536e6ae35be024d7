/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-thread tuning of a running process: affinity, scheduling policy/nice, I/O priority,
 * and the process' OOM score. Used by `bolt gaming optimize`.
 */
#include "engine/tune.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/mem.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_PRIO_MASK   ((1 << IOPRIO_CLASS_SHIFT) - 1)

static int
ioprio_get_tid(pid_t tid)
{
    return (int)syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, tid);
}

static int
ioprio_set_tid(pid_t tid, int cls, int level)
{
    return (int)syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid,
                        (cls << IOPRIO_CLASS_SHIFT) | (level & IOPRIO_PRIO_MASK));
}

const char *
bolt_tune_policy_str(int policy)
{
    switch (policy & ~SCHED_RESET_ON_FORK) {
    case SCHED_OTHER:
        return "other";
    case SCHED_FIFO:
        return "fifo";
    case SCHED_RR:
        return "rr";
    case SCHED_BATCH:
        return "batch";
    case SCHED_IDLE:
        return "idle";
    default:
        return "deadline";
    }
}

const char *
bolt_tune_ioclass_str(int cls)
{
    static const char *const names[] = {"none", "rt", "be", "idle"};
    return cls >= 0 && cls <= 3 ? names[cls] : "?";
}

static int
n_cpus_configured(void)
{
    long n = sysconf(_SC_NPROCESSORS_CONF);
    return n > 0 && n <= CPU_SETSIZE ? (int)n : CPU_SETSIZE;
}

int
bolt_cpu_list_scan(const char *list, cpu_set_t *set, long *a, long *b, int *ncpu)
{
    const char *p = list;

    *ncpu = n_cpus_configured();
    if (set)
        CPU_ZERO(set);
    if (list == NULL || *list == '\0')
        return -1;
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p))
            return -1;
        *a = *b = strtol(p, &end, 10);
        p = end;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            *b = strtol(p, &end, 10);
            p = end;
        }
        if (*b < *a)
            return -2;
        if (*b >= *ncpu)
            return -3;
        for (long i = *a; set && i <= *b; i++)
            CPU_SET((int)i, set);
        if (*p == ',')
            p++;
        else if (*p != '\0')
            return -1;
    }
    return 0;
}

int
bolt_tune_parse_cpus(const char *list, const char *flag, cpu_set_t *set, struct bolt_err *err)
{
    long a = 0, b = 0;
    int ncpu;

    switch (bolt_cpu_list_scan(list, set, &a, &b, &ncpu)) {
    case 0:
        return 0;
    case -2:
        return bolt_err_set(err, 0, "%s '%s': range %ld-%ld is backwards; write %ld-%ld", flag,
                            list, a, b, b, a);
    case -3:
        return bolt_err_set(err, 0,
                            "%s '%s': CPU %ld does not exist (this machine has CPUs 0-%d)", flag,
                            list, b, ncpu - 1);
    default:
        return bolt_err_set(err, 0, "%s '%s': expected a CPU list such as 0-3,6", flag,
                            list ? list : "");
    }
}

void
bolt_tune_format_cpus(const cpu_set_t *set, char *buf, size_t len)
{
    size_t off = 0;
    int i = 0;

    buf[0] = '\0';
    while (i < CPU_SETSIZE) {
        int j;
        if (!CPU_ISSET(i, set)) {
            i++;
            continue;
        }
        for (j = i; j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, set); j++)
            ;
        int w = j > i ? snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "", i, j)
                      : snprintf(buf + off, len - off, "%s%d", off ? "," : "", i);
        if (w < 0 || (size_t)w >= len - off)
            break;
        off += (size_t)w;
        i = j + 1;
    }
}

/* Thread ids of pid, sorted; NULL with err set when the process is gone. */
static pid_t *
list_tids(pid_t pid, size_t *n, struct bolt_err *err)
{
    char path[64];
    cleanup_dir DIR *d = NULL;
    pid_t *tids = NULL;
    size_t cap = 0;
    struct dirent *de;

    *n = 0;
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    d = opendir(path);
    if (d == NULL) {
        bolt_err_set(err, errno == ENOENT ? ESRCH : errno,
                     "--pid %d: no such process (list processes with ps)", (int)pid);
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            tids = xrealloc(tids, cap * sizeof(*tids));
        }
        tids[(*n)++] = (pid_t)atoi(de->d_name);
    }
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && tids[j - 1] > tids[j]; j--) {
            pid_t t = tids[j];
            tids[j] = tids[j - 1];
            tids[j - 1] = t;
        }
    if (*n == 0) {
        free(tids);
        bolt_err_set(err, ESRCH, "--pid %d: the process has exited", (int)pid);
        return NULL;
    }
    return tids;
}

static void
read_comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
    char path[80];
    cleanup_free char *s = NULL;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
    s = bolt_read_file(path, NULL, NULL);
    snprintf(buf, len, "%s", s ? s : "?");
    buf[strcspn(buf, "\n")] = '\0';
}

int
bolt_tune_read(pid_t pid, struct bolt_tune_state *st, struct bolt_err *err)
{
    char path[64];
    cleanup_free char *oom = NULL;
    cleanup_free pid_t *tids = NULL;
    size_t n;

    memset(st, 0, sizeof(*st));
    st->pid = pid;
    tids = list_tids(pid, &n, err);
    if (tids == NULL)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
    oom = bolt_read_file(path, NULL, err);
    if (oom == NULL)
        return bolt_err_wrap(err, "--pid %d", (int)pid);
    st->oom_score_adj = atoi(oom);
    st->threads = xcalloc(n, sizeof(*st->threads));
    for (size_t i = 0; i < n; i++) {
        struct bolt_tune_thread *t = &st->threads[st->n_threads];
        cpu_set_t set;
        struct sched_param sp;
        int io;

        t->tid = tids[i];
        /* a thread that exits while we look is skipped */
        if (sched_getaffinity(t->tid, sizeof(set), &set) < 0)
            continue;
        bolt_tune_format_cpus(&set, t->cpus, sizeof(t->cpus));
        t->policy = sched_getscheduler(t->tid);
        if (t->policy < 0)
            continue;
        t->rt_priority = sched_getparam(t->tid, &sp) == 0 ? sp.sched_priority : 0;
        errno = 0;
        t->nice = getpriority(PRIO_PROCESS, (id_t)t->tid);
        if (errno != 0)
            continue;
        io = ioprio_get_tid(t->tid);
        if (io < 0)
            continue;
        t->ioprio_class = io >> IOPRIO_CLASS_SHIFT;
        t->ioprio_level = io & IOPRIO_PRIO_MASK;
        if (t->ioprio_class == BOLT_IOPRIO_NONE) {
            /* "none" means: derived from nice, as the kernel does for best-effort */
            t->ioprio_level = (t->nice + 20) / 5;
        }
        read_comm(pid, t->tid, t->comm, sizeof(t->comm));
        st->n_threads++;
    }
    if (st->n_threads == 0) {
        bolt_tune_state_fini(st);
        return bolt_err_set(err, ESRCH, "--pid %d: the process has exited", (int)pid);
    }
    return 0;
}

void
bolt_tune_state_fini(struct bolt_tune_state *st)
{
    free(st->threads);
    st->threads = NULL;
    st->n_threads = 0;
}

/* The cpu controller's v1 cgroup directory of pid, or NULL (cgroup2 / no cpu controller). */
static char *
cpu_cgroup_dir(pid_t pid)
{
    char path[64];
    cleanup_fclose FILE *f = NULL;
    cleanup_fclose FILE *mi = NULL;
    cleanup_free char *line = NULL;
    cleanup_free char *rel = NULL;
    size_t cap = 0;

    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
    f = fopen(path, "re");
    if (f == NULL)
        return NULL;
    while (getline(&line, &cap, f) > 0) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c2 = '\0';
        line[strcspn(line, "\n")] = '\0';
        /* controllers list such as "cpu" or "cpu,cpuacct" */
        char *ctl = c1 + 1, *tok, *save = NULL;
        for (tok = strtok_r(ctl, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            if (strcmp(tok, "cpu") == 0)
                break;
        if (tok) {
            c2[1 + strcspn(c2 + 1, "\n")] = '\0';
            rel = xstrdup(c2 + 1);
            break;
        }
    }
    if (rel == NULL)
        return NULL;
    mi = fopen("/proc/self/mountinfo", "re");
    if (mi == NULL)
        return NULL;
    while (getline(&line, &cap, mi) > 0) {
        char *sep = strstr(line, " - cgroup ");
        char mnt[PATH_MAX], root[PATH_MAX];
        if (sep == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
            continue;
        char *opts = strrchr(sep, ' ');
        if (opts == NULL)
            continue;
        opts[strcspn(opts, "\n")] = '\0';
        char *o, *save = NULL;
        for (o = strtok_r(opts + 1, ",", &save); o; o = strtok_r(NULL, ",", &save))
            if (strcmp(o, "cpu") == 0)
                break;
        if (o == NULL)
            continue;
        if (strcmp(root, "/") != 0 && strncmp(rel, root, strlen(root)) == 0)
            return xasprintf("%s%s", mnt, rel + strlen(root));
        return xasprintf("%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel);
    }
    return NULL;
}

/* Why SCHED_FIFO was refused for pid: one sentence with the fix. */
static int
rt_refused(pid_t pid, int errnum, struct bolt_err *err)
{
    cleanup_free char *dir = cpu_cgroup_dir(pid);

    if (errnum == EPERM && dir) {
        cleanup_free char *p = xasprintf("%s/cpu.rt_runtime_us", dir);
        cleanup_free char *v = bolt_read_file(p, NULL, NULL);
        if (v && atoll(v) == 0)
            return bolt_err_set(err, errnum,
                                "--rt: pid %d's cgroup %s has no real-time budget "
                                "(cpu.rt_runtime_us is 0); run `bolt gaming realtime --enable` "
                                "before starting the container, or run the process elsewhere",
                                (int)pid, dir);
    }
    if (errnum == EPERM)
        return bolt_err_set(err, errnum,
                            "--rt: SCHED_FIFO for pid %d needs CAP_SYS_NICE (run as root)",
                            (int)pid);
    return bolt_err_set(err, errnum, "--rt: cannot set SCHED_FIFO for pid %d", (int)pid);
}

static int
apply_thread(pid_t pid, pid_t tid, const struct bolt_tune_req *req, const cpu_set_t *cpus,
             struct bolt_err *err)
{
    if (cpus && sched_setaffinity(tid, sizeof(*cpus), cpus) < 0) {
        if (errno == ESRCH)
            return 0;
        if (errno == EINVAL)
            return bolt_err_set(err, errno,
                                "--cpus '%s': none of these CPUs is allowed for pid %d (its "
                                "cpuset cgroup limits it); pick CPUs from its cpuset",
                                req->cpus, (int)pid);
        return bolt_err_set(err, errno, "--cpus: cannot set the affinity of thread %d%s",
                            (int)tid, errno == EPERM ? " (needs CAP_SYS_NICE: run as root)" : "");
    }
    if (req->set_sched) {
        struct sched_param sp = {.sched_priority = req->rt ? req->rt_priority : 0};
        if (!req->rt && setpriority(PRIO_PROCESS, (id_t)tid, req->nice) < 0 && errno != ESRCH)
            return bolt_err_set(err, errno, "--priority %d: cannot set the nice value of thread %d%s",
                                req->nice, (int)tid,
                                errno == EACCES || errno == EPERM
                                    ? " (a negative nice needs CAP_SYS_NICE: run as root)"
                                    : "");
        if (sched_setscheduler(tid, req->rt ? SCHED_FIFO : SCHED_OTHER, &sp) < 0
            && errno != ESRCH)
            return req->rt ? rt_refused(pid, errno, err)
                           : bolt_err_set(err, errno, "cannot set SCHED_OTHER for thread %d",
                                          (int)tid);
    }
    if (req->set_ioprio && ioprio_set_tid(tid, req->ioprio_class, req->ioprio_level) < 0
        && errno != ESRCH)
        return bolt_err_set(err, errno, "--ioprio %s:%d: cannot set the I/O priority of thread %d%s",
                            bolt_tune_ioclass_str(req->ioprio_class), req->ioprio_level, (int)tid,
                            errno == EPERM ? " (the rt class needs CAP_SYS_ADMIN: run as root)"
                                           : "");
    return 0;
}

int
bolt_tune_apply(pid_t pid, const struct bolt_tune_req *req, struct bolt_err *err)
{
    cpu_set_t cpus;
    pid_t *done = NULL;
    size_t n_done = 0;
    int rc = -1;

    if (req->cpus && bolt_tune_parse_cpus(req->cpus, "--cpus", &cpus, err) < 0)
        return -1;
    if (req->set_sched && req->rt && (req->rt_priority < 1 || req->rt_priority > 99))
        return bolt_err_set(err, 0, "--priority %d: a real-time priority is 1..99",
                            req->rt_priority);
    if (req->set_sched && !req->rt && (req->nice < -20 || req->nice > 19))
        return bolt_err_set(err, 0, "--priority %d: a nice value is -20..19 (use --rt for "
                                    "real-time priorities 1..99)",
                            req->nice);
    if (req->set_ioprio && (req->ioprio_class < 1 || req->ioprio_class > 3 || req->ioprio_level < 0
                            || req->ioprio_level > 7))
        return bolt_err_set(err, 0, "--ioprio: expected rt|be|idle with a level 0..7");
    if (req->set_oom && (req->oom_score_adj < -1000 || req->oom_score_adj > 1000))
        return bolt_err_set(err, 0, "--oom-score %d: expected -1000..1000", req->oom_score_adj);

    /* walk the task list until a pass finds no thread we have not tuned */
    for (int pass = 0; pass < 16; pass++) {
        size_t n;
        bool fresh = false;
        cleanup_free pid_t *tids = list_tids(pid, &n, err);
        if (tids == NULL)
            goto out;
        for (size_t i = 0; i < n; i++) {
            bool seen = false;
            for (size_t k = 0; k < n_done && !seen; k++)
                seen = done[k] == tids[i];
            if (seen)
                continue;
            fresh = true;
            if (apply_thread(pid, tids[i], req, req->cpus ? &cpus : NULL, err) < 0)
                goto out;
            done = xrealloc(done, (n_done + 1) * sizeof(*done));
            done[n_done++] = tids[i];
        }
        if (!fresh)
            break;
    }
    if (req->set_oom) {
        char path[64], val[16];
        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
        snprintf(val, sizeof(val), "%d", req->oom_score_adj);
        if (bolt_write_file(path, val, strlen(val), err) < 0) {
            if (err && (err->errnum == EACCES || err->errnum == EPERM))
                bolt_err_set(err, err->errnum,
                             "--oom-score %d: lowering the OOM score of pid %d needs "
                             "CAP_SYS_RESOURCE (run as root)",
                             req->oom_score_adj, (int)pid);
            goto out;
        }
    }
    rc = 0;
out:
    free(done);
    return rc;
}
