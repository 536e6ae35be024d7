/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CLI_ENGINE_CLI_H
#define BOLT_CLI_ENGINE_CLI_H

/* Helpers shared by the container verbs of `bolt`. */

#include <stdint.h>

#include "engine/container.h"
#include "util/err.h"

/* Open the container store at cli_g.root / cli_g.runroot. */
int engine_cli_store(struct bolt_ctr_store *st, struct bolt_err *err);

/* "Up 5 seconds", "Exited (0) 2 minutes ago", ... into buf. */
const char *engine_cli_status(const struct bolt_container *c, char *buf, size_t len);

/* "3 seconds", "2 minutes", "about an hour" for a duration in ns. */
const char *engine_cli_human_duration(int64_t ns, char *buf, size_t len);

/* "12.3MiB" for bytes. */
const char *engine_cli_human_size(uint64_t bytes, char *buf, size_t len);

/* Apply fn to each container named in argv[first..]; prints errors; returns 0 or 1. */
int engine_cli_each(const struct bolt_ctr_store *st, int argc, char **argv, int first,
                    int (*fn)(const struct bolt_ctr_store *st, struct bolt_container *c, void *arg,
                              struct bolt_err *err),
                    void *arg, bool print_name);

#endif
