/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_SHA256_LITE_H
#define BOLT_SHA256_LITE_H

/*
 * SHA-256 (FIPS 180-4) without libcrypto. OpenSSL 3 loads its configuration and
 * providers on first use, which costs milliseconds in a fresh process; the container
 * start path (seccomp cache keys) hashes a few KB and cannot afford that. Bulk content
 * digests (image layers) should keep using libcrypto, which is faster per byte.
 */

#include <stddef.h>
#include <stdint.h>

struct bolt_sha256_lite {
    uint32_t h[8];
    uint64_t total;  /* bytes hashed so far */
    uint8_t buf[64]; /* pending partial block */
    size_t used;
};

/* Reset c to the SHA-256 initial state, then feed it bytes with update (no allocation). */
void bolt_sha256_lite_init(struct bolt_sha256_lite *c);
void bolt_sha256_lite_update(struct bolt_sha256_lite *c, const void *data, size_t len);
/* Write the 32-byte digest; c must be re-initialized before reuse. */
void bolt_sha256_lite_final(struct bolt_sha256_lite *c, uint8_t out[32]);
/* One-shot digest of data as 64 lowercase hex characters plus NUL. */
void bolt_sha256_lite_hex(const void *data, size_t len, char out[65]);

#endif
