/* SPDX-License-Identifier: Apache-2.0 */
/*
 * surge: Boltfile services -> engine run options, names, labels, the config hash,
 * volumes, and finding a project's containers. The scheduling of up/start/stop lives in
 * surge_up.c, the logs in surge_logs.c.
 */
#include "surge/surge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/pull.h"
#include "nvbind/profile.h"
#include "oci/sha256_lite.h"
#include "util/fs.h"
#include "util/mem.h"

char *
surge_ctr_name(const struct surge *s, const char *service)
{
    return xasprintf("%s-%s-1", s->bf->project, service);
}

static char *
volumes_dir(const struct surge *s)
{
    return xasprintf("%s/surge-volumes", s->root);
}

/* Host directory of a named volume. */
static char *
named_volume_path(const struct surge *s, const char *name)
{
    cleanup_free char *dir = volumes_dir(s);

    for (size_t i = 0; i < s->bf->n_volumes; i++)
        if (strcmp(s->bf->volumes[i].name, name) == 0 && s->bf->volumes[i].external)
            return xasprintf("%s/%s", dir, name);
    return xasprintf("%s/%s_%s", dir, s->bf->project, name);
}

static char *
anon_volume_path(const struct surge *s, const char *service, size_t index)
{
    cleanup_free char *dir = volumes_dir(s);

    return xasprintf("%s/%s_anon/%s/%zu", dir, s->bf->project, service, index);
}

static void
set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v ? xstrdup(v) : NULL;
}

static const char *
restart_str(const struct bolt_bf_service *svc, char *buf, size_t len)
{
    if (svc->restart == BOLT_BF_RESTART_ON_FAILURE && svc->restart_max_retries > 0) {
        snprintf(buf, len, "on-failure:%d", svc->restart_max_retries);
        return buf;
    }
    return bolt_bf_restart_name(svc->restart);
}

static int
map_network(const struct bolt_bf_service *svc, struct bolt_run_opts *o, struct bolt_err *err)
{
    const char *m = svc->network_mode;

    if (m == NULL || strcmp(m, "bridge") == 0 || strcmp(m, "host") == 0) {
        /* no bridge networks in bolt yet: the stack shares the host's network */
        for (size_t i = 0; i < svc->n_ports; i++) {
            const struct bolt_bf_port *p = &svc->ports[i];
            if (p->host_start != 0
                && (p->host_start != p->container_start || p->host_end != p->container_end))
                return bolt_err_set(err, 0,
                                    "service '%s': ports: %u:%u maps a host port to a different "
                                    "container port, which needs a bridge network (bolt runs "
                                    "services on the host's network); publish the same port "
                                    "(\"%u:%u\") or change the port the service listens on",
                                    svc->name, p->host_start, p->container_start,
                                    p->container_start, p->container_start);
        }
        set_str(&o->network, "host");
        return 0;
    }
    if (strcmp(m, "none") == 0) {
        set_str(&o->network, "none");
        return 0;
    }
    return bolt_err_set(err, 0,
                        "service '%s': network_mode '%s' is not supported by bolt's engine "
                        "(use none, host or bridge)",
                        svc->name, m);
}

/*
 * /etc/hosts entries: the service's extra_hosts, then, on the host's network (where every
 * service of the stack listens on the host's addresses), each service's name and hostname
 * as 127.0.0.1, so "db:5432" reaches the db service as it does under docker compose.
 */
static void
map_hosts(const struct surge *s, const struct bolt_bf_service *svc, struct bolt_run_opts *o)
{
    o->add_hosts = bolt_strv_dup(svc->extra_hosts);
    if (!o->network || strcmp(o->network, "host") != 0)
        return;
    for (size_t i = 0; i < s->bf->n_services; i++) {
        const struct bolt_bf_service *x = &s->bf->services[i];
        cleanup_free char *a = xasprintf("%s:127.0.0.1", x->name);
        bolt_strv_push(&o->add_hosts, a);
        if (x->hostname && strcmp(x->hostname, x->name) != 0) {
            cleanup_free char *b = xasprintf("%s:127.0.0.1", x->hostname);
            bolt_strv_push(&o->add_hosts, b);
        }
    }
}

