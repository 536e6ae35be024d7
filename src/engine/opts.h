/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_OPTS_H
#define BOLT_ENGINE_OPTS_H

/*
 * What a user asks for when creating a container (`bolt run`/`bolt create` flags, or a
 * Boltfile service): values are kept as the user wrote them and validated by
 * bolt_engine_build_spec, so every front end gets the same checks and messages.
 * All strings/vectors are heap-owned (bolt_run_opts_fini frees them).
 */

#include <stdbool.h>
#include <stdint.h>

#include "engine/container.h"
#include "oci/spec.h"
#include "util/err.h"

struct bolt_run_opts {
    char *image;
    char **command; /* COMMAND [ARG...] after the image; NULL = image default */
    char *name;
    bool detach, auto_remove, interactive, tty;
    char **env;       /* -e K=V or -e K (taken from bolt's environment) */
    char **env_files; /* --env-file */
    char **volumes;   /* -v HOST:CTR[:ro|rw|z|Z] */
    char **tmpfs;     /* --tmpfs CTR[:opts] */
    char *workdir;    /* -w */
    char *user;       /* -u user[:group] */
    char *entrypoint; /* --entrypoint (NULL = image's, "" = none) */
    char *hostname;
    char *memory, *memory_swap, *cpus, *cpuset_cpus, *cpu_shares, *pids_limit, *shm_size;
    char **ulimits; /* name=soft[:hard] */
    char **cap_add, **cap_drop;
    bool privileged, read_only;
    char **devices;       /* HOST[:CTR[:rwm]] */
    char **security_opts; /* no-new-privileges[:true|false], seccomp=unconfined|FILE */
    bool init;
    char *restart;                       /* no|on-failure[:N]|always|unless-stopped */
    char *network;                       /* none|host */
    char **add_hosts;                    /* --add-host NAME:IP (docker's; IP may be host-gateway) */
    char **labels;                       /* k=v */
    char *stop_signal;                   /* name or number */
    int stop_timeout;                    /* seconds; -1 = default (10) */
    char *runtime;                       /* nvbind (default) | crun | runc | PATH */
    char **gpus;                         /* --gpu selectors, consumed by bolt_engine_apply_edits */
    char **gaming; /* "performance=ultra", "profile=...", ...: bolt_nv_gaming_edits (profile.h) */
    uint32_t console_rows, console_cols; /* -t: initial window size (0 = unknown) */
    char *hugepages; /* --hugepages SIZE: bolt_tune_hugepages_edits (tune.h) */
};

void bolt_run_opts_init(struct bolt_run_opts *o);
void bolt_run_opts_fini(struct bolt_run_opts *o);

/* The image facts the engine needs (filled from the image store). */
struct bolt_engine_image {
    char *ref;        /* as given */
    char *id;         /* image id / config digest */
    char **lowerdirs; /* overlay lowerdir stack, top-most layer first */
    char **env;
    char **entrypoint; /* NULL when unset */
    char **cmd;        /* NULL when unset */
    char *workdir;
    char *user;
    char *stop_signal;
    struct bolt_kv *labels;
    size_t n_labels;
};

void bolt_engine_image_fini(struct bolt_engine_image *img);

/* Parse a signal given as "SIGTERM", "TERM", "term" or "15". Returns the number or -1. */
int bolt_signal_parse(const char *s);
/* "SIGTERM" for 15, or "SIG<n>" in buf. */
const char *bolt_signal_name(int sig, char *buf, size_t len);

/*
 * Parse one -v spec into host path, container path and read-only flag ("z"/"Z" are
 * accepted and ignored, as SELinux relabeling does not apply). Errors name the spec.
 */
int bolt_volume_parse(const char *spec, char **host, char **ctr, bool *ro, struct bolt_err *err);

/*
 * Parse one --add-host "NAME:IP" (or "NAME=IP"; IPv6 may be bracketed) into name and address.
 * "host-gateway" is the host itself: 127.0.0.1 with the host's network (host_net), an error
 * otherwise (bolt has no bridge whose gateway it could be). Errors name the value.
 */
int bolt_add_host_parse(const char *spec, bool host_net, char **name, char **ip,
                        struct bolt_err *err);

/* The annotation that carries the --add-host lines from the spec to /etc/hosts. */
#define BOLT_ANN_EXTRA_HOSTS "io.bolt.extra-hosts"

/* The /etc/hosts lines ("IP\tNAME\n"...) for o->add_hosts (validated), "" when none. */
char *bolt_add_hosts_text(const struct bolt_run_opts *o, struct bolt_err *err);

/* Parse one --ulimit name=soft[:hard] into an OCI rlimit (type "RLIMIT_NOFILE"). */
int bolt_ulimit_parse(const char *spec, struct bolt_oci_rlimit *out, struct bolt_err *err);

/* Canonical "CAP_X" for "x", "CAP_X", "cap_x"; NULL if unknown (ALL returns "ALL"). */
char *bolt_cap_canon(const char *name);

/* Every capability name, "CAP_"-prefixed, as a new vector. */
char **bolt_cap_all(void);

/* Parse --cpus "1.5" into quota/period (period 100000). */
int bolt_cpus_parse(const char *s, int64_t *quota, uint64_t *period, struct bolt_err *err);

/* Validate a cpuset list "0-2,4" against the CPUs of this machine. */
int bolt_cpuset_check(const char *s, struct bolt_err *err);

/* Read an --env-file and append its entries to *env. */
int bolt_env_file_read(const char *path, char ***env, struct bolt_err *err);

/*
 * Build the container's spec: docker's defaults, then the image config, then the
 * options. rootfs is the path the spec's root.path gets. id/name fill hostname and
 * annotations. init_path is the static init to bind at /dev/init when o->init.
 * Returns a new spec or NULL (err names the flag, the value, what was expected).
 */
struct bolt_oci_spec *bolt_engine_build_spec(const struct bolt_run_opts *o,
                                             const struct bolt_engine_image *img, const char *id,
                                             const char *rootfs, const char *init_path,
                                             struct bolt_err *err);

/*
 * The one place where edits computed outside the engine are applied to a container's
 * spec before it is handed to the runtime (GPU device nodes, driver mounts, env,
 * device cgroup rules...). Called by bolt_engine_build_spec after every flag has been
 * applied. Returns 0 or -1.
 */
int bolt_engine_apply_edits(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
                            struct bolt_err *err);

#endif
