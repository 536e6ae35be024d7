/* SPDX-License-Identifier: Apache-2.0 */
#include "engine/opts.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine/tune.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/net.h"

void
bolt_run_opts_init(struct bolt_run_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->stop_timeout = -1;
}

void
bolt_run_opts_fini(struct bolt_run_opts *o)
{
    char **strs[] = {&o->image,       &o->name,       &o->workdir,     &o->user,    &o->entrypoint,
                     &o->hostname,    &o->memory,     &o->memory_swap, &o->cpus,    &o->cpuset_cpus,
                     &o->cpu_shares,  &o->pids_limit, &o->shm_size,    &o->restart, &o->network,
                     &o->stop_signal, &o->runtime,     &o->hugepages};
    char ***vecs[] = {&o->command, &o->env,           &o->env_files, &o->volumes,
                      &o->tmpfs,   &o->ulimits,       &o->cap_add,   &o->cap_drop,
                      &o->devices, &o->security_opts, &o->labels,    &o->gpus, &o->gaming,
                      &o->add_hosts};

    for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    for (size_t i = 0; i < sizeof(vecs) / sizeof(*vecs); i++) {
        bolt_strv_free(*vecs[i]);
        *vecs[i] = NULL;
    }
}

int
bolt_add_host_parse(const char *spec, bool host_net, char **name, char **ip,
                    struct bolt_err *err)
{
    const char *sep = strpbrk(spec, ":=");
    cleanup_free char *addr = NULL;
    size_t alen;

    *name = *ip = NULL;
    if (!sep || !bolt_hostname_valid(spec, (size_t)(sep - spec)))
        return bolt_err_set(err, 0,
                            "--add-host: invalid value '%s' (expected NAME:IP such as "
                            "db:10.0.0.5 or db:host-gateway)",
                            spec);
    addr = xstrdup(sep + 1);
    alen = strlen(addr);
    if (alen >= 2 && addr[0] == '[' && addr[alen - 1] == ']') {
        memmove(addr, addr + 1, alen - 2);
        addr[alen - 2] = '\0';
    }
    if (strcmp(addr, "host-gateway") == 0) {
        if (!host_net)
            return bolt_err_set(err, 0,
                                "--add-host %s: host-gateway is the host's address as a "
                                "container on a bridge sees it; bolt has no bridge network "
                                "(use --network host, where it is 127.0.0.1)",
                                spec);
        free(addr);
        addr = xstrdup("127.0.0.1");
    } else if (!bolt_ip_addr_valid(addr)) {
        return bolt_err_set(err, 0,
                            "--add-host %s: '%s' is not an IPv4 or IPv6 address (expected "
                            "NAME:IP, or NAME:host-gateway)",
                            spec, addr);
    }
    *name = xstrndup(spec, (size_t)(sep - spec));
    *ip = steal_ptr(&addr);
    return 0;
}

char *
bolt_add_hosts_text(const struct bolt_run_opts *o, struct bolt_err *err)
{
    bool host_net = o->network && strcmp(o->network, "host") == 0;
    char *text = xstrdup("");

    for (size_t i = 0; o->add_hosts && o->add_hosts[i]; i++) {
        cleanup_free char *name = NULL, *ip = NULL;
        char *more;
        if (bolt_add_host_parse(o->add_hosts[i], host_net, &name, &ip, err) < 0) {
            free(text);
            return NULL;
        }
        more = xasprintf("%s%s\t%s\n", text, ip, name);
        free(text);
        text = more;
    }
    return text;
}

void
bolt_engine_image_fini(struct bolt_engine_image *img)
{
    free(img->ref);
    free(img->id);
    bolt_strv_free(img->lowerdirs);
    bolt_strv_free(img->env);
    bolt_strv_free(img->entrypoint);
    bolt_strv_free(img->cmd);
    free(img->workdir);
    free(img->user);
    free(img->stop_signal);
    bolt_kv_free(img->labels, img->n_labels);
    memset(img, 0, sizeof(*img));
}

