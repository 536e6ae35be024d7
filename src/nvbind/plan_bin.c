/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The plan's binary cache form (plan.bin next to plan.json). A container start loads the
 * plan on every run, and parsing ~10 KB of JSON costs tens to hundreds of microseconds;
 * this flat form loads in a few microseconds. It is a private cache format: bounds-checked
 * (fuzzed) and versioned, and anything unexpected makes the caller rebuild the plan.
 *
 * Layout: "BOLTPLAN", u32 version, then the fields in struct order. Integers are
 * little-endian u32/u64. A string is a u32 length (0xffffffff = NULL) then its bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "nvbind/plan.h"
#include "util/mem.h"

#define BIN_MAGIC   "BOLTPLAN"
#define BIN_VERSION 1u
#define NULL_STR    0xffffffffu
#define MAX_ITEMS   65536u

struct wbuf {
    unsigned char *p;
    size_t len, cap;
};

static void
put(struct wbuf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        while (b->len + n > b->cap)
            b->cap = b->cap ? b->cap * 2 : 8192;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void
put32(struct wbuf *b, uint32_t v)
{
    put(b, &v, sizeof(v));
}

static void
put64(struct wbuf *b, uint64_t v)
{
    put(b, &v, sizeof(v));
}

static void
putstr(struct wbuf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    put32(b, s ? (uint32_t)n : NULL_STR);
    if (s)
        put(b, s, n);
}

void *
bolt_nv_plan_to_bin(const struct bolt_nv_plan *p, size_t *len)
{
    struct wbuf b = {0};
    size_t nw = p->warnings ? bolt_strv_len(p->warnings) : 0;

    put(&b, BIN_MAGIC, 8);
    put32(&b, BIN_VERSION);
    putstr(&b, p->driver_version);
    put32(&b, (uint32_t)p->type);
    put32(&b, (uint32_t)p->cuda_version);
    putstr(&b, p->source);
    putstr(&b, p->driver_root);
    putstr(&b, p->dev_root);
    putstr(&b, p->proc_root);
    putstr(&b, p->sys_root);
    putstr(&b, p->libdir64);
    putstr(&b, p->libdir32);
    put64(&b, p->ldcache_id.dev);
    put64(&b, p->ldcache_id.ino);
    put64(&b, p->ldcache_id.size);
    put64(&b, (uint64_t)p->ldcache_id.mtime_ns);
    put32(&b, (uint32_t)p->n_gpus);
    for (size_t i = 0; i < p->n_gpus; i++) {
        const struct bolt_nv_gpu *g = &p->gpus[i];
        put32(&b, g->index);
        put32(&b, g->minor);
        putstr(&b, g->name);
        putstr(&b, g->uuid);
        putstr(&b, g->bus_id);
        putstr(&b, g->brand);
        putstr(&b, g->arch);
        put64(&b, g->mem_total);
        put32(&b, (uint32_t)g->cc_major);
        put32(&b, (uint32_t)g->cc_minor);
        put32(&b, g->mig_enabled);
        put32(&b, (uint32_t)g->drm_card);
        put32(&b, (uint32_t)g->drm_render);
        put32(&b, (uint32_t)g->n_migs);
        for (size_t k = 0; k < g->n_migs; k++) {
            const struct bolt_nv_mig *m = &g->migs[k];
            put32(&b, m->gi);
            put32(&b, m->ci);
            putstr(&b, m->uuid);
            putstr(&b, m->name);
            put64(&b, m->mem_total);
            put32(&b, (uint32_t)m->gi_cap_minor);
            put32(&b, (uint32_t)m->ci_cap_minor);
        }
    }
    put32(&b, (uint32_t)p->n_nodes);
    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct bolt_nv_node *n = &p->nodes[i];
        putstr(&b, n->path);
        put32(&b, n->major);
        put32(&b, n->minor);
        put32(&b, n->mode);
        put32(&b, (uint32_t)n->role);
        put32(&b, (uint32_t)n->gpu);
        putstr(&b, n->cap);
    }
    put32(&b, (uint32_t)p->n_files);
    for (size_t i = 0; i < p->n_files; i++) {
        const struct bolt_nv_file *f = &p->files[i];
        putstr(&b, f->path);
        putstr(&b, f->soname);
        put32(&b, f->caps);
        put32(&b, (uint32_t)f->kind);
    }
    put32(&b, (uint32_t)nw);
    for (size_t i = 0; i < nw; i++)
        putstr(&b, p->warnings[i]);
    *len = b.len;
    return b.p;
}

/* A reading cursor; bad is set on the first out-of-bounds or invalid read. */
struct rbuf {
    const unsigned char *p;
    size_t len, off;
    bool bad;
};

static uint32_t
get32(struct rbuf *r)
{
    uint32_t v = 0;

    if (r->bad || r->len - r->off < sizeof(v)) {
        r->bad = true;
        return 0;
    }
    memcpy(&v, r->p + r->off, sizeof(v));
    r->off += sizeof(v);
    return v;
}

static uint64_t
get64(struct rbuf *r)
{
    uint64_t v = 0;

    if (r->bad || r->len - r->off < sizeof(v)) {
        r->bad = true;
        return 0;
    }
    memcpy(&v, r->p + r->off, sizeof(v));
    r->off += sizeof(v);
    return v;
}

