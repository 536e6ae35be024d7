/* SPDX-License-Identifier: Apache-2.0 */
/* Checks of linux.seccomp: action, architecture, flag and operator names, argument indexes. */
#include <string.h>

#include "oci/spec_internal.h"

static const char *const actions[] = {
    "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",      NULL,
};

static const char *const arches[] = {
    "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
    "SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64", NULL,
};

static const char *const flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    NULL,
};

static const char *const ops[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static bool
known(const char *s, const char *const *list)
{
    for (size_t i = 0; s && list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static int
check_rule(const struct bolt_oci_seccomp_rule *r, size_t i, bool have_listener,
           struct bolt_err *err)
{
    if (!known(r->action, actions))
        return bolt_err_set(err, 0,
                            "linux.seccomp.syscalls[%zu].action: unknown action '%s' (expected "
                            "one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, "
                            "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, "
                            "SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)",
                            i, r->action ? r->action : "");
    if (strcmp(r->action, "SCMP_ACT_NOTIFY") == 0 && !have_listener)
        return bolt_err_set(err, 0,
                            "linux.seccomp.syscalls[%zu].action: SCMP_ACT_NOTIFY needs "
                            "linux.seccomp.listenerPath",
                            i);
    if (r->names == NULL || r->names[0] == NULL)
        return bolt_err_set(err, 0,
                            "linux.seccomp.syscalls[%zu].names: expected at least one syscall "
                            "name",
                            i);
    for (size_t j = 0; j < r->n_args; j++) {
        if (r->args[j].index > 5)
            return bolt_err_set(err, 0,
                                "linux.seccomp.syscalls[%zu].args[%zu].index: expected 0..5 (a "
                                "syscall has six arguments), got %u",
                                i, j, r->args[j].index);
        if (!known(r->args[j].op, ops))
            return bolt_err_set(err, 0,
                                "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator "
                                "'%s' (expected one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, "
                                "SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)",
                                i, j, r->args[j].op ? r->args[j].op : "");
    }
    return 0;
}

int
oci_validate_seccomp(const struct bolt_oci_seccomp *sc, struct bolt_err *err)
{
    bool listener = sc->listener_path && sc->listener_path[0];

    if (!known(sc->default_action, actions))
        return bolt_err_set(err, 0,
                            "linux.seccomp.defaultAction: unknown action '%s' (expected one of "
                            "SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
                            "SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG)",
                            sc->default_action ? sc->default_action : "");
    if (strcmp(sc->default_action, "SCMP_ACT_NOTIFY") == 0)
        return bolt_err_set(err, 0,
                            "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default "
                            "(the listener itself would be blocked)");
    if (listener && sc->listener_path[0] != '/')
        return bolt_err_set(err, 0,
                            "linux.seccomp.listenerPath: must be an absolute path, got '%s'",
                            sc->listener_path);
    for (size_t i = 0; sc->architectures && sc->architectures[i]; i++)
        if (!known(sc->architectures[i], arches))
            return bolt_err_set(err, 0,
                                "linux.seccomp.architectures[%zu]: unknown architecture '%s' "
                                "(expected a name such as SCMP_ARCH_X86_64, SCMP_ARCH_X86, "
                                "SCMP_ARCH_AARCH64)",
                                i, sc->architectures[i]);
    for (size_t i = 0; sc->flags && sc->flags[i]; i++)
        if (!known(sc->flags[i], flags))
            return bolt_err_set(err, 0,
                                "linux.seccomp.flags[%zu]: unknown flag '%s' (expected one of "
                                "SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
                                "SECCOMP_FILTER_FLAG_SPEC_ALLOW, "
                                "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)",
                                i, sc->flags[i]);
    for (size_t i = 0; i < sc->n_syscalls; i++)
        if (check_rule(&sc->syscalls[i], i, listener, err) < 0)
            return -1;
    return 0;
}
