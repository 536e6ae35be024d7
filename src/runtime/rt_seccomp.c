/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime's use of the seccomp module: compile in the parent, load in the child. */
#include "runtime/rt_seccomp.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
#include "runtime/seccomp.h"

void *
rt_seccomp_prepare(const struct bolt_oci_spec *spec, const char *cache_dir, struct bolt_err *err)
{
    if (!spec->has_linux || !spec->linux_.seccomp)
        return NULL;
    return bolt_seccomp_prepare(spec->linux_.seccomp, cache_dir, err);
}

int
rt_seccomp_install(void *prepared, struct rt_notify_target *target, struct bolt_err *err)
{
    int r = bolt_seccomp_install(prepared, err);
    int rc = r < 0 ? -1 : 0;

    if (r > 0 && target && target->sock >= 0) {
        /* one message: the container process state, with the notify fd attached */
        if (rt_sendmsg_fd(target->sock, target->msg, strlen(target->msg), r) < 0)
            rc = bolt_err_set(err, errno,
                              "linux.seccomp.listenerPath: send the seccomp notify fd to the "
                              "listener");
        close(target->sock);
        target->sock = -1;
    }
    /* without a listener (the spec validator requires one for SCMP_ACT_NOTIFY) the notified
     * syscalls fail with ENOSYS once this last copy is closed */
    if (r > 0)
        close(r);
    return rc;
}

void
rt_seccomp_free(void *prepared)
{
    bolt_seccomp_prog_free(prepared);
}
