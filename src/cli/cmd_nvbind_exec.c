/* SPDX-License-Identifier: Apache-2.0 */
/* nvbind exec: run a process in a running container (runc-compatible flags). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds_nvbind.h"
#include "runtime/runtime.h"
#include "util/json.h"
#include "util/mem.h"

struct exec_flags {
    const char *process_file;
    const char *cwd;
    const char *user;
    bool tty, no_new_privs;
    char **env;
    char **caps;
    char **gids;
};

/* A process.json (the "process" object of a config.json) as a spec holding only it. */
static struct bolt_oci_spec *
load_process(const char *path, struct bolt_err *err)
{
    json_t *proc = bolt_json_load_file(path, err);
    json_t *doc;
    struct bolt_oci_spec *spec;

    if (!proc)
        return NULL;
    doc = json_pack("{s:s, s:o}", "ociVersion", "1.2.0", "process", proc);
    spec = bolt_oci_spec_from_json(doc, err);
    json_decref(doc);
    if (!spec)
        bolt_err_wrap(err, "--process '%s'", path);
    else if (!spec->has_process || !spec->process.args || !spec->process.args[0]) {
        bolt_oci_spec_free(spec);
        bolt_err_set(err, EINVAL, "--process '%s': args: missing (name the program to run)",
                     path);
        return NULL;
    }
    return spec;
}

static int
parse_user(const char *s, uint32_t *uid, uint32_t *gid, struct bolt_err *err)
{
    char *end = NULL;
    unsigned long u = strtoul(s, &end, 10);

    if (end == s || (*end && *end != ':'))
        return bolt_err_set(err, EINVAL, "--user '%s': expected UID[:GID] (numbers)", s);
    *uid = (uint32_t)u;
    if (*end == ':') {
        const char *g = end + 1;
        unsigned long v = strtoul(g, &end, 10);
        if (end == g || *end)
            return bolt_err_set(err, EINVAL, "--user '%s': expected UID[:GID] (numbers)", s);
        *gid = (uint32_t)v;
    }
    return 0;
}

static void
add_cap(char ***set, const char *cap)
{
    cleanup_free char *name = strncasecmp(cap, "CAP_", 4) == 0 ? xstrdup(cap)
                                                                : xasprintf("CAP_%s", cap);
    bolt_strv_push(set, name);
}

/* No --process: the container's own process with the command line's changes. */
static struct bolt_oci_spec *
build_process(const char *id, const struct exec_flags *f, char **args, struct bolt_err *err)
{
    struct bolt_oci_spec *spec = bolt_rt_spec_get(nvbind_g.root, id, err);
    struct bolt_oci_process *p;

    if (!spec)
        return NULL;
    p = &spec->process;
    bolt_strv_free(p->args);
    p->args = bolt_strv_dup(args);
    p->terminal = f->tty;
    if (f->cwd) {
        free(p->cwd);
        p->cwd = xstrdup(f->cwd);
    }
    for (size_t i = 0; f->env && f->env[i]; i++) {
        cleanup_free char *kv = xstrdup(f->env[i]);
        char *eq = strchr(kv, '=');
        if (!eq) {
            bolt_err_set(err, EINVAL, "--env '%s': expected KEY=VALUE", f->env[i]);
            bolt_oci_spec_free(spec);
            return NULL;
        }
        *eq = '\0';
        bolt_oci_spec_setenv(spec, kv, eq + 1);
    }
    if (f->user && parse_user(f->user, &p->uid, &p->gid, err) < 0) {
        bolt_oci_spec_free(spec);
        return NULL;
    }
    for (size_t i = 0; f->gids && f->gids[i]; i++) {
        p->additional_gids = xreallocarray(p->additional_gids, p->n_additional_gids + 1,
                                           sizeof(gid_t));
        p->additional_gids[p->n_additional_gids++] = (gid_t)strtoul(f->gids[i], NULL, 10);
    }
    for (size_t i = 0; f->caps && f->caps[i]; i++) {
        p->has_caps = true;
        add_cap(&p->caps.bounding, f->caps[i]);
        add_cap(&p->caps.effective, f->caps[i]);
        add_cap(&p->caps.permitted, f->caps[i]);
    }
    if (f->no_new_privs)
        p->no_new_privileges = true;
    return spec;
}

