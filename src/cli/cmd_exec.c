/* SPDX-License-Identifier: Apache-2.0 */
/* bolt exec, top, stats: looking into a running container. */
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds_bolt.h"
#include "cli/engine_cli.h"
#include "engine/engine.h"
#include "util/fs.h"
#include "util/mem.h"

int
cmd_bolt_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        {"interactive", no_argument, NULL, 'i'}, {"tty", no_argument, NULL, 't'},
        {"detach", no_argument, NULL, 'd'},      {"env", required_argument, NULL, 'e'},
        {"user", required_argument, NULL, 'u'},  {"workdir", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    struct bolt_exec_opts eo = {0};
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    struct bolt_container *ct = NULL;
    int c, code = CLI_EXIT_ENGINE;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+itde:u:w:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            eo.interactive = true;
            break;
        case 't':
            eo.tty = true;
            break;
        case 'd':
            eo.detach = true;
            break;
        case 'e':
            bolt_strv_push(&eo.env, optarg);
            break;
        case 'u':
            free(eo.user);
            eo.user = xstrdup(optarg);
            break;
        case 'w':
            free(eo.workdir);
            eo.workdir = xstrdup(optarg);
            break;
        case 'h':
            printf("usage: bolt exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] CONTAINER "
                   "COMMAND [ARG...]\n");
            return 0;
        default:
            return CLI_EXIT_ENGINE;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr,
                "bolt exec: missing %s (usage: bolt exec [OPTIONS] CONTAINER COMMAND "
                "[ARG...])\n",
                optind < argc ? "COMMAND" : "CONTAINER and COMMAND");
        goto out;
    }
    for (int i = optind + 1; i < argc; i++)
        bolt_strv_push(&eo.args, argv[i]);
    if (engine_cli_store(&st, &err) < 0) {
        bolt_err_print("bolt", &err);
        goto out;
    }
    ct = bolt_ctrs_lookup(&st, argv[optind], &err);
    if (!ct || bolt_engine_exec(&st, ct, &eo, &code, &err) < 0) {
        if (code == CLI_EXIT_NOEXEC || code == CLI_EXIT_NOTFOUND)
            err.errnum = 0;
        bolt_err_print("bolt", &err);
    }
    bolt_container_free(ct);
    bolt_ctrs_fini(&st);
out:
    bolt_strv_free(eo.args);
    bolt_strv_free(eo.env);
    free(eo.user);
    free(eo.workdir);
    return code;
}

/* One `ps`-like line for pid from /proc. */
static void
top_line(pid_t pid)
{
    char path[64];
    cleanup_free char *stattext = NULL;
    cleanup_free char *cmd = NULL;
    size_t len = 0;
    struct stat_fields {
        char state;
        long ppid;
        unsigned long utime, stime;
    } f = {0};
    char *rp;
    uid_t uid = 0;
    const char *user = "?";
    struct passwd *pw;
    long hz = sysconf(_SC_CLK_TCK);

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    stattext = bolt_read_file(path, NULL, NULL);
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    cmd = bolt_read_file(path, &len, NULL);
    if (!stattext || !cmd)
        return;
    rp = strrchr(stattext, ')');
    if (!rp
        || sscanf(rp + 2, "%c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &f.state, &f.ppid,
                  &f.utime, &f.stime)
               != 4)
        return;
    for (size_t i = 0; len > 0 && i < len - 1; i++)
        if (cmd[i] == '\0')
            cmd[i] = ' ';
    {
        struct stat sb;
        snprintf(path, sizeof(path), "/proc/%d", pid);
        if (stat(path, &sb) == 0)
            uid = sb.st_uid;
    }
    pw = getpwuid(uid);
    if (pw)
        user = pw->pw_name;
    {
        unsigned long secs = (f.utime + f.stime) / (unsigned long)(hz > 0 ? hz : 100);
        printf("%-10s %-8d %-8ld %c    %02lu:%02lu:%02lu %s\n", user, pid, f.ppid, f.state,
               secs / 3600, (secs / 60) % 60, secs % 60, len ? cmd : "");
    }
}

int
cmd_bolt_top(int argc, char **argv)
{
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    struct bolt_container *ct = NULL;
    pid_t *pids = NULL;
    size_t n = 0;
    int rc = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout, "usage: bolt top CONTAINER\n");
        return argc < 2 ? CLI_EXIT_USAGE : 0;
    }
    if (engine_cli_store(&st, &err) < 0) {
        bolt_err_print("bolt", &err);
        return CLI_EXIT_FAIL;
    }
    ct = bolt_ctrs_lookup(&st, argv[1], &err);
    if (!ct || bolt_engine_pids(&st, ct, &pids, &n, &err) < 0) {
        bolt_err_print("bolt", &err);
        rc = CLI_EXIT_FAIL;
    } else {
        printf("%-10s %-8s %-8s %-4s %-8s %s\n", "UID", "PID", "PPID", "STAT", "TIME", "CMD");
        for (size_t i = 0; i < n; i++)
            top_line(pids[i]);
    }
    free(pids);
    bolt_container_free(ct);
    bolt_ctrs_fini(&st);
    return rc;
}

