/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct bolt_oci_spec -> config.json. Writes every field the model holds, so that
 * bolt_oci_spec_parse(to_json(x)) gives x back (bolt_oci_spec_dup depends on it).
 */
#include "oci/spec.h"

#include "util/json.h"
#include "util/mem.h"

static void
set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

static void
set_int(json_t *o, const char *key, json_int_t v)
{
    json_object_set_new(o, key, json_integer(v));
}

static json_t *
strv_json(char *const *v)
{
    json_t *a = json_array();

    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static void
set_strv(json_t *o, const char *key, char *const *v)
{
    if (v)
        json_object_set_new(o, key, strv_json(v));
}

static void
set_char(json_t *o, const char *key, char c)
{
    char s[2] = {c, '\0'};

    if (c)
        set_str(o, key, s);
}

static json_t *
user_json(const struct bolt_oci_process *p)
{
    json_t *u = json_object();

    set_int(u, "uid", p->uid);
    set_int(u, "gid", p->gid);
    if (p->has_umask)
        set_int(u, "umask", p->umask);
    if (p->additional_gids) {
        json_t *g = json_array();
        for (size_t i = 0; i < p->n_additional_gids; i++)
            json_array_append_new(g, json_integer(p->additional_gids[i]));
        json_object_set_new(u, "additionalGids", g);
    }
    return u;
}

static json_t *
process_json(const struct bolt_oci_process *p)
{
    json_t *o = json_object();

    json_object_set_new(o, "terminal", json_boolean(p->terminal));
    if (p->has_console_size) {
        json_t *cs = json_object();
        set_int(cs, "height", p->console_height);
        set_int(cs, "width", p->console_width);
        json_object_set_new(o, "consoleSize", cs);
    }
    json_object_set_new(o, "user", user_json(p));
    set_strv(o, "args", p->args);
    set_strv(o, "env", p->env);
    set_str(o, "cwd", p->cwd);
    if (p->has_caps) {
        json_t *c = json_object();
        set_strv(c, "bounding", p->caps.bounding);
        set_strv(c, "effective", p->caps.effective);
        set_strv(c, "inheritable", p->caps.inheritable);
        set_strv(c, "permitted", p->caps.permitted);
        set_strv(c, "ambient", p->caps.ambient);
        json_object_set_new(o, "capabilities", c);
    }
    if (p->rlimits) {
        json_t *a = json_array();
        for (size_t i = 0; i < p->n_rlimits; i++) {
            json_t *r = json_object();
            set_str(r, "type", p->rlimits[i].type);
            /* uint64 travels as its int64 bit pattern: RLIM_INFINITY is written as -1 */
            set_int(r, "hard", (json_int_t)p->rlimits[i].hard);
            set_int(r, "soft", (json_int_t)p->rlimits[i].soft);
            json_array_append_new(a, r);
        }
        json_object_set_new(o, "rlimits", a);
    }
    json_object_set_new(o, "noNewPrivileges", json_boolean(p->no_new_privileges));
    if (p->has_oom_score_adj)
        set_int(o, "oomScoreAdj", p->oom_score_adj);
    set_str(o, "apparmorProfile", p->apparmor_profile);
    set_str(o, "selinuxLabel", p->selinux_label);
    return o;
}

static json_t *
idmaps_json(const struct bolt_oci_idmap *m, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        set_int(e, "containerID", m[i].container_id);
        set_int(e, "hostID", m[i].host_id);
        set_int(e, "size", m[i].size);
        json_array_append_new(a, e);
    }
    return a;
}

static json_t *
mounts_json(const struct bolt_oci_spec *s)
{
    json_t *a = json_array();

    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct bolt_oci_mount *m = &s->mounts[i];
        json_t *o = json_object();

        set_str(o, "destination", m->destination);
        set_str(o, "type", m->type);
        set_str(o, "source", m->source);
        set_strv(o, "options", m->options);
        if (m->uid_mappings)
            json_object_set_new(o, "uidMappings", idmaps_json(m->uid_mappings, m->n_uid_mappings));
        if (m->gid_mappings)
            json_object_set_new(o, "gidMappings", idmaps_json(m->gid_mappings, m->n_gid_mappings));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *
hooks_json(const struct bolt_oci_hooks *h)
{
    json_t *o = json_object();

    for (int k = 0; k < BOLT_OCI_HOOK_KINDS; k++) {
        json_t *a;

        if (h->list[k] == NULL)
            continue;
        a = json_array();
        for (size_t i = 0; i < h->n[k]; i++) {
            const struct bolt_oci_hook *hk = &h->list[k][i];
            json_t *e = json_object();
            set_str(e, "path", hk->path);
            set_strv(e, "args", hk->args);
            set_strv(e, "env", hk->env);
            if (hk->has_timeout)
                set_int(e, "timeout", hk->timeout);
            json_array_append_new(a, e);
        }
        json_object_set_new(o, bolt_oci_hook_names[k], a);
    }
    return o;
}

static json_t *
kv_json(const struct bolt_oci_sysctl *kv, size_t n)
{
    json_t *o = json_object();

    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, kv[i].key, json_string(kv[i].value));
    return o;
}

