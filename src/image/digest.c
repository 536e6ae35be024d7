/* SPDX-License-Identifier: Apache-2.0 */
#include "image/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/mem.h"

void
bolt_sha256_init(struct bolt_sha256 *h)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        abort();
    h->ctx = ctx;
}

void
bolt_sha256_update(struct bolt_sha256 *h, const void *data, size_t len)
{
    if (len)
        EVP_DigestUpdate((EVP_MD_CTX *)h->ctx, data, len);
}

void
bolt_sha256_final(struct bolt_sha256 *h, char out[BOLT_DIGEST_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";

    EVP_DigestFinal_ex((EVP_MD_CTX *)h->ctx, md, &n);
    memcpy(out, "sha256:", 7);
    for (unsigned int i = 0; i < n && i < 32; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[71] = '\0';
    bolt_sha256_fini(h);
}

void
bolt_sha256_fini(struct bolt_sha256 *h)
{
    if (h->ctx)
        EVP_MD_CTX_free((EVP_MD_CTX *)h->ctx);
    h->ctx = NULL;
}

void
bolt_sha256_buf(const void *data, size_t len, char out[BOLT_DIGEST_LEN])
{
    struct bolt_sha256 h;

    bolt_sha256_init(&h);
    bolt_sha256_update(&h, data, len);
    bolt_sha256_final(&h, out);
}

int
bolt_sha256_file(const char *path, char out[BOLT_DIGEST_LEN], struct bolt_err *err)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    cleanup_free char *buf = NULL;
    struct bolt_sha256 h;

    if (fd < 0)
        return bolt_err_set(err, errno, "open '%s'", path);
    buf = xmalloc(1 << 20);
    bolt_sha256_init(&h);
    for (;;) {
        ssize_t r = read(fd, buf, 1 << 20);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            bolt_sha256_fini(&h);
            return bolt_err_set(err, e, "read '%s'", path);
        }
        if (r == 0)
            break;
        bolt_sha256_update(&h, buf, (size_t)r);
    }
    bolt_sha256_final(&h, out);
    return 0;
}

const char *
bolt_digest_hex(const char *digest)
{
    const char *c = strchr(digest, ':');
    return c ? c + 1 : digest;
}
