/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_LOCK_H
#define BOLT_LOCK_H

#include <stdbool.h>

#include "util/err.h"

/*
 * flock helpers. A lock is an fd on a lock file (created if missing, mode 0600);
 * closing the fd releases it, so a dead process never leaves a lock held.
 * exclusive picks LOCK_EX or LOCK_SH; wait=false makes a busy lock fail with EWOULDBLOCK.
 * Returns the fd or -1.
 */
int bolt_lock_open(const char *path, bool exclusive, bool wait, struct bolt_err *err);

/* Lock an fd already open. Returns 0 or -1 (EWOULDBLOCK when busy and !wait). */
int bolt_lock_fd(int fd, bool exclusive, bool wait, struct bolt_err *err);

/* Release and close the lock (fd may be -1). */
void bolt_lock_release(int fd);

#endif
