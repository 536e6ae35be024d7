/* SPDX-License-Identifier: Apache-2.0 */
/* bolt ps and bolt inspect. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmds_bolt.h"
#include "cli/engine_cli.h"
#include "engine/engine.h"
#include "engine/logs.h"
#include "nvbind/profile.h"
#include "oci/spec.h"
#include "util/fs.h"
#include "util/mem.h"

struct ps_filter {
    char **names, **labels, **statuses, **ids;
};

static int
add_filter(struct ps_filter *f, const char *s)
{
    const char *eq = strchr(s, '=');
    size_t kl = eq ? (size_t)(eq - s) : 0;

    if (!eq)
        goto bad;
    if (kl == 4 && strncmp(s, "name", 4) == 0)
        bolt_strv_push(&f->names, eq + 1);
    else if (kl == 5 && strncmp(s, "label", 5) == 0)
        bolt_strv_push(&f->labels, eq + 1);
    else if (kl == 6 && strncmp(s, "status", 6) == 0) {
        if (bolt_ctr_status_parse(eq + 1) < 0) {
            fprintf(stderr,
                    "bolt ps: --filter status='%s': unknown status (expected created, "
                    "running, restarting, exited or dead)\n",
                    eq + 1);
            return -1;
        }
        bolt_strv_push(&f->statuses, eq + 1);
    } else if (kl == 2 && strncmp(s, "id", 2) == 0)
        bolt_strv_push(&f->ids, eq + 1);
    else
        goto bad;
    return 0;
bad:
    fprintf(stderr,
            "bolt ps: --filter '%s': expected name=NAME, label=KEY[=VALUE], "
            "status=STATUS or id=PREFIX\n",
            s);
    return -1;
}

static bool
match_label(const struct bolt_container *c, const char *want)
{
    const char *eq = strchr(want, '=');
    size_t kl = eq ? (size_t)(eq - want) : strlen(want);

    for (size_t i = 0; i < c->n_labels; i++) {
        if (strlen(c->labels[i].key) != kl || strncmp(c->labels[i].key, want, kl) != 0)
            continue;
        if (!eq || strcmp(c->labels[i].value, eq + 1) == 0)
            return true;
    }
    return false;
}

static bool
matches(const struct bolt_container *c, const struct ps_filter *f, bool all)
{
    bool ok;

    if (!all && !f->statuses && c->status != BOLT_CTR_RUNNING && c->status != BOLT_CTR_RESTARTING)
        return false;
    ok = !f->names;
    for (size_t i = 0; f->names && f->names[i] && !ok; i++)
        ok = strstr(c->name, f->names[i]) != NULL;
    if (!ok)
        return false;
    for (size_t i = 0; f->labels && f->labels[i]; i++)
        if (!match_label(c, f->labels[i]))
            return false;
    ok = !f->statuses;
    for (size_t i = 0; f->statuses && f->statuses[i] && !ok; i++)
        ok = strcmp(bolt_ctr_status_name(c->status), f->statuses[i]) == 0;
    if (!ok)
        return false;
    ok = !f->ids;
    for (size_t i = 0; f->ids && f->ids[i] && !ok; i++)
        ok = strncmp(c->id, f->ids[i], strlen(f->ids[i])) == 0;
    return ok;
}

static char *
join_command(char *const *v, bool trunc)
{
    size_t len = 3;
    char *s;

    for (size_t i = 0; v && v[i]; i++)
        len += strlen(v[i]) + 1;
    s = xzalloc(len);
    strcat(s, "\"");
    for (size_t i = 0; v && v[i]; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, v[i]);
    }
    if (trunc && strlen(s) > 20)
        strcpy(s + 17, "...");
    strcat(s, "\"");
    return s;
}

static char *
join_gpus(char *const *v)
{
    size_t len = 1;
    char *s;

    if (!v || !v[0])
        return xstrdup("-");
    for (size_t i = 0; v[i]; i++)
        len += strlen(v[i]) + 1;
    s = xzalloc(len);
    for (size_t i = 0; v[i]; i++) {
        if (i)
            strcat(s, ",");
        strcat(s, v[i]);
    }
    return s;
}

/*
 * The STATUS text, plus why bolt stopped the container when its monitor did (the reason
 * recorded as "stopped by bolt: <reason>: <details>"): "Exited (137) 3 seconds ago (GPU memory
 * limit 1.00 GiB exceeded: 2.00 GiB used on GPU-...)".
 */
