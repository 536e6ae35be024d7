/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp-agent SOCKET STATE-OUT ERRNO: a minimal seccomp notify agent for the runtime's
 * linux.seccomp.listenerPath (tests/integration/seccomp.bats). Listens on SOCKET, takes one
 * connection, writes the container process state it receives to STATE-OUT, then answers
 * every notified syscall with -ERRNO until the container's processes are gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int
recv_state(int conn, char *buf, size_t len, int *fd)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = buf, .iov_len = len - 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = sizeof(cbuf)};
    ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
    struct cmsghdr *cm;

    if (n <= 0)
        return -1;
    buf[n] = '\0';
    *fd = -1;
    for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
            memcpy(fd, CMSG_DATA(cm), sizeof(int));
    return *fd >= 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct seccomp_notif_sizes sz;
    char state[65536];
    int ls, conn, nfd, answered = 0;
    FILE *out;

    if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "usage: seccomp-agent SOCKET STATE-OUT ERRNO\n");
        return 2;
    }
    strcpy(sa.sun_path, argv[1]);
    ls = socket(AF_UNIX, SOCK_STREAM, 0);
    unlink(argv[1]);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0) {
        perror("seccomp-agent: listen");
        return 1;
    }
    /* ready: the test waits for the socket to exist */
    conn = accept(ls, NULL, NULL);
    if (conn < 0 || recv_state(conn, state, sizeof(state), &nfd) < 0) {
        fprintf(stderr, "seccomp-agent: no state with an fd received\n");
        return 1;
    }
    out = fopen(argv[2], "we");
    if (!out)
        return 1;
    fprintf(out, "%s\n", state);
    fclose(out);
    if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0) {
        perror("seccomp-agent: SECCOMP_GET_NOTIF_SIZES");
        return 1;
    }
    for (;;) {
        struct pollfd p = {.fd = nfd, .events = POLLIN};
        struct seccomp_notif *req = calloc(1, sz.seccomp_notif);
        struct seccomp_notif_resp *resp = calloc(1, sz.seccomp_notif_resp);
        if (poll(&p, 1, 20000) <= 0 || (p.revents & POLLHUP))
            break; /* the filter has no more users: the container is gone */
        if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
            free(req);
            free(resp);
            if (errno == EINTR || errno == ENOENT)
                continue;
            break;
        }
        resp->id = req->id;
        resp->error = -atoi(argv[3]);
        resp->val = 0;
        if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, resp) == 0)
            answered++;
        free(req);
        free(resp);
    }
    fprintf(stderr, "seccomp-agent: answered %d\n", answered);
    return 0;
}
