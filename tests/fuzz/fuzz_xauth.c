/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the Xauthority reader: whatever the input, the rewritten entries must never be longer
 * than the input and must themselves parse back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvbind/av.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0, n2 = 0;
    char *out = bolt_nv_xauth_wild(data, size, "0", &n);
    char *again;

    if (n > size)
        abort();
    again = bolt_nv_xauth_wild(out, n, "0", &n2);
    if (n2 != n || memcmp(out, again, n) != 0)
        abort();
    free(again);
    free(out);
    return 0;
}