static const char *
ps_status(const struct bolt_container *c, char *buf, size_t len)
{
    static const char prefix[] = "stopped by bolt: ";
    static const char gpu_mem[] = "GPU memory limit exceeded: ";
    size_t off;

    engine_cli_status(c, buf, len);
    if (c->status != BOLT_CTR_EXITED || c->error == NULL
        || strncmp(c->error, prefix, sizeof(prefix) - 1) != 0)
        return buf;
    off = strlen(buf);
    {
        const char *why = c->error + sizeof(prefix) - 1;
        const char *lim = strstr(why, "> --gpu-memory ");
        if (strncmp(why, gpu_mem, sizeof(gpu_mem) - 1) == 0 && lim && lim > why + sizeof(gpu_mem)) {
            const char *used = why + sizeof(gpu_mem) - 1;
            /* "GPU memory limit exceeded: X used on U > --gpu-memory L" */
            snprintf(buf + off, len - off, " (GPU memory limit %s exceeded: %.*s)",
                     lim + strlen("> --gpu-memory "), (int)(lim - used - 1), used);
        } else {
            snprintf(buf + off, len - off, " (%s)", why);
        }
    }
    return buf;
}

static json_t *
ps_json(const struct bolt_container *c)
{
    char st[320], ts[48];
    json_t *labels = json_object();
    json_t *cmd = json_array();
    cleanup_free char *gpus = join_gpus(c->gpus);

    for (size_t i = 0; i < c->n_labels; i++)
        json_object_set_new(labels, c->labels[i].key, json_string(c->labels[i].value));
    for (size_t i = 0; c->command && c->command[i]; i++)
        json_array_append_new(cmd, json_string(c->command[i]));
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:i}", "Id", c->id,
                     "Name", c->name, "Image", c->image, "Command", cmd, "Created",
                     engine_rfc3339(c->created_ns, ts, sizeof(ts)), "State",
                     bolt_ctr_status_name(c->status), "Status", ps_status(c, st, sizeof(st)),
                     "Runtime", c->runtime ? c->runtime : "nvbind", "Gpus", gpus, "ExitCode",
                     c->exit_code, "Labels", labels, "RestartCount", c->restart_count);
}

static void
print_table(struct bolt_container **v, size_t n, const struct ps_filter *f, bool all, bool quiet,
            bool trunc)
{
    int w = trunc ? 12 : 64;

    if (!quiet)
        printf("%-*s  %-20s  %-22s  %-16s  %-28s  %-24s  %-8s  %s\n", w, "CONTAINER ID", "IMAGE",
               "COMMAND", "CREATED", "STATUS", "NAMES", "RUNTIME", "GPUS");
    for (size_t i = 0; i < n; i++) {
        const struct bolt_container *c = v[n - 1 - i]; /* newest first, as docker */
        char st[320], created[64], d[48];
        cleanup_free char *cmd = NULL;
        cleanup_free char *gpus = NULL;
        if (!matches(c, f, all))
            continue;
        if (quiet) {
            printf("%.*s\n", w, c->id);
            continue;
        }
        cmd = join_command(c->command, trunc);
        gpus = join_gpus(c->gpus);
        snprintf(created, sizeof(created), "%s ago",
                 engine_cli_human_duration(bolt_now_ns() - c->created_ns, d, sizeof(d)));
        printf("%-*.*s  %-20s  %-22s  %-16s  %-28s  %-24s  %-8s  %s\n", w, w, c->id, c->image, cmd,
               created, ps_status(c, st, sizeof(st)), c->name, c->runtime ? c->runtime : "nvbind",
               gpus);
    }
}

