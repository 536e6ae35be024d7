/* SPDX-License-Identifier: Apache-2.0 */
#include "cli/engine_cli.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/container.h"

int
engine_cli_store(struct bolt_ctr_store *st, struct bolt_err *err)
{
    if (bolt_ctrs_init(st, cli_g.root, cli_g.runroot, err) < 0)
        return bolt_err_wrap(err, "open the container store (--root '%s', --runroot '%s')",
                             cli_g.root, cli_g.runroot);
    return 0;
}

const char *
engine_cli_human_duration(int64_t ns, char *buf, size_t len)
{
    int64_t s = ns / 1000000000LL;

    if (s < 1)
        snprintf(buf, len, "Less than a second");
    else if (s == 1)
        snprintf(buf, len, "1 second");
    else if (s < 60)
        snprintf(buf, len, "%lld seconds", (long long)s);
    else if (s < 120)
        snprintf(buf, len, "About a minute");
    else if (s < 3600)
        snprintf(buf, len, "%lld minutes", (long long)(s / 60));
    else if (s < 7200)
        snprintf(buf, len, "About an hour");
    else if (s < 48 * 3600)
        snprintf(buf, len, "%lld hours", (long long)(s / 3600));
    else
        snprintf(buf, len, "%lld days", (long long)(s / 86400));
    return buf;
}

const char *
engine_cli_human_size(uint64_t b, char *buf, size_t len)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int u = 0;

    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, len, u ? "%.2f%s" : "%.0f%s", v, units[u]);
    return buf;
}

const char *
engine_cli_status(const struct bolt_container *c, char *buf, size_t len)
{
    char d[48];
    int64_t now = bolt_now_ns();

    switch (c->status) {
    case BOLT_CTR_RUNNING:
        snprintf(buf, len, "Up %s", engine_cli_human_duration(now - c->started_ns, d, sizeof(d)));
        break;
    case BOLT_CTR_RESTARTING:
        snprintf(buf, len, "Restarting (%d) %s ago", c->exit_code,
                 engine_cli_human_duration(now - c->finished_ns, d, sizeof(d)));
        break;
    case BOLT_CTR_EXITED:
        snprintf(buf, len, "Exited (%d) %s ago", c->exit_code,
                 engine_cli_human_duration(now - c->finished_ns, d, sizeof(d)));
        break;
    case BOLT_CTR_DEAD:
        snprintf(buf, len, "Dead (monitor died)");
        break;
    case BOLT_CTR_CREATED:
    default:
        snprintf(buf, len, "Created");
        break;
    }
    return buf;
}

int
engine_cli_each(const struct bolt_ctr_store *st, int argc, char **argv, int first,
                int (*fn)(const struct bolt_ctr_store *st, struct bolt_container *c, void *arg,
                          struct bolt_err *err),
                void *arg, bool print_name)
{
    int rc = 0;

    for (int i = first; i < argc; i++) {
        struct bolt_err err = {0};
        struct bolt_container *c = bolt_ctrs_lookup(st, argv[i], &err);
        if (!c || fn(st, c, arg, &err) < 0) {
            bolt_err_print("bolt", &err);
            rc = CLI_EXIT_FAIL;
        } else if (print_name) {
            printf("%s\n", argv[i]);
        }
        bolt_container_free(c);
    }
    return rc;
}
