/* SPDX-License-Identifier: Apache-2.0 */
#include "nvbind/ldcache.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/mem.h"

/*
 * Layout facts (glibc dl-cache.h): a 48-byte header "glibc-ld.so.cache1.1", nlibs 24-byte
 * entries, a string table; optionally an extension directory. String offsets and extension
 * offsets are relative to the start of that header, also in the old+new compat layout where
 * the header follows the libc5-era table.
 */
#define NEW_MAGIC     "glibc-ld.so.cache1.1"
#define NEW_MAGIC_LEN 20
#define OLD_MAGIC     "ld.so-1.7.0"
#define OLD_MAGIC_LEN 11
#define HEADER_LEN    48
#define ENTRY_LEN     24
#define OLD_ENTRY_LEN 12
#define EXT_MAGIC     0xEAA42174u
#define EXT_TAG_GEN   0
#define EXT_TAG_HWCAP 1
#define ENDIAN_LITTLE 2

static uint32_t
rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t
rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void
wr32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

/* A NUL-terminated string at off inside [0,len), or NULL when it runs off the end. */
static const char *
str_at(const unsigned char *base, size_t len, uint32_t off)
{
    if (off >= len || memchr(base + off, '\0', len - off) == NULL)
        return NULL;
    return (const char *)base + off;
}

struct bolt_ldcache *
bolt_ldcache_new(void)
{
    return xzalloc(sizeof(struct bolt_ldcache));
}

void
bolt_ldcache_free(struct bolt_ldcache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_entries; i++) {
        free(c->entries[i].key);
        free(c->entries[i].value);
    }
    free(c->entries);
    for (size_t i = 0; i < c->n_hwcaps; i++)
        free(c->hwcaps[i]);
    free(c->hwcaps);
    free(c->generator);
    free(c);
}

void
bolt_ldcache_freep(struct bolt_ldcache **c)
{
    bolt_ldcache_free(*c);
}

static struct bolt_ldcache_entry *
push_entry(struct bolt_ldcache *c)
{
    if (c->n_entries == c->cap_entries) {
        c->cap_entries = c->cap_entries ? c->cap_entries * 2 : 16;
        c->entries = xreallocarray(c->entries, c->cap_entries, sizeof(*c->entries));
    }
    memset(&c->entries[c->n_entries], 0, sizeof(*c->entries));
    return &c->entries[c->n_entries++];
}

void
bolt_ldcache_add(struct bolt_ldcache *c, int32_t flags, const char *key, const char *value)
{
    struct bolt_ldcache_entry *e = push_entry(c);

    e->flags = flags;
    e->key = xstrdup(key);
    e->value = xstrdup(value);
}

/*
 * The extension directory and its sections use file offsets (they differ from header
 * offsets only in the compat layout); the hwcaps names inside are string-table offsets.
 */
static int
parse_extensions(struct bolt_ldcache *c, const unsigned char *file, size_t flen, size_t hoff,
                 uint32_t ext, struct bolt_err *err)
{
    const unsigned char *h = file + hoff;
    size_t len = flen - hoff;
    uint32_t count;

    if (ext % 4 != 0 || ext > flen || flen - ext < 8)
        return bolt_err_set(err, 0, "ld.so.cache: extension offset %u outside the file (%zu bytes)",
                            ext, flen);
    if (rd32(file + ext) != EXT_MAGIC)
        return bolt_err_set(err, 0, "ld.so.cache: bad extension magic at offset %u", ext);
    count = rd32(file + ext + 4);
    if (count > (flen - ext - 8) / 16)
        return bolt_err_set(err, 0, "ld.so.cache: %u extension sections do not fit", count);
    for (uint32_t i = 0; i < count; i++) {
        const unsigned char *s = file + ext + 8 + 16 * (size_t)i;
        uint32_t tag = rd32(s), off = rd32(s + 8), size = rd32(s + 12);

        if (off > flen || size > flen - off)
            return bolt_err_set(err, 0, "ld.so.cache: extension section %u (tag %u) outside the "
                                        "file", i, tag);
        if (tag == EXT_TAG_GEN && c->generator == NULL) {
            c->generator = xstrndup((const char *)file + off, size);
        } else if (tag == EXT_TAG_HWCAP && c->hwcaps == NULL) {
            if (size % 4 != 0 || off % 4 != 0)
                return bolt_err_set(err, 0, "ld.so.cache: misaligned glibc-hwcaps section");
            c->n_hwcaps = size / 4;
            c->hwcaps = xcalloc(c->n_hwcaps ? c->n_hwcaps : 1, sizeof(char *));
            for (size_t k = 0; k < c->n_hwcaps; k++) {
                const char *name = str_at(h, len, rd32(file + off + 4 * k));
                if (name == NULL)
                    return bolt_err_set(err, 0, "ld.so.cache: glibc-hwcaps name %zu outside the "
                                                "string table", k);
                c->hwcaps[k] = xstrdup(name);
            }
        }
        /* unknown tags are ignored, as glibc does */
    }
    return 0;
}

