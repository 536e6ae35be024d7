/* SPDX-License-Identifier: Apache-2.0 */
/* From flags and an image config to an OCI spec (docker's defaults and semantics). */
#include "engine/opts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/spec_internal.h"
#include "runtime/seccomp.h"
#include "nvbind/inject.h"
#include "nvbind/profile.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/units.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int
parse_size_flag(const char *flag, const char *value, int64_t *out, struct bolt_err *err)
{
    uint64_t v = 0;

    if (strcmp(value, "-1") == 0) {
        *out = -1;
        return 0;
    }
    if (bolt_parse_size(value, &v, err) < 0)
        return bolt_err_wrap(err, "%s", flag);
    if (v > INT64_MAX)
        return bolt_err_set(err, 0, "%s: '%s' is too large", flag, value);
    *out = (int64_t)v;
    return 0;
}

static int
build_args(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
           const struct bolt_engine_image *img, struct bolt_err *err)
{
    char **args = NULL;
    char *const *ep = img->entrypoint;
    char *const *cmd = o->command && o->command[0] ? o->command : img->cmd;

    if (o->entrypoint) {
        /* docker: an explicit --entrypoint also drops the image's CMD */
        ep = NULL;
        if (*o->entrypoint)
            bolt_strv_push(&args, o->entrypoint);
        if (!(o->command && o->command[0]))
            cmd = NULL;
    }
    for (size_t i = 0; ep && ep[i]; i++)
        bolt_strv_push(&args, ep[i]);
    for (size_t i = 0; cmd && cmd[i]; i++)
        bolt_strv_push(&args, cmd[i]);
    if (!args)
        return bolt_err_set(err, 0,
                            "no command specified: image '%s' has no Entrypoint or Cmd (give a "
                            "COMMAND after the image)",
                            o->image ? o->image : img->ref);
    bolt_strv_free(spec->process.args);
    spec->process.args = args;
    return 0;
}

static int
add_env(struct bolt_oci_spec *spec, const char *kv, const char *what, struct bolt_err *err)
{
    const char *eq = strchr(kv, '=');
    cleanup_free char *key = NULL;

    if (eq == kv || !*kv)
        return bolt_err_set(err, 0, "%s: invalid variable '%s' (expected KEY=VALUE or KEY)", what,
                            kv);
    if (!eq) {
        const char *v = getenv(kv);
        if (v)
            bolt_oci_spec_setenv(spec, kv, v);
        return 0;
    }
    key = xstrndup(kv, (size_t)(eq - kv));
    bolt_oci_spec_setenv(spec, key, eq + 1);
    return 0;
}

static int
build_env(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
          const struct bolt_engine_image *img, const char *hostname, struct bolt_err *err)
{
    bolt_strv_free(spec->process.env);
    spec->process.env = NULL;
    bolt_strv_push(&spec->process.env, DEFAULT_PATH);
    for (size_t i = 0; img->env && img->env[i]; i++)
        if (add_env(spec, img->env[i], "image Env", err) < 0)
            return -1;
    bolt_oci_spec_setenv(spec, "HOSTNAME", hostname);
    if (o->tty)
        bolt_oci_spec_setenv(spec, "TERM", "xterm");
    for (size_t i = 0; o->env_files && o->env_files[i]; i++) {
        cleanup_strv char **fenv = NULL;
        if (bolt_env_file_read(o->env_files[i], &fenv, err) < 0)
            return -1;
        for (size_t j = 0; fenv && fenv[j]; j++)
            if (add_env(spec, fenv[j], "--env-file", err) < 0)
                return -1;
    }
    for (size_t i = 0; o->env && o->env[i]; i++)
        if (add_env(spec, o->env[i], "-e", err) < 0)
            return -1;
    return 0;
}

