/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for reading configuration files: "did you mean", unknown keys, typed lookups. */
#include <stdio.h>
#include <string.h>

#include "toml/toml.h"

static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

    if (la >= 63 || lb >= 63)
        return 64;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(size_t) * (lb + 1));
    }
    return prev[lb];
}

const char *
bolt_toml_suggest(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    size_t wl = strlen(word), best_d = (size_t)-1;
    size_t limit = wl <= 4 ? 1 : wl <= 8 ? 2 : 3;

    for (; *candidates; candidates++) {
        size_t d = distance(word, *candidates);
        /* A clipped name ("wsl2" for "wsl2_optimized") is as good as a near miss. */
        if (wl >= 3 && strlen(*candidates) > wl && strncmp(word, *candidates, wl) == 0)
            d = d < limit ? d : limit;
        if (d < best_d) {
            best_d = d;
            best = *candidates;
        }
    }
    return best_d <= limit ? best : NULL;
}

int
bolt_toml_check_keys(const struct bolt_toml_value *t, const char *const *allowed, const char *file,
                     struct bolt_err *err)
{
    if (t == NULL || t->type != BOLT_TOML_TABLE)
        return 0;
    for (size_t i = 0; i < t->u.table.n; i++) {
        const struct bolt_toml_kv *kv = &t->u.table.items[i];
        const char *const *a = allowed;
        const char *hint;
        while (*a && strcmp(*a, kv->key) != 0)
            a++;
        if (*a)
            continue;
        hint = bolt_toml_suggest(kv->key, allowed);
        if (hint)
            return bolt_err_set(err, 0, "%s:%u:%u: unknown key '%s' (did you mean '%s'?)", file,
                                kv->key_pos.line, kv->key_pos.col, kv->key, hint);
        return bolt_err_set(err, 0, "%s:%u:%u: unknown key '%s'", file, kv->key_pos.line,
                            kv->key_pos.col, kv->key);
    }
    return 0;
}

/* The entry for key, or NULL; -1 with err set when it exists with another type. */
static int
lookup(const struct bolt_toml_value *t, const char *key, const char *file, enum bolt_toml_type type,
       const struct bolt_toml_value **out, struct bolt_err *err)
{
    const struct bolt_toml_kv *kv = bolt_toml_get_kv(t, key);

    if (kv == NULL)
        return 0;
    if (kv->value->type != type) {
        bolt_err_set(err, 0, "%s:%u:%u: %s: expected %s, found %s", file, kv->value->pos.line,
                     kv->value->pos.col, key, bolt_toml_type_phrase(type),
                     bolt_toml_type_phrase(kv->value->type));
        return -1;
    }
    *out = kv->value;
    return 1;
}

int
bolt_toml_get_str(const struct bolt_toml_value *t, const char *key, const char *file,
                  const char **out, struct bolt_err *err)
{
    const struct bolt_toml_value *v = NULL;
    int r = lookup(t, key, file, BOLT_TOML_STRING, &v, err);

    if (r <= 0)
        return r;
    if (strlen(v->u.str.ptr) != v->u.str.len)
        return bolt_err_set(err, 0, "%s:%u:%u: %s: NUL characters are not allowed", file,
                            v->pos.line, v->pos.col, key);
    *out = v->u.str.ptr;
    return 1;
}

int
bolt_toml_get_bool(const struct bolt_toml_value *t, const char *key, const char *file, bool *out,
                   struct bolt_err *err)
{
    const struct bolt_toml_value *v = NULL;
    int r = lookup(t, key, file, BOLT_TOML_BOOL, &v, err);

    if (r > 0)
        *out = v->u.boolean;
    return r;
}

int
bolt_toml_get_int(const struct bolt_toml_value *t, const char *key, const char *file, int64_t *out,
                  struct bolt_err *err)
{
    const struct bolt_toml_value *v = NULL;
    int r = lookup(t, key, file, BOLT_TOML_INTEGER, &v, err);

    if (r > 0)
        *out = v->u.integer;
    return r;
}
