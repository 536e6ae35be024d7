/* SPDX-License-Identifier: Apache-2.0 */
#include "toml/toml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml_model.h"
#include "util/fs.h"
#include "util/mem.h"

/* Tables switch from a linear scan to the hash index at this many keys. */
#define INDEX_MIN_KEYS 8

struct bolt_toml_value *
toml_value_new(enum bolt_toml_type type, struct bolt_toml_pos pos, unsigned depth)
{
    struct bolt_toml_value *v = xzalloc(sizeof(*v));

    v->type = type;
    v->pos = pos;
    v->depth = depth;
    return v;
}

static uint32_t
hash_key(const char *key, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 16777619u;
    }
    return h;
}

static void
index_insert(struct bolt_toml_value *t, size_t item)
{
    size_t mask = t->u.table.index_cap - 1;
    const struct bolt_toml_kv *kv = &t->u.table.items[item];
    size_t slot = hash_key(kv->key, kv->key_len) & mask;

    while (t->u.table.index[slot] != 0)
        slot = (slot + 1) & mask;
    t->u.table.index[slot] = (uint32_t)(item + 1);
}

static void
index_rebuild(struct bolt_toml_value *t)
{
    size_t cap = 16;

    while (cap < t->u.table.n * 2 + 2)
        cap *= 2;
    free(t->u.table.index);
    t->u.table.index = xcalloc(cap, sizeof(uint32_t));
    t->u.table.index_cap = cap;
    for (size_t i = 0; i < t->u.table.n; i++)
        index_insert(t, i);
}

struct bolt_toml_kv *
toml_table_find(const struct bolt_toml_value *t, const char *key, size_t key_len)
{
    struct bolt_toml_kv *items = t->u.table.items;

    if (t->u.table.index == NULL) {
        for (size_t i = 0; i < t->u.table.n; i++)
            if (items[i].key_len == key_len && memcmp(items[i].key, key, key_len) == 0)
                return &items[i];
        return NULL;
    }
    size_t mask = t->u.table.index_cap - 1;
    for (size_t slot = hash_key(key, key_len) & mask; t->u.table.index[slot] != 0;
         slot = (slot + 1) & mask) {
        struct bolt_toml_kv *kv = &items[t->u.table.index[slot] - 1];
        if (kv->key_len == key_len && memcmp(kv->key, key, key_len) == 0)
            return kv;
    }
    return NULL;
}

void
toml_table_add(struct bolt_toml_value *t, char *key, size_t key_len, struct bolt_toml_pos key_pos,
               struct bolt_toml_value *value)
{
    if (t->u.table.n == t->u.table.cap) {
        t->u.table.cap = t->u.table.cap ? t->u.table.cap * 2 : 4;
        t->u.table.items =
            xreallocarray(t->u.table.items, t->u.table.cap, sizeof(struct bolt_toml_kv));
    }
    t->u.table.items[t->u.table.n++] = (struct bolt_toml_kv){key, key_len, key_pos, value};
    if (t->u.table.n < INDEX_MIN_KEYS)
        return;
    if (t->u.table.index == NULL || t->u.table.n * 2 + 2 > t->u.table.index_cap)
        index_rebuild(t);
    else
        index_insert(t, t->u.table.n - 1);
}

void
toml_array_push(struct bolt_toml_value *a, struct bolt_toml_value *value)
{
    if (a->u.array.n == a->u.array.cap) {
        a->u.array.cap = a->u.array.cap ? a->u.array.cap * 2 : 4;
        a->u.array.items = xreallocarray(a->u.array.items, a->u.array.cap, sizeof(value));
    }
    a->u.array.items[a->u.array.n++] = value;
}

void
bolt_toml_free(struct bolt_toml_value *v)
{
    if (v == NULL)
        return;
    switch (v->type) {
    case BOLT_TOML_TABLE:
        for (size_t i = 0; i < v->u.table.n; i++) {
            free(v->u.table.items[i].key);
            bolt_toml_free(v->u.table.items[i].value);
        }
        free(v->u.table.items);
        free(v->u.table.index);
        break;
    case BOLT_TOML_ARRAY:
        for (size_t i = 0; i < v->u.array.n; i++)
            bolt_toml_free(v->u.array.items[i]);
        free(v->u.array.items);
        break;
    case BOLT_TOML_STRING:
        free(v->u.str.ptr);
        break;
    default:
        break;
    }
    free(v);
}