int
cmd_bolt_ps(int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'},
        {"no-trunc", no_argument, NULL, 'T'},
        {"filter", required_argument, NULL, 'f'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ps_filter f = {0};
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    struct bolt_container **v;
    bool all = false, quiet = false, trunc = true, json = false;
    size_t n = 0;
    int c, rc = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+aqf:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            all = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'T':
            trunc = false;
            break;
        case 'f':
            if (add_filter(&f, optarg) < 0)
                return CLI_EXIT_USAGE;
            break;
        case 'F':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "table") != 0)
                return cli_usage_error("bolt ps",
                                       "--format: unknown format '%s' (expected "
                                       "table or json)",
                                       optarg);
            break;
        case 'h':
            printf("usage: bolt ps [-a] [-q] [--no-trunc] [--filter name=|label=|status=|id=] "
                   "[--format table|json]\n");
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (engine_cli_store(&st, &err) < 0 || !(v = bolt_ctrs_list(&st, &n, &err))) {
        bolt_err_print("bolt", &err);
        return CLI_EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++)
        bolt_ctrs_reconcile(&st, v[i]); /* a dead monitor is reported, not trusted */
    if (json) {
        json_t *arr = json_array();
        for (size_t i = n; i-- > 0;)
            if (matches(v[i], &f, all))
                json_array_append_new(arr, ps_json(v[i]));
        json_dumpf(arr, stdout, JSON_INDENT(2));
        printf("\n");
        json_decref(arr);
    } else {
        print_table(v, n, &f, all, quiet, trunc);
    }
    bolt_ctrs_list_free(v, n);
    bolt_ctrs_fini(&st);
    bolt_strv_free(f.names);
    bolt_strv_free(f.labels);
    bolt_strv_free(f.statuses);
    bolt_strv_free(f.ids);
    return rc;
}

static json_t *
strv_json(char *const *v)
{
    json_t *a = json_array();

    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *
inspect_state(const struct bolt_container *c)
{
    char a[48], b[48];

    return json_pack("{s:s, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s, s:i}", "Status",
                     bolt_ctr_status_name(c->status), "Running", c->status == BOLT_CTR_RUNNING,
                     "Restarting", c->status == BOLT_CTR_RESTARTING, "Dead",
                     c->status == BOLT_CTR_DEAD, "Pid", c->pid, "ExitCode", c->exit_code, "Error",
                     c->error ? c->error : "", "StartedAt",
                     c->started_ns ? engine_rfc3339(c->started_ns, a, sizeof(a)) : "", "FinishedAt",
                     c->finished_ns ? engine_rfc3339(c->finished_ns, b, sizeof(b)) : "",
                     "MonitorPid", c->monitor_pid);
}

static json_t *
inspect_config(const struct bolt_container *c, const struct bolt_oci_spec *spec)
{
    json_t *labels = json_object();
    char sig[32];

    for (size_t i = 0; i < c->n_labels; i++)
        json_object_set_new(labels, c->labels[i].key, json_string(c->labels[i].value));
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:s, s:i, s:b, s:b}", "Hostname",
                     spec && spec->hostname ? spec->hostname : "", "Image", c->image, "Env",
                     strv_json(spec ? spec->process.env : NULL), "Cmd", strv_json(c->command),
                     "WorkingDir", spec && spec->process.cwd ? spec->process.cwd : "/", "User", "",
                     "Labels", labels, "StopSignal",
                     bolt_signal_name(c->stop_signal, sig, sizeof(sig)), "StopTimeout",
                     c->stop_timeout, "Tty", c->tty, "OpenStdin", c->interactive);
}

static json_t *
inspect_mounts(const struct bolt_oci_spec *spec)
{
    json_t *a = json_array();

    for (size_t i = 0; spec && i < spec->n_mounts; i++) {
        const struct bolt_oci_mount *m = &spec->mounts[i];
        bool rw = true;
        if (!m->type || (strcmp(m->type, "bind") != 0 && strcmp(m->type, "tmpfs") != 0))
            continue;
        for (size_t j = 0; m->options && m->options[j]; j++)
            if (strcmp(m->options[j], "ro") == 0)
                rw = false;
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "Type", m->type, "Source",
                                           m->source ? m->source : "", "Destination",
                                           m->destination, "RW", rw));
    }
    return a;
}

