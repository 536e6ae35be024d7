/* SPDX-License-Identifier: Apache-2.0 */
#include "image/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/config.h"
#include "image/digest.h"
#include "image/manifest.h"
#include "image/ref.h"
#include "image/store.h"
#include "image/unpack.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/mem.h"

#define CHUNK (1 << 20)

/* The store, its gc lock (shared) and a staging directory, for one command. */
struct session {
    struct bolt_store *st;
    int gc;
    struct bolt_tmp tmp;
};

static int
session_open(struct session *s, const char *root, struct bolt_err *err)
{
    s->gc = -1;
    s->tmp.fd = -1;
    s->st = bolt_store_open(root, err);
    if (s->st == NULL)
        return -1;
    s->gc = bolt_store_gc_lock(s->st, false, true, err);
    if (s->gc < 0)
        return -1;
    return bolt_store_tmp_new(s->st, &s->tmp, err);
}

static void
session_close(struct session *s)
{
    if (s->tmp.path)
        bolt_store_tmp_done(&s->tmp);
    bolt_lock_release(s->gc);
    bolt_store_free(s->st);
}

/* ---- extraction of an archive into the staging dir (confined, files/dirs/symlinks only) */

static int
extract_entry(struct archive *a, struct archive_entry *e, int rootfd, const char *file,
              struct bolt_err *err)
{
    cleanup_free char *path = bolt_unpack_clean_path(archive_entry_pathname(e));
    cleanup_close int fd = -1;
    mode_t type = archive_entry_filetype(e);
    const void *buf;
    size_t size;
    la_int64_t off;
    int r;

    if (path == NULL)
        return bolt_err_set(err, 0, "'%s': entry '%s' contains '..' (refused)", file,
                            archive_entry_pathname(e));
    if (*path == '\0')
        return 0;
    if (type == AE_IFDIR) {
        fd = bolt_mkdir_in_root(rootfd, path, 0700, err);
        return fd < 0 ? -1 : 0;
    }
    if (type == AE_IFLNK) {
        cleanup_free char *dir = xstrdup(path);
        char *sl = strrchr(dir, '/');
        const char *name = sl ? sl + 1 : path;
        if (sl)
            *sl = '\0';
        fd = sl ? bolt_mkdir_in_root(rootfd, dir, 0700, err) : fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0 || symlinkat(archive_entry_symlink(e), fd, sl ? path + (sl - dir) + 1 : name))
            return bolt_err_set(err, errno, "'%s': extract '%s'", file, path);
        return 0;
    }
    if (type != AE_IFREG)
        return 0;
    fd = bolt_open_in_root(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600, err);
    if (fd < 0) {
        /* parents may be missing from the archive's listing */
        cleanup_free char *dir = xstrdup(path);
        char *sl = strrchr(dir, '/');
        cleanup_close int dfd = -1;
        if (sl == NULL)
            return -1;
        *sl = '\0';
        dfd = bolt_mkdir_in_root(rootfd, dir, 0700, err);
        if (dfd < 0)
            return -1;
        fd = bolt_open_in_root(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600,
                               err);
        if (fd < 0)
            return -1;
    }
    while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
        if (pwrite(fd, buf, size, off) != (ssize_t)size)
            return bolt_err_set(err, errno ? errno : EIO, "'%s': write '%s' into the store "
                                "(free space under the bolt root)", file, path);
    }
    if (r != ARCHIVE_EOF)
        return bolt_err_set(err, 0, "'%s': %s at '%s' (the archive is truncated or corrupt)",
                            file, archive_error_string(a), path);
    return 0;
}

static int
extract(const char *file, int rootfd, struct bolt_err *err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    int r, rc = -1;
    size_t n = 0;

    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    if (strcmp(file, "-") == 0)
        r = archive_read_open_fd(a, 0, CHUNK);
    else
        r = archive_read_open_filename(a, file, CHUNK);
    if (r != ARCHIVE_OK) {
        bolt_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "open archive '%s': %s",
                     file, archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        n++;
        if (extract_entry(a, e, rootfd, file, err) < 0)
            goto out;
    }
    if (r != ARCHIVE_EOF) {
        bolt_err_set(err, 0, "'%s': %s after %zu entries (the archive is truncated or corrupt; "
                             "create it again)", file, archive_error_string(a), n);
        goto out;
    }
    if (n == 0) {
        bolt_err_set(err, 0, "'%s': empty archive (expected a docker-save or OCI archive)", file);
        goto out;
    }
    rc = 0;
out:
    archive_read_free(a);
    return rc;
}

