/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml-test decoder: reads TOML on stdin, writes the tagged JSON encoding on stdout
 * ({"type": "integer", "value": "42"} for scalars, objects for tables, arrays for
 * arrays) and exits 0; on invalid TOML prints "toml-decode: LINE:COL: message" on
 * stderr and exits 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml.h"
#include "util/mem.h"

static void
put_json_string(FILE *out, const char *s, size_t len)
{
    putc_unlocked('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c == '\n')
            fputs_unlocked("\\n", out);
        else if (c == '\t')
            fputs_unlocked("\\t", out);
        else if (c < 0x20 || c == 0x7F)
            fprintf(out, "\\u%04x", c);
        else
            putc_unlocked(c, out);
    }
    putc_unlocked('"', out);
}

static void
put_tagged(FILE *out, const char *type, const char *value)
{
    fprintf(out, "{\"type\":\"%s\",\"value\":", type);
    put_json_string(out, value, strlen(value));
    putc_unlocked('}', out);
}

static void
put_value(FILE *out, const struct bolt_toml_value *v)
{
    char buf[64];

    switch (v->type) {
    case BOLT_TOML_TABLE:
        putc_unlocked('{', out);
        for (size_t i = 0; i < v->u.table.n; i++) {
            if (i)
                putc_unlocked(',', out);
            put_json_string(out, v->u.table.items[i].key, v->u.table.items[i].key_len);
            putc_unlocked(':', out);
            put_value(out, v->u.table.items[i].value);
        }
        putc_unlocked('}', out);
        break;
    case BOLT_TOML_ARRAY:
        putc_unlocked('[', out);
        for (size_t i = 0; i < v->u.array.n; i++) {
            if (i)
                putc_unlocked(',', out);
            put_value(out, v->u.array.items[i]);
        }
        putc_unlocked(']', out);
        break;
    case BOLT_TOML_STRING:
        fputs_unlocked("{\"type\":\"string\",\"value\":", out);
        put_json_string(out, v->u.str.ptr, v->u.str.len);
        putc_unlocked('}', out);
        break;
    case BOLT_TOML_INTEGER:
        snprintf(buf, sizeof(buf), "%lld", (long long)v->u.integer);
        put_tagged(out, "integer", buf);
        break;
    case BOLT_TOML_FLOAT:
        if (isnan(v->u.flt))
            snprintf(buf, sizeof(buf), "nan");
        else if (isinf(v->u.flt))
            snprintf(buf, sizeof(buf), "%sinf", v->u.flt < 0 ? "-" : "");
        else
            snprintf(buf, sizeof(buf), "%.17g", v->u.flt);
        put_tagged(out, "float", buf);
        break;
    case BOLT_TOML_BOOL:
        put_tagged(out, "bool", v->u.boolean ? "true" : "false");
        break;
    default:
        put_tagged(out, bolt_toml_type_name(v->type), bolt_toml_datetime_str(v, buf, sizeof(buf)));
        break;
    }
}

int
main(void)
{
    struct bolt_err err = {0};
    cleanup_free char *data = NULL;
    size_t len = 0, cap = 0, n;
    struct bolt_toml_value *root;

    do {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            data = xrealloc(data, cap);
        }
        n = fread(data + len, 1, cap - len, stdin);
        len += n;
    } while (n > 0);
    if (ferror(stdin)) {
        fprintf(stderr, "toml-decode: read stdin failed\n");
        return 2;
    }
    root = bolt_toml_parse(data, len, &err);
    if (root == NULL) {
        fprintf(stderr, "toml-decode: %s\n", err.msg);
        return 1;
    }
    put_value(stdout, root);
    putc_unlocked('\n', stdout);
    bolt_toml_free(root);
    return fflush(stdout) == 0 ? 0 : 2;
}
