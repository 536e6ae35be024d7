/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_IMAGE_MANIFEST_H
#define BOLT_IMAGE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define BOLT_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define BOLT_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define BOLT_MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define BOLT_MT_DOCKER_LAYER    "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define BOLT_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define BOLT_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define BOLT_MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define BOLT_MT_OCI_LAYER       "application/vnd.oci.image.layer.v1.tar"
#define BOLT_MT_OCI_LAYER_GZIP  "application/vnd.oci.image.layer.v1.tar+gzip"
#define BOLT_MT_OCI_LAYER_ZSTD  "application/vnd.oci.image.layer.v1.tar+zstd"

/* A content descriptor (OCI) with the platform of index entries. */
struct bolt_descriptor {
    char *media_type;
    char *digest; /* validated "sha256:<hex>" */
    int64_t size;
    char *os, *arch, *variant; /* index entries only; may be NULL */
    char *ref_name;            /* org.opencontainers.image.ref.name annotation, if any */
};

/* Either an image manifest (config + layers) or an index / manifest list (manifests). */
struct bolt_manifest {
    bool is_index;
    char *media_type;
    struct bolt_descriptor config;
    struct bolt_descriptor *layers;
    size_t n_layers;
    struct bolt_descriptor *manifests;
    size_t n_manifests;
};

/*
 * Parse a manifest or index from buf. content_type (the HTTP Content-Type, may be NULL) is
 * used when the document has no mediaType. what names the source in errors. Rejects docker
 * schema 1 with a message saying so. Pure. Returns 0 or -1.
 */
int bolt_manifest_parse(const char *buf, size_t len, const char *content_type, const char *what,
                        struct bolt_manifest *m, struct bolt_err *err);
void bolt_manifest_fini(struct bolt_manifest *m);

/* "os/arch[/variant]" -> parts (caller frees; variant may be NULL). Returns 0 or -1. */
int bolt_platform_parse(const char *s, char **os, char **arch, char **variant,
                        struct bolt_err *err);
/* The host platform in OCI terms ("linux", "amd64"/"arm64"/...). Static strings. */
void bolt_platform_host(const char **os, const char **arch);

/*
 * Pick the entry of an index for os/arch/variant (variant NULL matches any; for arm64 an
 * entry without variant or with v8 matches). Returns the descriptor or NULL with an error
 * listing the platforms the index offers.
 */
const struct bolt_descriptor *bolt_index_select(const struct bolt_manifest *idx, const char *os,
                                                const char *arch, const char *variant,
                                                struct bolt_err *err);

#endif
