/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_RUNTIME_H
#define BOLT_RUNTIME_H

/*
 * The container runtime: turns an OCI spec (in memory) into a running container.
 * Used in-process by `bolt run` (the engine) and by the `nvbind` OCI runtime CLI.
 *
 * State: every container has a directory <state_root>/<id>/ holding state.json
 * (written atomically, read-modify-write under an flock on <state_root>/<id>/lock),
 * config.json (the spec it was created from; needed by exec, kill --all and delete)
 * and, between create and start, the exec fifo. Nothing is left behind when a call
 * fails: mounts live in the container's own mount namespace, and cgroups, state
 * directories and processes made by a failed call are removed before it returns.
 *
 * Process model: one child per container, cloned straight into its namespaces. The
 * child reports failures over a sync socketpair as a struct bolt_err, so the caller
 * gets the real cause ("exec 'foo': executable file not found in $PATH").
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/err.h"

#define BOLT_RT_DEFAULT_ROOT "/run/nvbind"

/* Exit statuses a container start can fail with (docker/podman conventions). */
#define BOLT_RT_EXIT_NOEXEC   126 /* found but not executable */
#define BOLT_RT_EXIT_NOTFOUND 127 /* executable not found */

struct bolt_rt_opts {
    const char *state_root;     /* NULL = BOLT_RT_DEFAULT_ROOT */
    const char *bundle;         /* spec->root_path is relative to it; NULL = cwd */
    const char *console_socket; /* unix socket path that receives the pty master (terminal) */
    const char *pid_file;       /* write the container pid here (atomically) */
    bool no_pivot;              /* MS_MOVE + chroot instead of pivot_root */
    int stdio[3];               /* fds for the container's stdin/out/err; -1 = inherit */
    bool keep_state_on_exit;    /* bolt_rt_run: keep the state directory (default removes) */
    int preserve_fds;           /* pass fds 3 .. 3+N-1 on to the container process */
};

/* Fill o with defaults (stdio all -1, everything else NULL/false). */
void bolt_rt_opts_init(struct bolt_rt_opts *o);

/* What the caller gets back from create/exec: the process and a pidfd on it. */
struct bolt_rt_proc {
    pid_t pid;
    int pidfd; /* CLOEXEC pidfd of pid (caller closes), -1 if unavailable */
};

/*
 * Create container `id` from spec: namespaces, cgroup, rootfs, mounts, devices, hooks
 * (prestart/createRuntime/createContainer), then leave the init process waiting on
 * the exec fifo until bolt_rt_start (runc semantics). Writes state.json with status
 * "created". spec is only read. proc (may be NULL) receives the init's pid/pidfd.
 * Fails (and leaves nothing behind) on an invalid id, an id in use, bad spec content,
 * or any failure inside the child, whose message is returned in err.
 * err->errnum is ENOENT/EACCES for a missing/non-executable process.args[0];
 * bolt_rt_exit_code_for(err) maps it to 127/126.
 */
int bolt_rt_create(const char *id, const struct bolt_oci_spec *spec,
                   const struct bolt_rt_opts *o, struct bolt_rt_proc *proc,
                   struct bolt_err *err);

/* Let a created container exec its process; runs poststart hooks. */
int bolt_rt_start(const char *state_root, const char *id, struct bolt_err *err);

enum bolt_rt_status {
    BOLT_RT_CREATING = 0,
    BOLT_RT_CREATED,
    BOLT_RT_RUNNING,
    BOLT_RT_STOPPED,
    BOLT_RT_PAUSED, /* frozen by bolt_rt_pause */
};

/* "creating", "created", "running", "stopped", "paused". */
const char *bolt_rt_status_name(enum bolt_rt_status s);

struct bolt_rt_state {
    char *id;
    enum bolt_rt_status status;
    pid_t pid; /* 0 when stopped */
    char *bundle;
    char *rootfs;  /* absolute host path of the rootfs */
    char *created; /* RFC 3339 */
    struct bolt_oci_annotation *annotations;
    size_t n_annotations;
};

