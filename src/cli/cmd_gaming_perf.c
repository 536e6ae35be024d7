/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bolt gaming performance [--container NAME] [--follow] [--interval S]
 * [--format table|json] [--report [FILE] [--duration S]]`: live GPU and container figures.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nvbind/config.h"
#include "nvbind/metrics.h"
#include "nvbind/report.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"

int cmd_gaming_performance(int argc, char **argv);

#define PROG "bolt gaming performance"

static volatile sig_atomic_t g_stop;

static void
on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* Sleep s seconds unless a signal asks to stop. */
static void
nap(double s)
{
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    while (!g_stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void
fmt_bytes(json_t *v, char *buf, size_t len)
{
    if (!json_is_integer(v)) {
        snprintf(buf, len, "n/a");
        return;
    }
    double b = (double)json_integer_value(v);
    if (b >= 1024.0 * 1024 * 1024)
        snprintf(buf, len, "%.1fG", b / (1024.0 * 1024 * 1024));
    else
        snprintf(buf, len, "%.0fM", b / (1024.0 * 1024));
}

/* "<pre><value with prec decimals><suf>" or "n/a" when the driver did not report it */
static void
fmt_num(json_t *v, const char *pre, int prec, const char *suf, char *buf, size_t len)
{
    if (json_is_number(v))
        snprintf(buf, len, "%s%.*f%s", pre, prec, json_number_value(v), suf);
    else
        snprintf(buf, len, "n/a");
}

static void
print_table(json_t *s, FILE *out)
{
    size_t i;
    json_t *g, *c;
    const char *gerr = json_string_value(json_object_get(s, "gpu_error"));

    if (gerr) {
        fprintf(out, "GPUs: none measured (%s)\n", gerr);
    } else {
        fprintf(out, "%-3s %-20s %5s %5s %-13s %5s %-13s %-15s %4s %-3s %s\n", "GPU", "NAME",
                "UTIL", "MEMU", "MEMORY", "TEMP", "POWER/LIMIT", "GFX/SM/MEM MHZ", "FAN", "P",
                "THROTTLE");
        json_array_foreach(json_object_get(s, "gpus"), i, g) {
            char util[16], memu[16], mu[16], mt[16], mem[32], temp[16], pw[16], pl[16], pwr[40],
                ck[3][16], clk[64], fan[16], ps[16], thr[256] = "";
            json_t *t = json_object_get(g, "throttle");
            fmt_num(json_object_get(g, "util_gpu"), "", 0, "%", util, sizeof(util));
            fmt_num(json_object_get(g, "util_memory"), "", 0, "%", memu, sizeof(memu));
            fmt_bytes(json_object_get(g, "mem_used"), mu, sizeof(mu));
            fmt_bytes(json_object_get(g, "mem_total"), mt, sizeof(mt));
            snprintf(mem, sizeof(mem), "%s/%s", mu, mt);
            fmt_num(json_object_get(g, "temperature_c"), "", 0, "C", temp, sizeof(temp));
            fmt_num(json_object_get(g, "power_w"), "", 1, "", pw, sizeof(pw));
            fmt_num(json_object_get(g, "power_limit_w"), "", 0, "W", pl, sizeof(pl));
            snprintf(pwr, sizeof(pwr), "%s/%s", pw, pl);
            fmt_num(json_object_get(g, "clock_graphics_mhz"), "", 0, "", ck[0], sizeof(ck[0]));
            fmt_num(json_object_get(g, "clock_sm_mhz"), "", 0, "", ck[1], sizeof(ck[1]));
            fmt_num(json_object_get(g, "clock_mem_mhz"), "", 0, "", ck[2], sizeof(ck[2]));
            snprintf(clk, sizeof(clk), "%s/%s/%s", ck[0], ck[1], ck[2]);
            fmt_num(json_object_get(g, "fan_pct"), "", 0, "%", fan, sizeof(fan));
            fmt_num(json_object_get(g, "pstate"), "P", 0, "", ps, sizeof(ps));
            if (!json_is_array(t)) {
                snprintf(thr, sizeof(thr), "n/a");
            } else if (json_array_size(t) == 0) {
                snprintf(thr, sizeof(thr), "none");
            } else {
                size_t k;
                json_t *r;
                json_array_foreach(t, k, r) {
                    size_t o = strlen(thr);
                    snprintf(thr + o, sizeof(thr) - o, "%s%s", k ? "," : "", json_string_value(r));
                }
            }
            fprintf(out, "%-3lld %-20.20s %5s %5s %-13s %5s %-13s %-15s %4s %-3s %s\n",
                    json_integer_value(json_object_get(g, "index")),
                    json_string_value(json_object_get(g, "name")), util, memu, mem, temp, pwr,
                    clk, fan, ps, thr);
        }
    }
    fprintf(out, "\n%-20s %-12s %-8s %7s %-15s %s\n", "CONTAINER", "ID", "PID", "CPU", "MEMORY",
            "GPU MEMORY");
    json_array_foreach(json_object_get(s, "containers"), i, c) {
        char cpu[16], mu[16], ml[16], mem[40], gm[16];
        fmt_num(json_object_get(c, "cpu_pct"), "", 1, "%", cpu, sizeof(cpu));
        fmt_bytes(json_object_get(c, "mem_used"), mu, sizeof(mu));
        if (json_is_integer(json_object_get(c, "mem_limit")))
            fmt_bytes(json_object_get(c, "mem_limit"), ml, sizeof(ml));
        else
            snprintf(ml, sizeof(ml), "-");
        snprintf(mem, sizeof(mem), "%s/%s", mu, ml);
        fmt_bytes(json_object_get(c, "gpu_mem_total"), gm, sizeof(gm));
        fprintf(out, "%-20.20s %-12.12s %-8lld %7s %-15s %s\n",
                json_string_value(json_object_get(c, "name")),
                json_string_value(json_object_get(c, "id")),
                json_integer_value(json_object_get(c, "pid")), cpu, mem, gm);
    }
    if (json_array_size(json_object_get(s, "containers")) == 0)
        fprintf(out, "(no running container)\n");
}

static int
parse_seconds(const char *s, const char *flag, double lo, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo) || v > 86400) {
        cli_usage_error(PROG, "%s '%s': expected seconds, at least %g (e.g. 0.5 or 10)", flag, s,
                        lo);
        return -1;
    }
    *out = v;
    return 0;
}

static void
usage(void)
{
    printf("usage: bolt gaming performance [--container NAME] [--follow] [--interval S]\n"
           "                               [--format table|json]\n"
           "       bolt gaming performance --report [FILE] [--duration S] [--interval S]\n\n"
           "Per GPU: utilization, memory, temperature, power and limit, clocks, fan, "
           "performance state and throttle reasons (NVML). Per running container: CPU and "
           "memory from its cgroup, and its GPU memory (NVML processes mapped by cgroup).\n\n"
           "  --container NAME   only this container\n"
           "  --follow           redraw every interval until Ctrl-C (json: one object per "
           "line)\n"
           "  --interval S       seconds between samples (default 1)\n"
           "  --format FMT       table (default) or json\n"
           "  --report [FILE]    sample for --duration, then write an HTML report with SVG "
           "charts (default bolt-performance-DATE.html)\n"
           "  --duration S       how long --report samples (default 10; Ctrl-C ends early)\n"
           "  --driver-root/--dev-root/--proc-root/--sys-root DIR  where the driver is\n");
}

static int
write_report(json_t *samples, const char *file)
{
    struct bolt_err err = {0};
    cleanup_free char *html = bolt_report_html(samples, "bolt performance report");

    if (bolt_write_file_atomic(file, html, strlen(html), 0644, &err) < 0) {
        bolt_err_print(PROG, &err);
        return CLI_EXIT_FAIL;
    }
    fprintf(stderr, "report: %s (%zu samples)\n", file, json_array_size(samples));
    return 0;
}

int
cmd_gaming_performance(int argc, char **argv)
{
    static const struct option opts[] = {
        {"container", required_argument, NULL, 'c'}, {"follow", no_argument, NULL, 'F'},
        {"interval", required_argument, NULL, 'i'},  {"format", required_argument, NULL, 'f'},
        {"report", optional_argument, NULL, 'r'},    {"duration", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},            {"driver-root", required_argument, NULL, 0x100},
        {"dev-root", required_argument, NULL, 0x101}, {"proc-root", required_argument, NULL, 0x102},
        {"sys-root", required_argument, NULL, 0x103}, {NULL, 0, NULL, 0},
    };
    static const char *const roots[] = {"driver", "dev", "proc", "sys"};
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    struct bolt_metrics *m = NULL;
    const char *container = NULL, *format = "table";
    cleanup_free char *report = NULL;
    bool follow = false, want_report = false, duration_given = false;
    double interval = 1, duration = 10;
    int c, rc = CLI_EXIT_USAGE;
    struct sigaction sa = {.sa_handler = on_signal};

    bolt_nv_config_init(&cfg);
    if (bolt_nv_config_load(&cfg, &err) < 0) {
        bolt_err_print(PROG, &err);
        bolt_nv_config_fini(&cfg);
        return CLI_EXIT_ENGINE;
    }
    optind = 0;
    while ((c = getopt_long(argc, argv, "+c:Fi:f:r::d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            container = optarg;
            break;
        case 'F':
            follow = true;
            break;
        case 'i':
            if (parse_seconds(optarg, "--interval", 0.05, &interval) < 0)
                goto out;
            break;
        case 'f':
            format = optarg;
            break;
        case 'r':
            want_report = true;
            if (optarg)
                report = xstrdup(optarg);
            else if (optind < argc && argv[optind][0] != '-')
                report = xstrdup(argv[optind++]);
            break;
        case 'd':
            if (parse_seconds(optarg, "--duration", 0.1, &duration) < 0)
                goto out;
            duration_given = true;
            break;
        case 'h':
            usage();
            rc = 0;
            goto out;
        case 0x100:
        case 0x101:
        case 0x102:
        case 0x103:
            if (bolt_nv_config_set_root(&cfg, roots[c - 0x100], optarg, &err) < 0) {
                bolt_err_print(PROG, &err);
                goto out;
            }
            break;
        default:
            goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        rc = cli_usage_error(PROG, "--format '%s': expected table or json", format);
        goto out;
    }
    if (duration_given && !want_report) {
        rc = cli_usage_error(PROG, "--duration goes with --report (use --follow to watch)");
        goto out;
    }
    if (want_report && follow) {
        rc = cli_usage_error(PROG, "--report and --follow cannot be combined");
        goto out;
    }
    rc = CLI_EXIT_ENGINE;
    if (bolt_nv_config_validate(&cfg, &err) < 0) {
        bolt_err_print(PROG, &err);
        goto out;
    }
    m = bolt_metrics_open(&cfg, cli_g.root, cli_g.runroot, container, &err);
    if (m == NULL) {
        bolt_err_print(PROG, &err);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (want_report) {
        json_t *samples = json_array();
        double elapsed = 0;
        if (report == NULL) {
            char name[64];
            time_t now = time(NULL);
            struct tm tm;
            strftime(name, sizeof(name), "bolt-performance-%Y%m%d-%H%M%S.html",
                     localtime_r(&now, &tm));
            report = xstrdup(name);
        }
        fprintf(stderr, "sampling every %gs for %gs (Ctrl-C ends early)\n", interval, duration);
        for (;;) {
            json_t *s = bolt_metrics_sample(m, &err);
            if (s == NULL) {
                bolt_err_print(PROG, &err);
                json_decref(samples);
                goto out;
            }
            json_array_append_new(samples, s);
            if (g_stop || elapsed + interval > duration + 1e-9)
                break;
            nap(interval);
            elapsed += interval;
        }
        rc = write_report(samples, report);
        json_decref(samples);
        goto out;
    }

    /* one sample: CPU % over a short window after the open's baseline */
    nap(follow ? interval : (interval < 0.25 ? interval : 0.25));
    bool tty = isatty(STDOUT_FILENO);
    do {
        json_t *s = bolt_metrics_sample(m, &err);
        if (s == NULL) {
            bolt_err_print(PROG, &err);
            goto out;
        }
        if (strcmp(format, "json") == 0) {
            char *j = json_dumps(s, follow ? JSON_COMPACT : JSON_INDENT(2));
            printf("%s\n", j);
            free(j);
        } else {
            if (follow && tty)
                printf("\033[H\033[2J");
            else if (follow)
                printf("--- %.3f\n", json_number_value(json_object_get(s, "time")));
            print_table(s, stdout);
        }
        fflush(stdout);
        json_decref(s);
        if (follow)
            nap(interval);
    } while (follow && !g_stop);
    rc = 0;
out:
    bolt_metrics_close(m);
    bolt_nv_config_fini(&cfg);
    return rc;
}
