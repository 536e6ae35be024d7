/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_LEASE_H
#define BOLT_NVBIND_LEASE_H

/*
 * GPU leases: one lock file per GPU under <runroot>/nvbind/leases, held (flock) by the
 * process that supervises the container for as long as it runs: exclusive = LOCK_EX,
 * shared = LOCK_SH. A dead supervisor releases its locks with its fds, so a GPU can never
 * stay stuck. Holders are listed in <uuid>.holders/<container id> ("name pid") so a refused
 * request can name who holds the GPU.
 */

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct bolt_nv_lease {
    int *fds;
    size_t n;
};

/*
 * Take a lease on every uuid (NULL-terminated) for container id/name. Fails with EBUSY and
 * "GPU GPU-... is leased exclusively by container 'x' (pid N)" (or "shared by ...") without
 * keeping any lock. The fds are not close-on-exec: they stay with the supervisor across
 * its exec into the monitor. Leases this process held before (a restart) are replaced. A
 * first start costs five system calls per GPU (open and flock the lock, write the holder).
 */
int bolt_nv_lease_acquire(const char *runroot, char *const *uuids, bool exclusive,
                          const char *id, const char *name, struct bolt_nv_lease *out,
                          struct bolt_err *err);

/* Set (by `bolt __monitor`) when this process may hold leases of an earlier start. */
#define BOLT_NV_LEASES_HELD_ENV "BOLT_NV_LEASES_HELD"

/* Remove container id's holder entries (the container ended; its locks go with its
 * supervisor's fds). */
void bolt_nv_lease_forget(const char *runroot, const char *id);

/* Release (close) the locks and remove the holder entries. */
void bolt_nv_lease_release(const char *runroot, char *const *uuids, const char *id,
                           struct bolt_nv_lease *l);

/* Names of the live holders of a GPU ("name (exclusive)"), NULL-terminated, for listings. */
char **bolt_nv_lease_holders(const char *runroot, const char *uuid);

#endif
