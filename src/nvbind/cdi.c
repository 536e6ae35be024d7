/* SPDX-License-Identifier: Apache-2.0 */
#include "nvbind/cdi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

/* ---- the edits model ---- */

void
bolt_cdi_edits_fini(struct bolt_cdi_edits *e)
{
    bolt_strv_free(e->env);
    for (size_t i = 0; i < e->n_nodes; i++) {
        free(e->nodes[i].path);
        free(e->nodes[i].host_path);
        free(e->nodes[i].permissions);
    }
    free(e->nodes);
    for (size_t i = 0; i < e->n_mounts; i++) {
        free(e->mounts[i].host_path);
        free(e->mounts[i].container_path);
        free(e->mounts[i].type);
        bolt_strv_free(e->mounts[i].options);
    }
    free(e->mounts);
    for (size_t i = 0; i < e->n_hooks; i++) {
        free(e->hooks[i].path);
        bolt_strv_free(e->hooks[i].args);
        bolt_strv_free(e->hooks[i].env);
    }
    free(e->hooks);
    free(e->gids);
    json_decref(e->intel_rdt);
    json_decref(e->net_devices);
    memset(e, 0, sizeof(*e));
}

__attribute__((hot)) void
bolt_cdi_edits_add_env(struct bolt_cdi_edits *e, const char *key, const char *value)
{
    cleanup_free char *kv = xjoin3(key, "=", value);

    bolt_strv_push(&e->env, kv);
}

__attribute__((hot)) struct bolt_cdi_node *
bolt_cdi_edits_add_node(struct bolt_cdi_edits *e, const char *path, const char *host_path)
{
    struct bolt_cdi_node *n;

    e->nodes = xreallocarray(e->nodes, e->n_nodes + 1, sizeof(*e->nodes));
    n = &e->nodes[e->n_nodes++];
    memset(n, 0, sizeof(*n));
    n->path = xstrdup(path);
    n->host_path = host_path ? xstrdup(host_path) : NULL;
    return n;
}

__attribute__((hot)) void
bolt_cdi_edits_add_mount(struct bolt_cdi_edits *e, const char *host_path,
                         const char *container_path, const char *type, const char *const *options)
{
    struct bolt_cdi_mount *m;

    e->mounts = xreallocarray(e->mounts, e->n_mounts + 1, sizeof(*e->mounts));
    m = &e->mounts[e->n_mounts++];
    m->host_path = xstrdup(host_path);
    m->container_path = xstrdup(container_path);
    m->type = type ? xstrdup(type) : NULL;
    m->options = bolt_strv_dup((char *const *)options);
}

void
bolt_cdi_edits_add_hook(struct bolt_cdi_edits *e, enum bolt_oci_hook_kind kind, const char *path,
                        char *const *args)
{
    struct bolt_cdi_hook *h;

    e->hooks = xreallocarray(e->hooks, e->n_hooks + 1, sizeof(*e->hooks));
    h = &e->hooks[e->n_hooks++];
    memset(h, 0, sizeof(*h));
    h->kind = kind;
    h->path = xstrdup(path);
    h->args = bolt_strv_dup(args);
}

void
bolt_cdi_edits_append(struct bolt_cdi_edits *dst, const struct bolt_cdi_edits *src)
{
    for (size_t i = 0; src->env && src->env[i]; i++)
        bolt_strv_push(&dst->env, src->env[i]);
    for (size_t i = 0; i < src->n_nodes; i++) {
        const struct bolt_cdi_node *s = &src->nodes[i];
        struct bolt_cdi_node *d = bolt_cdi_edits_add_node(dst, s->path, s->host_path);
        char *p = d->path, *hp = d->host_path;

        *d = *s;
        d->path = p;
        d->host_path = hp;
        d->permissions = s->permissions ? xstrdup(s->permissions) : NULL;
    }
    for (size_t i = 0; i < src->n_mounts; i++) {
        const struct bolt_cdi_mount *m = &src->mounts[i];
        bolt_cdi_edits_add_mount(dst, m->host_path, m->container_path, m->type,
                                 (const char *const *)m->options);
    }
    for (size_t i = 0; i < src->n_hooks; i++) {
        const struct bolt_cdi_hook *h = &src->hooks[i];
        bolt_cdi_edits_add_hook(dst, h->kind, h->path, h->args);
        dst->hooks[dst->n_hooks - 1].env = bolt_strv_dup(h->env);
        dst->hooks[dst->n_hooks - 1].has_timeout = h->has_timeout;
        dst->hooks[dst->n_hooks - 1].timeout = h->timeout;
    }
    if (src->n_gids) {
        dst->gids = xreallocarray(dst->gids, dst->n_gids + src->n_gids, sizeof(*dst->gids));
        memcpy(dst->gids + dst->n_gids, src->gids, src->n_gids * sizeof(*src->gids));
        dst->n_gids += src->n_gids;
    }
}

