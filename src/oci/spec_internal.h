/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_OCI_SPEC_INTERNAL_H
#define BOLT_OCI_SPEC_INTERNAL_H

/* Helpers shared by the files of src/oci; not for other modules. */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "oci/spec.h"
#include "util/err.h"

/* JSON paths for messages: oci_sub("a", "b") = "a.b", oci_idx("a", "b", 2) = "a.b[2]". */
char *oci_sub(const char *path, const char *key);
char *oci_idx(const char *path, const char *key, size_t i);

/* Type-checked getters; each returns 0 (also when absent) or -1 with err naming the path. */
int oci_expect_obj(json_t *v, const char *path, struct bolt_err *err);
int oci_get_arr(json_t *obj, const char *path, const char *key, json_t **arr, struct bolt_err *err);
int oci_get_obj(json_t *obj, const char *path, const char *key, json_t **out, struct bolt_err *err);
int oci_get_int_range(json_t *obj, const char *path, const char *key, int lo, int hi, int *out,
                      bool *has, struct bolt_err *err);
int oci_get_u64_wrap(json_t *obj, const char *path, const char *key, uint64_t *out,
                     struct bolt_err *err);
int oci_get_has_u64(json_t *obj, const char *path, const char *key, uint64_t *out, bool *has,
                    struct bolt_err *err);
int oci_get_has_i64(json_t *obj, const char *path, const char *key, int64_t *out, bool *has,
                    struct bolt_err *err);
int oci_get_has_u32(json_t *obj, const char *path, const char *key, uint32_t *out, bool *has,
                    struct bolt_err *err);
int oci_get_char(json_t *obj, const char *path, const char *key, char *out, struct bolt_err *err);
int oci_parse_idmaps(json_t *obj, const char *path, const char *key, struct bolt_oci_idmap **out,
                     size_t *n, struct bolt_err *err);
/* A JSON object of strings into parallel NULL-terminated key/value arrays (strings owned). */
int oci_parse_str_map(json_t *obj, const char *path, const char *key, char ***keys, char ***values,
                      size_t *n, struct bolt_err *err);

/* The "linux" member (spec_parse_linux.c). */
int oci_parse_linux(json_t *root, struct bolt_oci_spec *s, struct bolt_err *err);

/* Semantic checks of linux.seccomp (spec_validate_seccomp.c). */
int oci_validate_seccomp(const struct bolt_oci_seccomp *sc, struct bolt_err *err);

#endif
