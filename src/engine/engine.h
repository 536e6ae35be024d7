/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_H
#define BOLT_ENGINE_H

/*
 * The engine: containers as users see them. `bolt run` and friends call these; the
 * Boltfile/surge code can too. Every function takes the store (root/runroot) and
 * returns 0 / a value, or -1 with err set. Exit statuses follow docker: 125 when bolt
 * fails, 126/127 when the command cannot be executed / is not found, else the
 * container's status (128+N when killed by signal N).
 *
 * Process model: a container is owned by one supervisor process. `bolt run` (foreground)
 * is the supervisor itself; `bolt run -d` and `bolt start` double-fork a detached
 * supervisor (setsid) that writes the logs, records exit statuses, applies the restart
 * policy and exits when the container is gone for good. The supervisor mounts the
 * container's overlay rootfs inside its own private mount namespace, so nothing stays
 * mounted on the host when it and the container are gone, even after a SIGKILL.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/container.h"
#include "engine/opts.h"
#include "util/err.h"

#define BOLT_ENGINE_EXIT_FAIL 125

/* Where a supervisor sends the container's output. */
enum bolt_attach {
    BOLT_ATTACH_NONE = 0, /* detached: logs only */
    BOLT_ATTACH_STDIO,    /* foreground: logs and bolt's own stdout/stderr (and stdin with -i) */
};

/*
 * Create a container (record, directories, spec, image use mark) from options. *out gets
 * the new record. Bad input fails here, before anything is created: nothing is left
 * behind. Returns 0 or -1 (err->errnum EEXIST for a name in use, ENOENT unknown image).
 */
int bolt_engine_create(const struct bolt_ctr_store *st, const struct bolt_run_opts *o,
                       struct bolt_container **out, struct bolt_err *err);

/*
 * Start a created or exited container. detached: fork a supervisor and return once the
 * container runs (or failed to start). Foreground: supervise in this process and return
 * the container's exit status. Returns the status (0 for a successful detached start),
 * or -1 with err set and *exit_code the docker code to exit with (125/126/127).
 */
int bolt_engine_start(const struct bolt_ctr_store *st, const char *id, bool detached,
                      enum bolt_attach attach, int *exit_code, struct bolt_err *err);

/* bolt_engine_start for `bolt run`: first = a failed first start removes the container. */
int bolt_engine_start_ex(const struct bolt_ctr_store *st, const char *id, bool detached,
                         enum bolt_attach attach, bool first, int *exit_code, struct bolt_err *err);

/* Send sig to the container's process (ESRCH/EINVAL when not running). */
int bolt_engine_kill(const struct bolt_ctr_store *st, struct bolt_container *c, int sig,
                     bool mark_stopped, struct bolt_err *err);

/*
 * Stop: the stop signal (or SIGTERM), up to timeout seconds (< 0 = the container's
 * stop timeout), then SIGKILL; waits until the supervisor recorded the exit. Disables
 * the restart policy until the next start. A stopped container is fine (returns 0).
 */
int bolt_engine_stop(const struct bolt_ctr_store *st, struct bolt_container *c, int timeout,
                     struct bolt_err *err);

/* Remove a container (force kills a running one first) and everything it owns. */
int bolt_engine_rm(const struct bolt_ctr_store *st, struct bolt_container *c, bool force,
                   struct bolt_err *err);

/* Block until the container is not running; returns its exit code, or -1. */
int bolt_engine_wait(const struct bolt_ctr_store *st, const char *id, struct bolt_err *err);

/* True if the container's process is running now (reconciled with its supervisor). */
bool bolt_engine_is_running(const struct bolt_ctr_store *st, struct bolt_container *c);

/* exec options (from `bolt exec`). */
struct bolt_exec_opts {
    char **args;
    char **env;
    char *user;
    char *workdir;
    bool interactive, tty, detach;
};

/* Run a process in a running container; returns its exit status or -1 (*exit_code set). */
int bolt_engine_exec(const struct bolt_ctr_store *st, struct bolt_container *c,
                     const struct bolt_exec_opts *eo, int *exit_code, struct bolt_err *err);

/* Pids (host view) of the container's processes, sorted. */
int bolt_engine_pids(const struct bolt_ctr_store *st, struct bolt_container *c, pid_t **pids,
                     size_t *n, struct bolt_err *err);

struct bolt_engine_stats {
    uint64_t cpu_ns;
    uint64_t mem_usage, mem_limit; /* UINT64_MAX = no limit */
    uint64_t pids;
    bool has_cpu, has_mem, has_pids;
};

/* cgroup counters of a running container. */
int bolt_engine_stats(struct bolt_container *c, struct bolt_engine_stats *out,
                      struct bolt_err *err);

/* Logs. */
struct bolt_logs_opts {
    bool follow, timestamps;
    long tail;        /* -1 = all */
    int64_t since_ns; /* 0 = all */
};

/* Print the container's log to stdout/stderr (by stream). Follow ends when it stops. */
int bolt_engine_logs(const struct bolt_ctr_store *st, struct bolt_container *c,
                     const struct bolt_logs_opts *lo, struct bolt_err *err);

/*
 * Internal entry of the supervisor, exposed for `bolt` re-exec and tests: supervise
 * container id until it is gone for good. report_fd (or -1) receives one struct
 * bolt_engine_report once the first start succeeded or failed.
 */
struct bolt_engine_report {
    int status;    /* 0 started; else the exit code (125/126/127) */
    int exit_code; /* with BOLT_ATTACH_STDIO: the final container exit status */
    struct bolt_err err;
};

int bolt_engine_supervise(const struct bolt_ctr_store *st, const char *id, enum bolt_attach attach,
                          int report_fd, struct bolt_err *err);

/*
 * `bolt __monitor`: bolt-monitor saw the container exit with status; record it, delete
 * the runtime state, apply the restart policy (possibly starting it again), clean up.
 * lockfd is the inherited monitor lock. Returns the final status or -1.
 */
int bolt_engine_monitor_resume(const struct bolt_ctr_store *st, const char *id, int status,
                               int lockfd, int restarts, int64_t began, struct bolt_err *err);

/* The static init for --init: $BOLT_INIT, then bolt-init next to this executable. New string. */
char *bolt_engine_init_path(void);

#endif