bool
bolt_cdi_edits_is_empty(const struct bolt_cdi_edits *e)
{
    return (!e->env || !e->env[0]) && !e->n_nodes && !e->n_mounts && !e->n_hooks && !e->n_gids
           && !e->intel_rdt && !e->net_devices;
}

/* ---- specs ---- */

struct bolt_cdi_spec *
bolt_cdi_spec_new(const char *version, const char *kind)
{
    struct bolt_cdi_spec *s = xzalloc(sizeof(*s));

    s->version = xstrdup(version);
    s->kind = xstrdup(kind);
    return s;
}

void
bolt_cdi_spec_free(struct bolt_cdi_spec *s)
{
    if (s == NULL)
        return;
    free(s->version);
    free(s->kind);
    json_decref(s->annotations);
    for (size_t i = 0; i < s->n_devices; i++) {
        free(s->devices[i].name);
        json_decref(s->devices[i].annotations);
        bolt_cdi_edits_fini(&s->devices[i].edits);
    }
    free(s->devices);
    bolt_cdi_edits_fini(&s->edits);
    free(s->path);
    free(s);
}

void
bolt_cdi_spec_freep(struct bolt_cdi_spec **s)
{
    bolt_cdi_spec_free(*s);
}

struct bolt_cdi_device *
bolt_cdi_spec_add_device(struct bolt_cdi_spec *s, const char *name)
{
    struct bolt_cdi_device *d;

    s->devices = xreallocarray(s->devices, s->n_devices + 1, sizeof(*s->devices));
    d = &s->devices[s->n_devices++];
    memset(d, 0, sizeof(*d));
    d->name = xstrdup(name);
    return d;
}

/* ---- parsing (strict: unknown members are errors) ---- */

static int
check_members(json_t *obj, const char *path, const char *const *known, struct bolt_err *err)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        char list[256] = "";
        size_t off = 0;
        bool ok = false;

        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp(known[i], key) == 0;
        if (ok)
            continue;
        for (size_t i = 0; known[i] && off < sizeof(list); i++) {
            int w = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", known[i]);
            if (w < 0)
                break;
            off += (size_t)w;
        }
        return bolt_err_set(err, 0, "%s: unknown field '%s' (CDI specs are strict; expected one "
                                    "of %s)", path, key, list);
    }
    return 0;
}

static json_t *
get_array(json_t *obj, const char *path, const char *key, bool *bad, struct bolt_err *err)
{
    json_t *a = json_object_get(obj, key);

    *bad = false;
    if (a == NULL || json_is_null(a))
        return NULL;
    if (!json_is_array(a)) {
        *bad = true;
        bolt_err_set(err, 0, "%s.%s: expected an array", path, key);
        return NULL;
    }
    return a;
}

static int
parse_node(json_t *o, const char *path, struct bolt_cdi_node *n, struct bolt_err *err)
{
    static const char *const known[] = {"path", "hostPath", "type", "major", "minor", "fileMode",
                                        "permissions", "uid", "gid", NULL};
    cleanup_free char *type = NULL;
    int64_t v;

    if (!json_is_object(o))
        return bolt_err_set(err, 0, "%s: expected an object", path);
    if (check_members(o, path, known, err) < 0 || bolt_json_req_str(o, path, "path", &n->path, err) < 0
        || bolt_json_get_str(o, path, "hostPath", &n->host_path, err) < 0
        || bolt_json_get_str(o, path, "type", &type, err) < 0
        || bolt_json_get_str(o, path, "permissions", &n->permissions, err) < 0)
        return -1;
    if (type && strlen(type) > 1)
        return bolt_err_set(err, 0, "%s.type: invalid device type '%s' (expected b, c, u or p)",
                            path, type);
    n->type = type ? type[0] : 0;
    n->has_major = json_object_get(o, "major") != NULL;
    n->has_minor = json_object_get(o, "minor") != NULL;
    if (bolt_json_get_i64(o, path, "major", &n->major, err) < 0
        || bolt_json_get_i64(o, path, "minor", &n->minor, err) < 0)
        return -1;
    if (json_object_get(o, "fileMode")) {
        if (bolt_json_get_i64(o, path, "fileMode", &v, err) < 0)
            return -1;
        if (v < 0 || v > 07777)
            return bolt_err_set(err, 0, "%s.fileMode: %lld is not a file mode (expected 0..4095, "
                                        "e.g. 438 for 0666)", path, (long long)v);
        n->has_file_mode = true;
        n->file_mode = (uint32_t)v;
    }
    n->has_uid = json_object_get(o, "uid") != NULL;
    n->has_gid = json_object_get(o, "gid") != NULL;
    return bolt_json_get_u32(o, path, "uid", &n->uid, err) < 0
                   || bolt_json_get_u32(o, path, "gid", &n->gid, err) < 0
               ? -1
               : 0;
}

