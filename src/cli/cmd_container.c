/* SPDX-License-Identifier: Apache-2.0 */
/* bolt stop/start/restart/kill/rm/wait/logs: the lifecycle verbs. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nvbind/lease.h"
#include "cli/cmds_bolt.h"
#include "cli/engine_cli.h"
#include "engine/engine.h"
#include "engine/logs.h"
#include "util/mem.h"

static int
parse_secs(const char *flag, const char *s, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);

    if (!*s || *end || v < 0 || v > 86400) {
        fprintf(stderr, "bolt: %s: invalid value '%s' (expected seconds, 0 to 86400)\n", flag, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int
need_args(const char *verb, int argc, const char *usage)
{
    if (optind < argc)
        return 0;
    fprintf(stderr, "bolt %s: missing CONTAINER (usage: bolt %s %s)\n", verb, verb, usage);
    return -1;
}

static int
open_store(struct bolt_ctr_store *st)
{
    struct bolt_err err = {0};

    if (engine_cli_store(st, &err) < 0) {
        bolt_err_print("bolt", &err);
        return -1;
    }
    return 0;
}

static int
do_stop(const struct bolt_ctr_store *st, struct bolt_container *c, void *arg, struct bolt_err *err)
{
    return bolt_engine_stop(st, c, *(int *)arg, err);
}

/* stop and restart share flags: -t/--time/--timeout N */
static int
stop_like(int argc, char **argv, bool restart)
{
    static const struct option opts[] = {
        {"time", required_argument, NULL, 't'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_ctr_store st;
    int timeout = -1, c, rc = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+t:h", opts, NULL)) != -1) {
        if (c == 't') {
            if (parse_secs("--timeout", optarg, &timeout) < 0)
                return CLI_EXIT_USAGE;
        } else if (c == 'h') {
            printf("usage: bolt %s [-t SECONDS] CONTAINER...\n", argv[0]);
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (need_args(argv[0], argc, "[-t SECONDS] CONTAINER...") < 0)
        return CLI_EXIT_USAGE;
    if (open_store(&st) < 0)
        return CLI_EXIT_FAIL;
    if (!restart) {
        rc = engine_cli_each(&st, argc, argv, optind, do_stop, &timeout, true);
    } else {
        for (int i = optind; i < argc; i++) {
            struct bolt_err err = {0};
            struct bolt_container *ct = bolt_ctrs_lookup(&st, argv[i], &err);
            int code;
            if (!ct || bolt_engine_stop(&st, ct, timeout, &err) < 0
                || bolt_engine_start(&st, ct->id, true, BOLT_ATTACH_NONE, &code, &err) < 0) {
                bolt_err_print("bolt", &err);
                rc = CLI_EXIT_FAIL;
            } else {
                printf("%s\n", argv[i]);
            }
            bolt_container_free(ct);
        }
    }
    bolt_ctrs_fini(&st);
    return rc;
}

int
cmd_bolt_stop(int argc, char **argv)
{
    return stop_like(argc, argv, false);
}

int
cmd_bolt_restart(int argc, char **argv)
{
    return stop_like(argc, argv, true);
}

int
cmd_bolt_start(int argc, char **argv)
{
    static const struct option opts[] = {
        {"attach", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_ctr_store st;
    bool attach = false;
    int c, rc = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        if (c == 'a') {
            attach = true;
        } else if (c == 'h') {
            printf("usage: bolt start [-a] CONTAINER...\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (need_args("start", argc, "[-a] CONTAINER...") < 0)
        return CLI_EXIT_USAGE;
    if (open_store(&st) < 0)
        return CLI_EXIT_FAIL;
    for (int i = optind; i < argc; i++) {
        struct bolt_err err = {0};
        struct bolt_container *ct = bolt_ctrs_lookup(&st, argv[i], &err);
        int code = CLI_EXIT_FAIL;
        if (!ct || bolt_engine_start(&st, ct->id, !attach, BOLT_ATTACH_STDIO, &code, &err) < 0) {
            bolt_err_print("bolt", &err);
            rc = attach ? code : CLI_EXIT_FAIL;
        } else if (attach) {
            rc = code;
        } else {
            printf("%s\n", argv[i]);
        }
        bolt_container_free(ct);
    }
    bolt_ctrs_fini(&st);
    return rc;
}

static int
do_kill(const struct bolt_ctr_store *st, struct bolt_container *c, void *arg, struct bolt_err *err)
{
    return bolt_engine_kill(st, c, *(int *)arg, true, err);
}

int
cmd_bolt_kill(int argc, char **argv)
{
    static const struct option opts[] = {
        {"signal", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_ctr_store st;
    int sig = SIGKILL, c, rc;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
        if (c == 's') {
            sig = bolt_signal_parse(optarg);
            if (sig < 0)
                return cli_usage_error("bolt kill",
                                       "--signal: unknown signal '%s' (expected a "
                                       "name such as SIGHUP or a number)",
                                       optarg);
        } else if (c == 'h') {
            printf("usage: bolt kill [-s SIGNAL] CONTAINER...\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (need_args("kill", argc, "[-s SIGNAL] CONTAINER...") < 0)
        return CLI_EXIT_USAGE;
    if (open_store(&st) < 0)
        return CLI_EXIT_FAIL;
    rc = engine_cli_each(&st, argc, argv, optind, do_kill, &sig, true);
    bolt_ctrs_fini(&st);
    return rc;
}

static int
do_rm(const struct bolt_ctr_store *st, struct bolt_container *c, void *arg, struct bolt_err *err)
{
    return bolt_engine_rm(st, c, *(bool *)arg, err);
}

int
cmd_bolt_rm(int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_ctr_store st;
    bool force = false;
    int c, rc;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
        if (c == 'f') {
            force = true;
        } else if (c == 'h') {
            printf("usage: bolt rm [-f] CONTAINER...\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (need_args("rm", argc, "[-f] CONTAINER...") < 0)
        return CLI_EXIT_USAGE;
    if (open_store(&st) < 0)
        return CLI_EXIT_FAIL;
    rc = engine_cli_each(&st, argc, argv, optind, do_rm, &force, true);
    bolt_ctrs_fini(&st);
    return rc;
}

int
cmd_bolt_wait(int argc, char **argv)
{
    struct bolt_ctr_store st;
    int rc = 0;

    optind = 0;
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: bolt wait CONTAINER...\n");
        return 0;
    }
    optind = 1;
    if (need_args("wait", argc, "CONTAINER...") < 0)
        return CLI_EXIT_USAGE;
    if (open_store(&st) < 0)
        return CLI_EXIT_FAIL;
    for (int i = 1; i < argc; i++) {
        struct bolt_err err = {0};
        struct bolt_container *ct = bolt_ctrs_lookup(&st, argv[i], &err);
        int code = ct ? bolt_engine_wait(&st, ct->id, &err) : -1;
        if (code < 0) {
            bolt_err_print("bolt", &err);
            rc = CLI_EXIT_FAIL;
        } else {
            printf("%d\n", code);
        }
        bolt_container_free(ct);
    }
    bolt_ctrs_fini(&st);
    return rc;
}

int
cmd_bolt_logs(int argc, char **argv)
{
    static const struct option opts[] = {
        {"follow", no_argument, NULL, 'f'},      {"tail", required_argument, NULL, 'n'},
        {"since", required_argument, NULL, 'S'}, {"timestamps", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    struct bolt_logs_opts lo = {false, false, -1, 0};
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    struct bolt_container *ct;
    int c, rc = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+fn:th", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            lo.follow = true;
            break;
        case 't':
            lo.timestamps = true;
            break;
        case 'n':
            if (strcmp(optarg, "all") == 0) {
                lo.tail = -1;
            } else {
                char *end = NULL;
                lo.tail = strtol(optarg, &end, 10);
                if (!*optarg || *end || lo.tail < 0)
                    return cli_usage_error("bolt logs",
                                           "--tail: invalid value '%s' (expected "
                                           "a number of lines or 'all')",
                                           optarg);
            }
            break;
        case 'S':
            if (engine_parse_since(optarg, bolt_now_ns(), &lo.since_ns, &err) < 0) {
                bolt_err_print("bolt logs", &err);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'h':
            printf("usage: bolt logs [-f] [--tail N] [--since TIME] [-t] CONTAINER\n");
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (need_args("logs", argc, "[-f] [--tail N] [--since TIME] [-t] CONTAINER") < 0)
        return CLI_EXIT_USAGE;
    if (open_store(&st) < 0)
        return CLI_EXIT_FAIL;
    ct = bolt_ctrs_lookup(&st, argv[optind], &err);
    if (!ct || bolt_engine_logs(&st, ct, &lo, &err) < 0) {
        bolt_err_print("bolt", &err);
        rc = CLI_EXIT_FAIL;
    }
    bolt_container_free(ct);
    bolt_ctrs_fini(&st);
    return rc;
}

int
cmd_bolt_container(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } subs[] = {
        {"ls", cmd_bolt_ps},
        {"list", cmd_bolt_ps},
        {"ps", cmd_bolt_ps},
        {"run", cmd_bolt_run},
        {"create", cmd_bolt_create},
        {"start", cmd_bolt_start},
        {"stop", cmd_bolt_stop},
        {"restart", cmd_bolt_restart},
        {"kill", cmd_bolt_kill},
        {"rm", cmd_bolt_rm},
        {"logs", cmd_bolt_logs},
        {"wait", cmd_bolt_wait},
        {"inspect", cmd_bolt_inspect},
        {"exec", cmd_bolt_exec},
        {"top", cmd_bolt_top},
        {"stats", cmd_bolt_stats},
        {"prune", cmd_bolt_container_prune},
    };

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc < 2 ? stderr : stdout, "usage: bolt container COMMAND (ls, run, create, "
                                            "start, stop, restart, kill, rm, logs, wait, "
                                            "inspect, exec, top, stats, prune)\n");
        return argc < 2 ? CLI_EXIT_USAGE : 0;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(*subs); i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].fn(argc - 1, argv + 1);
    return cli_usage_error("bolt container",
                           "unknown command '%s' (expected ls, run, create, "
                           "start, stop, restart, kill, rm, logs, wait, "
                           "inspect, exec, top, stats or prune)",
                           argv[1]);
}

/* Internal: bolt-monitor execs `bolt __monitor ID STATUS LOCKFD RESTARTS BEGAN_NS`. */
int
cmd_bolt_monitor(int argc, char **argv)
{
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    int r;

    if (argc != 6) {
        fprintf(stderr, "bolt __monitor: internal command of the container monitor\n");
        return CLI_EXIT_USAGE;
    }
    if (open_store(&st) < 0)
        return CLI_EXIT_FAIL;
    /* a restart from here replaces the GPU leases this process inherited */
    setenv(BOLT_NV_LEASES_HELD_ENV, "1", 1);
    r = bolt_engine_monitor_resume(&st, argv[1], atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
                                   strtoll(argv[5], NULL, 10), &err);
    if (r < 0)
        bolt_err_print("bolt", &err);
    bolt_ctrs_fini(&st);
    return r < 0 ? CLI_EXIT_FAIL : 0;
}

int
cmd_bolt_container_prune(int argc, char **argv)
{
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    struct bolt_container **v;
    size_t n = 0, removed = 0;
    int rc = 0;

    (void)argc;
    (void)argv;
    if (open_store(&st) < 0)
        return CLI_EXIT_FAIL;
    v = bolt_ctrs_list(&st, &n, &err);
    if (!v) {
        bolt_err_print("bolt", &err);
        bolt_ctrs_fini(&st);
        return CLI_EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        if (bolt_engine_is_running(&st, v[i]))
            continue;
        if (bolt_engine_rm(&st, v[i], false, &err) < 0) {
            bolt_err_print("bolt", &err);
            rc = CLI_EXIT_FAIL;
            continue;
        }
        printf("%s\n", v[i]->id);
        removed++;
    }
    fprintf(stderr, "removed %zu stopped container%s\n", removed, removed == 1 ? "" : "s");
    bolt_ctrs_list_free(v, n);
    bolt_ctrs_fini(&st);
    return rc;
}
