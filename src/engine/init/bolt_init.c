/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bolt-init: the small init `bolt run --init` puts at /dev/init as the container's pid 1.
 * It starts the command as its child, forwards every signal it can catch to it, reaps
 * every zombie (orphans are re-parented to pid 1), and exits with the command's status
 * (128+N when the command was killed by signal N). Linked statically so it runs in any
 * image.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int
usage(void)
{
    fprintf(stderr, "usage: bolt-init [--] COMMAND [ARG...]\n");
    return 2;
}

static pid_t
spawn(char **argv, const sigset_t *old)
{
    pid_t pid = fork();

    if (pid < 0) {
        fprintf(stderr, "bolt-init: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, old, NULL);
        /* the command gets its own process group so terminal signals reach it as usual */
        setpgid(0, 0);
        execvp(argv[0], argv);
        fprintf(stderr, "bolt-init: exec '%s': %s\n", argv[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    return pid;
}

/* Reap everything that has exited; returns true once the command itself is gone. */
static int
reap(pid_t child, int *status)
{
    int st, done = 0;
    pid_t p;

    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        if (p != child)
            continue;
        *status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
        done = 1;
    }
    return done;
}

int
main(int argc, char **argv)
{
    sigset_t all, old;
    pid_t child;
    int status = 0;
    int argi = 1;

    if (argi < argc && strcmp(argv[argi], "--") == 0)
        argi++;
    if (argi >= argc)
        return usage();
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    child = spawn(argv + argi, &old);
    if (child < 0)
        return 1;
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0)
            continue;
        if (sig == SIGCHLD) {
            if (reap(child, &status))
                return status;
            continue;
        }
        /* forward: SIGTERM from `bolt stop` reaches the command, not just us */
        kill(child, sig);
    }
}
