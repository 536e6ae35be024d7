/* SPDX-License-Identifier: Apache-2.0 */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/manifest.h"
#include "image/ref.h"
#include "image/store.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

void
bolt_image_free(struct bolt_image *img)
{
    if (img == NULL)
        return;
    free(img->id);
    free(img->name);
    free(img->manifest_digest);
    bolt_strv_free(img->lowerdirs);
    bolt_image_config_fini(&img->config);
    free(img);
}

static void
cleanup_image(struct bolt_image **p)
{
    bolt_image_free(*p);
}

static void
cleanup_store(struct bolt_store **p)
{
    bolt_store_free(*p);
}

static int
manifest_digest_of(struct bolt_store *st, const char *id, char **out, struct bolt_err *err)
{
    json_t *idx = bolt_store_index_load(st, err);
    const char *md;

    if (idx == NULL)
        return -1;
    md = json_string_value(json_object_get(json_object_get(json_object_get(idx, "images"), id),
                                           "manifest"));
    if (md == NULL || !bolt_digest_is_valid(md)) {
        json_decref(idx);
        return bolt_err_set(err, 0, "image %s has no manifest in the store index (remove it "
                                    "with 'bolt rmi' and pull again)", id);
    }
    *out = xstrdup(md);
    json_decref(idx);
    return 0;
}

/* Missing layers are unpacked by two threads (the machine's cores), like during a pull. */
struct repair {
    struct bolt_store *st;
    const struct bolt_manifest *m;
    char **diff_ids;
    size_t n, next;
    pthread_mutex_t mu;
    bool failed;
    struct bolt_err err;
};

static void *
repair_worker(void *arg)
{
    struct repair *r = arg;

    for (;;) {
        struct bolt_err e = {0};
        size_t i;
        pthread_mutex_lock(&r->mu);
        i = r->failed ? r->n : r->next++;
        pthread_mutex_unlock(&r->mu);
        if (i >= r->n)
            return NULL;
        if (bolt_store_has_layer(r->st, r->diff_ids[i])
            || bolt_store_unpack_layer(r->st, r->m->layers[i].digest, r->diff_ids[i], &e) == 0)
            continue;
        pthread_mutex_lock(&r->mu);
        if (!r->failed)
            r->err = e;
        r->failed = true;
        pthread_mutex_unlock(&r->mu);
    }
}

static int
repair_layers(struct bolt_store *st, const struct bolt_manifest *m, char **diff_ids, size_t n,
              struct bolt_err *err)
{
    struct repair r = {.st = st, .m = m, .diff_ids = diff_ids, .n = n};
    pthread_t th;
    bool threaded;

    pthread_mutex_init(&r.mu, NULL);
    threaded = n > 1 && pthread_create(&th, NULL, repair_worker, &r) == 0;
    repair_worker(&r);
    if (threaded)
        pthread_join(th, NULL);
    pthread_mutex_destroy(&r.mu);
    if (r.failed && err)
        *err = r.err;
    return r.failed ? -1 : 0;
}

/* The run path trusts blobs/ (see bolt_store_read_blob_trusted); the others verify. */
static char *
read_blob(struct bolt_store *st, const char *digest, bool verify, size_t *len, struct bolt_err *err)
{
    if (verify)
        return bolt_store_read_blob(st, digest, len, err);
    return bolt_store_read_blob_trusted(st, digest, len, err);
}

static int
load_layers(struct bolt_store *st, struct bolt_image *img, bool verify, struct bolt_err *err)
{
    struct bolt_manifest m = {0};
    cleanup_free char *buf = NULL;
    size_t len = 0;
    size_t n = img->config.n_diff_ids;
    bool missing = false;

    buf = read_blob(st, img->manifest_digest, verify, &len, err);
    if (buf == NULL || bolt_manifest_parse(buf, len, NULL, "manifest", &m, err) < 0)
        return -1;
    if (m.is_index || m.n_layers != n) {
        bolt_manifest_fini(&m);
        return bolt_err_set(err, 0, "image %s: manifest has %zu layers but the config has %zu "
                                    "diff_ids (the image is corrupt)", img->id, m.n_layers, n);
    }
    for (size_t i = 0; i < n; i++)
        missing = missing || !bolt_store_has_layer(st, img->config.diff_ids[i]);
    if (missing && repair_layers(st, &m, img->config.diff_ids, n, err) < 0) {
        bolt_manifest_fini(&m);
        return bolt_err_wrap(err, "image %s", img->name ? img->name : img->id);
    }
    img->lowerdirs = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        img->lowerdirs[n - 1 - i] = bolt_store_layer_path(st, img->config.diff_ids[i]);
    img->n_lowerdirs = n;
    bolt_manifest_fini(&m);
    return 0;
}

