/* SPDX-License-Identifier: Apache-2.0 */
/* The container process: rlimits, executable lookup, user, capabilities, stdio, pty. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
#include "runtime/rt_seccomp.h"
#include "util/mem.h"

struct rlimit_name {
    const char *name;
    int resource;
};

static const struct rlimit_name rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

int
rt_apply_rlimits(const struct bolt_oci_process *p, struct bolt_err *err)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const struct bolt_oci_rlimit *rl = &p->rlimits[i];
        struct rlimit cur, want = {.rlim_cur = rl->soft, .rlim_max = rl->hard};
        int res = -1;

        for (size_t j = 0; j < sizeof(rlimit_names) / sizeof(rlimit_names[0]); j++) {
            if (strcmp(rl->type, rlimit_names[j].name) == 0)
                res = rlimit_names[j].resource;
        }
        if (res < 0)
            return bolt_err_set(err, 0, "process.rlimits[%zu].type: unknown rlimit '%s'", i,
                                rl->type);
        if (setrlimit(res, &want) == 0)
            continue;
        if (errno == EPERM && getrlimit(res, &cur) == 0 && want.rlim_max > cur.rlim_max) {
            bool have = prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE, 0, 0, 0) == 1;
            return bolt_err_set(err, 0,
                                "process.rlimits: %s hard limit %llu is above this host's hard "
                                "limit %llu%s; lower it to at most %llu",
                                rl->type, (unsigned long long)want.rlim_max,
                                (unsigned long long)cur.rlim_max,
                                have ? "" : " and CAP_SYS_RESOURCE is not in the bounding set",
                                (unsigned long long)cur.rlim_max);
        }
        return bolt_err_set(err, errno, "process.rlimits: setrlimit %s soft %llu hard %llu",
                            rl->type, (unsigned long long)rl->soft, (unsigned long long)rl->hard);
    }
    return 0;
}

static const char *
env_get(char *const *env, const char *key)
{
    size_t n = strlen(key);

    for (size_t i = 0; env && env[i]; i++) {
        if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
            return env[i] + n + 1;
    }
    return NULL;
}

/* 0 = found executable, else an errno (ENOENT, EACCES). */
static int
check_exec(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return errno;
    if (S_ISDIR(st.st_mode))
        return EACCES;
    if (access(path, X_OK) < 0 || !(st.st_mode & 0111))
        return EACCES;
    return 0;
}

int
rt_resolve_exec(const struct bolt_oci_process *p, char **path_out, struct bolt_err *err)
{
    const char *name = p->args ? p->args[0] : NULL;
    const char *path_env;
    int first = ENOENT;
    cleanup_free char *copy = NULL;
    char *save = NULL;

    if (!name || !*name)
        return bolt_err_set(err, EINVAL, "process.args: must name an executable");
    if (strchr(name, '/')) {
        int e = check_exec(name);
        if (e)
            return bolt_err_set(err, e, "exec '%s'", name);
        *path_out = xstrdup(name);
        return 0;
    }
    path_env = env_get(p->env, "PATH");
    copy = xstrdup(path_env ? path_env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                                         "/sbin:/bin");
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        cleanup_free char *cand = xasprintf("%s/%s", *dir ? dir : ".", name);
        int e = check_exec(cand);
        if (e == 0) {
            *path_out = steal_ptr(&cand);
            return 0;
        }
        if (e == EACCES)
            first = EACCES;
    }
    if (first == EACCES)
        return bolt_err_set(err, EACCES, "exec '%s': found in $PATH but not executable", name);
    return bolt_err_set(err, ENOENT, "exec '%s': executable file not found in $PATH", name);
}

static int
caps_fill(cap_t caps, cap_flag_t flag, char *const *names, struct bolt_err *err)
{
    for (size_t i = 0; names && names[i]; i++) {
        cap_value_t v;
        if (cap_from_name(names[i], &v) < 0)
            continue; /* a capability this kernel/libcap does not know: nothing to grant */
        if (cap_set_flag(caps, flag, 1, &v, CAP_SET) < 0)
            return bolt_err_set(err, errno, "capability '%s'", names[i]);
    }
    return 0;
}

static bool
has_name(char *const *names, const char *name)
{
    for (size_t i = 0; names && names[i]; i++) {
        if (strcasecmp(names[i], name) == 0)
            return true;
    }
    return false;
}

static int
drop_bounding(const struct bolt_oci_caps *c, struct bolt_err *err)
{
    for (cap_value_t v = 0; v <= CAP_LAST_CAP; v++) {
        char *name;
        bool keep;

        if (prctl(PR_CAPBSET_READ, v, 0, 0, 0) != 1)
            continue;
        name = cap_to_name(v);
        keep = name && has_name(c->bounding, name);
        cap_free(name);
        if (!keep && prctl(PR_CAPBSET_DROP, v, 0, 0, 0) < 0)
            return bolt_err_set(err, errno, "drop capability %d from the bounding set", v);
    }
    return 0;
}

