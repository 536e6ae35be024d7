/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds_nvbind.h"
#include "runtime/cgroup_systemd.h"
#include "util/fs.h"
#include "util/log.h"

/* Global options of the OCI runtime (runc-compatible). */
struct nvbind_globals nvbind_g;

static const struct cli_cmd nvbind_cmds[] = {
    /* NVBIND-COMMANDS: one line per verb */
    {"cdi", cmd_nvbind_cdi, "generate, list or validate CDI specs"},
    {"hook", cmd_nvbind_hook, "OCI hooks for CDI specs (update-ldcache, create-symlinks)"},
    {"create", cmd_nvbind_create, "create a container (waits for start)"},
    {"start", cmd_nvbind_start, "start a created container"},
    {"run", cmd_nvbind_run, "create, start and wait for a container"},
    {"state", cmd_nvbind_state, "print a container's OCI state JSON"},
    {"kill", cmd_nvbind_kill, "send a signal to a container"},
    {"delete", cmd_nvbind_delete, "delete a stopped container (--force: any)"},
    {"exec", cmd_nvbind_exec, "run a process in a running container"},
    {"list", cmd_nvbind_list, "list containers"},
    {"ps", cmd_nvbind_ps, "list the processes of a container"},
    {"spec", cmd_nvbind_spec, "write a default config.json"},
    {"features", cmd_nvbind_features, "print the runtime-spec features JSON"},
    {"pause", cmd_nvbind_pause, "freeze every process of a container"},
    {"resume", cmd_nvbind_resume, "thaw a paused container"},
    {NULL, NULL, NULL},
};

static void
usage(FILE *out)
{
    fprintf(out, "usage: nvbind [--root DIR] [--log FILE] [--log-format text|json] [--debug] "
                 "[--systemd-cgroup] COMMAND [ARG...]\n\n"
                 "An OCI runtime (runc-compatible) with NVIDIA GPU injection.\n\nCommands:\n");
    for (const struct cli_cmd *c = nvbind_cmds; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"log", required_argument, NULL, 'l'},
        {"log-format", required_argument, NULL, 'f'},
        {"debug", no_argument, NULL, 'd'},
        {"systemd-cgroup", no_argument, NULL, 's'},
        {"rootless", required_argument, NULL, 'L'},
        {"criu", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    bool log_file = false;
    int c;

    bolt_stdio_ensure();
    bolt_log_set_prog("nvbind");
    bolt_log_init_from_env();
    nvbind_g.root = "/run/nvbind";
    while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            nvbind_g.root = optarg;
            break;
        case 'l':
            if (bolt_log_set_file(optarg) < 0) {
                fprintf(stderr, "nvbind: --log: cannot open '%s'\n", optarg);
                return 1;
            }
            log_file = true;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                bolt_log_set_json(true);
            else if (strcmp(optarg, "text") != 0)
                return cli_usage_error("nvbind", "--log-format: expected text or json, got '%s'",
                                       optarg);
            break;
        case 'd':
            bolt_log_set_level(BOLT_LOG_DEBUG);
            break;
        case 's':
            nvbind_g.systemd_cgroup = true;
            bolt_cgroup_set_driver(BOLT_CGROUP_DRIVER_SYSTEMD);
            break;
        case 'L':
        case 'C':
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'v':
            printf("nvbind version %s\nspec: 1.2.0\n", cli_version_string());
            return 0;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    /* errors also go to --log, where containerd's shim looks for the cause of a failure */
    if (log_file && bolt_log_tee_stderr() < 0)
        fprintf(stderr, "nvbind: warning: --log: cannot copy errors to the log file\n");
    argv += optind;
    argc -= optind;
    optind = 0;
    return cli_dispatch("nvbind", nvbind_cmds, argc, argv);
}
