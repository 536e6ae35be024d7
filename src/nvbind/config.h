/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_CONFIG_H
#define BOLT_NVBIND_CONFIG_H

/*
 * Where the NVIDIA driver lives. driver_root holds the driver's files (libraries, binaries,
 * /etc/ld.so.cache, firmware, JSON files, IPC sockets); dev_root the /dev nodes; proc_root
 * /proc (driver/nvidia, devices); sys_root /sys (module/, bus/pci/). Each is "/" by default;
 * a driver installed in a container (GPU operators) uses e.g. /run/nvidia/driver, and the
 * tests point all four at a fake driver root.
 *
 * Precedence, lowest first: defaults, the config file (/etc/bolt/nvbind.toml or
 * $BOLT_NVBIND_CONFIG), the environment (BOLT_DRIVER_ROOT, BOLT_DEV_ROOT, BOLT_PROC_ROOT,
 * BOLT_SYS_ROOT), then command-line flags (--driver-root ...; set the fields directly).
 */

#include <stdbool.h>

#include "util/err.h"

#define BOLT_NV_CONFIG_FILE "/etc/bolt/nvbind.toml"

struct bolt_nv_config {
    char *driver_root;
    char *dev_root;
    char *proc_root;
    char *sys_root;
    char *config_file; /* the file that was read, or NULL */
};

/* Defaults ("/" for every root). Release with bolt_nv_config_fini. */
void bolt_nv_config_init(struct bolt_nv_config *cfg);
void bolt_nv_config_fini(struct bolt_nv_config *cfg);

/*
 * Read the TOML file at path into cfg (top-level keys driver_root, dev_root, proc_root,
 * sys_root; other keys belong to other features and are left alone). A missing file is
 * fine when optional is true. Errors name the file, line and key.
 */
int bolt_nv_config_load_file(struct bolt_nv_config *cfg, const char *path, bool optional,
                             struct bolt_err *err);

/* Apply BOLT_DRIVER_ROOT / BOLT_DEV_ROOT / BOLT_PROC_ROOT / BOLT_SYS_ROOT when set. */
void bolt_nv_config_apply_env(struct bolt_nv_config *cfg);

/*
 * Defaults + config file + environment: what every command starts from before its flags.
 * Each root must be an absolute path to an existing directory.
 */
int bolt_nv_config_load(struct bolt_nv_config *cfg, struct bolt_err *err);

/* Replace one root (flags); value must be absolute. which is "driver", "dev", "proc", "sys". */
int bolt_nv_config_set_root(struct bolt_nv_config *cfg, const char *which, const char *value,
                            struct bolt_err *err);

/* Check that every root is an absolute, existing directory (one line naming the bad one). */
int bolt_nv_config_validate(const struct bolt_nv_config *cfg, struct bolt_err *err);

/* path under root: root "/" gives path itself. Returns a new string. */
char *bolt_nv_path(const char *root, const char *path);

#endif
