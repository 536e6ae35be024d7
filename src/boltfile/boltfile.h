/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_BOLTFILE_H
#define BOLT_BOLTFILE_H

/*
 * Boltfile.toml: a stack of services (docker compose's model, written in TOML) plus
 * bolt's GPU, gaming and audio sections. bolt_boltfile_load() reads and validates a
 * file like a compiler: every problem is collected as "FILE:LINE:COL: message" and
 * all of them are returned at once; only a file without problems yields a stack.
 *
 * The stack is the normalized model other modules use: surge (up/down/...) and
 * nvbind (the gaming.gpu keys). Every string is owned by the stack; release the whole
 * stack with bolt_boltfile_free().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toml/toml.h"
#include "util/err.h"

#define BOLT_BOLTFILE_NAME "Boltfile.toml"

enum bolt_bf_restart {
    BOLT_BF_RESTART_NO,
    BOLT_BF_RESTART_ALWAYS,
    BOLT_BF_RESTART_ON_FAILURE,
    BOLT_BF_RESTART_UNLESS_STOPPED,
};

enum bolt_bf_condition {
    BOLT_BF_COND_STARTED,   /* service_started (default) */
    BOLT_BF_COND_HEALTHY,   /* service_healthy: the dependency must define a healthcheck */
    BOLT_BF_COND_COMPLETED, /* service_completed_successfully */
};

struct bolt_bf_depend {
    char *service;
    enum bolt_bf_condition condition;
};

/* A published port: [host_ip:][host[-host_end]:]container[-container_end][/proto]. */
struct bolt_bf_port {
    char *host_ip;       /* NULL: all addresses */
    uint16_t host_start; /* 0: no fixed host port (an ephemeral one is chosen) */
    uint16_t host_end;   /* == host_start unless a range */
    uint16_t container_start;
    uint16_t container_end;
    char protocol[8]; /* "tcp", "udp" or "sctp" */
};

enum bolt_bf_volume_type {
    BOLT_BF_VOLUME_BIND,      /* source is a host path (absolute, or ./ relative to the Boltfile) */
    BOLT_BF_VOLUME_NAMED,     /* source names an entry of [volumes] */
    BOLT_BF_VOLUME_ANONYMOUS, /* only a target */
};

struct bolt_bf_volume {
    enum bolt_bf_volume_type type;
    char *source; /* absolute host path for binds (resolved against the Boltfile's directory) */
    char *target; /* absolute path in the container */
    bool read_only;
};

struct bolt_bf_healthcheck {
    bool present;
    bool disabled; /* test = ["NONE"] */
    char **test;   /* NULL-terminated, first element "CMD" or "CMD-SHELL" */
    uint64_t interval_ns, timeout_ns, start_period_ns;
    int retries;
};

/* [services.X.gaming.gpu] and below. Strings are NULL when not set. */
struct bolt_bf_gpu {
    bool present;
    char *runtime;         /* "nvbind" */
    char *isolation_level; /* "exclusive" | "shared" */
    uint64_t memory_limit; /* bytes, 0 = unlimited */
    /* [..gpu.nvbind] */
    char *driver;   /* auto | nvidia-open | proprietary | nouveau */
    char **devices; /* NULL-terminated: "all", "none", "0", "gpu:0", "GPU-<uuid>", "MIG-<uuid>" */
    size_t n_devices;
    char *performance_mode; /* ultra | high | balanced | efficient */
    bool wsl2_optimized;
    /* [..gpu.nvbind.nvidia] */
    char *nvidia_driver_type; /* nvidia-open | proprietary | nouveau */
    bool cuda_support;
    char *cuda_version;   /* minimum, "12.2" */
    char *driver_version; /* minimum, "535.104.05" */
    /* [..gpu.nvbind.amd] */
    char *amd_driver_type; /* amdgpu | amdgpu-pro */
    bool rocm_support;
    char *rocm_version;
    /* [..gpu.gaming] */
    char *profile; /* ultra-low-latency | performance | balanced | quality | power-saving */
    bool dlss_enabled, rt_cores_enabled, wine_optimizations;
    int frame_rate_target; /* 0 = not set */
    char *vsync_mode;      /* off | on | adaptive | mailbox */
};

/* [services.X.gaming.audio] */
struct bolt_bf_audio {
    bool present;
    char *system;  /* pipewire | pulseaudio */
    char *latency; /* low | normal | high */
    int sample_rate;
    int buffer_size;
};

