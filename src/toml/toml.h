/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_TOML_H
#define BOLT_TOML_H

/*
 * A TOML 1.0 parser with a document model that remembers where every key and
 * value was written (line:column), so that configuration checkers (the Boltfile
 * validator, /etc/bolt/nvbind.toml) can point at the exact spot of a problem.
 *
 * Ownership: bolt_toml_parse() and bolt_toml_load_file() return a tree that the
 * caller owns and releases with bolt_toml_free() (on the root only). Every
 * pointer inside the tree (keys, strings, child values) is owned by the tree and
 * stays valid until the root is freed. Nothing in the tree may be modified.
 *
 * Safety: the parser accepts any byte sequence without crashing; nesting of
 * tables and arrays is limited to BOLT_TOML_MAX_DEPTH levels, and table lookups
 * are hashed, so parse time stays linear in the input size.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Deepest nesting of tables/arrays accepted (the root table is depth 0). */
#define BOLT_TOML_MAX_DEPTH 100

enum bolt_toml_type {
    BOLT_TOML_TABLE,
    BOLT_TOML_ARRAY,
    BOLT_TOML_STRING,
    BOLT_TOML_INTEGER,
    BOLT_TOML_FLOAT,
    BOLT_TOML_BOOL,
    BOLT_TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
    BOLT_TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
    BOLT_TOML_DATE_LOCAL,     /* 1979-05-27 */
    BOLT_TOML_TIME_LOCAL,     /* 07:32:00 */
};

/* 1-based line and column; the column counts characters (UTF-8 code points), not bytes. */
struct bolt_toml_pos {
    unsigned line;
    unsigned col;
};

struct bolt_toml_datetime {
    int year, month, day;     /* set for the date kinds */
    int hour, minute, second; /* set for the time kinds */
    int nanosecond;           /* fraction of the second, truncated to nanoseconds */
    int frac_digits;          /* digits written after '.', 0 if none (at most 9 kept) */
    int offset_minutes;       /* BOLT_TOML_DATETIME only: east of UTC, Z is 0 */
};

struct bolt_toml_value;

/* One key of a table, in the order it was first written. */
struct bolt_toml_kv {
    char *key; /* NUL-terminated; may contain NULs if written as \u0000 */
    size_t key_len;
    struct bolt_toml_pos key_pos; /* where the (last part of the) key was written */
    struct bolt_toml_value *value;
};

/* How a table came to exist; decides which later definitions are legal (TOML 1.0 rules). */
enum bolt_toml_origin {
    BOLT_TOML_ORIGIN_IMPLICIT, /* parent of a [a.b] header, not yet defined itself */
    BOLT_TOML_ORIGIN_HEADER,   /* [header] or an element of [[header]] */
    BOLT_TOML_ORIGIN_DOTTED,   /* created by a dotted key: a.b = 1 */
    BOLT_TOML_ORIGIN_INLINE,   /* { ... } or a table inside one: closed for additions */
    BOLT_TOML_ORIGIN_ROOT,
};

struct bolt_toml_value {
    enum bolt_toml_type type;
    struct bolt_toml_pos pos; /* where the value (or the table header) starts */
    union {
        struct {
            char *ptr; /* NUL-terminated; len excludes the NUL (may hold \u0000) */
            size_t len;
        } str;
        int64_t integer;
        double flt;
        bool boolean;
        struct bolt_toml_datetime dt;
        struct {
            struct bolt_toml_kv *items;
            size_t n;
            size_t cap;
            uint32_t *index; /* open-addressing hash of items (slot = item index + 1) */
            size_t index_cap;
            enum bolt_toml_origin origin;
        } table;
        struct {
            struct bolt_toml_value **items;
            size_t n;
            size_t cap;
            bool of_tables; /* created by [[header]]: may be extended by more headers */
        } array;
    } u;
    unsigned depth; /* nesting depth, root = 0 */
};

/*
 * Parse a TOML document of len bytes (need not be NUL-terminated). Returns the root
 * table (caller frees with bolt_toml_free), or NULL with err set to
 * "LINE:COL: message" (errnum 0) naming the first problem.
 */
struct bolt_toml_value *bolt_toml_parse(const char *data, size_t len, struct bolt_err *err);

/*
 * Read and parse the file at path. Errors read "PATH:LINE:COL: message" for bad TOML
 * and "read 'PATH'" plus errno when the file cannot be read. Returns the root table
 * (caller frees) or NULL.
 */
struct bolt_toml_value *bolt_toml_load_file(const char *path, struct bolt_err *err);

/* Release a tree returned by bolt_toml_parse/bolt_toml_load_file. NULL is fine. */
void bolt_toml_free(struct bolt_toml_value *root);

/* The value stored under key in table t, or NULL when t is not a table or lacks key. */
const struct bolt_toml_value *bolt_toml_get(const struct bolt_toml_value *t, const char *key);

/* Like bolt_toml_get, returning the key/value entry (for the key's position). */
const struct bolt_toml_kv *bolt_toml_get_kv(const struct bolt_toml_value *t, const char *key);

/*
 * Follow a dotted path of bare keys ("services.web.image") from table t. Returns
 * NULL when any step is missing or not a table.
 */
const struct bolt_toml_value *bolt_toml_get_path(const struct bolt_toml_value *t, const char *path);

/* The toml-test name of a type: "table", "array", "string", "integer", "float",
 * "bool", "datetime", "datetime-local", "date-local", "time-local". */
const char *bolt_toml_type_name(enum bolt_toml_type type);

/* The type with its article, for messages: "a table", "an array", "a string", "an integer",
 * "a float", "a bool", and "a date/time" for the four date/time types. Static storage. */
const char *bolt_toml_type_phrase(enum bolt_toml_type type);

/*
 * Format a date/time value as RFC 3339 text (the TOML form, with 'T' and the
 * fraction digits as written, offset as Z or +HH:MM) into buf; returns buf.
 */
const char *bolt_toml_datetime_str(const struct bolt_toml_value *v, char *buf, size_t len);

/* --- helpers for configuration files ------------------------------------------------ */

/*
 * The candidate closest to word (edit distance, or word being a prefix of it), or NULL
 * when none is close enough to be a plausible typo. candidates is NULL-terminated.
 */
const char *bolt_toml_suggest(const char *word, const char *const *candidates);

/*
 * Check that table t only has keys from allowed (NULL-terminated). On the first other
 * key sets err to "FILE:LINE:COL: unknown key 'KEY' (did you mean 'X'?)" (without the
 * hint when nothing is close) and returns -1; returns 0 when all keys are known.
 * file names the document in messages (the path given to bolt_toml_load_file).
 */
int bolt_toml_check_keys(const struct bolt_toml_value *t, const char *const *allowed,
                         const char *file, struct bolt_err *err);

/*
 * Typed lookups of key in table t. They return 0 when the key is absent (*out is left
 * alone, so it can hold the default), 1 when it was found and *out set, and -1 with
 * err "FILE:LINE:COL: KEY: expected a string, found an integer" when the value has
 * another type. *out of bolt_toml_get_str points into the tree (borrowed). Strings
 * holding NUL characters are refused.
 */
int bolt_toml_get_str(const struct bolt_toml_value *t, const char *key, const char *file,
                      const char **out, struct bolt_err *err);
int bolt_toml_get_bool(const struct bolt_toml_value *t, const char *key, const char *file,
                       bool *out, struct bolt_err *err);
int bolt_toml_get_int(const struct bolt_toml_value *t, const char *key, const char *file,
                      int64_t *out, struct bolt_err *err);

#endif
