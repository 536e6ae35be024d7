/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rt-chrt PRIO CMD [ARGS...]: SCHED_FIFO at PRIO, then exec CMD (busybox has no chrt).
 * Static, so it runs in any container image. With CMD "-", prints the policy and exits.
 * On refusal prints "rt-chrt: sched_setscheduler: <error>" and exits 1.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
    struct sched_param sp = {0};

    if (argc < 3) {
        fprintf(stderr, "usage: rt-chrt PRIO CMD [ARGS...]\n");
        return 2;
    }
    sp.sched_priority = atoi(argv[1]);
    if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) {
        fprintf(stderr, "rt-chrt: sched_setscheduler: %s\n", strerror(errno));
        return 1;
    }
    if (strcmp(argv[2], "-") == 0) {
        struct sched_param got;
        sched_getparam(0, &got);
        printf("policy %s priority %d\n", sched_getscheduler(0) == SCHED_FIFO ? "fifo" : "other",
               got.sched_priority);
        return 0;
    }
    execvp(argv[2], argv + 2);
    fprintf(stderr, "rt-chrt: exec %s: %s\n", argv[2], strerror(errno));
    return 127;
}
