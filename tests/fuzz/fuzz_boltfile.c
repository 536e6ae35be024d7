/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Boltfile validator: any TOML document must either give a
 * stack (which must then format as TOML and JSON, and whose TOML output must validate
 * again) or a list of "Boltfile.toml:LINE:COL: message" problems.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltfile/boltfile.h"
#include "toml/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_diags(const struct bolt_bf_diags *d)
{
    unsigned line, col;

    for (size_t i = 0; i < d->n; i++)
        if (sscanf(d->msgs[i], "Boltfile.toml:%u:%u: ", &line, &col) != 2 || line == 0 || col == 0)
            abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bolt_err err = {0};
    struct bolt_bf_diags diags = {0};
    struct bolt_toml_value *root = bolt_toml_parse((const char *)data, size, &err);
    struct bolt_boltfile *bf, *again;
    struct bolt_toml_value *root2;
    char *text;

    if (root == NULL)
        return 0;
    bf = bolt_boltfile_from_toml(root, "Boltfile.toml", "/nonexistent/Boltfile.toml", NULL, &diags,
                                 &err);
    bolt_toml_free(root);
    check_diags(&diags);
    bolt_bf_diags_fini(&diags);
    if (bf == NULL)
        return 0;
    free(bolt_boltfile_format(bf, true));
    text = bolt_boltfile_format(bf, false);
    /* The normalized TOML is a Boltfile too: it must parse and validate. */
    root2 = bolt_toml_parse(text, strlen(text), &err);
    if (root2 == NULL)
        abort();
    again = bolt_boltfile_from_toml(root2, "normalized", "/nonexistent/Boltfile.toml", NULL, &diags,
                                    &err);
    if (again == NULL) {
        for (size_t i = 0; i < diags.n; i++)
            fprintf(stderr, "%s\n", diags.msgs[i]);
        fprintf(stderr, "--- normalized:\n%s", text);
        abort();
    }
    bolt_boltfile_free(again);
    bolt_toml_free(root2);
    free(text);
    bolt_boltfile_free(bf);
    return 0;
}
