/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker's default seccomp profile (moby profiles/seccomp/default.json semantics),
 * expressed as C data and built into the OCI model: deny by default with EPERM, allow
 * the syscalls an ordinary program needs, and open the privileged ones only when the
 * container holds the capability that guards them in the kernel anyway.
 */
#include "runtime/seccomp.h"

#include <errno.h>
#include <string.h>

#include "util/mem.h"

static const char *const allowed[] = {
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "cachestat",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_requeue",
    "futex_time64",
    "futex_wait",
    "futex_waitv",
    "futex_wake",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "map_shadow_stack",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
    /* kernels >= 4.8 check ptrace against seccomp, so docker allows these everywhere */
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
#if defined(__x86_64__) || defined(__i386__)
    "arch_prctl",
    "modify_ldt",
#endif
#if defined(__aarch64__) || defined(__arm__)
    "arm_fadvise64_64",
    "arm_sync_file_range",
    "sync_file_range2",
    "breakpoint",
    "cacheflush",
    "set_tls",
#endif
    NULL,
};

/* Syscalls opened by a capability (the kernel checks that capability for them). */
struct cap_syscalls {
    const char *cap;
    const char *const names[24];
};

static const struct cap_syscalls cap_rules[] = {
    {"CAP_DAC_READ_SEARCH", {"open_by_handle_at", NULL}},
    {"CAP_SYS_ADMIN", {"bpf",           "clone",           "clone3",
                       "fanotify_init", "fsconfig",        "fsmount",
                       "fsopen",        "fspick",          "lookup_dcookie",
                       "mount",         "mount_setattr",   "move_mount",
                       "open_tree",     "perf_event_open", "quotactl",
                       "quotactl_fd",   "setdomainname",   "sethostname",
                       "setns",         "syslog",          "umount",
                       "umount2",       "unshare",         NULL}},
    {"CAP_SYS_BOOT", {"reboot", NULL}},
    {"CAP_SYS_CHROOT", {"chroot", NULL}},
    {"CAP_SYS_MODULE", {"delete_module", "init_module", "finit_module", NULL}},
    {"CAP_SYS_PACCT", {"acct", NULL}},
    {"CAP_SYS_PTRACE", {"kcmp", "pidfd_getfd", "process_madvise", NULL}},
    {"CAP_SYS_RAWIO", {"iopl", "ioperm", NULL}},
    {"CAP_SYS_TIME", {"settimeofday", "stime", "clock_settime", "clock_settime64", NULL}},
    {"CAP_SYS_TTY_CONFIG", {"vhangup", NULL}},
    {"CAP_SYS_NICE", {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", NULL}},
    {"CAP_SYSLOG", {"syslog", NULL}},
    {"CAP_BPF", {"bpf", NULL}},
    {"CAP_PERFMON", {"perf_event_open", NULL}},
};

/* personality(2) values docker lets through: PER_LINUX, PER_LINUX32, UNAME26 and queries. */
static const uint64_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

/* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: what unprivileged clone may not ask.
 */
#define CLONE_NS_MASK 0x7E020000ULL

static bool
has_cap(char *const *caps, const char *cap)
{
    for (size_t i = 0; caps && caps[i]; i++)
        if (strcmp(caps[i], cap) == 0)
            return true;
    return false;
}

static struct bolt_oci_seccomp_rule *
push_rule(struct bolt_oci_seccomp *sc, const char *action)
{
    struct bolt_oci_seccomp_rule *r;

    sc->syscalls = xreallocarray(sc->syscalls, sc->n_syscalls + 1, sizeof(*sc->syscalls));
    r = &sc->syscalls[sc->n_syscalls++];
    memset(r, 0, sizeof(*r));
    r->action = xstrdup(action);
    return r;
}

static void
push_arg(struct bolt_oci_seccomp_rule *r, uint32_t index, uint64_t value, uint64_t two,
         const char *op)
{
    struct bolt_oci_seccomp_arg *a;

    r->args = xreallocarray(r->args, r->n_args + 1, sizeof(*r->args));
    a = &r->args[r->n_args++];
    a->index = index;
    a->value = value;
    a->value_two = two;
    a->op = xstrdup(op);
}

static void
add_native_arches(struct bolt_oci_seccomp *sc)
{
#if defined(__x86_64__)
    bolt_strv_push(&sc->architectures, "SCMP_ARCH_X86_64");
    bolt_strv_push(&sc->architectures, "SCMP_ARCH_X86");
    bolt_strv_push(&sc->architectures, "SCMP_ARCH_X32");
#elif defined(__aarch64__)
    bolt_strv_push(&sc->architectures, "SCMP_ARCH_AARCH64");
    bolt_strv_push(&sc->architectures, "SCMP_ARCH_ARM");
#else
    sc->architectures = xcalloc(1, sizeof(char *));
#endif
}

static void
add_conditional(struct bolt_oci_seccomp *sc, bool sys_admin)
{
    struct bolt_oci_seccomp_rule *r = push_rule(sc, "SCMP_ACT_ALLOW");

    bolt_strv_push(&r->names, "personality");
    for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++)
        push_arg(r, 0, personas[i], 0, "SCMP_CMP_EQ");

    /* AF_VSOCK (40) would reach the host's vsock services */
    r = push_rule(sc, "SCMP_ACT_ALLOW");
    bolt_strv_push(&r->names, "socket");
    push_arg(r, 0, 40, 0, "SCMP_CMP_NE");

    if (sys_admin)
        return;
    r = push_rule(sc, "SCMP_ACT_ALLOW");
    bolt_strv_push(&r->names, "clone");
    push_arg(r, 0, CLONE_NS_MASK, 0, "SCMP_CMP_MASKED_EQ");
    /* clone3 passes flags in memory seccomp cannot read: answer ENOSYS so libc uses clone */
    r = push_rule(sc, "SCMP_ACT_ERRNO");
    bolt_strv_push(&r->names, "clone3");
    r->has_errno_ret = true;
    r->errno_ret = ENOSYS;
}

struct bolt_oci_seccomp *
bolt_seccomp_default_profile_caps(char *const *caps)
{
    struct bolt_oci_seccomp *sc = xzalloc(sizeof(*sc));
    struct bolt_oci_seccomp_rule *r;

    if (caps == NULL)
        caps = bolt_oci_default_caps();
    sc->default_action = xstrdup("SCMP_ACT_ERRNO");
    sc->has_default_errno_ret = true;
    sc->default_errno_ret = EPERM;
    add_native_arches(sc);
    r = push_rule(sc, "SCMP_ACT_ALLOW");
    r->names = bolt_strv_dup((char *const *)allowed);
    for (size_t i = 0; i < sizeof(cap_rules) / sizeof(cap_rules[0]); i++) {
        if (!has_cap(caps, cap_rules[i].cap))
            continue;
        r = push_rule(sc, "SCMP_ACT_ALLOW");
        r->names = bolt_strv_dup((char *const *)cap_rules[i].names);
    }
    add_conditional(sc, has_cap(caps, "CAP_SYS_ADMIN"));
    return sc;
}

char *const *
bolt_seccomp_docker_default_caps(void)
{
    return bolt_oci_default_caps();
}

struct bolt_oci_seccomp *
bolt_seccomp_default_profile(void)
{
    return bolt_seccomp_default_profile_caps(NULL);
}