/* Verify the file at rel (inside rootfd) has digest and move it into the store. */
static int
ingest_blob(struct bolt_store *st, int rootfd, const char *rel, const char *digest,
            struct bolt_err *err)
{
    cleanup_close int fd = bolt_open_in_root(rootfd, rel, O_RDONLY, 0, err);
    char proc[64], real[4096], got[BOLT_DIGEST_LEN];
    ssize_t n;

    if (fd < 0)
        return bolt_err_wrap(err, "blob %.19s missing from the archive", digest);
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    n = readlink(proc, real, sizeof(real) - 1);
    if (n < 0)
        return bolt_err_set(err, errno, "readlink '%s'", proc);
    real[n] = '\0';
    if (bolt_sha256_file(real, got, err) < 0)
        return -1;
    if (strcmp(got, digest) != 0)
        return bolt_err_set(err, 0, "archive member '%s': digest mismatch: expected %s, got %s "
                                    "(the archive is corrupt)", rel, digest, got);
    if (bolt_store_has_blob(st, digest))
        return 0;
    return bolt_store_commit_blob(st, real, digest, err);
}

static char *
read_member(int rootfd, const char *rel, size_t *len, struct bolt_err *err)
{
    cleanup_close int fd = bolt_open_in_root(rootfd, rel, O_RDONLY, 0, err);
    char proc[64];

    if (fd < 0)
        return NULL;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    return bolt_read_file(proc, len, err);
}

static char *
blob_rel(const char *digest)
{
    return xasprintf("blobs/sha256/%s", bolt_digest_hex(digest));
}

/* Store config + layers of a manifest found in the layout, then the manifest and the name. */
static int
import_manifest(struct bolt_store *st, int rootfd, const char *mbuf, size_t mlen,
                const char *name, char ***loaded, struct bolt_err *err)
{
    struct bolt_manifest m = {0};
    struct bolt_image_config cfg = {0};
    cleanup_free char *cbuf = NULL;
    cleanup_free char *crel = NULL;
    char md[BOLT_DIGEST_LEN];
    size_t clen = 0;
    int rc = -1;

    if (bolt_manifest_parse(mbuf, mlen, NULL, "archive manifest", &m, err) < 0)
        return -1;
    crel = blob_rel(m.config.digest);
    if (ingest_blob(st, rootfd, crel, m.config.digest, err) < 0)
        goto out;
    cbuf = bolt_store_read_blob(st, m.config.digest, &clen, err);
    if (cbuf == NULL || bolt_image_config_parse(cbuf, clen, "image config", &cfg, err) < 0)
        goto out;
    if (cfg.n_diff_ids != m.n_layers) {
        bolt_err_set(err, 0, "image %.19s: %zu layers but %zu diff_ids (corrupt)",
                     m.config.digest, m.n_layers, cfg.n_diff_ids);
        goto out;
    }
    for (size_t i = 0; i < m.n_layers; i++) {
        cleanup_free char *rel = blob_rel(m.layers[i].digest);
        if (bolt_store_has_layer(st, cfg.diff_ids[i]) && bolt_store_has_blob(st, m.layers[i].digest))
            continue;
        if (ingest_blob(st, rootfd, rel, m.layers[i].digest, err) < 0
            || bolt_store_unpack_layer(st, m.layers[i].digest, cfg.diff_ids[i], err) < 0)
            goto out;
    }
    if (syncfs(st->dirfd) < 0) {
        bolt_err_set(err, errno, "sync the image store '%s'", st->dir);
        goto out;
    }
    if (bolt_store_put_blob(st, mbuf, mlen, md, err) < 0
        || bolt_store_add_image(st, m.config.digest, md, name, NULL, err) < 0)
        goto out;
    if (loaded)
        bolt_strv_push(loaded, name ? name : m.config.digest);
    rc = 0;
out:
    bolt_manifest_fini(&m);
    bolt_image_config_fini(&cfg);
    return rc;
}

