/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the TOML parser: any input must parse or fail with a
 * "LINE:COL: message" error, never crash, hang or leak. Accepted documents are
 * walked completely (every key looked up again, dates formatted) to exercise the
 * model's accessors too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct bolt_toml_value *v)
{
    char buf[64];

    switch (v->type) {
    case BOLT_TOML_TABLE:
        for (size_t i = 0; i < v->u.table.n; i++) {
            const struct bolt_toml_kv *kv = &v->u.table.items[i];
            /* Lookup by name must find this very entry (keys with NUL cannot be named). */
            if (strlen(kv->key) == kv->key_len && bolt_toml_get(v, kv->key) != kv->value)
                abort();
            if (kv->key_pos.line == 0 || kv->key_pos.col == 0)
                abort();
            walk(kv->value);
        }
        break;
    case BOLT_TOML_ARRAY:
        for (size_t i = 0; i < v->u.array.n; i++)
            walk(v->u.array.items[i]);
        break;
    case BOLT_TOML_DATETIME:
    case BOLT_TOML_DATETIME_LOCAL:
    case BOLT_TOML_DATE_LOCAL:
    case BOLT_TOML_TIME_LOCAL:
        bolt_toml_datetime_str(v, buf, sizeof(buf));
        break;
    default:
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bolt_err err = {0};
    struct bolt_toml_value *root = bolt_toml_parse((const char *)data, size, &err);
    unsigned line, col;

    if (root == NULL) {
        /* Every error carries a position. */
        if (sscanf(err.msg, "%u:%u: ", &line, &col) != 2 || line == 0 || col == 0)
            abort();
        return 0;
    }
    walk(root);
    bolt_toml_free(root);
    return 0;
}
