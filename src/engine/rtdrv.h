/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_RTDRV_H
#define BOLT_ENGINE_RTDRV_H

/*
 * The engine's two ways of running a spec: the in-process runtime (nvbind, the
 * default) or any runc-compatible runtime binary (crun, runc, a path) driven through
 * its CLI with the same spec written as the bundle's config.json.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "runtime/runtime.h"
#include "util/err.h"

struct engine_rt {
    bool external;
    char *path;       /* external: absolute path of the runtime binary */
    char *state_root; /* runtime state directory (per runtime, under the runroot) */
};

/* Resolve --runtime (NULL/"nvbind" = in-process; else a name in PATH or a path). */
int engine_rt_resolve(const char *name, const char *runroot, struct engine_rt *rt,
                      struct bolt_err *err);
void engine_rt_fini(struct engine_rt *rt);

/*
 * Create and start container id. bundle holds config.json (external runtimes read it).
 * stdio: fds for the container; console_socket: listening socket path when terminal.
 * proc gets the host pid (and a pidfd, or -1). The caller must be a child subreaper
 * (external runtimes leave the container orphaned). Returns 0 or -1.
 */
int engine_rt_start(const struct engine_rt *rt, const char *id, const struct bolt_oci_spec *spec,
                    const char *bundle, const int stdio[3], const char *console_socket,
                    struct bolt_rt_proc *proc, struct bolt_err *err);

int engine_rt_kill(const struct engine_rt *rt, const char *id, int sig, bool all,
                   struct bolt_err *err);
int engine_rt_delete(const struct engine_rt *rt, const char *id, bool force, struct bolt_err *err);

/* exec a process (see bolt_rt_exec); returns its status, 0 when detached, or -1. */
int engine_rt_exec(const struct engine_rt *rt, const char *id, const struct bolt_oci_process *p,
                   const struct bolt_rt_exec_opts *eo, struct bolt_err *err);

/* Map a start error to 125/126/127. */
int engine_rt_exit_code_for(const struct bolt_err *err);

#endif
