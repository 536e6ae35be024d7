/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `bolt gaming ...`: GPU and gaming tools. `bolt gaming <group> <command>`; groups and their
 * commands are tables below, extended by other features (one line each at the markers).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cmds_bolt.h"
#include "engine/container.h"
#include "nvbind/config.h"
#include "nvbind/discover.h"
#include "nvbind/lease.h"
#include "nvbind/plan.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"

static int gpu_list(int argc, char **argv);
int cmd_gaming_gpu_benchmark(int argc, char **argv); /* cmd_gaming_bench.c */
static int gpu_check(int argc, char **argv);
int cmd_gaming_gpu_nvbind(int argc, char **argv); /* cmd_gaming_nvbind.c */

static const struct cli_cmd gpu_cmds[] = {
    {"list", gpu_list, "list the GPUs, the driver and the CUDA version"},
    {"check", gpu_check, "check that GPUs can be used in containers"},
    {"nvbind", cmd_gaming_gpu_nvbind, "write the nvbind settings; apply a performance mode"},
    {"benchmark", cmd_gaming_gpu_benchmark, "measure passthrough cost (injection, bolt run, CUDA)"},
    /* GAMING-GPU-COMMANDS: one line per `bolt gaming gpu` command */
    {NULL, NULL, NULL},
};

static int
gaming_gpu(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "usage: bolt gaming gpu COMMAND [OPTIONS]\n\nCommands:\n");
        for (const struct cli_cmd *c = gpu_cmds; c->name; c++)
            fprintf(out, "  %-8s %s\n", c->name, c->summary);
        return argc < 2 ? CLI_EXIT_USAGE : 0;
    }
    return cli_dispatch("bolt gaming gpu", gpu_cmds, argc - 1, argv + 1);
}

int cmd_gaming_optimize(int argc, char **argv);    /* cmd_gaming_optimize.c */
int cmd_gaming_performance(int argc, char **argv); /* cmd_gaming_perf.c */
int cmd_gaming_realtime(int argc, char **argv);    /* cmd_gaming_realtime.c */

static const struct cli_cmd gaming_groups[] = {
    {"gpu", gaming_gpu, "NVIDIA GPUs: list, check"},
    {"optimize", cmd_gaming_optimize, "tune a running game: affinity, priority, I/O, OOM score"},
    {"performance", cmd_gaming_performance, "GPU and container figures, live or as an HTML report"},
    {"realtime", cmd_gaming_realtime, "let containers use SCHED_FIFO/RR: --enable, --disable, --status"},
    /* GAMING-GROUPS: one line per `bolt gaming` group */
    {NULL, NULL, NULL},
};

int
cmd_bolt_gaming(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "usage: bolt gaming GROUP COMMAND [OPTIONS]\n\nGroups:\n");
        for (const struct cli_cmd *c = gaming_groups; c->name; c++)
            fprintf(out, "  %-8s %s\n", c->name, c->summary);
        return argc < 2 ? CLI_EXIT_USAGE : 0;
    }
    return cli_dispatch("bolt gaming", gaming_groups, argc - 1, argv + 1);
}

/* ---- shared: driver roots ---- */

#define ROOT_OPTIONS                                                                               \
    {"driver-root", required_argument, NULL, 0x100}, {"dev-root", required_argument, NULL, 0x101}, \
        {"proc-root", required_argument, NULL, 0x102},                                            \
    {                                                                                              \
        "sys-root", required_argument, NULL, 0x103                                                 \
    }

#define ROOT_HELP                                                                                  \
    "  --driver-root DIR  where the driver files are (default /, env BOLT_DRIVER_ROOT)\n"          \
    "  --dev-root DIR     where /dev is (env BOLT_DEV_ROOT)\n"                                     \
    "  --proc-root DIR    where /proc is (env BOLT_PROC_ROOT)\n"                                   \
    "  --sys-root DIR     where /sys is (env BOLT_SYS_ROOT)\n"

/* Initialize cfg from the nvbind config file and environment; prints the error on failure. */
static int
open_config(struct bolt_nv_config *cfg)
{
    struct bolt_err err = {0};

    bolt_nv_config_init(cfg);
    if (bolt_nv_config_load(cfg, &err) < 0) {
        bolt_err_print("bolt", &err);
        bolt_nv_config_fini(cfg);
        return -1;
    }
    return 0;
}