/* Parse exec's flags. Returns 0, 1 for --help, or -exit code. */
static int
parse_exec_flags(int argc, char **argv, struct exec_flags *f, struct bolt_rt_exec_opts *o)
{
    static const struct option opts[] = {
        {"process", required_argument, NULL, 'p'},
        {"console-socket", required_argument, NULL, 'C'},
        {"tty", no_argument, NULL, 't'},
        {"detach", no_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, 'P'},
        {"env", required_argument, NULL, 'e'},
        {"cwd", required_argument, NULL, 'w'},
        {"user", required_argument, NULL, 'u'},
        {"additional-gids", required_argument, NULL, 'g'},
        {"cap", required_argument, NULL, 'c'},
        {"no-new-privs", no_argument, NULL, 'n'},
        {"preserve-fds", required_argument, NULL, 'F'},
        /* accepted for runc compatibility; no LSM or sub-cgroup support here */
        {"process-label", required_argument, NULL, 'L'},
        {"apparmor", required_argument, NULL, 'A'},
        {"cgroup", required_argument, NULL, 'G'},
        {"ignore-paused", no_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+p:tde:u:g:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            f->process_file = optarg;
            break;
        case 'C':
            o->console_socket = optarg;
            break;
        case 't':
            f->tty = true;
            break;
        case 'd':
            o->detach = true;
            break;
        case 'P':
            o->pid_file = optarg;
            break;
        case 'e':
            bolt_strv_push(&f->env, optarg);
            break;
        case 'w':
            f->cwd = optarg;
            break;
        case 'u':
            f->user = optarg;
            break;
        case 'g':
            bolt_strv_push(&f->gids, optarg);
            break;
        case 'c':
            bolt_strv_push(&f->caps, optarg);
            break;
        case 'n':
            f->no_new_privs = true;
            break;
        case 'F':
            if (cli_nvbind_parse_count("--preserve-fds", optarg, &o->preserve_fds) < 0)
                return -CLI_EXIT_USAGE;
            break;
        case 'L':
        case 'A':
        case 'G':
        case 'I':
            break;
        case 'h':
            printf("usage: nvbind exec [--process FILE | [--tty] [--env K=V] [--cwd DIR] "
                   "[--user UID[:GID]] [--cap CAP]] [--detach] [--pid-file F] "
                   "[--console-socket S] ID [COMMAND ARG...]\n");
            return 1;
        default:
            return -CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_usage_error("nvbind", "exec: expected a container ID");
        return -CLI_EXIT_USAGE;
    }
    if (!f->process_file && optind + 1 >= argc) {
        cli_usage_error("nvbind", "exec: give a command after the ID, or --process FILE");
        return -CLI_EXIT_USAGE;
    }
    return 0;
}

int
cmd_nvbind_exec(int argc, char **argv)
{
    struct exec_flags f = {0};
    struct bolt_rt_exec_opts o;
    struct bolt_err err = {0};
    struct bolt_rt_proc proc = {.pid = 0, .pidfd = -1};
    struct bolt_oci_spec *spec = NULL;
    const char *id;
    int r;

    bolt_rt_exec_opts_init(&o);
    r = parse_exec_flags(argc, argv, &f, &o);
    if (r == 0) {
        id = argv[optind];
        spec = f.process_file ? load_process(f.process_file, &err)
                              : build_process(id, &f, argv + optind + 1, &err);
    }
    bolt_strv_free(f.env);
    bolt_strv_free(f.caps);
    bolt_strv_free(f.gids);
    if (r != 0)
        return r > 0 ? 0 : -r;
    if (!spec) {
        bolt_err_print("nvbind", &err);
        return 1;
    }
    r = bolt_rt_exec(nvbind_g.root, id, &spec->process, &o, &proc, &err);
    bolt_oci_spec_free(spec);
    if (proc.pidfd >= 0)
        close(proc.pidfd);
    if (r < 0) {
        bolt_err_print("nvbind", &err);
        return bolt_rt_exit_code_for(&err);
    }
    return r;
}
