/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_MANAGE_H
#define BOLT_IMAGE_MANAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Image management behind `bolt images/rmi/tag/image inspect/image prune`. root is the bolt
 * root. Results are JSON for the CLI to print.
 */

/*
 * Every image: [{"Id","Names":[..],"Digests":[..],"Created","Size","Containers"}], newest
 * first. Size is the sum of the compressed layers and the config, as pulled.
 */
json_t *bolt_image_list(const char *root, struct bolt_err *err);

/*
 * rmi: a name that is not the image's last one is only untagged. Otherwise the image is
 * deleted unless a container uses it: then it fails ("... is used by container(s) ..."), or,
 * with force, the name is removed and the image is kept (dangling) until it is unused.
 * Appends "Untagged: name" / "Deleted: sha256:.." lines to *out. Collects unused content.
 */
int bolt_image_remove(const char *root, const char *ref, bool force, char ***out,
                      struct bolt_err *err);

/* tag: give the image src the name dst (a name moves from any image that had it). */
int bolt_image_tag(const char *root, const char *src, const char *dst, struct bolt_err *err);

/* inspect: one JSON object (Id, RepoTags, RepoDigests, Created, Architecture, Os, Config,
 * RootFS, Size, Manifest, LowerDirs). */
json_t *bolt_image_inspect(const char *root, const char *ref, struct bolt_err *err);

/* prune: delete dangling images (all unused ones with all) that no container uses, then
 * unused content. *out gets "Deleted: ..." lines, *freed the bytes reclaimed. */
int bolt_image_prune(const char *root, bool all, char ***out, uint64_t *freed,
                     struct bolt_err *err);

#endif