static const struct {
    const char *name;
    int sig;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

int
bolt_signal_parse(const char *s)
{
    char up[32];
    const char *p;
    size_t i;

    if (!s || !*s)
        return -1;
    if (isdigit((unsigned char)s[0])) {
        char *end = NULL;
        long n = strtol(s, &end, 10);
        return (*end || n < 1 || n > SIGRTMAX) ? -1 : (int)n;
    }
    for (i = 0; s[i] && i < sizeof(up) - 1; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    up[i] = '\0';
    p = strncmp(up, "SIG", 3) == 0 ? up + 3 : up;
    for (i = 0; i < sizeof(signals) / sizeof(*signals); i++)
        if (strcmp(p, signals[i].name) == 0)
            return signals[i].sig;
    if (strncmp(p, "RTMIN+", 6) == 0 && isdigit((unsigned char)p[6])) {
        int n = atoi(p + 6);
        if (SIGRTMIN + n <= SIGRTMAX)
            return SIGRTMIN + n;
    }
    return -1;
}

const char *
bolt_signal_name(int sig, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(signals) / sizeof(*signals); i++) {
        if (signals[i].sig == sig) {
            snprintf(buf, len, "SIG%s", signals[i].name);
            return buf;
        }
    }
    snprintf(buf, len, "SIG%d", sig);
    return buf;
}

int
bolt_volume_parse(const char *spec, char **host, char **ctr, bool *ro, struct bolt_err *err)
{
    cleanup_free char *copy = xstrdup(spec);
    char *parts[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    char *save = NULL;
    bool readonly = false;

    for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
        if (n == 3)
            return bolt_err_set(err, 0,
                                "-v: invalid volume spec '%s' (expected "
                                "HOST-PATH:CONTAINER-PATH[:ro|rw])",
                                spec);
        parts[n++] = t;
    }
    if (n < 2 || spec[0] == ':' || strstr(spec, "::"))
        return bolt_err_set(err, 0,
                            "-v: invalid volume spec '%s' (expected "
                            "HOST-PATH:CONTAINER-PATH[:ro|rw])",
                            spec);
    if (parts[0][0] != '/')
        return bolt_err_set(err, 0,
                            "-v: '%s' is not an absolute host path (named volumes are not "
                            "supported; give an absolute HOST-PATH:CONTAINER-PATH)",
                            parts[0]);
    if (parts[1][0] != '/')
        return bolt_err_set(err, 0, "-v: container path '%s' in '%s' must be absolute", parts[1],
                            spec);
    if (n == 3) {
        cleanup_free char *opts = xstrdup(parts[2]);
        char *s2 = NULL;
        for (char *o = strtok_r(opts, ",", &s2); o; o = strtok_r(NULL, ",", &s2)) {
            if (strcmp(o, "ro") == 0)
                readonly = true;
            else if (strcmp(o, "rw") == 0)
                readonly = false;
            else if (strcmp(o, "z") != 0 && strcmp(o, "Z") != 0)
                return bolt_err_set(err, 0,
                                    "-v: unknown volume option '%s' in '%s' (expected ro, rw, "
                                    "z or Z)",
                                    o, spec);
        }
    }
    *host = xstrdup(parts[0]);
    *ctr = xstrdup(parts[1]);
    *ro = readonly;
    return 0;
}

static const struct {
    const char *name;
    const char *rlimit;
} ulimit_names[] = {
    {"core", "RLIMIT_CORE"},         {"cpu", "RLIMIT_CPU"},
    {"data", "RLIMIT_DATA"},         {"fsize", "RLIMIT_FSIZE"},
    {"locks", "RLIMIT_LOCKS"},       {"memlock", "RLIMIT_MEMLOCK"},
    {"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},
    {"nofile", "RLIMIT_NOFILE"},     {"nproc", "RLIMIT_NPROC"},
    {"rss", "RLIMIT_RSS"},           {"rtprio", "RLIMIT_RTPRIO"},
    {"rttime", "RLIMIT_RTTIME"},     {"sigpending", "RLIMIT_SIGPENDING"},
    {"stack", "RLIMIT_STACK"},       {"as", "RLIMIT_AS"},
};

static int
parse_limit(const char *s, uint64_t *out)
{
    char *end = NULL;
    long long v;

    if (strcmp(s, "-1") == 0 || strcmp(s, "unlimited") == 0) {
        *out = UINT64_MAX;
        return 0;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int
bolt_ulimit_parse(const char *spec, struct bolt_oci_rlimit *out, struct bolt_err *err)
{
    cleanup_free char *copy = xstrdup(spec);
    char *eq = strchr(copy, '=');
    char *colon;
    const char *type = NULL;
    uint64_t soft, hard;

    if (!eq)
        return bolt_err_set(err, 0,
                            "--ulimit: invalid value '%s' (expected NAME=SOFT[:HARD], "
                            "e.g. nofile=1024:4096)",
                            spec);
    *eq = '\0';
    for (size_t i = 0; i < sizeof(ulimit_names) / sizeof(*ulimit_names); i++)
        if (strcmp(copy, ulimit_names[i].name) == 0)
            type = ulimit_names[i].rlimit;
    if (!type)
        return bolt_err_set(err, 0,
                            "--ulimit: unknown limit '%s' in '%s' (expected one of core, "
                            "cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, "
                            "nproc, rss, rtprio, rttime, sigpending, stack, as)",
                            copy, spec);
    colon = strchr(eq + 1, ':');
    if (colon)
        *colon = '\0';
    if (parse_limit(eq + 1, &soft) < 0 || (colon && parse_limit(colon + 1, &hard) < 0))
        return bolt_err_set(err, 0,
                            "--ulimit: invalid number in '%s' (expected NAME=SOFT[:HARD] "
                            "with non-negative integers or -1)",
                            spec);
    if (!colon)
        hard = soft;
    if (soft > hard)
        return bolt_err_set(err, 0, "--ulimit: soft limit above hard limit in '%s'", spec);
    if (strcmp(type, "RLIMIT_NOFILE") == 0) {
        struct rlimit cur;
        /* root lacks CAP_SYS_RESOURCE in its bounding set on some hosts: say so plainly */
        if (getrlimit(RLIMIT_NOFILE, &cur) == 0 && cur.rlim_max != RLIM_INFINITY
            && hard > cur.rlim_max)
            return bolt_err_set(err, 0,
                                "--ulimit: hard limit %llu in '%s' is above this host's hard "
                                "nofile limit %llu, which a container cannot exceed (use at "
                                "most %llu)",
                                (unsigned long long)hard, spec, (unsigned long long)cur.rlim_max,
                                (unsigned long long)cur.rlim_max);
    }
    out->type = xstrdup(type);
    out->soft = soft;
    out->hard = hard;
    return 0;
}

static const char *const cap_names[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

char *
bolt_cap_canon(const char *name)
{
    char up[64];
    const char *p;
    size_t i;

    for (i = 0; name[i] && i < sizeof(up) - 1; i++)
        up[i] = (char)toupper((unsigned char)name[i]);
    up[i] = '\0';
    if (strcmp(up, "ALL") == 0)
        return xstrdup("ALL");
    p = strncmp(up, "CAP_", 4) == 0 ? up + 4 : up;
    for (i = 0; i < sizeof(cap_names) / sizeof(*cap_names); i++)
        if (strcmp(p, cap_names[i]) == 0)
            return xasprintf("CAP_%s", p);
    return NULL;
}

char **
bolt_cap_all(void)
{
    char **v = NULL;

    for (size_t i = 0; i < sizeof(cap_names) / sizeof(*cap_names); i++) {
        cleanup_free char *c = xasprintf("CAP_%s", cap_names[i]);
        bolt_strv_push(&v, c);
    }
    return v;
}

int
bolt_cpus_parse(const char *s, int64_t *quota, uint64_t *period, struct bolt_err *err)
{
    char *end = NULL;
    double v;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0.0))
        return bolt_err_set(err, 0,
                            "--cpus: invalid value '%s' (expected a positive number of "
                            "CPUs such as 0.5 or 2)",
                            s);
    if (ncpu > 0 && v > (double)ncpu)
        return bolt_err_set(err, 0, "--cpus: %s is more than the %ld CPUs this machine has", s,
                            ncpu);
    *period = 100000;
    *quota = (int64_t)(v * 100000.0 + 0.5);
    if (*quota < 1000)
        return bolt_err_set(err, 0, "--cpus: '%s' is below the minimum of 0.01", s);
    return 0;
}

int
bolt_cpuset_check(const char *s, struct bolt_err *err)
{
    long a = 0, b = 0;
    int ncpu;

    if (!*s)
        return bolt_err_set(err, 0, "--cpuset-cpus: empty list (expected e.g. 0-1,3)");
    switch (bolt_cpu_list_scan(s, NULL, &a, &b, &ncpu)) {
    case 0:
        return 0;
    case -3:
        return bolt_err_set(err, 0,
                            "--cpuset-cpus: CPU %ld in '%s' does not exist (this "
                            "machine has CPUs 0-%d)",
                            b, s, ncpu - 1);
    default:
        return bolt_err_set(err, 0,
                            "--cpuset-cpus: invalid list '%s' (expected CPU numbers and "
                            "ranges such as 0-2,4)",
                            s);
    }
}

int
bolt_env_file_read(const char *path, char ***env, struct bolt_err *err)
{
    cleanup_fclose FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;

    if (!f)
        return bolt_err_set(err, errno, "--env-file: open '%s'", path);
    while ((len = getline(&line, &cap, f)) >= 0) {
        char *s = line;
        lineno++;
        bolt_rstrip(s);
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        if (*s == '=') {
            free(line);
            return bolt_err_set(err, 0,
                                "--env-file '%s' line %u: variable name missing before "
                                "'='",
                                path, lineno);
        }
        if (!strchr(s, '=')) {
            const char *v = getenv(s);
            if (v) {
                cleanup_free char *kv = xasprintf("%s=%s", s, v);
                bolt_strv_push(env, kv);
            }
            continue;
        }
        bolt_strv_push(env, s);
    }
    free(line);
    return 0;
}
