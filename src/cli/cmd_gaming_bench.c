/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bolt gaming gpu benchmark [--iterations N] [--image REF] [--gpu SEL] [--format table|json]`:
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

#define N_BOLT       "bolt run --rm IMAGE true"
#define N_BOLT_GPU   "bolt run --rm --gpu all IMAGE true"
#define N_PODMAN     "podman run --rm IMAGE true"
#define N_PODMAN_GPU "podman run --rm --device nvidia.com/gpu=all IMAGE true"

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

/* doc.gpu_cost_us[]: {name, us}, the median with GPUs minus the median without */
static void
add_cost(json_t *doc, const char *what, const char *with, const char *without)
{
    json_t *results = json_object_get(doc, "results");
    json_t *a = find(results, with), *b = find(results, without);

    if (!json_is_true(json_object_get(a, "measured"))
        || !json_is_true(json_object_get(b, "measured")))
        return;
    json_array_append_new(json_object_get(doc, "gpu_cost_us"),
                          json_pack("{s:s,s:f}", "name", what, "us",
                                    json_number_value(json_object_get(a, "median_us"))
                                        - json_number_value(json_object_get(b, "median_us"))));
}

/* nvbind next to this bolt (as installed and built), else from PATH; NULL if neither */
static char *
find_nvbind(const char *self)
{
    cleanup_free char *dir = xstrdup(self);
    char *slash = strrchr(dir, '/');
    char *p;

    if (slash) {
        *slash = '\0';
        p = xasprintf("%s/nvbind", dir);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return in_path("nvbind") ? xstrdup("nvbind") : NULL;
}

/*
 * bolt run with and without GPUs, and podman run with and without nvbind's CDI spec when
 * podman is installed, all four interleaved run by run.
 */
static void
run_pairs(json_t *doc, const struct bolt_nv_config *cfg, const char *self, const char *image,
          int iterations)
{
    json_t *results = json_object_get(doc, "results"), *ratios = json_object_get(doc, "ratios");
    cleanup_strv char **plain = mkargv(self, "--root", cli_g.root, "--runroot", cli_g.runroot,
                                       "run", "--rm", image, "true", NULL);
    cleanup_strv char **gpu = mkargv(self, "--root", cli_g.root, "--runroot", cli_g.runroot, "run",
                                     "--rm", "--gpu", "all", image, "true", NULL);
    struct bolt_bench_cmd cmds[4] = {{.name = N_BOLT, .argv = plain},
                                     {.name = N_BOLT_GPU, .argv = gpu}};
    struct bolt_bench_podman *pm = NULL;
    struct bolt_err err = {0};
    char buf[600];
    size_t n = 2;

    if (!in_path("podman") || bolt_bench_interrupted()) {
        const char *why = bolt_bench_interrupted() ? "interrupted" : "podman is not installed";
        json_array_append_new(results, bolt_bench_skip(N_PODMAN, why));
        json_array_append_new(results, bolt_bench_skip(N_PODMAN_GPU, why));
    } else {
        cleanup_free char *nvbind = find_nvbind(self);
        pm = bolt_bench_podman_new(cfg, cli_g.root, cli_g.runroot, image, nvbind, &err);
        if (pm == NULL) {
            const char *why = bolt_err_str(&err, buf, sizeof(buf));
            json_array_append_new(results, bolt_bench_skip(N_PODMAN, why));
            json_array_append_new(results, bolt_bench_skip(N_PODMAN_GPU, why));
        } else {
            cmds[n++] = (struct bolt_bench_cmd){.name = N_PODMAN,
                                                .argv = bolt_bench_podman_argv(pm, false),
                                                .ns = bolt_bench_podman_ns(pm)};
            cmds[n++] = (struct bolt_bench_cmd){.name = N_PODMAN_GPU,
                                                .argv = bolt_bench_podman_argv(pm, true),
                                                .ns = bolt_bench_podman_ns(pm)};
        }
    }
    extend(results, bolt_bench_interleaved(cmds, n, iterations));
    if (pm) {
        json_object_set_new(doc, "podman", bolt_bench_podman_info(pm));
        bolt_bench_podman_free(pm);
    }
    add_ratio(ratios, results, "bolt run: --gpu all / no GPU", N_BOLT_GPU, N_BOLT);
    add_ratio(ratios, results, "podman: --device nvidia.com/gpu=all / no GPU", N_PODMAN_GPU,
              N_PODMAN);
    add_ratio(ratios, results, "podman+CDI --gpu / bolt run --gpu all", N_PODMAN_GPU, N_BOLT_GPU);
    add_cost(doc, "bolt run --gpu all", N_BOLT_GPU, N_BOLT);
    add_cost(doc, "podman run --device nvidia.com/gpu=all (CDI)", N_PODMAN_GPU, N_PODMAN);
}

#define N_CUDA_LAUNCH_HOST "cuda: kernel launch + sync (host)"
#define N_CUDA_LAUNCH_CTR  "cuda: kernel launch + sync (container)"

/*
 * CUDA on the host, then the same inside `bolt run --gpu SEL IMAGE` when the host side
 * worked and an image was given; the container/host ratio of the launch latency.
 */
static void
add_cuda(json_t *doc, const struct bolt_nv_config *cfg, const char *self, const char *image,
         const char *gpu, int iterations)
{
    json_t *results = json_object_get(doc, "results");
    const char *why = NULL;

    extend(results, bolt_bench_cuda(cfg, cli_g.runroot, iterations));
    if (!json_is_true(json_object_get(find(results, N_CUDA_LAUNCH_HOST), "measured")))
        why = "not measured on the host (see the host row), so not inside a container either";
    else if (image == NULL)
        why = "no --image given: pass a glibc image (e.g. debian) for the run inside a container";
    else if (bolt_bench_interrupted())
        why = "interrupted";
    if (why) {
        json_array_append_new(results, bolt_bench_skip(N_CUDA_LAUNCH_CTR, why));
        json_array_append_new(
            results, bolt_bench_skip("cuda: host-to-device GB/s, 64 MiB (container)", why));
        return;
    }
    struct bolt_bench_cuda_run run = {
        .bolt = self, .root = cli_g.root, .runroot = cli_g.runroot, .image = image, .gpu = gpu};
    extend(results, bolt_bench_cuda_container(&run, iterations));
    json_t *ratios = json_object_get(doc, "ratios");
    size_t before = json_array_size(ratios);
    add_ratio(ratios, results, "cuda launch: container / host", N_CUDA_LAUNCH_CTR,
              N_CUDA_LAUNCH_HOST);
    if (json_array_size(ratios) > before
        && json_is_true(json_object_get(find(results, N_CUDA_LAUNCH_HOST), "fake")))
        json_object_set_new(json_array_get(ratios, before), "fake", json_true());
}

static void
print_table(json_t *doc)
{
    size_t i;
    json_t *r;
    int skipped = 0, fakes = 0;

    printf("%-56s %12s %12s %12s %5s\n", "MEASUREMENT", "MEDIAN", "MIN", "MAX", "N");
    json_array_foreach(json_object_get(doc, "results"), i, r) {
        if (!json_is_true(json_object_get(r, "measured"))) {
            skipped++;
            continue;
        }
        if (json_is_true(json_object_get(r, "fake")))
            fakes++;
        if (json_object_get(r, "value")) {
            printf("%-56s %12.2f%s\n", json_string_value(json_object_get(r, "name")),
                   json_number_value(json_object_get(r, "value")),
                   json_is_true(json_object_get(r, "fake")) ? " (" BOLT_BENCH_FAKE_NOTE ")" : "");
            continue;
        }
        /* sub-10us figures (CUDA launches) with nanoseconds, the rest to 0.1us */
        int prec = json_number_value(json_object_get(r, "median_us")) < 10 ? 3 : 1;
        printf("%-56s %10.*fus %10.*fus %10.*fus %5lld%s\n",
               json_string_value(json_object_get(r, "name")), prec,
               json_number_value(json_object_get(r, "median_us")), prec,
               json_number_value(json_object_get(r, "min_us")), prec,
               json_number_value(json_object_get(r, "max_us")),
               json_integer_value(json_object_get(r, "samples")),
               json_is_true(json_object_get(r, "fake")) ? " (" BOLT_BENCH_FAKE_NOTE ")" : "");
    }
    if (json_array_size(json_object_get(doc, "ratios")))
        printf("\nratios (medians):\n");
    json_array_foreach(json_object_get(doc, "ratios"), i, r)
        printf("  %-54s %.3f%s\n", json_string_value(json_object_get(r, "name")),
               json_number_value(json_object_get(r, "ratio")),
               json_is_true(json_object_get(r, "fake")) ? " (" BOLT_BENCH_FAKE_NOTE ")" : "");
    if (fakes)
        printf("\n%d figure%s from the test fixture's libcuda.so.1 (it exports bolt_fake_cuda): "
               "host-memory work, not a GPU measurement\n",
               fakes, fakes == 1 ? "" : "s");
    if (json_array_size(json_object_get(doc, "gpu_cost_us")))
        printf("\nGPU cost (median with GPUs - median without):\n");
    json_array_foreach(json_object_get(doc, "gpu_cost_us"), i, r)
        printf("  %-54s %.1fus\n", json_string_value(json_object_get(r, "name")),
               json_number_value(json_object_get(r, "us")));
    if (skipped)
        printf("\nnot measured:\n");
    json_array_foreach(json_object_get(doc, "results"), i, r)
        if (!json_is_true(json_object_get(r, "measured")))
            printf("  %s: %s\n", json_string_value(json_object_get(r, "name")),
                   json_string_value(json_object_get(r, "why")));
}

/* Peers that cannot be measured here, each with the reason found on this machine. */
static void
add_peers(json_t *results)
{
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
}

int
cmd_gaming_gpu_benchmark(int argc, char **argv)
{
    static const struct option opts[] = {
        {"iterations", required_argument, NULL, 'n'}, {"format", required_argument, NULL, 'f'},
        {"image", required_argument, NULL, 'i'},      {"help", no_argument, NULL, 'h'},
        {"gpu", required_argument, NULL, 'g'},        {NULL, 0, NULL, 0},
    };
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    const char *format = "table", *image = NULL, *gpu = "all";
    int iterations = 20, c, rc = CLI_EXIT_USAGE;
    char self[4096];
    ssize_t len;
    json_t *doc = NULL, *results, *ratios;

    bolt_nv_config_init(&cfg);
    optind = 0;
    while ((c = getopt_long(argc, argv, "+n:f:i:g:h", opts, NULL)) != -1) {
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
        case 'g':
            if (*optarg == '\0') {
                rc = cli_usage_error(PROG, "--gpu '': expected a GPU selection such as all, 0 "
                                           "or 0,1 (as for bolt run --gpu)");
                goto out;
            }
            gpu = optarg;
            break;
        case 'h':
            printf("usage: bolt gaming gpu benchmark [--iterations N] [--image REF] "
                   "[--gpu SEL] [--format table|json]\n\n"
                   "Measures GPU passthrough cost: bolt's injection (in process), `bolt run` "
                   "with and without --gpu all\nand, when podman is installed, `podman run` "
                   "with and without nvbind's CDI spec (with --image,\nall run by run in "
                   "turn), CUDA launch latency and host-to-device bandwidth on the host and "
                   "(with a\nglibc --image) inside a container; says what could not be "
                   "measured and why.\n\n"
                   "  --iterations N     samples per measurement (default 20)\n"
                   "  --image REF        an image in bolt's store with `true`, for the run "
                   "timings\n"
                   "  --gpu SEL          GPUs of the CUDA run inside the container (bolt run "
                   "--gpu;\n"
                   "                     default all; it needs a glibc --image)\n"
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
    bolt_bench_trap_signals();
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
    json_object_set_new(doc, "gpu_cost_us", json_array());

    extend(results, bolt_bench_inject(&cfg, cli_g.runroot, iterations));

    len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[len > 0 ? len : 0] = '\0';
    if (image == NULL) {
        const char *why = "no --image given: pass an image that has `true` (e.g. busybox)";
        json_array_append_new(results, bolt_bench_skip(N_BOLT, why));
        json_array_append_new(results, bolt_bench_skip(N_BOLT_GPU, why));
        json_array_append_new(results, bolt_bench_skip(N_PODMAN, why));
        json_array_append_new(results, bolt_bench_skip(N_PODMAN_GPU, why));
    } else {
        run_pairs(doc, &cfg, self, image, iterations);
    }

    add_peers(results);
    if (bolt_bench_interrupted())
        json_object_set_new(doc, "interrupted_by_signal", json_integer(bolt_bench_interrupted()));
    add_cuda(doc, &cfg, self, image, gpu, iterations);

    if (strcmp(format, "json") == 0) {
        char *s = json_dumps(doc, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    } else {
        print_table(doc);
    }
    /* interrupted: what was measured is printed, the temporary state is already gone */
    rc = bolt_bench_interrupted() ? 128 + bolt_bench_interrupted() : 0;
out:
    json_decref(doc);
    bolt_nv_config_fini(&cfg);
    return rc;
}