/* Parse the new-format part that starts at file offset hoff. */
static int
parse_new(struct bolt_ldcache *c, const unsigned char *file, size_t flen, size_t hoff,
          struct bolt_err *err)
{
    const unsigned char *h = file + hoff;
    size_t len = flen - hoff;
    uint32_t nlibs, ext;

    if (len < HEADER_LEN || memcmp(h, NEW_MAGIC, NEW_MAGIC_LEN) != 0)
        return bolt_err_set(err, 0, "ld.so.cache: no 'glibc-ld.so.cache1.1' header (expected a "
                                    "glibc ld.so.cache written by ldconfig)");
    nlibs = rd32(h + 20);
    if ((h[28] & 3) != 0 && (h[28] & 3) != ENDIAN_LITTLE)
        return bolt_err_set(err, 0, "ld.so.cache: written for another byte order (flags %u)",
                            h[28] & 3);
    if (nlibs > (len - HEADER_LEN) / ENTRY_LEN)
        return bolt_err_set(err, 0, "ld.so.cache: header claims %u entries but the file holds at "
                                    "most %zu", nlibs, (len - HEADER_LEN) / ENTRY_LEN);
    c->cap_entries = nlibs ? nlibs : 1;
    c->entries = xcalloc(c->cap_entries, sizeof(*c->entries));
    for (uint32_t i = 0; i < nlibs; i++) {
        const unsigned char *e = h + HEADER_LEN + (size_t)i * ENTRY_LEN;
        const char *key = str_at(h, len, rd32(e + 4));
        const char *value = str_at(h, len, rd32(e + 8));
        struct bolt_ldcache_entry *out;

        if (key == NULL || value == NULL)
            return bolt_err_set(err, 0, "ld.so.cache: entry %u points outside the file", i);
        out = &c->entries[c->n_entries++];
        out->flags = (int32_t)rd32(e);
        out->osversion = rd32(e + 12);
        out->hwcap = rd64(e + 16);
        out->key = xstrdup(key);
        out->value = xstrdup(value);
    }
    ext = rd32(h + 32);
    if (ext != 0 && parse_extensions(c, file, flen, hoff, ext, err) < 0)
        return -1;
    for (size_t i = 0; i < c->n_entries; i++) {
        uint64_t hw = c->entries[i].hwcap;
        if ((hw & BOLT_LDCACHE_HWCAP_EXTENSION) && (uint32_t)hw >= c->n_hwcaps)
            return bolt_err_set(err, 0, "ld.so.cache: entry %zu names glibc-hwcaps %u of %zu", i,
                                (uint32_t)hw, c->n_hwcaps);
    }
    return 0;
}

