/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the CDI spec parser and validator: any input must parse or fail cleanly. A spec that
 * parses is serialized and parsed again, and must keep its devices and validation result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvbind/cdi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bolt_err err = {0};
    struct bolt_cdi_spec *s = bolt_cdi_spec_parse((const char *)data, size, "fuzz", &err);
    struct bolt_cdi_spec *again;
    json_t *j;
    char *text;
    int ok1, ok2;

    if (s == NULL)
        return 0;
    ok1 = bolt_cdi_spec_validate(s, &err);
    (void)bolt_cdi_spec_min_version(s);
    j = bolt_cdi_spec_to_json(s);
    text = json_dumps(j, 0);
    again = bolt_cdi_spec_parse(text, strlen(text), "again", &err);
    if (again == NULL || again->n_devices != s->n_devices)
        abort();
    ok2 = bolt_cdi_spec_validate(again, &err);
    if (ok1 != ok2)
        abort();
    for (size_t i = 0; i < s->n_devices; i++)
        if (strcmp(s->devices[i].name, again->devices[i].name) != 0)
            abort();
    free(text);
    json_decref(j);
    bolt_cdi_spec_free(again);
    bolt_cdi_spec_free(s);
    return 0;
}