static json_t *
device_rules_json(const struct bolt_oci_resources *r)
{
    json_t *a = json_array();

    for (size_t i = 0; i < r->n_devices; i++) {
        const struct bolt_oci_device_rule *d = &r->devices[i];
        json_t *e = json_object();

        json_object_set_new(e, "allow", json_boolean(d->allow));
        set_char(e, "type", d->type);
        if (d->major != -1)
            set_int(e, "major", d->major);
        if (d->minor != -1)
            set_int(e, "minor", d->minor);
        set_str(e, "access", d->access);
        json_array_append_new(a, e);
    }
    return a;
}

static json_t *
memory_cpu_json(const struct bolt_oci_resources *r, bool cpu)
{
    json_t *o = json_object();

    if (!cpu) {
        if (r->has_memory_limit)
            set_int(o, "limit", r->memory_limit);
        if (r->has_memory_reservation)
            set_int(o, "reservation", r->memory_reservation);
        if (r->has_memory_swap)
            set_int(o, "swap", r->memory_swap);
        if (r->has_memory_swappiness)
            set_int(o, "swappiness", (json_int_t)r->memory_swappiness);
        if (r->disable_oom_killer)
            json_object_set_new(o, "disableOOMKiller", json_true());
        return o;
    }
    if (r->has_cpu_shares)
        set_int(o, "shares", (json_int_t)r->cpu_shares);
    if (r->has_cpu_quota)
        set_int(o, "quota", r->cpu_quota);
    if (r->has_cpu_period)
        set_int(o, "period", (json_int_t)r->cpu_period);
    if (r->has_cpu_rt_runtime)
        set_int(o, "realtimeRuntime", r->cpu_rt_runtime);
    if (r->has_cpu_rt_period)
        set_int(o, "realtimePeriod", (json_int_t)r->cpu_rt_period);
    set_str(o, "cpus", r->cpu_cpus);
    set_str(o, "mems", r->cpu_mems);
    return o;
}

static void
set_nonempty(json_t *parent, const char *key, json_t *o)
{
    if (json_object_size(o) > 0)
        json_object_set_new(parent, key, o);
    else
        json_decref(o);
}

static json_t *
resources_json(const struct bolt_oci_resources *r)
{
    json_t *o = json_object();

    if (r->devices)
        json_object_set_new(o, "devices", device_rules_json(r));
    set_nonempty(o, "memory", memory_cpu_json(r, false));
    set_nonempty(o, "cpu", memory_cpu_json(r, true));
    if (r->has_pids_limit) {
        json_t *p = json_object();
        set_int(p, "limit", r->pids_limit);
        json_object_set_new(o, "pids", p);
    }
    if (r->hugepage_limits) {
        json_t *a = json_array();
        for (size_t i = 0; i < r->n_hugepage_limits; i++) {
            json_t *e = json_object();
            set_str(e, "pageSize", r->hugepage_limits[i].page_size);
            set_int(e, "limit", (json_int_t)r->hugepage_limits[i].limit);
            json_array_append_new(a, e);
        }
        json_object_set_new(o, "hugepageLimits", a);
    }
    if (r->has_blkio_weight) {
        json_t *b = json_object();
        set_int(b, "weight", r->blkio_weight);
        json_object_set_new(o, "blockIO", b);
    }
    if (r->unified)
        json_object_set_new(o, "unified", kv_json(r->unified, r->n_unified));
    return o;
}

