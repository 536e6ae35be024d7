/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A static init for runtime tests, copied into test bundles as /init. Each subcommand
 * probes one thing from inside the container and prints a short, greppable answer:
 *
 *   init true | exit N | echo ARGS... | sleep SECS | pause (exits 0 on TERM/INT)
 *   init caps                 CapInh/CapPrm/CapEff/CapBnd/CapAmb lines of /proc/self/status
 *   init status FIELD         one line of /proc/self/status ("NoNewPrivs", "Seccomp", ...)
 *   init open PATH [r|w]      "ok" or the errno name (EPERM, ENXIO, EROFS, ...)
 *   init write PATH           create/truncate PATH for writing: "ok" or errno name
 *   init mkdir PATH           "ok" or errno name
 *   init syscall NAME         call NAME (getpid, unshare, chroot, mount, swapoff, ptrace,
 *                             keyctl, personality, clock_settime): "ok" or errno name
 *   init fork N               fork N children that wait; prints "forked K" then the error
 *   init alloc MB             allocate and touch MB MiB, prints "allocated"
 *   init id                   "uid=U gid=G groups=a,b"
 *   init ns                   one "name ino" line per /proc/self/ns entry
 *   init hostname | cwd | umask | env [KEY]
 *   init rlimit NAME          "soft hard" for RLIMIT_NAME ("unlimited" for infinity)
 *   init cat PATH             the file's content
 *   init stat PATH            "type mode major:minor"
 *   init isatty               "tty" or "notty" (stdin)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
report(int r)
{
    if (r < 0) {
        const char *name = strerrorname_np(errno);
        printf("%s\n", name ? name : "EUNKNOWN");
        return 1;
    }
    printf("ok\n");
    return 0;
}

static int
cat(const char *path)
{
    char buf[4096];
    ssize_t n;
    int fd = open(path, O_RDONLY);

    if (fd < 0)
        return report(-1);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    close(fd);
    return 0;
}

static int
status_field(const char *field)
{
    char line[512];
    size_t n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    int found = 1;

    if (!f)
        return report(-1);
    while (fgets(line, sizeof(line), f)) {
        if ((n == 0 && strncmp(line, "Cap", 3) == 0)
            || (n > 0 && strncmp(line, field, n) == 0 && line[n] == ':')) {
            fputs(line, stdout);
            found = 0;
        }
    }
    fclose(f);
    return found;
}

static int
do_syscall(const char *name)
{
    struct timespec ts = {0};

    if (strcmp(name, "getpid") == 0)
        return report(getpid() > 0 ? 0 : -1);
    if (strcmp(name, "unshare") == 0)
        return report(unshare(CLONE_NEWUTS));
    if (strcmp(name, "chroot") == 0)
        return report(chroot("/"));
    if (strcmp(name, "mount") == 0)
        return report(mount("none", "/tmp", "tmpfs", 0, NULL));
    if (strcmp(name, "swapoff") == 0)
        return report(swapoff("/nonexistent"));
    if (strcmp(name, "ptrace") == 0)
        return report((int)syscall(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, 1, 0, 0));
    if (strcmp(name, "keyctl") == 0)
        return report((int)syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
    if (strcmp(name, "personality") == 0)
        return report(personality(0x0008 /* PER_BSD */) < 0 ? -1 : 0);
    if (strcmp(name, "clock_settime") == 0) {
        clock_gettime(CLOCK_REALTIME, &ts);
        return report(clock_settime(CLOCK_REALTIME, &ts));
    }
    fprintf(stderr, "init: unknown syscall '%s'\n", name);
    return 2;
}

static int
do_fork(int n)
{
    int made = 0, err = 0;

    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p < 0) {
            err = errno;
            break;
        }
        made++;
    }
    printf("forked %d\n", made);
    if (err)
        printf("%s\n", strerrorname_np(err));
    fflush(stdout);
    kill(0, SIGKILL); /* children share our process group; the runtime reaps us */
    return err ? 1 : 0;
}

static int
do_alloc(long mb)
{
    size_t len = (size_t)mb << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return report(-1);
    for (size_t off = 0; off < len; off += 4096)
        p[off] = 1;
    printf("allocated\n");
    return 0;
}

static int
do_id(void)
{
    gid_t groups[64];
    int n = getgroups(64, groups);

    printf("uid=%u gid=%u groups=", getuid(), getgid());
    for (int i = 0; i < n; i++)
        printf("%s%u", i ? "," : "", groups[i]);
    printf("\n");
    return 0;
}

static int
do_ns(void)
{
    static const char *const names[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[64];
        struct stat st;
        snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
        if (stat(path, &st) == 0)
            printf("%s %lu\n", names[i], (unsigned long)st.st_ino);
    }
    return 0;
}