static int
parse_mount(json_t *o, const char *path, struct bolt_cdi_mount *m, struct bolt_err *err)
{
    static const char *const known[] = {"hostPath", "containerPath", "type", "options", NULL};

    if (!json_is_object(o))
        return bolt_err_set(err, 0, "%s: expected an object", path);
    return check_members(o, path, known, err) < 0
                   || bolt_json_req_str(o, path, "hostPath", &m->host_path, err) < 0
                   || bolt_json_req_str(o, path, "containerPath", &m->container_path, err) < 0
                   || bolt_json_get_str(o, path, "type", &m->type, err) < 0
                   || bolt_json_get_strv(o, path, "options", &m->options, err) < 0
               ? -1
               : 0;
}

static int
hook_kind(const char *name)
{
    for (int k = 0; k < BOLT_OCI_HOOK_KINDS; k++)
        if (strcmp(bolt_oci_hook_names[k], name) == 0)
            return k;
    return -1;
}

static int
parse_hook(json_t *o, const char *path, struct bolt_cdi_hook *h, struct bolt_err *err)
{
    static const char *const known[] = {"hookName", "path", "args", "env", "timeout", NULL};
    cleanup_free char *name = NULL;
    int k;

    if (!json_is_object(o))
        return bolt_err_set(err, 0, "%s: expected an object", path);
    if (check_members(o, path, known, err) < 0
        || bolt_json_req_str(o, path, "hookName", &name, err) < 0
        || bolt_json_req_str(o, path, "path", &h->path, err) < 0
        || bolt_json_get_strv(o, path, "args", &h->args, err) < 0
        || bolt_json_get_strv(o, path, "env", &h->env, err) < 0)
        return -1;
    k = hook_kind(name);
    if (k < 0)
        return bolt_err_set(err, 0, "%s.hookName: unknown hook '%s' (expected prestart, "
                                    "createRuntime, createContainer, startContainer, poststart "
                                    "or poststop)", path, name);
    h->kind = (enum bolt_oci_hook_kind)k;
    if (json_object_get(o, "timeout")) {
        int64_t t = 0;
        if (bolt_json_get_i64(o, path, "timeout", &t, err) < 0)
            return -1;
        if (t <= 0 || t > 86400)
            return bolt_err_set(err, 0, "%s.timeout: %lld is not a timeout (expected seconds > 0)",
                                path, (long long)t);
        h->has_timeout = true;
        h->timeout = (int)t;
    }
    return 0;
}

/* Parse one array member into a typed array with a per-element parser. */
#define PARSE_LIST(obj, path, key, arr, n, fn)                                                     \
    parse_list(obj, path, key, (void **)&(arr), &(n), sizeof(*(arr)),                              \
               (int (*)(json_t *, const char *, void *, struct bolt_err *))(fn), err)

