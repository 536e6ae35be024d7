/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_BENCH_H
#define BOLT_NVBIND_BENCH_H

/*
 * `bolt gaming gpu benchmark`: what GPU passthrough costs. Each measurement is a JSON
 * object {"name", "measured": bool, "median_us", "samples", "why" (when not measured)};
 * ratios are {"name", "ratio", "of", "to"}.
 */

#include <jansson.h>
#include <stdbool.h>

#include "nvbind/config.h"
#include "util/err.h"

/*
 * From now on SIGINT and SIGTERM only mark the benchmark as interrupted: the command
 * running gets the signal too (same process group) and fails, bolt_bench_interleaved runs
 * nothing more, and the caller still removes everything temporary. bolt_bench_interrupted
 * returns the signal seen, or 0.
 */
void bolt_bench_trap_signals(void);
int bolt_bench_interrupted(void);

/*
 * Median wall time of bolt_nv_inject_spec (all GPUs) into a fresh default spec, and of
 * loading the cached plan, over iterations calls in this process.
 */
json_t *bolt_bench_inject(const struct bolt_nv_config *cfg, const char *runroot, int iterations);

/* How one run of a command ended: its wait status (-1: it could not be run) and the last
 * line it wrote to stderr (or why it could not be run). */
struct bolt_bench_outcome {
    int status;
    char line[400];
};

/* A helper process that runs commands inside a private mount namespace (bench_podman.c). */
struct bolt_bench_ns;

/* One command of an interleaved measurement. */
struct bolt_bench_cmd {
    const char *name;
    char *const *argv;        /* NULL-terminated; argv[0] is looked up in PATH */
    struct bolt_bench_ns *ns; /* NULL: run from this process; else inside that helper */
};

/*
 * Run argv to completion with stdin/stdout on /dev/null and stderr kept for out->line.
 * *us gets the wall time of fork + exec + wait. Returns the wait status (0: success), or
 * -1 when it could not be started.
 */
int bolt_bench_spawn(char *const *argv, double *us, struct bolt_bench_outcome *out);

/* "`<argv>` exited with status N: <stderr line>" (new string). */
char *bolt_bench_why(char *const *argv, const struct bolt_bench_outcome *out);

/*
 * Median wall time of running argv (NULL-terminated) to completion, iterations times.
 * A failing run makes the measurement "not measured" with its command, exit status and
 * last stderr line in "why".
 */
json_t *bolt_bench_command(const char *name, char *const *argv, int iterations);

/*
 * One untimed run of each command, then iterations rounds that run every command once in
 * order, so all of them see the same machine load. Returns an array of n measurements in
 * the order of cmds. A command that fails is "not measured" from then on (why: command,
 * exit status, last stderr line) while the others go on.
 */
json_t *bolt_bench_interleaved(const struct bolt_bench_cmd *cmds, size_t n, int iterations);

/*
 * podman with nvbind's CDI spec, measured next to bolt (bench_podman.c).
 *
 * bolt_bench_podman_new: export image from bolt's store (root) as an OCI archive, write the
 * CDI spec nvbind generates for cfg's driver (hooks run nvbind_path) into a temp dir, start
 * a helper in a private mount namespace (the host's cgroup2 mount detached when the layout
 * is hybrid, as crun refuses it; private tmpfs on /run, /dev/shm, /var/lib/containers and
 * /etc/cdi so podman's state, locks, caches and CDI specs never reach the host; the spec
 * bound on /var/run/cdi) and `podman load` the archive into a private store (overlay,
 * else vfs) under $TMPDIR (default /var/tmp). Returns NULL with err naming the step and,
 * for a command, its exit status and stderr line.
 */
struct bolt_bench_podman;
struct bolt_bench_podman *bolt_bench_podman_new(const struct bolt_nv_config *cfg, const char *root,
                                                const char *runroot, const char *image,
                                                const char *nvbind_path, struct bolt_err *err);

/* `podman ... run --rm --network none [--device nvidia.com/gpu=all] IMAGE-ID true`, for
 * bolt_bench_interleaved with the helper bolt_bench_podman_ns returns. Owned by p. */
char *const *bolt_bench_podman_argv(const struct bolt_bench_podman *p, bool gpu);
struct bolt_bench_ns *bolt_bench_podman_ns(struct bolt_bench_podman *p);

/* {"storage_driver", "cgroup2_detached", "cdi_spec_devices"}: how podman was run. */
json_t *bolt_bench_podman_info(const struct bolt_bench_podman *p);

/*
 * Stop the helper: it waits for every process it started (podman, conmon, their cleanup
 * processes; any still there after 10 s are killed by pid), then its namespace and mounts
 * go away. Removes the store, the archive, the spec and the temp dir. NULL is fine.
 */
void bolt_bench_podman_free(struct bolt_bench_podman *p);

/* Run argv inside the helper's namespace; as bolt_bench_spawn. */
int bolt_bench_ns_run(struct bolt_bench_ns *ns, char *const *argv, double *us,
                      struct bolt_bench_outcome *out);

/*
 * CUDA driver API on the host: cuLaunchKernel + cuCtxSynchronize latency of an empty PTX
 * kernel and host-to-device bandwidth (best of 5 cuMemcpyHtoD of 64 MiB), rows
 * "cuda: kernel launch + sync (host)" and "cuda: host-to-device GB/s, 64 MiB (host)".
 * Not measured without a GPU, with the failing call and its CUresult in "why". Figures of
 * the test fixture's libcuda (it exports bolt_fake_cuda) carry "fake": true and a note.
 */
json_t *bolt_bench_cuda(const struct bolt_nv_config *cfg, const char *runroot, int iterations);

/* The "note" of figures from the fake driver; the table appends it in parentheses. */
#define BOLT_BENCH_FAKE_NOTE "fake driver: not a GPU measurement"

/* Where bolt-cuda-bench is bound (read-only) inside the container. */
#define BOLT_CUDA_BENCH_CTR "/.bolt-cuda-bench"

/* $BOLT_CUDA_BENCH, else bolt-cuda-bench next to this executable, else
 * /usr/libexec/bolt/bolt-cuda-bench (new string). */
char *bolt_bench_cuda_helper_path(void);

struct bolt_bench_cuda_run {
    const char *bolt; /* the bolt executable */
    const char *root; /* its --root and --runroot */
    const char *runroot;
    const char *image;
    const char *gpu; /* --gpu selection for the container */
};

/*
 * The same measurement inside `bolt run --rm --gpu SEL -v HELPER:/.bolt-cuda-bench:ro
 * IMAGE`: rows "... (container)". An image without glibc, a container without a usable
 * GPU (the CUresult), a failing run: not measured, saying why.
 */
json_t *bolt_bench_cuda_container(const struct bolt_bench_cuda_run *run, int iterations);

/* A "not measured" entry. */
json_t *bolt_bench_skip(const char *name, const char *why);

#endif
