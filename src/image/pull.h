/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_PULL_H
#define BOLT_IMAGE_PULL_H

#include <stdbool.h>
#include <stdio.h>

#include "util/err.h"

struct bolt_pull_opts {
    const char *platform; /* "os/arch[/variant]"; NULL: the host's */
    const char *authfile; /* NULL: default credential lookup (auth.h) */
    bool insecure;        /* plain HTTP / no TLS verification (--tls-verify=false) */
    bool quiet;           /* no progress output */
    FILE *progress;       /* where progress goes (stderr when NULL) */
};

/*
 * Pull ref from its registry into the store under root: manifest (index -> platform),
 * config and layers (downloaded in parallel, verified, unpacked once per diffID while the
 * others download). *id (may be NULL) gets the image ID. Safe to run concurrently and to
 * kill at any point. Returns 0 or -1 with one line naming the reference or layer.
 */
int bolt_image_pull(const char *root, const char *ref, const struct bolt_pull_opts *opts,
                    char **id, struct bolt_err *err);

#endif
