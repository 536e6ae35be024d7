/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CMD_SURGE_H
#define BOLT_CMD_SURGE_H

/*
 * Shared by the `bolt surge` subcommands. A subcommand is a function
 * int fn(struct surge_opts *o, int argc, char **argv) (argv[0] is its name) listed in
 * cmd_surge.c's table at SURGE-COMMANDS; it may live in its own cmd_surge_<name>.c with
 * its prototype below.
 */

#include <getopt.h>

#include "boltfile/boltfile.h"

/* Options every surge subcommand understands, before or after the subcommand name. */
struct surge_opts {
    const char *file;    /* -f: the Boltfile, default: search the cwd and its parents */
    const char *project; /* -p: project name, default: the file's `project` or its directory */
};

/*
 * Find and load the stack named by o. On problems prints each "FILE:LINE:COL: message"
 * and a summary line to stderr and returns NULL (exit with CLI_EXIT_FAIL). found (if not
 * NULL) gets the Boltfile's path as found (caller frees).
 */
struct bolt_boltfile *surge_load(const struct surge_opts *o, char **found);

/*
 * getopt_long for a subcommand: handles -f/--file and -p/--project itself (they must be
 * in optstring/opts) and returns every other option like getopt_long, -1 at the end.
 */
int surge_getopt(struct surge_opts *o, int argc, char **argv, const char *optstring,
                 const struct option *opts);

/* SURGE-CMD-DECLS: prototypes of subcommands living in other files */
/* cmd_surge_run.c: the subcommands that run the stack */
int surge_cmd_up(struct surge_opts *o, int argc, char **argv);
int surge_cmd_down(struct surge_opts *o, int argc, char **argv);
int surge_cmd_status(struct surge_opts *o, int argc, char **argv);
int surge_cmd_logs(struct surge_opts *o, int argc, char **argv);
int surge_cmd_start(struct surge_opts *o, int argc, char **argv);
int surge_cmd_stop(struct surge_opts *o, int argc, char **argv);
int surge_cmd_restart(struct surge_opts *o, int argc, char **argv);
int surge_cmd_pull(struct surge_opts *o, int argc, char **argv);
int surge_cmd_exec(struct surge_opts *o, int argc, char **argv);

#endif