static int
do_rlimit(const char *name)
{
    static const struct {
        const char *n;
        int r;
    } t[] = {{"NOFILE", RLIMIT_NOFILE}, {"NPROC", RLIMIT_NPROC}, {"CORE", RLIMIT_CORE},
             {"STACK", RLIMIT_STACK},   {"MEMLOCK", RLIMIT_MEMLOCK}, {"AS", RLIMIT_AS}};
    struct rlimit rl;

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(name, t[i].n) != 0)
            continue;
        if (getrlimit(t[i].r, &rl) < 0)
            return report(-1);
        if (rl.rlim_cur == RLIM_INFINITY)
            printf("unlimited ");
        else
            printf("%llu ", (unsigned long long)rl.rlim_cur);
        if (rl.rlim_max == RLIM_INFINITY)
            printf("unlimited\n");
        else
            printf("%llu\n", (unsigned long long)rl.rlim_max);
        return 0;
    }
    fprintf(stderr, "init: unknown rlimit '%s'\n", name);
    return 2;
}

static int
do_stat(const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return report(-1);
    printf("%s %04o %u:%u\n",
           S_ISCHR(st.st_mode)   ? "char"
           : S_ISBLK(st.st_mode) ? "block"
           : S_ISDIR(st.st_mode) ? "dir"
           : S_ISLNK(st.st_mode) ? "link"
           : S_ISFIFO(st.st_mode) ? "fifo"
                                  : "file",
           (unsigned)(st.st_mode & 07777), major(st.st_rdev), minor(st.st_rdev));
    return 0;
}

static void
on_term(int sig)
{
    (void)sig;
    _exit(0);
}

static int
do_env(const char *key)
{
    extern char **environ;

    if (key) {
        const char *v = getenv(key);
        if (!v)
            return 1;
        printf("%s\n", v);
        return 0;
    }
    for (char **e = environ; *e; e++)
        printf("%s\n", *e);
    return 0;
}

int
main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "true";
    const char *a = argc > 2 ? argv[2] : NULL;
    char buf[4096];

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(cmd, "true") == 0)
        return 0;
    if (strcmp(cmd, "exit") == 0)
        return a ? atoi(a) : 0;
    if (strcmp(cmd, "echo") == 0) {
        for (int i = 2; i < argc; i++)
            printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
        return 0;
    }
    if (strcmp(cmd, "sleep") == 0) {
        sleep(a ? (unsigned)atoi(a) : 1);
        return 0;
    }
    if (strcmp(cmd, "pause") == 0) {
        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);
        for (;;)
            pause();
    }
    if (strcmp(cmd, "caps") == 0)
        return status_field("");
    if (strcmp(cmd, "status") == 0 && a)
        return status_field(a);
    if (strcmp(cmd, "open") == 0 && a)
        return report(open(a, argc > 3 && argv[3][0] == 'w' ? O_WRONLY : O_RDONLY));
    if (strcmp(cmd, "write") == 0 && a)
        return report(open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    if (strcmp(cmd, "mkdir") == 0 && a)
        return report(mkdir(a, 0755));
    if (strcmp(cmd, "syscall") == 0 && a)
        return do_syscall(a);
    if (strcmp(cmd, "fork") == 0 && a)
        return do_fork(atoi(a));
    if (strcmp(cmd, "alloc") == 0 && a)
        return do_alloc(atol(a));
    if (strcmp(cmd, "id") == 0)
        return do_id();
    if (strcmp(cmd, "ns") == 0)
        return do_ns();
    if (strcmp(cmd, "hostname") == 0) {
        gethostname(buf, sizeof(buf));
        printf("%s\n", buf);
        return 0;
    }
    if (strcmp(cmd, "cwd") == 0) {
        printf("%s\n", getcwd(buf, sizeof(buf)) ? buf : "?");
        return 0;
    }
    if (strcmp(cmd, "umask") == 0) {
        mode_t m = umask(0);
        printf("%04o\n", (unsigned)m);
        return 0;
    }
    if (strcmp(cmd, "env") == 0)
        return do_env(a);
    if (strcmp(cmd, "rlimit") == 0 && a)
        return do_rlimit(a);
    if (strcmp(cmd, "cat") == 0 && a)
        return cat(a);
    if (strcmp(cmd, "stat") == 0 && a)
        return do_stat(a);
    if (strcmp(cmd, "isatty") == 0) {
        printf("%s\n", isatty(0) ? "tty" : "notty");
        return 0;
    }
    fprintf(stderr, "init: unknown command '%s'\n", cmd);
    return 2;
}
