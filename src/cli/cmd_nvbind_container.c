/* SPDX-License-Identifier: Apache-2.0 */
/* nvbind create / start / run / state / kill / delete / list / ps (runc-compatible). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds_nvbind.h"
#include "nvbind/inject.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/mem.h"

static int
fail(const struct bolt_err *err)
{
    bolt_err_print("nvbind", err);
    return 1;
}

/* Parse "--preserve-fds N". */
int
cli_nvbind_parse_count(const char *flag, const char *s, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);

    if (!*s || *end || v < 0 || v > 1024) {
        cli_usage_error("nvbind", "%s: expected a count between 0 and 1024, got '%s'", flag, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Parse create/run flags into o (and *detach). Returns 0, 1 for --help, or an exit code < 0. */
static int
parse_create_flags(int argc, char **argv, bool run, struct bolt_rt_opts *o, bool *detach)
{
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"pid-file", required_argument, NULL, 'p'},
        {"console-socket", required_argument, NULL, 'c'},
        {"no-pivot", no_argument, NULL, 'P'},
        {"no-new-keyring", no_argument, NULL, 'k'},
        {"preserve-fds", required_argument, NULL, 'f'},
        {"detach", no_argument, NULL, 'd'},
        {"keep", no_argument, NULL, 'K'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+b:dh", opts, NULL)) != -1) {
        if (c == 'b')
            o->bundle = optarg;
        else if (c == 'p')
            o->pid_file = optarg;
        else if (c == 'c')
            o->console_socket = optarg;
        else if (c == 'P')
            o->no_pivot = true;
        else if (c == 'd' && run)
            *detach = true;
        else if (c == 'K' && run)
            o->keep_state_on_exit = true;
        else if (c == 'f' && cli_nvbind_parse_count("--preserve-fds", optarg, &o->preserve_fds) < 0)
            return -CLI_EXIT_USAGE;
        else if (c == 'h') {
            printf("usage: nvbind %s [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] "
                   "[--no-pivot] [--preserve-fds N]%s ID\n",
                   argv[0], run ? " [--detach] [--keep]" : "");
            return 1;
        } else if (c == 'd' || c == 'K') {
            cli_usage_error("nvbind", "%s: --detach and --keep are options of 'run'", argv[0]);
            return -CLI_EXIT_USAGE;
        } else if (c != 'k' && c != 'f') {
            return -CLI_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        cli_usage_error("nvbind", "%s: expected one container ID (see 'nvbind %s --help')",
                        argv[0], argv[0]);
        return -CLI_EXIT_USAGE;
    }
    return 0;
}

/* Shared by create and run: load the bundle's config.json, add GPUs, create/run. */
static int
create_or_run(int argc, char **argv, bool run)
{
    struct bolt_rt_opts o;
    struct bolt_err err = {0};
    struct bolt_oci_spec *spec;
    cleanup_free char *config = NULL;
    const char *id;
    bool detach = false;
    int r;

    bolt_rt_opts_init(&o);
    o.state_root = nvbind_g.root;
    r = parse_create_flags(argc, argv, run, &o, &detach);
    if (r != 0)
        return r > 0 ? 0 : -r;
    id = argv[optind];
    config = xasprintf("%s/config.json", o.bundle ? o.bundle : ".");
    spec = bolt_oci_spec_load(config, &err);
    if (!spec)
        return fail(&err);
    if (bolt_nv_inject_oci(spec, o.bundle, o.state_root, &err) < 0) {
        bolt_oci_spec_free(spec);
        return fail(&err);
    }
    if (run && !detach) {
        r = bolt_rt_run(id, spec, &o, &err);
    } else {
        r = bolt_rt_create(id, spec, &o, NULL, &err);
        if (r == 0 && run)
            r = bolt_rt_start(o.state_root, id, &err);
    }
    bolt_oci_spec_free(spec);
    if (r < 0) {
        bolt_err_print("nvbind", &err);
        return bolt_rt_exit_code_for(&err);
    }
    return r;
}

int
cmd_nvbind_create(int argc, char **argv)
{
    return create_or_run(argc, argv, false);
}

int
cmd_nvbind_run(int argc, char **argv)
{
    return create_or_run(argc, argv, true);
}

/* Verbs that take exactly one ID and an optional flag set. */
static int
one_id(int argc, char **argv, const char *usage)
{
    if (argc - optind != 1) {
        cli_usage_error("nvbind", "%s: expected one container ID (usage: nvbind %s)", argv[0],
                        usage);
        return -1;
    }
    return optind;
}

static int
simple_opts(int argc, char **argv, const char *usage)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: nvbind %s\n", usage);
            return -2;
        }
        return -1;
    }
    return one_id(argc, argv, usage);
}

int
cmd_nvbind_start(int argc, char **argv)
{
    struct bolt_err err = {0};
    int i = simple_opts(argc, argv, "start ID");

    if (i < 0)
        return i == -2 ? 0 : CLI_EXIT_USAGE;
    if (bolt_rt_start(nvbind_g.root, argv[i], &err) < 0)
        return fail(&err);
    return 0;
}

int
cmd_nvbind_pause(int argc, char **argv)
{
    struct bolt_err err = {0};
    int i = simple_opts(argc, argv, "pause ID");

    if (i < 0)
        return i == -2 ? 0 : CLI_EXIT_USAGE;
    if (bolt_rt_pause(nvbind_g.root, argv[i], &err) < 0)
        return fail(&err);
    return 0;
}

int
cmd_nvbind_resume(int argc, char **argv)
{
    struct bolt_err err = {0};
    int i = simple_opts(argc, argv, "resume ID");

    if (i < 0)
        return i == -2 ? 0 : CLI_EXIT_USAGE;
    if (bolt_rt_resume(nvbind_g.root, argv[i], &err) < 0)
        return fail(&err);
    return 0;
}

