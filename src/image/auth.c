/* SPDX-License-Identifier: Apache-2.0 */
#include "image/auth.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

char *
bolt_base64_encode(const void *data, size_t len)
{
    char *out = xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

char *
bolt_base64_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    char *out;
    int r;

    if (n % 4 != 0)
        return NULL;
    out = xmalloc(n / 4 * 3 + 1);
    r = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    if (r < 0) {
        free(out);
        return NULL;
    }
    while (n > 0 && s[n - 1] == '=' && r > 0) {
        r--;
        n--;
    }
    out[r] = '\0';
    if (len)
        *len = (size_t)r;
    return out;
}

static const char *
home(void)
{
    const char *h = getenv("HOME");
    return h && *h ? h : "/root";
}

char *
bolt_auth_file_path(const char *authfile)
{
    const char *e;

    if (authfile && *authfile)
        return xstrdup(authfile);
    if ((e = getenv("BOLT_AUTH_FILE")) && *e)
        return xstrdup(e);
    if ((e = getenv("REGISTRY_AUTH_FILE")) && *e)
        return xstrdup(e);
    return xasprintf("%s/.config/bolt/auth.json", home());
}

static bool
key_matches(const char *key, const char *domain)
{
    size_t n = strlen(domain);
    const char *k = key;

    if (strcmp(domain, "docker.io") == 0
        && (strstr(key, "index.docker.io") || strstr(key, "registry-1.docker.io")))
        return true;
    if (strncmp(k, "https://", 8) == 0)
        k += 8;
    else if (strncmp(k, "http://", 7) == 0)
        k += 7;
    return strncmp(k, domain, n) == 0 && (k[n] == '\0' || k[n] == '/');
}

static int
lookup_in(const char *path, const char *domain, char **user, char **pass, struct bolt_err *err)
{
    json_t *root, *auths, *v;
    const char *k;
    int rc = 0;

    if (access(path, F_OK) < 0)
        return 0;
    root = bolt_json_load_file(path, err);
    if (root == NULL)
        return -1;
    auths = json_object_get(root, "auths");
    json_object_foreach(auths, k, v)
    {
        const char *a = json_string_value(json_object_get(v, "auth"));
        cleanup_free char *dec = NULL;
        char *colon;
        if (!key_matches(k, domain) || a == NULL)
            continue;
        dec = bolt_base64_decode(a, NULL);
        if (dec == NULL || (colon = strchr(dec, ':')) == NULL) {
            rc = bolt_err_set(err, 0, "'%s': auths.%s.auth is not base64(user:password) (log "
                                      "in again with 'bolt login %s')", path, k, domain);
            break;
        }
        *colon = '\0';
        *user = xstrdup(dec);
        *pass = xstrdup(colon + 1);
        rc = 1;
        break;
    }
    json_decref(root);
    return rc;
}

int
bolt_auth_lookup(const char *authfile, const char *domain, char **user, char **pass,
                 struct bolt_err *err)
{
    cleanup_free char *first = bolt_auth_file_path(authfile);
    cleanup_free char *docker = xasprintf("%s/.docker/config.json", home());
    int r = lookup_in(first, domain, user, pass, err);

    if (r != 0 || (authfile && *authfile))
        return r;
    return lookup_in(docker, domain, user, pass, err);
}

static json_t *
load_or_new(const char *path, struct bolt_err *err)
{
    json_t *root;

    if (access(path, F_OK) < 0)
        return json_pack("{s:{}}", "auths");
    root = bolt_json_load_file(path, err);
    if (root == NULL)
        return NULL;
    if (!json_is_object(json_object_get(root, "auths")))
        json_object_set_new(root, "auths", json_object());
    return root;
}

int
bolt_auth_store(const char *authfile, const char *domain, const char *user, const char *pass,
                struct bolt_err *err)
{
    cleanup_free char *path = bolt_auth_file_path(authfile);
    cleanup_free char *dir = xstrdup(path);
    cleanup_free char *pair = xasprintf("%s:%s", user, pass);
    cleanup_free char *b64 = bolt_base64_encode(pair, strlen(pair));
    json_t *root;
    int rc;
    char *slash = strrchr(dir, '/');

    if (slash && slash != dir) {
        *slash = '\0';
        if (bolt_mkdir_p(dir, 0700, err) < 0)
            return -1;
    }
    root = load_or_new(path, err);
    if (root == NULL)
        return -1;
    json_object_set_new(json_object_get(root, "auths"), domain, json_pack("{s:s}", "auth", b64));
    rc = bolt_json_write_file_atomic(path, root, true, err);
    json_decref(root);
    if (rc == 0)
        chmod(path, 0600);
    return rc;
}

int
bolt_auth_remove(const char *authfile, const char *domain, struct bolt_err *err)
{
    cleanup_free char *path = bolt_auth_file_path(authfile);
    json_t *root, *auths, *v;
    const char *k;
    void *tmp;
    int found = 0;

    if (access(path, F_OK) < 0)
        return 0;
    root = load_or_new(path, err);
    if (root == NULL)
        return -1;
    auths = json_object_get(root, "auths");
    json_object_foreach_safe(auths, tmp, k, v)
    {
        if (key_matches(k, domain)) {
            json_object_del(auths, k);
            found = 1;
        }
    }
    if (found && bolt_json_write_file_atomic(path, root, true, err) < 0)
        found = -1;
    json_decref(root);
    return found;
}
