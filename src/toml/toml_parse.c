/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TOML 1.0 document grammar: expressions, keys, table headers, arrays and inline
 * tables, and the rules deciding which (re)definitions are legal. Scalars (strings,
 * numbers, dates) are read by toml_scalar.c.
 */
#include "toml/toml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml_model.h"
#include "toml/toml_parser.h"
#include "util/mem.h"

struct bolt_toml_pos
toml_pos_at(struct toml_parser *p, size_t at)
{
    /*
     * Columns count code points from the start of the line. The cache makes a run
     * of queries along one long line linear instead of quadratic.
     */
    if (p->col_line_start != p->line_start || p->col_at > at) {
        p->col_line_start = p->line_start;
        p->col_at = p->line_start;
        p->col = 1;
    }
    for (; p->col_at < at && p->col_at < p->len; p->col_at++)
        if (((unsigned char)p->s[p->col_at] & 0xC0) != 0x80)
            p->col++;
    return (struct bolt_toml_pos){p->line, p->col};
}

struct bolt_toml_pos
toml_here(struct toml_parser *p)
{
    return toml_pos_at(p, p->i);
}

int
toml_fail_pos(struct toml_parser *p, struct bolt_toml_pos pos, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    if (p->failed)
        return -1;
    p->failed = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return bolt_err_set(p->err, 0, "%u:%u: %s", pos.line, pos.col, msg);
}

void
toml_newline(struct toml_parser *p)
{
    p->line++;
    p->line_start = p->i;
}

/* Describe the byte at p->i for messages: "end of file", "newline", "'x'". */
const char *
toml_what(struct toml_parser *p, char *buf, size_t len)
{
    unsigned char c;

    if (p->i >= p->len)
        return "end of file";
    c = (unsigned char)p->s[p->i];
    if (c == '\n' || c == '\r')
        return "end of line";
    if (c < 0x20 || c == 0x7F)
        snprintf(buf, len, "control character U+%04X", c);
    else if (c >= 0x80)
        snprintf(buf, len, "non-ASCII character");
    else
        snprintf(buf, len, "'%c'", c);
    return buf;
}

static void
skip_ws(struct toml_parser *p)
{
    while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
        p->i++;
}

static int
skip_comment(struct toml_parser *p)
{
    if (p->i >= p->len || p->s[p->i] != '#')
        return 0;
    for (p->i++; p->i < p->len; p->i++) {
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == '\n' || (c == '\r' && p->i + 1 < p->len && p->s[p->i + 1] == '\n'))
            return 0;
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return toml_fail(p, "control character U+%04X is not allowed in a comment", c);
    }
    return 0;
}

/* Consume one newline (LF or CRLF) if there is one; 1 if consumed, 0 if not, -1 on a bare CR. */
static int
eat_newline(struct toml_parser *p)
{
    if (p->i < p->len && p->s[p->i] == '\n') {
        p->i++;
        toml_newline(p);
        return 1;
    }
    if (p->i < p->len && p->s[p->i] == '\r') {
        if (p->i + 1 < p->len && p->s[p->i + 1] == '\n') {
            p->i += 2;
            toml_newline(p);
            return 1;
        }
        return toml_fail(p, "carriage return must be followed by a newline");
    }
    return 0;
}

/* Whitespace, comments and newlines, as allowed between array elements. */
static int
skip_ws_nl(struct toml_parser *p)
{
    for (;;) {
        int r;
        skip_ws(p);
        if (skip_comment(p) < 0)
            return -1;
        r = eat_newline(p);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
    }
}

/* After a key/value pair or a header: optional comment, then end of line or file. */
static int
expect_eol(struct toml_parser *p, const char *after)
{
    char buf[48];
    int r;

    skip_ws(p);
    if (skip_comment(p) < 0)
        return -1;
    if (p->i >= p->len)
        return 0;
    r = eat_newline(p);
    if (r != 0)
        return r < 0 ? -1 : 0;
    return toml_fail(p, "expected end of line after %s, found %s", after,
                     toml_what(p, buf, sizeof(buf)));
}