int
cmd_nvbind_state(int argc, char **argv)
{
    struct bolt_err err = {0};
    struct bolt_rt_state st;
    cleanup_free char *js = NULL;
    int i = simple_opts(argc, argv, "state ID");

    if (i < 0)
        return i == -2 ? 0 : CLI_EXIT_USAGE;
    if (bolt_rt_state_get(nvbind_g.root, argv[i], &st, &err) < 0)
        return fail(&err);
    js = bolt_rt_state_json(&st);
    printf("%s\n", js);
    bolt_rt_state_fini(&st);
    return 0;
}

static int
parse_signal(const char *s)
{
    char *end = NULL;
    long v;

    if (!s)
        return SIGTERM;
    v = strtol(s, &end, 10);
    if (*s && !*end)
        return v > 0 && v < NSIG ? (int)v : -1;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (int sig = 1; sig < NSIG; sig++) {
        const char *name = sigabbrev_np(sig);
        if (name && strcasecmp(name, s) == 0)
            return sig;
    }
    return -1;
}

int
cmd_nvbind_kill(int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    struct bolt_err err = {0};
    bool all = false;
    int c, sig;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        if (c == 'a') {
            all = true;
        } else if (c == 'h') {
            printf("usage: nvbind kill [--all] ID [SIGNAL]\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (argc - optind < 1 || argc - optind > 2)
        return cli_usage_error("nvbind", "kill: expected ID [SIGNAL]");
    sig = parse_signal(argc - optind == 2 ? argv[optind + 1] : NULL);
    if (sig < 0) {
        fprintf(stderr, "nvbind: kill: unknown signal '%s' (use a name like TERM or a number)\n",
                argv[optind + 1]);
        return 1;
    }
    if (bolt_rt_kill(nvbind_g.root, argv[optind], sig, all, &err) < 0)
        return fail(&err);
    return 0;
}

int
cmd_nvbind_delete(int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    struct bolt_err err = {0};
    bool force = false;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
        if (c == 'f') {
            force = true;
        } else if (c == 'h') {
            printf("usage: nvbind delete [--force] ID\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (one_id(argc, argv, "delete [--force] ID") < 0)
        return CLI_EXIT_USAGE;
    if (bolt_rt_delete(nvbind_g.root, argv[optind], force, &err) < 0) {
        /* runc: deleting a container that does not exist with --force is not an error. */
        if (force && err.errnum == ENOENT)
            return 0;
        return fail(&err);
    }
    return 0;
}

static int
format_opt(int argc, char **argv, const char *usage, bool *json, bool *quiet)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0) {
                cli_usage_error("nvbind", "--format: expected table or json, got '%s'", optarg);
                return -1;
            }
            *json = strcmp(optarg, "json") == 0;
            break;
        case 'q':
            if (quiet)
                *quiet = true;
            break;
        case 'h':
            printf("usage: nvbind %s\n", usage);
            return -2;
        default:
            return -1;
        }
    }
    return 0;
}

int
cmd_nvbind_list(int argc, char **argv)
{
    struct bolt_err err = {0};
    cleanup_strv char **ids = NULL;
    bool json = false, quiet = false;
    int r = format_opt(argc, argv, "list [--format table|json] [--quiet]", &json, &quiet);

    if (r < 0)
        return r == -2 ? 0 : CLI_EXIT_USAGE;
    if (bolt_rt_list(nvbind_g.root, &ids, &err) < 0)
        return fail(&err);
    if (json)
        printf("[");
    else if (!quiet)
        printf("%-24s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
    for (size_t i = 0; ids[i]; i++) {
        struct bolt_rt_state st;
        if (bolt_rt_state_get(nvbind_g.root, ids[i], &st, &err) < 0)
            continue;
        if (json) {
            cleanup_free char *js = bolt_rt_state_json(&st);
            printf("%s%s", i ? "," : "", js);
        } else if (quiet) {
            printf("%s\n", st.id);
        } else {
            printf("%-24s %-8d %-10s %-40s %s\n", st.id, (int)st.pid,
                   bolt_rt_status_name(st.status), st.bundle, st.created);
        }
        bolt_rt_state_fini(&st);
    }
    if (json)
        printf("]\n");
    return 0;
}

int
cmd_nvbind_ps(int argc, char **argv)
{
    struct bolt_err err = {0};
    cleanup_free pid_t *pids = NULL;
    size_t n = 0;
    bool json = false;
    int r = format_opt(argc, argv, "ps [--format table|json] ID", &json, NULL);

    if (r < 0)
        return r == -2 ? 0 : CLI_EXIT_USAGE;
    if (one_id(argc, argv, "ps [--format table|json] ID") < 0)
        return CLI_EXIT_USAGE;
    if (bolt_rt_ps(nvbind_g.root, argv[optind], &pids, &n, &err) < 0)
        return fail(&err);
    if (json) {
        printf("[");
        for (size_t i = 0; i < n; i++)
            printf("%s%d", i ? "," : "", (int)pids[i]);
        printf("]\n");
        return 0;
    }
    printf("%-8s %s\n", "PID", "CMD");
    for (size_t i = 0; i < n; i++) {
        char path[64];
        cleanup_free char *cmd = NULL;
        size_t len = 0;
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pids[i]);
        cmd = bolt_read_file(path, &len, NULL);
        for (size_t j = 0; cmd && j + 1 < len; j++) {
            if (cmd[j] == '\0')
                cmd[j] = ' ';
        }
        printf("%-8d %s\n", (int)pids[i], cmd ? cmd : "?");
    }
    return 0;
}