struct bolt_ldcache *
bolt_ldcache_parse(const void *buf, size_t len, struct bolt_err *err)
{
    const unsigned char *p = buf;
    struct bolt_ldcache *c = bolt_ldcache_new();
    size_t off = 0;

    if (len >= OLD_MAGIC_LEN && memcmp(p, OLD_MAGIC, OLD_MAGIC_LEN) == 0) {
        /* compat layout: skip the libc5-era table, then align to 8 like glibc's ALIGN_CACHE */
        uint32_t nold;
        if (len < 16) {
            bolt_err_set(err, 0, "ld.so.cache: truncated old-format header");
            goto fail;
        }
        nold = rd32(p + 12);
        if (nold > (len - 16) / OLD_ENTRY_LEN) {
            bolt_err_set(err, 0, "ld.so.cache: old-format table of %u entries does not fit", nold);
            goto fail;
        }
        off = (16 + (size_t)nold * OLD_ENTRY_LEN + 7) & ~(size_t)7;
        if (off > len) {
            bolt_err_set(err, 0, "ld.so.cache: old-format file without a new-format part");
            goto fail;
        }
    }
    if (parse_new(c, p, len, off, err) < 0)
        goto fail;
    return c;
fail:
    bolt_ldcache_free(c);
    return NULL;
}

struct bolt_ldcache *
bolt_ldcache_load(const char *path, struct bolt_err *err)
{
    cleanup_free char *buf = NULL;
    struct bolt_ldcache *c;
    size_t len = 0;

    buf = bolt_read_file(path, &len, err);
    if (buf == NULL)
        return NULL;
    c = bolt_ldcache_parse(buf, len, err);
    if (c == NULL)
        bolt_err_wrap(err, "'%s'", path);
    return c;
}

