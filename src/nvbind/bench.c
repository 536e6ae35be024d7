/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Passthrough benchmarks: in-process injection, whole `bolt run`s (fork/exec, interleaved
 * pairs), and the CUDA driver API (dlopen of the driver root's libcuda.so.1, a PTX kernel
 * so no compiler is needed).
 */
#include "nvbind/bench.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvbind/inject.h"
#include "nvbind/plan.h"
#include "oci/spec.h"
#include "util/fs.h"
#include "util/mem.h"

static volatile sig_atomic_t g_interrupted;

static void
on_signal(int sig)
{
    g_interrupted = sig;
}

void
bolt_bench_trap_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int
bolt_bench_interrupted(void)
{
    return g_interrupted;
}

static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_d);
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

json_t *
bolt_bench_skip(const char *name, const char *why)
{
    return json_pack("{s:s,s:b,s:s}", "name", name, "measured", 0, "why", why);
}

/* The last non-empty line of what fd holds (at most len - 1 bytes of it), or "". */
static void
last_line(int fd, char *line, size_t len)
{
    char buf[8192];
    off_t end = lseek(fd, 0, SEEK_END);
    off_t at = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
    ssize_t n = end > 0 ? pread(fd, buf, sizeof(buf) - 1, at) : 0;
    const char *start;
    size_t k;

    line[0] = '\0';
    if (n <= 0)
        return;
    buf[n] = '\0';
    bolt_rstrip(buf);
    start = strrchr(buf, '\n');
    start = start ? start + 1 : buf;
    k = strnlen(start, len - 1);
    memcpy(line, start, k);
    line[k] = '\0';
}

static json_t *
result(const char *name, double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_d); /* before v[0]/v[n-1] are read */
    return json_pack("{s:s,s:b,s:f,s:f,s:f,s:I}", "name", name, "measured", 1, "median_us",
                     median(v, n), "min_us", v[0], "max_us", v[n - 1], "samples", (json_int_t)n);
}

json_t *
bolt_bench_inject(const struct bolt_nv_config *cfg, const char *runroot, int iterations)
{
    struct bolt_err err = {0};
    char buf[600];
    double *tin = xcalloc((size_t)iterations, sizeof(double));
    double *tplan = xcalloc((size_t)iterations, sizeof(double));
    char tmpl[] = "/tmp/bolt-bench-rootfs.XXXXXX";
    json_t *out = json_array();
    int i;

    if (mkdtemp(tmpl) == NULL) {
        json_array_append_new(out, bolt_bench_skip("inject", "cannot create a temporary rootfs"));
        goto done;
    }
    for (i = 0; i < iterations; i++) {
        double t0 = now_us();
        struct bolt_nv_plan *plan = bolt_nv_plan_get(cfg, runroot, false, NULL, &err);
        tplan[i] = now_us() - t0;
        if (plan == NULL)
            break;
        bolt_nv_plan_free(plan);

        struct bolt_oci_spec *spec = bolt_oci_spec_default();
        struct bolt_nv_inject_opts o = {
            .runroot = runroot, .persist = runroot, .rootfs = tmpl, .cfg = cfg};
        char **env = spec->process.env;
        size_t n = 0;
        while (env && env[n])
            n++;
        env = xrealloc(env, (n + 2) * sizeof(char *));
        env[n] = xstrdup("NVIDIA_VISIBLE_DEVICES=all");
        env[n + 1] = NULL;
        spec->process.env = env;
        t0 = now_us();
        int r = bolt_nv_inject_spec(spec, &o, NULL, &err);
        tin[i] = now_us() - t0;
        bolt_oci_spec_free(spec);
        if (r < 0)
            break;
    }
    if (i < iterations) {
        cleanup_free char *why =
            xasprintf("no usable driver: %s", bolt_err_str(&err, buf, sizeof(buf)));
        json_array_append_new(out, bolt_bench_skip("inject: load cached plan", why));
        json_array_append_new(out, bolt_bench_skip("inject: all GPUs into a spec", why));
    } else {
        json_array_append_new(out, result("inject: load cached plan", tplan, (size_t)iterations));
        json_array_append_new(out, result("inject: all GPUs into a spec", tin, (size_t)iterations));
    }
    bolt_rm_rf(tmpl, NULL);
done:
    free(tin);
    free(tplan);
    return out;
}