const struct bolt_toml_kv *
bolt_toml_get_kv(const struct bolt_toml_value *t, const char *key)
{
    if (t == NULL || t->type != BOLT_TOML_TABLE || key == NULL)
        return NULL;
    return toml_table_find(t, key, strlen(key));
}

const struct bolt_toml_value *
bolt_toml_get(const struct bolt_toml_value *t, const char *key)
{
    const struct bolt_toml_kv *kv = bolt_toml_get_kv(t, key);

    return kv ? kv->value : NULL;
}

const struct bolt_toml_value *
bolt_toml_get_path(const struct bolt_toml_value *t, const char *path)
{
    const char *p = path;

    while (t != NULL && t->type == BOLT_TOML_TABLE) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        const struct bolt_toml_kv *kv = toml_table_find(t, p, n);
        if (kv == NULL)
            return NULL;
        if (dot == NULL)
            return kv->value;
        t = kv->value;
        p = dot + 1;
    }
    return NULL;
}

const char *
bolt_toml_type_phrase(enum bolt_toml_type type)
{
    switch (type) {
    case BOLT_TOML_TABLE:
        return "a table";
    case BOLT_TOML_ARRAY:
        return "an array";
    case BOLT_TOML_STRING:
        return "a string";
    case BOLT_TOML_INTEGER:
        return "an integer";
    case BOLT_TOML_FLOAT:
        return "a float";
    case BOLT_TOML_BOOL:
        return "a bool";
    default:
        return "a date/time";
    }
}

const char *
bolt_toml_type_name(enum bolt_toml_type type)
{
    switch (type) {
    case BOLT_TOML_TABLE:
        return "table";
    case BOLT_TOML_ARRAY:
        return "array";
    case BOLT_TOML_STRING:
        return "string";
    case BOLT_TOML_INTEGER:
        return "integer";
    case BOLT_TOML_FLOAT:
        return "float";
    case BOLT_TOML_BOOL:
        return "bool";
    case BOLT_TOML_DATETIME:
        return "datetime";
    case BOLT_TOML_DATETIME_LOCAL:
        return "datetime-local";
    case BOLT_TOML_DATE_LOCAL:
        return "date-local";
    case BOLT_TOML_TIME_LOCAL:
        return "time-local";
    default:
        return "unknown";
    }
}

const char *
bolt_toml_datetime_str(const struct bolt_toml_value *v, char *buf, size_t len)
{
    const struct bolt_toml_datetime *d = &v->u.dt;
    char date[32] = "", time[48] = "", frac[16] = "", off[16] = "";

    if (v->type != BOLT_TOML_TIME_LOCAL)
        snprintf(date, sizeof(date), "%04d-%02d-%02d%s", d->year, d->month, d->day,
                 v->type == BOLT_TOML_DATE_LOCAL ? "" : "T");
    if (v->type != BOLT_TOML_DATE_LOCAL) {
        if (d->frac_digits > 0) {
            int f = d->nanosecond;
            for (int i = d->frac_digits; i < 9; i++)
                f /= 10;
            snprintf(frac, sizeof(frac), ".%0*d", d->frac_digits, f);
        }
        snprintf(time, sizeof(time), "%02d:%02d:%02d%s", d->hour, d->minute, d->second, frac);
    }
    if (v->type == BOLT_TOML_DATETIME) {
        int m = d->offset_minutes < 0 ? -d->offset_minutes : d->offset_minutes;
        if (d->offset_minutes == 0)
            snprintf(off, sizeof(off), "Z");
        else
            snprintf(off, sizeof(off), "%c%02d:%02d", d->offset_minutes < 0 ? '-' : '+', m / 60,
                     m % 60);
    }
    snprintf(buf, len, "%s%s%s", date, time, off);
    return buf;
}

struct bolt_toml_value *
bolt_toml_load_file(const char *path, struct bolt_err *err)
{
    cleanup_free char *data = NULL;
    size_t len = 0;
    struct bolt_toml_value *root;

    data = bolt_read_file(path, &len, err);
    if (data == NULL)
        return NULL;
    root = bolt_toml_parse(data, len, err);
    if (root == NULL && err != NULL) {
        char msg[sizeof(err->msg)];
        memcpy(msg, err->msg, sizeof(msg));
        bolt_err_set(err, 0, "%s:%s", path, msg);
    }
    return root;
}
