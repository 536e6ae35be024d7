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
/* Load the prepared filter into the calling process (the child, before exec). */
int rt_seccomp_install(void *prepared, struct bolt_err *err);
void rt_seccomp_free(void *prepared);

#endif
