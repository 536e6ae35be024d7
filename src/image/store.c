/* SPDX-License-Identifier: Apache-2.0 */
#include "image/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/ref.h"
#include "image/unpack.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"

static void
clean_tmp(struct bolt_store *st)
{
    cleanup_free char *tmp = xasprintf("%s/tmp", st->dir);
    cleanup_dir DIR *d = opendir(tmp);
    struct dirent *de;

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        cleanup_close int fd = -1;
        struct stat sb;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        /* a dot entry is being created right now, unless it is older than a minute */
        if (de->d_name[0] == '.'
            && (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0
                || time(NULL) - sb.st_mtime < 60))
            continue;
        fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
            continue; /* owned by a live process */
        {
            cleanup_free char *p = xasprintf("%s/%s", tmp, de->d_name);
            log_info("removing leftover '%s' of an interrupted command", p);
            bolt_rm_rf(p, NULL);
        }
    }
}

struct bolt_store *
bolt_store_open(const char *bolt_root, struct bolt_err *err)
{
    struct bolt_store *st = xzalloc(sizeof(*st));
    static const char *const subdirs[] = {"blobs/sha256", "layers", "tmp", "refs"};

    st->root = xstrdup(bolt_root);
    st->dir = xasprintf("%s/image", bolt_root);
    st->dirfd = -1;
    for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
        cleanup_free char *p = xasprintf("%s/%s", st->dir, subdirs[i]);
        if (bolt_mkdir_p(p, 0700, err) < 0) {
            bolt_err_wrap(err, "image store under '%s' (check --root)", bolt_root);
            bolt_store_free(st);
            return NULL;
        }
    }
    st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dirfd < 0) {
        bolt_err_set(err, errno, "open '%s'", st->dir);
        bolt_store_free(st);
        return NULL;
    }
    clean_tmp(st);
    return st;
}

void
bolt_store_free(struct bolt_store *st)
{
    if (st == NULL)
        return;
    if (st->dirfd >= 0)
        close(st->dirfd);
    free(st->root);
    free(st->dir);
    free(st);
}

int
bolt_store_tmp_new(struct bolt_store *st, struct bolt_tmp *tmp, struct bolt_err *err)
{
    static unsigned counter;
    struct timespec ts;
    cleanup_free char *name = NULL;
    cleanup_free char *hidden = NULL;

    clock_gettime(CLOCK_REALTIME, &ts);
    name = xasprintf("%d-%lx-%u", (int)getpid(),
                     (unsigned long)ts.tv_nsec ^ (unsigned long)ts.tv_sec,
                     __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST));
    /* created under a dot name and locked before it gets its real name, so a concurrent
     * clean_tmp never sees it unlocked */
    hidden = xasprintf("%s/tmp/.%s", st->dir, name);
    tmp->path = xasprintf("%s/tmp/%s", st->dir, name);
    tmp->fd = -1;
    if (mkdir(hidden, 0700) < 0) {
        bolt_err_set(err, errno, "mkdir '%s'", hidden);
        free(steal_ptr(&tmp->path));
        return -1;
    }
    tmp->fd = open(hidden, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tmp->fd < 0 || flock(tmp->fd, LOCK_EX) < 0 || rename(hidden, tmp->path) < 0) {
        bolt_err_set(err, errno, "lock '%s'", hidden);
        bolt_rm_rf(hidden, NULL);
        bolt_store_tmp_done(tmp);
        return -1;
    }
    return 0;
}

void
bolt_store_tmp_done(struct bolt_tmp *tmp)
{
    if (tmp->path)
        bolt_rm_rf(tmp->path, NULL);
    if (tmp->fd >= 0)
        close(tmp->fd);
    free(tmp->path);
    tmp->path = NULL;
    tmp->fd = -1;
}

char *
bolt_store_blob_path(const struct bolt_store *st, const char *digest)
{
    return xasprintf("%s/blobs/sha256/%s", st->dir, bolt_digest_hex(digest));
}

