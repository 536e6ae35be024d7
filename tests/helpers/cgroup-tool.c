/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup-tool: drives the cgroup API (src/runtime/cgroup.h) for tests/integration/cgroup*.bats,
 * without the runtime, plus the small workloads the tests need (memory hog, fork loop,
 * device open). A handle created by "create" is printed on stdout; later commands read it
 * back from --state FILE, as the runtime does with state.json.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "util/fs.h"
#include "util/mem.h"

static const char usage[] =
    "usage: cgroup-tool [--root DIR] COMMAND [ARGS]\n"
    "  detect                          print the layout\n"
    "  create --id ID [--path P] [LIMITS] print the handle (JSON)\n"
    "  update --state F LIMITS         apply limits to a live cgroup\n"
    "  devices --state F [--defaults] RULE...   RULE = allow|deny:TYPE:MAJ:MIN:ACCESS (* = any)\n"
    "  run --state F [--clone-into] CMD [ARGS]   run CMD inside the cgroup (entered, or\n"
    "                                  clone3 CLONE_INTO_CGROUP); prints 'exit N' or 'signal N'\n"
    "  enter --state F PID | pids | stats | freeze | thaw | destroy --state F\n"
    "  kill --state F SIGNUM | rt --state F RUNTIME_US PERIOD_US\n"
    "  pid PID                         path and usage of the cgroup PID is in\n"
    "  hog MIB | forks N | open PATH   workloads\n"
    "  bench [--path P] [--clone-into] [LIMITS] N   median cost of create+devices+\n"
    "                                  start a process inside+destroy\n"
    "LIMITS: --memory B --memory-swap B --memory-reservation B --pids N --cpu-shares N\n"
    "        --cpu-quota US --cpu-period US --cpus LIST --mems LIST --hugetlb SIZE=B\n"
    "        --blkio-weight N --rt-runtime US --rt-period US --swappiness N\n";

static const char *root_opt;
static char *state_file;

static int
die_err(const struct bolt_err *err)
{
    bolt_err_print("cgroup-tool", err);
    return 1;
}

static int64_t
num(const char *s, const char *what)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end) {
        fprintf(stderr, "cgroup-tool: %s '%s': expected an integer\n", what, s);
        exit(2);
    }
    return v;
}

enum {
    OPT_MEMORY = 256,
    OPT_SWAP,
    OPT_RESERVATION,
    OPT_PIDS,
    OPT_SHARES,
    OPT_QUOTA,
    OPT_PERIOD,
    OPT_CPUS,
    OPT_MEMS,
    OPT_HUGETLB,
    OPT_BLKIO,
    OPT_RT_RUNTIME,
    OPT_RT_PERIOD,
    OPT_SWAPPINESS,
    OPT_ID,
    OPT_PATH,
    OPT_STATE,
    OPT_DEFAULTS,
    OPT_ROOT,
    OPT_CLONE_INTO,
};

static const struct option opts[] = {
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"memory-swap", required_argument, NULL, OPT_SWAP},
    {"memory-reservation", required_argument, NULL, OPT_RESERVATION},
    {"swappiness", required_argument, NULL, OPT_SWAPPINESS},
    {"pids", required_argument, NULL, OPT_PIDS},
    {"cpu-shares", required_argument, NULL, OPT_SHARES},
    {"cpu-quota", required_argument, NULL, OPT_QUOTA},
    {"cpu-period", required_argument, NULL, OPT_PERIOD},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"mems", required_argument, NULL, OPT_MEMS},
    {"hugetlb", required_argument, NULL, OPT_HUGETLB},
    {"blkio-weight", required_argument, NULL, OPT_BLKIO},
    {"rt-runtime", required_argument, NULL, OPT_RT_RUNTIME},
    {"rt-period", required_argument, NULL, OPT_RT_PERIOD},
    {"id", required_argument, NULL, OPT_ID},
    {"path", required_argument, NULL, OPT_PATH},
    {"state", required_argument, NULL, OPT_STATE},
    {"defaults", no_argument, NULL, OPT_DEFAULTS},
    {"clone-into", no_argument, NULL, OPT_CLONE_INTO},
    {NULL, 0, NULL, 0},
};