/* Handle one of the ROOT_OPTIONS; returns 1 if c was one, -1 on a bad value. */
static int
root_option(struct bolt_nv_config *cfg, int c, const char *prog)
{
    static const char *const names[] = {"driver", "dev", "proc", "sys"};
    struct bolt_err err = {0};

    if (c < 0x100 || c > 0x103)
        return 0;
    if (bolt_nv_config_set_root(cfg, names[c - 0x100], optarg, &err) < 0) {
        bolt_err_print(prog, &err);
        return -1;
    }
    return 1;
}

static void
print_warnings(const struct bolt_nv_plan *plan)
{
    for (size_t i = 0; plan->warnings && plan->warnings[i]; i++)
        fprintf(stderr, "bolt: warning: %s\n", plan->warnings[i]);
}

static void
human_bytes(uint64_t b, char *buf, size_t len)
{
    if (b == 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.1f GiB", (double)b / (1024.0 * 1024.0 * 1024.0));
}

/* ---- gpu list ---- */

/* One live lease holder of a GPU, parsed from bolt_nv_lease_holders()' "'name' (pid N, mode)". */
struct gpu_holder {
    char name[256];
    char id[BOLT_CTR_ID_LEN + 1]; /* "" when no container record matches the name */
    char mode[16];                /* exclusive | shared */
    long pid;
};

/* The container records, for naming the holders: NULL when the store cannot be read. */
struct ctr_list {
    struct bolt_container **v;
    size_t n;
};

static const struct bolt_container *
ctr_by_name(const struct ctr_list *cl, const char *name)
{
    for (size_t i = 0; i < cl->n; i++) {
        const struct bolt_container *c = cl->v[i];
        /* an unnamed container holds its lease under its short id */
        if ((c->name && strcmp(c->name, name) == 0)
            || (strlen(name) == 12 && strncmp(c->id, name, 12) == 0))
            return c;
    }
    return NULL;
}

/* The containers holding a GPU (leases under the runroot), resolved to ids via the store. */
static struct gpu_holder *
gpu_holders(const struct ctr_list *cl, const char *uuid, size_t *n)
{
    cleanup_strv char **h = bolt_nv_lease_holders(cli_g.runroot, uuid);
    struct gpu_holder *out = xcalloc(bolt_strv_len(h) + 1, sizeof(*out));

    *n = 0;
    for (size_t i = 0; h && h[i]; i++) {
        struct gpu_holder *g = &out[*n];
        const char *q = strrchr(h[i], '\'');
        const struct bolt_container *c;

        if (h[i][0] != '\'' || q == NULL || q == h[i]
            || sscanf(q, "' (pid %ld, %15[a-z])", &g->pid, g->mode) != 2)
            continue;
        snprintf(g->name, sizeof(g->name), "%.*s", (int)(q - h[i] - 1), h[i] + 1);
        if (cl->v) {
            c = ctr_by_name(cl, g->name);
            /* removed already: its supervisor is on its way out (`rm` does not wait for it) */
            if (c == NULL)
                continue;
            snprintf(g->id, sizeof(g->id), "%s", c->id);
        }
        (*n)++;
    }
    return out;
}

static void
print_table(const struct bolt_nv_plan *p, const struct ctr_list *cl)
{
    char cuda[16] = "unknown";

    if (p->cuda_version > 0)
        snprintf(cuda, sizeof(cuda), "%d.%d", p->cuda_version / 1000, (p->cuda_version % 1000) / 10);
    printf("driver: %s (%s)  cuda: %s  source: %s\n",
           p->driver_version ? p->driver_version : "none", bolt_nv_driver_type_str(p->type), cuda,
           p->source ? p->source : "procfs");
    printf("%-5s %-5s %-26s %-40s %-12s %-9s %-9s %-4s %-4s %s\n", "INDEX", "MINOR", "NAME", "UUID",
           "BUS", "MEMORY", "ARCH", "CC", "MIG", "HOLDERS");
    for (size_t i = 0; i < p->n_gpus; i++) {
        const struct bolt_nv_gpu *g = &p->gpus[i];
        char mem[32], cc[16] = "-", holders[512] = "-";
        size_t nh = 0, off = 0;
        cleanup_free struct gpu_holder *h = g->uuid[0] ? gpu_holders(cl, g->uuid, &nh) : NULL;

        for (size_t k = 0; k < nh && off < sizeof(holders); k++) {
            int w = snprintf(holders + off, sizeof(holders) - off, "%s%s (%s)", k ? ", " : "",
                             h[k].name, h[k].mode);
            if (w < 0)
                break;
            off += (size_t)w;
        }
        human_bytes(g->mem_total, mem, sizeof(mem));
        if (g->cc_major > 0)
            snprintf(cc, sizeof(cc), "%d.%d", g->cc_major, g->cc_minor);
        printf("%-5u %-5u %-26s %-40s %-12s %-9s %-9s %-4s %-4s %s\n", g->index, g->minor, g->name,
               g->uuid[0] ? g->uuid : "-", g->bus_id, mem, g->arch, cc,
               g->mig_enabled ? "on" : "off", holders);
        for (size_t k = 0; k < g->n_migs; k++) {
            const struct bolt_nv_mig *m = &g->migs[k];
            human_bytes(m->mem_total, mem, sizeof(mem));
            printf("  mig %u:%zu gi%u/ci%u %s %s %s\n", g->index, k, m->gi, m->ci,
                   m->name ? m->name : "-", m->uuid ? m->uuid : "-", mem);
        }
    }
    if (p->type == BOLT_NV_DRIVER_NOUVEAU)
        printf("note: nouveau drives these GPUs: containers get /dev/dri only; CUDA needs the "
               "NVIDIA driver\n");
}

static int
gpu_list(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, ROOT_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    cleanup_nv_plan struct bolt_nv_plan *plan = NULL;
    struct bolt_ctr_store st = {0};
    struct ctr_list cl = {0};
    bool have_store = false;
    const char *format = "table";
    int c, rc = CLI_EXIT_USAGE;

    if (open_config(&cfg) < 0)
        return CLI_EXIT_ENGINE;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        int r = root_option(&cfg, c, "bolt");
        if (r < 0)
            goto out;
        if (r > 0)
            continue;
        if (c == 'f') {
            format = optarg;
        } else if (c == 'h') {
            printf("usage: bolt gaming gpu list [--format table|json] [ROOT OPTIONS]\n\n"
                   "Lists the GPUs (NVML when it loads, else /proc/driver/nvidia), the driver, its "
                   "type and CUDA version, and the containers holding each GPU (HOLDERS).\n\n"
                   "  --format FMT       table (default) or json\n" ROOT_HELP);
            rc = 0;
            goto out;
        } else {
            goto out;
        }
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        rc = cli_usage_error("bolt", "--format '%s': expected table or json", format);
        goto out;
    }
    rc = CLI_EXIT_ENGINE;
    if (bolt_nv_config_validate(&cfg, &err) < 0) {
        bolt_err_print("bolt", &err);
        goto out;
    }
    plan = bolt_nv_plan_get(&cfg, cli_g.runroot, true, NULL, &err);
    if (plan == NULL) {
        bolt_err_print("bolt", &err);
        goto out;
    }
    print_warnings(plan);
    /* no container store (an unreadable --root) only loses the ids of the holders */
    if (bolt_ctrs_init(&st, cli_g.root, cli_g.runroot, &err) == 0) {
        have_store = true;
        cl.v = bolt_ctrs_list(&st, &cl.n, &err);
    }
    bolt_err_clear(&err);
    if (strcmp(format, "json") == 0) {
        cleanup_free char *text = bolt_nv_plan_to_json(plan, true);
        cleanup_free char *with = NULL;
        json_t *doc = json_loads(text, 0, NULL);
        json_t *gpus = doc ? json_object_get(doc, "gpus") : NULL;
        size_t i;
        json_t *gj;

        json_array_foreach(gpus, i, gj)
        {
            const char *uuid = json_string_value(json_object_get(gj, "uuid"));
            json_t *arr = json_array();
            size_t nh = 0;
            cleanup_free struct gpu_holder *h = uuid && *uuid ? gpu_holders(&cl, uuid, &nh) : NULL;

            for (size_t k = 0; k < nh; k++)
                json_array_append_new(arr, json_pack("{s:s, s:s?, s:s, s:I}", "name", h[k].name,
                                                     "id", h[k].id[0] ? h[k].id : NULL, "mode",
                                                     h[k].mode, "pid", (json_int_t)h[k].pid));
            json_object_set_new(gj, "holders", arr);
        }
        with = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(doc);
        printf("%s\n", with ? with : text);
    } else {
        print_table(plan, &cl);
    }
    if (cl.v)
        bolt_ctrs_list_free(cl.v, cl.n);
    if (have_store)
        bolt_ctrs_fini(&st);
    rc = 0;
out:
    bolt_nv_config_fini(&cfg);
    return rc;
}