char *
bolt_store_layer_path(const struct bolt_store *st, const char *diffid)
{
    return xasprintf("%s/layers/%s", st->dir, bolt_digest_hex(diffid));
}

bool
bolt_store_has_blob(const struct bolt_store *st, const char *digest)
{
    cleanup_free char *p = bolt_store_blob_path(st, digest);
    return access(p, F_OK) == 0;
}

bool
bolt_store_has_layer(const struct bolt_store *st, const char *diffid)
{
    cleanup_free char *p = bolt_store_layer_path(st, diffid);
    return access(p, F_OK) == 0;
}

int
bolt_store_commit_blob(struct bolt_store *st, const char *tmp_path, const char *digest,
                       struct bolt_err *err)
{
    cleanup_free char *dst = bolt_store_blob_path(st, digest);

    if (rename(tmp_path, dst) < 0)
        return bolt_err_set(err, errno, "store blob %s ('%s')", digest, dst);
    return 0;
}

int
bolt_store_put_blob(struct bolt_store *st, const void *data, size_t len,
                    char out[BOLT_DIGEST_LEN], struct bolt_err *err)
{
    cleanup_free char *dst = NULL;

    bolt_sha256_buf(data, len, out);
    dst = bolt_store_blob_path(st, out);
    if (access(dst, F_OK) == 0)
        return 0;
    return bolt_write_file_atomic(dst, data, len, 0644, err);
}

char *
bolt_store_read_blob(const struct bolt_store *st, const char *digest, size_t *len,
                     struct bolt_err *err)
{
    cleanup_free char *p = bolt_store_blob_path(st, digest);
    char got[BOLT_DIGEST_LEN];
    size_t n = 0;
    char *buf = bolt_read_file(p, &n, err);

    if (buf == NULL)
        return NULL;
    bolt_sha256_buf(buf, n, got);
    if (strcmp(got, digest) != 0) {
        free(buf);
        unlink(p);
        bolt_err_set(err, 0, "blob %s in the store is corrupt (removed; pull the image again)",
                     digest);
        return NULL;
    }
    if (len)
        *len = n;
    return buf;
}

char *
bolt_store_read_blob_trusted(const struct bolt_store *st, const char *digest, size_t *len,
                             struct bolt_err *err)
{
    cleanup_free char *p = NULL;

    if (!bolt_digest_is_valid(digest)) {
        bolt_err_set(err, EINVAL, "blob digest '%s' is not sha256:<64 hex>", digest);
        return NULL;
    }
    p = bolt_store_blob_path(st, digest);
    return bolt_read_file(p, len, err);
}

int
bolt_store_unpack_layer(struct bolt_store *st, const char *digest, const char *diffid,
                        struct bolt_err *err)
{
    cleanup_free char *blob = bolt_store_blob_path(st, digest);
    cleanup_free char *dst = bolt_store_layer_path(st, diffid);
    cleanup_free char *stage = NULL;
    cleanup_free char *what = xasprintf("layer %.19s", digest);
    cleanup_close int src = -1;
    cleanup_close int dfd = -1;
    struct bolt_tmp tmp = {.fd = -1};
    char got[BOLT_DIGEST_LEN];
    int rc = -1;

