/* SPDX-License-Identifier: Apache-2.0 */
/* Validation helpers: problem list, "did you mean", typed getters with positions. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltfile/bf_internal.h"
#include "util/mem.h"
#include "util/units.h"

void
bf_report(struct bf_ctx *c, struct bolt_toml_pos pos, const char *fmt, ...)
{
    char msg[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->diags = xreallocarray(c->diags, c->cap, sizeof(*c->diags));
    }
    c->diags[c->n] = (struct bf_diag){pos, c->n, xstrdup(msg)};
    c->n++;
}

bool
bf_wrong_type(struct bf_ctx *c, const char *path, const struct bolt_toml_value *v, const char *what)
{
    bf_report(c, v->pos, "%s: expected %s, found %s", path, what, bolt_toml_type_phrase(v->type));
    return false;
}

char *
bf_join(const char *path, const char *key)
{
    return *path ? xasprintf("%s.%s", path, key) : xstrdup(key);
}

const char *
bf_suggest(const char *word, const char *const *candidates)
{
    return bolt_toml_suggest(word, candidates);
}

void
bf_check_keys(struct bf_ctx *c, const struct bolt_toml_value *t, const char *section,
              const char *const *allowed)
{
    for (size_t i = 0; i < t->u.table.n; i++) {
        const struct bolt_toml_kv *kv = &t->u.table.items[i];
        const char *const *a;
        const char *hint;
        char where[200];
        for (a = allowed; *a; a++)
            if (strcmp(*a, kv->key) == 0)
                break;
        if (*a)
            continue;
        hint = bf_suggest(kv->key, allowed);
        if (*section)
            snprintf(where, sizeof(where), "in [%s]", section);
        else
            snprintf(where, sizeof(where), "at the top level");
        if (hint)
            bf_report(c, kv->key_pos, "unknown key '%s' %s (did you mean '%s'?)", kv->key, where,
                      hint);
        else
            bf_report(c, kv->key_pos, "unknown key '%s' %s", kv->key, where);
    }
}

static const struct bolt_toml_value *
lookup(const struct bolt_toml_value *t, const char *key)
{
    return t ? bolt_toml_get(t, key) : NULL;
}

bool
bf_get_str(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key,
           char **out)
{
    const struct bolt_toml_value *v = lookup(t, key);
    cleanup_free char *p = NULL;

    if (v == NULL)
        return true;
    if (v->type != BOLT_TOML_STRING || strlen(v->u.str.ptr) != v->u.str.len) {
        p = bf_join(path, key);
        if (v->type == BOLT_TOML_STRING)
            bf_report(c, v->pos, "%s: NUL characters are not allowed", p);
        return v->type == BOLT_TOML_STRING ? false : bf_wrong_type(c, p, v, "a string");
    }
    free(*out);
    *out = xstrdup(v->u.str.ptr);
    return true;
}

bool
bf_get_bool(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key,
            bool *out)
{
    const struct bolt_toml_value *v = lookup(t, key);
    cleanup_free char *p = NULL;

    if (v == NULL)
        return true;
    if (v->type != BOLT_TOML_BOOL) {
        p = bf_join(path, key);
        return bf_wrong_type(c, p, v, "a bool (true or false)");
    }
    *out = v->u.boolean;
    return true;
}

bool
bf_get_int(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key,
           int64_t min, int64_t max, int64_t *out)
{
    const struct bolt_toml_value *v = lookup(t, key);
    cleanup_free char *p = NULL;

    if (v == NULL)
        return true;
    p = bf_join(path, key);
    if (v->type != BOLT_TOML_INTEGER)
        return bf_wrong_type(c, p, v, "an integer");
    if (v->u.integer < min || v->u.integer > max) {
        bf_report(c, v->pos, "%s: %lld is out of range (%lld to %lld)", p, (long long)v->u.integer,
                  (long long)min, (long long)max);
        return false;
    }
    *out = v->u.integer;
    return true;
}

bool
bf_get_enum(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key,
            const char *const *allowed, char **out)
{
    const struct bolt_toml_value *v = lookup(t, key);
    cleanup_free char *p = NULL;
    char list[256] = "";

    if (v == NULL)
        return true;
    p = bf_join(path, key);
    if (v->type != BOLT_TOML_STRING)
        return bf_wrong_type(c, p, v, "a string");
    for (const char *const *a = allowed; *a; a++) {
        if (strcmp(*a, v->u.str.ptr) == 0) {
            free(*out);
            *out = xstrdup(*a);
            return true;
        }
        if (a != allowed)
            strncat(list, ", ", sizeof(list) - strlen(list) - 1);
        strncat(list, *a, sizeof(list) - strlen(list) - 1);
    }
    bf_report(c, v->pos, "%s: invalid value '%s' (allowed: %s)", p, v->u.str.ptr, list);
    return false;
}

bool
bf_get_size(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key,
            uint64_t *out)
{
    const struct bolt_toml_value *v = lookup(t, key);
    cleanup_free char *p = NULL;
    struct bolt_err err = {0};

    if (v == NULL)
        return true;
    p = bf_join(path, key);
    if (v->type == BOLT_TOML_INTEGER && v->u.integer >= 0) {
        *out = (uint64_t)v->u.integer;
        return true;
    }
    if (v->type != BOLT_TOML_STRING)
        return bf_wrong_type(c, p, v, "a size like \"8GB\" or \"512m\"");
    if (bolt_parse_size(v->u.str.ptr, out, &err) < 0) {
        bf_report(c, v->pos, "%s: %s", p, err.msg);
        return false;
    }
    return true;
}

bool
bf_get_duration(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                const char *key, uint64_t *out)
{
    const struct bolt_toml_value *v = lookup(t, key);
    cleanup_free char *p = NULL;
    struct bolt_err err = {0};

    if (v == NULL)
        return true;
    p = bf_join(path, key);
    if (v->type != BOLT_TOML_STRING)
        return bf_wrong_type(c, p, v, "a duration like \"30s\" or \"1m30s\"");
    if (bolt_parse_duration(v->u.str.ptr, out, &err) < 0) {
        bf_report(c, v->pos, "%s: %s", p, err.msg);
        return false;
    }
    return true;
}

bool
bf_get_strv(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key,
            bool split, char ***out)
{
    const struct bolt_toml_value *v = lookup(t, key);
    cleanup_free char *p = NULL;
    char **list = NULL;
    bool ok = true;

    if (v == NULL)
        return true;
    p = bf_join(path, key);
    if (v->type == BOLT_TOML_STRING) {
        if (!split) {
            bolt_strv_push(&list, v->u.str.ptr);
        } else if ((list = bf_split_words(v->u.str.ptr, &ok)) == NULL || !ok) {
            bolt_strv_free(list);
            bf_report(c, v->pos, "%s: unterminated quote in '%s'", p, v->u.str.ptr);
            return false;
        }
    } else if (v->type == BOLT_TOML_ARRAY) {
        list = xzalloc(sizeof(char *));
        for (size_t i = 0; i < v->u.array.n; i++) {
            const struct bolt_toml_value *e = v->u.array.items[i];
            if (e->type != BOLT_TOML_STRING) {
                cleanup_free char *ep = xasprintf("%s[%zu]", p, i);
                ok = bf_wrong_type(c, ep, e, "a string");
                continue;
            }
            bolt_strv_push(&list, e->u.str.ptr);
        }
    } else {
        return bf_wrong_type(c, p, v, "a string or an array of strings");
    }
    if (!ok) {
        bolt_strv_free(list);
        return false;
    }
    bolt_strv_free(*out);
    *out = list;
    return true;
}

static bool
valid_var(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '=' || s[i] == '\0' || s[i] == ' ' || s[i] == '\t' || s[i] == '\n')
            return false;
    return true;
}

static bool
mapping_entry(struct bf_ctx *c, const char *p, const struct bolt_toml_kv *kv, char ***list)
{
    const struct bolt_toml_value *v = kv->value;
    cleanup_free char *kp = bf_join(p, kv->key);
    cleanup_free char *s = NULL;

    if (!valid_var(kv->key, kv->key_len)) {
        bf_report(c, kv->key_pos, "%s: invalid name '%s' (no '=', spaces or empty names)", p,
                  kv->key);
        return false;
    }
    if (v->type == BOLT_TOML_STRING)
        s = xasprintf("%s=%s", kv->key, v->u.str.ptr);
    else if (v->type == BOLT_TOML_INTEGER)
        s = xasprintf("%s=%lld", kv->key, (long long)v->u.integer);
    else if (v->type == BOLT_TOML_FLOAT)
        s = xasprintf("%s=%g", kv->key, v->u.flt);
    else if (v->type == BOLT_TOML_BOOL)
        s = xasprintf("%s=%s", kv->key, v->u.boolean ? "true" : "false");
    else
        return bf_wrong_type(c, kp, v, "a string, number or bool");
    bolt_strv_push(list, s);
    return true;
}

bool
bf_get_mapping(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key,
               char ***out)
{
    const struct bolt_toml_value *v = lookup(t, key);
    cleanup_free char *p = NULL;
    char **list = NULL;
    bool ok = true;

    if (v == NULL)
        return true;
    p = bf_join(path, key);
    list = xzalloc(sizeof(char *));
    if (v->type == BOLT_TOML_TABLE) {
        for (size_t i = 0; i < v->u.table.n; i++)
            ok &= mapping_entry(c, p, &v->u.table.items[i], &list);
    } else if (v->type == BOLT_TOML_ARRAY) {
        for (size_t i = 0; i < v->u.array.n; i++) {
            const struct bolt_toml_value *e = v->u.array.items[i];
            cleanup_free char *ep = xasprintf("%s[%zu]", p, i);
            if (e->type != BOLT_TOML_STRING) {
                ok = bf_wrong_type(c, ep, e, "a \"KEY=value\" string");
                continue;
            }
            const char *eq = strchr(e->u.str.ptr, '=');
            size_t n = eq ? (size_t)(eq - e->u.str.ptr) : strlen(e->u.str.ptr);
            if (!valid_var(e->u.str.ptr, n) || strlen(e->u.str.ptr) != e->u.str.len) {
                bf_report(c, e->pos, "%s: invalid entry '%s' (expected KEY=value or KEY)", ep,
                          e->u.str.ptr);
                ok = false;
                continue;
            }
            bolt_strv_push(&list, e->u.str.ptr);
        }
    } else {
        ok = bf_wrong_type(c, p, v, "a table or an array of \"KEY=value\" strings");
    }
    if (!ok) {
        bolt_strv_free(list);
        return false;
    }
    bolt_strv_free(*out);
    *out = list;
    return true;
}

const struct bolt_toml_value *
bf_get_table(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path, const char *key)
{
    const struct bolt_toml_value *v = lookup(t, key);
    cleanup_free char *p = NULL;

    if (v == NULL || v->type == BOLT_TOML_TABLE)
        return v;
    p = bf_join(path, key);
    bf_wrong_type(c, p, v, "a table");
    return NULL;
}

char **
bf_split_words(const char *s, bool *ok)
{
    char **words = xzalloc(sizeof(char *));
    cleanup_free char *w = xmalloc(strlen(s) + 1);
    size_t n = 0;
    bool in_word = false;
    char quote = 0;

    *ok = true;
    for (; *s; s++) {
        if (quote) {
            if (*s == quote)
                quote = 0;
            else if (*s == '\\' && quote == '"' && (s[1] == '"' || s[1] == '\\'))
                w[n++] = *++s;
            else
                w[n++] = *s;
        } else if (*s == '\'' || *s == '"') {
            quote = *s;
            in_word = true;
        } else if (*s == '\\' && s[1]) {
            w[n++] = *++s;
            in_word = true;
        } else if (*s == ' ' || *s == '\t' || *s == '\n') {
            if (in_word) {
                w[n] = '\0';
                bolt_strv_push(&words, w);
                n = 0;
                in_word = false;
            }
        } else {
            w[n++] = *s;
            in_word = true;
        }
    }
    if (quote)
        *ok = false;
    if (in_word) {
        w[n] = '\0';
        bolt_strv_push(&words, w);
    }
    return words;
}