/* --- keys ----------------------------------------------------------------------- */

struct key_part {
    char *s;
    size_t len;
    struct bolt_toml_pos pos;
};

struct key {
    struct key_part *parts;
    size_t n, cap;
    char name[128]; /* dotted form for messages */
};

static void
key_fini(struct key *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->parts[i].s);
    free(k->parts);
}

static bool
is_bare(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
           || c == '-';
}

static void
key_name(struct key *k)
{
    size_t at = 0;

    k->name[0] = '\0';
    for (size_t i = 0; i < k->n && at + 1 < sizeof(k->name); i++) {
        int w = snprintf(k->name + at, sizeof(k->name) - at, "%s%.*s", i ? "." : "",
                         (int)k->parts[i].len, k->parts[i].s);
        if (w < 0)
            break;
        at += (size_t)w;
    }
}

static int
parse_simple_key(struct toml_parser *p, struct key_part *out)
{
    char buf[48];
    size_t start = p->i;

    out->pos = toml_here(p);
    if (p->i < p->len && (p->s[p->i] == '"' || p->s[p->i] == '\'')) {
        if (p->i + 2 < p->len && p->s[p->i + 1] == p->s[p->i] && p->s[p->i + 2] == p->s[p->i])
            return toml_fail(p, "a key cannot be a multi-line string");
        return toml_parse_string(p, &out->s, &out->len);
    }
    while (p->i < p->len && is_bare((unsigned char)p->s[p->i]))
        p->i++;
    if (p->i == start)
        return toml_fail(p, "expected a key, found %s", toml_what(p, buf, sizeof(buf)));
    out->len = p->i - start;
    out->s = xstrndup(p->s + start, out->len);
    return 0;
}

static int
parse_key(struct toml_parser *p, struct key *k)
{
    for (;;) {
        if (k->n == k->cap) {
            k->cap = k->cap ? k->cap * 2 : 4;
            k->parts = xreallocarray(k->parts, k->cap, sizeof(*k->parts));
        }
        if (parse_simple_key(p, &k->parts[k->n]) < 0)
            return -1;
        k->n++;
        skip_ws(p);
        if (p->i >= p->len || p->s[p->i] != '.')
            break;
        p->i++;
        skip_ws(p);
    }
    key_name(k);
    return 0;
}

/* --- building tables -------------------------------------------------------------- */

static struct bolt_toml_value *
new_table(struct toml_parser *p, struct bolt_toml_value *parent, struct key_part *part,
          enum bolt_toml_origin origin)
{
    struct bolt_toml_value *t;

    if (parent->depth + 1 > BOLT_TOML_MAX_DEPTH) {
        toml_fail_pos(p, part->pos, "tables nest deeper than %d levels", BOLT_TOML_MAX_DEPTH);
        return NULL;
    }
    t = toml_value_new(BOLT_TOML_TABLE, part->pos, parent->depth + 1);
    t->u.table.origin = origin;
    toml_table_add(parent, steal_ptr(&part->s), part->len, part->pos, t);
    return t;
}

static int
conflict(struct toml_parser *p, struct key *k, size_t upto, const struct bolt_toml_kv *kv,
         const char *why)
{
    return toml_fail_pos(
        p, k->parts[upto].pos, "%s '%.*s' (defined at %u:%u as %s)", why, (int)k->parts[upto].len,
        k->parts[upto].s, kv->key_pos.line, kv->key_pos.col,
        kv->value->type == BOLT_TOML_TABLE
            ? (kv->value->u.table.origin == BOLT_TOML_ORIGIN_INLINE ? "an inline table" : "a table")
            : (kv->value->type == BOLT_TOML_ARRAY && kv->value->u.array.of_tables
                   ? "an array of tables"
                   : bolt_toml_type_name(kv->value->type)));
}