static int
parse_list(json_t *obj, const char *path, const char *key, void **arr, size_t *n, size_t size,
           int (*fn)(json_t *, const char *, void *, struct bolt_err *), struct bolt_err *err)
{
    bool bad;
    json_t *a = get_array(obj, path, key, &bad, err), *v;
    size_t i;

    if (bad)
        return -1;
    if (a == NULL)
        return 0;
    *arr = xcalloc(json_array_size(a) + 1, size);
    json_array_foreach(a, i, v) {
        cleanup_free char *p = xasprintf("%s.%s[%zu]", path, key, i);
        (*n)++;
        if (fn(v, p, (char *)*arr + i * size, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_edits(json_t *o, const char *path, struct bolt_cdi_edits *e, struct bolt_err *err)
{
    static const char *const known[] = {"env", "deviceNodes", "mounts", "hooks", "additionalGids",
                                        "intelRdt", "netDevices", NULL};
    bool bad;
    json_t *gids, *v;
    size_t i;

    if (!json_is_object(o))
        return bolt_err_set(err, 0, "%s: expected an object", path);
    if (check_members(o, path, known, err) < 0 || bolt_json_get_strv(o, path, "env", &e->env, err) < 0
        || PARSE_LIST(o, path, "deviceNodes", e->nodes, e->n_nodes, parse_node) < 0
        || PARSE_LIST(o, path, "mounts", e->mounts, e->n_mounts, parse_mount) < 0
        || PARSE_LIST(o, path, "hooks", e->hooks, e->n_hooks, parse_hook) < 0)
        return -1;
    gids = get_array(o, path, "additionalGids", &bad, err);
    if (bad)
        return -1;
    if (gids) {
        e->gids = xcalloc(json_array_size(gids) + 1, sizeof(*e->gids));
        json_array_foreach(gids, i, v) {
            if (!json_is_integer(v) || json_integer_value(v) < 0
                || json_integer_value(v) > UINT32_MAX)
                return bolt_err_set(err, 0, "%s.additionalGids[%zu]: expected a group id "
                                            "(0..4294967295)", path, i);
            e->gids[e->n_gids++] = (uint32_t)json_integer_value(v);
        }
    }
    if ((v = json_object_get(o, "intelRdt")) && !json_is_null(v)) {
        if (!json_is_object(v))
            return bolt_err_set(err, 0, "%s.intelRdt: expected an object", path);
        e->intel_rdt = json_incref(v);
    }
    if ((v = json_object_get(o, "netDevices")) && !json_is_null(v)) {
        if (!json_is_array(v))
            return bolt_err_set(err, 0, "%s.netDevices: expected an array", path);
        e->net_devices = json_incref(v);
    }
    return 0;
}

static int
parse_annotations(json_t *o, const char *path, json_t **out, struct bolt_err *err)
{
    json_t *a = json_object_get(o, "annotations"), *v;
    const char *k;

    if (a == NULL || json_is_null(a))
        return 0;
    if (!json_is_object(a))
        return bolt_err_set(err, 0, "%s.annotations: expected an object of strings", path);
    json_object_foreach(a, k, v) {
        if (!json_is_string(v))
            return bolt_err_set(err, 0, "%s.annotations.%s: expected a string", path, k);
    }
    *out = json_incref(a);
    return 0;
}

static int
parse_device(json_t *o, const char *path, struct bolt_cdi_device *d, struct bolt_err *err)
{
    static const char *const known[] = {"name", "annotations", "containerEdits", NULL};
    json_t *ce;
    cleanup_free char *p = NULL;

    if (!json_is_object(o))
        return bolt_err_set(err, 0, "%s: expected an object", path);
    if (check_members(o, path, known, err) < 0 || bolt_json_req_str(o, path, "name", &d->name, err) < 0
        || parse_annotations(o, path, &d->annotations, err) < 0)
        return -1;
    ce = json_object_get(o, "containerEdits");
    if (ce == NULL)
        return bolt_err_set(err, 0, "%s.containerEdits: required object is missing", path);
    p = xasprintf("%s.containerEdits", path);
    return parse_edits(ce, p, &d->edits, err);
}

static struct bolt_cdi_spec *
spec_from_json(json_t *root, struct bolt_err *err)
{
    static const char *const known[] = {"cdiVersion", "kind", "annotations", "devices",
                                        "containerEdits", NULL};
    struct bolt_cdi_spec *s = xzalloc(sizeof(*s));
    json_t *ce;

    if (!json_is_object(root)) {
        bolt_err_set(err, 0, "spec: expected a JSON object at the top level");
        goto fail;
    }
    if (check_members(root, "spec", known, err) < 0
        || bolt_json_req_str(root, "", "cdiVersion", &s->version, err) < 0
        || bolt_json_req_str(root, "", "kind", &s->kind, err) < 0
        || parse_annotations(root, "spec", &s->annotations, err) < 0)
        goto fail;
    if (json_object_get(root, "devices") == NULL) {
        bolt_err_set(err, 0, "devices: required array is missing");
        goto fail;
    }
    if (PARSE_LIST(root, "spec", "devices", s->devices, s->n_devices, parse_device) < 0)
        goto fail;
    ce = json_object_get(root, "containerEdits");
    if (ce && !json_is_null(ce) && parse_edits(ce, "containerEdits", &s->edits, err) < 0)
        goto fail;
    return s;
fail:
    bolt_cdi_spec_free(s);
    return NULL;
}

struct bolt_cdi_spec *
bolt_cdi_spec_parse(const char *text, size_t len, const char *what, struct bolt_err *err)
{
    json_error_t je;
    json_t *root;
    struct bolt_cdi_spec *s;
    size_t i = 0;

    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    if (i < len && text[i] == '{') {
        root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (root == NULL) {
            bolt_err_set(err, 0, "%s: line %d column %d: %s", what, je.line, je.column, je.text);
            return NULL;
        }
    } else {
        /* YAML (JSON is YAML too, but jansson gives better messages for it) */
        root = bolt_cdi_yaml_load(text, len, what, err);
        if (root == NULL)
            return NULL;
    }
    s = spec_from_json(root, err);
    json_decref(root);
    if (s == NULL)
        bolt_err_wrap(err, "%s", what);
    return s;
}

struct bolt_cdi_spec *
bolt_cdi_spec_load(const char *path, int priority, struct bolt_err *err)
{
    size_t len = 0;
    cleanup_free char *text = bolt_read_file(path, &len, err);
    struct bolt_cdi_spec *s;

    if (text == NULL)
        return NULL;
    s = bolt_cdi_spec_parse(text, len, path, err);
    if (s) {
        s->path = xstrdup(path);
        s->priority = priority;
    }
    return s;
}
