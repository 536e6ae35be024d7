/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_OCI_SPEC_H
#define BOLT_OCI_SPEC_H

/*
 * The OCI runtime-spec 1.2 model (config.json). Every component that changes a
 * container edits this struct: the engine builds it from an image config and CLI
 * flags, nvbind adds GPU edits, the runtime executes it, and bolt_oci_spec_save
 * writes it back out for other runtimes. Arrays travel with a count; strings are
 * heap-owned by the spec; absent optional values are NULL / has_* == false.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

struct bolt_oci_rlimit {
    char *type; /* "RLIMIT_NOFILE" */
    uint64_t hard;
    uint64_t soft;
};

struct bolt_oci_caps {
    char **bounding; /* NULL-terminated lists of "CAP_*" names; NULL = absent */
    char **effective;
    char **inheritable;
    char **permitted;
    char **ambient;
};

struct bolt_oci_process {
    bool terminal;
    bool has_console_size;
    uint32_t console_height, console_width;
    uint32_t uid, gid;
    bool has_umask;
    uint32_t umask;
    gid_t *additional_gids;
    size_t n_additional_gids;
    char **args; /* NULL-terminated */
    char **env;  /* NULL-terminated, "K=V" */
    char *cwd;
    struct bolt_oci_caps caps;
    bool has_caps;
    struct bolt_oci_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privileges;
    bool has_oom_score_adj;
    int oom_score_adj;
    char *apparmor_profile;
    char *selinux_label;
};

struct bolt_oci_idmap {
    uint32_t container_id;
    uint32_t host_id;
    uint32_t size;
};

struct bolt_oci_mount {
    char *destination;
    char *type;     /* may be NULL (bind) */
    char *source;   /* may be NULL */
    char **options; /* NULL-terminated; may be NULL */
    /* idmapped mount (runtime-spec 1.2 "uidMappings"/"gidMappings"); empty = none */
    struct bolt_oci_idmap *uid_mappings;
    size_t n_uid_mappings;
    struct bolt_oci_idmap *gid_mappings;
    size_t n_gid_mappings;
};

struct bolt_oci_hook {
    char *path;
    char **args; /* NULL-terminated; may be NULL */
    char **env;
    bool has_timeout;
    int timeout; /* seconds, > 0 */
};

enum bolt_oci_hook_kind {
    BOLT_OCI_HOOK_PRESTART = 0,
    BOLT_OCI_HOOK_CREATE_RUNTIME,
    BOLT_OCI_HOOK_CREATE_CONTAINER,
    BOLT_OCI_HOOK_START_CONTAINER,
    BOLT_OCI_HOOK_POSTSTART,
    BOLT_OCI_HOOK_POSTSTOP,
    BOLT_OCI_HOOK_KINDS,
};

/* JSON member names, indexed by enum bolt_oci_hook_kind ("prestart", "createRuntime", ...). */
extern const char *const bolt_oci_hook_names[BOLT_OCI_HOOK_KINDS];

struct bolt_oci_hooks {
    struct bolt_oci_hook *list[BOLT_OCI_HOOK_KINDS];
    size_t n[BOLT_OCI_HOOK_KINDS];
};

enum bolt_oci_ns_type {
    BOLT_NS_PID = 0,
    BOLT_NS_NETWORK,
    BOLT_NS_MOUNT,
    BOLT_NS_IPC,
    BOLT_NS_UTS,
    BOLT_NS_USER,
    BOLT_NS_CGROUP,
    BOLT_NS_TIME,
    BOLT_NS_TYPES,
};

/* Spec names ("pid", "network", "mount", ...) and CLONE_NEW* flags, by enum bolt_oci_ns_type. */
extern const char *const bolt_oci_ns_names[BOLT_NS_TYPES];
extern const int bolt_oci_ns_clone_flags[BOLT_NS_TYPES];

struct bolt_oci_namespace {
    enum bolt_oci_ns_type type;
    char *path; /* join this namespace when set; NULL = new */
};

struct bolt_oci_device {
    char *path;
    char type; /* 'c', 'b', 'u', 'p' */
    int64_t major, minor;
    bool has_file_mode;
    uint32_t file_mode;
    bool has_uid, has_gid;
    uint32_t uid, gid;
};

struct bolt_oci_device_rule {
    bool allow;
    char type;      /* 'a', 'c', 'b' ('a' when absent) */
    int64_t major;  /* -1 = wildcard */
    int64_t minor;  /* -1 = wildcard */
    char access[4]; /* subset of "rwm"; "rwm" when absent */
};