struct bolt_bf_service {
    char *name;
    char *image;
    char **command, **entrypoint; /* NULL-terminated argv, NULL if not set (image default) */
    char **environment; /* NULL-terminated "KEY=value" (or "KEY": taken from bolt's env) */
    char **env_file;    /* absolute paths */
    struct bolt_bf_volume *volumes;
    size_t n_volumes;
    struct bolt_bf_port *ports;
    size_t n_ports;
    struct bolt_bf_depend *depends_on;
    size_t n_depends_on;
    enum bolt_bf_restart restart;
    int restart_max_retries; /* on-failure:N, 0 = unlimited */
    struct bolt_bf_healthcheck healthcheck;
    char *user, *working_dir, *hostname;
    char **labels;   /* NULL-terminated "key=value" */
    uint64_t memory; /* bytes, 0 = unlimited */
    double cpus;     /* 0 = unlimited */
    char *cpuset;
    int64_t pids_limit;         /* 0 = unlimited */
    char **devices;             /* NULL-terminated "host[:container[:rwm]]" */
    char **cap_add, **cap_drop; /* NULL-terminated, "CAP_" prefixed upper case, or "ALL" */
    bool privileged, read_only;
    char *network_mode; /* NULL (default bridge), none, host, bridge, service:X, container:X */
    char **extra_hosts; /* NULL-terminated "name:ip" (ip may be host-gateway) */
    char *stop_signal;  /* "SIGTERM" form, NULL = image default */
    uint64_t stop_grace_period_ns; /* 0 = default (10s) */
    struct bolt_bf_gpu gpu;
    struct bolt_bf_audio audio;
    struct bolt_toml_pos pos; /* where [services.NAME] was written */
};

struct bolt_bf_network {
    char *name;
    char *driver; /* bridge (default) | host | none */
    bool internal;
    char *subnet; /* CIDR or NULL */
};

struct bolt_bf_named_volume {
    char *name;
    char *driver; /* local */
    bool external;
};

struct bolt_boltfile {
    char *path; /* absolute path of the file */
    char *dir;  /* its directory: relative binds and env files resolve here */
    char *project;
    struct bolt_bf_service *services; /* in the order of the file */
    size_t n_services;
    struct bolt_bf_network *networks;
    size_t n_networks;
    struct bolt_bf_named_volume *volumes;
    size_t n_volumes;
};

/* The problems found in a Boltfile, each "FILE:LINE:COL: message", sorted by position. */
struct bolt_bf_diags {
    char **msgs;
    size_t n;
};

/*
 * Read and validate the Boltfile at path. project (may be NULL) overrides the file's
 * `project` key; without either, the name of the file's directory is used.
 * Returns the stack (free with bolt_boltfile_free) when the file is valid. Otherwise
 * returns NULL: diags (if not NULL; free with bolt_bf_diags_fini) gets every problem,
 * and err gets a one-line summary ("Boltfile.toml: 3 problems") or the read error.
 */
struct bolt_boltfile *bolt_boltfile_load(const char *path, const char *project,
                                         struct bolt_bf_diags *diags, struct bolt_err *err);

/* Validate an already parsed document; display_name prefixes the messages. Same contract. */
struct bolt_boltfile *bolt_boltfile_from_toml(const struct bolt_toml_value *root,
                                              const char *display_name, const char *path,
                                              const char *project, struct bolt_bf_diags *diags,
                                              struct bolt_err *err);

/* Free a loaded Boltfile, and the messages a diags record owns; both accept NULL. */
void bolt_boltfile_free(struct bolt_boltfile *bf);
void bolt_bf_diags_fini(struct bolt_bf_diags *d);

/*
 * Find the Boltfile: file if given (relative to the cwd), else Boltfile.toml in the
 * current directory or the nearest parent that has one. Returns a heap path (caller
 * frees) or NULL with err set ("no Boltfile.toml in '/x' or its parents").
 */
char *bolt_boltfile_find(const char *file, struct bolt_err *err);

/* The service called name, or NULL. */
const struct bolt_bf_service *bolt_boltfile_service(const struct bolt_boltfile *bf,
                                                    const char *name);

/*
 * Dependency order: fills order[0..n_services) with service indexes so that each
 * service comes after everything it depends on (ties keep file order). The stack is
 * validated, so there is no cycle.
 */
void bolt_boltfile_start_order(const struct bolt_boltfile *bf, size_t *order);

/* Names of the enum values, as written in the file. */
const char *bolt_bf_restart_name(enum bolt_bf_restart r);
const char *bolt_bf_condition_name(enum bolt_bf_condition c);

/*
 * The normalized stack as text: "toml" or "json". Returns a heap string (caller frees).
 * Sizes are bytes, durations Go-style ("1m30s"), binds absolute.
 */
char *bolt_boltfile_format(const struct bolt_boltfile *bf, bool json);

#endif
