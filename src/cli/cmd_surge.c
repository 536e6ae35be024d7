/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bolt surge: multi-service stacks from a Boltfile.toml. This file holds the verb's
 * front end (global -f/-p options, subcommand table) and the subcommands that only
 * read the file: config and validate.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltfile/boltfile.h"
#include "cli/cli.h"
#include "cli/cmd_surge.h"
#include "cli/cmds_bolt.h"
#include "util/mem.h"

struct surge_cmd {
    const char *name;
    int (*fn)(struct surge_opts *o, int argc, char **argv);
    const char *summary;
};

struct bolt_boltfile *
surge_load(const struct surge_opts *o, char **found)
{
    struct bolt_err err = {0};
    struct bolt_bf_diags diags = {0};
    cleanup_free char *path = bolt_boltfile_find(o->file, &err);
    struct bolt_boltfile *bf;

    if (path == NULL) {
        char cwd[4096];
        if (o->file == NULL && err.errnum == 0 && getcwd(cwd, sizeof(cwd)) != NULL) {
            /* name every directory searched, nearest first */
            fprintf(stderr, "bolt surge: no %s found; searched %s", BOLT_BOLTFILE_NAME, cwd);
            for (char *slash = strrchr(cwd, '/'); slash != NULL; slash = strrchr(cwd, '/')) {
                if (slash == cwd) {
                    if (cwd[1] != '\0')
                        fprintf(stderr, ", /");
                    break;
                }
                *slash = '\0';
                fprintf(stderr, ", %s", cwd);
            }
            fprintf(stderr, " (create one, or name it with -f FILE)\n");
            return NULL;
        }
        bolt_err_print("bolt surge", &err);
        return NULL;
    }
    bf = bolt_boltfile_load(path, o->project, &diags, &err);
    for (size_t i = 0; i < diags.n; i++)
        fprintf(stderr, "%s\n", diags.msgs[i]);
    bolt_bf_diags_fini(&diags);
    if (bf == NULL)
        bolt_err_print("bolt surge", &err);
    else if (found != NULL)
        *found = steal_ptr(&path);
    return bf;
}

int
surge_getopt(struct surge_opts *o, int argc, char **argv, const char *optstring,
             const struct option *opts)
{
    int c;

    while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
        if (c == 'f')
            o->file = optarg;
        else if (c == 'p')
            o->project = optarg;
        else
            return c;
    }
    return -1;
}

static void
config_usage(FILE *out)
{
    fprintf(out, "usage: bolt surge config [-f FILE] [-p PROJECT] [--format toml|json] [-q] "
                 "[--services]\n\n"
                 "Validate the Boltfile and print the normalized stack: sizes in bytes, "
                 "durations\nas 1m30s, paths absolute, defaults filled in.\n\n"
                 "  -f, --file FILE      the Boltfile (default: Boltfile.toml here or in a "
                 "parent)\n"
                 "  -p, --project NAME   project name (default: `project` or the directory)\n"
                 "      --format FORMAT  toml (default) or json\n"
                 "  -q, --quiet          only validate, print nothing\n"
                 "      --services       print the service names in start order\n");
}

static int
surge_config(struct surge_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"file", required_argument, NULL, 'f'},
        {"project", required_argument, NULL, 'p'},
        {"format", required_argument, NULL, 'F'},
        {"quiet", no_argument, NULL, 'q'},
        {"services", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, quiet = false, services = false;
    struct bolt_boltfile *bf;
    int c;

    optind = 0;
    while ((c = surge_getopt(o, argc, argv, "+f:p:qh", opts)) != -1) {
        if (c == 'F' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "toml") == 0))
            json = strcmp(optarg, "json") == 0;
        else if (c == 'F')
            return cli_usage_error("bolt surge config",
                                   "--format: unknown format '%s' "
                                   "(expected toml or json)",
                                   optarg);
        else if (c == 'q')
            quiet = true;
        else if (c == 'S')
            services = true;
        else if (c == 'h') {
            config_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            config_usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage_error("bolt surge config", "unexpected argument '%s'", argv[optind]);
    bf = surge_load(o, NULL);
    if (bf == NULL)
        return CLI_EXIT_FAIL;
    if (services) {
        size_t *order = xcalloc(bf->n_services + 1, sizeof(size_t));
        bolt_boltfile_start_order(bf, order);
        for (size_t i = 0; i < bf->n_services; i++)
            printf("%s\n", bf->services[order[i]].name);
        free(order);
    } else if (!quiet) {
        cleanup_free char *text = bolt_boltfile_format(bf, json);
        fputs(text, stdout);
    }
    bolt_boltfile_free(bf);
    return CLI_EXIT_OK;
}