static void
map_gpu(const struct bolt_bf_service *svc, struct bolt_run_opts *o)
{
    const struct bolt_bf_gpu *g = &svc->gpu;
    char *v;

    if (!g->present)
        return;
    if (g->n_devices == 0) {
        bolt_strv_push(&o->gpus, "all");
    } else {
        /* one --gpu with the comma list, as `bolt run --gpu 0,2` */
        v = xstrdup("");
        for (size_t i = 0; i < g->n_devices; i++) {
            char *n = xasprintf("%s%s%s", v, i ? "," : "", g->devices[i]);
            free(v);
            v = n;
        }
        bolt_strv_push(&o->gpus, v);
        free(v);
    }
    if (g->isolation_level) {
        v = xasprintf("isolation=%s", g->isolation_level);
        bolt_strv_push(&o->gpus, v);
        free(v);
    }
    if (g->memory_limit) {
        v = xasprintf("memory=%llu", (unsigned long long)g->memory_limit);
        bolt_strv_push(&o->gpus, v);
        free(v);
    }
    if (g->cuda_version) {
        v = xasprintf("NVIDIA_REQUIRE_CUDA=cuda>=%s", g->cuda_version);
        bolt_strv_push(&o->env, v);
        free(v);
    }
    if (g->driver_version) {
        v = xasprintf("NVIDIA_REQUIRE_DRIVER=driver>=%s", g->driver_version);
        bolt_strv_push(&o->env, v);
        free(v);
    }
    if (g->cuda_support)
        bolt_strv_push(&o->env,
                       "NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics,video,display");
}

static void
map_volumes(const struct surge *s, const struct bolt_bf_service *svc, struct bolt_run_opts *o)
{
    for (size_t i = 0; i < svc->n_volumes; i++) {
        const struct bolt_bf_volume *v = &svc->volumes[i];
        cleanup_free char *host = NULL;
        cleanup_free char *spec = NULL;

        if (v->type == BOLT_BF_VOLUME_BIND)
            host = xstrdup(v->source);
        else if (v->type == BOLT_BF_VOLUME_NAMED)
            host = named_volume_path(s, v->source);
        else
            host = anon_volume_path(s, svc->name, i);
        spec = xasprintf("%s:%s%s", host, v->target, v->read_only ? ":ro" : "");
        bolt_strv_push(&o->volumes, spec);
    }
}

static void
map_command(const struct bolt_bf_service *svc, struct bolt_run_opts *o)
{
    if (svc->entrypoint) {
        /* docker's rule: --entrypoint is the program, its other words lead the command;
         * an entrypoint given in the file also drops the image's CMD */
        set_str(&o->entrypoint, svc->entrypoint[0] ? svc->entrypoint[0] : "");
        for (size_t i = 1; svc->entrypoint[0] && svc->entrypoint[i]; i++)
            bolt_strv_push(&o->command, svc->entrypoint[i]);
    }
    for (size_t i = 0; svc->command && svc->command[i]; i++)
        bolt_strv_push(&o->command, svc->command[i]);
}

static void
push_fmt_label(struct bolt_run_opts *o, const char *key, const char *value)
{
    cleanup_free char *l = xasprintf("%s=%s", key, value);

    bolt_strv_push(&o->labels, l);
}

int
surge_run_opts(const struct surge *s, const struct bolt_bf_service *svc, struct bolt_run_opts *o,
               struct bolt_err *err)
{
    char buf[64];
    char hash[65];

    o->image = xstrdup(svc->image);
    o->name = surge_ctr_name(s, svc->name);
    o->detach = true;
    map_command(svc, o);
    o->env = bolt_strv_dup(svc->environment);
    o->env_files = bolt_strv_dup(svc->env_file);
    map_volumes(s, svc, o);
    set_str(&o->workdir, svc->working_dir);
    set_str(&o->user, svc->user);
    set_str(&o->hostname, svc->hostname);
    if (svc->memory) {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)svc->memory);
        set_str(&o->memory, buf);
    }
    if (svc->cpus > 0) {
        snprintf(buf, sizeof(buf), "%g", svc->cpus);
        set_str(&o->cpus, buf);
    }
    set_str(&o->cpuset_cpus, svc->cpuset);
    if (svc->pids_limit != 0) {
        snprintf(buf, sizeof(buf), "%lld", (long long)svc->pids_limit);
        set_str(&o->pids_limit, buf);
    }
    o->cap_add = bolt_strv_dup(svc->cap_add);
    o->cap_drop = bolt_strv_dup(svc->cap_drop);
    o->devices = bolt_strv_dup(svc->devices);
    o->privileged = svc->privileged;
    o->read_only = svc->read_only;
    set_str(&o->restart, restart_str(svc, buf, sizeof(buf)));
    set_str(&o->stop_signal, svc->stop_signal);
    if (svc->stop_grace_period_ns)
        o->stop_timeout = (int)((svc->stop_grace_period_ns + 999999999ULL) / 1000000000ULL);
    if (map_network(svc, o, err) < 0)
        return -1;
    map_hosts(s, svc, o);
    map_gpu(svc, o);
    bolt_nv_gaming_from_boltfile(&svc->gpu, &svc->audio, &o->gaming); /* gaming keys */
    o->labels = bolt_strv_dup(svc->labels);
    push_fmt_label(o, SURGE_LABEL_PROJECT, s->bf->project);
    push_fmt_label(o, SURGE_LABEL_SERVICE, svc->name);
    push_fmt_label(o, SURGE_LABEL_NUMBER, "1");
    surge_opts_hash(o, hash);
    push_fmt_label(o, SURGE_LABEL_HASH, hash);
    return 0;
}

