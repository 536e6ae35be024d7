/* SPDX-License-Identifier: Apache-2.0 */
/* The parent/child sync socket: fixed-size messages that carry struct bolt_err. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "runtime/rt_internal.h"

int
rt_msg_send(int fd, int type, int value, const struct bolt_err *err)
{
    struct rt_msg m;

    memset(&m, 0, sizeof(m));
    m.type = type;
    m.value = value;
    if (err)
        m.err = *err;
    while (send(fd, &m, sizeof(m), MSG_NOSIGNAL) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return 0;
}

int
rt_sendmsg_fd(int sock, const void *data, size_t len, int fd)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm;

    memset(cbuf, 0, sizeof(cbuf));
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return 0;
}

int
rt_msg_send_fd(int sock, int type, int fd, struct bolt_err *err)
{
    struct rt_msg m;

    memset(&m, 0, sizeof(m));
    m.type = type;
    if (rt_sendmsg_fd(sock, &m, sizeof(m), fd) < 0)
        return bolt_err_set(err, errno, "send fd on the sync socket");
    return 0;
}

int
rt_msg_recv(int fd, struct rt_msg *m, int *pass_fd, struct bolt_err *err)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = sizeof(cbuf)};
    ssize_t n;

    if (pass_fd)
        *pass_fd = -1;
    do {
        n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return bolt_err_set(err, errno, "read the sync socket");
    if (n == 0)
        return 0;
    if ((size_t)n != sizeof(*m))
        return bolt_err_set(err, EPROTO, "short message on the sync socket (%zd bytes)", n);
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(cm), sizeof(int));
            if (pass_fd)
                *pass_fd = got;
            else
                close(got);
        }
    }
    m->err.msg[sizeof(m->err.msg) - 1] = '\0';
    return 1;
}