static int
build_mounts(struct bolt_oci_spec *spec, const struct bolt_run_opts *o, struct bolt_err *err)
{
    cleanup_free char *shm_opt = NULL;
    int64_t shm = 64LL * 1024 * 1024;

    if (o->shm_size && parse_size_flag("--shm-size", o->shm_size, &shm, err) < 0)
        return -1;
    if (shm <= 0)
        return bolt_err_set(err, 0, "--shm-size: must be greater than 0");
    shm_opt = xasprintf("size=%lldk", (long long)((shm + 1023) / 1024));
    engine_spec_drop_mount(spec, "/dev/shm");
    {
        const char *opts[] = {"nosuid", "noexec", "nodev", "mode=1777", shm_opt, NULL};
        bolt_oci_spec_add_mount(spec, "/dev/shm", "tmpfs", "shm", opts);
    }
    for (size_t i = 0; o->volumes && o->volumes[i]; i++) {
        cleanup_free char *host = NULL;
        cleanup_free char *ctr = NULL;
        bool ro = false;
        struct stat sb;
        if (bolt_volume_parse(o->volumes[i], &host, &ctr, &ro, err) < 0)
            return -1;
        /* docker creates a missing host directory for a bind volume */
        if (stat(host, &sb) < 0 && bolt_mkdir_p(host, 0755, err) < 0)
            return bolt_err_wrap(err, "-v '%s'", o->volumes[i]);
        const char *opts[] = {"rbind", ro ? "ro" : "rw", "rprivate", NULL};
        engine_spec_drop_mount(spec, ctr);
        bolt_oci_spec_add_mount(spec, ctr, "bind", host, opts);
    }
    for (size_t i = 0; o->tmpfs && o->tmpfs[i]; i++) {
        cleanup_free char *dst = xstrdup(o->tmpfs[i]);
        char *colon = strchr(dst, ':');
        cleanup_strv char **opts = NULL;
        if (colon)
            *colon = '\0';
        if (dst[0] != '/')
            return bolt_err_set(err, 0,
                                "--tmpfs: '%s' is not an absolute container path "
                                "(expected PATH[:OPTIONS], e.g. /run:size=64m)",
                                o->tmpfs[i]);
        bolt_strv_push(&opts, "nosuid");
        bolt_strv_push(&opts, "nodev");
        if (colon && engine_tmpfs_opts(colon + 1, &opts, err) < 0)
            return bolt_err_wrap(err, "--tmpfs '%s'", o->tmpfs[i]);
        engine_spec_drop_mount(spec, dst);
        bolt_oci_spec_add_mount(spec, dst, "tmpfs", "tmpfs", (const char *const *)opts);
    }
    return 0;
}

static int
build_memory(struct bolt_oci_resources *r, const struct bolt_run_opts *o, struct bolt_err *err)
{
    if (o->memory) {
        if (parse_size_flag("--memory", o->memory, &r->memory_limit, err) < 0)
            return -1;
        if (r->memory_limit >= 0 && r->memory_limit < 6 * 1024 * 1024)
            return bolt_err_set(err, 0, "--memory: '%s' is below the minimum of 6m", o->memory);
        r->has_memory_limit = r->memory_limit > 0;
    }
    if (o->memory_swap) {
        if (!r->has_memory_limit)
            return bolt_err_set(err, 0,
                                "--memory-swap: needs --memory as well (it is the total "
                                "of memory and swap)");
        if (parse_size_flag("--memory-swap", o->memory_swap, &r->memory_swap, err) < 0)
            return -1;
        if (r->memory_swap >= 0 && r->memory_swap < r->memory_limit)
            return bolt_err_set(err, 0,
                                "--memory-swap: '%s' is smaller than --memory '%s' (it "
                                "is memory plus swap; use -1 for unlimited swap)",
                                o->memory_swap, o->memory);
        r->has_memory_swap = true;
    }
    return 0;
}

static int
parse_i64_flag(const char *flag, const char *v, int64_t min, int64_t max, int64_t *out,
               struct bolt_err *err)
{
    char *end = NULL;
    long long n;

    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        return bolt_err_set(err, 0,
                            "%s: invalid value '%s' (expected an integer from %lld to "
                            "%lld)",
                            flag, v, (long long)min, (long long)max);
    *out = n;
    return 0;
}

