/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bolt gaming gpu nvbind`: validate and write the nvbind settings (devices, performance,
 * driver, wsl2) into the nvbind config file, apply --performance system-wide at once, and
 * print the effective settings.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nvbind/config.h"
#include "nvbind/perf.h"
#include "nvbind/perf_config.h"
#include "util/err.h"
#include "util/mem.h"

int cmd_gaming_gpu_nvbind(int argc, char **argv);

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: bolt gaming gpu nvbind [--devices all|LIST] [--performance MODE]\n"
            "                              [--driver TYPE] [--wsl2|--no-wsl2] [--config FILE]\n\n"
            "Validates and writes the nvbind settings, then prints the effective settings.\n\n"
            "  --devices all|LIST   GPUs containers get by default (0,1 or GPU-<uuid>,...)\n"
            "  --performance MODE   ultra, high, balanced or efficient: stored as the default\n"
            "                       of GPU containers and applied to every GPU now (needs\n"
            "                       root); balanced restores what bolt changed\n"
            "  --driver TYPE        auto, nvidia-open, proprietary or nouveau\n"
            "  --wsl2, --no-wsl2    treat the host as WSL2 (/dev/dxg)\n"
            "  --config FILE        the config file (default $BOLT_NVBIND_CONFIG or %s)\n",
            BOLT_NV_CONFIG_FILE);
}

static void
set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = xstrdup(v);
}

static void
print_settings(const struct bolt_nv_settings *s, const struct bolt_nv_config *cfg, const char *path)
{
    printf("config       %s\n", path);
    printf("devices      %s\n", s->devices ? s->devices : "all");
    printf("performance  %s\n", s->performance ? s->performance : "balanced");
    printf("driver       %s\n", s->driver ? s->driver : "auto");
    printf("wsl2         %s\n", s->wsl2 == 1 ? "true" : s->wsl2 == 0 ? "false" : "auto");
    printf("driver_root  %s\n", cfg->driver_root);
    printf("dev_root     %s\n", cfg->dev_root);
    printf("proc_root    %s\n", cfg->proc_root);
    printf("sys_root     %s\n", cfg->sys_root);
}

static int
apply_performance(const char *mode_s, struct bolt_err *err)
{
    struct bolt_nv_config cfg;
    enum bolt_nv_perf_mode mode;
    unsigned n = 0;
    int r;

    if (bolt_nv_perf_mode_parse(mode_s, "--performance", &mode, err) < 0)
        return -1;
    bolt_nv_config_init(&cfg);
    r = bolt_nv_config_load(&cfg, err);
    if (r == 0)
        r = bolt_nv_perf_set_system(&cfg, cli_g.runroot, mode, &n, err);
    bolt_nv_config_fini(&cfg);
    if (r == 0)
        printf("performance %s: %s %u GPU%s\n", mode_s,
               mode == BOLT_NV_PERF_BALANCED ? "restored" : "applied to", n, n == 1 ? "" : "s");
    return r;
}

static int
parse(int argc, char **argv, struct bolt_nv_settings *s, const char **path, bool *changed)
{
    static const struct option opts[] = {
        {"devices", required_argument, NULL, 'd'}, {"performance", required_argument, NULL, 'p'},
        {"driver", required_argument, NULL, 'D'},  {"wsl2", no_argument, NULL, 'w'},
        {"no-wsl2", no_argument, NULL, 'W'},       {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        *changed = *changed || (c != 'c' && c != 'h');
        switch (c) {
        case 'd':
            set_str(&s->devices, optarg);
            break;
        case 'p':
            set_str(&s->performance, optarg);
            break;
        case 'D':
            set_str(&s->driver, optarg);
            break;
        case 'w':
        case 'W':
            s->wsl2 = c == 'w';
            break;
        case 'c':
            *path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            return -1;
        }
    }
    if (optind < argc) {
        cli_usage_error("bolt", "gaming gpu nvbind: unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return 0;
}

int
cmd_gaming_gpu_nvbind(int argc, char **argv)
{
    struct bolt_nv_settings s = {.wsl2 = -1}, cur;
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    const char *path = bolt_nv_settings_path();
    bool changed = false;
    int rc = CLI_EXIT_ENGINE, r;

    cleanup_free char *perf_flag = NULL;
    r = parse(argc, argv, &s, &path, &changed);
    if (r != 0) {
        bolt_nv_settings_fini(&s);
        return r > 0 ? 0 : CLI_EXIT_USAGE;
    }
    if (bolt_nv_settings_validate(&s, &err) < 0) {
        bolt_err_print("bolt", &err);
        bolt_nv_settings_fini(&s);
        return CLI_EXIT_USAGE;
    }
    bolt_nv_config_init(&cfg);
    if (bolt_nv_settings_load(&cur, path, &err) < 0
        || bolt_nv_config_load_file(&cfg, path, true, &err) < 0)
        goto fail;
    bolt_nv_config_apply_env(&cfg);
    perf_flag = s.performance ? xstrdup(s.performance) : NULL;
    if (s.devices)
        set_str(&cur.devices, s.devices);
    if (s.performance)
        set_str(&cur.performance, s.performance);
    if (s.driver)
        set_str(&cur.driver, s.driver);
    if (s.wsl2 >= 0)
        cur.wsl2 = s.wsl2;
    /* the GPUs first: without privileges nothing, not even the file, is changed */
    if (perf_flag && apply_performance(perf_flag, &err) < 0)
        goto fail_cur;
    if (changed && bolt_nv_settings_save(&cur, path, &err) < 0)
        goto fail_cur;
    print_settings(&cur, &cfg, path);
    rc = 0;
    goto out;
fail_cur:
    bolt_nv_settings_fini(&cur);
fail:
    bolt_err_print("bolt", &err);
    bolt_nv_config_fini(&cfg);
    bolt_nv_settings_fini(&s);
    return rc;
out:
    bolt_nv_settings_fini(&cur);
    bolt_nv_config_fini(&cfg);
    bolt_nv_settings_fini(&s);
    return rc;
}
