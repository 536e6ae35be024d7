/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CDI specs in YAML (what nvidia-ctk writes, and `nvbind cdi generate --format yaml`): the
 * document is turned into the same jansson tree the JSON parser gives, so one code path checks
 * it. Plain scalars follow the YAML core schema (integers, true/false, null); quoted ones are
 * strings. Anchors, aliases, tags and multi-document streams are refused with a clear line.
 */
#include "nvbind/cdi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/mem.h"

struct yctx {
    yaml_parser_t p;
    const char *what;
    struct bolt_err *err;
};

static int
yfail(struct yctx *y, const yaml_event_t *ev, const char *msg)
{
    return bolt_err_set(y->err, 0, "%s: line %zu column %zu: %s", y->what,
                        ev ? ev->start_mark.line + 1 : y->p.problem_mark.line + 1,
                        ev ? ev->start_mark.column + 1 : y->p.problem_mark.column + 1, msg);
}

static int
next(struct yctx *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->p, ev))
        return yfail(y, NULL, y->p.problem ? y->p.problem : "invalid YAML");
    return 0;
}

static json_t *
scalar(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    char *end = NULL;

    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn(v, n);
    if (n == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0)
        return json_null();
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0)
        return json_true();
    if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0)
        return json_false();
    errno = 0;
    {
        long long i = strtoll(v, &end, 0);
        if (errno == 0 && end && *end == '\0' && end != v)
            return json_integer(i);
    }
    return json_stringn(v, n);
}

static json_t *parse_node(struct yctx *y, yaml_event_t *ev);

static json_t *
parse_mapping(struct yctx *y)
{
    json_t *o = json_object();

    for (;;) {
        yaml_event_t k, v;
        json_t *val;
        if (next(y, &k) < 0)
            goto fail;
        if (k.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&k);
            return o;
        }
        if (k.type != YAML_SCALAR_EVENT) {
            yfail(y, &k, "mapping keys must be plain strings");
            yaml_event_delete(&k);
            goto fail;
        }
        if (next(y, &v) < 0) {
            yaml_event_delete(&k);
            goto fail;
        }
        val = parse_node(y, &v);
        yaml_event_delete(&v);
        if (val == NULL) {
            yaml_event_delete(&k);
            goto fail;
        }
        if (json_object_get(o, (const char *)k.data.scalar.value)) {
            yfail(y, &k, "duplicate key");
            yaml_event_delete(&k);
            json_decref(val);
            goto fail;
        }
        json_object_set_new(o, (const char *)k.data.scalar.value, val);
        yaml_event_delete(&k);
    }
fail:
    json_decref(o);
    return NULL;
}

static json_t *
parse_sequence(struct yctx *y)
{
    json_t *a = json_array();

    for (;;) {
        yaml_event_t ev;
        json_t *val;
        if (next(y, &ev) < 0)
            break;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return a;
        }
        val = parse_node(y, &ev);
        yaml_event_delete(&ev);
        if (val == NULL)
            break;
        json_array_append_new(a, val);
    }
    json_decref(a);
    return NULL;
}

static json_t *
parse_node(struct yctx *y, yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return scalar(ev);
    case YAML_MAPPING_START_EVENT:
        return parse_mapping(y);
    case YAML_SEQUENCE_START_EVENT:
        return parse_sequence(y);
    case YAML_ALIAS_EVENT:
        yfail(y, ev, "aliases are not supported in CDI specs");
        return NULL;
    default:
        yfail(y, ev, "unexpected YAML event");
        return NULL;
    }
}

json_t *
bolt_cdi_yaml_load(const char *text, size_t len, const char *what, struct bolt_err *err)
{
    struct yctx y = {.what = what, .err = err};
    yaml_event_t ev;
    json_t *root = NULL;
    bool ok = true;

    if (!yaml_parser_initialize(&y.p)) {
        bolt_err_set(err, ENOMEM, "%s: YAML parser", what);
        return NULL;
    }
    yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
    /* stream start, document start, the node, document end, stream end */
    for (int i = 0; ok && i < 2; i++) {
        ok = next(&y, &ev) == 0;
        if (ok && ev.type != (i == 0 ? YAML_STREAM_START_EVENT : YAML_DOCUMENT_START_EVENT)) {
            yfail(&y, &ev, ev.type == YAML_STREAM_END_EVENT ? "empty document"
                                                             : "expected a YAML document");
            ok = false;
        }
        if (ok)
            yaml_event_delete(&ev);
    }
    if (ok && next(&y, &ev) == 0) {
        root = parse_node(&y, &ev);
        yaml_event_delete(&ev);
    }
    if (root && next(&y, &ev) == 0) {
        if (ev.type != YAML_DOCUMENT_END_EVENT) {
            yfail(&y, &ev, "expected the end of the document");
            json_decref(root);
            root = NULL;
        }
        yaml_event_delete(&ev);
        if (root && next(&y, &ev) == 0) {
            if (ev.type != YAML_STREAM_END_EVENT) {
                yfail(&y, &ev, "a CDI spec file holds one YAML document");
                json_decref(root);
                root = NULL;
            }
            yaml_event_delete(&ev);
        }
    }
    yaml_parser_delete(&y.p);
    return root;
}