int
bolt_ldcache_libcmp(const char *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            unsigned long va = 0, vb = 0;
            while (isdigit((unsigned char)*a))
                va = va * 10 + (unsigned long)(*a++ - '0');
            while (isdigit((unsigned char)*b))
                vb = vb * 10 + (unsigned long)(*b++ - '0');
            if (va != vb)
                return va < vb ? -1 : 1;
        } else if (isdigit((unsigned char)*a)) {
            return 1;
        } else if (isdigit((unsigned char)*b)) {
            return -1;
        } else if (*a != *b) {
            return (unsigned char)*a - (unsigned char)*b;
        } else {
            a++;
            b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

struct sort_item {
    const struct bolt_ldcache *c;
    struct bolt_ldcache_entry e;
    size_t pos;
};

static bool
is_ext(const struct bolt_ldcache_entry *e)
{
    return (e->hwcap & BOLT_LDCACHE_HWCAP_EXTENSION) != 0;
}

/* Returns <0 when a must come before b (ldconfig's compare_entries order). */
static int
compare_items(const void *pa, const void *pb)
{
    const struct sort_item *a = pa, *b = pb;
    int res = bolt_ldcache_libcmp(b->e.key, a->e.key);

    if (res != 0)
        return res;
    if (a->e.flags != b->e.flags)
        return a->e.flags > b->e.flags ? -1 : 1;
    if (is_ext(&a->e) != is_ext(&b->e))
        return is_ext(&a->e) ? -1 : 1;
    if (is_ext(&a->e)) {
        res = strcmp(a->c->hwcaps[(uint32_t)a->e.hwcap], b->c->hwcaps[(uint32_t)b->e.hwcap]);
        if (res != 0)
            return res;
    } else {
        int ba = __builtin_popcountll(a->e.hwcap), bb = __builtin_popcountll(b->e.hwcap);
        if (ba != bb)
            return ba > bb ? -1 : 1;
        if (a->e.hwcap != b->e.hwcap)
            return a->e.hwcap > b->e.hwcap ? -1 : 1;
    }
    if (a->e.osversion != b->e.osversion)
        return a->e.osversion > b->e.osversion ? -1 : 1;
    return a->pos < b->pos ? -1 : (a->pos > b->pos);
}

void
bolt_ldcache_sort(struct bolt_ldcache *c)
{
    struct sort_item *items;

    if (c->n_entries < 2)
        return;
    items = xcalloc(c->n_entries, sizeof(*items));
    for (size_t i = 0; i < c->n_entries; i++)
        items[i] = (struct sort_item){.c = c, .e = c->entries[i], .pos = i};
    qsort(items, c->n_entries, sizeof(*items), compare_items);
    for (size_t i = 0; i < c->n_entries; i++)
        c->entries[i] = items[i].e;
    free(items);
}

/* A growing byte buffer for the serializer. */
struct buf {
    unsigned char *p;
    size_t len, cap;
};

static size_t
buf_reserve(struct buf *b, size_t n)
{
    size_t at = b->len;

    if (b->len + n > b->cap) {
        while (b->len + n > b->cap)
            b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = xrealloc(b->p, b->cap);
    }
    memset(b->p + b->len, 0, n);
    b->len += n;
    return at;
}

static uint32_t
buf_str(struct buf *b, const char *s)
{
    size_t n = strlen(s) + 1;
    size_t at = buf_reserve(b, n);

    memcpy(b->p + at, s, n);
    return (uint32_t)at;
}

static void
write_extensions(const struct bolt_ldcache *c, struct buf *b, const uint32_t *hw_offs)
{
    uint32_t nsec = (c->n_hwcaps > 0) + (c->generator != NULL), sec = 0;
    size_t dir, arr = 0, gen = 0;

    while (b->len % 4 != 0)
        buf_reserve(b, 1);
    dir = buf_reserve(b, 8 + 16 * (size_t)nsec);
    wr32(b->p + 32, (uint32_t)dir);
    wr32(b->p + dir, EXT_MAGIC);
    wr32(b->p + dir + 4, nsec);
    if (c->n_hwcaps > 0) {
        arr = buf_reserve(b, 4 * c->n_hwcaps);
        for (size_t i = 0; i < c->n_hwcaps; i++)
            wr32(b->p + arr + 4 * i, hw_offs[i]);
        wr32(b->p + dir + 8, EXT_TAG_HWCAP);
        wr32(b->p + dir + 16, (uint32_t)arr);
        wr32(b->p + dir + 20, (uint32_t)(4 * c->n_hwcaps));
        sec++;
    }
    if (c->generator != NULL) {
        size_t n = strlen(c->generator);
        gen = buf_reserve(b, n);
        memcpy(b->p + gen, c->generator, n);
        wr32(b->p + dir + 8 + 16 * sec, EXT_TAG_GEN);
        wr32(b->p + dir + 8 + 16 * sec + 8, (uint32_t)gen);
        wr32(b->p + dir + 8 + 16 * sec + 12, (uint32_t)n);
    }
}

void *
bolt_ldcache_serialize(const struct bolt_ldcache *c, size_t *len)
{
    struct buf b = {0};
    size_t strings;
    uint32_t *hw_offs = xcalloc(c->n_hwcaps + 1, sizeof(uint32_t));

    buf_reserve(&b, HEADER_LEN + ENTRY_LEN * c->n_entries);
    memcpy(b.p, NEW_MAGIC, NEW_MAGIC_LEN);
    wr32(b.p + 20, (uint32_t)c->n_entries);
    b.p[28] = ENDIAN_LITTLE;
    strings = b.len;
    for (size_t i = 0; i < c->n_entries; i++) {
        const struct bolt_ldcache_entry *e = &c->entries[i];
        unsigned char *ep = b.p + HEADER_LEN + ENTRY_LEN * i;
        uint32_t voff = buf_str(&b, e->value), koff;
        size_t vl = strlen(e->value), kl = strlen(e->key);

        /* the soname is usually the basename of the path: point into it (tail merge) */
        if (kl <= vl && strcmp(e->value + vl - kl, e->key) == 0)
            koff = voff + (uint32_t)(vl - kl);
        else
            koff = buf_str(&b, e->key);
        ep = b.p + HEADER_LEN + ENTRY_LEN * i; /* buf_str may have moved the buffer */
        wr32(ep, (uint32_t)e->flags);
        wr32(ep + 4, koff);
        wr32(ep + 8, voff);
        wr32(ep + 12, e->osversion);
        memcpy(ep + 16, &e->hwcap, sizeof(e->hwcap));
    }
    for (size_t i = 0; i < c->n_hwcaps; i++)
        hw_offs[i] = buf_str(&b, c->hwcaps[i]);
    wr32(b.p + 24, (uint32_t)(b.len - strings));
    if (c->n_hwcaps > 0 || c->generator != NULL)
        write_extensions(c, &b, hw_offs);
    free(hw_offs);
    *len = b.len;
    return b.p;
}

int
bolt_ldcache_write(const struct bolt_ldcache *c, const char *path, struct bolt_err *err)
{
    cleanup_free void *data = NULL;
    size_t len = 0;

    data = bolt_ldcache_serialize(c, &len);
    return bolt_write_file_atomic(path, data, len, 0644, err);
}

static void
copy_entry(struct bolt_ldcache *dst, const struct bolt_ldcache_entry *e)
{
    struct bolt_ldcache_entry *n = push_entry(dst);

    *n = *e;
    n->key = xstrdup(e->key);
    n->value = xstrdup(e->value);
}

struct bolt_ldcache *
bolt_ldcache_merge(const struct bolt_ldcache *image, const struct bolt_ldcache *driver)
{
    struct bolt_ldcache *m = bolt_ldcache_new();

    /* driver entries first: the stable sort keeps them ahead of equal image entries */
    for (size_t i = 0; i < driver->n_entries; i++)
        if (!is_ext(&driver->entries[i]))
            copy_entry(m, &driver->entries[i]);
    if (image != NULL) {
        for (size_t i = 0; i < image->n_entries; i++)
            copy_entry(m, &image->entries[i]);
        if (image->n_hwcaps > 0) {
            m->hwcaps = xcalloc(image->n_hwcaps, sizeof(char *));
            for (size_t i = 0; i < image->n_hwcaps; i++)
                m->hwcaps[i] = xstrdup(image->hwcaps[i]);
            m->n_hwcaps = image->n_hwcaps;
        }
    }
    m->generator = xstrdup("bolt nvbind (merged: image + driver)");
    bolt_ldcache_sort(m);
    return m;
}

bool
bolt_ldcache_flags_is_64(int32_t flags)
{
    int arch = flags & BOLT_LDCACHE_ARCH_MASK;

    return arch == BOLT_LDCACHE_ARCH_X86_64 || arch == BOLT_LDCACHE_ARCH_AARCH64
           || arch == BOLT_LDCACHE_ARCH_PPC64;
}

const struct bolt_ldcache_entry *
bolt_ldcache_lookup(const struct bolt_ldcache *c, const char *soname, int arch)
{
    for (size_t i = 0; i < c->n_entries; i++) {
        const struct bolt_ldcache_entry *e = &c->entries[i];
        if ((e->flags & BOLT_LDCACHE_FLAG_ELF) == 0 || (e->flags & BOLT_LDCACHE_ARCH_MASK) != arch
            || is_ext(e))
            continue;
        if (strcmp(e->key, soname) == 0)
            return e;
    }
    return NULL;
}

const char *
bolt_ldcache_flags_str(int32_t flags)
{
    bool libc6 = (flags & BOLT_LDCACHE_TYPE_MASK) == BOLT_LDCACHE_FLAG_ELF_LIBC6;

    switch (flags & BOLT_LDCACHE_ARCH_MASK) {
    case BOLT_LDCACHE_ARCH_X86_64:
        return libc6 ? "libc6,x86-64" : "ELF,x86-64";
    case BOLT_LDCACHE_ARCH_I386:
        return libc6 ? "libc6" : "ELF";
    case BOLT_LDCACHE_ARCH_X32:
        return libc6 ? "libc6,x32" : "ELF,x32";
    case BOLT_LDCACHE_ARCH_AARCH64:
        return libc6 ? "libc6,AArch64" : "ELF,AArch64";
    default:
        return "unknown";
    }
}