json_t *
bolt_oci_seccomp_to_json(const struct bolt_oci_seccomp *sc)
{
    json_t *o = json_object();
    json_t *a = json_array();

    set_str(o, "defaultAction", sc->default_action);
    if (sc->has_default_errno_ret)
        set_int(o, "defaultErrnoRet", sc->default_errno_ret);
    set_strv(o, "architectures", sc->architectures);
    set_strv(o, "flags", sc->flags);
    set_str(o, "listenerPath", sc->listener_path);
    set_str(o, "listenerMetadata", sc->listener_metadata);
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct bolt_oci_seccomp_rule *r = &sc->syscalls[i];
        json_t *e = json_object();

        set_strv(e, "names", r->names);
        set_str(e, "action", r->action);
        if (r->has_errno_ret)
            set_int(e, "errnoRet", r->errno_ret);
        if (r->args) {
            json_t *args = json_array();
            for (size_t j = 0; j < r->n_args; j++) {
                json_t *x = json_object();
                set_int(x, "index", r->args[j].index);
                set_int(x, "value", (json_int_t)r->args[j].value);
                set_int(x, "valueTwo", (json_int_t)r->args[j].value_two);
                set_str(x, "op", r->args[j].op);
                json_array_append_new(args, x);
            }
            json_object_set_new(e, "args", args);
        }
        json_array_append_new(a, e);
    }
    json_object_set_new(o, "syscalls", a);
    return o;
}

static json_t *
devices_json(const struct bolt_oci_linux *l)
{
    json_t *a = json_array();

    for (size_t i = 0; i < l->n_devices; i++) {
        const struct bolt_oci_device *d = &l->devices[i];
        json_t *e = json_object();

        set_str(e, "path", d->path);
        set_char(e, "type", d->type);
        set_int(e, "major", d->major);
        set_int(e, "minor", d->minor);
        if (d->has_file_mode)
            set_int(e, "fileMode", d->file_mode);
        if (d->has_uid)
            set_int(e, "uid", d->uid);
        if (d->has_gid)
            set_int(e, "gid", d->gid);
        json_array_append_new(a, e);
    }
    return a;
}

static json_t *
linux_json(const struct bolt_oci_linux *l)
{
    json_t *o = json_object();

    if (l->namespaces) {
        json_t *a = json_array();
        for (size_t i = 0; i < l->n_namespaces; i++) {
            json_t *e = json_object();
            set_str(e, "type", bolt_oci_ns_names[l->namespaces[i].type]);
            set_str(e, "path", l->namespaces[i].path);
            json_array_append_new(a, e);
        }
        json_object_set_new(o, "namespaces", a);
    }
    if (l->uid_mappings)
        json_object_set_new(o, "uidMappings", idmaps_json(l->uid_mappings, l->n_uid_mappings));
    if (l->gid_mappings)
        json_object_set_new(o, "gidMappings", idmaps_json(l->gid_mappings, l->n_gid_mappings));
    if (l->devices)
        json_object_set_new(o, "devices", devices_json(l));
    set_str(o, "cgroupsPath", l->cgroups_path);
    if (l->sysctl)
        json_object_set_new(o, "sysctl", kv_json(l->sysctl, l->n_sysctl));
    if (l->seccomp)
        json_object_set_new(o, "seccomp", bolt_oci_seccomp_to_json(l->seccomp));
    set_strv(o, "maskedPaths", l->masked_paths);
    set_strv(o, "readonlyPaths", l->readonly_paths);
    set_str(o, "rootfsPropagation", l->rootfs_propagation);
    set_str(o, "mountLabel", l->mount_label);
    return o;
}

json_t *
bolt_oci_spec_to_json(const struct bolt_oci_spec *s)
{
    json_t *o = json_object();

    set_str(o, "ociVersion", s->oci_version);
    if (s->has_process)
        json_object_set_new(o, "process", process_json(&s->process));
    if (s->root_path || s->root_readonly) {
        json_t *r = json_object();
        set_str(r, "path", s->root_path);
        json_object_set_new(r, "readonly", json_boolean(s->root_readonly));
        json_object_set_new(o, "root", r);
    }
    set_str(o, "hostname", s->hostname);
    set_str(o, "domainname", s->domainname);
    if (s->mounts)
        json_object_set_new(o, "mounts", mounts_json(s));
    set_nonempty(o, "hooks", hooks_json(&s->hooks));
    if (s->annotations) {
        json_t *a = json_object();
        for (size_t i = 0; i < s->n_annotations; i++)
            json_object_set_new(a, s->annotations[i].key, json_string(s->annotations[i].value));
        json_object_set_new(o, "annotations", a);
    }
    if (s->has_linux) {
        json_t *l = linux_json(&s->linux_);
        if (s->linux_.has_resources)
            json_object_set_new(l, "resources", resources_json(&s->linux_.resources));
        json_object_set_new(o, "linux", l);
    }
    return o;
}

int
bolt_oci_spec_save(const struct bolt_oci_spec *spec, const char *path, struct bolt_err *err)
{
    json_t *j = bolt_oci_spec_to_json(spec);
    int r = bolt_json_write_file_atomic(path, j, true, err);

    json_decref(j);
    return r;
}
