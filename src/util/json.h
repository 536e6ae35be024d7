/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_JSON_H
#define BOLT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Typed getters over jansson that report errors by JSON path, e.g.
 * "process.user.uid: expected integer". path names the object being read
 * ("process.user"); key is the member. A missing member is not an error unless
 * the getter says "req": the out value is left untouched.
 * Each returns 0 (ok or absent), -1 (wrong type; err set).
 */
int bolt_json_get_str(json_t *obj, const char *path, const char *key, char **out,
                      struct bolt_err *err);
int bolt_json_req_str(json_t *obj, const char *path, const char *key, char **out,
                      struct bolt_err *err);
int bolt_json_get_bool(json_t *obj, const char *path, const char *key, bool *out,
                       struct bolt_err *err);
int bolt_json_get_i64(json_t *obj, const char *path, const char *key, int64_t *out,
                      struct bolt_err *err);
int bolt_json_get_u32(json_t *obj, const char *path, const char *key, uint32_t *out,
                      struct bolt_err *err);
int bolt_json_get_u64(json_t *obj, const char *path, const char *key, uint64_t *out,
                      struct bolt_err *err);
/* A string array (NULL-terminated, heap) into *out. */
int bolt_json_get_strv(json_t *obj, const char *path, const char *key, char ***out,
                       struct bolt_err *err);
/* Returns the member if it is an object/array (NULL when absent); -1 via *bad on wrong type. */
json_t *bolt_json_get_obj(json_t *obj, const char *path, const char *key, bool *bad,
                          struct bolt_err *err);
json_t *bolt_json_get_arr(json_t *obj, const char *path, const char *key, bool *bad,
                          struct bolt_err *err);

/* Load a JSON file with a clear error ("'file' line L column C: text"). */
json_t *bolt_json_load_file(const char *path, struct bolt_err *err);
json_t *bolt_json_loadb(const char *buf, size_t len, const char *what, struct bolt_err *err);

/* bolt_json_loadb that also requires a JSON object at the top ("WHAT: expected a JSON
 * object"). Returns a new reference (json_decref), or NULL with err set. */
json_t *bolt_json_loadb_object(const char *buf, size_t len, const char *what,
                               struct bolt_err *err);

/* Serialize (indented when pretty) and write atomically. */
int bolt_json_write_file_atomic(const char *path, json_t *root, bool pretty, struct bolt_err *err);

#endif
