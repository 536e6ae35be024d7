/* SPDX-License-Identifier: Apache-2.0 */
#include "image/ref.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define MAX_NAME 255
#define MAX_TAG  128

static bool
is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_hex_lower(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool
bolt_digest_is_valid(const char *s)
{
    if (s == NULL || strncmp(s, "sha256:", 7) != 0)
        return false;
    s += 7;
    for (int i = 0; i < 64; i++)
        if (!is_hex_lower(s[i]))
            return false;
    return s[64] == '\0';
}

bool
bolt_ref_is_id_prefix(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_hex_lower(s[i]))
            return false;
    return true;
}

/* One path component: [a-z0-9]+ ( ( '.' | '_' | '__' | '-'+ ) [a-z0-9]+ )* */
static bool
component_ok(const char *s, size_t n)
{
    size_t i = 0;

    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    while (i < n) {
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        if (s[i] == '.' || s[i] == '_') {
            size_t run = 1;
            if (s[i] == '_' && i + 1 < n && s[i + 1] == '_')
                run = 2;
            i += run;
        } else if (s[i] == '-') {
            while (i < n && s[i] == '-')
                i++;
        } else {
            return false;
        }
        if (i >= n || !is_lower_alnum(s[i]))
            return false;
    }
    return true;
}

/* host[:port]: labels of [A-Za-z0-9-], or a bracketed IPv6 address. */
static bool
domain_ok(const char *s, size_t n)
{
    size_t i = 0, host_end = n;
    const char *colon;

    if (n == 0)
        return false;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL)
            return false;
        for (const char *p = s + 1; p < close; p++)
            if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
                return false;
        i = (size_t)(close - s) + 1;
        host_end = i;
    } else {
        colon = memchr(s, ':', n);
        if (colon)
            host_end = (size_t)(colon - s);
        if (host_end == 0)
            return false;
        for (size_t k = 0; k < host_end; k++) {
            char c = s[k];
            if (!isalnum((unsigned char)c) && c != '-' && c != '.')
                return false;
            if ((c == '.' || c == '-') && (k == 0 || k + 1 == host_end))
                return false;
        }
        i = host_end;
    }
    if (i == n)
        return true;
    if (s[i] != ':' || i + 1 == n)
        return false;
    for (size_t k = i + 1; k < n; k++)
        if (!isdigit((unsigned char)s[k]))
            return false;
    return n - i - 1 <= 5;
}

static bool
tag_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > MAX_TAG)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = isalnum((unsigned char)c) || c == '_' || (i > 0 && (c == '.' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

static int
bad(struct bolt_err *err, const char *s, const char *why)
{
    return bolt_err_set(err, 0, "invalid reference format '%s': %s", s, why);
}

static bool
looks_like_domain(const char *first, size_t n)
{
    if (n == 9 && strncmp(first, "localhost", 9) == 0)
        return true;
    if (memchr(first, '.', n) || memchr(first, ':', n))
        return true;
    for (size_t i = 0; i < n; i++)
        if (isupper((unsigned char)first[i]))
            return true;
    return false;
}

static int
parse_name(const char *orig, const char *name, struct bolt_ref *out, struct bolt_err *err)
{
    const char *slash = strchr(name, '/');
    const char *path = name;
    cleanup_free char *domain = NULL;
    cleanup_free char *p = NULL;

    if (slash && looks_like_domain(name, (size_t)(slash - name))) {
        if (!domain_ok(name, (size_t)(slash - name)))
            return bad(err, orig, "the registry host is not a valid host[:port]");
        domain = xstrndup(name, (size_t)(slash - name));
        path = slash + 1;
    } else {
        domain = xstrdup("docker.io");
    }
    if (*path == '\0')
        return bad(err, orig, "the repository name is empty");
    for (const char *c = path;;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (!component_ok(c, n)) {
            for (size_t i = 0; i < n; i++)
                if (isupper((unsigned char)c[i]))
                    return bad(err, orig, "repository names must be lowercase");
            return bad(err, orig, "repository name components are [a-z0-9] separated by "
                                  "'.', '_', '__' or '-'");
        }
        if (e == NULL)
            break;
        c = e + 1;
    }
    if (strcmp(domain, "docker.io") == 0 && strchr(path, '/') == NULL)
        p = xasprintf("library/%s", path);
    else
        p = xstrdup(path);
    if (strlen(domain) + 1 + strlen(p) > MAX_NAME)
        return bad(err, orig, "the name is longer than 255 characters");
    out->domain = steal_ptr(&domain);
    out->path = steal_ptr(&p);
    return 0;
}

int
bolt_ref_parse(const char *s, struct bolt_ref *ref, struct bolt_err *err)
{
    cleanup_free char *work = NULL;
    struct bolt_ref r = {0};
    char *at, *colon, *lastslash;

    if (s == NULL || *s == '\0')
        return bolt_err_set(err, 0, "invalid reference format: the reference is empty");
    if (strlen(s) > 4096)
        return bad(err, "(too long)", "the reference is longer than 4096 characters");
    work = xstrdup(s);
    at = strchr(work, '@');
    if (at) {
        *at = '\0';
        if (!bolt_digest_is_valid(at + 1))
            return bad(err, s, "the digest must be sha256: followed by 64 lowercase hex digits");
        r.digest = xstrdup(at + 1);
    }
    lastslash = strrchr(work, '/');
    colon = strrchr(lastslash ? lastslash : work, ':');
    if (colon) {
        *colon = '\0';
        if (!tag_ok(colon + 1)) {
            free(r.digest);
            return bad(err, s, "the tag must be [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
        }
        r.tag = xstrdup(colon + 1);
    }
    if (parse_name(s, work, &r, err) < 0) {
        bolt_ref_fini(&r);
        return -1;
    }
    if (r.tag == NULL && r.digest == NULL)
        r.tag = xstrdup("latest");
    *ref = r;
    return 0;
}

void
bolt_ref_fini(struct bolt_ref *ref)
{
    if (ref == NULL)
        return;
    free(ref->domain);
    free(ref->path);
    free(ref->tag);
    free(ref->digest);
    memset(ref, 0, sizeof(*ref));
}

char *
bolt_ref_repo(const struct bolt_ref *ref)
{
    return xasprintf("%s/%s", ref->domain, ref->path);
}

char *
bolt_ref_string(const struct bolt_ref *ref)
{
    if (ref->tag)
        return xasprintf("%s/%s:%s", ref->domain, ref->path, ref->tag);
    return xasprintf("%s/%s@%s", ref->domain, ref->path, ref->digest ? ref->digest : "");
}

char *
bolt_ref_familiar(const char *full)
{
    const char *s = full;

    if (strncmp(s, "docker.io/", 10) == 0) {
        s += 10;
        if (strncmp(s, "library/", 8) == 0)
            s += 8;
    }
    return xstrdup(s);
}

const char *
bolt_ref_api_host(const char *domain)
{
    if (strcmp(domain, "docker.io") == 0 || strcmp(domain, "index.docker.io") == 0)
        return "registry-1.docker.io";
    return domain;
}
