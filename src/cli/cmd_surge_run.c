/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bolt surge subcommands that run the stack: up, down, status/ps, logs, start, stop,
 * restart, pull, exec. Each parses its flags, loads the Boltfile and calls src/surge.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_surge.h"
#include "cli/engine_cli.h"
#include "surge/surge.h"
#include "util/fs.h"
#include "util/lock.h"
#include "util/mem.h"

/* A loaded stack and its store; fini releases both. */
struct surge_session {
    struct surge s;
    struct bolt_boltfile *bf;
    bool *sel;
    bool store_open;
    int lock_fd; /* the project lock of commands that change containers, or -1 */
};

static void
session_unlock(struct surge_session *ss)
{
    if (ss->lock_fd >= 0)
        bolt_lock_release(ss->lock_fd);
    ss->lock_fd = -1;
}

/*
 * One changing command per project at a time: runroot/surge/PROJECT.lock. A second one
 * says what it waits for, then waits.
 */
static int
session_lock(struct surge_session *ss, struct bolt_err *err)
{
    cleanup_free char *dir = xasprintf("%s/surge", cli_g.runroot);
    cleanup_free char *path = xasprintf("%s/%s.lock", dir, ss->bf->project);
    struct bolt_err busy = {0};

    if (bolt_mkdir_p(dir, 0700, err) < 0)
        return -1;
    ss->lock_fd = bolt_lock_open(path, true, false, &busy);
    if (ss->lock_fd >= 0)
        return 0;
    fprintf(stderr,
            "bolt surge: waiting for another bolt surge command on project '%s' (lock %s)\n",
            ss->bf->project, path);
    ss->lock_fd = bolt_lock_open(path, true, true, err);
    return ss->lock_fd < 0 ? -1 : 0;
}

static void
session_fini(struct surge_session *ss)
{
    session_unlock(ss);
    if (ss->store_open)
        bolt_ctrs_fini(&ss->s.st);
    bolt_boltfile_free(ss->bf);
    free(ss->sel);
}

/* Load the Boltfile, open the store and select argv's services. Returns 0 or an exit code. */
static int
session_open(struct surge_session *ss, const struct surge_opts *o, int argc, char **argv,
             bool with_deps, bool lock)
{
    struct bolt_err err = {0};

    memset(ss, 0, sizeof(*ss));
    ss->lock_fd = -1;
    ss->bf = surge_load(o, NULL);
    if (ss->bf == NULL)
        return CLI_EXIT_FAIL;
    ss->s.bf = ss->bf;
    ss->s.root = cli_g.root;
    ss->sel = xcalloc(ss->bf->n_services + 1, sizeof(bool));
    if (surge_select(&ss->s, argc, argv, with_deps, ss->sel, &err) < 0) {
        bolt_err_print("bolt surge", &err);
        return CLI_EXIT_FAIL;
    }
    if (engine_cli_store(&ss->s.st, &err) < 0) {
        bolt_err_print("bolt surge", &err);
        return CLI_EXIT_FAIL;
    }
    ss->store_open = true;
    if (lock && session_lock(ss, &err) < 0) {
        bolt_err_print("bolt surge", &err);
        return CLI_EXIT_FAIL;
    }
    return 0;
}

static int
parse_timeout(const char *prog, const char *s, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);

    if (!*s || *end || v < 0 || v > 86400)
        return cli_usage_error(prog, "--timeout: invalid value '%s' (expected seconds, 0 to 86400)",
                               s);
    *out = (int)v;
    return 0;
}

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

#define COMMON_OPTS                                                                    \
    {"file", required_argument, NULL, 'f'}, {"project", required_argument, NULL, 'p'}, \
    {                                                                                  \
        "help", no_argument, NULL, 'h'                                                 \
    }