int
bolt_bench_spawn(char *const *argv, double *us, struct bolt_bench_outcome *out)
{
    /* stderr goes to a memory file, read only when the run failed */
    cleanup_close int errfd = memfd_create("bolt-bench-stderr", MFD_CLOEXEC);
    double t0;
    int st = 0;
    pid_t pid;

    memset(out, 0, sizeof(*out));
    t0 = now_us();
    pid = fork();
    if (pid < 0) {
        snprintf(out->line, sizeof(out->line), "fork: %s", strerror(errno));
        return out->status = -1;
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(errfd >= 0 ? errfd : fd, 2);
        }
        execvp(argv[0], argv);
        dprintf(2, "exec '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            snprintf(out->line, sizeof(out->line), "waitpid: %s", strerror(errno));
            return out->status = -1;
        }
    }
    *us = now_us() - t0;
    out->status = st;
    if (st != 0 && errfd >= 0)
        last_line(errfd, out->line, sizeof(out->line));
    return st;
}

char *
bolt_bench_why(char *const *argv, const struct bolt_bench_outcome *out)
{
    cleanup_free char *cmd = xstrdup(argv[0]);
    int st = out->status;

    for (size_t i = 1; argv[i]; i++) {
        char *n = xasprintf("%s %s", cmd, argv[i]);
        free(cmd);
        cmd = n;
    }
    if (st < 0)
        return xasprintf("`%s` could not be run: %s", cmd, out->line);
    return xasprintf(
        "`%s` %s %d%s%s", cmd, WIFEXITED(st) ? "exited with status" : "was killed by signal",
        WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), out->line[0] ? ": " : "", out->line);
}

static json_t *
failed(const char *name, char *const *argv, const struct bolt_bench_outcome *out)
{
    cleanup_free char *why = bolt_bench_why(argv, out);
    return bolt_bench_skip(name, why);
}

json_t *
bolt_bench_command(const char *name, char *const *argv, int iterations)
{
    struct bolt_bench_cmd c = {.name = name, .argv = argv};
    json_t *all = bolt_bench_interleaved(&c, 1, iterations);
    json_t *r = json_incref(json_array_get(all, 0));

    json_decref(all);
    return r;
}

static int
run_cmd(const struct bolt_bench_cmd *c, double *us, struct bolt_bench_outcome *out)
{
    if (c->ns)
        return bolt_bench_ns_run(c->ns, c->argv, us, out);
    return bolt_bench_spawn(c->argv, us, out);
}

json_t *
bolt_bench_interleaved(const struct bolt_bench_cmd *cmds, size_t n, int iterations)
{
    double **v = xcalloc(n, sizeof(double *));
    json_t **fail = xcalloc(n, sizeof(json_t *));
    json_t *out = json_array();
    struct bolt_bench_outcome o;
    double us;

    for (size_t k = 0; k < n; k++) {
        v[k] = xcalloc((size_t)iterations, sizeof(double));
        /* one untimed run each: first-use costs (page cache, plan, lazily built state) */
        if (!g_interrupted && run_cmd(&cmds[k], &us, &o) != 0)
            fail[k] = failed(cmds[k].name, cmds[k].argv, &o);
    }
    for (int i = 0; i < iterations && !g_interrupted; i++) {
        for (size_t k = 0; k < n; k++) {
            if (fail[k] == NULL && run_cmd(&cmds[k], &v[k][i], &o) != 0)
                fail[k] = failed(cmds[k].name, cmds[k].argv, &o);
        }
    }
    for (size_t k = 0; k < n && g_interrupted; k++) {
        if (fail[k] == NULL) {
            cleanup_free char *why = xasprintf("interrupted by signal %d", (int)g_interrupted);
            fail[k] = bolt_bench_skip(cmds[k].name, why);
        }
    }
    for (size_t k = 0; k < n; k++) {
        json_array_append_new(out,
                              fail[k] ? fail[k] : result(cmds[k].name, v[k], (size_t)iterations));
        free(v[k]);
    }
    free(v);
    free(fail);
    return out;
}

/* ---- CUDA driver API ---- */

static const char ptx_empty[] = ".version 6.0\n"
                                ".target sm_50\n"
                                ".address_size 64\n"
                                ".visible .entry bolt_empty()\n"
                                "{\n"
                                "  ret;\n"
                                "}\n";

typedef int CUresult;
struct cuda {
    void *lib;
    CUresult (*init)(unsigned);
    CUresult (*device_get)(int *, int);
    CUresult (*ctx_create)(void **, unsigned, int);
    CUresult (*ctx_destroy)(void *);
    CUresult (*module_load)(void **, const void *);
    CUresult (*get_function)(void **, void *, const char *);
    CUresult (*launch)(void *, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                       void *, void **, void **);
    CUresult (*sync)(void);
    CUresult (*mem_alloc)(unsigned long long *, size_t);
    CUresult (*mem_free)(unsigned long long);
    CUresult (*htod)(unsigned long long, const void *, size_t);
};

