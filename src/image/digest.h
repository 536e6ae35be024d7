/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_DIGEST_H
#define BOLT_IMAGE_DIGEST_H

#include <stddef.h>

#include "util/err.h"

/* "sha256:" + 64 hex + NUL */
#define BOLT_DIGEST_LEN 72

/* Streaming SHA-256 (libcrypto EVP). Caller storage; init cannot fail (aborts on OOM). */
struct bolt_sha256 {
    void *ctx; /* EVP_MD_CTX * */
};

/* Start a SHA-256 (libcrypto EVP; aborts when libcrypto cannot give one), then feed it
 * bytes with update. */
void bolt_sha256_init(struct bolt_sha256 *h);
void bolt_sha256_update(struct bolt_sha256 *h, const void *data, size_t len);
/* Write "sha256:<hex>" into out and release the context. */
void bolt_sha256_final(struct bolt_sha256 *h, char out[BOLT_DIGEST_LEN]);
/* Release without a result (error paths); safe after final. */
void bolt_sha256_fini(struct bolt_sha256 *h);

/* Digest of a buffer. */
void bolt_sha256_buf(const void *data, size_t len, char out[BOLT_DIGEST_LEN]);
/* Digest of a whole file. Returns 0 or -1. */
int bolt_sha256_file(const char *path, char out[BOLT_DIGEST_LEN], struct bolt_err *err);

/* Pointer to the hex part of "sha256:<hex>" (the digest itself when it has no prefix). */
const char *bolt_digest_hex(const char *digest);

#endif