static int
usage_out(bool help, const char *text)
{
    fputs(text, help ? stdout : stderr);
    return help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

int
surge_cmd_up(struct surge_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"detach", no_argument, NULL, 'd'}, COMMON_OPTS, {NULL, 0, NULL, 0}};
    static const char use[] =
        "usage: bolt surge up [-d] [SERVICE...]\n\n"
        "Create and start the services (and what they depend on) in dependency order.\n"
        "Unchanged running services are left alone; changed ones are recreated.\n"
        "Without -d, follow their logs; Ctrl-C stops the stack.\n\n"
        "  -d, --detach   start and return\n";
    struct surge_session ss;
    struct surge_logs_opts lo = {.tail = -1};
    struct bolt_err err = {0};
    struct sigaction sa = {0};
    bool detach = false;
    int c, rc;

    optind = 0;
    while ((c = surge_getopt(o, argc, argv, "+dhf:p:", opts)) != -1) {
        if (c == 'd')
            detach = true;
        else
            return usage_out(c == 'h', use);
    }
    rc = session_open(&ss, o, argc - optind, argv + optind, true, true);
    if (rc != 0)
        goto out;
    lo.since_ns = bolt_now_ns();
    if (surge_up(&ss.s, ss.sel, &err) < 0) {
        bolt_err_print("bolt surge up", &err);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    session_unlock(&ss); /* the stack is up: others may stop it while we follow */
    if (detach)
        goto out;
    /* attached: the services' output from now on, until Ctrl-C or they all stop */
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    lo.follow = true;
    lo.color = isatty(1);
    lo.stop = (volatile int *)&interrupted;
    /* lines from the start of this up on (older ones of unchanged services are skipped) */
    fprintf(stderr, "Attaching to the services' logs (Ctrl-C stops the stack)\n");
    surge_logs(&ss.s, ss.sel, &lo, &err);
    if (interrupted) {
        fprintf(stderr, "Gracefully stopping... (press Ctrl-C again to force)\n");
        sa.sa_handler = SIG_DFL;
        sigaction(SIGINT, &sa, NULL);
        if (surge_stop(&ss.s, ss.sel, -1, &err) < 0) {
            bolt_err_print("bolt surge up", &err);
            rc = CLI_EXIT_FAIL;
        } else {
            rc = 130;
        }
    }
out:
    session_fini(&ss);
    return rc;
}

int
surge_cmd_down(struct surge_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"volumes", no_argument, NULL, 'v'},
                                         {"timeout", required_argument, NULL, 't'},
                                         COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    static const char use[] = "usage: bolt surge down [-v] [-t|--timeout N]\n\n"
                              "Stop and remove the project's containers (dependents first).\n\n"
                              "  -v, --volumes       also remove the named and anonymous volumes\n"
                              "  -t, --timeout N     seconds to wait before SIGKILL (default: "
                              "each service's stop_grace_period)\n";
    struct surge_session ss;
    struct bolt_err err = {0};
    bool volumes = false;
    int c, rc, timeout = -1;

    optind = 0;
    while ((c = surge_getopt(o, argc, argv, "+vt:hf:p:", opts)) != -1) {
        if (c == 'v')
            volumes = true;
        else if (c == 't') {
            if (parse_timeout("bolt surge down", optarg, &timeout) != 0)
                return CLI_EXIT_USAGE;
        } else
            return usage_out(c == 'h', use);
    }
    if (optind < argc)
        return cli_usage_error("bolt surge down",
                               "unexpected argument '%s' (down takes the whole "
                               "project; use 'bolt surge stop SERVICE')",
                               argv[optind]);
    rc = session_open(&ss, o, 0, NULL, false, true);
    if (rc == 0 && surge_down(&ss.s, timeout, volumes, &err) < 0) {
        bolt_err_print("bolt surge down", &err);
        rc = CLI_EXIT_FAIL;
    }
    session_fini(&ss);
    return rc;
}

