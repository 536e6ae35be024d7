/* SPDX-License-Identifier: Apache-2.0 */
#include "image/pull.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/config.h"
#include "image/manifest.h"
#include "image/progress.h"
#include "image/ref.h"
#include "image/registry.h"
#include "image/store.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"

#define UNPACK_WORKERS 2

struct unpack_job {
    const char *digest, *diffid;
    size_t pidx;
};

/* Layers are unpacked by worker threads while the other layers still download. */
struct puller {
    struct bolt_store *st;
    struct bolt_progress *prog;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct unpack_job *jobs;
    size_t n_jobs, next_job;
    bool closed, failed;
    struct bolt_err err;
};

static void
queue_job(struct puller *p, const char *digest, const char *diffid, size_t pidx)
{
    pthread_mutex_lock(&p->mu);
    p->jobs[p->n_jobs++] = (struct unpack_job){digest, diffid, pidx};
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *
unpack_worker(void *arg)
{
    struct puller *p = arg;

    for (;;) {
        struct unpack_job job;
        struct bolt_err e = {0};
        pthread_mutex_lock(&p->mu);
        while (p->next_job == p->n_jobs && !p->closed && !p->failed)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->failed || p->next_job == p->n_jobs) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        job = p->jobs[p->next_job++];
        pthread_mutex_unlock(&p->mu);
        bolt_progress_status(p->prog, job.pidx, "unpacking");
        if (bolt_store_unpack_layer(p->st, job.digest, job.diffid, &e) < 0) {
            pthread_mutex_lock(&p->mu);
            if (!p->failed)
                p->err = e;
            p->failed = true;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        bolt_progress_status(p->prog, job.pidx, "done");
    }
}

static int
blob_done(struct bolt_blob_fetch *f, void *ctx, struct bolt_err *err)
{
    struct puller *p = ctx;
    const char *diffid = f->user;

    if (bolt_store_commit_blob(p->st, f->dest, f->digest, err) < 0)
        return -1;
    if (diffid)
        queue_job(p, f->digest, diffid, f->progress_idx);
    pthread_mutex_lock(&p->mu);
    if (p->failed) {
        *err = p->err;
        pthread_mutex_unlock(&p->mu);
        return -1;
    }
    pthread_mutex_unlock(&p->mu);
    return 0;
}

struct pull_ctx {
    const char *root;
    const struct bolt_pull_opts *o;
    struct bolt_ref ref;
    struct bolt_store *st;
    struct bolt_registry *reg;
    struct bolt_progress prog;
    struct bolt_tmp tmp;
    char *manifest;
    size_t manifest_len;
    char top_digest[BOLT_DIGEST_LEN];
    char man_digest[BOLT_DIGEST_LEN];
    struct bolt_manifest m;
    struct bolt_image_config cfg;
};

/* Fetch the manifest, following an index to the platform's manifest. */
static int
fetch_manifest(struct pull_ctx *c, struct bolt_err *err)
{
    cleanup_free char *ctype = NULL;
    const char *reference = c->ref.digest ? c->ref.digest : c->ref.tag;
    cleanup_free char *os = NULL;
    cleanup_free char *arch = NULL;
    cleanup_free char *variant = NULL;
    const struct bolt_descriptor *d;
    cleanup_free char *pick = NULL;

    if (bolt_registry_get_manifest(c->reg, c->ref.path, reference, &c->manifest,
                                   &c->manifest_len, &ctype, c->top_digest, err) < 0)
        return -1;
    memcpy(c->man_digest, c->top_digest, BOLT_DIGEST_LEN);
    if (bolt_manifest_parse(c->manifest, c->manifest_len, ctype, "manifest", &c->m, err) < 0)
        return -1;
    if (!c->m.is_index)
        return 0;
    if (c->o->platform) {
        if (bolt_platform_parse(c->o->platform, &os, &arch, &variant, err) < 0)
            return -1;
    } else {
        const char *hos, *harch;
        bolt_platform_host(&hos, &harch);
        os = xstrdup(hos);
        arch = xstrdup(harch);
    }
    d = bolt_index_select(&c->m, os, arch, variant, err);
    if (d == NULL)
        return -1;
    pick = xstrdup(d->digest);
    bolt_manifest_fini(&c->m);
    free(c->manifest);
    c->manifest = NULL;
    free(ctype);
    ctype = NULL;
    if (bolt_registry_get_manifest(c->reg, c->ref.path, pick, &c->manifest, &c->manifest_len,
                                   &ctype, c->man_digest, err) < 0
        || bolt_manifest_parse(c->manifest, c->manifest_len, ctype, "manifest", &c->m, err) < 0)
        return -1;
    if (c->m.is_index)
        return bolt_err_set(err, 0, "manifest %s: an index inside an index is not supported",
                            pick);
    return 0;
}

static int
fetch_config(struct pull_ctx *c, struct bolt_err *err)
{
    struct bolt_blob_fetch f = {.digest = c->m.config.digest, .size = c->m.config.size};
    cleanup_free char *buf = NULL;
    size_t len = 0;
    int rc;

    if (!bolt_store_has_blob(c->st, f.digest)) {
        f.dest = xasprintf("%s/config", c->tmp.path);
        rc = bolt_registry_fetch_blobs(c->reg, c->ref.path, &f, 1, NULL, NULL, NULL, err);
        if (rc == 0)
            rc = bolt_store_commit_blob(c->st, f.dest, f.digest, err);
        free(f.dest);
        if (rc < 0)
            return -1;
    }
    buf = bolt_store_read_blob(c->st, f.digest, &len, err);
    if (buf == NULL || bolt_image_config_parse(buf, len, "image config", &c->cfg, err) < 0)
        return -1;
    if (c->cfg.n_diff_ids != c->m.n_layers)
        return bolt_err_set(err, 0, "image %s: the manifest has %zu layers but the config lists "
                                    "%zu diff_ids (the image is corrupt)", c->ref.path,
                            c->m.n_layers, c->cfg.n_diff_ids);
    return 0;
}

static void
start_workers(struct puller *p, pthread_t *th, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pthread_create(&th[i], NULL, unpack_worker, p);
}

static int
stop_workers(struct puller *p, pthread_t *th, size_t n, bool ok, struct bolt_err *err)
{
    pthread_mutex_lock(&p->mu);
    p->closed = true;
    if (!ok)
        p->failed = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    if (ok && p->failed) {
        *err = p->err;
        return -1;
    }
    return ok ? 0 : -1;
}

static bool
seen_before(const struct bolt_manifest *m, const struct bolt_image_config *cfg, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (strcmp(m->layers[k].digest, m->layers[i].digest) == 0
            || strcmp(cfg->diff_ids[k], cfg->diff_ids[i]) == 0)
            return true;
    return false;
}

static int
fetch_layers(struct pull_ctx *c, struct bolt_err *err)
{
    size_t n = c->m.n_layers, nf = 0;
    struct bolt_blob_fetch *fs = xcalloc(n + 1, sizeof(*fs));
    struct puller p = {.st = c->st, .prog = &c->prog};
    pthread_t th[UNPACK_WORKERS];
    int rc;

    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.jobs = xcalloc(n + 1, sizeof(*p.jobs));
    start_workers(&p, th, UNPACK_WORKERS);
    for (size_t i = 0; i < n; i++) {
        const struct bolt_descriptor *l = &c->m.layers[i];
        const char *diffid = c->cfg.diff_ids[i];
        size_t pidx;
        if (seen_before(&c->m, &c->cfg, i))
            continue;
        pidx = bolt_progress_add(&c->prog, l->digest, (uint64_t)l->size);
        if (bolt_store_has_layer(c->st, diffid) && bolt_store_has_blob(c->st, l->digest)) {
            bolt_progress_status(&c->prog, pidx, "exists");
        } else if (bolt_store_has_blob(c->st, l->digest)) {
            queue_job(&p, l->digest, diffid, pidx);
        } else {
            fs[nf] = (struct bolt_blob_fetch){.digest = l->digest, .size = l->size,
                                              .progress_idx = pidx, .user = (void *)diffid};
            fs[nf].dest = xasprintf("%s/%s", c->tmp.path, bolt_digest_hex(l->digest));
            nf++;
        }
    }
    rc = bolt_registry_fetch_blobs(c->reg, c->ref.path, fs, nf, &c->prog, blob_done, &p, err);
    rc = stop_workers(&p, th, UNPACK_WORKERS, rc == 0, err);
    for (size_t i = 0; i < nf; i++)
        free(fs[i].dest);
    free(fs);
    free(p.jobs);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    return rc;
}

static int
record(struct pull_ctx *c, char **id, struct bolt_err *err)
{
    char d[BOLT_DIGEST_LEN];
    cleanup_free char *name = c->ref.tag ? bolt_ref_string(&c->ref) : NULL;
    cleanup_free char *repo = bolt_ref_repo(&c->ref);
    cleanup_free char *repo_digest = xasprintf("%s@%s", repo, c->top_digest);

    /* content reaches the disk before the index names it: after a power loss an image in the
     * index is complete (SIGKILL alone never needs this: rename is atomic) */
    if (syncfs(c->st->dirfd) < 0)
        return bolt_err_set(err, errno, "sync the image store '%s'", c->st->dir);
    if (bolt_store_put_blob(c->st, c->manifest, c->manifest_len, d, err) < 0)
        return -1;
    if (bolt_store_add_image(c->st, c->m.config.digest, d, name, repo_digest, err) < 0)
        return -1;
    bolt_progress_line(&c->prog, "Digest: %s", c->top_digest);
    bolt_progress_line(&c->prog, "Pulled %s", name ? name : repo_digest);
    if (id)
        *id = xstrdup(c->m.config.digest);
    return 0;
}

static int
do_pull(struct pull_ctx *c, char **id, struct bolt_err *err)
{
    struct bolt_registry_opts ro = {.authfile = c->o->authfile, .insecure = c->o->insecure};
    cleanup_free char *full = NULL;

    c->st = bolt_store_open(c->root, err);
    if (c->st == NULL)
        return -1;
    if (bolt_store_tmp_new(c->st, &c->tmp, err) < 0)
        return -1;
    c->reg = bolt_registry_new(c->ref.domain, &ro, err);
    if (c->reg == NULL || bolt_registry_ping(c->reg, err) < 0)
        return -1;
    full = bolt_ref_string(&c->ref);
    bolt_progress_line(&c->prog, "Pulling %s", full);
    if (fetch_manifest(c, err) < 0)
        return -1;
    if (fetch_config(c, err) < 0 || fetch_layers(c, err) < 0)
        return -1;
    return record(c, id, err);
}

int
bolt_image_pull(const char *root, const char *ref, const struct bolt_pull_opts *o, char **id,
                struct bolt_err *err)
{
    struct pull_ctx c = {.root = root, .o = o, .tmp = {.fd = -1}};
    int gc = -1, rc = -1;

    if (bolt_ref_parse(ref, &c.ref, err) < 0)
        return -1;
    bolt_progress_init(&c.prog, o->progress ? o->progress : stderr, o->quiet);
    {
        struct bolt_store *st = bolt_store_open(root, err);
        if (st == NULL)
            goto out;
        gc = bolt_store_gc_lock(st, false, true, err);
        bolt_store_free(st);
        if (gc < 0)
            goto out;
    }
    rc = do_pull(&c, id, err);
    if (rc < 0)
        bolt_err_wrap(err, "pull '%s'", ref);
out:
    bolt_progress_fini(&c.prog);
    if (c.tmp.path)
        bolt_store_tmp_done(&c.tmp);
    bolt_lock_release(gc);
    bolt_registry_free(c.reg);
    bolt_store_free(c.st);
    bolt_manifest_fini(&c.m);
    bolt_image_config_fini(&c.cfg);
    free(c.manifest);
    bolt_ref_fini(&c.ref);
    return rc;
}
