/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json -> struct bolt_oci_spec. This layer checks JSON types (and the few
 * values the model stores as enums); the semantic rules live in spec_validate.c, so
 * every spec that bolt_oci_spec_to_json writes parses back (dup relies on it).
 */
#include "oci/spec.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec_internal.h"
#include "util/json.h"
#include "util/mem.h"

/* "a.b" (or "b" at the top level). */
char *
oci_sub(const char *path, const char *key)
{
    return *path ? xasprintf("%s.%s", path, key) : xstrdup(key);
}

/* "a.b[i]" */
char *
oci_idx(const char *path, const char *key, size_t i)
{
    return *path ? xasprintf("%s.%s[%zu]", path, key, i) : xasprintf("%s[%zu]", key, i);
}

int
oci_expect_obj(json_t *v, const char *path, struct bolt_err *err)
{
    if (!json_is_object(v))
        return bolt_err_set(err, 0, "%s: expected object", path);
    return 0;
}

/*
 * Get an object member that must be an array of objects. *arr is NULL when absent.
 * Elements are type-checked by the caller through expect_obj.
 */
int
oci_get_arr(json_t *obj, const char *path, const char *key, json_t **arr, struct bolt_err *err)
{
    bool bad = false;

    *arr = bolt_json_get_arr(obj, path, key, &bad, err);
    return bad ? -1 : 0;
}

int
oci_get_obj(json_t *obj, const char *path, const char *key, json_t **out, struct bolt_err *err)
{
    bool bad = false;

    *out = bolt_json_get_obj(obj, path, key, &bad, err);
    return bad ? -1 : 0;
}

/* An integer member that must fit in an int within [lo, hi]. */
int
oci_get_int_range(json_t *obj, const char *path, const char *key, int lo, int hi, int *out,
                  bool *has, struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);
    int64_t x = 0;

    if (v == NULL || json_is_null(v))
        return 0;
    if (bolt_json_get_i64(obj, path, key, &x, err) < 0)
        return -1;
    if (x < lo || x > hi)
        return bolt_err_set(err, 0, "%s%s%s: expected integer between %d and %d", path,
                            *path ? "." : "", key, lo, hi);
    *out = (int)x;
    if (has)
        *has = true;
    return 0;
}

/*
 * A uint64 that JSON carries as a signed 64-bit integer: values above INT64_MAX (such as
 * RLIM_INFINITY, or seccomp masks) are written as their two's complement, so -1 reads
 * back as UINT64_MAX. That keeps to_json/parse a lossless round trip.
 */
int
oci_get_u64_wrap(json_t *obj, const char *path, const char *key, uint64_t *out,
                 struct bolt_err *err)
{
    int64_t x = 0;
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (bolt_json_get_i64(obj, path, key, &x, err) < 0)
        return -1;
    *out = (uint64_t)x;
    return 0;
}

int
oci_get_has_u64(json_t *obj, const char *path, const char *key, uint64_t *out, bool *has,
                struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (bolt_json_get_u64(obj, path, key, out, err) < 0)
        return -1;
    *has = true;
    return 0;
}

int
oci_get_has_i64(json_t *obj, const char *path, const char *key, int64_t *out, bool *has,
                struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (bolt_json_get_i64(obj, path, key, out, err) < 0)
        return -1;
    *has = true;
    return 0;
}

int
oci_get_has_u32(json_t *obj, const char *path, const char *key, uint32_t *out, bool *has,
                struct bolt_err *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (bolt_json_get_u32(obj, path, key, out, err) < 0)
        return -1;
    *has = true;
    return 0;
}

/* A one-character string member ("c", "b", ...); absent leaves *out untouched. */
int
oci_get_char(json_t *obj, const char *path, const char *key, char *out, struct bolt_err *err)
{
    cleanup_free char *s = NULL;

    if (bolt_json_get_str(obj, path, key, &s, err) < 0)
        return -1;
    if (s == NULL)
        return 0;
    if (strlen(s) != 1)
        return bolt_err_set(err, 0, "%s.%s: expected a one-letter string, got '%s'", path, key, s);
    *out = s[0];
    return 0;
}