static struct bolt_image *
resolve(const char *root, const char *ref, bool verify, struct bolt_err *err)
{
    __attribute__((cleanup(cleanup_store))) struct bolt_store *st = bolt_store_open(root, err);
    __attribute__((cleanup(cleanup_image))) struct bolt_image *img = NULL;
    cleanup_free char *cfg = NULL;
    size_t len = 0;

    if (st == NULL)
        return NULL;
    img = xzalloc(sizeof(*img));
    if (bolt_store_resolve(st, ref, &img->id, &img->name, err) < 0
        || manifest_digest_of(st, img->id, &img->manifest_digest, err) < 0)
        return NULL;
    cfg = read_blob(st, img->id, verify, &len, err);
    if (cfg == NULL || bolt_image_config_parse(cfg, len, img->id, &img->config, err) < 0)
        return NULL;
    if (load_layers(st, img, verify, err) < 0)
        return NULL;
    return steal_ptr(&img);
}

struct bolt_image *
bolt_image_resolve(const char *root, const char *ref, struct bolt_err *err)
{
    return resolve(root, ref, true, err);
}

struct bolt_image *
bolt_image_resolve_trusted(const char *root, const char *ref, struct bolt_err *err)
{
    return resolve(root, ref, false, err);
}

bool
bolt_image_exists(const char *root, const char *ref)
{
    __attribute__((cleanup(cleanup_store))) struct bolt_store *st = bolt_store_open(root, NULL);
    char *id = NULL;

    if (st == NULL || bolt_store_resolve(st, ref, &id, NULL, NULL) < 0)
        return false;
    free(id);
    return true;
}

char *
bolt_image_lowerdir_option(const struct bolt_image *img)
{
    size_t len = 1;
    char *out;

    for (size_t i = 0; i < img->n_lowerdirs; i++)
        len += strlen(img->lowerdirs[i]) + 1;
    out = xzalloc(len);
    for (size_t i = 0; i < img->n_lowerdirs; i++) {
        if (i)
            strcat(out, ":");
        strcat(out, img->lowerdirs[i]);
    }
    return out;
}

static int
check_ids(const char *image_id, const char *container_id, struct bolt_err *err)
{
    if (!bolt_digest_is_valid(image_id))
        return bolt_err_set(err, EINVAL, "image ID '%s' is not sha256:<64 hex>", image_id);
    if (*container_id == '\0' || strchr(container_id, '/') || container_id[0] == '.')
        return bolt_err_set(err, EINVAL, "container ID '%s' is not a plain name", container_id);
    return 0;
}

int
bolt_image_mark_used(const char *root, const char *image_id, const char *container_id,
                     bool durable, struct bolt_err *err)
{
    cleanup_free char *dir = NULL;
    cleanup_close int dfd = -1;
    cleanup_close int fd = -1;

    if (check_ids(image_id, container_id, err) < 0)
        return -1;
    dir = xasprintf("%s/image/refs/%s", root, bolt_digest_hex(image_id));
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 && errno == ENOENT) {
        if (bolt_mkdir_p(dir, 0700, err) < 0)
            return -1;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (dfd < 0)
        return bolt_err_set(err, errno, "open '%s'", dir);
    /* an empty file: creating it is atomic, and only its name has to reach the disk */
    fd = openat(dfd, container_id, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return bolt_err_set(err, errno, "create '%s/%s'", dir, container_id);
    if (durable && fsync(dfd) < 0)
        return bolt_err_set(err, errno, "fsync '%s'", dir);
    return 0;
}

int
bolt_image_unmark_used(const char *root, const char *image_id, const char *container_id,
                       struct bolt_err *err)
{
    cleanup_free char *p = NULL;

    if (check_ids(image_id, container_id, err) < 0)
        return -1;
    p = xasprintf("%s/image/refs/%s/%s", root, bolt_digest_hex(image_id), container_id);
    if (unlink(p) < 0 && errno != ENOENT)
        return bolt_err_set(err, errno, "remove '%s'", p);
    return 0;
}

char **
bolt_image_users(const char *root, const char *image_id)
{
    struct bolt_store *st = bolt_store_open(root, NULL);
    char **users;

    if (st == NULL)
        return xcalloc(1, sizeof(char *));
    users = bolt_store_image_users(st, image_id);
    bolt_store_free(st);
    return users;
}