static json_t *
inspect_one(const struct bolt_ctr_store *st, const struct bolt_container *c)
{
    cleanup_free char *dir = bolt_ctrs_ctr_dir(st, c->id);
    cleanup_free char *cfg = xasprintf("%s/config.json", dir);
    cleanup_free char *logp = xasprintf("%s/ctr.log", dir);
    struct bolt_oci_spec *spec = bolt_oci_spec_load(cfg, NULL);
    char created[48], rp[32];
    cleanup_free char *name = xasprintf("/%s", c->name);
    json_t *o;

    o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:i, s:s, s:s, s:o, s:o, s:o}", "Id",
                  c->id, "Created", engine_rfc3339(c->created_ns, created, sizeof(created)), "Name",
                  name, "Path", c->command && c->command[0] ? c->command[0] : "", "Args",
                  strv_json(c->command && c->command[0] ? c->command + 1 : NULL), "State",
                  inspect_state(c), "Image", c->image_id ? c->image_id : "", "ImageName", c->image,
                  "RestartCount", c->restart_count, "LogPath", logp, "Runtime",
                  c->runtime ? c->runtime : "nvbind", "Config", inspect_config(c, spec), "Mounts",
                  inspect_mounts(spec), "GPUs", strv_json(c->gpus));
    json_object_set_new(o, "HostConfig",
                        json_pack("{s:{s:s, s:i}, s:b, s:s, s:b, s:b}", "RestartPolicy", "Name",
                                  bolt_restart_policy_str(&c->restart, rp, sizeof(rp)),
                                  "MaximumRetryCount", c->restart.max_retries, "AutoRemove",
                                  c->auto_remove, "Runtime", c->runtime ? c->runtime : "nvbind",
                                  "Init", c->init, "ReadonlyRootfs",
                                  spec ? spec->root_readonly : false));
    json_object_set_new(o, "Gaming", bolt_nv_gaming_inspect(spec)); /* what was applied */
    if (spec)
        json_object_set_new(o, "OCISpec", bolt_oci_spec_to_json(spec));
    bolt_oci_spec_free(spec);
    return o;
}

/* {{.A.B}} templates: each placeholder is replaced by that JSON member. */
static void
print_template(json_t *o, const char *fmt)
{
    const char *p = fmt;

    while (*p) {
        const char *open = strstr(p, "{{");
        const char *close = open ? strstr(open, "}}") : NULL;
        if (!open || !close) {
            fputs(p, stdout);
            break;
        }
        fwrite(p, 1, (size_t)(open - p), stdout);
        {
            cleanup_free char *path = xstrndup(open + 2, (size_t)(close - open - 2));
            char *s = path, *save = NULL;
            json_t *v = o;
            while (*s == ' ')
                s++;
            bolt_rstrip(s);
            for (char *k = strtok_r(s, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
                v = json_object_get(v, k);
            if (json_is_string(v))
                fputs(json_string_value(v), stdout);
            else if (v) {
                char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
                fputs(t ? t : "", stdout);
                free(t);
            } else
                fputs("<no value>", stdout);
        }
        p = close + 2;
    }
    fputc('\n', stdout);
}

int
cmd_bolt_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    const char *fmt = NULL;
    json_t *arr;
    int c, rc = 0;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        if (c == 'f') {
            fmt = optarg;
        } else if (c == 'h') {
            printf("usage: bolt inspect [-f TEMPLATE] CONTAINER...\n");
            return 0;
        } else {
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return cli_usage_error("bolt inspect", "missing CONTAINER (usage: bolt inspect [-f "
                                               "TEMPLATE] CONTAINER...)");
    if (engine_cli_store(&st, &err) < 0) {
        bolt_err_print("bolt", &err);
        return CLI_EXIT_FAIL;
    }
    arr = json_array();
    for (int i = optind; i < argc; i++) {
        struct bolt_container *ct = bolt_ctrs_lookup(&st, argv[i], &err);
        json_t *o;
        if (!ct) {
            bolt_err_print("bolt", &err);
            rc = CLI_EXIT_FAIL;
            continue;
        }
        bolt_ctrs_reconcile(&st, ct);
        o = inspect_one(&st, ct);
        if (fmt)
            print_template(o, fmt);
        json_array_append_new(arr, o);
        bolt_container_free(ct);
    }
    if (!fmt) {
        json_dumpf(arr, stdout, JSON_INDENT(4));
        printf("\n");
    }
    json_decref(arr);
    bolt_ctrs_fini(&st);
    return rc;
}
