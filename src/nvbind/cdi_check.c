/* SPDX-License-Identifier: Apache-2.0 */
/* CDI names, versions, semantic validation and output (JSON, YAML). */
#include "nvbind/cdi.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* ---- names ---- */

static bool
is_alnum(char c)
{
    return isalnum((unsigned char)c) != 0;
}

static bool
name_ok(const char *s, const char *middle, bool first_letter)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0)
        return false;
    if (first_letter ? !isalpha((unsigned char)s[0]) : !is_alnum(s[0]))
        return false;
    if (!is_alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_alnum(s[i]) && !strchr(middle, s[i]))
            return false;
    return true;
}

bool
bolt_cdi_vendor_is_valid(const char *vendor)
{
    return name_ok(vendor, "_.-", true) && strlen(vendor) <= 253;
}

bool
bolt_cdi_class_is_valid(const char *cls)
{
    return name_ok(cls, "_.-", true) && strlen(cls) <= 63;
}

bool
bolt_cdi_device_name_is_valid(const char *name)
{
    return name_ok(name, "_.:-", false);
}

bool
bolt_cdi_is_qualified_name(const char *s)
{
    const char *slash = strchr(s, '/'), *eq = strchr(s, '=');

    return s[0] != '/' && slash && eq && slash < eq;
}

int
bolt_cdi_parse_qualified(const char *s, char **vendor, char **cls, char **name,
                         struct bolt_err *err)
{
    const char *slash, *eq;
    cleanup_free char *v = NULL, *c = NULL, *n = NULL;

    if (s[0] == '/' || !(eq = strchr(s, '=')) || !(slash = memchr(s, '/', (size_t)(eq - s))))
        return bolt_err_set(err, 0, "CDI device '%s': expected VENDOR/CLASS=NAME "
                                    "(e.g. nvidia.com/gpu=0)", s);
    v = xstrndup(s, (size_t)(slash - s));
    c = xstrndup(slash + 1, (size_t)(eq - slash - 1));
    n = xstrdup(eq + 1);
    if (!bolt_cdi_vendor_is_valid(v))
        return bolt_err_set(err, 0, "CDI device '%s': invalid vendor '%s' (letters, digits, '_', "
                                    "'.', '-'; starting with a letter)", s, v);
    if (!bolt_cdi_class_is_valid(c))
        return bolt_err_set(err, 0, "CDI device '%s': invalid class '%s' (letters, digits, '_', "
                                    "'.', '-'; starting with a letter)", s, c);
    if (!bolt_cdi_device_name_is_valid(n))
        return bolt_err_set(err, 0, "CDI device '%s': invalid device name '%s' (letters, digits, "
                                    "'_', '.', ':', '-'; alphanumeric at both ends)", s, n);
    *vendor = steal_ptr(&v);
    *cls = steal_ptr(&c);
    *name = steal_ptr(&n);
    return 0;
}

/* ---- versions ---- */

static const char *const versions[] = {"0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0",
                                       "0.8.0", "1.0.0", "1.1.0", NULL};

/* Index in versions[] (0.1.0/0.2.0 give -2: known but too old), -1 if unknown. */
static int
version_index(const char *v)
{
    if (v[0] == 'v')
        v++;
    if (strcmp(v, "0.1.0") == 0 || strcmp(v, "0.2.0") == 0)
        return -2;
    for (int i = 0; versions[i]; i++)
        if (strcmp(versions[i], v) == 0)
            return i;
    return -1;
}

static int
edits_min(const struct bolt_cdi_edits *e)
{
    int m = 0;

    for (size_t i = 0; i < e->n_mounts; i++)
        if (e->mounts[i].type && m < 1)
            m = 1;
    for (size_t i = 0; i < e->n_nodes; i++)
        if (e->nodes[i].host_path && m < 2)
            m = 2;
    if ((e->intel_rdt || e->n_gids) && m < 4)
        m = 4;
    if (e->intel_rdt
        && (json_object_get(e->intel_rdt, "schemata")
            || json_object_get(e->intel_rdt, "enableMonitoring")))
        m = 7;
    if (e->net_devices)
        m = 7;
    return m;
}

