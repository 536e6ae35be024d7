/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_CDI_H
#define BOLT_NVBIND_CDI_H

/*
 * The Container Device Interface (CDI 1.1.0): the "container edits" model every nvbind
 * output shares (bolt run applies edits in-process, nvbind applies them to config.json,
 * `nvbind cdi generate` writes them as a spec), the spec file parser/validator, the spec
 * directories (/etc/cdi, then /var/run/cdi: a later directory wins), and applying
 * edits to an OCI spec with the reference implementation's merge rules.
 *
 * Parsing is strict like the reference parser: an unknown member is an error. Errors name
 * the JSON path ("devices[1].containerEdits.deviceNodes[0].path: ...").
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "oci/spec.h"
#include "util/err.h"

#define BOLT_CDI_VERSION_LATEST "1.1.0"
#define BOLT_CDI_DIR_STATIC     "/etc/cdi"
#define BOLT_CDI_DIR_DYNAMIC    "/var/run/cdi"

struct bolt_cdi_node {
    char *path;      /* container path */
    char *host_path; /* NULL = path */
    char type;       /* 0 (unset), 'b', 'c', 'u', 'p' */
    bool has_major, has_minor, has_file_mode, has_uid, has_gid;
    int64_t major, minor;
    uint32_t file_mode;
    char *permissions; /* subset of "rwm", "none", or NULL (= "rwm") */
    uint32_t uid, gid;
};

struct bolt_cdi_mount {
    char *host_path;
    char *container_path;
    char *type;     /* NULL = unset */
    char **options; /* NULL-terminated, may be NULL */
};

struct bolt_cdi_hook {
    enum bolt_oci_hook_kind kind;
    char *path;
    char **args; /* NULL-terminated, may be NULL */
    char **env;
    bool has_timeout;
    int timeout;
};

struct bolt_cdi_edits {
    char **env; /* "K=V", NULL-terminated, may be NULL */
    struct bolt_cdi_node *nodes;
    size_t n_nodes;
    struct bolt_cdi_mount *mounts;
    size_t n_mounts;
    struct bolt_cdi_hook *hooks;
    size_t n_hooks;
    uint32_t *gids; /* additionalGids */
    size_t n_gids;
    json_t *intel_rdt;   /* kept as parsed (our OCI model has no intelRdt), may be NULL */
    json_t *net_devices; /* likewise */
};

struct bolt_cdi_device {
    char *name;
    json_t *annotations; /* object or NULL */
    struct bolt_cdi_edits edits;
};

struct bolt_cdi_spec {
    char *version; /* cdiVersion as written */
    char *kind;    /* "vendor/class" */
    json_t *annotations;
    struct bolt_cdi_device *devices;
    size_t n_devices;
    struct bolt_cdi_edits edits; /* spec-level, applied once if any device is used */
    char *path;   /* file it came from, or NULL */
    int priority; /* index of its spec directory (higher wins) */
};

/* Edits. */
void bolt_cdi_edits_fini(struct bolt_cdi_edits *e);
void bolt_cdi_edits_add_env(struct bolt_cdi_edits *e, const char *key, const char *value);
/* Appends a node (copies path/host_path; host_path may be NULL) and returns it. */
struct bolt_cdi_node *bolt_cdi_edits_add_node(struct bolt_cdi_edits *e, const char *path,
                                              const char *host_path);
/* Appends a mount; options is NULL-terminated or NULL. */
void bolt_cdi_edits_add_mount(struct bolt_cdi_edits *e, const char *host_path,
                              const char *container_path, const char *type,
                              const char *const *options);
/* Appends a hook; args is NULL-terminated (argv[0] included). */
void bolt_cdi_edits_add_hook(struct bolt_cdi_edits *e, enum bolt_oci_hook_kind kind,
                             const char *path, char *const *args);
/* Append copies of everything in src to dst. */
void bolt_cdi_edits_append(struct bolt_cdi_edits *dst, const struct bolt_cdi_edits *src);
bool bolt_cdi_edits_is_empty(const struct bolt_cdi_edits *e);

/*
 * Apply edits to an OCI spec with the CDI rules: env appended (a key already set is
 * replaced); device nodes completed from the host node (stat of host_path) when type or
 * numbers are missing, a same-path device replaced, and an allow rule added for 'b'/'c'
 * with the node's permissions (default rwm); a mount with the same destination replaced,
 * then mounts stably sorted by depth (parents first); hooks appended; additional gids
 * added once. what names the source in errors ("nvidia.com/gpu=0").
 */
int bolt_cdi_edits_apply(const struct bolt_cdi_edits *e, struct bolt_oci_spec *spec,
                         const char *what, struct bolt_err *err);

