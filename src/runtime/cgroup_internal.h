/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CGROUP_INTERNAL_H
#define BOLT_CGROUP_INTERNAL_H

/* Shared by the cgroup*.c files only; not part of the API. */

#include <stdbool.h>
#include <stddef.h>

#include "runtime/cgroup.h"

struct bolt_cgroup {
    struct bolt_cgroup_layout *layout;
    char *path;     /* "/bolt/<id>" */
    char **dirs;    /* per hierarchy (layout->n_hiers): mount + path */
    char **created; /* NULL-terminated: directories this handle made, parents first */
};

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