static int
spec_min_index(const struct bolt_cdi_spec *s)
{
    const char *slash = strchr(s->kind, '/');
    int m = edits_min(&s->edits), d;

    if (s->annotations || (slash && strchr(slash + 1, '.')))
        m = m < 3 ? 3 : m;
    for (size_t i = 0; i < s->n_devices; i++) {
        const struct bolt_cdi_device *dev = &s->devices[i];
        d = edits_min(&dev->edits);
        if (dev->name && isdigit((unsigned char)dev->name[0]) && d < 2)
            d = 2;
        if (dev->annotations && d < 3)
            d = 3;
        if (d > m)
            m = d;
    }
    return m;
}

const char *
bolt_cdi_spec_min_version(const struct bolt_cdi_spec *s)
{
    return versions[spec_min_index(s)];
}

/* ---- validation ---- */

static int
check_env(char *const *env, const char *path, struct bolt_err *err)
{
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (eq == NULL || eq == env[i])
            return bolt_err_set(err, 0, "%s.env[%zu]: '%s' is not KEY=VALUE", path, i, env[i]);
    }
    return 0;
}

static int
check_node(const struct bolt_cdi_node *n, const char *path, struct bolt_err *err)
{
    const char *p = n->permissions;

    if (n->path[0] != '/')
        return bolt_err_set(err, 0, "%s.path: '%s' is not an absolute path", path, n->path);
    if (n->host_path && n->host_path[0] != '/')
        return bolt_err_set(err, 0, "%s.hostPath: '%s' is not an absolute path", path,
                            n->host_path);
    if (n->type && !strchr("bcup", n->type))
        return bolt_err_set(err, 0, "%s.type: invalid device type '%c' (expected b, c, u or p)",
                            path, n->type);
    if (n->type == 'p' && (n->major || n->minor))
        return bolt_err_set(err, 0, "%s: a fifo ('p') has no major/minor numbers", path);
    if ((n->type == 'b' || n->type == 'c' || n->type == 'u') && n->has_minor && !n->has_major)
        return bolt_err_set(err, 0, "%s: minor given without major", path);
    if (n->major < 0 || n->minor < 0)
        return bolt_err_set(err, 0, "%s: negative device number", path);
    if (p && *p && strcmp(p, "none") != 0 && strspn(p, "rwm") != strlen(p))
        return bolt_err_set(err, 0, "%s.permissions: invalid '%s' (expected a subset of 'rwm' or "
                                    "'none')", path, p);
    return 0;
}

static int
check_net_devices(json_t *nd, const char *path, struct bolt_err *err)
{
    size_t i, j;
    json_t *a, *b;

    json_array_foreach(nd, i, a) {
        const char *h = json_string_value(json_object_get(a, "hostInterfaceName"));
        const char *n = json_string_value(json_object_get(a, "name"));
        if (!json_is_object(a) || !h || !*h || !n || !*n)
            return bolt_err_set(err, 0, "%s.netDevices[%zu]: expected hostInterfaceName and name "
                                        "(non-empty strings)", path, i);
        json_array_foreach(nd, j, b) {
            if (j >= i)
                break;
            if (strcmp(h, json_string_value(json_object_get(b, "hostInterfaceName"))) == 0
                || strcmp(n, json_string_value(json_object_get(b, "name"))) == 0)
                return bolt_err_set(err, 0, "%s.netDevices[%zu]: duplicates netDevices[%zu]", path,
                                    i, j);
        }
    }
    return 0;
}

