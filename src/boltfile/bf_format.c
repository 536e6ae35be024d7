/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The normalized stack as JSON, and as TOML written from that JSON, so both formats
 * always carry the same content. The TOML output is itself a valid Boltfile.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boltfile/boltfile.h"
#include "util/mem.h"
#include "util/units.h"

static json_t *
strv_json(char **v)
{
    json_t *a = json_array();

    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static void
set_str(json_t *o, const char *key, const char *val)
{
    if (val != NULL)
        json_object_set_new(o, key, json_string(val));
}

static void
set_strv(json_t *o, const char *key, char **v)
{
    if (v != NULL)
        json_object_set_new(o, key, strv_json(v));
}

static void
set_true(json_t *o, const char *key, bool val)
{
    if (val)
        json_object_set_new(o, key, json_true());
}

static void
set_duration(json_t *o, const char *key, uint64_t ns)
{
    char buf[64];

    json_object_set_new(o, key, json_string(bolt_format_duration(ns, buf, sizeof(buf))));
}

static char *
port_text(const struct bolt_bf_port *p)
{
    char ctr[16], host[16] = "";
    bool v6 = p->host_ip && strchr(p->host_ip, ':');

    if (p->container_end != p->container_start)
        snprintf(ctr, sizeof(ctr), "%u-%u", p->container_start, p->container_end);
    else
        snprintf(ctr, sizeof(ctr), "%u", p->container_start);
    if (p->host_end != p->host_start)
        snprintf(host, sizeof(host), "%u-%u", p->host_start, p->host_end);
    else if (p->host_start != 0)
        snprintf(host, sizeof(host), "%u", p->host_start);
    if (p->host_ip)
        return xasprintf("%s%s%s:%s:%s/%s", v6 ? "[" : "", p->host_ip, v6 ? "]" : "", host, ctr,
                         p->protocol);
    if (*host)
        return xasprintf("%s:%s/%s", host, ctr, p->protocol);
    return xasprintf("%s/%s", ctr, p->protocol);
}

static json_t *
gpu_json(const struct bolt_bf_gpu *g)
{
    json_t *gpu = json_object(), *nv = json_object(), *nvidia = json_object(), *amd = json_object(),
           *gaming = json_object();

    set_str(gpu, "runtime", g->runtime);
    set_str(gpu, "isolation_level", g->isolation_level);
    if (g->memory_limit)
        json_object_set_new(gpu, "memory_limit", json_integer((json_int_t)g->memory_limit));
    set_str(nv, "driver", g->driver);
    set_strv(nv, "devices", g->devices);
    set_str(nv, "performance_mode", g->performance_mode);
    set_true(nv, "wsl2_optimized", g->wsl2_optimized);
    set_str(nvidia, "driver_type", g->nvidia_driver_type);
    set_true(nvidia, "cuda_support", g->cuda_support);
    set_str(nvidia, "cuda_version", g->cuda_version);
    set_str(nvidia, "driver_version", g->driver_version);
    set_str(amd, "driver_type", g->amd_driver_type);
    set_true(amd, "rocm_support", g->rocm_support);
    set_str(amd, "rocm_version", g->rocm_version);
    if (json_object_size(nvidia))
        json_object_set(nv, "nvidia", nvidia);
    if (json_object_size(amd))
        json_object_set(nv, "amd", amd);
    set_str(gaming, "profile", g->profile);
    set_true(gaming, "dlss_enabled", g->dlss_enabled);
    set_true(gaming, "rt_cores_enabled", g->rt_cores_enabled);
    set_true(gaming, "wine_optimizations", g->wine_optimizations);
    if (g->frame_rate_target)
        json_object_set_new(gaming, "frame_rate_target", json_integer(g->frame_rate_target));
    set_str(gaming, "vsync_mode", g->vsync_mode);
    if (json_object_size(nv))
        json_object_set(gpu, "nvbind", nv);
    if (json_object_size(gaming))
        json_object_set(gpu, "gaming", gaming);
    json_decref(nv);
    json_decref(nvidia);
    json_decref(amd);
    json_decref(gaming);
    return gpu;
}

static json_t *
gaming_json(const struct bolt_bf_service *s)
{
    json_t *g = json_object();

    if (s->gpu.present)
        json_object_set_new(g, "gpu", gpu_json(&s->gpu));
    if (s->audio.present) {
        json_t *a = json_object();
        set_str(a, "system", s->audio.system);
        set_str(a, "latency", s->audio.latency);
        if (s->audio.sample_rate)
            json_object_set_new(a, "sample_rate", json_integer(s->audio.sample_rate));
        if (s->audio.buffer_size)
            json_object_set_new(a, "buffer_size", json_integer(s->audio.buffer_size));
        json_object_set_new(g, "audio", a);
    }
    return g;
}

static void
lists_json(json_t *o, const struct bolt_bf_service *s)
{
    if (s->n_volumes) {
        json_t *a = json_array();
        for (size_t i = 0; i < s->n_volumes; i++) {
            const struct bolt_bf_volume *v = &s->volumes[i];
            json_array_append_new(a, v->source ? json_sprintf("%s:%s%s", v->source, v->target,
                                                              v->read_only ? ":ro" : "")
                                               : json_string(v->target));
        }
        json_object_set_new(o, "volumes", a);
    }
    if (s->n_ports) {
        json_t *a = json_array();
        for (size_t i = 0; i < s->n_ports; i++) {
            cleanup_free char *t = port_text(&s->ports[i]);
            json_array_append_new(a, json_string(t));
        }
        json_object_set_new(o, "ports", a);
    }
    if (s->n_depends_on) {
        json_t *d = json_object();
        for (size_t i = 0; i < s->n_depends_on; i++)
            json_object_set_new(d, s->depends_on[i].service,
                                json_pack("{s:s}", "condition",
                                          bolt_bf_condition_name(s->depends_on[i].condition)));
        json_object_set_new(o, "depends_on", d);
    }
}

static json_t *
service_json(const struct bolt_bf_service *s)
{
    json_t *o = json_object(), *g;

    set_str(o, "image", s->image);
    set_strv(o, "command", s->command);
    set_strv(o, "entrypoint", s->entrypoint);
    set_strv(o, "environment", s->environment);
    set_strv(o, "env_file", s->env_file);
    lists_json(o, s);
    if (s->restart == BOLT_BF_RESTART_ON_FAILURE && s->restart_max_retries)
        json_object_set_new(o, "restart", json_sprintf("on-failure:%d", s->restart_max_retries));
    else if (s->restart != BOLT_BF_RESTART_NO)
        set_str(o, "restart", bolt_bf_restart_name(s->restart));
    if (s->healthcheck.present) {
        json_t *h = json_object();
        set_strv(h, "test", s->healthcheck.test);
        set_duration(h, "interval", s->healthcheck.interval_ns);
        set_duration(h, "timeout", s->healthcheck.timeout_ns);
        json_object_set_new(h, "retries", json_integer(s->healthcheck.retries));
        set_duration(h, "start_period", s->healthcheck.start_period_ns);
        set_true(h, "disable", s->healthcheck.disabled);
        json_object_set_new(o, "healthcheck", h);
    }
    set_str(o, "user", s->user);
    set_str(o, "working_dir", s->working_dir);
    set_str(o, "hostname", s->hostname);
    set_strv(o, "labels", s->labels);
    if (s->memory)
        json_object_set_new(o, "memory", json_integer((json_int_t)s->memory));
    if (s->cpus > 0)
        json_object_set_new(o, "cpus", json_real(s->cpus));
    set_str(o, "cpuset", s->cpuset);
    if (s->pids_limit > 0)
        json_object_set_new(o, "pids_limit", json_integer(s->pids_limit));
    set_strv(o, "devices", s->devices);
    set_strv(o, "cap_add", s->cap_add);
    set_strv(o, "extra_hosts", s->extra_hosts);
    set_strv(o, "cap_drop", s->cap_drop);
    set_true(o, "privileged", s->privileged);
    set_true(o, "read_only", s->read_only);
    set_str(o, "network_mode", s->network_mode);
    set_str(o, "stop_signal", s->stop_signal);
    if (s->stop_grace_period_ns)
        set_duration(o, "stop_grace_period", s->stop_grace_period_ns);
    g = gaming_json(s);
    if (json_object_size(g))
        json_object_set(o, "gaming", g);
    json_decref(g);
    return o;
}

static json_t *
stack_json(const struct bolt_boltfile *bf)
{
    json_t *root = json_object(), *svcs = json_object();

    json_object_set_new(root, "project", json_string(bf->project));
    for (size_t i = 0; i < bf->n_services; i++)
        json_object_set_new(svcs, bf->services[i].name, service_json(&bf->services[i]));
    json_object_set_new(root, "services", svcs);
    if (bf->n_networks) {
        json_t *n = json_object();
        for (size_t i = 0; i < bf->n_networks; i++) {
            json_t *o = json_object();
            set_str(o, "driver", bf->networks[i].driver);
            set_true(o, "internal", bf->networks[i].internal);
            set_str(o, "subnet", bf->networks[i].subnet);
            json_object_set_new(n, bf->networks[i].name, o);
        }
        json_object_set_new(root, "networks", n);
    }
    if (bf->n_volumes) {
        json_t *v = json_object();
        for (size_t i = 0; i < bf->n_volumes; i++) {
            json_t *o = json_object();
            set_str(o, "driver", bf->volumes[i].driver);
            set_true(o, "external", bf->volumes[i].external);
            json_object_set_new(v, bf->volumes[i].name, o);
        }
        json_object_set_new(root, "volumes", v);
    }
    return root;
}

/* --- JSON -> TOML ------------------------------------------------------------------- */

struct out {
    char *s;
    size_t len, cap;
};

static void
put(struct out *o, const char *s)
{
    size_t n = strlen(s);

    if (o->len + n + 1 > o->cap) {
        while (o->len + n + 1 > o->cap)
            o->cap = o->cap ? o->cap * 2 : 1024;
        o->s = xrealloc(o->s, o->cap);
    }
    memcpy(o->s + o->len, s, n + 1);
    o->len += n;
}

static void
put_string(struct out *o, const char *s)
{
    char esc[8];

    put(o, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            snprintf(esc, sizeof(esc), "\\%c", c);
            put(o, esc);
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof(esc), "\\u%04X", c);
            put(o, esc);
        } else {
            char one[2] = {(char)c, '\0'};
            put(o, one);
        }
    }
    put(o, "\"");
}