int
surge_cmd_status(struct surge_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                         {"format", required_argument, NULL, 'F'},
                                         COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    static const char use[] =
        "usage: bolt surge status|ps [-q] [--format table|json] [SERVICE...]\n\n"
        "The project's containers: name, service, state, status and health (the\n"
        "healthcheck is run once now for running services that define one).\n";
    struct surge_session ss;
    struct bolt_err err = {0};
    bool quiet = false, json = false;
    int c, rc;

    optind = 0;
    while ((c = surge_getopt(o, argc, argv, "+qhf:p:", opts)) != -1) {
        if (c == 'q')
            quiet = true;
        else if (c == 'F' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
            json = strcmp(optarg, "json") == 0;
        else if (c == 'F')
            return cli_usage_error("bolt surge status",
                                   "--format: unknown format '%s' (expected table or json)",
                                   optarg);
        else
            return usage_out(c == 'h', use);
    }
    rc = session_open(&ss, o, argc - optind, argv + optind, false, false);
    if (rc != 0)
        goto out;
    if (!quiet && !json)
        printf("%-30s %-16s %-10s %-28s %s\n", "NAME", "SERVICE", "STATE", "STATUS", "HEALTH");
    if (json)
        printf("[");
    for (size_t i = 0, k = 0; i < ss.bf->n_services; i++) {
        const struct bolt_bf_service *svc = &ss.bf->services[i];
        struct bolt_container *ctr;
        const char *health = "";
        char st[96];
        if (!ss.sel[i])
            continue;
        ctr = surge_find(&ss.s, svc->name, &err);
        if (ctr == NULL)
            continue;
        if (svc->healthcheck.present && !svc->healthcheck.disabled) {
            health = "starting";
            if (ctr->status == BOLT_CTR_RUNNING && bolt_engine_is_running(&ss.s.st, ctr))
                health = surge_health_probe(&ss.s, svc, ctr, &err) == 1 ? "healthy" : "unhealthy";
        }
        engine_cli_status(ctr, st, sizeof(st));
        if (quiet)
            printf("%s\n", ctr->id);
        else if (json)
            printf("%s{\"Name\":\"%s\",\"Service\":\"%s\",\"State\":\"%s\",\"Status\":\"%s\","
                   "\"Health\":\"%s\",\"ExitCode\":%d,\"ID\":\"%s\"}",
                   k++ ? "," : "", ctr->name, svc->name, bolt_ctr_status_name(ctr->status), st,
                   health, ctr->exit_code, ctr->id);
        else
            printf("%-30s %-16s %-10s %-28s %s\n", ctr->name, svc->name,
                   bolt_ctr_status_name(ctr->status), st, health);
        bolt_container_free(ctr);
    }
    if (json)
        printf("]\n");
out:
    session_fini(&ss);
    return rc;
}

int
surge_cmd_logs(struct surge_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"follow", no_argument, NULL, 'F'},
                                         {"tail", required_argument, NULL, 'n'},
                                         {"no-color", no_argument, NULL, 'C'},
                                         COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    static const char use[] =
        "usage: bolt surge logs [--follow] [--tail N] [--no-color] [SERVICE...]\n\n"
        "The services' output, each line prefixed with its service, merged by time\n"
        "(coloured on a terminal).\n\n"
        "      --follow      keep printing new lines until the services stop (also -f\n"
        "                    after the subcommand when no FILE follows)\n"
        "  -n, --tail N      only the last N lines of each service\n";
    struct surge_session ss;
    struct surge_logs_opts lo = {.tail = -1};
    struct bolt_err err = {0};
    struct sigaction sa = {0};
    bool color = isatty(1);
    int c, rc;

    optind = 0;
    /* -f here is --follow (docker compose's spelling); the file is given before `logs` */
    while ((c = getopt_long(argc, argv, "+Fn:hfp:", opts, NULL)) != -1) {
        char *end = NULL;
        if (c == 'F' || c == 'f')
            lo.follow = true;
        else if (c == 'p')
            o->project = optarg;
        else if (c == 'C')
            color = false;
        else if (c == 'n') {
            lo.tail = strtol(optarg, &end, 10);
            if (!*optarg || *end || lo.tail < 0) {
                if (strcmp(optarg, "all") != 0)
                    return cli_usage_error("bolt surge logs",
                                           "--tail: invalid value '%s' (expected a number of "
                                           "lines or 'all')",
                                           optarg);
                lo.tail = -1;
            }
        } else
            return usage_out(c == 'h', use);
    }
    lo.color = color;
    rc = session_open(&ss, o, argc - optind, argv + optind, false, false);
    if (rc == 0) {
        sa.sa_handler = on_sigint;
        sigaction(SIGINT, &sa, NULL);
        lo.stop = (volatile int *)&interrupted;
        if (surge_logs(&ss.s, ss.sel, &lo, &err) < 0) {
            bolt_err_print("bolt surge logs", &err);
            rc = CLI_EXIT_FAIL;
        }
    }
    session_fini(&ss);
    return rc;
}

/* start / stop / restart */
static int
lifecycle(struct surge_opts *o, int argc, char **argv, bool stop, bool start)
{
    static const struct option opts[] = {
        {"timeout", required_argument, NULL, 't'}, COMMON_OPTS, {NULL, 0, NULL, 0}};
    char prog[64];
    cleanup_free char *use = xasprintf("usage: bolt surge %s%s [SERVICE...]\n\n%s\n", argv[0],
                                       stop ? " [-t|--timeout N]" : "",
                                       !stop   ? "Start the services' existing containers in "
                                                 "dependency order."
                                       : start ? "Stop, then start the services' containers."
                                               : "Stop the services' containers, dependents "
                                                 "first.");
    struct surge_session ss;
    struct bolt_err err = {0};
    int c, rc, timeout = -1;

    snprintf(prog, sizeof(prog), "bolt surge %s", argv[0]);
    optind = 0;
    while ((c = surge_getopt(o, argc, argv, stop ? "+t:hf:p:" : "+hf:p:", opts)) != -1) {
        if (c == 't' && stop) {
            if (parse_timeout(prog, optarg, &timeout) != 0)
                return CLI_EXIT_USAGE;
        } else
            return usage_out(c == 'h', use);
    }
    rc = session_open(&ss, o, argc - optind, argv + optind, false, true);
    if (rc == 0 && stop && surge_stop(&ss.s, ss.sel, timeout, &err) < 0) {
        bolt_err_print(prog, &err);
        rc = CLI_EXIT_FAIL;
    }
    if (rc == 0 && start && surge_start(&ss.s, ss.sel, &err) < 0) {
        bolt_err_print(prog, &err);
        rc = CLI_EXIT_FAIL;
    }
    session_fini(&ss);
    return rc;
}

