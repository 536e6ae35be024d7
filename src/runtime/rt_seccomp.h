/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_RT_SECCOMP_H
#define BOLT_RT_SECCOMP_H

/* The runtime's seam to the seccomp module (src/runtime/seccomp.h, owned by "oci"). */

#include "oci/spec.h"
#include "util/err.h"

/* Compile linux.seccomp in the parent (cached under cache_dir). NULL with err unset when
 * there is no filter. */
void *rt_seccomp_prepare(const struct bolt_oci_spec *spec, const char *cache_dir,
                         struct bolt_err *err);
/*
 * Where the notify fd of a filter with SCMP_ACT_NOTIFY rules goes (linux.seccomp.listenerPath):
 * a socket already connected to the listener and the container process state to send with
 * the fd. sock -1 = no listener.
 */
struct rt_notify_target {
    int sock;
    char *msg;
};

/* Load the prepared filter into the calling process (the child, before exec); hand the
 * notify fd (if the filter has one) to target and close it. */
int rt_seccomp_install(void *prepared, struct rt_notify_target *target, struct bolt_err *err);
void rt_seccomp_free(void *prepared);

#endif
