/* SPDX-License-Identifier: Apache-2.0 */
/* bolt run / bolt create: flags -> struct bolt_run_opts -> the engine. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds_bolt.h"
#include "cli/engine_cli.h"
#include "engine/engine.h"
#include "util/mem.h"

enum {
    OPT_NAME = 256,
    OPT_RM,
    OPT_ENV_FILE,
    OPT_TMPFS,
    OPT_ENTRYPOINT,
    OPT_HOSTNAME,
    OPT_MEMORY_SWAP,
    OPT_CPUS,
    OPT_CPUSET,
    OPT_PIDS,
    OPT_SHM,
    OPT_ULIMIT,
    OPT_CAP_ADD,
    OPT_CAP_DROP,
    OPT_PRIVILEGED,
    OPT_READ_ONLY,
    OPT_DEVICE,
    OPT_SECOPT,
    OPT_INIT,
    OPT_RESTART,
    OPT_NETWORK,
    OPT_ADD_HOST,
    OPT_STOP_SIGNAL,
    OPT_STOP_TIMEOUT,
    OPT_RUNTIME,
    OPT_GPU,
    OPT_GPUS,
    OPT_GPU_ISO,
    OPT_GPU_MEM,
    OPT_GAMING_PROFILE, /* gaming: "key=value" into o->gaming */
    OPT_DLSS,
    OPT_RT,
    OPT_WINE,
    OPT_FPS,
    OPT_VSYNC,
    OPT_PERFORMANCE,
    OPT_DISPLAY,
    OPT_GAMING_INPUT,
    OPT_AUDIO,
    OPT_AUDIO_LATENCY,
    OPT_HUGEPAGES,
};

