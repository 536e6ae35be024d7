/* SPDX-License-Identifier: Apache-2.0 */
#include "image/manage.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/image.h"
#include "image/manifest.h"
#include "image/ref.h"
#include "image/store.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"

static void
cleanup_store(struct bolt_store **p)
{
    bolt_store_free(*p);
}
#define cleanup_store_ptr __attribute__((cleanup(cleanup_store)))

static int64_t
image_size(struct bolt_store *st, const char *manifest)
{
    cleanup_free char *p = bolt_store_blob_path(st, manifest);
    json_t *m = bolt_json_load_file(p, NULL);
    int64_t total = 0;
    size_t i;
    json_t *l;

    if (m == NULL)
        return 0;
    total += json_integer_value(json_object_get(json_object_get(m, "config"), "size"));
    json_array_foreach(json_object_get(m, "layers"), i, l)
        total += json_integer_value(json_object_get(l, "size"));
    json_decref(m);
    return total;
}

static json_t *
load_config_json(struct bolt_store *st, const char *id)
{
    cleanup_free char *p = bolt_store_blob_path(st, id);
    return bolt_json_load_file(p, NULL);
}

static int
by_added_desc(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const char *cx = json_string_value(json_object_get(x, "Created"));
    const char *cy = json_string_value(json_object_get(y, "Created"));
    return strcmp(cy ? cy : "", cx ? cx : "");
}

json_t *
bolt_image_list(const char *root, struct bolt_err *err)
{
    cleanup_store_ptr struct bolt_store *st = bolt_store_open(root, err);
    json_t *idx, *out, *v, **items;
    const char *id;
    size_t n = 0;

    if (st == NULL || (idx = bolt_store_index_load(st, err)) == NULL)
        return NULL;
    items = xcalloc(json_object_size(json_object_get(idx, "images")) + 1, sizeof(*items));
    json_object_foreach(json_object_get(idx, "images"), id, v)
    {
        json_t *cfg = load_config_json(st, id);
        const char *md = json_string_value(json_object_get(v, "manifest"));
        const char *created = json_string_value(json_object_get(cfg, "created"));
        char **users = bolt_store_image_users(st, id);
        items[n++] = json_pack("{s:s,s:O,s:O,s:s,s:I,s:i}", "Id", id, "Names",
                               json_object_get(v, "names"), "Digests",
                               json_object_get(v, "digests"), "Created", created ? created : "",
                               "Size", (json_int_t)(md ? image_size(st, md) : 0), "Containers",
                               (int)bolt_strv_len(users));
        bolt_strv_free(users);
        json_decref(cfg);
    }
    qsort(items, n, sizeof(*items), by_added_desc);
    out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, items[i]);
    free(items);
    json_decref(idx);
    return out;
}

static void
strarr_del(json_t *arr, const char *s)
{
    for (size_t i = json_array_size(arr); i-- > 0;)
        if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
            json_array_remove(arr, i);
}

static char *
users_line(char **users)
{
    size_t len = 1;
    char *s;

    for (char **u = users; *u; u++)
        len += strlen(*u) + 2;
    s = xzalloc(len);
    for (char **u = users; *u; u++) {
        if (u != users)
            strcat(s, ", ");
        strcat(s, *u);
    }
    return s;
}

/* Under the index lock: untag or delete. */
static int
remove_locked(struct bolt_store *st, json_t *idx, const char *ref, const char *id,
              const char *name, bool force, char ***out, struct bolt_err *err)
{
    json_t *images = json_object_get(idx, "images");
    json_t *e = json_object_get(images, id);
    json_t *names = json_object_get(e, "names");
    bool by_name = name && strcmp(ref, id) != 0 && strncmp(name, "sha256:", 7) != 0;
    char **users;

    if (by_name && json_array_size(names) > 1) {
        strarr_del(names, name);
        bolt_strv_push(out, name);
        return 1;
    }
    users = bolt_store_image_users(st, id);
    if (users[0] && !force) {
        cleanup_free char *u = users_line(users);
        bolt_strv_free(users);
        return bolt_err_set(err, 0, "image '%s' (%.19s) is used by container(s) %s: remove them "
                                    "first, or use rmi -f", ref, id, u);
    }
    if (users[0]) {
        size_t i;
        json_t *v;
        json_array_foreach(names, i, v) bolt_strv_push(out, json_string_value(v));
        json_array_clear(names);
        bolt_strv_free(users);
        return 1;
    }
    bolt_strv_free(users);
    {
        size_t i;
        json_t *v;
        json_array_foreach(names, i, v) bolt_strv_push(out, json_string_value(v));
    }
    json_object_del(images, id);
    return 2;
}

int
bolt_image_remove(const char *root, const char *ref, bool force, char ***out,
                  struct bolt_err *err)
{
    cleanup_store_ptr struct bolt_store *st = bolt_store_open(root, err);
    cleanup_free char *id = NULL;
    cleanup_free char *name = NULL;
    char **untagged = xcalloc(1, sizeof(char *));
    json_t *idx = NULL;
    int lk = -1, rc = -1;
    uint64_t freed;

