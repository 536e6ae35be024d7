/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_TOML_MODEL_H
#define BOLT_TOML_MODEL_H

/* Internal to src/toml: building the document tree (toml.c) for the parser (toml_parse.c). */

#include "toml/toml.h"

/* A new value of type with position pos and depth; tables get origin. Aborts on OOM. */
struct bolt_toml_value *toml_value_new(enum bolt_toml_type type, struct bolt_toml_pos pos,
                                       unsigned depth);

/* Lookup by key bytes in table t (hashed once the table grows). NULL if absent. */
struct bolt_toml_kv *toml_table_find(const struct bolt_toml_value *t, const char *key,
                                     size_t key_len);

/*
 * Add key -> value to table t; the key must not exist yet (check with toml_table_find).
 * Takes ownership of key (heap, NUL-terminated) and value.
 */
void toml_table_add(struct bolt_toml_value *t, char *key, size_t key_len,
                    struct bolt_toml_pos key_pos, struct bolt_toml_value *value);

/* Append value to array a; takes ownership of value. */
void toml_array_push(struct bolt_toml_value *a, struct bolt_toml_value *value);

#endif
