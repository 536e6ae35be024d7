/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: image reference parsing (and the round trip through bolt_ref_string). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/ref.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xstrndup((const char *)data, size);
    struct bolt_ref r;
    struct bolt_err err = {0};

    if (bolt_ref_parse(s, &r, &err) == 0) {
        char *full = bolt_ref_string(&r);
        struct bolt_ref again;
        /* a parsed reference prints as a reference that parses to the same thing */
        if (bolt_ref_parse(full, &again, &err) != 0 || strcmp(again.domain, r.domain) != 0
            || strcmp(again.path, r.path) != 0)
            abort();
        free(bolt_ref_familiar(full));
        bolt_ref_fini(&again);
        free(full);
        bolt_ref_fini(&r);
    }
    bolt_ref_is_id_prefix(s);
    free(s);
    return 0;
}