static char *
getstr(struct rbuf *r)
{
    uint32_t n = get32(r);
    char *s;

    if (r->bad || n == NULL_STR)
        return NULL;
    if (r->len - r->off < n || memchr(r->p + r->off, '\0', n) != NULL) {
        r->bad = true;
        return NULL;
    }
    s = xstrndup((const char *)r->p + r->off, n);
    r->off += n;
    return s;
}

/* A string that must not be NULL. */
static char *
getstr_req(struct rbuf *r)
{
    char *s = getstr(r);

    if (s == NULL)
        r->bad = true;
    return s;
}

/* An element count, bounded by what the remaining bytes could hold. */
static size_t
getcount(struct rbuf *r, size_t min_size)
{
    uint32_t n = get32(r);

    if (r->bad || n > MAX_ITEMS || (size_t)n * min_size > r->len - r->off) {
        r->bad = true;
        return 0;
    }
    return n;
}

static void
read_gpu(struct rbuf *r, struct bolt_nv_gpu *g)
{
    g->index = get32(r);
    g->minor = get32(r);
    g->name = getstr_req(r);
    g->uuid = getstr_req(r);
    g->bus_id = getstr_req(r);
    g->brand = getstr_req(r);
    g->arch = getstr_req(r);
    g->mem_total = get64(r);
    g->cc_major = (int)get32(r);
    g->cc_minor = (int)get32(r);
    g->mig_enabled = get32(r) != 0;
    g->drm_card = (int)get32(r);
    g->drm_render = (int)get32(r);
    g->n_migs = getcount(r, 32);
    g->migs = xcalloc(g->n_migs + 1, sizeof(*g->migs));
    for (size_t k = 0; k < g->n_migs && !r->bad; k++) {
        struct bolt_nv_mig *m = &g->migs[k];
        m->gi = get32(r);
        m->ci = get32(r);
        m->uuid = getstr(r);
        m->name = getstr(r);
        m->mem_total = get64(r);
        m->gi_cap_minor = (int)get32(r);
        m->ci_cap_minor = (int)get32(r);
    }
}

static void
read_lists(struct rbuf *r, struct bolt_nv_plan *p)
{
    size_t nw;

    p->n_gpus = getcount(r, 60);
    p->gpus = xcalloc(p->n_gpus + 1, sizeof(*p->gpus));
    for (size_t i = 0; i < p->n_gpus && !r->bad; i++)
        read_gpu(r, &p->gpus[i]);
    p->n_nodes = getcount(r, 28);
    p->nodes = xcalloc(p->n_nodes + 1, sizeof(*p->nodes));
    for (size_t i = 0; i < p->n_nodes && !r->bad; i++) {
        struct bolt_nv_node *n = &p->nodes[i];
        n->path = getstr_req(r);
        n->major = get32(r);
        n->minor = get32(r);
        n->mode = get32(r);
        n->role = (enum bolt_nv_node_role)get32(r);
        n->gpu = (int)get32(r);
        n->cap = getstr(r);
        if (n->role > BOLT_NV_NODE_DXG || n->gpu >= (int)p->n_gpus)
            r->bad = true;
    }
    p->n_files = getcount(r, 16);
    p->files = xcalloc(p->n_files + 1, sizeof(*p->files));
    for (size_t i = 0; i < p->n_files && !r->bad; i++) {
        struct bolt_nv_file *f = &p->files[i];
        f->path = getstr_req(r);
        f->soname = getstr(r);
        f->caps = get32(r);
        f->kind = (enum bolt_nv_file_kind)get32(r);
        if (f->kind > BOLT_NV_FILE_WSL)
            r->bad = true;
    }
    nw = getcount(r, 4);
    for (size_t i = 0; i < nw && !r->bad; i++) {
        cleanup_free char *w = getstr_req(r);
        if (w)
            bolt_strv_push(&p->warnings, w);
    }
}

struct bolt_nv_plan *
bolt_nv_plan_from_bin(const void *data, size_t len, struct bolt_err *err)
{
    struct rbuf r = {.p = data, .len = len, .off = 8};
    struct bolt_nv_plan *p;

    if (len < 12 || memcmp(data, BIN_MAGIC, 8) != 0 || get32(&r) != BIN_VERSION) {
        bolt_err_set(err, 0, "plan.bin: not a version-%u plan cache", BIN_VERSION);
        return NULL;
    }
    p = xzalloc(sizeof(*p));
    p->driver_version = getstr(&r);
    p->type = (enum bolt_nv_driver_type)get32(&r);
    p->cuda_version = (int)get32(&r);
    p->source = getstr_req(&r);
    p->driver_root = getstr_req(&r);
    p->dev_root = getstr_req(&r);
    p->proc_root = getstr_req(&r);
    p->sys_root = getstr_req(&r);
    p->libdir64 = getstr(&r);
    p->libdir32 = getstr(&r);
    p->ldcache_id.dev = get64(&r);
    p->ldcache_id.ino = get64(&r);
    p->ldcache_id.size = get64(&r);
    p->ldcache_id.mtime_ns = (int64_t)get64(&r);
    if (p->type > BOLT_NV_DRIVER_WSL)
        r.bad = true;
    if (!r.bad)
        read_lists(&r, p);
    if (r.bad || r.off != len) {
        bolt_nv_plan_free(p);
        bolt_err_set(err, 0, "plan.bin: truncated or corrupt (rebuilt automatically)");
        return NULL;
    }
    return p;
}
