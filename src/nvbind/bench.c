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

#include "nvbind/cuda_bench.h"
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
median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), bolt_bench_cmp_double);
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
    qsort(v, n, sizeof(*v), bolt_bench_cmp_double); /* before v[0]/v[n-1] are read */
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
        double t0 = bolt_bench_now_us();
        struct bolt_nv_plan *plan = bolt_nv_plan_get(cfg, runroot, false, NULL, &err);
        tplan[i] = bolt_bench_now_us() - t0;
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
        t0 = bolt_bench_now_us();
        int r = bolt_nv_inject_spec(spec, &o, NULL, &err);
        tin[i] = bolt_bench_now_us() - t0;
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
    t0 = bolt_bench_now_us();
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
    *us = bolt_bench_now_us() - t0;
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

char *
bolt_bench_cuda_helper_path(void)
{
    return bolt_helper_path("BOLT_CUDA_BENCH", "bolt-cuda-bench");
}

/* Both CUDA rows of one place ("host", "container") from the figures, or not measured. */
static void
cuda_rows(json_t *out, const char *where, const struct bolt_cuda_figs *f, const char *why)
{
    cleanup_free char *lname = xasprintf("cuda: kernel launch + sync (%s)", where);
    cleanup_free char *bname = xasprintf("cuda: host-to-device GB/s, 64 MiB (%s)", where);
    json_t *l, *b;

    if (why) {
        json_array_append_new(out, bolt_bench_skip(lname, why));
        json_array_append_new(out, bolt_bench_skip(bname, why));
        return;
    }
    l = json_pack("{s:s,s:b,s:f,s:f,s:f,s:I,s:i}", "name", lname, "measured", 1, "median_us",
                  f->launch_median_us, "min_us", f->launch_min_us, "max_us", f->launch_max_us,
                  "samples", (json_int_t)f->samples, "devices", f->devices);
    if (f->h2d_gbps >= 0)
        b = json_pack("{s:s,s:b,s:f,s:s,s:i}", "name", bname, "measured", 1, "value", f->h2d_gbps,
                      "unit", "GB/s", "devices", f->devices);
    else
        b = bolt_bench_skip(bname, f->h2d_why);
    if (f->fake) {
        /* the fixture's library: host-memory work, never to be read as a GPU figure */
        json_object_set_new(l, "fake", json_true());
        json_object_set_new(l, "note", json_string(BOLT_BENCH_FAKE_NOTE));
        json_object_set_new(b, "fake", json_true());
        json_object_set_new(b, "note", json_string(BOLT_BENCH_FAKE_NOTE));
    }
    json_array_append_new(out, l);
    json_array_append_new(out, b);
}

json_t *
bolt_bench_cuda(const struct bolt_nv_config *cfg, const char *runroot, int iterations)
{
    struct bolt_err err = {0};
    cleanup_nv_plan struct bolt_nv_plan *plan = bolt_nv_plan_get(cfg, runroot, false, NULL, &err);
    cleanup_free char *path = NULL;
    cleanup_free char *why = NULL;
    struct bolt_cuda_figs f = {0};
    json_t *out = json_array();
    void *lib;

    if (plan == NULL || plan->n_gpus == 0) {
        why = xstrdup("no GPU: the CUDA measurements need an NVIDIA GPU and driver");
        goto done;
    }
    for (size_t i = 0; i < plan->n_files && !path; i++)
        if (plan->files[i].kind == BOLT_NV_FILE_LIB && plan->files[i].soname
            && strcmp(plan->files[i].soname, "libcuda.so.1") == 0)
            path = bolt_nv_path(plan->driver_root, plan->files[i].path);
    if (path == NULL) {
        why = xstrdup("the driver has no libcuda.so.1");
        goto done;
    }
    lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        why = xasprintf("cannot load %s: %s", path, dlerror());
        goto done;
    }
    if (bolt_cuda_measure(lib, path, iterations, &f) < 0)
        why = xstrdup(f.why);
    dlclose(lib);
done:
    cuda_rows(out, "host", &f, why);
    return out;
}

/*
 * Run argv with stdin on /dev/null; its last stdout line into line and, when it failed,
 * its last stderr line into o->line. Returns the wait status, or -1 (o->line says why).
 */