static int
build_resources(struct bolt_oci_spec *spec, const struct bolt_run_opts *o, struct bolt_err *err)
{
    struct bolt_oci_resources *r = &spec->linux_.resources;
    int64_t v;

    if (build_memory(r, o, err) < 0)
        return -1;
    if (o->cpus) {
        if (bolt_cpus_parse(o->cpus, &r->cpu_quota, &r->cpu_period, err) < 0)
            return -1;
        r->has_cpu_quota = r->has_cpu_period = true;
    }
    if (o->cpuset_cpus) {
        if (bolt_cpuset_check(o->cpuset_cpus, err) < 0)
            return -1;
        free(r->cpu_cpus);
        r->cpu_cpus = xstrdup(o->cpuset_cpus);
    }
    if (o->cpu_shares) {
        if (parse_i64_flag("--cpu-shares", o->cpu_shares, 2, 262144, &v, err) < 0)
            return -1;
        r->cpu_shares = (uint64_t)v;
        r->has_cpu_shares = true;
    }
    if (o->pids_limit) {
        if (parse_i64_flag("--pids-limit", o->pids_limit, -1, INT32_MAX, &v, err) < 0)
            return -1;
        r->pids_limit = v <= 0 ? -1 : v;
        r->has_pids_limit = true;
    }
    spec->has_linux = true;
    spec->linux_.has_resources = true;
    return 0;
}

static int
build_ulimits(struct bolt_oci_spec *spec, const struct bolt_run_opts *o, struct bolt_err *err)
{
    struct bolt_oci_process *p = &spec->process;

    for (size_t i = 0; o->ulimits && o->ulimits[i]; i++) {
        struct bolt_oci_rlimit rl = {0};
        size_t j;
        if (bolt_ulimit_parse(o->ulimits[i], &rl, err) < 0)
            return -1;
        for (j = 0; j < p->n_rlimits; j++)
            if (strcmp(p->rlimits[j].type, rl.type) == 0)
                break;
        if (j < p->n_rlimits) {
            free(p->rlimits[j].type);
        } else {
            p->rlimits = xreallocarray(p->rlimits, p->n_rlimits + 1, sizeof(*p->rlimits));
            j = p->n_rlimits++;
        }
        p->rlimits[j] = rl;
    }
    return 0;
}

static int
build_init(struct bolt_oci_spec *spec, const char *init_path, struct bolt_err *err)
{
    char **args = NULL;
    const char *opts[] = {"bind", "ro", "nosuid", "nodev", NULL};

    if (!init_path || access(init_path, X_OK) < 0)
        return bolt_err_set(err, ENOENT,
                            "--init: the static init '%s' is missing (install bolt-init next to "
                            "bolt or set BOLT_INIT)",
                            init_path ? init_path : "bolt-init");
    bolt_oci_spec_add_mount(spec, "/dev/init", "bind", init_path, opts);
    bolt_strv_push(&args, "/dev/init");
    bolt_strv_push(&args, "--");
    for (size_t i = 0; spec->process.args && spec->process.args[i]; i++)
        bolt_strv_push(&args, spec->process.args[i]);
    bolt_strv_free(spec->process.args);
    spec->process.args = args;
    return 0;
}

static int
build_network(struct bolt_oci_spec *spec, const struct bolt_run_opts *o, struct bolt_err *err)
{
    int idx;
    /* --add-host values are checked here, before anything is created */
    cleanup_free char *hosts = bolt_add_hosts_text(o, err);

    if (!hosts)
        return -1;
    /* engine.c writes them into the container's /etc/hosts; inspect shows them here */
    if (hosts[0])
        bolt_oci_spec_set_annotation(spec, BOLT_ANN_EXTRA_HOSTS, hosts);
    if (!o->network || strcmp(o->network, "none") == 0 || strcmp(o->network, "default") == 0)
        return 0;
    if (strcmp(o->network, "host") != 0)
        return bolt_err_set(err, 0, "--network: unknown network '%s' (expected none or host)",
                            o->network);
    idx = bolt_oci_spec_find_ns(spec, BOLT_NS_NETWORK);
    if (idx >= 0) {
        struct bolt_oci_linux *l = &spec->linux_;
        free(l->namespaces[idx].path);
        memmove(&l->namespaces[idx], &l->namespaces[idx + 1],
                (l->n_namespaces - (size_t)idx - 1) * sizeof(*l->namespaces));
        l->n_namespaces--;
    }
    /* with the host's network the host's sysfs view is the honest one; docker does the same */
    return 0;
}