/* ---- gpu check ---- */

struct checker {
    bool verbose;
    int failed, warned;
};

static void
report(struct checker *ck, int status, const char *what, const char *detail, const char *fix)
{
    static const char *const tags[] = {"[ ok ]", "[warn]", "[FAIL]"};

    printf("%s %s: %s\n", tags[status], what, detail);
    if (status > 0 && fix)
        printf("       fix: %s\n", fix);
    if (status == 1)
        ck->warned++;
    if (status == 2)
        ck->failed++;
}

static size_t
count_files(const struct bolt_nv_plan *p, unsigned cap, bool lib32)
{
    size_t n = 0;

    for (size_t i = 0; i < p->n_files; i++) {
        const struct bolt_nv_file *f = &p->files[i];
        bool is32 = f->kind == BOLT_NV_FILE_LIB32;
        if ((f->kind == BOLT_NV_FILE_LIB || is32) && is32 == lib32 && (f->caps & cap))
            n++;
    }
    return n;
}

static void
check_nodes(struct checker *ck, const struct bolt_nv_plan *p)
{
    char buf[256];
    size_t gpu_nodes = 0;
    bool ctl = false, uvm = false, node_warn = false;

    for (size_t i = 0; i < p->n_nodes; i++) {
        const struct bolt_nv_node *n = &p->nodes[i];
        gpu_nodes += n->role == BOLT_NV_NODE_GPU;
        ctl |= n->role == BOLT_NV_NODE_CTL;
        uvm |= n->role == BOLT_NV_NODE_UVM;
        if (ck->verbose)
            printf("       node %s c %u:%u mode %04o\n", n->path, n->major, n->minor, n->mode);
        if ((n->role == BOLT_NV_NODE_GPU || n->role == BOLT_NV_NODE_CTL) && (n->mode & 0006) != 0006)
            node_warn = true;
    }
    for (size_t i = 0; p->warnings && p->warnings[i]; i++)
        if (strstr(p->warnings[i], "device node") != NULL) {
            report(ck, 2, "device node", p->warnings[i], "see the message");
        }
    if (p->type == BOLT_NV_DRIVER_WSL) {
        report(ck, p->n_nodes ? 0 : 2, "device nodes", p->n_nodes ? "/dev/dxg present" : "no /dev/dxg",
               "enable GPU support in WSL2 (wsl --update)");
        return;
    }
    if (p->type == BOLT_NV_DRIVER_NOUVEAU)
        return;
    snprintf(buf, sizeof(buf), "%zu of %zu GPU nodes, nvidiactl %s, nvidia-uvm %s", gpu_nodes,
             p->n_gpus, ctl ? "ok" : "missing", uvm ? "ok" : "missing");
    report(ck, gpu_nodes == p->n_gpus && ctl && uvm ? 0 : 2, "device nodes", buf,
           "load the modules (nvidia-modprobe -u -c 0) so /dev/nvidia* exist with major 195");
    if (node_warn)
        report(ck, 1, "device permissions", "some /dev/nvidia* nodes are not world read-write",
               "set NVreg_DeviceFileMode=0666 or add users to the device's group");
}