    if (st == NULL || (lk = bolt_store_index_lock(st, err)) < 0)
        goto out;
    if (bolt_store_resolve(st, ref, &id, &name, err) < 0 || !(idx = bolt_store_index_load(st, err)))
        goto out;
    rc = remove_locked(st, idx, ref, id, name, force, &untagged, err);
    if (rc < 0 || bolt_store_index_save(st, idx, err) < 0) {
        rc = -1;
        goto out;
    }
    for (char **u = untagged; *u; u++) {
        cleanup_free char *s = xasprintf("Untagged: %s", *u);
        bolt_strv_push(out, s);
    }
    if (rc == 2) {
        cleanup_free char *s = xasprintf("Deleted: %s", id);
        bolt_strv_push(out, s);
    }
    rc = 0;
out:
    json_decref(idx);
    bolt_lock_release(lk);
    bolt_strv_free(untagged);
    if (rc == 0 && bolt_store_gc(st, &freed, err) < 0)
        rc = -1;
    return rc;
}

int
bolt_image_tag(const char *root, const char *src, const char *dst, struct bolt_err *err)
{
    cleanup_store_ptr struct bolt_store *st = bolt_store_open(root, err);
    cleanup_free char *id = NULL;
    cleanup_free char *full = NULL;
    struct bolt_ref r;

    if (st == NULL || bolt_store_resolve(st, src, &id, NULL, err) < 0)
        return -1;
    if (bolt_ref_parse(dst, &r, err) < 0)
        return -1;
    if (r.digest) {
        bolt_ref_fini(&r);
        return bolt_err_set(err, 0, "tag: target '%s' must be name[:tag], not a digest", dst);
    }
    full = bolt_ref_string(&r);
    bolt_ref_fini(&r);
    return bolt_store_add_image(st, id, NULL, full, NULL, err);
}

json_t *
bolt_image_inspect(const char *root, const char *ref, struct bolt_err *err)
{
    struct bolt_image *img = bolt_image_resolve(root, ref, err);
    cleanup_store_ptr struct bolt_store *st = NULL;
    json_t *idx, *e, *cfg, *out, *dirs, *rootfs;

    if (img == NULL)
        return NULL;
    st = bolt_store_open(root, err);
    if (st == NULL || (idx = bolt_store_index_load(st, err)) == NULL) {
        bolt_image_free(img);
        return NULL;
    }
    e = json_object_get(json_object_get(idx, "images"), img->id);
    cfg = load_config_json(st, img->id);
    dirs = json_array();
    for (size_t i = 0; i < img->n_lowerdirs; i++)
        json_array_append_new(dirs, json_string(img->lowerdirs[i]));
    rootfs = json_object_get(cfg, "rootfs");
    out = json_pack("{s:s,s:O,s:O,s:s,s:s,s:s,s:O,s:O,s:I,s:s,s:o}", "Id", img->id, "RepoTags",
                    json_object_get(e, "names"), "RepoDigests", json_object_get(e, "digests"),
                    "Created", img->config.created ? img->config.created : "", "Architecture",
                    img->config.architecture ? img->config.architecture : "", "Os",
                    img->config.os ? img->config.os : "", "Config",
                    json_object_get(cfg, "config") ? json_object_get(cfg, "config")
                                                   : json_object(),
                    "RootFS", rootfs ? rootfs : json_object(), "Size",
                    (json_int_t)image_size(st, img->manifest_digest), "Manifest",
                    img->manifest_digest, "LowerDirs", dirs);
    json_decref(cfg);
    json_decref(idx);
    bolt_image_free(img);
    if (out == NULL)
        bolt_err_set(err, 0, "inspect '%s': cannot build the JSON", ref);
    return out;
}

int
bolt_image_prune(const char *root, bool all, char ***out, uint64_t *freed, struct bolt_err *err)
{
    cleanup_store_ptr struct bolt_store *st = bolt_store_open(root, err);
    json_t *idx = NULL, *v;
    const char *id;
    void *tmp;
    int lk = -1, rc = -1;

    *freed = 0;
    if (st == NULL || (lk = bolt_store_index_lock(st, err)) < 0)
        return -1;
    if ((idx = bolt_store_index_load(st, err)) == NULL)
        goto out;
    json_object_foreach_safe(json_object_get(idx, "images"), tmp, id, v)
    {
        char **users;
        if (!all && json_array_size(json_object_get(v, "names")) > 0)
            continue;
        users = bolt_store_image_users(st, id);
        if (users[0] == NULL) {
            cleanup_free char *s = xasprintf("Deleted: %s", id);
            bolt_strv_push(out, s);
            json_object_del(json_object_get(idx, "images"), id);
        }
        bolt_strv_free(users);
    }
    rc = bolt_store_index_save(st, idx, err);
out:
    json_decref(idx);
    bolt_lock_release(lk);
    if (rc == 0)
        rc = bolt_store_gc(st, freed, err);
    return rc;
}