static const struct option run_opts[] = {
    {"name", required_argument, NULL, OPT_NAME},
    {"detach", no_argument, NULL, 'd'},
    {"rm", no_argument, NULL, OPT_RM},
    {"interactive", no_argument, NULL, 'i'},
    {"tty", no_argument, NULL, 't'},
    {"env", required_argument, NULL, 'e'},
    {"env-file", required_argument, NULL, OPT_ENV_FILE},
    {"volume", required_argument, NULL, 'v'},
    {"tmpfs", required_argument, NULL, OPT_TMPFS},
    {"workdir", required_argument, NULL, 'w'},
    {"user", required_argument, NULL, 'u'},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"hostname", required_argument, NULL, OPT_HOSTNAME},
    {"memory", required_argument, NULL, 'm'},
    {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET},
    {"cpu-shares", required_argument, NULL, 'c'},
    {"pids-limit", required_argument, NULL, OPT_PIDS},
    {"shm-size", required_argument, NULL, OPT_SHM},
    {"hugepages", required_argument, NULL, OPT_HUGEPAGES},
    {"ulimit", required_argument, NULL, OPT_ULIMIT},
    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"device", required_argument, NULL, OPT_DEVICE},
    {"security-opt", required_argument, NULL, OPT_SECOPT},
    {"init", no_argument, NULL, OPT_INIT},
    {"restart", required_argument, NULL, OPT_RESTART},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"net", required_argument, NULL, OPT_NETWORK},
    {"add-host", required_argument, NULL, OPT_ADD_HOST},
    {"label", required_argument, NULL, 'l'},
    {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
    {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
    {"runtime", required_argument, NULL, OPT_RUNTIME},
    {"gpus", required_argument, NULL, OPT_GPUS},
    {"gpu-isolation", required_argument, NULL, OPT_GPU_ISO},
    {"gpu-memory", required_argument, NULL, OPT_GPU_MEM},
    {"gpu", required_argument, NULL, OPT_GPU},
    {"gaming-profile", required_argument, NULL, OPT_GAMING_PROFILE},
    {"dlss", optional_argument, NULL, OPT_DLSS},
    {"rt", optional_argument, NULL, OPT_RT},
    {"wine", optional_argument, NULL, OPT_WINE},
    {"fps", required_argument, NULL, OPT_FPS},
    {"vsync", required_argument, NULL, OPT_VSYNC},
    {"performance", required_argument, NULL, OPT_PERFORMANCE},
    {"display", required_argument, NULL, OPT_DISPLAY},
    {"gaming-input", no_argument, NULL, OPT_GAMING_INPUT},
    {"audio", required_argument, NULL, OPT_AUDIO},
    {"audio-latency", required_argument, NULL, OPT_AUDIO_LATENCY},
    {"help", no_argument, NULL, 'H'},
    {NULL, 0, NULL, 0},
};

static void
run_usage(FILE *out, const char *verb)
{
    fprintf(out,
            "usage: bolt %s [OPTIONS] IMAGE [COMMAND [ARG...]]\n\n"
            "%s\n\n"
            "Options:\n"
            "  --name NAME               container name (default: generated)\n"
            "  -d, --detach              run in the background and print the id\n"
            "  --rm                      remove the container when it exits\n"
            "  -i, --interactive         keep stdin open\n"
            "  -t, --tty                 allocate a terminal\n"
            "  -e, --env K[=V]           set an environment variable\n"
            "  --env-file FILE           read variables from FILE\n"
            "  -v, --volume HOST:CTR[:ro] bind-mount a host path\n"
            "  --tmpfs PATH[:OPTS]       mount a tmpfs\n"
            "  -w, --workdir DIR         working directory\n"
            "  -u, --user USER[:GROUP]   user to run as\n"
            "  --entrypoint CMD          override the image's entrypoint (\"\" clears it)\n"
            "  --hostname NAME           container hostname\n"
            "  -m, --memory SIZE         memory limit (e.g. 512m)\n"
            "  --memory-swap SIZE        memory plus swap limit (-1: unlimited swap)\n"
            "  --cpus N                  CPU quota (e.g. 1.5)\n"
            "  --cpuset-cpus LIST        CPUs allowed (e.g. 0-1)\n"
            "  -c, --cpu-shares N        relative CPU weight\n"
            "  --pids-limit N            maximum number of processes (-1: unlimited)\n"
            "  --shm-size SIZE           size of /dev/shm (default 64m)\n"
            "  --hugepages SIZE          huge pages: hugetlb limit and hugetlbfs at /dev/hugepages\n"
            "  --ulimit NAME=SOFT[:HARD] resource limit\n"
            "  --cap-add CAP, --cap-drop CAP  add or drop a capability (or ALL)\n"
            "  --privileged              all capabilities and devices, no seccomp\n"
            "  --read-only               read-only root filesystem\n"
            "  --device HOST[:CTR[:rwm]] add a host device\n"
            "  --security-opt OPT        no-new-privileges, seccomp=unconfined|FILE\n"
            "  --init                    run a small init as pid 1 (reaps, forwards signals)\n"
            "  --restart POLICY          no, on-failure[:N], always, unless-stopped\n"
            "  --network none|host       network mode (default none)\n"
            "  --add-host NAME:IP        add a line to /etc/hosts (IP may be host-gateway)\n"
            "  -l, --label K=V           set a label\n"
            "  --stop-signal SIG         signal for bolt stop (default SIGTERM)\n"
            "  --stop-timeout N          seconds bolt stop waits (default 10)\n"
            "  --runtime NAME|PATH       nvbind (built in, default), crun, runc or a path\n"
            "  --gpu SEL                 GPUs: all, none, 0, 0,2, GPU-<uuid>, MIG-<uuid>, 0:1\n"
            "  --gpus SEL                docker syntax: all, N, count=N, '\"device=0,1\"',\n"
            "                            capabilities=compute,utility\n"
            "  --gpu-isolation MODE      exclusive or shared (default) lease of the GPUs\n"
            "  --gpu-memory SIZE         stop the container past SIZE of GPU memory (e.g. 8GB)\n"
            "  --device VENDOR/CLASS=NAME  a CDI device (e.g. nvidia.com/gpu=0)\n"
            "  --gaming-profile NAME     ultra-low-latency, performance, balanced, quality,\n"
            "                            power-saving (docs/gaming.md)\n"
            "  --dlss[=BOOL] --rt[=BOOL] --wine[=BOOL]  DLSS, ray tracing, Wine/Proton tuning\n"
            "  --fps N --vsync MODE      frame rate target; off, on, adaptive, mailbox\n"
            "  --performance MODE        ultra, high, balanced, efficient (GPU power/clocks)\n"
            "  --display MODE            x11, wayland or auto: the host's display socket\n"
            "  --gaming-input            /dev/input and /dev/uinput (controllers)\n"
            "  --audio SYSTEM            pipewire or pulseaudio: the host's sound server\n"
            "  --audio-latency LEVEL     low, normal or high\n",
            verb,
            strcmp(verb, "run") == 0 ? "Create a container from IMAGE and run COMMAND in it."
                                     : "Create a container from IMAGE without starting it.");
}

static int
parse_stop_timeout(const char *s, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);

    if (!*s || *end || v < 0 || v > 86400)
        return -1;
    *out = (int)v;
    return 0;
}

