/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds_bolt.h"
#include "util/fs.h"
#include "util/log.h"

/* The verb table. Keep it sorted the way `bolt --help` should list it. */
static const struct cli_cmd bolt_cmds[] = {
    {"version", cmd_bolt_version, "show bolt's version"},
    {"surge", cmd_bolt_surge, "run stacks of services from a Boltfile.toml"},
    /* BOLT-COMMANDS: one line per verb, added by each feature */
    {"gaming", cmd_bolt_gaming, "GPU and gaming tools (gaming gpu list|check)"},
    {"run", cmd_bolt_run, "create and run a container"},
    {"create", cmd_bolt_create, "create a container without starting it"},
    {"ps", cmd_bolt_ps, "list containers"},
    {"start", cmd_bolt_start, "start stopped containers"},
    {"stop", cmd_bolt_stop, "stop running containers"},
    {"restart", cmd_bolt_restart, "restart containers"},
    {"kill", cmd_bolt_kill, "send a signal to containers"},
    {"rm", cmd_bolt_rm, "remove containers"},
    {"logs", cmd_bolt_logs, "show a container's output"},
    {"exec", cmd_bolt_exec, "run a command in a running container"},
    {"inspect", cmd_bolt_inspect, "show a container's details as JSON"},
    {"wait", cmd_bolt_wait, "wait for containers to stop, print exit codes"},
    {"top", cmd_bolt_top, "list a container's processes"},
    {"stats", cmd_bolt_stats, "show containers' CPU, memory and pids"},
    {"container", cmd_bolt_container, "manage containers (ls, prune, ...)"},
    {"info", cmd_bolt_info, "show system-wide information"},
    {"__monitor", cmd_bolt_monitor, "(internal) resume a container's monitor"},
    {"pull", cmd_bolt_pull, "pull an image from a registry"},
    {"images", cmd_bolt_images, "list images"},
    {"rmi", cmd_bolt_rmi, "remove images"},
    {"tag", cmd_bolt_tag, "give an image another name"},
    {"load", cmd_bolt_load, "load images from a docker-save or OCI archive"},
    {"import", cmd_bolt_import, "make an image from a rootfs tarball"},
    {"save", cmd_bolt_save, "write an image as an OCI archive"},
    {"image", cmd_bolt_image, "manage images (inspect, prune, ls, rm, ...)"},
    {"login", cmd_bolt_login, "store credentials for a registry"},
    {"logout", cmd_bolt_logout, "remove stored registry credentials"},
    {NULL, NULL, NULL},
};

static void
usage(FILE *out)
{
    fprintf(out, "usage: bolt [--root DIR] [--runroot DIR] [--log-level L] COMMAND [ARG...]\n\n"
                 "A daemonless container engine with NVIDIA GPU passthrough (nvbind).\n\n"
                 "Commands:\n");
    for (const struct cli_cmd *c = bolt_cmds; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nGlobal options:\n"
                 "  --root DIR         persistent state (default /var/lib/bolt, env BOLT_ROOT)\n"
                 "  --runroot DIR      runtime state (default /run/bolt, env BOLT_RUNROOT)\n"
                 "  --log-level LEVEL  error, warn, info or debug (env BOLT_LOG_LEVEL)\n"
                 "  --debug            same as --log-level debug\n"
                 "  -v, --version      print the version\n");
}

int
cmd_bolt_version(int argc, char **argv)
{
    (void)argc;
    if (argv) { /* `bolt version`; `bolt --version` stays one line */
        cli_print_version_details();
        return 0;
    }
    printf("bolt version %s\n", cli_version_string());
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},   {"runroot", required_argument, NULL, 'R'},
        {"log-level", required_argument, NULL, 'l'}, {"debug", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    int c;

    bolt_stdio_ensure();
    bolt_log_set_prog("bolt");
    bolt_log_init_from_env();
    cli_g.root = getenv("BOLT_ROOT") && *getenv("BOLT_ROOT") ? getenv("BOLT_ROOT") : "/var/lib/bolt";
    cli_g.runroot =
        getenv("BOLT_RUNROOT") && *getenv("BOLT_RUNROOT") ? getenv("BOLT_RUNROOT") : "/run/bolt";
    while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            cli_g.root = optarg;
            break;
        case 'R':
            cli_g.runroot = optarg;
            break;
        case 'l': {
            int l = bolt_log_parse_level(optarg);
            if (l < 0)
                return cli_usage_error("bolt", "--log-level: unknown level '%s' (expected error, "
                                               "warn, info or debug)", optarg);
            bolt_log_set_level((enum bolt_log_level)l);
            break;
        }
        case 'd':
            bolt_log_set_level(BOLT_LOG_DEBUG);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'v':
            return cmd_bolt_version(0, NULL);
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    argv += optind;
    argc -= optind;
    optind = 0;
    if (strcmp(argv[0], "help") == 0) {
        usage(stdout);
        return 0;
    }
    return cli_dispatch("bolt", bolt_cmds, argc, argv);
}