int
surge_cmd_start(struct surge_opts *o, int argc, char **argv)
{
    return lifecycle(o, argc, argv, false, true);
}

int
surge_cmd_stop(struct surge_opts *o, int argc, char **argv)
{
    return lifecycle(o, argc, argv, true, false);
}

int
surge_cmd_restart(struct surge_opts *o, int argc, char **argv)
{
    return lifecycle(o, argc, argv, true, true);
}

int
surge_cmd_pull(struct surge_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"missing", no_argument, NULL, 'm'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    static const char use[] = "usage: bolt surge pull [--missing] [-q] [SERVICE...]\n\n"
                              "Pull the services' images.\n\n"
                              "      --missing   only images not in the store yet\n"
                              "  -q, --quiet     no progress output\n";
    struct surge_session ss;
    bool missing = false, quiet = false;
    int c, rc;

    optind = 0;
    while ((c = surge_getopt(o, argc, argv, "+qhf:p:", opts)) != -1) {
        if (c == 'm')
            missing = true;
        else if (c == 'q')
            quiet = true;
        else
            return usage_out(c == 'h', use);
    }
    rc = session_open(&ss, o, argc - optind, argv + optind, false, false);
    ss.s.quiet = quiet;
    for (size_t i = 0; rc == 0 && i < ss.bf->n_services; i++) {
        struct bolt_err err = {0};
        if (ss.sel[i] && surge_pull(&ss.s, &ss.bf->services[i], !missing, &err) < 0) {
            bolt_err_print("bolt surge pull", &err);
            rc = CLI_EXIT_FAIL;
        }
    }
    session_fini(&ss);
    return rc;
}

int
surge_cmd_exec(struct surge_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"user", required_argument, NULL, 'u'},
                                         {"workdir", required_argument, NULL, 'w'},
                                         {"env", required_argument, NULL, 'e'},
                                         {"interactive", no_argument, NULL, 'i'},
                                         {"tty", no_argument, NULL, 't'},
                                         COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    static const char use[] = "usage: bolt surge exec [-it] [-u USER] [-w DIR] [-e K=V] SERVICE "
                              "COMMAND [ARG...]\n\n"
                              "Run a command in the service's running container; exits with its "
                              "status.\n";
    struct surge_session ss;
    struct bolt_exec_opts eo = {0};
    struct bolt_container *ctr = NULL;
    struct bolt_err err = {0};
    int c, rc, code = CLI_EXIT_ENGINE;

    optind = 0;
    while ((c = surge_getopt(o, argc, argv, "+u:w:e:ithf:p:", opts)) != -1) {
        if (c == 'u')
            eo.user = optarg;
        else if (c == 'w')
            eo.workdir = optarg;
        else if (c == 'e')
            bolt_strv_push(&eo.env, optarg);
        else if (c == 'i')
            eo.interactive = true;
        else if (c == 't')
            eo.tty = true;
        else {
            bolt_strv_free(eo.env);
            return usage_out(c == 'h', use);
        }
    }
    if (argc - optind < 2) {
        bolt_strv_free(eo.env);
        return cli_usage_error("bolt surge exec",
                               "missing %s (usage: bolt surge exec SERVICE "
                               "COMMAND [ARG...])",
                               optind < argc ? "COMMAND" : "SERVICE and COMMAND");
    }
    rc = session_open(&ss, o, 1, argv + optind, false, false);
    if (rc == 0) {
        eo.args = argv + optind + 1;
        ctr = surge_find(&ss.s, argv[optind], &err);
        if (ctr == NULL || bolt_engine_exec(&ss.s.st, ctr, &eo, &code, &err) < 0) {
            bolt_err_print("bolt surge exec", &err);
            rc = ctr == NULL ? CLI_EXIT_FAIL : code;
        } else {
            rc = code;
        }
    }
    bolt_container_free(ctr);
    bolt_strv_free(eo.env);
    session_fini(&ss);
    return rc;
}
