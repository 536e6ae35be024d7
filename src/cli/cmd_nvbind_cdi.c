/* SPDX-License-Identifier: Apache-2.0 */
/* nvbind cdi generate | list | validate */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds_nvbind.h"
#include "nvbind/cdi.h"
#include "nvbind/inject.h"
#include "util/fs.h"
#include "util/mem.h"

static int
fail(const struct bolt_err *err)
{
    bolt_err_print("nvbind", err);
    return CLI_EXIT_FAIL;
}

static int
parse_strategy(const char *s, unsigned *out)
{
    if (strcmp(s, "index") == 0)
        *out |= BOLT_NV_CDI_NAMES_INDEX;
    else if (strcmp(s, "uuid") == 0)
        *out |= BOLT_NV_CDI_NAMES_UUID;
    else if (strcmp(s, "type-index") == 0)
        *out |= BOLT_NV_CDI_NAMES_TYPE_INDEX;
    else {
        cli_usage_error("nvbind", "cdi generate --device-name-strategy: unknown strategy '%s' "
                                  "(expected index, uuid or type-index)", s);
        return -1;
    }
    return 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int
emit(const struct bolt_cdi_spec *s, const char *output, bool yaml, struct bolt_err *err)
{
    json_t *j = bolt_cdi_spec_to_json(s);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int r = 0;

    if (yaml) {
        bolt_cdi_write_yaml(f, j);
    } else {
        json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', f);
    }
    fclose(f);
    json_decref(j);
    if (output == NULL || strcmp(output, "-") == 0)
        fwrite(text, 1, len, stdout);
    else
        r = bolt_write_file_atomic(output, text, len, 0644, err);
    free(text);
    return r;
}

static int
check_mode(const struct bolt_nv_plan *plan, const char *mode, struct bolt_err *err)
{
    if (strcmp(mode, "wsl") == 0 && plan->type != BOLT_NV_DRIVER_WSL)
        return bolt_err_set(err, 0, "--mode wsl: this driver root is not WSL2 (driver type %s); "
                                    "use --mode auto", bolt_nv_driver_type_str(plan->type));
    if (strcmp(mode, "nvml") == 0 && strcmp(plan->source, "nvml") != 0)
        return bolt_err_set(err, 0, "--mode nvml: NVML could not be loaded from the driver root "
                                    "(the GPU list came from %s); use --mode auto",
                            plan->source);
    return 0;
}

static int
cdi_generate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"device-name-strategy", required_argument, NULL, 's'},
        {"driver-root", required_argument, NULL, 'D'},
        {"dev-root", required_argument, NULL, 'E'},
        {"proc-root", required_argument, NULL, 'P'},
        {"sys-root", required_argument, NULL, 'S'},
        {"mode", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    cleanup_nv_plan struct bolt_nv_plan *plan = NULL;
    cleanup_cdi_spec struct bolt_cdi_spec *spec = NULL;
    const char *output = NULL, *format = NULL, *mode = "auto";
    char self[PATH_MAX];
    unsigned strategies = 0;
    ssize_t n;
    int c, r = CLI_EXIT_FAIL;

    bolt_nv_config_init(&cfg);
    if (bolt_nv_config_load(&cfg, &err) < 0) {
        bolt_nv_config_fini(&cfg);
        return fail(&err);
    }
    optind = 0;
    while ((c = getopt_long(argc, argv, "+o:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 's':
            if (parse_strategy(optarg, &strategies) < 0)
                goto usage;
            break;
        case 'D':
        case 'E':
        case 'P':
        case 'S': {
            const char *which = c == 'D' ? "driver" : c == 'E' ? "dev" : c == 'P' ? "proc" : "sys";
            if (bolt_nv_config_set_root(&cfg, which, optarg, &err) < 0) {
                bolt_err_print("nvbind", &err);
                goto usage;
            }
            break;
        }
        case 'm':
            mode = optarg;
            if (strcmp(mode, "auto") && strcmp(mode, "nvml") && strcmp(mode, "wsl")) {
                cli_usage_error("nvbind", "cdi generate --mode: expected auto, nvml or wsl, got "
                                          "'%s'", mode);
                goto usage;
            }
            break;
        case 'h':
            printf("usage: nvbind cdi generate [--output FILE] [--format json|yaml]\n"
                   "         [--device-name-strategy index|uuid|type-index]... [--driver-root DIR]\n"
                   "         [--dev-root DIR] [--proc-root DIR] [--sys-root DIR] "
                   "[--mode auto|nvml|wsl]\n");
            bolt_nv_config_fini(&cfg);
            return 0;
        default:
            goto usage;
        }
    }
    if (optind != argc) {
        cli_usage_error("nvbind", "cdi generate: unexpected argument '%s'", argv[optind]);
        goto usage;
    }
    if (format && strcmp(format, "json") && strcmp(format, "yaml")) {
        cli_usage_error("nvbind", "cdi generate --format: expected json or yaml, got '%s'", format);
        goto usage;
    }
    if (format == NULL)
        format = output && (ends_with(output, ".yaml") || ends_with(output, ".yml")) ? "yaml"
                                                                                     : "json";
    if (strategies == 0)
        strategies = BOLT_NV_CDI_NAMES_INDEX | BOLT_NV_CDI_NAMES_UUID;
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        bolt_err_set(&err, errno, "resolve the nvbind binary for the hooks");
        goto out;
    }
    self[n] = 0;
    if (bolt_nv_config_validate(&cfg, &err) < 0)
        goto out;
    plan = bolt_nv_plan_get(&cfg, nvbind_g.root, strcmp(mode, "wsl") != 0, NULL, &err);
    if (plan == NULL || check_mode(plan, mode, &err) < 0)
        goto out;
    spec = bolt_nv_cdi_generate(plan, strategies, self, &err);
    if (spec == NULL || bolt_cdi_spec_validate(spec, &err) < 0)
        goto out;
    for (size_t i = 0; plan->warnings && plan->warnings[i]; i++)
        fprintf(stderr, "nvbind: warning: %s\n", plan->warnings[i]);
    if (emit(spec, output, strcmp(format, "yaml") == 0, &err) < 0)
        goto out;
    r = 0;
out:
    if (r)
        bolt_err_print("nvbind", &err);
    bolt_nv_config_fini(&cfg);
    return r;
usage:
    bolt_nv_config_fini(&cfg);
    return CLI_EXIT_USAGE;
}

