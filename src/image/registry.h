/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_REGISTRY_H
#define BOLT_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/digest.h"
#include "image/progress.h"
#include "util/err.h"

/*
 * A client of one registry (distribution API v2) over libcurl. Plain HTTP is used for
 * loopback registries (localhost, 127.0.0.0/8, ::1), for hosts listed in
 * $BOLT_INSECURE_REGISTRIES (comma-separated host[:port]) and with opts.insecure;
 * HTTPS with certificate checks otherwise.
 */
struct bolt_registry_opts {
    const char *authfile; /* NULL: the default lookup of auth.h */
    const char *user;     /* explicit credentials (bolt login); NULL: look them up */
    const char *pass;
    bool insecure;
};

struct bolt_registry;

/* A client for one registry domain: http for loopback, --insecure or listed insecure
 * registries, https otherwise; credentials from opts or the auth file. Free with
 * bolt_registry_free (NULL is fine). Returns NULL with err set when the auth file is bad. */
struct bolt_registry *bolt_registry_new(const char *domain, const struct bolt_registry_opts *opts,
                                        struct bolt_err *err);
void bolt_registry_free(struct bolt_registry *r);

/*
 * GET /v2/ and learn how the registry authenticates (none, Basic, Bearer). With credentials
 * it checks them (a Bearer registry is asked for a token). Returns 0 or -1 ("registry X is
 * not reachable ...", "... 401 ... bolt login X").
 */
int bolt_registry_ping(struct bolt_registry *r, struct bolt_err *err);

/*
 * Fetch the manifest repo:reference (a tag or a digest). body/ctype are heap; digest gets
 * the sha256 of the body, which is checked when reference is a digest.
 */
int bolt_registry_get_manifest(struct bolt_registry *r, const char *repo, const char *reference,
                               char **body, size_t *len, char **ctype,
                               char digest[BOLT_DIGEST_LEN], struct bolt_err *err);

/* One blob to download into dest (a new file); done() runs once it is verified. */
struct bolt_blob_fetch {
    const char *digest;
    int64_t size;
    char *dest;
    size_t progress_idx;
    void *user;
};
typedef int (*bolt_blob_done_fn)(struct bolt_blob_fetch *f, void *ctx, struct bolt_err *err);

/*
 * Download blobs in parallel (curl multi, at most 4 at a time). Each is hashed while it
 * streams and refused when its digest or size is wrong. 5xx, 429 and connection resets are
 * retried with exponential backoff (4 attempts); redirects are followed (credentials are not
 * sent to other hosts). Returns 0, or -1 with the first error (other transfers stop).
 */
int bolt_registry_fetch_blobs(struct bolt_registry *r, const char *repo,
                              struct bolt_blob_fetch *blobs, size_t n, struct bolt_progress *prog,
                              bolt_blob_done_fn done, void *ctx, struct bolt_err *err);

/* True when domain is a loopback host. */
bool bolt_registry_is_loopback(const char *domain);

#endif