static int
surge_validate(struct surge_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"file", required_argument, NULL, 'f'},
        {"project", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_boltfile *bf;
    cleanup_free char *path = NULL;
    int c;

    optind = 0;
    while ((c = surge_getopt(o, argc, argv, "+f:p:h", opts)) != -1) {
        FILE *out = c == 'h' ? stdout : stderr;
        fprintf(out, "usage: bolt surge validate [-f FILE] [-p PROJECT]\n\n"
                     "Check the Boltfile and report every problem as FILE:LINE:COL: message.\n"
                     "Exit status 0 when it is valid, 1 when it is not.\n");
        return c == 'h' ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("bolt surge validate", "unexpected argument '%s'", argv[optind]);
    bf = surge_load(o, &path);
    if (bf == NULL)
        return CLI_EXIT_FAIL;
    printf("%s: valid (project %s, %zu service%s)\n", path, bf->project, bf->n_services,
           bf->n_services == 1 ? "" : "s");
    bolt_boltfile_free(bf);
    return CLI_EXIT_OK;
}

static const struct surge_cmd surge_cmds[] = {
    {"config", surge_config, "validate and print the normalized stack"},
    {"validate", surge_validate, "check the Boltfile and report every problem"},
    /* SURGE-COMMANDS: one line per subcommand (up, down, status, logs, ...) */
    {"up", surge_cmd_up, "create and start the services in dependency order"},
    {"down", surge_cmd_down, "stop and remove the project's containers"},
    {"status", surge_cmd_status, "the project's containers and their health"},
    {"ps", surge_cmd_status, "same as status"},
    {"logs", surge_cmd_logs, "the services' output, prefixed by service"},
    {"start", surge_cmd_start, "start existing containers"},
    {"stop", surge_cmd_stop, "stop the services"},
    {"restart", surge_cmd_restart, "stop and start the services"},
    {"pull", surge_cmd_pull, "pull the services' images"},
    {"exec", surge_cmd_exec, "run a command in a service's container"},
    {NULL, NULL, NULL},
};

static void
surge_usage(FILE *out)
{
    fprintf(out, "usage: bolt surge [-f FILE] [-p PROJECT] COMMAND [ARG...]\n\n"
                 "Run stacks of services described in Boltfile.toml (found in the current "
                 "directory\nor its parents).\n\nCommands:\n");
    for (const struct surge_cmd *c = surge_cmds; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nOptions:\n"
                 "  -f, --file FILE      the Boltfile\n"
                 "  -p, --project NAME   project name\n");
}

int
cmd_bolt_surge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"file", required_argument, NULL, 'f'},
        {"project", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct surge_opts o = {0};
    int c;

    optind = 0;
    while ((c = surge_getopt(&o, argc, argv, "+f:p:h", opts)) != -1) {
        surge_usage(c == 'h' ? stdout : stderr);
        return c == 'h' ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    if (optind >= argc) {
        surge_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    for (const struct surge_cmd *s = surge_cmds; s->name; s++)
        if (strcmp(s->name, argv[optind]) == 0)
            return s->fn(&o, argc - optind, argv + optind);
    fprintf(stderr, "bolt surge: unknown command '%s'; commands are:", argv[optind]);
    for (const struct surge_cmd *s = surge_cmds; s->name; s++)
        fprintf(stderr, " %s", s->name);
    fprintf(stderr, "\n");
    return CLI_EXIT_USAGE;
}
