/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CLI_H
#define BOLT_CLI_H

/* Shared by the bolt and nvbind front ends. */

struct cli_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

/* Exit statuses (docker's). */
#define CLI_EXIT_OK       0
#define CLI_EXIT_FAIL     1
#define CLI_EXIT_USAGE    2
#define CLI_EXIT_ENGINE   125
#define CLI_EXIT_NOEXEC   126
#define CLI_EXIT_NOTFOUND 127

/* Global options of the bolt binary, set by main before the verb runs. */
struct cli_globals {
    const char *root;    /* --root / BOLT_ROOT, default /var/lib/bolt */
    const char *runroot; /* --runroot / BOLT_RUNROOT, default /run/bolt */
};
extern struct cli_globals cli_g;

/* "bolt 0.1.0 (commit abc) +SECCOMP +NVIDIA ..." */
const char *cli_version_string(void);

/* Look a verb up in a table and run it; prints the list on an unknown verb. */
int cli_dispatch(const char *prog, const struct cli_cmd *cmds, int argc, char **argv);

/* Print "prog: message" for a usage problem and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
