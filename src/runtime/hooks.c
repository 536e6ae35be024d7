/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks: each runs with the container state JSON on stdin, within its timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
#include "util/mem.h"
#include "util/sys.h"

bool
rt_spec_has_hooks(const struct bolt_oci_spec *spec, enum bolt_oci_hook_kind kind)
{
    return spec && spec->hooks.n[kind] > 0;
}

static void
write_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the hook need not read its stdin */
        s += n;
        len -= (size_t)n;
    }
}

/* Wait for pid with a timeout in seconds (<= 0: no timeout). Returns wait status or -1. */
static int
wait_timeout(pid_t pid, int timeout, bool *timed_out)
{
    int status = 0;
    cleanup_close int pidfd = -1;

    *timed_out = false;
    if (timeout > 0)
        pidfd = sys_pidfd_open(pid, 0);
    if (pidfd >= 0) {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int r;
        do {
            r = poll(&p, 1, timeout * 1000);
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
            *timed_out = true;
            kill(pid, SIGKILL);
        }
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return status;
}

static int
run_one(const struct bolt_oci_hook *h, const char *kind, const char *state_json,
        struct bolt_err *err)
{
    int pfd[2];
    pid_t pid;
    int status;
    bool timed_out;
    char *const empty_env[] = {NULL};
    char *argv0[] = {h->path, NULL};

    if (pipe2(pfd, O_CLOEXEC) < 0)
        return bolt_err_set(err, errno, "%s hook '%s': pipe", kind, h->path);
    pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pfd[0]);
        close(pfd[1]);
        return bolt_err_set(err, e, "%s hook '%s': fork", kind, h->path);
    }
    if (pid == 0) {
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        if (dup2(pfd[0], 0) < 0)
            _exit(126);
        execve(h->path, h->args ? h->args : argv0, h->env ? h->env : empty_env);
        fprintf(stderr, "%s hook: exec '%s': %s\n", kind, h->path, strerror(errno));
        _exit(127);
    }
    close(pfd[0]);
    signal(SIGPIPE, SIG_IGN);
    write_all(pfd[1], state_json, strlen(state_json));
    close(pfd[1]);
    status = wait_timeout(pid, h->has_timeout ? h->timeout : 0, &timed_out);
    if (status < 0)
        return bolt_err_set(err, errno, "%s hook '%s': wait", kind, h->path);
    if (timed_out)
        return bolt_err_set(err, ETIMEDOUT, "%s hook '%s': timed out after %d s", kind, h->path,
                            h->timeout);
    if (WIFSIGNALED(status))
        return bolt_err_set(err, 0, "%s hook '%s': killed by signal %d", kind, h->path,
                            WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        return bolt_err_set(err, 0, "%s hook '%s': exited with status %d", kind, h->path,
                            WEXITSTATUS(status));
    return 0;
}

int
rt_hooks_run(const struct bolt_oci_spec *spec, enum bolt_oci_hook_kind kind,
             const char *state_json, struct bolt_err *err)
{
    for (size_t i = 0; i < spec->hooks.n[kind]; i++) {
        if (run_one(&spec->hooks.list[kind][i], bolt_oci_hook_names[kind], state_json, err) < 0)
            return -1;
    }
    return 0;
}