struct stat_sample {
    struct bolt_container *c;
    struct bolt_engine_stats a, b;
    bool ok;
};

static void
print_stats(struct stat_sample *s, size_t n, double secs, bool json)
{
    json_t *arr = json ? json_array() : NULL;

    if (!json)
        printf("%-12s  %-24s  %-8s  %-24s  %-7s  %s\n", "CONTAINER ID", "NAME", "CPU %",
               "MEM USAGE / LIMIT", "MEM %", "PIDS");
    for (size_t i = 0; i < n; i++) {
        char u[32], l[32], mem[72];
        double cpu = 0.0, memp = 0.0;
        if (!s[i].ok)
            continue;
        if (s[i].b.has_cpu && secs > 0)
            cpu = (double)(s[i].b.cpu_ns - s[i].a.cpu_ns) / (secs * 1e9) * 100.0;
        if (s[i].b.mem_limit != UINT64_MAX && s[i].b.mem_limit)
            memp = (double)s[i].b.mem_usage * 100.0 / (double)s[i].b.mem_limit;
        if (json) {
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:f, s:I, s:I, s:I, s:I}", "Id", s[i].c->id, "Name",
                               s[i].c->name, "CPUPerc", cpu, "CPUNanos", (json_int_t)s[i].b.cpu_ns,
                               "MemUsage", (json_int_t)s[i].b.mem_usage, "MemLimit",
                               s[i].b.mem_limit == UINT64_MAX ? (json_int_t)-1
                                                              : (json_int_t)s[i].b.mem_limit,
                               "Pids", (json_int_t)s[i].b.pids));
            continue;
        }
        snprintf(mem, sizeof(mem), "%s / %s", engine_cli_human_size(s[i].b.mem_usage, u, sizeof(u)),
                 s[i].b.mem_limit == UINT64_MAX
                     ? "unlimited"
                     : engine_cli_human_size(s[i].b.mem_limit, l, sizeof(l)));
        printf("%-12.12s  %-24s  %6.2f%%  %-24s  %6.2f%%  %llu\n", s[i].c->id, s[i].c->name, cpu,
               mem, memp, (unsigned long long)s[i].b.pids);
    }
    if (json) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        printf("\n");
        json_decref(arr);
    }
    fflush(stdout);
}

static int
stats_round(struct stat_sample *s, size_t n, bool json)
{
    struct timespec t0, t1, d = {0, 500 * 1000000L};
    struct bolt_err err = {0};

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++)
        s[i].ok = bolt_engine_stats(s[i].c, &s[i].a, &err) == 0;
    nanosleep(&d, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (size_t i = 0; i < n; i++)
        s[i].ok = s[i].ok && bolt_engine_stats(s[i].c, &s[i].b, &err) == 0;
    print_stats(s, n, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
                json);
    return 0;
}

int
cmd_bolt_stats(int argc, char **argv)
{
    static const struct option opts[] = {
        {"no-stream", no_argument, NULL, 'n'},
        {"all", no_argument, NULL, 'a'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    struct bolt_container **v = NULL;
    struct stat_sample *s = NULL;
    bool stream = true, json = false;
    size_t n = 0, m = 0;
    int c, rc = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        if (c == 'n')
            stream = false;
        else if (c == 'F' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
            json = strcmp(optarg, "json") == 0;
        else if (c == 'a')
            continue;
        else if (c == 'h') {
            printf("usage: bolt stats [--no-stream] [--format table|json] [CONTAINER...]\n");
            return 0;
        } else
            return cli_usage_error("bolt stats", "see 'bolt stats --help'");
    }
    if (engine_cli_store(&st, &err) < 0 || !(v = bolt_ctrs_list(&st, &n, &err))) {
        bolt_err_print("bolt", &err);
        return CLI_EXIT_FAIL;
    }
    s = xcalloc(n + 1, sizeof(*s));
    for (size_t i = 0; i < n; i++) {
        bool want = optind >= argc;
        for (int a = optind; a < argc && !want; a++)
            want = strcmp(argv[a], v[i]->name) == 0
                   || strncmp(v[i]->id, argv[a], strlen(argv[a])) == 0;
        if (want && bolt_engine_is_running(&st, v[i]))
            s[m++].c = v[i];
        else if (want && optind < argc) {
            fprintf(stderr, "bolt: container %s is not running\n", v[i]->name);
            rc = CLI_EXIT_FAIL;
        }
    }
    do {
        if (stream && isatty(1))
            printf("\033[2J\033[H");
        stats_round(s, m, json);
    } while (stream);
    free(s);
    bolt_ctrs_list_free(v, n);
    bolt_ctrs_fini(&st);
    return rc;
}
