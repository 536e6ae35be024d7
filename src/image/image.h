/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_IMAGE_H
#define BOLT_IMAGE_IMAGE_H

/*
 * What the engine needs from the image store. root is the bolt root (--root / BOLT_ROOT,
 * default /var/lib/bolt); the store lives in <root>/image (see store.h for the layout).
 */

#include <stdbool.h>
#include <stddef.h>

#include "image/config.h"
#include "util/err.h"

struct bolt_image {
    char *id;              /* "sha256:<hex>": the digest of the image config */
    char *name;            /* full name it was found by ("docker.io/library/x:latest") or NULL */
    char *manifest_digest; /* "sha256:<hex>" */
    char **lowerdirs;      /* absolute paths of the unpacked layers, TOPMOST FIRST, NULL-term. */
    size_t n_lowerdirs;    /* 0 for an image without layers */
    struct bolt_image_config config;
};

/*
 * Find an image by name ("busybox", "127.0.0.1:5000/x:1", "x@sha256:..") or by ID / unique ID
 * prefix, check that its layers are unpacked (unpacking any that are missing, e.g. after a
 * crash) and parse its config. Returns a heap image (free with bolt_image_free) or NULL with
 * a one-line error; a missing image gives "image 'x' not found in the store (pull it ...)".
 */
struct bolt_image *bolt_image_resolve(const char *root, const char *ref, struct bolt_err *err);
/*
 * bolt_image_resolve for the run path: the manifest and config are read from the store
 * without hashing them again (bolt_store_read_blob_trusted, image/store.h: they were
 * verified before they entered it), so a start loads no libcrypto. Layers missing from the
 * store are still unpacked from verified blobs.
 */
struct bolt_image *bolt_image_resolve_trusted(const char *root, const char *ref,
                                              struct bolt_err *err);
void bolt_image_free(struct bolt_image *img);

/*
 * True when ref names an image in the store (no unpacking, no errors): `bolt run` pulls
 * with bolt_image_pull (image/pull.h) when this is false, then calls bolt_image_resolve.
 */
bool bolt_image_exists(const char *root, const char *ref);

/* "dir1:dir2:..." for overlayfs lowerdir= (topmost first). Caller frees. "" without layers. */
char *bolt_image_lowerdir_option(const struct bolt_image *img);

/*
 * Record that container_id uses image_id (creates <root>/image/refs/<id-hex>/<container_id>).
 * Create <root>/containers/<container_id>/ first: refs of containers whose directory is gone
 * are treated as stale. durable: the entry survives a host crash (one fsync of the refs
 * directory); a --rm container, which vanishes anyway, skips it. Idempotent. Returns 0 or -1.
 */
int bolt_image_mark_used(const char *root, const char *image_id, const char *container_id,
                         bool durable, struct bolt_err *err);
/* Remove that record (missing is fine). Returns 0 or -1. */
int bolt_image_unmark_used(const char *root, const char *image_id, const char *container_id,
                           struct bolt_err *err);
/* Containers that use image_id (NULL-terminated vector, caller frees with bolt_strv_free). */
char **bolt_image_users(const char *root, const char *image_id);

#endif