/* Hash input: every field, tagged, so that moving a value between fields changes it. */
static void
h_str(struct bolt_sha256_lite *h, const char *tag, const char *v)
{
    bolt_sha256_lite_update(h, tag, strlen(tag) + 1);
    if (v)
        bolt_sha256_lite_update(h, v, strlen(v) + 1);
    else
        bolt_sha256_lite_update(h, "\xff", 1);
}

static void
h_strv(struct bolt_sha256_lite *h, const char *tag, char *const *v)
{
    char n[32];

    snprintf(n, sizeof(n), "%zu", bolt_strv_len(v));
    h_str(h, tag, n);
    for (size_t i = 0; v && v[i]; i++)
        h_str(h, "", v[i]);
}

void
surge_opts_hash(const struct bolt_run_opts *o, char out[65])
{
    struct bolt_sha256_lite h;
    uint8_t d[32];
    char n[64];

    bolt_sha256_lite_init(&h);
    h_str(&h, "image", o->image);
    h_strv(&h, "command", o->command);
    h_str(&h, "name", o->name);
    h_strv(&h, "env", o->env);
    h_strv(&h, "env_files", o->env_files);
    h_strv(&h, "volumes", o->volumes);
    h_strv(&h, "tmpfs", o->tmpfs);
    h_str(&h, "workdir", o->workdir);
    h_str(&h, "user", o->user);
    h_str(&h, "entrypoint", o->entrypoint);
    h_str(&h, "hostname", o->hostname);
    h_str(&h, "memory", o->memory);
    h_str(&h, "memory_swap", o->memory_swap);
    h_str(&h, "cpus", o->cpus);
    h_str(&h, "cpuset", o->cpuset_cpus);
    h_str(&h, "cpu_shares", o->cpu_shares);
    h_str(&h, "pids", o->pids_limit);
    h_str(&h, "shm", o->shm_size);
    h_strv(&h, "ulimits", o->ulimits);
    h_strv(&h, "cap_add", o->cap_add);
    h_strv(&h, "cap_drop", o->cap_drop);
    snprintf(n, sizeof(n), "%d%d%d%d%d", o->privileged, o->read_only, o->init, o->tty,
             o->interactive);
    h_str(&h, "flags", n);
    h_strv(&h, "devices", o->devices);
    h_strv(&h, "security_opts", o->security_opts);
    h_str(&h, "restart", o->restart);
    h_str(&h, "network", o->network);
    if (o->add_hosts)
        h_strv(&h, "add_hosts", o->add_hosts);
    h_strv(&h, "labels", o->labels);
    h_str(&h, "stop_signal", o->stop_signal);
    snprintf(n, sizeof(n), "%d", o->stop_timeout);
    h_str(&h, "stop_timeout", n);
    h_str(&h, "runtime", o->runtime);
    h_strv(&h, "gpus", o->gpus);
    h_strv(&h, "gaming", o->gaming);
    bolt_sha256_lite_final(&h, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int
surge_prepare_volumes(const struct surge *s, const struct bolt_bf_service *svc,
                      struct bolt_err *err)
{
    for (size_t i = 0; i < svc->n_volumes; i++) {
        const struct bolt_bf_volume *v = &svc->volumes[i];
        cleanup_free char *path = NULL;
        bool external = false;

        if (v->type == BOLT_BF_VOLUME_BIND)
            continue;
        if (v->type == BOLT_BF_VOLUME_NAMED) {
            for (size_t k = 0; k < s->bf->n_volumes; k++)
                if (strcmp(s->bf->volumes[k].name, v->source) == 0)
                    external = s->bf->volumes[k].external;
            path = named_volume_path(s, v->source);
        } else {
            path = anon_volume_path(s, svc->name, i);
        }
        if (external) {
            if (!bolt_path_exists(path))
                return bolt_err_set(err, ENOENT,
                                    "service '%s': external volume '%s' does not exist (expected "
                                    "the directory '%s'; create it, or drop external = true)",
                                    svc->name, v->source, path);
            continue;
        }
        if (bolt_mkdir_p(path, 0755, err) < 0)
            return bolt_err_wrap(err, "service '%s': volume '%s'", svc->name,
                                 v->source ? v->source : v->target);
    }
    return 0;
}

int
surge_remove_volumes(const struct surge *s, struct bolt_err *err)
{
    cleanup_free char *dir = volumes_dir(s);
    cleanup_free char *anon = xasprintf("%s/%s_anon", dir, s->bf->project);
    int rc = 0;

    for (size_t i = 0; i < s->bf->n_volumes; i++) {
        cleanup_free char *p = NULL;
        if (s->bf->volumes[i].external)
            continue;
        p = named_volume_path(s, s->bf->volumes[i].name);
        if (bolt_path_exists(p) && bolt_rm_rf(p, err) < 0)
            rc = -1;
        else if (!s->quiet && bolt_path_exists(dir))
            fprintf(stderr, "Volume %s_%s removed\n", s->bf->project, s->bf->volumes[i].name);
    }
    if (bolt_path_exists(anon) && bolt_rm_rf(anon, err) < 0)
        rc = -1;
    return rc;
}

const char *
surge_label(const struct bolt_container *c, const char *key)
{
    for (size_t i = 0; i < c->n_labels; i++)
        if (strcmp(c->labels[i].key, key) == 0)
            return c->labels[i].value;
    return NULL;
}

struct bolt_container **
surge_list(const struct surge *s, const char *service, size_t *n, struct bolt_err *err)
{
    size_t all = 0, k = 0;
    struct bolt_container **v = bolt_ctrs_list(&s->st, &all, err);

    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < all; i++) {
        const char *p = surge_label(v[i], SURGE_LABEL_PROJECT);
        const char *sv = surge_label(v[i], SURGE_LABEL_SERVICE);
        if (p && strcmp(p, s->bf->project) == 0 && sv
            && (service == NULL || strcmp(sv, service) == 0))
            v[k++] = v[i];
        else
            bolt_container_free(v[i]);
    }
    *n = k;
    return v;
}

struct bolt_container *
surge_find(const struct surge *s, const char *service, struct bolt_err *err)
{
    size_t n = 0;
    struct bolt_container **v = surge_list(s, service, &n, err);
    struct bolt_container *c;

    if (v == NULL)
        return NULL;
    if (n == 0) {
        bolt_ctrs_list_free(v, n);
        bolt_err_set(err, ENOENT, "service '%s' has no container (run 'bolt surge up %s' first)",
                     service, service);
        return NULL;
    }
    c = v[n - 1];
    v[n - 1] = NULL;
    bolt_ctrs_list_free(v, n);
    (void)bolt_ctrs_reconcile(&s->st, c);
    return c;
}

static void
select_deps(const struct bolt_boltfile *bf, size_t i, bool *sel)
{
    const struct bolt_bf_service *svc = &bf->services[i];

    for (size_t d = 0; d < svc->n_depends_on; d++)
        for (size_t k = 0; k < bf->n_services; k++)
            if (!sel[k] && strcmp(bf->services[k].name, svc->depends_on[d].service) == 0) {
                sel[k] = true;
                select_deps(bf, k, sel);
            }
}

int
surge_select(const struct surge *s, int argc, char **argv, bool with_deps, bool *sel,
             struct bolt_err *err)
{
    const struct bolt_boltfile *bf = s->bf;

    for (size_t i = 0; i < bf->n_services; i++)
        sel[i] = argc == 0;
    for (int a = 0; a < argc; a++) {
        size_t i;
        for (i = 0; i < bf->n_services; i++)
            if (strcmp(bf->services[i].name, argv[a]) == 0)
                break;
        if (i == bf->n_services) {
            cleanup_free char *names = xstrdup("");
            for (size_t k = 0; k < bf->n_services; k++) {
                char *t = xasprintf("%s%s%s", names, k ? ", " : "", bf->services[k].name);
                free(names);
                names = t;
            }
            return bolt_err_set(err, 0, "no service '%s' in %s (services: %s)", argv[a], bf->path,
                                names);
        }
        sel[i] = true;
    }
    if (with_deps)
        for (size_t i = 0; i < bf->n_services; i++)
            if (sel[i])
                select_deps(bf, i, sel);
    return 0;
}

int
surge_pull(const struct surge *s, const struct bolt_bf_service *svc, bool force,
           struct bolt_err *err)
{
    struct bolt_pull_opts po = {0};

    if (!force && bolt_image_exists(s->root, svc->image))
        return 0;
    po.quiet = s->quiet;
    if (!s->quiet)
        fprintf(stderr, "Pulling %s (%s)\n", svc->name, svc->image);
    if (bolt_image_pull(s->root, svc->image, &po, NULL, err) < 0)
        return bolt_err_wrap(err, "service '%s': pull", svc->name);
    return 0;
}