    if (access(dst, F_OK) == 0)
        return 0;
    src = open(blob, O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return bolt_err_set(err, errno, "open layer blob '%s'", blob);
    if (bolt_store_tmp_new(st, &tmp, err) < 0)
        return -1;
    stage = xasprintf("%s/layer", tmp.path);
    if (mkdir(stage, 0755) < 0 || (dfd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        bolt_err_set(err, errno, "mkdir '%s'", stage);
        goto out;
    }
    if (bolt_layer_unpack(src, dfd, what, got, NULL, err) < 0)
        goto out;
    if (strcmp(got, diffid) != 0) {
        bolt_err_set(err, 0, "%s: uncompressed content has digest %s but the image config "
                             "says %s (the image is corrupt; ask its publisher)", what, got,
                     diffid);
        goto out;
    }
    if (rename(stage, dst) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
        bolt_err_set(err, errno, "move unpacked layer to '%s'", dst);
        goto out;
    }
    rc = 0;
out:
    bolt_store_tmp_done(&tmp);
    return rc;
}

int
bolt_store_gc_lock(struct bolt_store *st, bool exclusive, bool wait, struct bolt_err *err)
{
    cleanup_free char *p = xasprintf("%s/gc.lock", st->dir);
    return bolt_lock_open(p, exclusive, wait, err);
}

int
bolt_store_index_lock(struct bolt_store *st, struct bolt_err *err)
{
    cleanup_free char *p = xasprintf("%s/lock", st->dir);
    return bolt_lock_open(p, true, true, err);
}

json_t *
bolt_store_index_load(struct bolt_store *st, struct bolt_err *err)
{
    cleanup_free char *p = xasprintf("%s/index.json", st->dir);
    json_t *idx;

    if (access(p, F_OK) < 0) {
        idx = json_pack("{s:i,s:{}}", "version", 1, "images");
        return idx;
    }
    idx = bolt_json_load_file(p, err);
    if (idx == NULL)
        return NULL;
    if (!json_is_object(json_object_get(idx, "images"))) {
        json_decref(idx);
        bolt_err_set(err, 0, "'%s': no \"images\" object (the store index is damaged; move it "
                             "away and pull again)", p);
        return NULL;
    }
    return idx;
}

int
bolt_store_index_save(struct bolt_store *st, json_t *index, struct bolt_err *err)
{
    cleanup_free char *p = xasprintf("%s/index.json", st->dir);
    return bolt_json_write_file_atomic(p, index, true, err);
}

static void
strarr_remove(json_t *arr, const char *s)
{
    for (size_t i = json_array_size(arr); i-- > 0;)
        if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
            json_array_remove(arr, i);
}

static void
strarr_add(json_t *arr, const char *s)
{
    strarr_remove(arr, s);
    json_array_append_new(arr, json_string(s));
}

static json_t *
image_entry(json_t *images, const char *id)
{
    json_t *e = json_object_get(images, id);

    if (e == NULL) {
        e = json_pack("{s:[],s:[],s:I}", "names", "digests", "added", (json_int_t)time(NULL));
        json_object_set_new(images, id, e);
    }
    if (!json_is_array(json_object_get(e, "names")))
        json_object_set_new(e, "names", json_array());
    if (!json_is_array(json_object_get(e, "digests")))
        json_object_set_new(e, "digests", json_array());
    return e;
}

int
bolt_store_add_image(struct bolt_store *st, const char *id, const char *manifest_digest,
                     const char *name, const char *repo_digest, struct bolt_err *err)
{
    int lk = bolt_store_index_lock(st, err);
    json_t *idx, *images, *e, *other;
    const char *k;
    int rc = -1;

    if (lk < 0)
        return -1;
    idx = bolt_store_index_load(st, err);
    if (idx == NULL)
        goto out;
    images = json_object_get(idx, "images");
    if (name)
        json_object_foreach(images, k, other) strarr_remove(json_object_get(other, "names"), name);
    e = image_entry(images, id);
    if (manifest_digest)
        json_object_set_new(e, "manifest", json_string(manifest_digest));
    if (name)
        strarr_add(json_object_get(e, "names"), name);
    if (repo_digest)
        strarr_add(json_object_get(e, "digests"), repo_digest);
    rc = bolt_store_index_save(st, idx, err);
out:
    json_decref(idx);
    bolt_lock_release(lk);
    return rc;
}

static bool
arr_has(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
        return true;
    return false;
}

static int
not_found(struct bolt_err *err, const char *ref)
{
    bolt_err_set(err, 0, "image '%s' not found in the store (pull it with 'bolt pull %s', or "
                         "list images with 'bolt images')", ref, ref);
    return -1;
}

static int
resolve_id_prefix(json_t *images, const char *ref, char **id, struct bolt_err *err)
{
    const char *hex = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
    const char *k, *match = NULL;
    json_t *v;

    if (!bolt_ref_is_id_prefix(hex) || strlen(hex) < 3)
        return 1;
    json_object_foreach(images, k, v)
    {
        if (strncmp(k + 7, hex, strlen(hex)) != 0)
            continue;
        if (match)
            return bolt_err_set(err, 0, "image ID prefix '%s' is ambiguous (give more digits)",
                                ref);
        match = k;
    }
    if (match == NULL)
        return 1;
    *id = xstrdup(match);
    return 0;
}

int
bolt_store_resolve(struct bolt_store *st, const char *ref, char **id, char **name,
                   struct bolt_err *err)
{
    json_t *idx = bolt_store_index_load(st, err), *images, *v;
    struct bolt_ref r = {0};
    struct bolt_err perr = {0};
    cleanup_free char *full = NULL;
    const char *k;
    int rc;

    if (idx == NULL)
        return -1;
    images = json_object_get(idx, "images");
    if (bolt_ref_parse(ref, &r, &perr) == 0) {
        cleanup_free char *repo = bolt_ref_repo(&r);
        full = r.tag ? bolt_ref_string(&r) : NULL;
        cleanup_free char *dig = r.digest ? xasprintf("%s@%s", repo, r.digest) : NULL;
        json_object_foreach(images, k, v)
        {
            if ((full && !r.digest && arr_has(json_object_get(v, "names"), full))
                || (dig && arr_has(json_object_get(v, "digests"), dig))) {
                *id = xstrdup(k);
                if (name)
                    *name = full ? xstrdup(full) : xstrdup(dig);
                bolt_ref_fini(&r);
                json_decref(idx);
                return 0;
            }
        }
        bolt_ref_fini(&r);
    }
    rc = resolve_id_prefix(images, ref, id, err);
    json_decref(idx);
    if (rc == 0 && name)
        *name = NULL;
    if (rc == 1) {
        if (bolt_err_is_set(&perr) && !bolt_ref_is_id_prefix(ref)
            && strncmp(ref, "sha256:", 7) != 0) {
            if (err)
                *err = perr;
            return -1;
        }
        return not_found(err, ref);
    }
    return rc;
}

static bool
container_uses(struct bolt_store *st, const char *cid, const char *id)
{
    cleanup_free char *p = xasprintf("%s/containers/%s/config.json", st->root, cid);
    json_t *cfg = bolt_json_load_file(p, NULL);
    const char *img;
    bool used;

    if (cfg == NULL)
        return false;
    img = json_string_value(json_object_get(cfg, "image"));
    used = img && strcmp(img, id) == 0;
    json_decref(cfg);
    return used;
}

char **
bolt_store_image_users(struct bolt_store *st, const char *id)
{
    cleanup_free char *refs = xasprintf("%s/refs/%s", st->dir, bolt_digest_hex(id));
    cleanup_free char *ctrs = xasprintf("%s/containers", st->root);
    char **out = xcalloc(1, sizeof(char *));
    DIR *d = opendir(refs);
    struct dirent *de;

    while (d && (de = readdir(d)) != NULL) {
        cleanup_free char *cdir = NULL;
        if (de->d_name[0] == '.')
            continue;
        cdir = xasprintf("%s/%s", ctrs, de->d_name);
        if (access(cdir, F_OK) == 0) {
            bolt_strv_push(&out, de->d_name);
        } else {
            log_info("removing stale image ref of container '%s' (it no longer exists)",
                     de->d_name);
            unlinkat(dirfd(d), de->d_name, 0);
        }
    }
    if (d)
        closedir(d);
    d = opendir(ctrs);
    while (d && (de = readdir(d)) != NULL) {
        bool seen = false;
        if (de->d_name[0] == '.')
            continue;
        for (char **c = out; *c; c++)
            seen = seen || strcmp(*c, de->d_name) == 0;
        if (!seen && container_uses(st, de->d_name, id))
            bolt_strv_push(&out, de->d_name);
    }
    if (d)
        closedir(d);
    return out;
}

static uint64_t
tree_size(const char *path)
{
    struct stat sb;
    uint64_t total = 0;
    cleanup_dir DIR *d = NULL;
    struct dirent *de;

    if (lstat(path, &sb) < 0)
        return 0;
    if (!S_ISDIR(sb.st_mode))
        return (uint64_t)sb.st_blocks * 512;
    d = opendir(path);
    while (d && (de = readdir(d)) != NULL) {
        cleanup_free char *p = NULL;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        p = xasprintf("%s/%s", path, de->d_name);
        total += tree_size(p);
    }
    return total;
}

/* Collect every blob digest and diffID an image in the index references. */
static void
collect_live(struct bolt_store *st, json_t *idx, json_t *live)
{
    const char *id;
    json_t *v;

    json_object_foreach(json_object_get(idx, "images"), id, v)
    {
        const char *md = json_string_value(json_object_get(v, "manifest"));
        json_t *m;
        size_t i;
        json_t *l;
        json_object_set_new(live, id, json_true());
        if (md == NULL)
            continue;
        json_object_set_new(live, md, json_true());
        {
            cleanup_free char *p = bolt_store_blob_path(st, md);
            m = bolt_json_load_file(p, NULL);
        }
        json_array_foreach(json_object_get(m, "layers"), i, l)
        {
            const char *dg = json_string_value(json_object_get(l, "digest"));
            if (dg)
                json_object_set_new(live, dg, json_true());
        }
        json_decref(m);
        {
            cleanup_free char *p = bolt_store_blob_path(st, id);
            json_t *cfg = bolt_json_load_file(p, NULL);
            json_array_foreach(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), i, l)
                if (json_is_string(l))
                    json_object_set_new(live, json_string_value(l), json_true());
            json_decref(cfg);
        }
    }
}

static void
sweep(struct bolt_store *st, const char *sub, json_t *live, uint64_t *freed)
{
    cleanup_free char *dir = xasprintf("%s/%s", st->dir, sub);
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *de;

    while (d && (de = readdir(d)) != NULL) {
        cleanup_free char *dg = NULL;
        cleanup_free char *p = NULL;
        if (de->d_name[0] == '.')
            continue;
        dg = xasprintf("sha256:%s", de->d_name);
        if (json_object_get(live, dg))
            continue;
        p = xasprintf("%s/%s", dir, de->d_name);
        *freed += tree_size(p);
        log_info("removing unused '%s'", p);
        bolt_rm_rf(p, NULL);
    }
}

int
bolt_store_gc(struct bolt_store *st, uint64_t *freed, struct bolt_err *err)
{
    struct bolt_err lerr = {0};
    int gc = bolt_store_gc_lock(st, true, false, &lerr);
    int lk;
    json_t *idx, *live;

    *freed = 0;
    if (gc < 0) {
        log_info("image store busy (a pull is running): unused content is collected later");
        return 0;
    }
    lk = bolt_store_index_lock(st, err);
    if (lk < 0) {
        bolt_lock_release(gc);
        return -1;
    }
    idx = bolt_store_index_load(st, err);
    if (idx == NULL) {
        bolt_lock_release(lk);
        bolt_lock_release(gc);
        return -1;
    }
    live = json_object();
    collect_live(st, idx, live);
    sweep(st, "blobs/sha256", live, freed);
    sweep(st, "layers", live, freed);
    json_decref(live);
    json_decref(idx);
    bolt_lock_release(lk);
    bolt_lock_release(gc);
    return 0;
}
