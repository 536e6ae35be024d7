/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_ARCHIVE_H
#define BOLT_IMAGE_ARCHIVE_H

#include "util/err.h"

/*
 * Image archives. root is the bolt root.
 *
 * bolt_image_load: read a docker-save archive (manifest.json with Config/RepoTags/Layers)
 * or an OCI image-layout archive (oci-layout + index.json + blobs/), plain or compressed,
 * from path ("-" = stdin). Every blob is verified; names come from RepoTags, or from the
 * io.containerd.image.name / org.opencontainers.image.ref.name annotations (a bare tag gives
 * no name). *names (may be NULL) gets a NULL-terminated vector of "name" or "sha256:id" lines
 * for what was loaded. Returns 0 or -1.
 */
int bolt_image_load(const char *root, const char *path, char ***loaded, struct bolt_err *err);

/*
 * bolt_image_import: make a one-layer image from a rootfs tarball (path or "-"; plain,
 * gzip or zstd) named ref (may be NULL for an unnamed image). cmd (may be NULL) becomes
 * the config's Cmd. *id gets the image ID.
 */
int bolt_image_import(const char *root, const char *path, const char *ref, char **cmd,
                      char **id, struct bolt_err *err);

/*
 * bolt_image_save: write the image ref as an OCI image-layout tar to path ("-" = stdout),
 * with the full name in io.containerd.image.name and the tag in
 * org.opencontainers.image.ref.name. Written to a temp file and renamed.
 */
int bolt_image_save(const char *root, const char *ref, const char *path, struct bolt_err *err);

#endif
