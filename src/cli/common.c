/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bolt-config.h"

struct cli_globals cli_g;

const char *
cli_version_string(void)
{
    return BOLT_VERSION " (commit " BOLT_COMMIT ") +SECCOMP +CAP +CGROUPV1 +CGROUPV2 +NVIDIA";
}

int
cli_usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    return CLI_EXIT_USAGE;
}

int
cli_dispatch(const char *prog, const struct cli_cmd *cmds, int argc, char **argv)
{
    if (argc < 1)
        return cli_usage_error(prog, "missing command (try '%s --help')", prog);
    for (const struct cli_cmd *c = cmds; c->name; c++)
        if (strcmp(c->name, argv[0]) == 0)
            return c->fn(argc, argv);
    fprintf(stderr, "%s: unknown command '%s'; commands are:", prog, argv[0]);
    for (const struct cli_cmd *c = cmds; c->name; c++)
        fprintf(stderr, " %s", c->name);
    fprintf(stderr, "\n");
    return CLI_EXIT_USAGE;
}