struct args {
    struct bolt_oci_resources res;
    const char *id, *path;
    bool defaults;
    bool clone_into;
};

static void
add_hugetlb(struct bolt_oci_resources *r, const char *arg)
{
    const char *eq = strchr(arg, '=');

    if (eq == NULL) {
        fprintf(stderr, "cgroup-tool: --hugetlb '%s': expected SIZE=BYTES (2MB=4194304)\n", arg);
        exit(2);
    }
    r->hugepage_limits =
        xreallocarray(r->hugepage_limits, r->n_hugepage_limits + 1, sizeof(*r->hugepage_limits));
    r->hugepage_limits[r->n_hugepage_limits].page_size = xstrndup(arg, (size_t)(eq - arg));
    r->hugepage_limits[r->n_hugepage_limits++].limit = (uint64_t)num(eq + 1, "--hugetlb");
}

static void
parse_limit(struct args *a, int c, const char *v)
{
    struct bolt_oci_resources *r = &a->res;

    switch (c) {
    case OPT_MEMORY:
        r->has_memory_limit = true;
        r->memory_limit = num(v, "--memory");
        break;
    case OPT_SWAP:
        r->has_memory_swap = true;
        r->memory_swap = num(v, "--memory-swap");
        break;
    case OPT_RESERVATION:
        r->has_memory_reservation = true;
        r->memory_reservation = num(v, "--memory-reservation");
        break;
    case OPT_SWAPPINESS:
        r->has_memory_swappiness = true;
        r->memory_swappiness = (uint64_t)num(v, "--swappiness");
        break;
    case OPT_PIDS:
        r->has_pids_limit = true;
        r->pids_limit = num(v, "--pids");
        break;
    case OPT_SHARES:
        r->has_cpu_shares = true;
        r->cpu_shares = (uint64_t)num(v, "--cpu-shares");
        break;
    case OPT_QUOTA:
        r->has_cpu_quota = true;
        r->cpu_quota = num(v, "--cpu-quota");
        break;
    case OPT_PERIOD:
        r->has_cpu_period = true;
        r->cpu_period = (uint64_t)num(v, "--cpu-period");
        break;
    case OPT_CPUS:
        r->cpu_cpus = xstrdup(v);
        break;
    case OPT_MEMS:
        r->cpu_mems = xstrdup(v);
        break;
    case OPT_HUGETLB:
        add_hugetlb(r, v);
        break;
    case OPT_BLKIO:
        r->has_blkio_weight = true;
        r->blkio_weight = (uint16_t)num(v, "--blkio-weight");
        break;
    case OPT_RT_RUNTIME:
        r->has_cpu_rt_runtime = true;
        r->cpu_rt_runtime = num(v, "--rt-runtime");
        break;
    case OPT_RT_PERIOD:
        r->has_cpu_rt_period = true;
        r->cpu_rt_period = (uint64_t)num(v, "--rt-period");
        break;
    case OPT_ID:
        a->id = v;
        break;
    case OPT_PATH:
        a->path = v;
        break;
    case OPT_STATE:
        state_file = xstrdup(v);
        break;
    case OPT_DEFAULTS:
        a->defaults = true;
        break;
    case OPT_CLONE_INTO:
        a->clone_into = true;
        break;
    default:
        fputs(usage, stderr);
        exit(2);
    }
}

static void
parse_args(int argc, char **argv, struct args *a)
{
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1)
        parse_limit(a, c, optarg);
}

static struct bolt_cgroup *
load_state(void)
{
    struct bolt_err err = {0};
    cleanup_free char *s = NULL;
    struct bolt_cgroup *cg;

    if (state_file == NULL) {
        fprintf(stderr, "cgroup-tool: --state FILE is required (the output of 'create')\n");
        exit(2);
    }
    s = bolt_read_file(state_file, NULL, &err);
    cg = s ? bolt_cgroup_from_string(s, &err) : NULL;
    if (cg == NULL)
        exit(die_err(&err));
    return cg;
}

