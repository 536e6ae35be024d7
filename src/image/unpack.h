/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_UNPACK_H
#define BOLT_IMAGE_UNPACK_H

#include <stdint.h>

#include "image/digest.h"
#include "util/err.h"

struct bolt_unpack_stats {
    uint64_t entries;
    uint64_t bytes;  /* uncompressed tar bytes */
};

/*
 * Unpack one layer (a tar stream, plain, gzip or zstd, detected from its magic) read from
 * srcfd into the empty directory destfd, the way overlayfs wants a lower layer:
 *  - ".wh.NAME" becomes a 0:0 character device NAME, ".wh..wh..opq" sets
 *    trusted.overlay.opaque=y on its directory;
 *  - owners (as root), modes incl. setuid/setgid/sticky, xattrs, mtimes, hardlinks, symlinks,
 *    fifos and device nodes (as root) are kept.
 * Every path is resolved inside destfd (openat2 RESOLVE_IN_ROOT): leading '/' is stripped,
 * an entry or hardlink target with a ".." component fails the layer, symlinks in parents are
 * resolved inside the layer, so nothing is written outside destfd.
 * diffid (may be NULL) receives the sha256 of the uncompressed stream. what names the layer
 * in errors. Returns 0 or -1; on error destfd holds a partial tree the caller removes.
 */
int bolt_layer_unpack(int srcfd, int destfd, const char *what, char diffid[BOLT_DIGEST_LEN],
                      struct bolt_unpack_stats *stats, struct bolt_err *err);

/*
 * Normalize a tar entry path: strip leading "/" and "./", drop "." components and repeated
 * slashes. Returns a heap string ("" for the root) or NULL when a component is "..". Pure.
 */
char *bolt_unpack_clean_path(const char *path);

#endif