static void
check_libs(struct checker *ck, const struct bolt_nv_plan *p)
{
    static const unsigned classes[] = {BOLT_NV_CAP_UTILITY, BOLT_NV_CAP_COMPUTE,
                                       BOLT_NV_CAP_GRAPHICS, BOLT_NV_CAP_VIDEO, BOLT_NV_CAP_NGX};
    char buf[256];
    size_t n32 = 0;

    if (p->type == BOLT_NV_DRIVER_NOUVEAU)
        return;
    if (p->type == BOLT_NV_DRIVER_WSL) {
        snprintf(buf, sizeof(buf), "%zu WSL2 files (/usr/lib/wsl)", p->n_files);
        report(ck, p->n_files ? 0 : 2, "libraries", buf, "install the NVIDIA Windows driver");
        return;
    }
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        size_t n = count_files(p, classes[i], false);
        bool needed = classes[i] == BOLT_NV_CAP_UTILITY || classes[i] == BOLT_NV_CAP_COMPUTE;
        snprintf(buf, sizeof(buf), "%zu %s libraries (64-bit)", n, bolt_nv_cap_name(classes[i]));
        report(ck, n ? 0 : needed ? 2 : 1, bolt_nv_cap_name(classes[i]), buf,
               "install the driver's user-space libraries and run ldconfig");
    }
    for (size_t i = 0; i < p->n_files; i++)
        n32 += p->files[i].kind == BOLT_NV_FILE_LIB32;
    snprintf(buf, sizeof(buf), "%zu 32-bit libraries", n32);
    report(ck, n32 ? 0 : 1, "compat32", buf,
           "install the 32-bit driver libraries for Steam/Wine (e.g. libnvidia-gl:i386)");
    if (ck->verbose)
        for (size_t i = 0; i < p->n_files; i++) {
            char caps[128];
            printf("       file %-8s %-40s %s\n", bolt_nv_file_kind_str(p->files[i].kind),
                   bolt_nv_caps_str(p->files[i].caps, caps, sizeof(caps)), p->files[i].path);
        }
}