static int
cmd_detect(void)
{
    struct bolt_err err = {0};
    struct bolt_cgroup_layout *l = bolt_cgroup_layout_detect(root_opt, &err);

    if (l == NULL)
        return die_err(&err);
    printf("mode %s\n", bolt_cgroup_mode_name(l->mode));
    for (size_t i = 0; i < l->n_hiers; i++) {
        printf("%s %s", l->hiers[i].v2 ? "v2" : "v1", l->hiers[i].mount);
        for (size_t j = 0; l->hiers[i].controllers && l->hiers[i].controllers[j]; j++)
            printf("%s%s", j ? "," : " ", l->hiers[i].controllers[j]);
        printf("\n");
    }
    bolt_cgroup_layout_free(l);
    return 0;
}

static int
cmd_create(struct args *a)
{
    struct bolt_err err = {0};
    struct bolt_cgroup_layout *l = bolt_cgroup_layout_detect(root_opt, &err);
    struct bolt_cgroup *cg;
    cleanup_free char *s = NULL;

    if (l == NULL)
        return die_err(&err);
    cg = bolt_cgroup_create_in(l, a->path, a->id, &a->res, &err);
    bolt_cgroup_layout_free(l);
    if (cg == NULL)
        return die_err(&err);
    s = bolt_cgroup_to_string(cg);
    printf("%s\n", s);
    bolt_cgroup_free(cg);
    return 0;
}

/* "allow:c:1:3:rw" */
static int
parse_rule(const char *s, struct bolt_oci_device_rule *r)
{
    char verdict[8], type, maj[16], min[16], acc[8] = "";

    if (sscanf(s, "%7[^:]:%c:%15[^:]:%15[^:]:%7s", verdict, &type, maj, min, acc) < 4)
        return -1;
    r->allow = strcmp(verdict, "allow") == 0;
    r->type = type;
    r->major = strcmp(maj, "*") == 0 ? -1 : num(maj, "major");
    r->minor = strcmp(min, "*") == 0 ? -1 : num(min, "minor");
    snprintf(r->access, sizeof(r->access), "%s", acc[0] ? acc : "rwm");
    return 0;
}

static int
cmd_devices(struct args *a, int argc, char **argv)
{
    struct bolt_err err = {0};
    struct bolt_cgroup *cg = load_state();
    size_t nd = 0, n = 0;
    const struct bolt_oci_device_rule *d = bolt_cgroup_default_device_rules(&nd);
    cleanup_free struct bolt_oci_device_rule *rules =
        xcalloc((size_t)argc + nd + 1, sizeof(*rules));
    int rc = 0;

    for (int i = 0; i < argc; i++) {
        if (parse_rule(argv[i], &rules[n++]) < 0) {
            fprintf(stderr, "cgroup-tool: rule '%s': expected allow|deny:TYPE:MAJ:MIN[:ACCESS]\n",
                    argv[i]);
            return 2;
        }
    }
    if (a->defaults) {
        memcpy(rules + n, d, nd * sizeof(*d));
        n += nd;
    }
    if (bolt_cgroup_apply_devices(cg, rules, n, &err) < 0)
        rc = die_err(&err);
    bolt_cgroup_free(cg);
    return rc;
}