/* ---- process ---- */

static int
parse_rlimits(json_t *proc, struct bolt_oci_process *p, struct bolt_err *err)
{
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(proc, "process", "rlimits", &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    p->rlimits = xcalloc(json_array_size(arr), sizeof(*p->rlimits));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *path = oci_idx("process", "rlimits", i);
        struct bolt_oci_rlimit *r = &p->rlimits[i];

        p->n_rlimits = i + 1;
        if (oci_expect_obj(e, path, err) < 0
            || bolt_json_get_str(e, path, "type", &r->type, err) < 0
            || oci_get_u64_wrap(e, path, "hard", &r->hard, err) < 0
            || oci_get_u64_wrap(e, path, "soft", &r->soft, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_user(json_t *proc, struct bolt_oci_process *p, struct bolt_err *err)
{
    json_t *user = NULL, *gids = NULL, *e;
    size_t i;

    if (oci_get_obj(proc, "process", "user", &user, err) < 0)
        return -1;
    if (user == NULL)
        return 0;
    if (bolt_json_get_u32(user, "process.user", "uid", &p->uid, err) < 0
        || bolt_json_get_u32(user, "process.user", "gid", &p->gid, err) < 0
        || oci_get_has_u32(user, "process.user", "umask", &p->umask, &p->has_umask, err) < 0
        || oci_get_arr(user, "process.user", "additionalGids", &gids, err) < 0)
        return -1;
    if (gids == NULL)
        return 0;
    p->additional_gids = xcalloc(json_array_size(gids), sizeof(gid_t));
    json_array_foreach(gids, i, e)
    {
        json_int_t g = json_integer_value(e);

        if (!json_is_integer(e) || g < 0 || g > UINT32_MAX)
            return bolt_err_set(err, 0,
                                "process.user.additionalGids[%zu]: expected integer between 0 "
                                "and 4294967295",
                                i);
        p->additional_gids[i] = (gid_t)g;
        p->n_additional_gids = i + 1;
    }
    return 0;
}

static int
parse_caps(json_t *proc, struct bolt_oci_process *p, struct bolt_err *err)
{
    json_t *caps = NULL;
    const char *path = "process.capabilities";

    if (oci_get_obj(proc, "process", "capabilities", &caps, err) < 0)
        return -1;
    if (caps == NULL)
        return 0;
    p->has_caps = true;
    if (bolt_json_get_strv(caps, path, "bounding", &p->caps.bounding, err) < 0
        || bolt_json_get_strv(caps, path, "effective", &p->caps.effective, err) < 0
        || bolt_json_get_strv(caps, path, "inheritable", &p->caps.inheritable, err) < 0
        || bolt_json_get_strv(caps, path, "permitted", &p->caps.permitted, err) < 0
        || bolt_json_get_strv(caps, path, "ambient", &p->caps.ambient, err) < 0)
        return -1;
    return 0;
}

static int
parse_process(json_t *root, struct bolt_oci_spec *s, struct bolt_err *err)
{
    struct bolt_oci_process *p = &s->process;
    json_t *proc = NULL, *cs = NULL;

    if (oci_get_obj(root, "", "process", &proc, err) < 0)
        return -1;
    if (proc == NULL)
        return 0;
    s->has_process = true;
    if (bolt_json_get_bool(proc, "process", "terminal", &p->terminal, err) < 0
        || oci_get_obj(proc, "process", "consoleSize", &cs, err) < 0)
        return -1;
    if (cs) {
        p->has_console_size = true;
        if (bolt_json_get_u32(cs, "process.consoleSize", "height", &p->console_height, err) < 0
            || bolt_json_get_u32(cs, "process.consoleSize", "width", &p->console_width, err) < 0)
            return -1;
    }
    if (parse_user(proc, p, err) < 0
        || bolt_json_get_strv(proc, "process", "args", &p->args, err) < 0
        || bolt_json_get_strv(proc, "process", "env", &p->env, err) < 0
        || bolt_json_get_str(proc, "process", "cwd", &p->cwd, err) < 0
        || parse_caps(proc, p, err) < 0 || parse_rlimits(proc, p, err) < 0
        || bolt_json_get_bool(proc, "process", "noNewPrivileges", &p->no_new_privileges, err) < 0
        || oci_get_int_range(proc, "process", "oomScoreAdj", INT_MIN, INT_MAX, &p->oom_score_adj,
                             &p->has_oom_score_adj, err)
               < 0
        || bolt_json_get_str(proc, "process", "apparmorProfile", &p->apparmor_profile, err) < 0
        || bolt_json_get_str(proc, "process", "selinuxLabel", &p->selinux_label, err) < 0)
        return -1;
    return 0;
}

/* ---- mounts, hooks, annotations ---- */

int
oci_parse_idmaps(json_t *obj, const char *path, const char *key, struct bolt_oci_idmap **out,
                 size_t *n, struct bolt_err *err)
{
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(obj, path, key, &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    *out = xcalloc(json_array_size(arr), sizeof(**out));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *p = oci_idx(path, key, i);
        struct bolt_oci_idmap *m = &(*out)[i];

        *n = i + 1;
        if (oci_expect_obj(e, p, err) < 0
            || bolt_json_get_u32(e, p, "containerID", &m->container_id, err) < 0
            || bolt_json_get_u32(e, p, "hostID", &m->host_id, err) < 0
            || bolt_json_get_u32(e, p, "size", &m->size, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_mounts(json_t *root, struct bolt_oci_spec *s, struct bolt_err *err)
{
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(root, "", "mounts", &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    s->mounts = xcalloc(json_array_size(arr), sizeof(*s->mounts));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *p = oci_idx("", "mounts", i);
        struct bolt_oci_mount *m = &s->mounts[i];

        s->n_mounts = i + 1;
        if (oci_expect_obj(e, p, err) < 0
            || bolt_json_get_str(e, p, "destination", &m->destination, err) < 0
            || bolt_json_get_str(e, p, "type", &m->type, err) < 0
            || bolt_json_get_str(e, p, "source", &m->source, err) < 0
            || bolt_json_get_strv(e, p, "options", &m->options, err) < 0
            || oci_parse_idmaps(e, p, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, err) < 0
            || oci_parse_idmaps(e, p, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_hook_list(json_t *hooks, int kind, struct bolt_oci_spec *s, struct bolt_err *err)
{
    const char *key = bolt_oci_hook_names[kind];
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(hooks, "hooks", key, &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    s->hooks.list[kind] = xcalloc(json_array_size(arr), sizeof(struct bolt_oci_hook));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *p = oci_idx("hooks", key, i);
        struct bolt_oci_hook *h = &s->hooks.list[kind][i];

        s->hooks.n[kind] = i + 1;
        if (oci_expect_obj(e, p, err) < 0 || bolt_json_get_str(e, p, "path", &h->path, err) < 0
            || bolt_json_get_strv(e, p, "args", &h->args, err) < 0
            || bolt_json_get_strv(e, p, "env", &h->env, err) < 0
            || oci_get_int_range(e, p, "timeout", INT_MIN, INT_MAX, &h->timeout, &h->has_timeout,
                                 err)
                   < 0)
            return -1;
    }
    return 0;
}

static int
parse_hooks(json_t *root, struct bolt_oci_spec *s, struct bolt_err *err)
{
    json_t *hooks = NULL;

    if (oci_get_obj(root, "", "hooks", &hooks, err) < 0)
        return -1;
    if (hooks == NULL)
        return 0;
    for (int k = 0; k < BOLT_OCI_HOOK_KINDS; k++)
        if (parse_hook_list(hooks, k, s, err) < 0)
            return -1;
    return 0;
}

/* A JSON object of string values (annotations, sysctl) into key/value pairs. */
int
oci_parse_str_map(json_t *obj, const char *path, const char *key, char ***keys, char ***values,
                  size_t *n, struct bolt_err *err)
{
    json_t *map = NULL, *v;
    const char *k;

    if (oci_get_obj(obj, path, key, &map, err) < 0)
        return -1;
    if (map == NULL)
        return 0;
    json_object_foreach(map, k, v)
    {
        if (!json_is_string(v))
            return bolt_err_set(err, 0, "%s%s%s.%s: expected string", path, *path ? "." : "", key,
                                k);
    }
    *keys = xcalloc(json_object_size(map) + 1, sizeof(char *));
    *values = xcalloc(json_object_size(map) + 1, sizeof(char *));
    json_object_foreach(map, k, v)
    {
        (*keys)[*n] = xstrdup(k);
        (*values)[*n] = xstrdup(json_string_value(v));
        (*n)++;
    }
    return 0;
}

static int
parse_annotations(json_t *root, struct bolt_oci_spec *s, struct bolt_err *err)
{
    cleanup_free char **keys = NULL;
    cleanup_free char **values = NULL;
    size_t n = 0;

    if (oci_parse_str_map(root, "", "annotations", &keys, &values, &n, err) < 0)
        return -1;
    if (n == 0)
        return 0;
    s->annotations = xcalloc(n, sizeof(*s->annotations));
    for (size_t i = 0; i < n; i++) {
        s->annotations[i].key = keys[i];
        s->annotations[i].value = values[i];
    }
    s->n_annotations = n;
    return 0;
}

static int
parse_root(json_t *root, struct bolt_oci_spec *s, struct bolt_err *err)
{
    json_t *r = NULL;

    if (oci_get_obj(root, "", "root", &r, err) < 0)
        return -1;
    if (r == NULL)
        return 0;
    if (bolt_json_get_str(r, "root", "path", &s->root_path, err) < 0
        || bolt_json_get_bool(r, "root", "readonly", &s->root_readonly, err) < 0)
        return -1;
    return 0;
}

struct bolt_oci_spec *
bolt_oci_spec_from_json(json_t *root, struct bolt_err *err)
{
    struct bolt_oci_spec *s;

    if (!json_is_object(root)) {
        bolt_err_set(err, 0, "config: expected a JSON object at the top level");
        return NULL;
    }
    s = xzalloc(sizeof(*s));
    if (bolt_json_get_str(root, "", "ociVersion", &s->oci_version, err) < 0
        || parse_process(root, s, err) < 0 || parse_root(root, s, err) < 0
        || bolt_json_get_str(root, "", "hostname", &s->hostname, err) < 0
        || bolt_json_get_str(root, "", "domainname", &s->domainname, err) < 0
        || parse_mounts(root, s, err) < 0 || parse_hooks(root, s, err) < 0
        || parse_annotations(root, s, err) < 0 || oci_parse_linux(root, s, err) < 0) {
        bolt_oci_spec_free(s);
        return NULL;
    }
    return s;
}

struct bolt_oci_spec *
bolt_oci_spec_parse(const char *json, size_t len, struct bolt_err *err)
{
    json_t *root = bolt_json_loadb(json, len, "config", err);
    struct bolt_oci_spec *s;

    if (root == NULL)
        return NULL;
    s = bolt_oci_spec_from_json(root, err);
    json_decref(root);
    return s;
}

struct bolt_oci_spec *
bolt_oci_spec_load(const char *path, struct bolt_err *err)
{
    json_t *root = bolt_json_load_file(path, err);
    struct bolt_oci_spec *s;

    if (root == NULL)
        return NULL;
    s = bolt_oci_spec_from_json(root, err);
    json_decref(root);
    if (s == NULL)
        bolt_err_wrap(err, "'%s'", path);
    return s;
}