static int
parse_run_flag(int c, struct bolt_run_opts *o)
{
    switch (c) {
    case OPT_NAME:
        free(o->name);
        o->name = xstrdup(optarg);
        break;
    case 'd':
        o->detach = true;
        break;
    case OPT_RM:
        o->auto_remove = true;
        break;
    case 'i':
        o->interactive = true;
        break;
    case 't':
        o->tty = true;
        break;
    case 'e':
        bolt_strv_push(&o->env, optarg);
        break;
    case OPT_ENV_FILE:
        bolt_strv_push(&o->env_files, optarg);
        break;
    case 'v':
        bolt_strv_push(&o->volumes, optarg);
        break;
    case OPT_TMPFS:
        bolt_strv_push(&o->tmpfs, optarg);
        break;
    case 'w':
        free(o->workdir);
        o->workdir = xstrdup(optarg);
        break;
    case 'u':
        free(o->user);
        o->user = xstrdup(optarg);
        break;
    case OPT_ENTRYPOINT:
        free(o->entrypoint);
        o->entrypoint = xstrdup(optarg);
        break;
    case OPT_HOSTNAME:
        free(o->hostname);
        o->hostname = xstrdup(optarg);
        break;
    case 'm':
        free(o->memory);
        o->memory = xstrdup(optarg);
        break;
    case OPT_MEMORY_SWAP:
        free(o->memory_swap);
        o->memory_swap = xstrdup(optarg);
        break;
    case OPT_CPUS:
        free(o->cpus);
        o->cpus = xstrdup(optarg);
        break;
    case OPT_CPUSET:
        free(o->cpuset_cpus);
        o->cpuset_cpus = xstrdup(optarg);
        break;
    case 'c':
        free(o->cpu_shares);
        o->cpu_shares = xstrdup(optarg);
        break;
    case OPT_PIDS:
        free(o->pids_limit);
        o->pids_limit = xstrdup(optarg);
        break;
    case OPT_SHM:
        free(o->shm_size);
        o->shm_size = xstrdup(optarg);
        break;
    case OPT_HUGEPAGES:
        free(o->hugepages);
        o->hugepages = xstrdup(optarg);
        break;
    case OPT_ULIMIT:
        bolt_strv_push(&o->ulimits, optarg);
        break;
    case OPT_CAP_ADD:
        bolt_strv_push(&o->cap_add, optarg);
        break;
    case OPT_CAP_DROP:
        bolt_strv_push(&o->cap_drop, optarg);
        break;
    case OPT_PRIVILEGED:
        o->privileged = true;
        break;
    case OPT_READ_ONLY:
        o->read_only = true;
        break;
    case OPT_DEVICE:
        bolt_strv_push(&o->devices, optarg);
        break;
    case OPT_SECOPT:
        bolt_strv_push(&o->security_opts, optarg);
        break;
    case OPT_INIT:
        o->init = true;
        break;
    case OPT_RESTART:
        free(o->restart);
        o->restart = xstrdup(optarg);
        break;
    case OPT_NETWORK:
        free(o->network);
        o->network = xstrdup(optarg);
        break;
    case OPT_ADD_HOST:
        bolt_strv_push(&o->add_hosts, optarg);
        break;
    case 'l':
        bolt_strv_push(&o->labels, optarg);
        break;
    case OPT_STOP_SIGNAL:
        free(o->stop_signal);
        o->stop_signal = xstrdup(optarg);
        break;
    case OPT_STOP_TIMEOUT:
        if (parse_stop_timeout(optarg, &o->stop_timeout) < 0) {
            fprintf(stderr,
                    "bolt: --stop-timeout: invalid value '%s' (expected seconds, 0 to "
                    "86400)\n",
                    optarg);
            return -1;
        }
        break;
    case OPT_RUNTIME:
        free(o->runtime);
        o->runtime = xstrdup(optarg);
        break;
    case OPT_GPU:
        bolt_strv_push(&o->gpus, optarg);
        break;
    case OPT_GAMING_PROFILE:
    case OPT_DLSS:
    case OPT_RT:
    case OPT_WINE:
    case OPT_FPS:
    case OPT_VSYNC:
    case OPT_PERFORMANCE:
    case OPT_DISPLAY:
    case OPT_GAMING_INPUT:
    case OPT_AUDIO:
    case OPT_AUDIO_LATENCY: {
        static const char *const keys[] = {"profile",     "dlss",    "rt",    "wine",
                                           "fps",         "vsync",   "performance",
                                           "display",     "input",   "audio", "audio_latency"};
        cleanup_free char *v = xasprintf("%s=%s", keys[c - OPT_GAMING_PROFILE],
                                         optarg ? optarg : "true");
        bolt_strv_push(&o->gaming, v);
        break;
    }
    case OPT_GPUS:
    case OPT_GPU_ISO:
    case OPT_GPU_MEM: {
        /* tagged for bolt_nv_engine_edits (and shown as given in `bolt ps`) */
        const char *tag = c == OPT_GPUS ? "gpus" : c == OPT_GPU_ISO ? "isolation" : "memory";
        cleanup_free char *v = xasprintf("%s=%s", tag, optarg);
        bolt_strv_push(&o->gpus, v);
        break;
    }
    default:
        return -1;
    }
    return 0;
}

