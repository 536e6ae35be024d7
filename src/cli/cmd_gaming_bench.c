/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bolt gaming gpu benchmark [--iterations N] [--image REF] [--format table|json]`:
 * passthrough cost measured here, ratios, and what could not be measured and why.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "nvbind/bench.h"
#include "nvbind/config.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"

int cmd_gaming_gpu_benchmark(int argc, char **argv);

#define PROG "bolt gaming gpu benchmark"

static bool
in_path(const char *prog)
{
    const char *path = getenv("PATH");
    cleanup_free char *copy = xstrdup(path ? path : "/usr/bin:/bin");
    char *save = NULL;

    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        cleanup_free char *p = xasprintf("%s/%s", d, prog);
        if (access(p, X_OK) == 0)
            return true;
    }
    return false;
}

/* A NULL-terminated argv of copies of the arguments (NULL ends the list). */
static char **
mkargv(const char *first, ...)
{
    va_list ap;
    char **v = NULL;
    size_t n = 0;

    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        v = xrealloc(v, (n + 2) * sizeof(char *));
        v[n++] = xstrdup(a);
    }
    va_end(ap);
    v[n] = NULL;
    return v;
}

/* Append every item of more to results and drop more. */
static void
extend(json_t *results, json_t *more)
{
    json_array_extend(results, more);
    json_decref(more);
}

static json_t *
find(json_t *results, const char *name)
{
    size_t i;
    json_t *r;

    json_array_foreach(results, i, r) {
        const char *n = json_string_value(json_object_get(r, "name"));
        if (n && strcmp(n, name) == 0)
            return r;
    }
    return NULL;
}

static void
add_ratio(json_t *ratios, json_t *results, const char *what, const char *a, const char *b)
{
    json_t *ra = find(results, a), *rb = find(results, b);

    if (!json_is_true(json_object_get(ra, "measured")) || !json_is_true(json_object_get(rb, "measured")))
        return;
    double x = json_number_value(json_object_get(ra, "median_us"));
    double y = json_number_value(json_object_get(rb, "median_us"));
    if (y > 0)
        json_array_append_new(ratios, json_pack("{s:s,s:f,s:s,s:s}", "name", what, "ratio", x / y,
                                                "of", a, "to", b));
}

static void
print_table(json_t *doc)
{
    size_t i;
    json_t *r;
    int skipped = 0;

    printf("%-48s %12s %12s %12s %5s\n", "MEASUREMENT", "MEDIAN", "MIN", "MAX", "N");
    json_array_foreach(json_object_get(doc, "results"), i, r) {
        if (!json_is_true(json_object_get(r, "measured"))) {
            skipped++;
            continue;
        }
        if (json_object_get(r, "value")) {
            printf("%-48s %12.2f\n", json_string_value(json_object_get(r, "name")),
                   json_number_value(json_object_get(r, "value")));
            continue;
        }
        printf("%-48s %10.1fus %10.1fus %10.1fus %5lld\n",
               json_string_value(json_object_get(r, "name")),
               json_number_value(json_object_get(r, "median_us")),
               json_number_value(json_object_get(r, "min_us")),
               json_number_value(json_object_get(r, "max_us")),
               json_integer_value(json_object_get(r, "samples")));
    }
    if (json_array_size(json_object_get(doc, "ratios")))
        printf("\nratios (medians):\n");
    json_array_foreach(json_object_get(doc, "ratios"), i, r)
        printf("  %-46s %.3f\n", json_string_value(json_object_get(r, "name")),
               json_number_value(json_object_get(r, "ratio")));
    if (skipped)
        printf("\nnot measured:\n");
    json_array_foreach(json_object_get(doc, "results"), i, r)
        if (!json_is_true(json_object_get(r, "measured")))
            printf("  %s: %s\n", json_string_value(json_object_get(r, "name")),
                   json_string_value(json_object_get(r, "why")));
}

int
cmd_gaming_gpu_benchmark(int argc, char **argv)
{
    static const struct option opts[] = {
        {"iterations", required_argument, NULL, 'n'}, {"format", required_argument, NULL, 'f'},
        {"image", required_argument, NULL, 'i'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    const char *format = "table", *image = NULL;
    int iterations = 20, c, rc = CLI_EXIT_USAGE;
    char self[4096];
    ssize_t len;
    json_t *doc = NULL, *results, *ratios;

    bolt_nv_config_init(&cfg);
    optind = 0;
    while ((c = getopt_long(argc, argv, "+n:f:i:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': {
            char *end;
            long v;
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v < 1 || v > 100000) {
                rc = cli_usage_error(PROG, "--iterations '%s': expected a count 1..100000",
                                     optarg);
                goto out;
            }
            iterations = (int)v;
            break;
        }
        case 'f':
            format = optarg;
            break;
        case 'i':
            image = optarg;
            break;
        case 'h':
            printf("usage: bolt gaming gpu benchmark [--iterations N] [--image REF] "
                   "[--format table|json]\n\n"
                   "Measures GPU passthrough cost: bolt's injection (in process), `bolt run` "
                   "with and without --gpu all\n(with --image), CUDA launch latency and "
                   "bandwidth on a real GPU; says what could not be measured.\n\n"
                   "  --iterations N     samples per measurement (default 20)\n"
                   "  --image REF        an image with `true` for the bolt run timings\n"
                   "  --format FMT       table (default) or json\n");
            rc = 0;
            goto out;
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
    rc = CLI_EXIT_ENGINE;
    if (bolt_nv_config_load(&cfg, &err) < 0 || bolt_nv_config_validate(&cfg, &err) < 0) {
        bolt_err_print(PROG, &err);
        goto out;
    }
    doc = json_object();
    results = json_array();
    ratios = json_array();
    json_object_set_new(doc, "iterations", json_integer(iterations));
    json_object_set_new(doc, "results", results);
    json_object_set_new(doc, "ratios", ratios);

    extend(results, bolt_bench_inject(&cfg, cli_g.runroot, iterations));

    len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[len > 0 ? len : 0] = '\0';
    if (image == NULL) {
        const char *why = "no --image given: pass an image that has `true` (e.g. busybox)";
        json_array_append_new(results, bolt_bench_skip("bolt run --rm IMAGE true", why));
        json_array_append_new(results, bolt_bench_skip("bolt run --rm --gpu all IMAGE true", why));
    } else {
        cleanup_strv char **plain = mkargv(self, "--root", cli_g.root, "--runroot", cli_g.runroot,
                                           "run", "--rm", image, "true", NULL);
        cleanup_strv char **gpu = mkargv(self, "--root", cli_g.root, "--runroot", cli_g.runroot,
                                         "run", "--rm", "--gpu", "all", image, "true", NULL);
        json_t *a = json_pack("{s:s}", "name", "bolt run --rm IMAGE true");
        json_t *b = json_pack("{s:s}", "name", "bolt run --rm --gpu all IMAGE true");
        bolt_bench_pair(a, b, plain, gpu, iterations);
        json_array_append_new(results, a);
        json_array_append_new(results, b);
        add_ratio(ratios, results, "bolt run: --gpu all / no GPU", "bolt run --rm --gpu all IMAGE true",
                  "bolt run --rm IMAGE true");
    }

    /* peers */
    if (!in_path("docker"))
        json_array_append_new(results, bolt_bench_skip("docker run --gpus all",
                                                       "docker is not installed"));
    else if (!bolt_path_exists("/var/run/docker.sock"))
        json_array_append_new(results,
                              bolt_bench_skip("docker run --gpus all",
                                              "no docker engine: /var/run/docker.sock is missing "
                                              "(only the client is installed)"));
    else
        json_array_append_new(results,
                              bolt_bench_skip("docker run --gpus all",
                                              "docker's --gpus needs the NVIDIA Container Toolkit "
                                              "hook, which needs a real GPU"));
    if (!in_path("nvidia-container-cli"))
        json_array_append_new(results,
                              bolt_bench_skip("nvidia-container-cli configure",
                                              "nvidia-container-cli is not installed (it is not "
                                              "in Debian; NVIDIA's apt repository has it)"));
    else
        json_array_append_new(results,
                              bolt_bench_skip("nvidia-container-cli configure",
                                              "libnvidia-container reads the real driver through "
                                              "NVML, which needs a real GPU"));
    if (!in_path("podman"))
        json_array_append_new(results, bolt_bench_skip("podman run --device nvidia.com/gpu=all",
                                                       "podman is not installed"));
    else
        json_array_append_new(results,
                              bolt_bench_skip("podman run --device nvidia.com/gpu=all",
                                              "podman's crun refuses a hybrid cgroup host while "
                                              "/sys/fs/cgroup/unified is mounted; bench/gpu/run.sh "
                                              "measures podman + CDI in a private mount namespace"));
    extend(results, bolt_bench_cuda(&cfg, cli_g.runroot, iterations));

    if (strcmp(format, "json") == 0) {
        char *s = json_dumps(doc, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    } else {
        print_table(doc);
    }
    rc = 0;
out:
    json_decref(doc);
    bolt_nv_config_fini(&cfg);
    return rc;
}
