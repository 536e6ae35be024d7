/* SPDX-License-Identifier: Apache-2.0 */
#include "image/config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "image/ref.h"
#include "util/json.h"
#include "util/mem.h"

void
bolt_image_config_fini(struct bolt_image_config *c)
{
    if (c == NULL)
        return;
    free(c->architecture);
    free(c->os);
    free(c->variant);
    free(c->created);
    bolt_strv_free(c->env);
    bolt_strv_free(c->entrypoint);
    bolt_strv_free(c->cmd);
    free(c->working_dir);
    free(c->user);
    bolt_strv_free(c->label_keys);
    bolt_strv_free(c->label_values);
    free(c->stop_signal);
    bolt_strv_free(c->exposed_ports);
    bolt_strv_free(c->volumes);
    bolt_strv_free(c->diff_ids);
    memset(c, 0, sizeof(*c));
}

/* Keys of an object ({"80/tcp": {}}) into a vector. */
static int
object_keys(json_t *o, const char *key, char ***out, struct bolt_err *err)
{
    bool bad = false;
    json_t *obj = bolt_json_get_obj(o, "config", key, &bad, err);
    const char *k;
    json_t *v;

    if (bad)
        return -1;
    *out = xcalloc(1, sizeof(char *));
    if (obj == NULL)
        return 0;
    json_object_foreach(obj, k, v) bolt_strv_push(out, k);
    return 0;
}

static int
parse_labels(json_t *o, struct bolt_image_config *c, struct bolt_err *err)
{
    bool bad = false;
    json_t *obj = bolt_json_get_obj(o, "config", "Labels", &bad, err);
    const char *k;
    json_t *v;

    c->label_keys = xcalloc(1, sizeof(char *));
    c->label_values = xcalloc(1, sizeof(char *));
    if (bad)
        return -1;
    if (obj == NULL)
        return 0;
    json_object_foreach(obj, k, v)
    {
        if (!json_is_string(v))
            return bolt_err_set(err, 0, "config.Labels.%s: expected string", k);
        bolt_strv_push(&c->label_keys, k);
        bolt_strv_push(&c->label_values, json_string_value(v));
        c->n_labels++;
    }
    return 0;
}

static int
parse_inner(json_t *o, struct bolt_image_config *c, struct bolt_err *err)
{
    if (bolt_json_get_strv(o, "config", "Env", &c->env, err) < 0
        || bolt_json_get_strv(o, "config", "Entrypoint", &c->entrypoint, err) < 0
        || bolt_json_get_strv(o, "config", "Cmd", &c->cmd, err) < 0
        || bolt_json_get_str(o, "config", "WorkingDir", &c->working_dir, err) < 0
        || bolt_json_get_str(o, "config", "User", &c->user, err) < 0
        || bolt_json_get_str(o, "config", "StopSignal", &c->stop_signal, err) < 0)
        return -1;
    if (parse_labels(o, c, err) < 0 || object_keys(o, "ExposedPorts", &c->exposed_ports, err) < 0
        || object_keys(o, "Volumes", &c->volumes, err) < 0)
        return -1;
    return 0;
}

static int
parse_rootfs(json_t *root, const char *what, struct bolt_image_config *c, struct bolt_err *err)
{
    bool bad = false;
    json_t *rootfs = bolt_json_get_obj(root, what, "rootfs", &bad, err);

    if (bad)
        return -1;
    if (rootfs == NULL)
        return bolt_err_set(err, 0, "%s: missing \"rootfs\" (not an image config)", what);
    if (bolt_json_get_strv(rootfs, "rootfs", "diff_ids", &c->diff_ids, err) < 0)
        return -1;
    if (c->diff_ids == NULL)
        c->diff_ids = xcalloc(1, sizeof(char *));
    c->n_diff_ids = bolt_strv_len(c->diff_ids);
    for (size_t i = 0; i < c->n_diff_ids; i++)
        if (!bolt_digest_is_valid(c->diff_ids[i]))
            return bolt_err_set(err, 0, "%s: rootfs.diff_ids[%zu] '%s' is not sha256:<64 hex>",
                                what, i, c->diff_ids[i]);
    return 0;
}

int
bolt_image_config_parse(const char *buf, size_t len, const char *what,
                        struct bolt_image_config *out, struct bolt_err *err)
{
    json_t *root = bolt_json_loadb_object(buf, len, what, err);
    struct bolt_image_config c = {0};
    json_t *inner;
    bool bad = false;
    int rc = -1;

    if (root == NULL)
        return -1;
    if (bolt_json_get_str(root, what, "architecture", &c.architecture, err) < 0
        || bolt_json_get_str(root, what, "os", &c.os, err) < 0
        || bolt_json_get_str(root, what, "variant", &c.variant, err) < 0
        || bolt_json_get_str(root, what, "created", &c.created, err) < 0)
        goto out;
    if (parse_rootfs(root, what, &c, err) < 0)
        goto out;
    inner = bolt_json_get_obj(root, what, "config", &bad, err);
    if (bad)
        goto out;
    if (inner == NULL)
        inner = json_object();
    else
        json_incref(inner);
    rc = parse_inner(inner, &c, err);
    json_decref(inner);
    if (rc < 0) {
        bolt_err_wrap(err, "%s", what);
        goto out;
    }
    if (c.env == NULL)
        c.env = xcalloc(1, sizeof(char *));
    *out = c;
    memset(&c, 0, sizeof(c));
out:
    bolt_image_config_fini(&c);
    json_decref(root);
    return rc;
}