static void
check_nvml(struct checker *ck, const struct bolt_nv_config *cfg)
{
    struct bolt_err err = {0};
    cleanup_nv_plan struct bolt_nv_plan *p = bolt_nv_plan_build(cfg, false, &err);
    char buf[600], detail[700];

    if (p == NULL || p->type == BOLT_NV_DRIVER_NOUVEAU)
        return;
    if (bolt_nv_discover_gpus_nvml(p, &err) < 0) {
        report(ck, 2, "nvml", bolt_err_str(&err, buf, sizeof(buf)),
               "install a libnvidia-ml.so.1 that matches the kernel module version");
        return;
    }
    snprintf(detail, sizeof(detail), "libnvidia-ml.so.1 loads, driver %s, %zu GPU(s)",
             p->driver_version ? p->driver_version : "?", p->n_gpus);
    report(ck, 0, "nvml", detail, NULL);
}

static void
check_system(struct checker *ck, const struct bolt_nv_plan *p)
{
    cleanup_free char *userns = bolt_read_file("/proc/sys/user/max_user_namespaces", NULL, NULL);
    cleanup_free char *persist = bolt_nv_path(p->driver_root, "/run/nvidia-persistenced/socket");
    bool v2 = bolt_path_exists("/sys/fs/cgroup/cgroup.controllers");
    bool v1dev = bolt_path_exists("/sys/fs/cgroup/devices");
    bool render = getgrnam("render") != NULL, video = getgrnam("video") != NULL;
    char buf[256];

    snprintf(buf, sizeof(buf), "%s%s", v1dev ? "cgroup v1 devices controller" : "",
             v2 ? (v1dev ? " + cgroup2" : "cgroup v2 (device rules by eBPF)") : "");
    report(ck, v1dev || v2 ? 0 : 2, "cgroups", buf[0] ? buf : "no cgroup device control found",
           "mount cgroup2 on /sys/fs/cgroup or the v1 devices controller");
    snprintf(buf, sizeof(buf), "groups render %s, video %s", render ? "present" : "missing",
             video ? "present" : "missing");
    report(ck, render && video ? 0 : 1, "groups", buf,
           "create the render and video groups (groupadd -r render) for /dev/dri access");
    report(ck, userns && atoi(userns) > 0 ? 0 : 1, "user namespaces",
           userns && atoi(userns) > 0 ? "enabled" : "disabled",
           "sysctl user.max_user_namespaces=15000 for rootless containers");
    if (p->type == BOLT_NV_DRIVER_WSL)
        report(ck, 0, "wsl2", "WSL2 GPU paravirtualization (/dev/dxg)", NULL);
    if (p->type == BOLT_NV_DRIVER_PROPRIETARY || p->type == BOLT_NV_DRIVER_OPEN)
        report(ck, bolt_path_exists(persist) ? 0 : 1, "persistence daemon",
               bolt_path_exists(persist) ? "nvidia-persistenced socket present"
                                         : "nvidia-persistenced is not running",
               "start nvidia-persistenced: GPUs then stay initialised between containers");
}

