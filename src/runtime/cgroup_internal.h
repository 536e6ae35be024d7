/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CGROUP_INTERNAL_H
#define BOLT_CGROUP_INTERNAL_H

/* Shared by the cgroup*.c files only; not part of the API. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "runtime/cgroup.h"

struct bolt_cgroup {
    struct bolt_cgroup_layout *layout;
    char *path;           /* "/bolt/<id>" */
    char **dirs;          /* per hierarchy (layout->n_hiers): mount + path */
    char **created;       /* NULL-terminated: directories this handle made, parents first */
    struct cgroup_sd *sd; /* systemd driver state (cgroup_systemd.c); NULL: cgroupfs */
};

/* A handle on path in every hierarchy of layout (copied); path is taken over. */
struct bolt_cgroup *cgroup_handle_new(const struct bolt_cgroup_layout *layout, char *path);

/* mkdir every missing component of cg->path in hierarchy h (recorded in cg->created);
 * an existing leaf is EEXIST. */
int cgroup_make_dirs(struct bolt_cgroup *cg, size_t h, struct bolt_err *err);

/*
 * The systemd driver (cgroup_systemd.c). create parses a "slice:prefix:name" path and
 * reaches systemd, but starts no unit: start (from bolt_cgroup_enter, once the container
 * init exists) starts the scope with PIDs=[pid], creates the path in the hierarchies
 * systemd did not, applies res (borrowed from create until then) and the device rules
 * defer_devices kept (it returns false once the unit is started). stop stops the unit.
 */
struct json_t;
struct bolt_cgroup *cgroup_sd_create(const struct bolt_cgroup_layout *layout,
                                     const char *cgroups_path, const char *id,
                                     const struct bolt_oci_resources *res, struct bolt_err *err);
bool cgroup_sd_defer_devices(struct bolt_cgroup *cg, const struct bolt_oci_device_rule *rules,
                             size_t n);
int cgroup_sd_start(struct bolt_cgroup *cg, pid_t pid, struct bolt_err *err);
int cgroup_sd_stop(struct bolt_cgroup *cg, struct bolt_err *err);
bool cgroup_sd_started(const struct bolt_cgroup *cg); /* or restored from a state string */
void cgroup_sd_free(struct cgroup_sd *sd);
/* The "systemd" member of the state JSON ({unit, slice}); from_json: absent is fine. */
void cgroup_sd_to_json(const struct cgroup_sd *sd, struct json_t *root);
int cgroup_sd_from_json(struct json_t *root, struct bolt_cgroup *cg, struct bolt_err *err);

/* Deep copy of a layout. */
struct bolt_cgroup_layout *cgroup_layout_dup(const struct bolt_cgroup_layout *l);

/* Index of the hierarchy that serves controller (v1 first, then cgroup2), or -1. */
int cgroup_hier_for(const struct bolt_cgroup_layout *l, const char *controller);

/* Index of the cgroup2 hierarchy, or -1. */
int cgroup_unified(const struct bolt_cgroup_layout *l);

/* "memory cpu ..." of the layout, for error messages (new string). */
char *cgroup_layout_describe(const struct bolt_cgroup_layout *l);

/* Write val to dir/file. Errors name the value and the file. */
int cgroup_write(const char *dir, const char *file, const char *val, struct bolt_err *err);

/* Read dir/file, trailing whitespace stripped (new string) or NULL. */
char *cgroup_read(const char *dir, const char *file, struct bolt_err *err);

/* True when dir/file exists. */
bool cgroup_has_file(const char *dir, const char *file);

/* Apply every limit of res (devices excluded). */
int cgroup_apply_resources(struct bolt_cgroup *cg, const struct bolt_oci_resources *res,
                           struct bolt_err *err);

/* Attach the device program for rules to the cgroup2 directory dir (v2 device control). */
int cgroup_bpf_attach_rules(const char *dir, const struct bolt_oci_device_rule *rules, size_t n,
                            struct bolt_err *err);

/*
 * The path of the pids/memory/cgroup2 line of a /proc/<pid>/cgroup text, relative to the
 * mount of that hierarchy in l (its mountinfo root removed). New string or NULL (err set).
 */
char *cgroup_proc_path(const char *text, const struct bolt_cgroup_layout *l, struct bolt_err *err);

/* Add the read/write byte counts of blkio.throttle.io_service_bytes_recursive (v1) or
 * io.stat (cgroup2) text to st. */
void cgroup_parse_io_v1(const char *text, struct bolt_cgroup_stats *st);
void cgroup_parse_io_v2(const char *text, struct bolt_cgroup_stats *st);

#endif