/* Walk the first n-1 parts of a dotted key of a key/value line, creating tables. */
static struct bolt_toml_value *
walk_dotted(struct toml_parser *p, struct bolt_toml_value *t, struct key *k)
{
    for (size_t j = 0; j + 1 < k->n; j++) {
        struct key_part *part = &k->parts[j];
        struct bolt_toml_kv *kv = toml_table_find(t, part->s, part->len);
        if (kv == NULL) {
            t = new_table(p, t, part, BOLT_TOML_ORIGIN_DOTTED);
            if (t == NULL)
                return NULL;
            continue;
        }
        /*
         * Dotted keys may extend tables that dotted keys created, and tables that only
         * exist as parents of a [header]; such a table then counts as defined by dotted
         * keys, so a later [header] for it is a redefinition. Tables defined by a header
         * and inline tables are closed to dotted keys (toml-lang/toml#846).
         */
        if (kv->value->type != BOLT_TOML_TABLE
            || (kv->value->u.table.origin != BOLT_TOML_ORIGIN_DOTTED
                && kv->value->u.table.origin != BOLT_TOML_ORIGIN_IMPLICIT)) {
            conflict(p, k, j, kv, "dotted key cannot extend");
            return NULL;
        }
        t = kv->value;
        t->u.table.origin = BOLT_TOML_ORIGIN_DOTTED;
    }
    return t;
}

/* Freeze the tables that dotted keys created inside a finished inline table. */
static void
freeze(struct bolt_toml_value *t)
{
    t->u.table.origin = BOLT_TOML_ORIGIN_INLINE;
    for (size_t i = 0; i < t->u.table.n; i++) {
        struct bolt_toml_value *v = t->u.table.items[i].value;
        if (v->type == BOLT_TOML_TABLE && v->u.table.origin == BOLT_TOML_ORIGIN_DOTTED)
            freeze(v);
    }
}

static struct bolt_toml_value *parse_value(struct toml_parser *p, unsigned depth);

/* key = value, into table t (the current section, or an inline table being read). */
static int
parse_keyval(struct toml_parser *p, struct bolt_toml_value *t)
{
    struct key k = {0};
    struct bolt_toml_value *v = NULL;
    struct bolt_toml_kv *kv;
    struct key_part *last;
    char buf[48];
    int rc = -1;

    if (parse_key(p, &k) < 0)
        goto out;
    if (p->i >= p->len || p->s[p->i] != '=') {
        toml_fail(p, "expected '=' after key '%s', found %s", k.name,
                  toml_what(p, buf, sizeof(buf)));
        goto out;
    }
    p->i++;
    skip_ws(p);
    t = walk_dotted(p, t, &k);
    if (t == NULL)
        goto out;
    last = &k.parts[k.n - 1];
    kv = toml_table_find(t, last->s, last->len);
    if (kv != NULL) {
        conflict(p, &k, k.n - 1, kv, "duplicate key");
        goto out;
    }
    v = parse_value(p, t->depth + 1);
    if (v == NULL)
        goto out;
    toml_table_add(t, steal_ptr(&last->s), last->len, last->pos, v);
    rc = 0;
out:
    key_fini(&k);
    return rc;
}

/* --- containers ------------------------------------------------------------------- */

static struct bolt_toml_value *
parse_array(struct toml_parser *p, unsigned depth)
{
    struct bolt_toml_value *a = toml_value_new(BOLT_TOML_ARRAY, toml_here(p), depth);
    char buf[48];

    p->i++; /* [ */
    for (;;) {
        struct bolt_toml_value *v;
        if (skip_ws_nl(p) < 0)
            goto fail;
        if (p->i < p->len && p->s[p->i] == ']')
            break;
        v = parse_value(p, depth + 1);
        if (v == NULL)
            goto fail;
        toml_array_push(a, v);
        if (skip_ws_nl(p) < 0)
            goto fail;
        if (p->i < p->len && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->len && p->s[p->i] == ']')
            break;
        toml_fail(p, "expected ',' or ']' in array, found %s", toml_what(p, buf, sizeof(buf)));
        goto fail;
    }
    p->i++; /* ] */
    return a;
fail:
    bolt_toml_free(a);
    return NULL;
}

