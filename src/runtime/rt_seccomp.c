/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's use of the seccomp module: compile in the parent, load in the child. */
#include "runtime/rt_seccomp.h"

#include <unistd.h>

#include "runtime/seccomp.h"

void *
rt_seccomp_prepare(const struct bolt_oci_spec *spec, const char *cache_dir, struct bolt_err *err)
{
    if (!spec->has_linux || !spec->linux_.seccomp)
        return NULL;
    return bolt_seccomp_prepare(spec->linux_.seccomp, cache_dir, err);
}

int
rt_seccomp_install(void *prepared, struct bolt_err *err)
{
    int r = bolt_seccomp_install(prepared, err);

    if (r > 0)
        close(r); /* listenerPath is not supported: SCMP_ACT_NOTIFY syscalls get ENOSYS */
    return r < 0 ? -1 : 0;
}

void
rt_seccomp_free(void *prepared)
{
    bolt_seccomp_prog_free(prepared);
}