/* run --clone-into: clone3(CLONE_INTO_CGROUP) with the cgroup's fd (pure cgroup2). */
static int
run_clone_into(struct bolt_cgroup *cg, char **argv)
{
    struct bolt_err err = {0};
    struct clone_args ca = {0};
    int fd = bolt_cgroup_clone_fd(cg, &err), status;
    long pid;

    if (fd < 0)
        return die_err(&err);
    ca.flags = CLONE_INTO_CGROUP;
    ca.exit_signal = SIGCHLD;
    ca.cgroup = (uint64_t)fd;
    pid = syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid < 0)
        return perror("clone3"), 1;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd);
    while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR)
        ;
    fflush(stdout);
    printf("exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int
cmd_run(bool clone_into, char **argv)
{
    struct bolt_err err = {0};
    struct bolt_cgroup *cg = load_state();
    int status, p[2];
    pid_t pid;
    char c;

    if (argv[0] == NULL)
        return fputs(usage, stderr), 2;
    if (clone_into) {
        int rc = run_clone_into(cg, argv);
        bolt_cgroup_free(cg);
        return rc;
    }
    if (pipe2(p, O_CLOEXEC) < 0)
        return perror("pipe"), 1;
    pid = fork();
    if (pid == 0) {
        /* Wait until the parent has moved us, as the runtime does before exec. */
        close(p[1]);
        if (read(p[0], &c, 1) != 1)
            _exit(126);
        execvp(argv[0], argv);
        fprintf(stderr, "cgroup-tool: exec '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(p[0]);
    if (bolt_cgroup_enter(cg, pid, &err) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return die_err(&err);
    }
    if (write(p[1], "x", 1) != 1)
        return perror("write"), 1;
    close(p[1]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    bolt_cgroup_free(cg);
    fflush(stdout);
    if (WIFSIGNALED(status)) {
        printf("signal %d\n", WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    printf("exit %d\n", WEXITSTATUS(status));
    return WEXITSTATUS(status);
}

static int
cmd_stats(struct bolt_cgroup *cg)
{
    struct bolt_err err = {0};
    struct bolt_cgroup_stats st;

    if (bolt_cgroup_stats(cg, &st, &err) < 0)
        return die_err(&err);
    if (st.has_cpu)
        printf("cpu_usage_ns %" PRIu64 "\ncpu_user_ns %" PRIu64 "\ncpu_system_ns %" PRIu64 "\n",
               st.cpu_usage_ns, st.cpu_user_ns, st.cpu_system_ns);
    if (st.has_memory)
        printf("memory_usage %" PRIu64 "\nmemory_max_usage %" PRIu64 "\nmemory_limit %" PRIu64
               "\nmemory_cache %" PRIu64 "\noom_kills %" PRIu64 "\nmemory_failcnt %" PRIu64 "\n",
               st.memory_usage, st.memory_max_usage, st.memory_limit, st.memory_cache, st.oom_kills,
               st.memory_failcnt);
    if (st.has_io)
        printf("io_read_bytes %" PRIu64 "\nio_write_bytes %" PRIu64 "\n", st.io_read_bytes,
               st.io_write_bytes);
    if (st.has_pids)
        printf("pids_current %" PRIu64 "\npids_limit %" PRIu64 "\n", st.pids_current,
               st.pids_limit);
    return 0;
}

/* The cgroup of a running process: its path and usage. */
static int
cmd_pid(pid_t pid)
{
    struct bolt_err err = {0};
    struct bolt_cgroup *cg = bolt_cgroup_from_pid(pid, &err);
    int rc;

    if (cg == NULL)
        return die_err(&err);
    printf("path %s\n", bolt_cgroup_path(cg));
    rc = cmd_stats(cg);
    bolt_cgroup_free(cg);
    return rc;
}

/* Commands that work on a stored handle. */
static int
cmd_handle(const char *cmd, struct args *a, char **rest)
{
    struct bolt_err err = {0};
    struct bolt_cgroup *cg = load_state();
    int rc = 0;

    if (strcmp(cmd, "enter") == 0 && rest[0]) {
        rc = bolt_cgroup_enter(cg, (pid_t)num(rest[0], "pid"), &err);
    } else if (strcmp(cmd, "update") == 0) {
        rc = bolt_cgroup_update(cg, &a->res, &err);
    } else if (strcmp(cmd, "pids") == 0) {
        cleanup_free pid_t *pids = NULL;
        size_t n = 0;
        rc = bolt_cgroup_pids(cg, &pids, &n, &err);
        for (size_t i = 0; rc == 0 && i < n; i++)
            printf("%d\n", (int)pids[i]);
    } else if (strcmp(cmd, "stats") == 0) {
        rc = cmd_stats(cg) == 0 ? 0 : -2;
    } else if (strcmp(cmd, "freeze") == 0 || strcmp(cmd, "thaw") == 0) {
        rc = bolt_cgroup_freeze(cg, cmd[0] == 'f', &err);
    } else if (strcmp(cmd, "kill") == 0 && rest[0]) {
        rc = bolt_cgroup_kill_all(cg, (int)num(rest[0], "signal"), &err);
    } else if (strcmp(cmd, "rt") == 0 && rest[0] && rest[1]) {
        rc = bolt_cgroup_set_rt_budget(cg, num(rest[0], "runtime"),
                                       (uint64_t)num(rest[1], "period"), &err);
    } else if (strcmp(cmd, "destroy") == 0) {
        rc = bolt_cgroup_destroy(cg, &err);
    } else if (strcmp(cmd, "empty") == 0) {
        printf("%s\n", bolt_cgroup_is_empty(cg) ? "empty" : "busy");
    } else {
        bolt_cgroup_free(cg);
        fputs(usage, stderr);
        return 2;
    }
    bolt_cgroup_free(cg);
    if (rc == -1)
        return die_err(&err);
    return rc == 0 ? 0 : 1;
}

/* Allocate and touch mib MiB, one page at a time. */
static int
work_hog(long mib)
{
    size_t len = (size_t)mib << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return perror("mmap"), 1;
    for (size_t off = 0; off < len; off += 4096)
        p[off] = 1;
    printf("survived %ld MiB\n", mib);
    return 0;
}

/* Fork n children that wait on a pipe; report how many forks worked and the first error. */
static int
work_forks(long n)
{
    int p[2];
    long ok = 0;
    int e = 0;

    if (pipe(p) < 0)
        return perror("pipe"), 1;
    for (; ok < n; ok++) {
        pid_t pid = fork();
        if (pid == 0) {
            char c;
            close(p[1]);
            (void)!read(p[0], &c, 1);
            _exit(0);
        }
        if (pid < 0) {
            e = errno;
            break;
        }
    }
    close(p[1]);
    while (wait(NULL) > 0)
        ;
    printf("forked %ld\n", ok);
    if (e) {
        printf("fork: %s\n", e == EAGAIN ? "EAGAIN" : strerror(e));
        return 1;
    }
    return 0;
}

static int
work_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        printf("ok\n");
        close(fd);
        return 0;
    }
    printf("%s\n", errno == EPERM ? "EPERM" : errno == ENXIO ? "ENXIO" : strerror(errno));
    return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

static uint64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Median cost of what the runtime does per container: create (+ limits), default device
 * rules, enter a process, destroy. Prints microseconds. */
/* A child that waits to be killed: forked and entered, or cloned into the cgroup. */
static pid_t
bench_child(struct bolt_cgroup *cg, bool clone_into, struct bolt_err *err)
{
    struct clone_args ca = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD};
    int fd = -1;
    long pid;

    if (clone_into && (fd = bolt_cgroup_clone_fd(cg, err)) < 0)
        return -1;
    ca.cgroup = (uint64_t)fd;
    pid = clone_into ? syscall(SYS_clone3, &ca, sizeof(ca)) : fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    if (fd >= 0)
        close(fd);
    if (pid < 0)
        return bolt_err_set(err, errno, "fork");
    return (pid_t)pid;
}

/* Median cost of what the runtime does per container: create, default device rules,
 * start a process inside, destroy. */
static int
cmd_bench(struct args *a, long n)
{
    struct bolt_err err = {0};
    size_t nd = 0;
    const struct bolt_oci_device_rule *d = bolt_cgroup_default_device_rules(&nd);
    cleanup_free struct bolt_oci_device_rule *rules = xcalloc(nd + 1, sizeof(*rules));
    cleanup_free uint64_t *t = xcalloc((size_t)n, sizeof(*t));
    struct bolt_cgroup_layout *l = bolt_cgroup_layout_detect(root_opt, &err);
    uint64_t phase[5] = {0};

    if (l == NULL)
        return die_err(&err);
    rules[0] =
        (struct bolt_oci_device_rule){.type = 'a', .major = -1, .minor = -1, .access = "rwm"};
    memcpy(rules + 1, d, nd * sizeof(*d));
    for (long i = 0; i < n; i++) {
        cleanup_free char *id = xasprintf("bench-%d-%ld", (int)getpid(), i);
        uint64_t t0 = now_ns(), t1, t2;
        struct bolt_cgroup *cg = bolt_cgroup_create_in(l, a->path, id, &a->res, &err);
        pid_t pid;
        if (cg == NULL || bolt_cgroup_apply_devices(cg, rules, nd + 1, &err) < 0)
            return die_err(&err);
        t1 = now_ns();
        if ((pid = bench_child(cg, a->clone_into, &err)) < 0)
            return die_err(&err);
        phase[3] += now_ns() - t1;
        if (!a->clone_into && bolt_cgroup_enter(cg, pid, &err) < 0)
            return die_err(&err);
        phase[4] += now_ns() - t1;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        t2 = now_ns();
        if (bolt_cgroup_destroy(cg, &err) < 0)
            return die_err(&err);
        bolt_cgroup_free(cg);
        t[i] = now_ns() - t0;
        phase[0] += t1 - t0;
        phase[1] += t2 - t1;
        phase[2] += now_ns() - t2;
    }
    bolt_cgroup_layout_free(l);
    qsort(t, (size_t)n, sizeof(*t), cmp_u64);
    printf("median %" PRIu64 " us per container; averages: create+devices %" PRIu64
           " us, fork %" PRIu64 " us, enter %" PRIu64 " us, kill+wait %" PRIu64
           " us, destroy %" PRIu64 " us\n",
           t[n / 2] / 1000, phase[0] / (uint64_t)n / 1000, phase[3] / (uint64_t)n / 1000,
           (phase[4] - phase[3]) / (uint64_t)n / 1000, (phase[1] - phase[4]) / (uint64_t)n / 1000,
           phase[2] / (uint64_t)n / 1000);
    return 0;
}

int
main(int argc, char **argv)
{
    struct args a = {0};
    const char *cmd;
    int i = 1;

    if (argc > 2 && strcmp(argv[1], "--root") == 0) {
        root_opt = argv[2];
        i = 3;
    }
    if (i >= argc)
        return fputs(usage, stderr), 2;
    cmd = argv[i];
    if (strcmp(cmd, "hog") == 0 && i + 1 < argc)
        return work_hog((long)num(argv[i + 1], "MiB"));
    if (strcmp(cmd, "forks") == 0 && i + 1 < argc)
        return work_forks((long)num(argv[i + 1], "count"));
    if (strcmp(cmd, "open") == 0 && i + 1 < argc)
        return work_open(argv[i + 1]);
    if (strcmp(cmd, "detect") == 0)
        return cmd_detect();
    if (strcmp(cmd, "pid") == 0 && i + 1 < argc)
        return cmd_pid((pid_t)num(argv[i + 1], "pid"));
    parse_args(argc - i, argv + i, &a);
    if (strcmp(cmd, "create") == 0)
        return cmd_create(&a);
    if (strcmp(cmd, "devices") == 0)
        return cmd_devices(&a, argc - i - optind, argv + i + optind);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(a.clone_into, argv + i + optind);
    if (strcmp(cmd, "bench") == 0 && argv[i + optind])
        return cmd_bench(&a, (long)num(argv[i + optind], "count"));
    return cmd_handle(cmd, &a, argv + i + optind);
}