static struct bolt_toml_value *
parse_inline_table(struct toml_parser *p, unsigned depth)
{
    struct bolt_toml_value *t = toml_value_new(BOLT_TOML_TABLE, toml_here(p), depth);
    char buf[48];

    t->u.table.origin = BOLT_TOML_ORIGIN_DOTTED;
    p->i++; /* { */
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == '}')
        goto done;
    for (;;) {
        skip_ws(p);
        if (parse_keyval(p, t) < 0)
            goto fail;
        skip_ws(p);
        if (p->i < p->len && p->s[p->i] == '}')
            break;
        if (p->i >= p->len || p->s[p->i] != ',') {
            toml_fail(p, "expected ',' or '}' in inline table, found %s",
                      toml_what(p, buf, sizeof(buf)));
            goto fail;
        }
        p->i++;
        skip_ws(p);
        if (p->i < p->len && p->s[p->i] == '}') {
            toml_fail(p, "trailing ',' is not allowed in an inline table");
            goto fail;
        }
    }
done:
    p->i++; /* } */
    freeze(t);
    return t;
fail:
    bolt_toml_free(t);
    return NULL;
}

static struct bolt_toml_value *
parse_value(struct toml_parser *p, unsigned depth)
{
    char buf[48];
    char c;

    if (depth > BOLT_TOML_MAX_DEPTH) {
        toml_fail(p, "values nest deeper than %d levels", BOLT_TOML_MAX_DEPTH);
        return NULL;
    }
    if (p->i >= p->len) {
        toml_fail(p, "expected a value, found end of file");
        return NULL;
    }
    c = p->s[p->i];
    if (c == '[')
        return parse_array(p, depth);
    if (c == '{')
        return parse_inline_table(p, depth);
    if (c == '"' || c == '\'' || c == 't' || c == 'f' || c == 'i' || c == 'n' || c == '+'
        || c == '-' || (c >= '0' && c <= '9'))
        return toml_parse_scalar(p, depth);
    toml_fail(p, "expected a value, found %s", toml_what(p, buf, sizeof(buf)));
    return NULL;
}

/* --- table headers ---------------------------------------------------------------- */

static struct bolt_toml_value *
walk_header(struct toml_parser *p, struct key *k)
{
    struct bolt_toml_value *t = p->root;

    for (size_t j = 0; j + 1 < k->n; j++) {
        struct key_part *part = &k->parts[j];
        struct bolt_toml_kv *kv = toml_table_find(t, part->s, part->len);
        struct bolt_toml_value *v;
        if (kv == NULL) {
            t = new_table(p, t, part, BOLT_TOML_ORIGIN_IMPLICIT);
            if (t == NULL)
                return NULL;
            continue;
        }
        v = kv->value;
        if (v->type == BOLT_TOML_ARRAY && v->u.array.of_tables) {
            t = v->u.array.items[v->u.array.n - 1];
            continue;
        }
        if (v->type != BOLT_TOML_TABLE || v->u.table.origin == BOLT_TOML_ORIGIN_INLINE) {
            conflict(p, k, j, kv, "cannot add a table to");
            return NULL;
        }
        t = v;
    }
    return t;
}

static int
define_table(struct toml_parser *p, struct bolt_toml_value *t, struct key *k)
{
    struct key_part *last = &k->parts[k->n - 1];
    struct bolt_toml_kv *kv = toml_table_find(t, last->s, last->len);

    if (kv == NULL) {
        p->cur = new_table(p, t, last, BOLT_TOML_ORIGIN_HEADER);
        return p->cur ? 0 : -1;
    }
    if (kv->value->type != BOLT_TOML_TABLE
        || kv->value->u.table.origin != BOLT_TOML_ORIGIN_IMPLICIT)
        return conflict(p, k, k->n - 1, kv, "cannot define table");
    kv->value->u.table.origin = BOLT_TOML_ORIGIN_HEADER;
    p->cur = kv->value;
    return 0;
}

