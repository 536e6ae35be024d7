/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ldcache-tool: drives bolt's ld.so.cache reader and writer from tests.
 *   ldcache-tool list FILE                 entries in file order, as `ldconfig -p` prints them
 *   ldcache-tool merge IMAGE DRIVER OUT    the image's cache plus the driver's, written to OUT
 *   ldcache-tool rewrite IN OUT            read IN, sort, write OUT
 */
#include <stdio.h>
#include <string.h>

#include "nvbind/ldcache.h"

static int
fail(const struct bolt_err *err)
{
    bolt_err_print("ldcache-tool", err);
    return 1;
}

int
main(int argc, char **argv)
{
    struct bolt_err err = {0};
    cleanup_ldcache struct bolt_ldcache *a = NULL;
    cleanup_ldcache struct bolt_ldcache *b = NULL;
    cleanup_ldcache struct bolt_ldcache *m = NULL;

    if (argc == 3 && strcmp(argv[1], "list") == 0) {
        if ((a = bolt_ldcache_load(argv[2], &err)) == NULL)
            return fail(&err);
        printf("%zu libs found in cache `%s'\n", a->n_entries, argv[2]);
        for (size_t i = 0; i < a->n_entries; i++)
            printf("\t%s (%s) => %s\n", a->entries[i].key, bolt_ldcache_flags_str(a->entries[i].flags),
                   a->entries[i].value);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "merge") == 0) {
        if ((a = bolt_ldcache_load(argv[2], &err)) == NULL || (b = bolt_ldcache_load(argv[3], &err)) == NULL)
            return fail(&err);
        m = bolt_ldcache_merge(a, b);
        return bolt_ldcache_write(m, argv[4], &err) < 0 ? fail(&err) : 0;
    }
    if (argc == 4 && strcmp(argv[1], "rewrite") == 0) {
        if ((a = bolt_ldcache_load(argv[2], &err)) == NULL)
            return fail(&err);
        bolt_ldcache_sort(a);
        return bolt_ldcache_write(a, argv[3], &err) < 0 ? fail(&err) : 0;
    }
    fprintf(stderr, "usage: ldcache-tool list FILE | merge IMAGE DRIVER OUT | rewrite IN OUT\n");
    return 2;
}
