/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_LDCACHE_H
#define BOLT_LDCACHE_H

/*
 * glibc's /etc/ld.so.cache ("glibc-ld.so.cache1.1"): a bounds-checked reader for the
 * new-only and the old+new "compat" layouts, and a writer whose output glibc's ld.so and
 * `ldconfig -p -C FILE` accept. The reader is pure (no syscalls) and fuzzed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Entry flags (low byte: type, high byte: arch). */
#define BOLT_LDCACHE_FLAG_ELF        0x0001
#define BOLT_LDCACHE_FLAG_ELF_LIBC6  0x0003
#define BOLT_LDCACHE_TYPE_MASK       0x00ff
#define BOLT_LDCACHE_ARCH_MASK       0xff00
#define BOLT_LDCACHE_ARCH_I386       0x0000
#define BOLT_LDCACHE_ARCH_X86_64     0x0300
#define BOLT_LDCACHE_ARCH_X32        0x0800
#define BOLT_LDCACHE_ARCH_ARMHF      0x0900
#define BOLT_LDCACHE_ARCH_AARCH64    0x0a00
#define BOLT_LDCACHE_ARCH_PPC64      0x0500
/* hwcap bit 62 marks a glibc-hwcaps entry; its low 32 bits index hwcaps[]. */
#define BOLT_LDCACHE_HWCAP_EXTENSION (1ULL << 62)

struct bolt_ldcache_entry {
    int32_t flags;
    uint32_t osversion;
    uint64_t hwcap;
    char *key;   /* soname, e.g. "libcuda.so.1" */
    char *value; /* path, e.g. "/usr/lib/x86_64-linux-gnu/libcuda.so.1" */
};

struct bolt_ldcache {
    struct bolt_ldcache_entry *entries;
    size_t n_entries;
    size_t cap_entries; /* allocated slots (internal) */
    char **hwcaps; /* glibc-hwcaps subdirectory names (extension tag 1), may be empty */
    size_t n_hwcaps;
    char *generator; /* extension tag 0, or NULL */
};

/*
 * Parse a cache image of len bytes. Every offset and count is checked against len, so any
 * input is safe. Returns a new cache (free with bolt_ldcache_free) or NULL with err set
 * ("ld.so.cache: ..." naming what is wrong).
 */
struct bolt_ldcache *bolt_ldcache_parse(const void *buf, size_t len, struct bolt_err *err);

/* Read and parse the file at path. Errors name the path. */
struct bolt_ldcache *bolt_ldcache_load(const char *path, struct bolt_err *err);

/* An empty cache to fill with bolt_ldcache_add. */
struct bolt_ldcache *bolt_ldcache_new(void);
void bolt_ldcache_free(struct bolt_ldcache *c);
void bolt_ldcache_freep(struct bolt_ldcache **c);
#define cleanup_ldcache __attribute__((cleanup(bolt_ldcache_freep)))

/* Append a copy of (flags, key, value) with osversion 0 and hwcap 0. */
void bolt_ldcache_add(struct bolt_ldcache *c, int32_t flags, const char *key, const char *value);

/* glibc's _dl_cache_libcmp: digit runs compare numerically and sort after non-digits. */
int bolt_ldcache_libcmp(const char *a, const char *b);

/*
 * Sort the entries the way ldconfig writes them (key descending by libcmp, then flags
 * descending, glibc-hwcaps entries first, more hwcap bits first, osversion descending);
 * the sort is stable, so among equal entries the earlier one stays first and wins lookups.
 */
void bolt_ldcache_sort(struct bolt_ldcache *c);

/*
 * Serialize into a new-format cache image (heap buffer, caller frees). The entries are
 * written in their current order: call bolt_ldcache_sort first.
 */
void *bolt_ldcache_serialize(const struct bolt_ldcache *c, size_t *len);

/* Serialize and write atomically (temp file + fsync + rename), mode 0644. */
int bolt_ldcache_write(const struct bolt_ldcache *c, const char *path, struct bolt_err *err);

/*
 * A merged cache for a container: every entry of image (may be NULL) is kept and the
 * entries of driver are added; for a soname present in both, the driver's entry comes
 * first and so wins the lookup. The result is sorted. Returns a new cache.
 */
struct bolt_ldcache *bolt_ldcache_merge(const struct bolt_ldcache *image,
                                        const struct bolt_ldcache *driver);

/* The entry ld.so would pick for soname and arch (e.g. BOLT_LDCACHE_ARCH_X86_64), or NULL. */
const struct bolt_ldcache_entry *bolt_ldcache_lookup(const struct bolt_ldcache *c,
                                                     const char *soname, int arch);

/* True if flags describe an ELF entry of a 64-bit arch (x86-64, aarch64, ppc64). */
bool bolt_ldcache_flags_is_64(int32_t flags);

/* "libc6,x86-64" style label as `ldconfig -p` prints it (static string). */
const char *bolt_ldcache_flags_str(int32_t flags);

#endif