struct bolt_oci_sysctl {
    char *key;
    char *value;
};

struct bolt_oci_hugepage_limit {
    char *page_size; /* "2MB" */
    uint64_t limit;
};

struct bolt_oci_resources {
    struct bolt_oci_device_rule *devices;
    size_t n_devices;
    /* memory */
    bool has_memory_limit, has_memory_reservation, has_memory_swap, has_memory_swappiness;
    int64_t memory_limit, memory_reservation, memory_swap; /* -1 = unlimited */
    uint64_t memory_swappiness;
    bool disable_oom_killer;
    /* cpu */
    bool has_cpu_shares, has_cpu_quota, has_cpu_period, has_cpu_rt_runtime, has_cpu_rt_period;
    uint64_t cpu_shares;
    int64_t cpu_quota;
    uint64_t cpu_period;
    int64_t cpu_rt_runtime;
    uint64_t cpu_rt_period;
    char *cpu_cpus; /* "0-3" */
    char *cpu_mems;
    /* pids */
    bool has_pids_limit;
    int64_t pids_limit; /* <= 0 = unlimited */
    struct bolt_oci_hugepage_limit *hugepage_limits;
    size_t n_hugepage_limits;
    bool has_blkio_weight;
    uint16_t blkio_weight;
    /* cgroup v2 "unified" key/value pairs (file name -> content) */
    struct bolt_oci_sysctl *unified;
    size_t n_unified;
};

struct bolt_oci_seccomp_arg {
    uint32_t index;
    uint64_t value;
    uint64_t value_two;
    char *op; /* SCMP_CMP_EQ ... */
};

struct bolt_oci_seccomp_rule {
    char **names; /* syscall names */
    char *action; /* SCMP_ACT_* */
    bool has_errno_ret;
    uint32_t errno_ret;
    struct bolt_oci_seccomp_arg *args;
    size_t n_args;
};

struct bolt_oci_seccomp {
    char *default_action;
    bool has_default_errno_ret;
    uint32_t default_errno_ret;
    char **architectures; /* SCMP_ARCH_* */
    char **flags;         /* SECCOMP_FILTER_FLAG_* */
    char *listener_path;
    char *listener_metadata;
    struct bolt_oci_seccomp_rule *syscalls;
    size_t n_syscalls;
};

struct bolt_oci_linux {
    struct bolt_oci_namespace *namespaces;
    size_t n_namespaces;
    struct bolt_oci_idmap *uid_mappings;
    size_t n_uid_mappings;
    struct bolt_oci_idmap *gid_mappings;
    size_t n_gid_mappings;
    struct bolt_oci_device *devices;
    size_t n_devices;
    struct bolt_oci_resources resources;
    bool has_resources;
    char *cgroups_path;
    struct bolt_oci_sysctl *sysctl;
    size_t n_sysctl;
    struct bolt_oci_seccomp *seccomp; /* NULL = no filter */
    char **masked_paths;
    char **readonly_paths;
    char *rootfs_propagation; /* "private", "rslave", ... */
    char *mount_label;
};

struct bolt_oci_annotation {
    char *key;
    char *value;
};

struct bolt_oci_spec {
    char *oci_version;
    struct bolt_oci_process process;
    bool has_process;
    char *root_path;
    bool root_readonly;
    char *hostname;
    char *domainname;
    struct bolt_oci_mount *mounts;
    size_t n_mounts;
    struct bolt_oci_hooks hooks;
    struct bolt_oci_annotation *annotations;
    size_t n_annotations;
    struct bolt_oci_linux linux_;
    bool has_linux;
};

/*
 * Parse config.json text. Errors name the JSON path: "process.user.uid: expected integer",
 * "linux.namespaces[2].type: unknown namespace type 'foo' (expected one of pid, network, ...)".
 * Unknown fields are ignored. Returns a new spec (free with bolt_oci_spec_free) or NULL.
 */
struct bolt_oci_spec *bolt_oci_spec_parse(const char *json, size_t len, struct bolt_err *err);

/* Load and parse a file (errors prefixed with the file name). */
struct bolt_oci_spec *bolt_oci_spec_load(const char *path, struct bolt_err *err);

/* Build a spec from an already parsed JSON document. */
struct bolt_oci_spec *bolt_oci_spec_from_json(json_t *root, struct bolt_err *err);

/*
 * Semantic checks beyond types (required members, valid mount options, namespace
 * duplicates, id maps with a user namespace, ...). Returns 0 or -1.
 */
