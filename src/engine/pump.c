/* SPDX-License-Identifier: Apache-2.0 */
/* Moving bytes: container output to the log (and our terminal), our input to the container. */
#include "engine/supervise_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "util/mem.h"

void
sup_term_raw(struct sup *s)
{
    struct termios t;

    if (s->raw || !isatty(0) || tcgetattr(0, &s->saved) < 0)
        return;
    t = s->saved;
    cfmakeraw(&t);
    t.c_oflag = s->saved.c_oflag; /* keep output processing: the pty does its own */
    if (tcsetattr(0, TCSANOW, &t) == 0)
        s->raw = true;
}

void
sup_term_restore(struct sup *s)
{
    if (!s->raw)
        return;
    tcsetattr(0, TCSANOW, &s->saved);
    s->raw = false;
}

void
sup_copy_winsize(int fd)
{
    struct winsize ws;

    if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
        ioctl(fd, TIOCSWINSZ, &ws);
}

int
sup_recv_console(int listen_fd, struct bolt_err *err)
{
    char data[64];
    char ctrl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {data, sizeof(data)};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl, .msg_controllen = sizeof(ctrl)};
    struct cmsghdr *cm;
    int conn, fd = -1;
    struct pollfd p = {listen_fd, POLLIN, 0};

    /* the runtime connects during create; never hang if it did not */
    if (poll(&p, 1, 5000) <= 0)
        return bolt_err_set(err, ETIMEDOUT, "the runtime sent no terminal on the console socket");
    conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return bolt_err_set(err, errno, "accept on the console socket");
    if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0) {
        int e = errno;
        close(conn);
        return bolt_err_set(err, e, "receive the terminal from the runtime");
    }
    close(conn);
    for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
            memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    if (fd < 0)
        return bolt_err_set(err, EPROTO, "the runtime sent no terminal fd on the console socket");
    return fd;
}

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        p += r;
        n -= (size_t)r;
    }
}

static int
decode_status(int status)
{
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* Reap: our container (records its status) and any orphan reparented to us. */
static void
reap(struct sup *s, int *status, bool *exited)
{
    int st;
    pid_t p;

    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        if (p == s->pid && !*exited) {
            *status = decode_status(st);
            *exited = true;
        }
    }
}

static void
on_signal(struct sup *s, int master, int *status, bool *exited)
{
    struct signalfd_siginfo si;

    while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
            reap(s, status, exited);
        } else if (sig == SIGWINCH) {
            if (master >= 0)
                sup_copy_winsize(master);
        } else if (sig != SIGPIPE && s->attach == BOLT_ATTACH_STDIO && s->pid > 0 && !*exited) {
            /* docker's --sig-proxy: what the user sends to bolt goes to the container */
            kill(s->pid, sig);
        }
    }
}

/* Read what is available on fd; false on EOF/error (the fd is then done). */
static bool
drain(struct sup *s, int fd, enum engine_stream stream)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false; /* EOF, or EIO from a pty whose last user left */
    engine_logw_feed(&s->logw, stream, buf, (size_t)n);
    if (s->attach == BOLT_ATTACH_STDIO)
        write_all(stream == ENGINE_STDERR ? 2 : 1, buf, (size_t)n);
    return true;
}

static void
forward_input(int master, bool *open)
{
    char buf[4096];
    ssize_t n = read(0, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        *open = false;
        return;
    }
    write_all(master, buf, (size_t)n);
}

int
sup_pump(struct sup *s, int out_fd, int err_fd, int pidfd)
{
    int status = 0;
    bool exited = false;
    bool in_open = s->tty && s->interactive && s->attach == BOLT_ATTACH_STDIO;
    int master = s->tty ? out_fd : -1;

    for (;;) {
        struct pollfd p[5];
        nfds_t n = 0;
        int ip_out = -1, ip_err = -1, ip_in = -1;
        int r;

        p[n++] = (struct pollfd){s->sigfd, POLLIN, 0};
        if (pidfd >= 0 && !exited)
            p[n++] = (struct pollfd){pidfd, POLLIN, 0};
        if (out_fd >= 0) {
            ip_out = (int)n;
            p[n++] = (struct pollfd){out_fd, POLLIN, 0};
        }
        if (err_fd >= 0) {
            ip_err = (int)n;
            p[n++] = (struct pollfd){err_fd, POLLIN, 0};
        }
        if (in_open && !exited) {
            ip_in = (int)n;
            p[n++] = (struct pollfd){0, POLLIN, 0};
        }
        if (exited && out_fd < 0 && err_fd < 0)
            break;
        /* after the exit, give the pipes a moment to drain, then stop waiting for them */
        r = poll(p, n, exited ? 200 : (pidfd >= 0 ? -1 : 500));
        if (r < 0 && errno != EINTR)
            break;
        if (r == 0 && exited)
            break;
        if (r == 0 || (pidfd >= 0 && !exited && (p[1].revents & POLLIN)))
            reap(s, &status, &exited);
        if (p[0].revents & POLLIN)
            on_signal(s, master, &status, &exited);
        if (ip_out >= 0 && p[ip_out].revents && !drain(s, out_fd, ENGINE_STDOUT))
            out_fd = -1;
        if (ip_err >= 0 && p[ip_err].revents && !drain(s, err_fd, ENGINE_STDERR))
            err_fd = -1;
        if (ip_in >= 0 && p[ip_in].revents)
            forward_input(master, &in_open);
    }
    if (!exited) {
        int st;
        if (waitpid(s->pid, &st, 0) == s->pid)
            status = decode_status(st);
    }
    return status;
}
