/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_STORE_H
#define BOLT_IMAGE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/digest.h"
#include "util/err.h"

/*
 * The image store, under <root>/image (root = --root / BOLT_ROOT, default /var/lib/bolt):
 *
 *   lock                    flock held (LOCK_EX) while index.json is read-modified-written
 *   gc.lock                 LOCK_SH by every pull/load/import while it writes content,
 *                           LOCK_EX by garbage collection (rmi, image prune), so GC never
 *                           deletes content a running pull is about to reference
 *   index.json              {"version":1,"images":{"sha256:<id>":{"manifest":"sha256:..",
 *                           "names":["docker.io/library/busybox:latest"],
 *                           "digests":["docker.io/library/busybox@sha256:.."],"added":T}}}
 *                           the image ID is the digest of the image config
 *   blobs/sha256/<hex>      verified content (manifests, configs, compressed layers)
 *   layers/<hex>/           a layer unpacked for overlayfs, named by its diffID (the sha256 of
 *                           the uncompressed tar, checked while unpacking); shared by every
 *                           image with that layer
 *   tmp/<name>/             staging; each is flocked by the process that owns it. Content
 *                           only leaves tmp by rename(2) after it was verified, so a process
 *                           killed at any point leaves at most an unlocked tmp entry, which
 *                           the next command removes (bolt_store_open).
 *   refs/<id-hex>/<ctr-id>  "container <ctr-id> uses image <id>": an empty file created by
 *                           bolt_image_mark_used (image.h) and removed by
 *                           bolt_image_unmark_used. rmi refuses an image with refs unless
 *                           forced. A ref whose <root>/containers/<ctr-id>/ directory does not
 *                           exist is stale and is ignored and removed, so the engine must
 *                           create that directory before marking the image used. As a second
 *                           source, <root>/containers/<ctr-id>/config.json with a top-level
 *                           "image" member equal to the image ID also counts as a use.
 */
struct bolt_store {
    char *root;     /* <bolt root> */
    char *dir;      /* <bolt root>/image */
    int dirfd;
};

/* Open (and create) the store under bolt_root; removes stale tmp entries. NULL on error. */
struct bolt_store *bolt_store_open(const char *bolt_root, struct bolt_err *err);
void bolt_store_free(struct bolt_store *st);

/* A staging directory under tmp/, flocked for as long as *lockfd is open. */
struct bolt_tmp {
    char *path;
    int fd; /* O_DIRECTORY fd, holds the flock */
};
/* Create and flock a fresh staging directory under the store's tmp/ (a concurrent cleanup
 * never sees it unlocked). Returns 0 with tmp filled, or -1 with err set and tmp empty. */
int bolt_store_tmp_new(struct bolt_store *st, struct bolt_tmp *tmp, struct bolt_err *err);
/* Remove the staging directory and release it. */
void bolt_store_tmp_done(struct bolt_tmp *tmp);

/* Paths (caller frees). */
char *bolt_store_blob_path(const struct bolt_store *st, const char *digest);
char *bolt_store_layer_path(const struct bolt_store *st, const char *diffid);
bool bolt_store_has_blob(const struct bolt_store *st, const char *digest);
bool bolt_store_has_layer(const struct bolt_store *st, const char *diffid);

/*
 * Move a verified file into blobs/ (rename, so readers see all or nothing). A blob that
 * already exists wins (content is the same by construction). Returns 0 or -1.
 */
int bolt_store_commit_blob(struct bolt_store *st, const char *tmp_path, const char *digest,
                           struct bolt_err *err);
/* Store bytes as a blob; writes its digest into out. */
int bolt_store_put_blob(struct bolt_store *st, const void *data, size_t len,
                        char out[BOLT_DIGEST_LEN], struct bolt_err *err);
/* Read a blob and verify it against its digest. Caller frees. */
char *bolt_store_read_blob(const struct bolt_store *st, const char *digest, size_t *len,
                           struct bolt_err *err);
/*
 * Read a blob without hashing it again: content only enters blobs/ by rename(2) after it
 * was verified (pull, load, import), and the store is root's, so its presence there is the
 * verified marker. For the run path, which then loads no libcrypto (~5 ms here); image
 * inspect and save read with bolt_store_read_blob. Caller frees; NULL on error.
 */
char *bolt_store_read_blob_trusted(const struct bolt_store *st, const char *digest, size_t *len,
                                   struct bolt_err *err);

/*
 * Unpack the layer blob `digest` (compressed or not) as diffid into layers/, unless it is
 * there already. The unpack goes to tmp/ and is renamed into place only when the diffID
 * matched. Returns 0 or -1.
 */
int bolt_store_unpack_layer(struct bolt_store *st, const char *digest, const char *diffid,
                            struct bolt_err *err);

/* GC lock: shared while writing content, exclusive for GC. Returns fd or -1. */
int bolt_store_gc_lock(struct bolt_store *st, bool exclusive, bool wait, struct bolt_err *err);

/* index.json, under the index lock. lock returns an fd (release with bolt_lock_release). */
int bolt_store_index_lock(struct bolt_store *st, struct bolt_err *err);
json_t *bolt_store_index_load(struct bolt_store *st, struct bolt_err *err);
int bolt_store_index_save(struct bolt_store *st, json_t *index, struct bolt_err *err);

/*
 * Record an image: id -> manifest, add name (moved from any other image that had it) and
 * repo digest (both may be NULL). Takes the index lock. Returns 0 or -1.
 */
int bolt_store_add_image(struct bolt_store *st, const char *id, const char *manifest_digest,
                         const char *name, const char *repo_digest, struct bolt_err *err);

/*
 * Resolve a user's name for an image: a full or short name ("busybox" ->
 * docker.io/library/busybox:latest), name@digest, "sha256:<id>" or a unique ID prefix
 * (at least 3 hex chars). *id gets "sha256:<hex>", *name (may be NULL) the matching full
 * name or NULL. Returns 0, or -1 with "image 'x' not found ..." (errnum ENOENT).
 */
int bolt_store_resolve(struct bolt_store *st, const char *ref, char **id, char **name,
                       struct bolt_err *err);

/* Container IDs using an image (stale refs removed). Returns a NULL-terminated vector. */
char **bolt_store_image_users(struct bolt_store *st, const char *id);

/* Delete blobs and layers no image references. Takes gc.lock exclusively, non-blocking:
 * if a pull is running, nothing is collected (and 0 is returned). *freed gets bytes. */
int bolt_store_gc(struct bolt_store *st, uint64_t *freed, struct bolt_err *err);

#endif