static void
put_key(struct out *o, const char *k)
{
    bool bare = *k != '\0';

    for (const char *s = k; *s; s++)
        bare &= (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
                || *s == '_' || *s == '-';
    if (bare)
        put(o, k);
    else
        put_string(o, k);
}

static void
put_scalar(struct out *o, json_t *v)
{
    char buf[64];

    if (json_is_string(v)) {
        put_string(o, json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
        put(o, buf);
    } else if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%.15g", json_real_value(v));
        if (strtod(buf, NULL) != json_real_value(v))
            snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
        if (strpbrk(buf, ".en") == NULL)
            strncat(buf, ".0", sizeof(buf) - strlen(buf) - 1);
        put(o, buf);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        put(o, "[");
        json_array_foreach(v, i, e)
        {
            put(o, i ? ", " : "");
            put_scalar(o, e);
        }
        put(o, "]");
    } else {
        put(o, json_is_true(v) ? "true" : "false");
    }
}

/* A non-empty table holding only tables needs no header of its own. */
static bool
only_tables(json_t *obj)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
    {
        if (!json_is_object(v))
            return false;
    }
    return json_object_size(obj) > 0;
}

static void
put_table(struct out *o, json_t *obj, const char *prefix)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
    {
        if (json_is_object(v))
            continue;
        put_key(o, k);
        put(o, " = ");
        put_scalar(o, v);
        put(o, "\n");
    }
    json_object_foreach(obj, k, v)
    {
        struct out key = {0};
        if (!json_is_object(v))
            continue;
        if (*prefix) {
            put(&key, prefix);
            put(&key, ".");
        }
        put_key(&key, k);
        if (!only_tables(v)) {
            put(o, "\n[");
            put(o, key.s);
            put(o, "]\n");
        }
        put_table(o, v, key.s);
        free(key.s);
    }
}

char *
bolt_boltfile_format(const struct bolt_boltfile *bf, bool json)
{
    json_t *root = stack_json(bf);
    struct out o = {0};

    if (json) {
        char *s = json_dumps(root, JSON_INDENT(2));
        json_decref(root);
        o.s = xasprintf("%s\n", s);
        free(s);
        return o.s;
    }
    put(&o, "");
    put_table(&o, root, "");
    json_decref(root);
    return o.s;
}
