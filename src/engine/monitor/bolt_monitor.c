/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bolt-monitor: what a detached container's supervisor becomes while the container runs.
 *
 * `bolt` starts the container (in-process runtime, overlay in a private mount namespace,
 * records) and then execs this small static program, so that the process that lives as
 * long as the container does not carry bolt's libraries (curl, crypto, archive...): its
 * resident set stays well under 1 MiB. It only moves the container's output into the
 * JSON-lines log and waits for the container's exit; then it execs bolt again
 * (`bolt __monitor`) to record the status, delete the runtime state and apply the
 * restart policy, which may start the container again and come back here.
 *
 * Everything it needs arrives as inherited fds: the monitor lock (held for life), the log
 * file, the output pipes (or the pty master), and it is already the container's parent
 * (child subreaper across exec).
 *
 * usage: bolt-monitor BOLT ROOT RUNROOT ID PID LOG_FD OUT_FD ERR_FD LOCK_FD RESTARTS BEGAN_NS
 * (ERR_FD is -1 with a terminal: the pty master carries both streams as stdout)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/logfmt.h"

#define LINE_MAX_BYTES 16384

struct stream {
    int fd;
    const char *name;
    char buf[LINE_MAX_BYTES];
    size_t n;
};

static char outbuf[ENGINE_LOGFMT_MAX(LINE_MAX_BYTES)];

static int64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return; /* a full disk must not stop the container */
        p += r;
        n -= (size_t)r;
    }
}

static void
emit(int log, struct stream *s)
{
    if (s->n == 0)
        return;
    write_all(log, outbuf, engine_logfmt(outbuf, s->name, s->buf, s->n, now_ns()));
    s->n = 0;
}

/* Read what is there; split into lines; false at EOF. */
static int
drain(int log, struct stream *s)
{
    char buf[65536];
    ssize_t r = read(s->fd, buf, sizeof(buf));
    size_t i = 0;

    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (r <= 0)
        return 0;
    while (i < (size_t)r) {
        char c = buf[i++];
        s->buf[s->n++] = c;
        if (c == '\n' || s->n == LINE_MAX_BYTES)
            emit(log, s);
    }
    return 1;
}

static long
num(const char *s)
{
    return strtol(s, NULL, 10);
}

int
main(int argc, char **argv)
{
    static struct stream out = {.name = "stdout"}, err = {.name = "stderr"};
    sigset_t mask;
    int sfd, log, status = 0, exited = 0;
    pid_t pid;
    char st[16];

    if (argc != 12) {
        fprintf(stderr, "bolt-monitor: internal program of bolt, not meant to be run by hand\n");
        return 2;
    }
    pid = (pid_t)num(argv[5]);
    log = (int)num(argv[6]);
    out.fd = (int)num(argv[7]);
    err.fd = (int)num(argv[8]);
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGPIPE);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    for (;;) {
        struct pollfd p[3];
        nfds_t n = 0;
        int io = -1, ie = -1, r;
        if (exited && out.fd < 0 && err.fd < 0)
            break;
        p[n++] = (struct pollfd){sfd, POLLIN, 0};
        if (out.fd >= 0) {
            io = (int)n;
            p[n++] = (struct pollfd){out.fd, POLLIN, 0};
        }
        if (err.fd >= 0) {
            ie = (int)n;
            p[n++] = (struct pollfd){err.fd, POLLIN, 0};
        }
        /* after the exit, give the pipes a moment to drain, then stop waiting for them */
        r = poll(p, n, exited ? 200 : 1000);
        if (r < 0 && errno != EINTR)
            break;
        if (r == 0 && exited)
            break;
        if (r >= 0 && (r == 0 || (p[0].revents & POLLIN))) {
            struct signalfd_siginfo si;
            int ws;
            pid_t w;
            while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                ;
            /* reap the container and any orphan re-parented to us */
            while ((w = waitpid(-1, &ws, WNOHANG)) > 0) {
                if (w == pid && !exited) {
                    status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
                    exited = 1;
                }
            }
        }
        if (io >= 0 && p[io].revents && !drain(log, &out)) {
            close(out.fd);
            out.fd = -1;
        }
        if (ie >= 0 && p[ie].revents && !drain(log, &err)) {
            close(err.fd);
            err.fd = -1;
        }
    }
    emit(log, &out);
    emit(log, &err);
    close(log);
    if (!exited) {
        int ws;
        if (waitpid(pid, &ws, 0) == pid)
            status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
    }
    snprintf(st, sizeof(st), "%d", status);
    {
        char *args[] = {argv[1],  (char *)"--root",
                        argv[2],  (char *)"--runroot",
                        argv[3],  (char *)"__monitor",
                        argv[4],  st,
                        argv[9],  argv[10],
                        argv[11], NULL};
        execv(argv[1], args);
    }
    fprintf(stderr, "bolt-monitor: exec '%s': %s\n", argv[1], strerror(errno));
    return 1;
}
