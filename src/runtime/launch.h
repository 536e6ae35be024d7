/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_RT_LAUNCH_H
#define BOLT_RT_LAUNCH_H

/* Internal to src/runtime: clone the container child and drive its setup. */

#include "runtime/cgroup.h"
#include "runtime/rt_internal.h"

struct rt_launch {
    struct rt_child child; /* filled by the caller */
    int pidns_fd;          /* pid namespace to clone into (joined), -1 */
    /* results */
    pid_t pid;
    int pidfd;
    int sync; /* parent end of the sync socket */
};

/* Clone the child (it blocks until rt_launch_go). Returns 0 or -1. */
int rt_launch(struct rt_launch *l, struct bolt_err *err);
/* Write id maps, move the child into cg (may be NULL) and release it. */
int rt_launch_go(struct rt_launch *l, struct bolt_cgroup *cg, struct bolt_err *err);
/* Kill and reap the child, close fds (after a failure). */
void rt_launch_abort(struct rt_launch *l);
/* Connect to a --console-socket path; returns the fd or -1. */
int rt_connect_console(const char *path, struct bolt_err *err);
/* waitpid status -> exit code (128+N for signal N). */
int rt_wait_status(int status);

#endif