static int
check_edits(const struct bolt_cdi_edits *e, const char *path, struct bolt_err *err)
{
    char p[256];

    if (check_env(e->env, path, err) < 0)
        return -1;
    for (size_t i = 0; i < e->n_nodes; i++) {
        snprintf(p, sizeof(p), "%s.deviceNodes[%zu]", path, i);
        if (check_node(&e->nodes[i], p, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < e->n_mounts; i++) {
        const struct bolt_cdi_mount *m = &e->mounts[i];
        if (!*m->host_path)
            return bolt_err_set(err, 0, "%s.mounts[%zu].hostPath: empty", path, i);
        if (m->container_path[0] != '/')
            return bolt_err_set(err, 0, "%s.mounts[%zu].containerPath: '%s' is not an absolute "
                                        "path", path, i, m->container_path);
    }
    for (size_t i = 0; i < e->n_hooks; i++) {
        const struct bolt_cdi_hook *h = &e->hooks[i];
        if (h->path[0] != '/')
            return bolt_err_set(err, 0, "%s.hooks[%zu].path: '%s' is not an absolute path", path,
                                i, h->path);
        snprintf(p, sizeof(p), "%s.hooks[%zu]", path, i);
        if (check_env(h->env, p, err) < 0)
            return -1;
    }
    if (e->net_devices && check_net_devices(e->net_devices, path, err) < 0)
        return -1;
    return 0;
}

int
bolt_cdi_spec_validate(const struct bolt_cdi_spec *s, struct bolt_err *err)
{
    cleanup_free char *vendor = NULL, *cls = NULL, *name = NULL, *probe = NULL;
    int vi = version_index(s->version), need = spec_min_index(s);
    char p[64];

    if (vi == -2)
        return bolt_err_set(err, 0, "cdiVersion: '%s' is too old (the oldest supported is 0.3.0)",
                            s->version);
    if (vi < 0)
        return bolt_err_set(err, 0, "cdiVersion: unknown version '%s' (expected 0.3.0 ... %s)",
                            s->version, BOLT_CDI_VERSION_LATEST);
    if (vi < need)
        return bolt_err_set(err, 0, "cdiVersion: '%s' is lower than %s, which the features used "
                                    "by this spec require (set cdiVersion to %s)", s->version,
                            versions[need], versions[need]);
    probe = xasprintf("%s=x", s->kind);
    if (bolt_cdi_parse_qualified(probe, &vendor, &cls, &name, err) < 0)
        return bolt_err_set(err, 0, "kind: '%s' is not VENDOR/CLASS (e.g. nvidia.com/gpu)",
                            s->kind);
    if (s->n_devices == 0)
        return bolt_err_set(err, 0, "devices: a spec needs at least one device");
    if (check_edits(&s->edits, "containerEdits", err) < 0)
        return -1;
    for (size_t i = 0; i < s->n_devices; i++) {
        const struct bolt_cdi_device *d = &s->devices[i];
        snprintf(p, sizeof(p), "devices[%zu]", i);
        if (!bolt_cdi_device_name_is_valid(d->name))
            return bolt_err_set(err, 0, "%s.name: invalid device name '%s' (letters, digits, '_', "
                                        "'.', ':', '-'; alphanumeric at both ends)", p, d->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->devices[j].name, d->name) == 0)
                return bolt_err_set(err, 0, "%s.name: device '%s' is defined twice (also "
                                            "devices[%zu])", p, d->name, j);
        snprintf(p, sizeof(p), "devices[%zu].containerEdits", i);
        if (bolt_cdi_edits_is_empty(&d->edits) && bolt_cdi_edits_is_empty(&s->edits))
            return bolt_err_set(err, 0, "%s: device '%s' has no container edits", p, d->name);
        if (check_edits(&d->edits, p, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- output ---- */

static json_t *
strv_json(char *const *v)
{
    json_t *a = json_array();

    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *
node_json(const struct bolt_cdi_node *n)
{
    json_t *o = json_object();

    json_object_set_new(o, "path", json_string(n->path));
    if (n->host_path)
        json_object_set_new(o, "hostPath", json_string(n->host_path));
    if (n->type) {
        char t[2] = {n->type, 0};
        json_object_set_new(o, "type", json_string(t));
    }
    if (n->has_major)
        json_object_set_new(o, "major", json_integer(n->major));
    if (n->has_minor)
        json_object_set_new(o, "minor", json_integer(n->minor));
    if (n->has_file_mode)
        json_object_set_new(o, "fileMode", json_integer(n->file_mode));
    if (n->permissions)
        json_object_set_new(o, "permissions", json_string(n->permissions));
    if (n->has_uid)
        json_object_set_new(o, "uid", json_integer(n->uid));
    if (n->has_gid)
        json_object_set_new(o, "gid", json_integer(n->gid));
    return o;
}

static json_t *
edits_json(const struct bolt_cdi_edits *e)
{
    json_t *o = json_object(), *a;

    if (e->env && e->env[0])
        json_object_set_new(o, "env", strv_json(e->env));
    if (e->n_nodes) {
        a = json_array();
        for (size_t i = 0; i < e->n_nodes; i++)
            json_array_append_new(a, node_json(&e->nodes[i]));
        json_object_set_new(o, "deviceNodes", a);
    }
    if (e->n_mounts) {
        a = json_array();
        for (size_t i = 0; i < e->n_mounts; i++) {
            const struct bolt_cdi_mount *m = &e->mounts[i];
            json_t *mo = json_pack("{s:s,s:s}", "hostPath", m->host_path, "containerPath",
                                   m->container_path);
            if (m->type)
                json_object_set_new(mo, "type", json_string(m->type));
            if (m->options)
                json_object_set_new(mo, "options", strv_json(m->options));
            json_array_append_new(a, mo);
        }
        json_object_set_new(o, "mounts", a);
    }
    if (e->n_hooks) {
        a = json_array();
        for (size_t i = 0; i < e->n_hooks; i++) {
            const struct bolt_cdi_hook *h = &e->hooks[i];
            json_t *ho = json_pack("{s:s,s:s}", "hookName", bolt_oci_hook_names[h->kind], "path",
                                   h->path);
            if (h->args)
                json_object_set_new(ho, "args", strv_json(h->args));
            if (h->env)
                json_object_set_new(ho, "env", strv_json(h->env));
            if (h->has_timeout)
                json_object_set_new(ho, "timeout", json_integer(h->timeout));
            json_array_append_new(a, ho);
        }
        json_object_set_new(o, "hooks", a);
    }
    if (e->n_gids) {
        a = json_array();
        for (size_t i = 0; i < e->n_gids; i++)
            json_array_append_new(a, json_integer(e->gids[i]));
        json_object_set_new(o, "additionalGids", a);
    }
    if (e->intel_rdt)
        json_object_set(o, "intelRdt", e->intel_rdt);
    if (e->net_devices)
        json_object_set(o, "netDevices", e->net_devices);
    return o;
}

json_t *
bolt_cdi_spec_to_json(const struct bolt_cdi_spec *s)
{
    json_t *o = json_object(), *devs = json_array();

    json_object_set_new(o, "cdiVersion", json_string(s->version));
    json_object_set_new(o, "kind", json_string(s->kind));
    if (s->annotations)
        json_object_set(o, "annotations", s->annotations);
    for (size_t i = 0; i < s->n_devices; i++) {
        json_t *d = json_pack("{s:s}", "name", s->devices[i].name);
        if (s->devices[i].annotations)
            json_object_set(d, "annotations", s->devices[i].annotations);
        json_object_set_new(d, "containerEdits", edits_json(&s->devices[i].edits));
        json_array_append_new(devs, d);
    }
    json_object_set_new(o, "devices", devs);
    if (!bolt_cdi_edits_is_empty(&s->edits))
        json_object_set_new(o, "containerEdits", edits_json(&s->edits));
    return o;
}

static void
yaml_scalar(FILE *out, json_t *v)
{
    if (json_is_string(v)) {
        char *q = json_dumps(v, JSON_ENCODE_ANY);
        fputs(q, out); /* a JSON string is a valid double-quoted YAML scalar */
        free(q);
    } else if (json_is_integer(v)) {
        fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_true(v) || json_is_false(v)) {
        fputs(json_is_true(v) ? "true" : "false", out);
    } else if (json_is_real(v)) {
        fprintf(out, "%g", json_real_value(v));
    } else {
        fputs("null", out);
    }
}

static bool
is_container(json_t *v)
{
    return (json_is_object(v) && json_object_size(v)) || (json_is_array(v) && json_array_size(v));
}

static void yaml_value(FILE *out, json_t *v, int indent);

static void
yaml_object(FILE *out, json_t *v, int indent, bool first_inline)
{
    const char *k;
    json_t *m;
    bool first = true;

    json_object_foreach(v, k, m) {
        if (!(first && first_inline))
            fprintf(out, "%*s", indent, "");
        first = false;
        fprintf(out, "%s:", k);
        if (is_container(m)) {
            fputc('\n', out);
            yaml_value(out, m, json_is_array(m) ? indent : indent + 2);
        } else {
            fputc(' ', out);
            if (json_is_object(m))
                fputs("{}", out);
            else if (json_is_array(m))
                fputs("[]", out);
            else
                yaml_scalar(out, m);
            fputc('\n', out);
        }
    }
}

static void
yaml_value(FILE *out, json_t *v, int indent)
{
    size_t i;
    json_t *m;

    if (json_is_object(v)) {
        yaml_object(out, v, indent, false);
        return;
    }
    json_array_foreach(v, i, m) {
        fprintf(out, "%*s- ", indent, "");
        if (json_is_object(m) && json_object_size(m))
            yaml_object(out, m, indent + 2, true);
        else if (is_container(m)) {
            fputc('\n', out);
            yaml_value(out, m, indent + 2);
        } else {
            yaml_scalar(out, m);
            fputc('\n', out);
        }
    }
}

void
bolt_cdi_write_yaml(FILE *out, json_t *v)
{
    fputs("---\n", out);
    yaml_value(out, v, 0);
}