static void
build_labels(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
             const struct bolt_engine_image *img, const char *id)
{
    bolt_oci_spec_set_annotation(spec, "io.bolt.container.id", id);
    if (o->name)
        bolt_oci_spec_set_annotation(spec, "io.bolt.container.name", o->name);
    bolt_oci_spec_set_annotation(spec, "io.bolt.image", o->image ? o->image : img->ref);
}

int
bolt_engine_apply_edits(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
                        struct bolt_err *err)
{
    /* GPUs (--gpu/--gpus/--gpu-isolation/--gpu-memory) and CDI --device: nvbind's edits */
    if (bolt_nv_engine_edits(spec, o->gpus, o->devices, err) < 0)
        return -1;
    /* --gaming-profile/--dlss/--rt/--wine/--fps/--vsync/--performance (after the GPUs) */
    return bolt_nv_gaming_edits(spec, o->gaming, err);
}

static int
build_process(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
              const struct bolt_engine_image *img, const char *hostname, struct bolt_err *err)
{
    const char *wd = o->workdir ? o->workdir : (img->workdir && *img->workdir ? img->workdir : "/");

    spec->has_process = true;
    if (build_args(spec, o, img, err) < 0 || build_env(spec, o, img, hostname, err) < 0)
        return -1;
    if (wd[0] != '/')
        return bolt_err_set(err, 0, "-w: working directory '%s' must be an absolute path", wd);
    free(spec->process.cwd);
    spec->process.cwd = xstrdup(wd);
    spec->process.terminal = o->tty;
    if (o->tty && o->console_rows && o->console_cols) {
        spec->process.has_console_size = true;
        spec->process.console_height = o->console_rows;
        spec->process.console_width = o->console_cols;
    }
    if (engine_resolve_user(spec, o->user ? o->user : img->user, img->lowerdirs, err) < 0)
        return -1;
    return build_ulimits(spec, o, err);
}

struct bolt_oci_spec *
bolt_engine_build_spec(const struct bolt_run_opts *o, const struct bolt_engine_image *img,
                       const char *id, const char *rootfs, const char *init_path,
                       struct bolt_err *err)
{
    struct bolt_oci_spec *spec = bolt_oci_spec_default();
    cleanup_free char *hostname = NULL;

    if (o->hostname && !engine_hostname_is_valid(o->hostname)) {
        bolt_err_set(err, 0,
                     "--hostname: invalid hostname '%s' (expected letters, digits, '-' "
                     "and '.', at most 63 characters per label)",
                     o->hostname);
        goto fail;
    }
    hostname = o->hostname ? xstrdup(o->hostname) : engine_default_hostname(o, id);
    free(spec->root_path);
    spec->root_path = xstrdup(rootfs);
    spec->root_readonly = o->read_only;
    free(spec->hostname);
    spec->hostname = xstrdup(hostname);
    if (build_process(spec, o, img, hostname, err) < 0 || build_mounts(spec, o, err) < 0
        || build_resources(spec, o, err) < 0 || build_network(spec, o, err) < 0
        || engine_build_security(spec, o, err) < 0 || engine_build_devices(spec, o, err) < 0)
        goto fail;
    if (o->init && build_init(spec, init_path, err) < 0)
        goto fail;
    build_labels(spec, o, img, id);
    if (bolt_engine_apply_edits(spec, o, err) < 0)
        goto fail;
    return spec;
fail:
    bolt_oci_spec_free(spec);
    return NULL;
}
