/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bolt gaming realtime --enable [--budget US] | --disable | --status`: whether containers
 * bolt creates may use SCHED_FIFO/SCHED_RR (see engine/tune.h for what it changes).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "cli/cli.h"
#include "engine/tune.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"

int cmd_gaming_realtime(int argc, char **argv);

#define PROG "bolt gaming realtime"

static long long
kernel_rt_runtime(void)
{
    cleanup_free char *s = bolt_read_file("/proc/sys/kernel/sched_rt_runtime_us", NULL, NULL);
    return s ? atoll(s) : -2;
}

static const char *
cgroup_kind(void)
{
    struct statfs sf;

    if (statfs("/sys/fs/cgroup/cpu", &sf) == 0 && sf.f_type == CGROUP_SUPER_MAGIC)
        return "v1";
    return "v2";
}

static void
print_status(const struct bolt_tune_rt_config *cfg)
{
    struct rlimit rl = {0};
    long long k = kernel_rt_runtime();

    getrlimit(RLIMIT_RTPRIO, &rl);
    printf("realtime: %s\n", cfg->enabled ? "enabled" : "disabled");
    printf("budget: %lld us per 1000000 us per container (cgroup %s%s)\n",
           (long long)cfg->budget_us, cgroup_kind(),
           strcmp(cgroup_kind(), "v1") == 0 ? ": cpu.rt_runtime_us" : ": no per-group budget");
    if (k == -1)
        printf("kernel.sched_rt_runtime_us: -1 (unlimited)\n");
    else
        printf("kernel.sched_rt_runtime_us: %lld\n", k);
    printf("containers get: %s\n",
           cfg->enabled ? "CAP_SYS_NICE, RLIMIT_RTPRIO, RT budget (containers created from now on)"
                        : "nothing extra (SCHED_FIFO/RR refused inside)");
    if (rl.rlim_max == 0)
        printf("note: RLIMIT_RTPRIO hard limit here is 0 and cannot be raised without "
               "CAP_SYS_RESOURCE; CAP_SYS_NICE lets containers use real-time anyway\n");
}

int
cmd_gaming_realtime(int argc, char **argv)
{
    static const struct option opts[] = {
        {"enable", no_argument, NULL, 'e'},       {"disable", no_argument, NULL, 'd'},
        {"status", no_argument, NULL, 's'},       {"budget", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct bolt_tune_rt_config cfg;
    struct bolt_err err = {0};
    const char *budget = NULL;
    int action = 0, c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+edsb:h", opts, NULL)) != -1) {
        switch (c) {
        case 'e':
        case 'd':
        case 's':
            if (action && action != c)
                return cli_usage_error(PROG, "--enable, --disable and --status exclude each other");
            action = c;
            break;
        case 'b':
            budget = optarg;
            break;
        case 'h':
            printf("usage: bolt gaming realtime --enable [--budget US] | --disable | --status\n\n"
                   "Lets containers bolt creates use SCHED_FIFO/SCHED_RR: CAP_SYS_NICE, "
                   "RLIMIT_RTPRIO and, on cgroup v1,\na real-time budget for each container's "
                   "cpu cgroup. Persisted under --root (gaming/realtime.json).\n\n"
                   "  --enable           allow real-time scheduling in new containers\n"
                   "  --budget US        RT runtime per container per 1 s (default %d)\n"
                   "  --disable          stop allowing it\n"
                   "  --status           show the setting (default)\n",
                   BOLT_TUNE_RT_DEFAULT_BUDGET);
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    if (budget && action != 'e')
        return cli_usage_error(PROG, "--budget goes with --enable");
    if (bolt_tune_rt_load(cli_g.root, &cfg, &err) < 0) {
        bolt_err_print(PROG, &err);
        return CLI_EXIT_ENGINE;
    }
    if (action == 0 || action == 's') {
        print_status(&cfg);
        return 0;
    }
    if (action == 'e') {
        if (budget) {
            char *end;
            long long v;
            errno = 0;
            v = strtoll(budget, &end, 10);
            if (errno || end == budget || *end || v < 1000 || v > 1000000)
                return cli_usage_error(PROG,
                                       "--budget '%s': expected microseconds of real-time per "
                                       "second, 1000..1000000",
                                       budget);
            cfg.budget_us = v;
        }
        long long k = kernel_rt_runtime();
        if (k >= 0 && cfg.budget_us > k) {
            fprintf(stderr,
                    "%s: --budget %lld is more than the whole machine's real-time budget "
                    "(kernel.sched_rt_runtime_us = %lld); pick a smaller budget\n",
                    PROG, (long long)cfg.budget_us, k);
            return CLI_EXIT_USAGE;
        }
        cfg.enabled = true;
    } else {
        cfg.enabled = false;
    }
    if (bolt_tune_rt_save(cli_g.root, &cfg, &err) < 0) {
        bolt_err_print(PROG, &err);
        if (err.errnum == EACCES || err.errnum == EPERM || err.errnum == EROFS)
            fprintf(stderr, "%s: changing the setting needs write access to %s (run as root)\n",
                    PROG, cli_g.root);
        return CLI_EXIT_ENGINE;
    }
    print_status(&cfg);
    return 0;
}