static int
spec_dir_opts(int argc, char **argv, const char *verb, char ***dirs)
{
    static const struct option opts[] = {
        {"spec-dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            bolt_strv_push(dirs, optarg);
            break;
        case 'h':
            printf("usage: nvbind cdi %s [--spec-dir DIR]...%s\n"
                   "  spec dirs default to /etc/cdi and /var/run/cdi (or $BOLT_CDI_SPEC_DIRS); a "
                   "later dir has priority\n", verb, strcmp(verb, "validate") == 0 ? " [FILE...]" : "");
            return 1;
        default:
            return -1;
        }
    }
    if (*dirs == NULL)
        *dirs = bolt_cdi_default_dirs();
    return 0;
}

static int
cdi_list(int argc, char **argv)
{
    cleanup_strv char **dirs = NULL;
    struct bolt_cdi_registry reg;
    struct bolt_err err = {0};
    int r = spec_dir_opts(argc, argv, "list", &dirs);

    if (r)
        return r > 0 ? 0 : CLI_EXIT_USAGE;
    if (optind != argc)
        return cli_usage_error("nvbind", "cdi list: unexpected argument '%s'", argv[optind]);
    bolt_cdi_registry_load(&reg, dirs, &err);
    for (size_t i = 0; reg.errors && reg.errors[i]; i++)
        fprintf(stderr, "nvbind: warning: skipped spec: %s\n", reg.errors[i]);
    for (size_t i = 0; i < reg.n_entries; i++) {
        const struct bolt_cdi_entry *e = &reg.entries[i];
        if (e->conflict)
            printf("%s\t(conflict: %s and %s)\n", e->qualified, e->spec->path, e->conflict->path);
        else
            printf("%s\n", e->qualified);
    }
    bolt_cdi_registry_fini(&reg);
    return 0;
}

static int
validate_one(const char *path)
{
    struct bolt_err err = {0};
    cleanup_cdi_spec struct bolt_cdi_spec *s = bolt_cdi_spec_load(path, 0, &err);

    if (s && bolt_cdi_spec_validate(s, &err) == 0) {
        printf("%s: valid (cdiVersion %s, kind %s, %zu devices)\n", path, s->version, s->kind,
               s->n_devices);
        return 0;
    }
    if (s)
        bolt_err_wrap(&err, "%s", path);
    bolt_err_print("nvbind", &err);
    return 1;
}

static int
cdi_validate(int argc, char **argv)
{
    cleanup_strv char **dirs = NULL;
    int r = spec_dir_opts(argc, argv, "validate", &dirs), bad = 0;

    if (r)
        return r > 0 ? 0 : CLI_EXIT_USAGE;
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            bad |= validate_one(argv[i]);
        return bad;
    }
    /* no file: every spec in the spec dirs */
    for (size_t d = 0; dirs[d]; d++) {
        struct bolt_cdi_registry reg;
        char *one[] = {dirs[d], NULL};
        bolt_cdi_registry_load(&reg, one, NULL);
        for (size_t i = 0; i < reg.n_specs; i++)
            printf("%s: valid (cdiVersion %s, kind %s, %zu devices)\n", reg.specs[i]->path,
                   reg.specs[i]->version, reg.specs[i]->kind, reg.specs[i]->n_devices);
        for (size_t i = 0; reg.errors && reg.errors[i]; i++) {
            fprintf(stderr, "nvbind: %s\n", reg.errors[i]);
            bad = 1;
        }
        bolt_cdi_registry_fini(&reg);
    }
    return bad;
}

int
cmd_nvbind_cdi(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("usage: nvbind cdi generate|list|validate [OPTIONS]\n"
               "  generate  write a CDI spec (kind nvidia.com/gpu) for this host's GPUs\n"
               "  list      device names defined by the specs in the spec dirs\n"
               "  validate  check spec files (schema and semantics)\n");
        return argc < 2 ? CLI_EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "generate") == 0)
        return cdi_generate(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return cdi_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "validate") == 0)
        return cdi_validate(argc - 1, argv + 1);
    return cli_usage_error("nvbind", "cdi: unknown command '%s' (expected generate, list or "
                                     "validate)", argv[1]);
}