static int
gpu_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'}, ROOT_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    struct checker ck = {0};
    cleanup_nv_plan struct bolt_nv_plan *plan = NULL;
    char buf[700];
    int c, rc = CLI_EXIT_USAGE;
    bool ran = false;

    if (open_config(&cfg) < 0)
        return CLI_EXIT_ENGINE;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        int r = root_option(&cfg, c, "bolt");
        if (r < 0)
            goto out;
        if (r > 0)
            continue;
        if (c == 'v') {
            ck.verbose = true;
        } else if (c == 'h') {
            printf("usage: bolt gaming gpu check [--verbose] [ROOT OPTIONS]\n\n"
                   "Checks each requirement of GPU containers and prints the fix for what "
                   "fails.\nExit status 1 when GPUs cannot be used.\n\n"
                   "  -v, --verbose      list every device node and driver file\n" ROOT_HELP);
            rc = 0;
            goto out;
        } else {
            goto out;
        }
    }
    rc = CLI_EXIT_FAIL;
    ran = true;
    if (bolt_nv_config_validate(&cfg, &err) < 0) {
        report(&ck, 2, "configuration", bolt_err_str(&err, buf, sizeof(buf)), "see the message");
        goto out;
    }
    /* built fresh: a check must look at the host as it is now, not at a cached plan */
    plan = bolt_nv_plan_build(&cfg, true, &err);
    if (plan == NULL) {
        report(&ck, 2, "driver", bolt_err_str(&err, buf, sizeof(buf)),
               "install and load the NVIDIA driver (nvidia-open or proprietary)");
        goto out;
    }
    snprintf(buf, sizeof(buf), "%s %s", bolt_nv_driver_type_str(plan->type),
             plan->driver_version ? plan->driver_version : "");
    report(&ck, plan->type == BOLT_NV_DRIVER_NOUVEAU ? 2 : 0, "driver", buf,
           "nouveau has no CUDA: install the NVIDIA driver and blacklist nouveau");
    snprintf(buf, sizeof(buf), "%zu GPU(s) from %s", plan->n_gpus, plan->source);
    report(&ck, plan->n_gpus ? 0 : 2, "gpus", buf, "check that the GPU is bound to the nvidia driver");
    check_nodes(&ck, plan);
    if (plan->type == BOLT_NV_DRIVER_OPEN) {
        size_t fw = 0;
        for (size_t i = 0; i < plan->n_files; i++)
            fw += plan->files[i].kind == BOLT_NV_FILE_FIRMWARE;
        snprintf(buf, sizeof(buf), "%zu GSP firmware file(s)", fw);
        report(&ck, fw ? 0 : 2, "firmware", buf, "install the driver's /lib/firmware/nvidia/<version>/gsp_*.bin");
    }
    check_nvml(&ck, &cfg);
    check_libs(&ck, plan);
    check_system(&ck, plan);
    for (size_t i = 0; ck.verbose && plan->warnings && plan->warnings[i]; i++)
        printf("       note: %s\n", plan->warnings[i]);
    rc = ck.failed ? CLI_EXIT_FAIL : 0;
out:
    if (ran)
        printf("%d failed, %d warnings\n", ck.failed, ck.warned);
    bolt_nv_config_fini(&cfg);
    return rc;
}