static int
define_array_table(struct toml_parser *p, struct bolt_toml_value *t, struct key *k)
{
    struct key_part *last = &k->parts[k->n - 1];
    struct bolt_toml_kv *kv = toml_table_find(t, last->s, last->len);
    struct bolt_toml_value *a, *elem;
    struct bolt_toml_pos pos = last->pos;

    if (kv == NULL) {
        if (t->depth + 2 > BOLT_TOML_MAX_DEPTH)
            return toml_fail_pos(p, pos, "tables nest deeper than %d levels", BOLT_TOML_MAX_DEPTH);
        a = toml_value_new(BOLT_TOML_ARRAY, pos, t->depth + 1);
        a->u.array.of_tables = true;
        toml_table_add(t, steal_ptr(&last->s), last->len, pos, a);
    } else if (kv->value->type == BOLT_TOML_ARRAY && kv->value->u.array.of_tables) {
        a = kv->value;
    } else {
        return conflict(p, k, k->n - 1, kv, "cannot append a table to");
    }
    elem = toml_value_new(BOLT_TOML_TABLE, pos, a->depth + 1);
    elem->u.table.origin = BOLT_TOML_ORIGIN_HEADER;
    toml_array_push(a, elem);
    p->cur = elem;
    return 0;
}

static int
parse_header(struct toml_parser *p)
{
    struct key k = {0};
    struct bolt_toml_value *t;
    bool aot = p->i + 1 < p->len && p->s[p->i + 1] == '[';
    char buf[48];
    int rc = -1;

    p->i += aot ? 2 : 1;
    skip_ws(p);
    if (parse_key(p, &k) < 0)
        goto out;
    if (p->i >= p->len || p->s[p->i] != ']'
        || (aot && (p->i + 1 >= p->len || p->s[p->i + 1] != ']'))) {
        toml_fail(p, "expected '%s' to close table header [%s%s, found %s", aot ? "]]" : "]",
                  aot ? "[" : "", k.name, toml_what(p, buf, sizeof(buf)));
        goto out;
    }
    p->i += aot ? 2 : 1;
    t = walk_header(p, &k);
    if (t == NULL)
        goto out;
    rc = aot ? define_array_table(p, t, &k) : define_table(p, t, &k);
out:
    key_fini(&k);
    return rc;
}

/* --- document --------------------------------------------------------------------- */

static int
parse_document(struct toml_parser *p)
{
    for (;;) {
        int r;
        skip_ws(p);
        if (skip_comment(p) < 0)
            return -1;
        if (p->i >= p->len)
            return 0;
        r = eat_newline(p);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (p->s[p->i] == '[') {
            if (parse_header(p) < 0 || expect_eol(p, "the table header") < 0)
                return -1;
        } else if (parse_keyval(p, p->cur) < 0 || expect_eol(p, "the value") < 0) {
            return -1;
        }
    }
}

struct bolt_toml_value *
bolt_toml_parse(const char *data, size_t len, struct bolt_err *err)
{
    struct toml_parser p = {.s = data, .len = len, .line = 1, .col = 1, .err = err};

    if (toml_check_utf8(&p) < 0)
        return NULL;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        p.i = 3;
        p.line_start = 3;
    }
    p.root = toml_value_new(BOLT_TOML_TABLE, (struct bolt_toml_pos){1, 1}, 0);
    p.root->u.table.origin = BOLT_TOML_ORIGIN_ROOT;
    p.cur = p.root;
    if (parse_document(&p) < 0) {
        bolt_toml_free(p.root);
        return NULL;
    }
    return p.root;
}