int bolt_oci_spec_validate(const struct bolt_oci_spec *spec, struct bolt_err *err);

/* Serialize to a new JSON object (caller decrefs). */
json_t *bolt_oci_spec_to_json(const struct bolt_oci_spec *spec);

/* Serialize and write atomically (pretty-printed). */
int bolt_oci_spec_save(const struct bolt_oci_spec *spec, const char *path, struct bolt_err *err);

/*
 * The default spec that `nvbind spec` prints and the engine starts from: rootfs "rootfs",
 * args ["sh"], docker's default capabilities, the usual mounts (/proc, /dev tmpfs, devpts,
 * shm, mqueue, sysfs, cgroup), masked and read-only paths, new pid/net/ipc/uts/mount ns.
 */
struct bolt_oci_spec *bolt_oci_spec_default(void);

/* docker's default capability set (moby oci/caps/defaults.go) as a NULL-terminated list;
 * static storage, do not free. The default spec's process gets these. */
char *const *bolt_oci_default_caps(void);

/* Deep copy. */
struct bolt_oci_spec *bolt_oci_spec_dup(const struct bolt_oci_spec *spec);

/* Free a spec and all it owns (NULL is fine). */
void bolt_oci_spec_free(struct bolt_oci_spec *spec);

/* Free a seccomp model (NULL is fine). */
void bolt_oci_seccomp_free(struct bolt_oci_seccomp *sc);
/* The "linux.seccomp" JSON object of a seccomp model (new reference; caller decrefs). */
json_t *bolt_oci_seccomp_to_json(const struct bolt_oci_seccomp *sc);

/* Helpers used by the engine and nvbind to edit a spec in place. */
/* Set or replace "KEY=VALUE" in process.env. */
void bolt_oci_spec_setenv(struct bolt_oci_spec *spec, const char *key, const char *value);
/* Value of KEY in process.env (borrowed) or NULL. */
const char *bolt_oci_spec_getenv(const struct bolt_oci_spec *spec, const char *key);
/* Append a mount (copies the arguments; options NULL-terminated or NULL). */
void bolt_oci_spec_add_mount(struct bolt_oci_spec *spec, const char *dest, const char *type,
                             const char *source, const char *const *options);
/* Append a device node and a matching allow rule when rule_access is not NULL. */
void bolt_oci_spec_add_device(struct bolt_oci_spec *spec, const char *path, char type,
                              int64_t major, int64_t minor, uint32_t mode, const char *rule_access);
/* Set or replace an annotation. */
void bolt_oci_spec_set_annotation(struct bolt_oci_spec *spec, const char *key, const char *value);
/* Index of namespace type in linux.namespaces, or -1. */
int bolt_oci_spec_find_ns(const struct bolt_oci_spec *spec, enum bolt_oci_ns_type type);

#define BOLT_MOUNT_OPT_OPTIONAL "x-nvbind.optional"

/* Parsed mount options (shared by the runtime and validation). */
struct bolt_mount_opts {
    unsigned long flags;       /* MS_* set */
    unsigned long clear_flags; /* MS_* explicitly cleared (rw, suid, dev, exec...) */
    unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE | MS_REC */
    bool bind, recursive;
    bool idmap;
    bool idmap_recursive; /* "ridmap" */
    bool tmpcopyup;       /* crun's tmpfs copy-up: kept as a flag, never passed to the kernel */
    bool optional;        /* "x-nvbind.optional": a bind whose source is missing is skipped with
                           * a warning (nvbind's IPC sockets: their daemons come and go) */
    /* recursive attributes ("rro", "rnosuid", ...) for mount_setattr(AT_RECURSIVE) */
    uint64_t rec_attr_set;
    uint64_t rec_attr_clr;
    char *data; /* remaining fs-specific options joined with ',' ("size=65536k,mode=755") */
};

/*
 * Parse an OCI mount's option list. Unknown options that look like key=value or a
 * known filesystem option go to data; an invalid flag word is an error naming it.
 * Returns 0 or -1. Call bolt_mount_opts_fini afterwards.
 */
int bolt_mount_opts_parse(char *const *options, struct bolt_mount_opts *out, struct bolt_err *err);
void bolt_mount_opts_fini(struct bolt_mount_opts *o);

/* Capability number of a "CAP_*" name (case-sensitive, as in the spec) or -1. */
int bolt_oci_cap_from_name(const char *name);
/* RLIMIT_* number of an "RLIMIT_*" name or -1. */
int bolt_oci_rlimit_from_name(const char *name);

#endif