/* Spec files. */
struct bolt_cdi_spec *bolt_cdi_spec_new(const char *version, const char *kind);
void bolt_cdi_spec_free(struct bolt_cdi_spec *s);
void bolt_cdi_spec_freep(struct bolt_cdi_spec **s);
#define cleanup_cdi_spec __attribute__((cleanup(bolt_cdi_spec_freep)))
/* Append a device named name; returns it (edits empty). */
struct bolt_cdi_device *bolt_cdi_spec_add_device(struct bolt_cdi_spec *s, const char *name);

/*
 * Parse a spec from JSON or YAML text (what names it in errors, e.g. the file). Types and
 * member names are checked here; call bolt_cdi_spec_validate for the semantic rules.
 */
struct bolt_cdi_spec *bolt_cdi_spec_parse(const char *text, size_t len, const char *what,
                                          struct bolt_err *err);
struct bolt_cdi_spec *bolt_cdi_spec_load(const char *path, int priority, struct bolt_err *err);

/*
 * Semantic checks: known cdiVersion not below what the features used need, kind and
 * device names, unique device names, env entries "K=V", absolute paths, device types,
 * permissions, hook names and timeouts, mount fields, netDevices. Errors name the path.
 */
int bolt_cdi_spec_validate(const struct bolt_cdi_spec *s, struct bolt_err *err);

/* The lowest cdiVersion that the features used by s require ("0.3.0" ... "1.1.0"). */
const char *bolt_cdi_spec_min_version(const struct bolt_cdi_spec *s);

/* A YAML document as a jansson tree (plain scalars typed by the YAML core schema), or NULL
 * with "what: line L column C: ..." (cdi_yaml.c). */
json_t *bolt_cdi_yaml_load(const char *text, size_t len, const char *what, struct bolt_err *err);

/* JSON form (new reference). */
json_t *bolt_cdi_spec_to_json(const struct bolt_cdi_spec *s);
/* Write any JSON value as block-style YAML (strings always quoted). */
void bolt_cdi_write_yaml(FILE *out, json_t *v);

/* Names. */
bool bolt_cdi_vendor_is_valid(const char *vendor);
bool bolt_cdi_class_is_valid(const char *cls);
bool bolt_cdi_device_name_is_valid(const char *name);
/* True if s looks like "vendor/class=name" (the --device form), without validating it. */
bool bolt_cdi_is_qualified_name(const char *s);
/* Split "vendor/class=name" into new strings; errors say which part is wrong. */
int bolt_cdi_parse_qualified(const char *s, char **vendor, char **cls, char **name,
                             struct bolt_err *err);

/* The spec directories and every device they define. */
struct bolt_cdi_entry {
    char *qualified;              /* "nvidia.com/gpu=0" */
    struct bolt_cdi_spec *spec;   /* borrowed from the registry */
    struct bolt_cdi_device *dev;  /* borrowed */
    struct bolt_cdi_spec *conflict; /* another spec of equal priority defining it, or NULL */
};

struct bolt_cdi_registry {
    struct bolt_cdi_spec **specs;
    size_t n_specs;
    struct bolt_cdi_entry *entries; /* sorted by qualified name */
    size_t n_entries;
    char **errors; /* one line per spec file that was skipped (NULL-terminated, may be NULL) */
};

/*
 * The spec directories to use: BOLT_CDI_SPEC_DIRS (colon-separated) when set, else
 * /etc/cdi and /var/run/cdi. Returns a NULL-terminated vector.
 */
char **bolt_cdi_default_dirs(void);

/*
 * Load every *.json / *.yaml file directly in dirs (NULL-terminated, lowest priority
 * first; a missing directory is skipped). Invalid files are skipped and listed in
 * reg->errors. A device defined by two specs of equal priority is a conflict (reported
 * when it is requested); a later directory overrides an earlier one.
 */
int bolt_cdi_registry_load(struct bolt_cdi_registry *reg, char *const *dirs,
                           struct bolt_err *err);
void bolt_cdi_registry_fini(struct bolt_cdi_registry *reg);
const struct bolt_cdi_entry *bolt_cdi_registry_find(const struct bolt_cdi_registry *reg,
                                                    const char *qualified);

/*
 * Resolve the qualified names (NULL-terminated) and apply their edits to spec: each
 * spec's spec-level edits once, then each device's edits. An unknown device names the
 * devices of that kind that exist; a conflict names both spec files. Nothing is applied
 * unless every name resolves.
 */
int bolt_cdi_registry_apply(const struct bolt_cdi_registry *reg, char *const *names,
                            struct bolt_oci_spec *spec, struct bolt_err *err);

#endif