static int
spawn_capture(char *const *argv, char *line, size_t len, struct bolt_bench_outcome *o)
{
    cleanup_close int outfd = memfd_create("bolt-bench-stdout", MFD_CLOEXEC);
    cleanup_close int errfd = memfd_create("bolt-bench-stderr", MFD_CLOEXEC);
    int st = 0;
    pid_t pid;

    memset(o, 0, sizeof(*o));
    line[0] = '\0';
    if (outfd < 0 || errfd < 0) {
        snprintf(o->line, sizeof(o->line), "memfd_create: %s", strerror(errno));
        return o->status = -1;
    }
    pid = fork();
    if (pid < 0) {
        snprintf(o->line, sizeof(o->line), "fork: %s", strerror(errno));
        return o->status = -1;
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
            dup2(fd, 0);
        dup2(outfd, 1);
        dup2(errfd, 2);
        execvp(argv[0], argv);
        dprintf(2, "exec '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            snprintf(o->line, sizeof(o->line), "waitpid: %s", strerror(errno));
            return o->status = -1;
        }
    }
    o->status = st;
    last_line(outfd, line, len);
    if (st != 0)
        last_line(errfd, o->line, sizeof(o->line));
    return st;
}

/* Reads the helper's JSON line into f; NULL, or why it is not usable (new string). */
static char *
parse_helper(const char *line, struct bolt_cuda_figs *f)
{
    json_error_t jerr;
    json_t *j = json_loads(line, 0, &jerr);
    json_t *gbps;
    char *why = NULL;

    memset(f, 0, sizeof(*f));
    if (!json_is_object(j)) {
        why = xasprintf("bolt-cuda-bench printed no JSON line (got '%.120s')", line);
    } else if (json_is_string(json_object_get(j, "error"))) {
        why = xstrdup(json_string_value(json_object_get(j, "error")));
    } else if (!json_is_integer(json_object_get(j, "samples"))
               || !json_is_number(json_object_get(j, "median_us"))) {
        why = xasprintf("bolt-cuda-bench printed an unexpected line '%.120s'", line);
    } else {
        f->fake = json_is_true(json_object_get(j, "fake"));
        f->devices = (int)json_integer_value(json_object_get(j, "devices"));
        f->samples = (int)json_integer_value(json_object_get(j, "samples"));
        f->launch_median_us = json_number_value(json_object_get(j, "median_us"));
        f->launch_min_us = json_number_value(json_object_get(j, "min_us"));
        f->launch_max_us = json_number_value(json_object_get(j, "max_us"));
        gbps = json_object_get(j, "h2d_gbps");
        f->h2d_gbps = json_is_number(gbps) ? json_number_value(gbps) : -1;
        snprintf(f->h2d_why, sizeof(f->h2d_why), "%s",
                 json_is_string(json_object_get(j, "h2d_why"))
                     ? json_string_value(json_object_get(j, "h2d_why"))
                     : "bolt-cuda-bench gave no bandwidth");
    }
    json_decref(j);
    return why;
}

json_t *
bolt_bench_cuda_container(const struct bolt_bench_cuda_run *run, int iterations)
{
    cleanup_free char *helper = bolt_bench_cuda_helper_path();
    cleanup_free char *vol = xasprintf("%s:" BOLT_CUDA_BENCH_CTR ":ro", helper);
    cleanup_free char *n = xasprintf("%d", iterations);
    cleanup_free char *why = NULL;
    const char *const args[] = {
        run->bolt, "--root",       run->root, "--runroot", run->runroot,
        "run",     "--rm",         "--gpu",   run->gpu,    "-v",
        vol,       "--entrypoint", "",        run->image,  BOLT_CUDA_BENCH_CTR,
        n};
    cleanup_strv char **argv = xcalloc(sizeof(args) / sizeof(args[0]) + 1, sizeof(char *));
    struct bolt_bench_outcome o;
    struct bolt_cuda_figs f = {0};
    char line[1024];
    json_t *out = json_array();
    int st;

    for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
        argv[i] = xstrdup(args[i]);
    if (access(helper, X_OK) != 0) {
        why = xasprintf("the helper %s is missing (%s): install it next to bolt or set "
                        "BOLT_CUDA_BENCH",
                        helper, strerror(errno));
        goto done;
    }
    st = spawn_capture(argv, line, sizeof(line), &o);
    if (st == 0 || (WIFEXITED(st) && WEXITSTATUS(st) == 1 && line[0] == '{')) {
        /* exit 1 with {"error"}: the helper's own reason */
        char *w = parse_helper(line, &f);
        if (w)
            why = xasprintf("inside `bolt run --gpu %s %s`: %s", run->gpu, run->image, w);
        free(w);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && !line[0]) {
        /* the file is there (bound read-only): ENOENT/127 is the loader or libc missing */
        why = xasprintf("%s has no glibc: bolt-cuda-bench is dynamically linked (it loads "
                        "libcuda.so.1 through the image's ld.so.cache) and could not start "
                        "there (%s); use a glibc image such as debian or ubuntu",
                        run->image, o.line[0] ? o.line : "exit status 127");
    } else {
        char *w = bolt_bench_why(argv, &o);
        why = xasprintf("the container run failed: %s", w);
        free(w);
    }
done:
    cuda_rows(out, "container", &f, why);
    return out;
}