/* A full name for an OCI layout entry, or NULL (a bare tag names nothing). */
static char *
oci_entry_name(json_t *desc)
{
    json_t *ann = json_object_get(desc, "annotations");
    const char *cands[2] = {json_string_value(json_object_get(ann, "io.containerd.image.name")),
                            json_string_value(
                                json_object_get(ann, "org.opencontainers.image.ref.name"))};

    for (int i = 0; i < 2; i++) {
        struct bolt_ref r;
        char *s;
        if (cands[i] == NULL || (i == 1 && !strchr(cands[i], '/') && !strchr(cands[i], ':')))
            continue;
        if (bolt_ref_parse(cands[i], &r, NULL) < 0)
            continue;
        s = r.tag ? bolt_ref_string(&r) : NULL;
        bolt_ref_fini(&r);
        if (s)
            return s;
    }
    return NULL;
}

static int
load_oci_desc(struct bolt_store *st, int rootfd, const char *digest, const char *name,
              int depth, char ***loaded, struct bolt_err *err)
{
    cleanup_free char *rel = blob_rel(digest);
    cleanup_free char *buf = NULL;
    struct bolt_manifest m = {0};
    char got[BOLT_DIGEST_LEN];
    size_t len = 0;
    int rc;

    buf = read_member(rootfd, rel, &len, err);
    if (buf == NULL)
        return bolt_err_wrap(err, "manifest %.19s missing from the archive", digest);
    bolt_sha256_buf(buf, len, got);
    if (strcmp(got, digest) != 0)
        return bolt_err_set(err, 0, "archive manifest %s: digest mismatch (got %s)", digest, got);
    if (bolt_manifest_parse(buf, len, NULL, "archive manifest", &m, err) < 0)
        return -1;
    if (m.is_index) {
        const char *os, *arch;
        const struct bolt_descriptor *d;
        bolt_platform_host(&os, &arch);
        d = depth < 2 ? bolt_index_select(&m, os, arch, NULL, err) : NULL;
        rc = d ? load_oci_desc(st, rootfd, d->digest, name, depth + 1, loaded, err) : -1;
        bolt_manifest_fini(&m);
        return rc;
    }
    bolt_manifest_fini(&m);
    return import_manifest(st, rootfd, buf, len, name, loaded, err);
}

static int
load_oci(struct bolt_store *st, int rootfd, char ***loaded, struct bolt_err *err)
{
    cleanup_free char *buf = NULL;
    size_t len = 0, i;
    json_t *idx, *d;
    int rc = 0;

    buf = read_member(rootfd, "index.json", &len, err);
    if (buf == NULL)
        return -1;
    idx = bolt_json_loadb(buf, len, "index.json", err);
    if (idx == NULL)
        return -1;
    json_array_foreach(json_object_get(idx, "manifests"), i, d)
    {
        const char *dg = json_string_value(json_object_get(d, "digest"));
        cleanup_free char *name = oci_entry_name(d);
        if (!bolt_digest_is_valid(dg)) {
            rc = bolt_err_set(err, 0, "index.json: manifests[%zu].digest is not sha256:<hex>", i);
            break;
        }
        if ((rc = load_oci_desc(st, rootfd, dg, name, 0, loaded, err)) < 0)
            break;
    }
    if (rc == 0 && i == 0)
        rc = bolt_err_set(err, 0, "index.json lists no images");
    json_decref(idx);
    return rc;
}

static const char *
layer_media_type(int rootfd, const char *rel, bool docker)
{
    cleanup_close int fd = bolt_open_in_root(rootfd, rel, O_RDONLY, 0, NULL);
    unsigned char mg[4] = {0};

    if (fd >= 0 && read(fd, mg, 4) == 4) {
        if (mg[0] == 0x1f && mg[1] == 0x8b)
            return docker ? BOLT_MT_DOCKER_LAYER : BOLT_MT_OCI_LAYER_GZIP;
        if (mg[0] == 0x28 && mg[1] == 0xb5 && mg[2] == 0x2f && mg[3] == 0xfd)
            return BOLT_MT_OCI_LAYER_ZSTD;
    }
    return docker ? "application/vnd.docker.image.rootfs.diff.tar" : BOLT_MT_OCI_LAYER;
}