/* Read a container's state (status computed live from the init process). */
int bolt_rt_state_get(const char *state_root, const char *id, struct bolt_rt_state *st,
                      struct bolt_err *err);
void bolt_rt_state_fini(struct bolt_rt_state *st);

/* The OCI state JSON ({"ociVersion","id","status","pid","bundle","annotations",...}), caller frees. */
char *bolt_rt_state_json(const struct bolt_rt_state *st);

/* Send sig to the init process, or with all=true to every process of the container. */
int bolt_rt_kill(const char *state_root, const char *id, int sig, bool all, struct bolt_err *err);

/* Freeze (pause) or thaw (resume) every process of a running container. */
int bolt_rt_pause(const char *state_root, const char *id, struct bolt_err *err);
int bolt_rt_resume(const char *state_root, const char *id, struct bolt_err *err);

/*
 * Delete a container: fails with EBUSY while it is created or running, unless force
 * is set, which kills every process of the container first. Runs poststop hooks,
 * removes the cgroup and the state directory.
 */
int bolt_rt_delete(const char *state_root, const char *id, bool force, struct bolt_err *err);

/*
 * Create, start and wait in-process (no exec fifo: the child is released over the sync
 * socket). Signals SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 received meanwhile are
 * forwarded to the container. Removes the container afterwards unless
 * o->keep_state_on_exit. Returns the exit status (128+N if killed by signal N), or -1
 * if the container could not be created (err set; see bolt_rt_exit_code_for).
 */
int bolt_rt_run(const char *id, const struct bolt_oci_spec *spec, const struct bolt_rt_opts *o,
                struct bolt_err *err);

struct bolt_rt_exec_opts {
    const char *console_socket; /* with process->terminal */
    int preserve_fds;           /* as in bolt_rt_opts */
    const char *pid_file;
    int stdio[3]; /* -1 = inherit */
    bool detach;  /* return once the process has exec'd (proc gets its pid) */
};

/* Zero o and set its stdio fds to -1 (inherit). */
void bolt_rt_exec_opts_init(struct bolt_rt_exec_opts *o);

/*
 * Run process in running container `id`: join its namespaces and cgroup, apply the
 * process' user, capabilities, rlimits, env, cwd, no_new_privs and the container's
 * seccomp filter, then exec. detach: returns 0 after a successful exec (proc filled).
 * Otherwise waits and returns the exit status (128+N on signal). -1 on failure.
 */
int bolt_rt_exec(const char *state_root, const char *id, const struct bolt_oci_process *process,
                 const struct bolt_rt_exec_opts *o, struct bolt_rt_proc *proc,
                 struct bolt_err *err);

/* The spec container `id` was created from (saved in its state directory); free with
 * bolt_oci_spec_free. NULL with err set. */
struct bolt_oci_spec *bolt_rt_spec_get(const char *state_root, const char *id,
                                       struct bolt_err *err);

/* Ids of every container under state_root (sorted; NULL-terminated; caller frees). */
int bolt_rt_list(const char *state_root, char ***ids, struct bolt_err *err);

/* Pids (host view) of every process in the container's cgroup. Caller frees *pids. */
int bolt_rt_ps(const char *state_root, const char *id, pid_t **pids, size_t *n_pids,
               struct bolt_err *err);

/*
 * Wait for a process started by create/exec with its pidfd (or pid when pidfd < 0; the
 * caller must be its parent or a subreaper). Returns the exit status (128+N on signal).
 */
int bolt_rt_wait(const struct bolt_rt_proc *proc, struct bolt_err *err);

/* Map a failed create/run/exec error to a CLI exit status: 127, 126, or 1. */
int bolt_rt_exit_code_for(const struct bolt_err *err);

/* A container id is [A-Za-z0-9][A-Za-z0-9_.-]{0,127}. Returns 0 or -1 with a clear message. */
int bolt_rt_check_id(const char *id, struct bolt_err *err);

#endif