static int
set_caps(const struct bolt_oci_process *p, struct bolt_err *err)
{
    const struct bolt_oci_caps *c = &p->caps;
    cap_t caps = cap_init();
    int r = 0;

    if (!caps)
        return bolt_err_set(err, errno, "cap_init");
    if (p->has_caps) {
        if (caps_fill(caps, CAP_EFFECTIVE, c->effective, err) < 0
            || caps_fill(caps, CAP_PERMITTED, c->permitted, err) < 0
            || caps_fill(caps, CAP_INHERITABLE, c->inheritable, err) < 0)
            r = -1;
    }
    if (r == 0 && cap_set_proc(caps) < 0)
        r = bolt_err_set(err, errno, "set capabilities (effective/permitted/inheritable)");
    cap_free(caps);
    if (r < 0)
        return r;
    cap_reset_ambient();
    for (size_t i = 0; p->has_caps && c->ambient && c->ambient[i]; i++) {
        cap_value_t v;
        if (cap_from_name(c->ambient[i], &v) < 0)
            continue;
        if (cap_set_ambient(v, CAP_SET) < 0)
            return bolt_err_set(err, errno,
                                "raise ambient capability '%s' (it must also be permitted and "
                                "inheritable)",
                                c->ambient[i]);
    }
    return 0;
}

static int
set_user(const struct bolt_oci_process *p, struct bolt_err *err)
{
    if (setgroups(p->n_additional_gids, p->additional_gids) < 0 && errno != EPERM)
        return bolt_err_set(err, errno, "process.user.additionalGids: setgroups");
    if (setresgid(p->gid, p->gid, p->gid) < 0)
        return bolt_err_set(err, errno, "process.user.gid: setresgid %u", p->gid);
    if (setresuid(p->uid, p->uid, p->uid) < 0)
        return bolt_err_set(err, errno, "process.user.uid: setresuid %u", p->uid);
    return 0;
}

int
rt_finalize_process(const struct bolt_oci_process *p, void *seccomp,
                    struct rt_notify_target *notify, struct bolt_err *err)
{
    bool has_bounding = p->has_caps && p->caps.bounding;

    /* Without no_new_privs an unprivileged process may not load a filter: load it while
     * we still hold CAP_SYS_ADMIN (runc does the same). */
    if (seccomp && !p->no_new_privileges && rt_seccomp_install(seccomp, notify, err) < 0)
        return -1;
    if ((has_bounding || !p->has_caps) && drop_bounding(&p->caps, err) < 0)
        return -1;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return bolt_err_set(err, errno, "prctl PR_SET_KEEPCAPS");
    if (set_user(p, err) < 0)
        return -1;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return bolt_err_set(err, errno, "prctl PR_SET_KEEPCAPS");
    if (set_caps(p, err) < 0)
        return -1;
    umask(p->has_umask ? p->umask : 022);
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return bolt_err_set(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
    if (seccomp && p->no_new_privileges && rt_seccomp_install(seccomp, notify, err) < 0)
        return -1;
    return 0;
}

int
rt_setup_stdio(const int stdio[3], struct bolt_err *err)
{
    for (int i = 0; i < 3; i++) {
        if (stdio[i] < 0 || stdio[i] == i)
            continue;
        if (dup2(stdio[i], i) < 0)
            return bolt_err_set(err, errno, "dup2 stdio %d", i);
    }
    return 0;
}

int
rt_send_fd(int sock, int fd, const char *payload, struct bolt_err *err)
{
    if (rt_sendmsg_fd(sock, payload, strlen(payload) + 1, fd) < 0)
        return bolt_err_set(err, errno, "send the terminal to the console socket");
    return 0;
}

int
rt_setup_terminal(struct rt_child *c, struct bolt_err *err)
{
    const struct bolt_oci_process *p = c->process;
    cleanup_close int master = -1;
    cleanup_close int slave = -1;
    int unlock = 0;

    master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return bolt_err_set(err, errno, "process.terminal: open '/dev/ptmx' in the container");
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        return bolt_err_set(err, errno, "process.terminal: unlock pty");
    slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0)
        return bolt_err_set(err, errno, "process.terminal: open pty peer");
    if (p->has_console_size) {
        struct winsize ws = {.ws_row = (unsigned short)p->console_height,
                             .ws_col = (unsigned short)p->console_width};
        ioctl(slave, TIOCSWINSZ, &ws);
    }
    if (fchown(slave, p->uid, (gid_t)-1) < 0 && errno != EPERM && errno != EINVAL)
        return bolt_err_set(err, errno, "process.terminal: chown pty");
    if (c->console_fd >= 0) {
        if (rt_send_fd(c->console_fd, master, "/dev/ptmx", err) < 0)
            return -1;
        close(c->console_fd);
        c->console_fd = -1;
    } else if (c->pty_to_parent) {
        if (rt_msg_send_fd(c->sync_fd, RT_MSG_PTY, master, err) < 0)
            return -1;
    }
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return bolt_err_set(err, errno, "process.terminal: make the pty the controlling terminal");
    for (int i = 0; i < 3; i++) {
        if (dup2(slave, i) < 0)
            return bolt_err_set(err, errno, "process.terminal: dup2");
    }
    return 0;
}
