/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_BF_INTERNAL_H
#define BOLT_BF_INTERNAL_H

/*
 * Internal to src/boltfile: the validation context and typed getters. Every getter
 * reports its own problem (with the key's path and the value's position) and returns
 * false / NULL, so callers simply carry on and all problems are collected.
 */

#include <stdbool.h>
#include <stdint.h>

#include "boltfile/boltfile.h"

struct bf_diag {
    struct bolt_toml_pos pos;
    size_t seq; /* keeps the order of problems found at the same position */
    char *msg;
};

struct bf_ctx {
    struct bf_diag *diags;
    size_t n, cap;
    const char *dir;                        /* directory of the Boltfile, for relative paths */
    const struct bolt_toml_value *services; /* [services], to check references to services */
    const struct bolt_toml_value *volumes;  /* [volumes], to check named volumes */
};

/* Record a problem at pos. */
void bf_report(struct bf_ctx *c, struct bolt_toml_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report a wrong type: "PATH: expected WHAT, found a TYPE". Returns false. */
bool bf_wrong_type(struct bf_ctx *c, const char *path, const struct bolt_toml_value *v,
                   const char *what);

/* The closest of candidates to word (edit distance), or NULL if none is close enough. */
const char *bf_suggest(const char *word, const char *const *candidates);

/* Report every key of table t that is not in allowed (NULL-terminated), with a suggestion. */
void bf_check_keys(struct bf_ctx *c, const struct bolt_toml_value *t, const char *section,
                   const char *const *allowed);

/* "PATH.KEY" in a heap string (caller frees); path may be "" for the top level. */
char *bf_join(const char *path, const char *key);

/* Getters: absent keys leave *out alone and return true; bad values report and return false. */
bool bf_get_str(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                const char *key, char **out);
bool bf_get_bool(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                 const char *key, bool *out);
bool bf_get_int(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                const char *key, int64_t min, int64_t max, int64_t *out);
bool bf_get_enum(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                 const char *key, const char *const *allowed, char **out);
bool bf_get_size(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                 const char *key, uint64_t *out);
bool bf_get_duration(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                     const char *key, uint64_t *out);
/* A string (one element, or split into words when split is true) or an array of strings. */
bool bf_get_strv(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                 const char *key, bool split, char ***out);
/* A table (KEY = scalar) or an array of "KEY=value" / "KEY" strings, into "KEY=value". */
bool bf_get_mapping(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                    const char *key, char ***out);
/* A sub-table; reports a non-table value. NULL if absent or wrong. */
const struct bolt_toml_value *bf_get_table(struct bf_ctx *c, const struct bolt_toml_value *t,
                                           const char *path, const char *key);

/* Split a command line into words: spaces separate, '...' and "..." quote, \ escapes. */
char **bf_split_words(const char *s, bool *ok);

/* Per-service parsing (bf_service.c) and the gaming sections (bf_gaming.c). */
void bf_parse_service(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                      struct bolt_bf_service *svc);
void bf_parse_gaming(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                     struct bolt_bf_service *svc);

/* Free everything a parsed service owns; svc itself is the caller's. */
void bf_service_fini(struct bolt_bf_service *svc);

/* volumes and env_file of a service (bf_paths.c): host paths resolve against c->dir. */
void bf_parse_volumes(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                      struct bolt_bf_service *svc);
void bf_parse_env_files(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                        struct bolt_bf_service *svc);

#endif
