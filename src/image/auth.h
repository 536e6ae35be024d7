/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_AUTH_H
#define BOLT_IMAGE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/*
 * Registry credentials in docker's format: {"auths": {"HOST": {"auth": base64("user:pass")}}}.
 * Files, first hit wins: authfile if given, else $BOLT_AUTH_FILE, $REGISTRY_AUTH_FILE,
 * ~/.config/bolt/auth.json, ~/.docker/config.json. docker.io also matches the key
 * "https://index.docker.io/v1/"; "https://HOST" and "HOST/v2/" keys match HOST.
 */

/* The file login writes to (caller frees). */
char *bolt_auth_file_path(const char *authfile);

/* Look up credentials for domain. Returns 1 found (user and pass on the heap), 0 none, -1 error. */
int bolt_auth_lookup(const char *authfile, const char *domain, char **user, char **pass,
                     struct bolt_err *err);
/* Store (atomically, mode 0600) credentials for domain. */
int bolt_auth_store(const char *authfile, const char *domain, const char *user, const char *pass,
                    struct bolt_err *err);
/* Remove them. Returns 1 removed, 0 there were none, -1 error. */
int bolt_auth_remove(const char *authfile, const char *domain, struct bolt_err *err);

/* base64 helpers (caller frees; decode returns NULL on bad input). */
char *bolt_base64_encode(const void *data, size_t len);
char *bolt_base64_decode(const char *s, size_t *len);

#endif
