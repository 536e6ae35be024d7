/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_REF_H
#define BOLT_IMAGE_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/*
 * A parsed image reference, docker's grammar:
 *   [domain[:port]/]path[:tag][@algo:hex]
 * "busybox" becomes docker.io/library/busybox:latest. A first component is a domain when
 * it contains '.' or ':' or is "localhost". Path components are lowercase
 * [a-z0-9]+ joined by '.', '_', '__' or '-'+; tags are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127};
 * digests are sha256:<64 hex> (other algorithms are rejected).
 */
struct bolt_ref {
    char *domain; /* "docker.io", "127.0.0.1:5000" */
    char *path;   /* "library/busybox" */
    char *tag;    /* "latest" when neither tag nor digest was given; NULL if only a digest */
    char *digest; /* "sha256:..." or NULL */
};

/*
 * Parse s into ref (caller storage; free with bolt_ref_fini). Returns 0 or -1 with a message
 * naming the reference and what is wrong. Pure: no I/O.
 */
int bolt_ref_parse(const char *s, struct bolt_ref *ref, struct bolt_err *err);
void bolt_ref_fini(struct bolt_ref *ref);

/* "domain/path:tag" (or "domain/path@digest" without a tag). Caller frees. */
char *bolt_ref_string(const struct bolt_ref *ref);
/* "domain/path" (the repository). Caller frees. */
char *bolt_ref_repo(const struct bolt_ref *ref);
/* Short form docker prints: drops "docker.io/" and "library/". Caller frees. */
char *bolt_ref_familiar(const char *full);

/* True when s is "sha256:<64 hex>". */
bool bolt_digest_is_valid(const char *s);
/* True when s is 1..64 lowercase hex chars (an image ID or prefix of one). */
bool bolt_ref_is_id_prefix(const char *s);

/* The registry host docker uses for API calls: docker.io -> registry-1.docker.io. */
const char *bolt_ref_api_host(const char *domain);

#endif
