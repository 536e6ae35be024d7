/* SPDX-License-Identifier: Apache-2.0 */
#include "util/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/mem.h"

static int
type_err(const char *path, const char *key, const char *want, struct bolt_err *err)
{
    if (path && *path)
        return bolt_err_set(err, 0, "%s.%s: expected %s", path, key, want);
    return bolt_err_set(err, 0, "%s: expected %s", key, want);
}

int
bolt_json_get_str(json_t *obj, const char *path, const char *key, char **out, struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return type_err(path, key, "string", err);
    free(*out);
    *out = xstrdup(json_string_value(v));
    return 0;
}

int
bolt_json_req_str(json_t *obj, const char *path, const char *key, char **out, struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL) {
        if (path && *path)
            return bolt_err_set(err, 0, "%s.%s: required string is missing", path, key);
        return bolt_err_set(err, 0, "%s: required string is missing", key);
    }
    return bolt_json_get_str(obj, path, key, out, err);
}

int
bolt_json_get_bool(json_t *obj, const char *path, const char *key, bool *out, struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return type_err(path, key, "boolean", err);
    *out = json_is_true(v);
    return 0;
}

int
bolt_json_get_i64(json_t *obj, const char *path, const char *key, int64_t *out,
                  struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return type_err(path, key, "integer", err);
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int
bolt_json_get_u32(json_t *obj, const char *path, const char *key, uint32_t *out,
                  struct bolt_err *err)
{
    int64_t v = 0;
    json_t *j = json_object_get(obj, key);

    if (j == NULL || json_is_null(j))
        return 0;
    if (bolt_json_get_i64(obj, path, key, &v, err) < 0)
        return -1;
    if (v < 0 || v > UINT32_MAX)
        return type_err(path, key, "integer between 0 and 4294967295", err);
    *out = (uint32_t)v;
    return 0;
}

int
bolt_json_get_u64(json_t *obj, const char *path, const char *key, uint64_t *out,
                  struct bolt_err *err)
{
    int64_t v = 0;
    json_t *j = json_object_get(obj, key);

    if (j == NULL || json_is_null(j))
        return 0;
    if (bolt_json_get_i64(obj, path, key, &v, err) < 0)
        return -1;
    if (v < 0)
        return type_err(path, key, "non-negative integer", err);
    *out = (uint64_t)v;
    return 0;
}

int
bolt_json_get_strv(json_t *obj, const char *path, const char *key, char ***out,
                   struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);
    char **res;
    size_t i;
    json_t *e;

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return type_err(path, key, "array of strings", err);
    res = xcalloc(json_array_size(v) + 1, sizeof(char *));
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e)) {
            bolt_strv_free(res);
            if (path && *path)
                return bolt_err_set(err, 0, "%s.%s[%zu]: expected string", path, key, i);
            return bolt_err_set(err, 0, "%s[%zu]: expected string", key, i);
        }
        res[i] = xstrdup(json_string_value(e));
    }
    bolt_strv_free(*out);
    *out = res;
    return 0;
}

static json_t *
get_typed(json_t *obj, const char *path, const char *key, bool want_obj, bool *bad,
          struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);

    *bad = false;
    if (v == NULL || json_is_null(v))
        return NULL;
    if (want_obj ? !json_is_object(v) : !json_is_array(v)) {
        *bad = true;
        type_err(path, key, want_obj ? "object" : "array", err);
        return NULL;
    }
    return v;
}

json_t *
bolt_json_get_obj(json_t *obj, const char *path, const char *key, bool *bad, struct bolt_err *err)
{
    return get_typed(obj, path, key, true, bad, err);
}

json_t *
bolt_json_get_arr(json_t *obj, const char *path, const char *key, bool *bad, struct bolt_err *err)
{
    return get_typed(obj, path, key, false, bad, err);
}

json_t *
bolt_json_loadb(const char *buf, size_t len, const char *what, struct bolt_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);

    if (root == NULL)
        bolt_err_set(err, 0, "%s: line %d column %d: %s", what, je.line, je.column, je.text);
    return root;
}

json_t *
bolt_json_loadb_object(const char *buf, size_t len, const char *what, struct bolt_err *err)
{
    json_t *root = bolt_json_loadb(buf, len, what, err);

    if (root != NULL && !json_is_object(root)) {
        json_decref(root);
        bolt_err_set(err, 0, "%s: expected a JSON object", what);
        return NULL;
    }
    return root;
}

json_t *
bolt_json_load_file(const char *path, struct bolt_err *err)
{
    cleanup_free char *buf = NULL;
    cleanup_free char *what = NULL;
    size_t len = 0;

    buf = bolt_read_file(path, &len, err);
    if (buf == NULL)
        return NULL;
    what = xasprintf("'%s'", path);
    return bolt_json_loadb(buf, len, what, err);
}

int
bolt_json_write_file_atomic(const char *path, json_t *root, bool pretty, struct bolt_err *err)
{
    cleanup_free char *s = json_dumps(root, pretty ? JSON_INDENT(2) | JSON_SORT_KEYS : JSON_COMPACT);
    size_t n;
    int r;

    if (s == NULL)
        return bolt_err_set(err, ENOMEM, "serialize json for '%s'", path);
    n = strlen(s);
    s = xrealloc(s, n + 2);
    s[n] = '\n';
    s[n + 1] = '\0';
    r = bolt_write_file_atomic(path, s, n + 1, 0644, err);
    return r;
}
