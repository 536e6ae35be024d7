/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bolt gaming optimize --pid N [--cpus LIST] [--priority N] [--rt] [--ioprio C[:L]]
 * [--oom-score N]`: tune a running game (every thread) and print before and after.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/tune.h"
#include "util/err.h"

int cmd_gaming_optimize(int argc, char **argv);

#define DEFAULT_NICE     (-5)
#define DEFAULT_RT_PRIO  10
#define DEFAULT_OOM      (-500)

static void
print_state(const char *title, const struct bolt_tune_state *st)
{
    printf("%s (pid %d, oom_score_adj %d):\n", title, (int)st->pid, st->oom_score_adj);
    printf("  %-8s %-16s %-12s %-6s %-4s %-5s %s\n", "TID", "NAME", "CPUS", "POLICY", "PRIO",
           "NICE", "IO");
    for (size_t i = 0; i < st->n_threads; i++) {
        const struct bolt_tune_thread *t = &st->threads[i];
        printf("  %-8d %-16s %-12s %-6s %-4d %-5d %s:%d\n", (int)t->tid, t->comm, t->cpus,
               bolt_tune_policy_str(t->policy), t->rt_priority, t->nice,
               bolt_tune_ioclass_str(t->ioprio_class ? t->ioprio_class : BOLT_IOPRIO_BE),
               t->ioprio_level);
    }
}

static int
parse_int(const char *s, const char *flag, long lo, long hi, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        cli_usage_error("bolt gaming optimize", "%s '%s': expected an integer %ld..%ld", flag, s,
                        lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int
parse_ioprio(const char *s, struct bolt_tune_req *req)
{
    static const char *const names[] = {NULL, "rt", "be", "idle"};
    char cls[8] = "";
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);

    if (n < sizeof(cls))
        memcpy(cls, s, n);
    req->ioprio_class = 0;
    for (int i = 1; i <= 3; i++)
        if (strcmp(cls, names[i]) == 0)
            req->ioprio_class = i;
    req->ioprio_level = req->ioprio_class == BOLT_IOPRIO_RT ? 4 : 0;
    if (req->ioprio_class == 0)
        goto bad;
    if (colon) {
        char *end;
        long l = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || *end || l < 0 || l > 7)
            goto bad;
        req->ioprio_level = (int)l;
    }
    req->set_ioprio = true;
    return 0;
bad:
    cli_usage_error("bolt gaming optimize",
                    "--ioprio '%s': expected rt|be|idle with an optional level 0..7 (e.g. be:0)",
                    s);
    return -1;
}

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: bolt gaming optimize --pid N [--cpus LIST] [--priority N] [--rt]\n"
            "                            [--ioprio CLASS[:LEVEL]] [--oom-score N]\n\n"
            "Tunes every thread of a running process for games and prints the settings before "
            "and after.\n\n"
            "  --pid N            the process (e.g. `bolt inspect -f '{{.State.Pid}}' NAME`)\n"
            "  --cpus LIST        pin every thread to these CPUs (0-3,6)\n"
            "  --priority N       nice -20..19 (default %d); with --rt the real-time priority "
            "1..99 (default %d)\n"
            "  --rt               SCHED_FIFO instead of SCHED_OTHER (cgroup v1: the container "
            "needs `bolt gaming realtime --enable`)\n"
            "  --ioprio C[:L]     I/O class rt|be|idle and level 0..7 (default be:0)\n"
            "  --oom-score N      oom_score_adj -1000..1000 (default %d; lowering it needs "
            "CAP_SYS_RESOURCE, so the default is skipped with a warning without it)\n",
            DEFAULT_NICE, DEFAULT_RT_PRIO, DEFAULT_OOM);
}

int
cmd_gaming_optimize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"pid", required_argument, NULL, 'p'},      {"cpus", required_argument, NULL, 'c'},
        {"priority", required_argument, NULL, 'P'}, {"rt", no_argument, NULL, 'r'},
        {"ioprio", required_argument, NULL, 'i'},   {"oom-score", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    struct bolt_tune_req req = {.set_sched = true, .ioprio_class = BOLT_IOPRIO_BE,
                                .set_ioprio = true, .oom_score_adj = DEFAULT_OOM};
    struct bolt_tune_state before = {0}, after = {0};
    struct bolt_err err = {0};
    const char *prio_arg = NULL;
    bool oom_given = false;
    int pid = 0, c, rc = CLI_EXIT_ENGINE;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+p:c:P:ri:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (parse_int(optarg, "--pid", 1, INT_MAX, &pid) < 0)
                return CLI_EXIT_USAGE;
            break;
        case 'c':
            req.cpus = optarg;
            break;
        case 'P':
            prio_arg = optarg;
            break;
        case 'r':
            req.rt = true;
            break;
        case 'i':
            if (parse_ioprio(optarg, &req) < 0)
                return CLI_EXIT_USAGE;
            break;
        case 'o':
            if (parse_int(optarg, "--oom-score", -1000, 1000, &req.oom_score_adj) < 0)
                return CLI_EXIT_USAGE;
            oom_given = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage_error("bolt gaming optimize", "unexpected argument '%s'", argv[optind]);
    if (pid == 0)
        return cli_usage_error("bolt gaming optimize",
                               "--pid is required: the process to tune (see --help)");
    if (prio_arg) {
        int v;
        if (req.rt ? parse_int(prio_arg, "--priority", 1, 99, &v) < 0
                   : parse_int(prio_arg, "--priority", -20, 19, &v) < 0)
            return CLI_EXIT_USAGE;
        if (req.rt)
            req.rt_priority = v;
        else
            req.nice = v;
    } else {
        req.rt_priority = DEFAULT_RT_PRIO;
        req.nice = DEFAULT_NICE;
    }
    if (req.cpus) {
        cpu_set_t set;
        if (bolt_tune_parse_cpus(req.cpus, "--cpus", &set, &err) < 0) {
            bolt_err_print("bolt gaming optimize", &err);
            return CLI_EXIT_USAGE;
        }
    }

    if (bolt_tune_read(pid, &before, &err) < 0) {
        bolt_err_print("bolt gaming optimize", &err);
        return CLI_EXIT_FAIL;
    }
    /* the default OOM score only protects; without CAP_SYS_RESOURCE it cannot go lower */
    req.set_oom = oom_given || before.oom_score_adj > req.oom_score_adj;
    if (bolt_tune_apply(pid, &req, &err) < 0) {
        if (!oom_given && req.set_oom && err.errnum == EACCES) {
            fprintf(stderr,
                    "bolt gaming optimize: warning: oom_score_adj of pid %d stays %d: lowering "
                    "it needs CAP_SYS_RESOURCE, which this process lacks\n",
                    pid, before.oom_score_adj);
        } else {
            bolt_err_print("bolt gaming optimize", &err);
            goto out;
        }
    }
    if (bolt_tune_read(pid, &after, &err) < 0) {
        bolt_err_print("bolt gaming optimize", &err);
        goto out;
    }
    print_state("before", &before);
    print_state("after", &after);
    rc = 0;
out:
    bolt_tune_state_fini(&before);
    bolt_tune_state_fini(&after);
    return rc;
}