/* Parse argv of run/create into o. Returns 0, 1 (help printed) or -1 (message printed). */
static int
parse_run_args(int argc, char **argv, struct bolt_run_opts *o)
{
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+dite:v:w:u:m:c:l:", run_opts, NULL)) != -1) {
        if (c == 'H') {
            run_usage(stdout, argv[0]);
            return 1;
        }
        if (c == '?' || parse_run_flag(c, o) < 0) {
            fprintf(stderr, "see 'bolt %s --help'\n", argv[0]);
            return -1;
        }
    }
    if (optind >= argc) {
        fprintf(stderr,
                "bolt %s: missing IMAGE (usage: bolt %s [OPTIONS] IMAGE [COMMAND "
                "[ARG...]])\n",
                argv[0], argv[0]);
        return -1;
    }
    o->image = xstrdup(argv[optind++]);
    for (int i = optind; i < argc; i++)
        bolt_strv_push(&o->command, argv[i]);
    if (o->tty && isatty(0)) {
        struct winsize ws;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0) {
            o->console_rows = ws.ws_row;
            o->console_cols = ws.ws_col;
        }
    }
    if (o->tty && !o->detach && !isatty(0) && o->interactive) {
        fprintf(stderr,
                "bolt %s: the input device is not a TTY (drop -t, or run from a "
                "terminal)\n",
                argv[0]);
        return -1;
    }
    return 0;
}

static int
run_or_create(int argc, char **argv, bool start)
{
    struct bolt_run_opts o;
    struct bolt_ctr_store st;
    struct bolt_container *c = NULL;
    struct bolt_err err = {0};
    int r, code = CLI_EXIT_ENGINE;

    bolt_run_opts_init(&o);
    r = parse_run_args(argc, argv, &o);
    if (r != 0) {
        bolt_run_opts_fini(&o);
        return r > 0 ? 0 : CLI_EXIT_ENGINE;
    }
    if (engine_cli_store(&st, &err) < 0 || bolt_engine_create(&st, &o, &c, &err) < 0) {
        bolt_err_print("bolt", &err);
        goto out;
    }
    if (!start) {
        printf("%s\n", c->id);
        code = 0;
        goto out;
    }
    r = bolt_engine_start_ex(&st, c->id, o.detach, BOLT_ATTACH_STDIO, true, &code, &err);
    if (r < 0) {
        if (code == CLI_EXIT_NOEXEC || code == CLI_EXIT_NOTFOUND)
            err.errnum = 0; /* the message says it all; the status carries the class */
        bolt_err_print("bolt", &err);
        goto out;
    }
    if (o.detach) {
        printf("%s\n", c->id);
        code = 0;
    }
out:
    bolt_container_free(c);
    bolt_run_opts_fini(&o);
    bolt_ctrs_fini(&st);
    return code;
}

int
cmd_bolt_run(int argc, char **argv)
{
    return run_or_create(argc, argv, true);
}

int
cmd_bolt_create(int argc, char **argv)
{
    return run_or_create(argc, argv, false);
}
