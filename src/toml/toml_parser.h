/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_TOML_PARSER_H
#define BOLT_TOML_PARSER_H

/* Internal to src/toml: the parser state shared by toml_parse.c and toml_scalar.c. */

#include <stdbool.h>
#include <stddef.h>

#include "toml/toml.h"

struct toml_parser {
    const char *s;
    size_t len;
    size_t i;              /* next byte */
    unsigned line;         /* line of byte i, 1-based */
    size_t line_start;     /* offset of the first byte of that line */
    size_t col_line_start; /* column cache: line it belongs to, offset and column reached */
    size_t col_at;
    unsigned col;
    bool failed;
    struct bolt_err *err;
    struct bolt_toml_value *root;
    struct bolt_toml_value *cur; /* table that key/value lines go into */
};

/* Position (line:col) of byte offset at, which must lie on the current line. */
struct bolt_toml_pos toml_pos_at(struct toml_parser *p, size_t at);
struct bolt_toml_pos toml_here(struct toml_parser *p);

/* Record the first error as "LINE:COL: message"; later calls are ignored. Returns -1. */
int toml_fail_pos(struct toml_parser *p, struct bolt_toml_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define toml_fail(p, ...) toml_fail_pos((p), toml_here(p), __VA_ARGS__)

/* Note that a newline ending at p->i was consumed (p->i is the first byte of the next line). */
void toml_newline(struct toml_parser *p);

/* Describe the byte at p->i for an error message (uses buf when needed). */
const char *toml_what(struct toml_parser *p, char *buf, size_t len);

/* Check that the whole input is UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int toml_check_utf8(struct toml_parser *p);

/*
 * Read a single-line basic or literal string at p->i (used for quoted keys).
 * *out (heap, NUL-terminated) and *out_len are set on success.
 */
int toml_parse_string(struct toml_parser *p, char **out, size_t *out_len);

/* Read a string, bool, number or date/time value at p->i. NULL on error. */
struct bolt_toml_value *toml_parse_scalar(struct toml_parser *p, unsigned depth);

#endif