/* Digest of a member and a copy of it under blobs/sha256/ (docker-save names files freely). */
static int
hash_member(int rootfd, const char *rel, char out[BOLT_DIGEST_LEN], int64_t *size,
            struct bolt_err *err)
{
    cleanup_close int fd = bolt_open_in_root(rootfd, rel, O_RDONLY, 0, err);
    char proc[64];
    struct stat sb;

    if (fd < 0)
        return bolt_err_wrap(err, "manifest.json names '%s'", rel);
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (fstat(fd, &sb) < 0 || bolt_sha256_file(proc, out, err) < 0)
        return -1;
    *size = sb.st_size;
    return 0;
}

static int
link_as_blob(int rootfd, const char *rel, const char *digest, struct bolt_err *err)
{
    cleanup_close int dfd = bolt_mkdir_in_root(rootfd, "blobs/sha256", 0700, err);
    cleanup_close int fd = -1;
    char proc[64];

    if (dfd < 0)
        return -1;
    fd = bolt_open_in_root(rootfd, rel, O_PATH, 0, err);
    if (fd < 0)
        return -1;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, dfd, bolt_digest_hex(digest), AT_SYMLINK_FOLLOW) < 0
        && errno != EEXIST)
        return bolt_err_set(err, errno, "link '%s' in the staging area", rel);
    return 0;
}

static int
load_docker_one(struct bolt_store *st, int rootfd, json_t *ent, char ***loaded,
                struct bolt_err *err)
{
    const char *cfgrel = json_string_value(json_object_get(ent, "Config"));
    json_t *layers = json_object_get(ent, "Layers"), *tags = json_object_get(ent, "RepoTags");
    json_t *man, *ldescs = json_array(), *l;
    char cd[BOLT_DIGEST_LEN];
    int64_t csize;
    size_t i;
    int rc = -1;

    if (cfgrel == NULL || !json_is_array(layers)) {
        json_decref(ldescs);
        return bolt_err_set(err, 0, "manifest.json: an entry lacks \"Config\" or \"Layers\"");
    }
    if (hash_member(rootfd, cfgrel, cd, &csize, err) < 0 || link_as_blob(rootfd, cfgrel, cd, err))
        goto out;
    json_array_foreach(layers, i, l)
    {
        const char *rel = json_string_value(l);
        char ld[BOLT_DIGEST_LEN];
        int64_t lsize;
        if (rel == NULL || hash_member(rootfd, rel, ld, &lsize, err) < 0
            || link_as_blob(rootfd, rel, ld, err) < 0)
            goto out;
        json_array_append_new(ldescs, json_pack("{s:s,s:I,s:s}", "mediaType",
                                                layer_media_type(rootfd, rel, true), "size",
                                                (json_int_t)lsize, "digest", ld));
    }
    man = json_pack("{s:i,s:s,s:{s:s,s:I,s:s},s:O}", "schemaVersion", 2, "mediaType",
                    BOLT_MT_DOCKER_MANIFEST, "config", "mediaType", BOLT_MT_DOCKER_CONFIG, "size",
                    (json_int_t)csize, "digest", cd, "layers", ldescs);
    {
        cleanup_free char *mb = json_dumps(man, JSON_COMPACT);
        const char *first = json_string_value(json_array_get(tags, 0));
        cleanup_free char *name = NULL;
        struct bolt_ref r;
        json_decref(man);
        if (first && bolt_ref_parse(first, &r, NULL) == 0) {
            name = bolt_ref_string(&r);
            bolt_ref_fini(&r);
        }
        rc = import_manifest(st, rootfd, mb, strlen(mb), name, loaded, err);
        for (size_t k = 1; rc == 0 && k < json_array_size(tags); k++) {
            const char *t = json_string_value(json_array_get(tags, k));
            cleanup_free char *more = NULL;
            if (t && bolt_ref_parse(t, &r, NULL) == 0) {
                more = bolt_ref_string(&r);
                bolt_ref_fini(&r);
                rc = bolt_store_add_image(st, cd, NULL, more, NULL, err);
            }
        }
    }
out:
    json_decref(ldescs);
    return rc;
}

