/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_CONFIG_H
#define BOLT_IMAGE_CONFIG_H

#include <stddef.h>

#include "util/err.h"

/*
 * The parts of an OCI / docker image config that matter to a container. Every vector is
 * NULL-terminated (possibly empty, never NULL after a successful parse except where noted);
 * strings may be NULL when the image does not set them.
 */
struct bolt_image_config {
    char *architecture, *os, *variant;
    char *created;          /* RFC 3339 or NULL */
    char **env;             /* "KEY=value" */
    char **entrypoint;      /* NULL when unset (differs from empty: [] clears) */
    char **cmd;             /* NULL when unset */
    char *working_dir;      /* NULL or "" when unset */
    char *user;             /* NULL when unset */
    char **label_keys;      /* Labels, as parallel vectors */
    char **label_values;
    size_t n_labels;
    char *stop_signal;      /* "SIGTERM", "15", or NULL */
    char **exposed_ports;   /* "80/tcp" */
    char **volumes;         /* "/data" */
    char **diff_ids;        /* rootfs.diff_ids, bottom layer first */
    size_t n_diff_ids;
};

/*
 * Parse an image config blob. what names the source in errors ("config sha256:..").
 * Pure. Returns 0 or -1. Free with bolt_image_config_fini.
 */
int bolt_image_config_parse(const char *buf, size_t len, const char *what,
                            struct bolt_image_config *cfg, struct bolt_err *err);
void bolt_image_config_fini(struct bolt_image_config *cfg);

#endif
