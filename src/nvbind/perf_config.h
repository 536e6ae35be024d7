/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_PERF_CONFIG_H
#define BOLT_NVBIND_PERF_CONFIG_H

/*
 * The nvbind settings of `bolt gaming gpu nvbind` in the nvbind config file
 * (/etc/bolt/nvbind.toml or $BOLT_NVBIND_CONFIG): top-level keys devices ("all" or a --gpu
 * list), performance (default mode of GPU containers), driver (auto, nvidia-open,
 * proprietary, nouveau) and wsl2 (bool). Saving rewrites only these lines and keeps every
 * other line (roots, other features' keys and tables) as it was.
 */

#include <stdbool.h>

#include "util/err.h"

struct bolt_nv_settings {
    char *devices, *performance, *driver; /* NULL = not set */
    int wsl2;                             /* -1 not set, 0, 1 */
};

/* $BOLT_NVBIND_CONFIG when set, else /etc/bolt/nvbind.toml (borrowed). */
const char *bolt_nv_settings_path(void);

/* Read path (a missing file gives all unset). Errors name file:line and the key. */
int bolt_nv_settings_load(struct bolt_nv_settings *s, const char *path, struct bolt_err *err);

/* Check each set value (one line naming the key/flag, the value and what is expected). */
int bolt_nv_settings_validate(const struct bolt_nv_settings *s, struct bolt_err *err);

/* Write s into path atomically (creating the directory), keeping the file's other lines. */
int bolt_nv_settings_save(const struct bolt_nv_settings *s, const char *path, struct bolt_err *err);

void bolt_nv_settings_fini(struct bolt_nv_settings *s);

#endif