json_t *
bolt_bench_cuda(const struct bolt_nv_config *cfg, const char *runroot, int iterations)
{
    struct bolt_err err = {0};
    cleanup_nv_plan struct bolt_nv_plan *plan = bolt_nv_plan_get(cfg, runroot, false, NULL, &err);
    cleanup_free char *path = NULL;
    cleanup_free char *why = NULL;
    json_t *out = json_array();
    struct cuda c = {0};
    void *ctx = NULL, *mod = NULL, *fn = NULL;
    unsigned long long dptr = 0;
    int dev = 0;
    CUresult r;

    if (plan == NULL || plan->n_gpus == 0) {
        why = xstrdup("no GPU: the CUDA measurements need an NVIDIA GPU and driver");
        goto skip;
    }
    for (size_t i = 0; i < plan->n_files && !path; i++)
        if (plan->files[i].kind == BOLT_NV_FILE_LIB && plan->files[i].soname
            && strcmp(plan->files[i].soname, "libcuda.so.1") == 0)
            path = bolt_nv_path(plan->driver_root, plan->files[i].path);
    if (path == NULL) {
        why = xstrdup("the driver has no libcuda.so.1");
        goto skip;
    }
    c.lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (c.lib == NULL) {
        why = xasprintf("cannot load %s: %s", path, dlerror());
        goto skip;
    }
#define SYM(slot, name) *(void **)&c.slot = dlsym(c.lib, name)
    SYM(init, "cuInit");
    SYM(device_get, "cuDeviceGet");
    SYM(ctx_create, "cuCtxCreate_v2");
    SYM(ctx_destroy, "cuCtxDestroy_v2");
    SYM(module_load, "cuModuleLoadData");
    SYM(get_function, "cuModuleGetFunction");
    SYM(launch, "cuLaunchKernel");
    SYM(sync, "cuCtxSynchronize");
    SYM(mem_alloc, "cuMemAlloc_v2");
    SYM(mem_free, "cuMemFree_v2");
    SYM(htod, "cuMemcpyHtoD_v2");
#undef SYM
    if (!c.init || (r = c.init(0)) != 0) {
        why = c.init ? xasprintf("cuInit failed (CUresult %d): no usable GPU behind the device "
                                 "nodes (a fake or absent driver)",
                                 r)
                     : xstrdup("libcuda.so.1 has no cuInit");
        goto skip;
    }
    if (!c.device_get || !c.ctx_create || !c.module_load || !c.get_function || !c.launch || !c.sync
        || !c.mem_alloc || !c.htod) {
        why = xasprintf("%s lacks driver API calls (cuCtxCreate_v2, cuLaunchKernel, ...)", path);
        goto skip;
    }
    if ((r = c.device_get(&dev, 0)) != 0 || (r = c.ctx_create(&ctx, 0, dev)) != 0
        || (r = c.module_load(&mod, ptx_empty)) != 0
        || (r = c.get_function(&fn, mod, "bolt_empty")) != 0) {
        why = xasprintf("CUDA set-up failed (CUresult %d)", r);
        goto skip;
    }
    {
        double *v = xcalloc((size_t)iterations, sizeof(double));
        for (int i = 0; i < iterations; i++) {
            double t0 = now_us();
            c.launch(fn, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL);
            c.sync();
            v[i] = now_us() - t0;
        }
        json_array_append_new(
            out, result("cuda: empty kernel launch + sync (host)", v, (size_t)iterations));
        free(v);
    }
    {
        size_t sz = 64u << 20;
        char *host = xmalloc(sz);
        memset(host, 1, sz);
        if (c.mem_alloc(&dptr, sz) == 0) {
            double best = 1e30;
            for (int i = 0; i < 5; i++) {
                double t0 = now_us();
                c.htod(dptr, host, sz);
                c.sync();
                double d = now_us() - t0;
                if (d < best)
                    best = d;
            }
            json_array_append_new(out, json_pack("{s:s,s:b,s:f}", "name",
                                                 "cuda: host-to-device bandwidth (GB/s, 64 MiB)",
                                                 "measured", 1, "value", sz / best / 1e3));
            c.mem_free(dptr);
        }
        free(host);
    }
    c.ctx_destroy(ctx);
    dlclose(c.lib);
    return out;
skip:
    if (c.lib)
        dlclose(c.lib);
    json_array_append_new(out, bolt_bench_skip("cuda: kernel launch latency (host)", why));
    json_array_append_new(out, bolt_bench_skip("cuda: host-to-device bandwidth (host)", why));
    return out;
}
