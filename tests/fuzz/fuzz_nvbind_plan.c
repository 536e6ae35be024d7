/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the plan cache readers: plan.bin (binary) and plan.json. Whatever the binary reader
 * accepts must serialize to bytes that read back and serialize identically (the input
 * itself may be non-canonical, e.g. a boolean stored as 2); whatever the JSON reader
 * accepts must survive a JSON round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvbind/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bolt_nv_plan *p = bolt_nv_plan_from_bin(data, size, NULL);

    if (p != NULL) {
        size_t len = 0, len2 = 0;
        void *out = bolt_nv_plan_to_bin(p, &len);
        struct bolt_nv_plan *q = bolt_nv_plan_from_bin(out, len, NULL);
        void *out2 = q ? bolt_nv_plan_to_bin(q, &len2) : NULL;
        if (q == NULL || len2 != len || memcmp(out, out2, len) != 0)
            abort();
        free(out);
        free(out2);
        bolt_nv_plan_free(q);
        bolt_nv_plan_free(p);
    }
    p = bolt_nv_plan_from_json((const char *)data, size, NULL);
    if (p != NULL) {
        char *a = bolt_nv_plan_to_json(p, false);
        struct bolt_nv_plan *q = bolt_nv_plan_from_json(a, strlen(a), NULL);
        if (q == NULL)
            abort();
        bolt_nv_plan_free(q);
        bolt_nv_plan_free(p);
        free(a);
    }
    return 0;
}