static int
load_docker(struct bolt_store *st, int rootfd, char ***loaded, struct bolt_err *err)
{
    cleanup_free char *buf = NULL;
    size_t len = 0, i;
    json_t *arr, *ent;
    int rc = 0;

    buf = read_member(rootfd, "manifest.json", &len, err);
    if (buf == NULL)
        return -1;
    arr = bolt_json_loadb(buf, len, "manifest.json", err);
    if (arr == NULL)
        return -1;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        rc = bolt_err_set(err, 0, "manifest.json: expected a non-empty array of images");
    json_array_foreach(arr, i, ent)
    {
        if (rc < 0 || (rc = load_docker_one(st, rootfd, ent, loaded, err)) < 0)
            break;
    }
    json_decref(arr);
    return rc;
}

int
bolt_image_load(const char *root, const char *path, char ***loaded, struct bolt_err *err)
{
    struct session s = {0};
    cleanup_free char *x = NULL;
    cleanup_close int xfd = -1;
    char **names = xcalloc(1, sizeof(char *));
    int rc = -1;

    if (strcmp(path, "-") != 0 && access(path, R_OK) < 0) {
        bolt_strv_free(names);
        return bolt_err_set(err, errno, "load: cannot read '%s'", path);
    }
    if (session_open(&s, root, err) < 0)
        goto out;
    x = xasprintf("%s/x", s.tmp.path);
    if (mkdir(x, 0700) < 0 || (xfd = open(x, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        bolt_err_set(err, errno, "mkdir '%s'", x);
        goto out;
    }
    if (extract(path, xfd, err) < 0)
        goto out;
    if (faccessat(xfd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0
        && faccessat(xfd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        rc = load_oci(s.st, xfd, &names, err);
    else if (faccessat(xfd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        rc = load_docker(s.st, xfd, &names, err);
    else
        rc = bolt_err_set(err, 0, "'%s' is neither a docker-save archive (manifest.json) nor an "
                                  "OCI archive (oci-layout, index.json)", path);
out:
    if (rc < 0)
        bolt_err_wrap(err, "load '%s'", path);
    session_close(&s);
    if (rc == 0 && loaded)
        *loaded = names;
    else
        bolt_strv_free(names);
    return rc;
}

/* Copy src into dst while hashing. */
static int
copy_hash(int src, const char *dst, char out[BOLT_DIGEST_LEN], int64_t *size,
          struct bolt_err *err)
{
    cleanup_close int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    cleanup_free char *buf = xmalloc(CHUNK);
    struct bolt_sha256 h;
    int64_t total = 0;

    if (fd < 0)
        return bolt_err_set(err, errno, "create '%s'", dst);
    bolt_sha256_init(&h);
    for (;;) {
        ssize_t r = read(src, buf, CHUNK), off = 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            bolt_sha256_fini(&h);
            return bolt_err_set(err, errno, "read input");
        }
        if (r == 0)
            break;
        while (off < r) {
            ssize_t w = write(fd, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                int e = errno;
                bolt_sha256_fini(&h);
                return bolt_err_set(err, e, "write '%s' (free space under the bolt root)", dst);
            }
            off += w;
        }
        bolt_sha256_update(&h, buf, (size_t)r);
        total += r;
    }
    bolt_sha256_final(&h, out);
    *size = total;
    return 0;
}

static json_t *
import_config(const char *diffid, char **cmd)
{
    const char *os, *arch;
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    json_t *c, *jcmd = json_array();

    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    bolt_platform_host(&os, &arch);
    for (char **p = cmd; p && *p; p++)
        json_array_append_new(jcmd, json_string(*p));
    c = json_pack("{s:s,s:s,s:s,s:{s:[s]},s:{s:s,s:[s]},s:[{s:s,s:s}]}", "architecture", arch,
                  "os", os, "created", now, "config", "Env",
                  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "rootfs",
                  "type", "layers", "diff_ids", diffid, "history", "created", now, "created_by",
                  "bolt import");
    if (json_array_size(jcmd))
        json_object_set(json_object_get(c, "config"), "Cmd", jcmd);
    json_decref(jcmd);
    return c;
}

static int
import_layer(struct session *s, const char *path, char digest[BOLT_DIGEST_LEN],
             char diffid[BOLT_DIGEST_LEN], int64_t *size, const char **mt, struct bolt_err *err)
{
    cleanup_free char *blob = xasprintf("%s/blob", s->tmp.path);
    cleanup_free char *stage = xasprintf("%s/layer", s->tmp.path);
    cleanup_free char *dst = NULL;
    cleanup_close int in = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    cleanup_close int bfd = -1;
    cleanup_close int dfd = -1;

    if (in < 0)
        return bolt_err_set(err, errno, "open '%s'", path);
    if (copy_hash(in, blob, digest, size, err) < 0)
        return -1;
    bfd = open(blob, O_RDONLY | O_CLOEXEC);
    if (bfd < 0 || mkdir(stage, 0755) < 0
        || (dfd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return bolt_err_set(err, errno, "stage '%s'", stage);
    if (bolt_layer_unpack(bfd, dfd, path, diffid, NULL, err) < 0)
        return -1;
    *mt = layer_media_type(s->tmp.fd, "blob", false);
    dst = bolt_store_layer_path(s->st, diffid);
    if (rename(stage, dst) < 0 && errno != EEXIST && errno != ENOTEMPTY)
        return bolt_err_set(err, errno, "move layer to '%s'", dst);
    if (!bolt_store_has_blob(s->st, digest))
        return bolt_store_commit_blob(s->st, blob, digest, err);
    return 0;
}

int
bolt_image_import(const char *root, const char *path, const char *ref, char **cmd, char **id,
                  struct bolt_err *err)
{
    struct session s = {0};
    struct bolt_ref r = {0};
    cleanup_free char *name = NULL;
    char digest[BOLT_DIGEST_LEN], diffid[BOLT_DIGEST_LEN], cd[BOLT_DIGEST_LEN], md[BOLT_DIGEST_LEN];
    int64_t size = 0;
    const char *mt = BOLT_MT_OCI_LAYER;
    json_t *cfg = NULL, *man = NULL;
    char *cb = NULL, *mb = NULL;
    int rc = -1;

    if (ref) {
        if (bolt_ref_parse(ref, &r, err) < 0)
            return -1;
        if (r.tag == NULL) {
            bolt_ref_fini(&r);
            return bolt_err_set(err, 0, "import: '%s' has a digest; give a name[:tag]", ref);
        }
        name = bolt_ref_string(&r);
        bolt_ref_fini(&r);
    }
    if (session_open(&s, root, err) < 0 || import_layer(&s, path, digest, diffid, &size, &mt, err) < 0)
        goto out;
    if (syncfs(s.st->dirfd) < 0) {
        bolt_err_set(err, errno, "sync the image store '%s'", s.st->dir);
        goto out;
    }
    cfg = import_config(diffid, cmd);
    cb = json_dumps(cfg, JSON_COMPACT);
    if (bolt_store_put_blob(s.st, cb, strlen(cb), cd, err) < 0)
        goto out;
    man = json_pack("{s:i,s:s,s:{s:s,s:I,s:s},s:[{s:s,s:I,s:s}]}", "schemaVersion", 2,
                    "mediaType", BOLT_MT_OCI_MANIFEST, "config", "mediaType", BOLT_MT_OCI_CONFIG,
                    "size", (json_int_t)strlen(cb), "digest", cd, "layers", "mediaType",
                    mt, "size", (json_int_t)size,
                    "digest", digest);
    mb = json_dumps(man, JSON_COMPACT);
    if (bolt_store_put_blob(s.st, mb, strlen(mb), md, err) < 0
        || bolt_store_add_image(s.st, cd, md, name, NULL, err) < 0)
        goto out;
    if (id)
        *id = xstrdup(cd);
    rc = 0;
out:
    if (rc < 0)
        bolt_err_wrap(err, "import '%s'", path);
    free(cb);
    free(mb);
    json_decref(cfg);
    json_decref(man);
    session_close(&s);
    return rc;
}
