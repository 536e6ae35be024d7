/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_CONTAINER_H
#define BOLT_ENGINE_CONTAINER_H

/*
 * Containers as users see them: the persistent record of one container and the
 * store that holds them.
 *
 * Layout (root = --root, runroot = --runroot):
 *   root/containers.lock            flock held for every read-modify-write of records
 *   root/containers/<id>/container.json   the record (atomic writes)
 *   root/containers/<id>/config.json      the OCI spec (bundle config for CLI runtimes)
 *   root/containers/<id>/ctr.log          JSON-lines log ({"log","stream","time"})
 *   root/containers/<id>/upper, work      overlay upper and work dirs
 *   root/containers/<id>/rootfs           overlay mount point (mounted only inside the
 *                                          supervisor's private mount namespace)
 *   runroot/containers/<id>/monitor.lock  held (LOCK_EX) by the live supervisor
 *   runroot/containers/<id>/rt/           state root of the OCI runtime
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

#define BOLT_CTR_ID_LEN 64

enum bolt_ctr_status {
    BOLT_CTR_CREATED = 0,
    BOLT_CTR_RUNNING,
    BOLT_CTR_RESTARTING,
    BOLT_CTR_EXITED,
    BOLT_CTR_DEAD, /* its supervisor died while it was running: state is unknown */
    BOLT_CTR_STATUSES,
};

/* "created", "running", ... */
const char *bolt_ctr_status_name(enum bolt_ctr_status s);
/* Parse a status name; -1 if unknown. */
int bolt_ctr_status_parse(const char *s);

enum bolt_restart_mode {
    BOLT_RESTART_NO = 0,
    BOLT_RESTART_ON_FAILURE,
    BOLT_RESTART_ALWAYS,
    BOLT_RESTART_UNLESS_STOPPED,
};

struct bolt_restart_policy {
    enum bolt_restart_mode mode;
    int max_retries; /* on-failure:N, 0 = unlimited */
};

/* Parse "no|on-failure[:N]|always|unless-stopped". Returns 0 or -1 (err names the value). */
int bolt_restart_policy_parse(const char *s, struct bolt_restart_policy *out, struct bolt_err *err);
/* "no", "on-failure:3", ... into buf. */
const char *bolt_restart_policy_str(const struct bolt_restart_policy *p, char *buf, size_t len);

struct bolt_kv {
    char *key;
    char *value;
};

struct bolt_container {
    char id[BOLT_CTR_ID_LEN + 1];
    char *name;
    char *image;    /* reference as the user gave it */
    char *image_id; /* resolved image id (digest), may be NULL */
    char **command; /* full argv (entrypoint + cmd), NULL-terminated */
    char *runtime;  /* "nvbind" (in-process) or a runtime name/path */
    struct bolt_kv *labels;
    size_t n_labels;
    char **gpus; /* GPU selectors given with --gpu (filled by the GPU code), may be NULL */
    int64_t created_ns, started_ns, finished_ns;
    enum bolt_ctr_status status;
    int exit_code;
    char *error; /* last start error, NULL when none */
    int restart_count;
    pid_t pid;         /* host pid of the container's process while running */
    pid_t monitor_pid; /* pid of the supervisor while it lives */
    struct bolt_restart_policy restart;
    bool auto_remove;    /* --rm */
    bool stop_requested; /* stopped by a user: no restart */
    bool tty, interactive;
    int stop_signal;
    int stop_timeout; /* seconds */
    bool init;        /* --init */
};

void bolt_container_free(struct bolt_container *c);

/* 64 hex characters from getrandom(). */
void bolt_container_new_id(char out[BOLT_CTR_ID_LEN + 1]);
/* A docker-like "adjective_name" into a new string. */
char *bolt_container_random_name(void);
/* True if name matches [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
bool bolt_container_name_is_valid(const char *name);

/* Record <-> JSON (the container.json format). */
char *bolt_container_to_json(const struct bolt_container *c);
struct bolt_container *bolt_container_from_json(const char *text, struct bolt_err *err);

/* Paths of the store. */
struct bolt_ctr_store {
    char *root;    /* --root */
    char *runroot; /* --runroot */
};

int bolt_ctrs_init(struct bolt_ctr_store *st, const char *root, const char *runroot,
                   struct bolt_err *err);
void bolt_ctrs_fini(struct bolt_ctr_store *st);

/* Directory of a container in root, and in runroot (new strings). */
char *bolt_ctrs_ctr_dir(const struct bolt_ctr_store *st, const char *id);
char *bolt_ctrs_run_dir(const struct bolt_ctr_store *st, const char *id);

/* Take the store lock (LOCK_EX, waiting). Returns an fd for bolt_lock_release, or -1. */
int bolt_ctrs_lock(const struct bolt_ctr_store *st, struct bolt_err *err);

/*
 * Register a new container: takes the store lock, checks the name is free (or picks a
 * random one when c->name is NULL), creates its directories and writes its record.
 * Errors: EEXIST "the container name '/x' is already in use by ...".
 */
int bolt_ctrs_create(const struct bolt_ctr_store *st, struct bolt_container *c,
                     struct bolt_err *err);

/* Write a record atomically (the caller holds the store lock when it read-modify-writes). */
int bolt_ctrs_save(const struct bolt_ctr_store *st, const struct bolt_container *c,
                   struct bolt_err *err);

/*
 * Atomic replace without fsync (temp file + rename): readers see the old or the new
 * content, but a power loss may lose the update. For state that is rebuilt or removed
 * anyway (records of --rm containers, derived files).
 */
int bolt_write_file_replace(const char *path, const char *data, size_t len, struct bolt_err *err);

/* Load one record by exact id. */
struct bolt_container *bolt_ctrs_load(const struct bolt_ctr_store *st, const char *id,
                                      struct bolt_err *err);

/*
 * Find a container by full id, name, or unique id prefix. ENOENT "no such container:
 * X"; EINVAL when a prefix is ambiguous.
 */
struct bolt_container *bolt_ctrs_lookup(const struct bolt_ctr_store *st, const char *ref,
                                        struct bolt_err *err);

/* All records, oldest first. *n gets the count. Unreadable records are skipped with a warning. */
struct bolt_container **bolt_ctrs_list(const struct bolt_ctr_store *st, size_t *n,
                                       struct bolt_err *err);
void bolt_ctrs_list_free(struct bolt_container **v, size_t n);

/* Delete a container's directories (root and runroot). */
int bolt_ctrs_remove(const struct bolt_ctr_store *st, const char *id, struct bolt_err *err);

/*
 * True if the container's supervisor is alive (it holds runroot/<id>/monitor.lock).
 */
bool bolt_ctrs_monitor_alive(const struct bolt_ctr_store *st, const char *id);

/*
 * Reconcile a record with reality: a record saying running/restarting whose supervisor
 * is gone becomes DEAD (and is saved). Returns true when the record was changed.
 */
bool bolt_ctrs_reconcile(const struct bolt_ctr_store *st, struct bolt_container *c);

/* Current CLOCK_REALTIME in nanoseconds. */
int64_t bolt_now_ns(void);

/* Label helpers. */
void bolt_kv_push(struct bolt_kv **v, size_t *n, const char *key, const char *value);
void bolt_kv_free(struct bolt_kv *v, size_t n);

#endif
