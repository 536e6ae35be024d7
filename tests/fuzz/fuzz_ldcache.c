/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the ld.so.cache reader: any input must parse or fail cleanly. What parses is
 * written back and re-read, and the second read must give the same entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvbind/ldcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bolt_err err = {0};
    struct bolt_ldcache *c = bolt_ldcache_parse(data, size, &err);
    struct bolt_ldcache *again;
    void *out;
    size_t len = 0;

    if (c == NULL)
        return 0;
    out = bolt_ldcache_serialize(c, &len);
    again = bolt_ldcache_parse(out, len, &err);
    if (again == NULL || again->n_entries != c->n_entries)
        abort();
    for (size_t i = 0; i < c->n_entries; i++)
        if (strcmp(c->entries[i].key, again->entries[i].key) != 0
            || strcmp(c->entries[i].value, again->entries[i].value) != 0
            || c->entries[i].flags != again->entries[i].flags)
            abort();
    (void)bolt_ldcache_lookup(c, "libcuda.so.1", BOLT_LDCACHE_ARCH_X86_64);
    bolt_ldcache_sort(c);
    bolt_ldcache_free(again);
    bolt_ldcache_free(c);
    free(out);
    return 0;
}
