/* SPDX-License-Identifier: Apache-2.0 */
/* bolt save: an image as an OCI image-layout tar. */
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
#include <unistd.h>

#include "image/digest.h"
#include "image/manifest.h"
#include "image/store.h"
#include "util/mem.h"

#define CHUNK (1 << 20)

static char *
blob_rel(const char *digest)
{
    return xasprintf("blobs/sha256/%s", bolt_digest_hex(digest));
}

static int
write_bytes(struct archive *a, const char *name, const void *data, size_t len,
            struct bolt_err *err)
{
    struct archive_entry *e = archive_entry_new();
    int rc = 0;

    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, 0, 0);
    if (archive_write_header(a, e) != ARCHIVE_OK
        || (len && archive_write_data(a, data, len) != (la_ssize_t)len))
        rc = bolt_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "write '%s': %s",
                          name, archive_error_string(a));
    archive_entry_free(e);
    return rc;
}

static int
write_blob(struct archive *a, struct bolt_store *st, const char *digest, struct bolt_err *err)
{
    cleanup_free char *src = bolt_store_blob_path(st, digest);
    cleanup_free char *name = blob_rel(digest);
    cleanup_close int fd = open(src, O_RDONLY | O_CLOEXEC);
    cleanup_free char *buf = xmalloc(CHUNK);
    struct archive_entry *e;
    struct stat sb;
    int rc = 0;

    if (fd < 0 || fstat(fd, &sb) < 0)
        return bolt_err_set(err, errno, "blob %.19s missing from the store (pull the image "
                                        "again)", digest);
    e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, sb.st_size);
    archive_entry_set_mtime(e, 0, 0);
    if (archive_write_header(a, e) != ARCHIVE_OK)
        rc = -1;
    while (rc == 0) {
        ssize_t r = read(fd, buf, CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? -1 : 0;
            break;
        }
        if (archive_write_data(a, buf, (size_t)r) != r)
            rc = -1;
    }
    archive_entry_free(e);
    if (rc < 0)
        bolt_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : errno, "write blob %.19s: %s",
                     digest, archive_error_string(a) ? archive_error_string(a) : "read failed");
    return rc;
}

static json_t *
save_index(const char *md, const char *mtype, size_t mlen, const char *name)
{
    json_t *desc = json_pack("{s:s,s:s,s:I}", "mediaType", mtype, "digest", md, "size",
                             (json_int_t)mlen);
    if (name) {
        const char *tag = strrchr(name, ':');
        json_object_set_new(desc, "annotations",
                            json_pack("{s:s,s:s}", "io.containerd.image.name", name,
                                      "org.opencontainers.image.ref.name", tag ? tag + 1 : name));
    }
    return json_pack("{s:i,s:s,s:[o]}", "schemaVersion", 2, "mediaType", BOLT_MT_OCI_INDEX,
                     "manifests", desc);
}

static int
save_to(struct archive *a, struct bolt_store *st, const char *id, const char *md,
        const char *name, struct bolt_err *err)
{
    static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
    struct bolt_manifest m = {0};
    cleanup_free char *mb = NULL;
    cleanup_free char *ib = NULL;
    size_t mlen = 0;
    json_t *idx;
    int rc = -1;

    (void)id;
    mb = bolt_store_read_blob(st, md, &mlen, err);
    if (mb == NULL || bolt_manifest_parse(mb, mlen, NULL, "manifest", &m, err) < 0)
        return -1;
    idx = save_index(md, m.media_type, mlen, name);
    ib = json_dumps(idx, JSON_COMPACT);
    json_decref(idx);
    if (write_bytes(a, "oci-layout", layout, strlen(layout), err) < 0
        || write_bytes(a, "index.json", ib, strlen(ib), err) < 0
        || write_blob(a, st, md, err) < 0 || write_blob(a, st, m.config.digest, err) < 0)
        goto out;
    for (size_t i = 0; i < m.n_layers; i++)
        if (write_blob(a, st, m.layers[i].digest, err) < 0)
            goto out;
    rc = 0;
out:
    bolt_manifest_fini(&m);
    return rc;
}

int
bolt_image_save(const char *root, const char *ref, const char *path, struct bolt_err *err)
{
    struct bolt_store *st = bolt_store_open(root, err);
    cleanup_free char *id = NULL;
    cleanup_free char *name = NULL;
    cleanup_free char *tmp = NULL;
    const char *md;
    json_t *idx = NULL;
    struct archive *a = NULL;
    bool to_stdout = strcmp(path, "-") == 0;
    int rc = -1;

    if (st == NULL || bolt_store_resolve(st, ref, &id, &name, err) < 0)
        goto out;
    idx = bolt_store_index_load(st, err);
    if (idx == NULL)
        goto out;
    md = json_string_value(json_object_get(json_object_get(json_object_get(idx, "images"), id),
                                           "manifest"));
    if (md == NULL) {
        bolt_err_set(err, 0, "image %s has no manifest in the store", id);
        goto out;
    }
    a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (!to_stdout)
        tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
    if ((to_stdout ? archive_write_open_fd(a, 1) : archive_write_open_filename(a, tmp))
        != ARCHIVE_OK) {
        bolt_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "save: open '%s': %s",
                     path, archive_error_string(a));
        goto out;
    }
    rc = save_to(a, st, id, md, name, err);
    if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
        rc = bolt_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "save '%s': %s",
                          path, archive_error_string(a));
    if (rc == 0 && tmp && rename(tmp, path) < 0)
        rc = bolt_err_set(err, errno, "save: rename to '%s'", path);
out:
    if (rc < 0 && tmp)
        unlink(tmp);
    if (a)
        archive_write_free(a);
    json_decref(idx);
    bolt_store_free(st);
    return rc;
}
