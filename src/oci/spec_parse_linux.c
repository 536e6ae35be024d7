/* SPDX-License-Identifier: Apache-2.0 */
/* The "linux" member of config.json: namespaces, id maps, devices, resources, seccomp, ... */
#include <string.h>

#include "oci/spec_internal.h"
#include "util/json.h"
#include "util/mem.h"

static int
parse_namespaces(json_t *lx, struct bolt_oci_linux *l, struct bolt_err *err)
{
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(lx, "linux", "namespaces", &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    l->namespaces = xcalloc(json_array_size(arr), sizeof(*l->namespaces));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *p = oci_idx("linux", "namespaces", i);
        cleanup_free char *type = NULL;
        struct bolt_oci_namespace *ns = &l->namespaces[i];
        int t;

        if (oci_expect_obj(e, p, err) < 0 || bolt_json_req_str(e, p, "type", &type, err) < 0)
            return -1;
        if (type == NULL)
            return bolt_err_set(err, 0, "%s.type: expected string", p);
        for (t = 0; t < BOLT_NS_TYPES; t++)
            if (strcmp(type, bolt_oci_ns_names[t]) == 0)
                break;
        if (t == BOLT_NS_TYPES)
            return bolt_err_set(err, 0,
                                "%s.type: unknown namespace type '%s' (expected one of pid, "
                                "network, mount, ipc, uts, user, cgroup, time)",
                                p, type);
        ns->type = (enum bolt_oci_ns_type)t;
        l->n_namespaces = i + 1;
        if (bolt_json_get_str(e, p, "path", &ns->path, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_devices(json_t *lx, struct bolt_oci_linux *l, struct bolt_err *err)
{
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(lx, "linux", "devices", &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    l->devices = xcalloc(json_array_size(arr), sizeof(*l->devices));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *p = oci_idx("linux", "devices", i);
        struct bolt_oci_device *d = &l->devices[i];

        l->n_devices = i + 1;
        if (oci_expect_obj(e, p, err) < 0 || bolt_json_get_str(e, p, "path", &d->path, err) < 0
            || oci_get_char(e, p, "type", &d->type, err) < 0
            || bolt_json_get_i64(e, p, "major", &d->major, err) < 0
            || bolt_json_get_i64(e, p, "minor", &d->minor, err) < 0
            || oci_get_has_u32(e, p, "fileMode", &d->file_mode, &d->has_file_mode, err) < 0
            || oci_get_has_u32(e, p, "uid", &d->uid, &d->has_uid, err) < 0
            || oci_get_has_u32(e, p, "gid", &d->gid, &d->has_gid, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_device_rules(json_t *res, struct bolt_oci_resources *r, struct bolt_err *err)
{
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(res, "linux.resources", "devices", &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    r->devices = xcalloc(json_array_size(arr), sizeof(*r->devices));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *p = oci_idx("linux.resources", "devices", i);
        cleanup_free char *access = NULL;
        struct bolt_oci_device_rule *d = &r->devices[i];

        r->n_devices = i + 1;
        d->type = 'a';
        d->major = -1;
        d->minor = -1;
        if (oci_expect_obj(e, p, err) < 0 || bolt_json_get_bool(e, p, "allow", &d->allow, err) < 0
            || oci_get_char(e, p, "type", &d->type, err) < 0
            || bolt_json_get_i64(e, p, "major", &d->major, err) < 0
            || bolt_json_get_i64(e, p, "minor", &d->minor, err) < 0
            || bolt_json_get_str(e, p, "access", &access, err) < 0)
            return -1;
        if (access == NULL) {
            strcpy(d->access, "rwm");
            continue;
        }
        if (strlen(access) > 3)
            return bolt_err_set(
                err, 0, "%s.access: expected a combination of 'r', 'w', 'm', got '%s'", p, access);
        strcpy(d->access, access);
    }
    return 0;
}

static int
parse_memory(json_t *res, struct bolt_oci_resources *r, struct bolt_err *err)
{
    json_t *m = NULL;
    const char *p = "linux.resources.memory";

    if (oci_get_obj(res, "linux.resources", "memory", &m, err) < 0)
        return -1;
    if (m == NULL)
        return 0;
    if (oci_get_has_i64(m, p, "limit", &r->memory_limit, &r->has_memory_limit, err) < 0
        || oci_get_has_i64(m, p, "reservation", &r->memory_reservation, &r->has_memory_reservation,
                           err)
               < 0
        || oci_get_has_i64(m, p, "swap", &r->memory_swap, &r->has_memory_swap, err) < 0
        || oci_get_has_u64(m, p, "swappiness", &r->memory_swappiness, &r->has_memory_swappiness,
                           err)
               < 0
        || bolt_json_get_bool(m, p, "disableOOMKiller", &r->disable_oom_killer, err) < 0)
        return -1;
    return 0;
}

static int
parse_cpu(json_t *res, struct bolt_oci_resources *r, struct bolt_err *err)
{
    json_t *c = NULL;
    const char *p = "linux.resources.cpu";

    if (oci_get_obj(res, "linux.resources", "cpu", &c, err) < 0)
        return -1;
    if (c == NULL)
        return 0;
    if (oci_get_has_u64(c, p, "shares", &r->cpu_shares, &r->has_cpu_shares, err) < 0
        || oci_get_has_i64(c, p, "quota", &r->cpu_quota, &r->has_cpu_quota, err) < 0
        || oci_get_has_u64(c, p, "period", &r->cpu_period, &r->has_cpu_period, err) < 0
        || oci_get_has_i64(c, p, "realtimeRuntime", &r->cpu_rt_runtime, &r->has_cpu_rt_runtime, err)
               < 0
        || oci_get_has_u64(c, p, "realtimePeriod", &r->cpu_rt_period, &r->has_cpu_rt_period, err)
               < 0
        || bolt_json_get_str(c, p, "cpus", &r->cpu_cpus, err) < 0
        || bolt_json_get_str(c, p, "mems", &r->cpu_mems, err) < 0)
        return -1;
    return 0;
}

static int
parse_hugepages(json_t *res, struct bolt_oci_resources *r, struct bolt_err *err)
{
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(res, "linux.resources", "hugepageLimits", &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    r->hugepage_limits = xcalloc(json_array_size(arr), sizeof(*r->hugepage_limits));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *p = oci_idx("linux.resources", "hugepageLimits", i);
        struct bolt_oci_hugepage_limit *h = &r->hugepage_limits[i];

        r->n_hugepage_limits = i + 1;
        if (oci_expect_obj(e, p, err) < 0
            || bolt_json_get_str(e, p, "pageSize", &h->page_size, err) < 0
            || bolt_json_get_u64(e, p, "limit", &h->limit, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_kv_list(json_t *obj, const char *path, const char *key, struct bolt_oci_sysctl **out,
              size_t *n, struct bolt_err *err)
{
    cleanup_free char **keys = NULL;
    cleanup_free char **values = NULL;
    size_t cnt = 0;

    if (oci_parse_str_map(obj, path, key, &keys, &values, &cnt, err) < 0)
        return -1;
    if (cnt == 0)
        return 0;
    *out = xcalloc(cnt, sizeof(**out));
    for (size_t i = 0; i < cnt; i++) {
        (*out)[i].key = keys[i];
        (*out)[i].value = values[i];
    }
    *n = cnt;
    return 0;
}

static int
parse_resources(json_t *lx, struct bolt_oci_linux *l, struct bolt_err *err)
{
    struct bolt_oci_resources *r = &l->resources;
    json_t *res = NULL, *pids = NULL, *bio = NULL;
    uint32_t weight = 0;

    if (oci_get_obj(lx, "linux", "resources", &res, err) < 0)
        return -1;
    if (res == NULL)
        return 0;
    l->has_resources = true;
    if (parse_device_rules(res, r, err) < 0 || parse_memory(res, r, err) < 0
        || parse_cpu(res, r, err) < 0 || parse_hugepages(res, r, err) < 0
        || oci_get_obj(res, "linux.resources", "pids", &pids, err) < 0
        || oci_get_obj(res, "linux.resources", "blockIO", &bio, err) < 0
        || parse_kv_list(res, "linux.resources", "unified", &r->unified, &r->n_unified, err) < 0)
        return -1;
    if (pids
        && oci_get_has_i64(pids, "linux.resources.pids", "limit", &r->pids_limit,
                           &r->has_pids_limit, err)
               < 0)
        return -1;
    if (bio
        && oci_get_has_u32(bio, "linux.resources.blockIO", "weight", &weight, &r->has_blkio_weight,
                           err)
               < 0)
        return -1;
    if (weight > UINT16_MAX)
        return bolt_err_set(err, 0,
                            "linux.resources.blockIO.weight: expected integer between 10 and 1000");
    r->blkio_weight = (uint16_t)weight;
    return 0;
}

static int
parse_seccomp_args(json_t *rule, const char *path, struct bolt_oci_seccomp_rule *r,
                   struct bolt_err *err)
{
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(rule, path, "args", &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    r->args = xcalloc(json_array_size(arr), sizeof(*r->args));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *p = oci_idx(path, "args", i);
        struct bolt_oci_seccomp_arg *a = &r->args[i];

        r->n_args = i + 1;
        if (oci_expect_obj(e, p, err) < 0 || bolt_json_get_u32(e, p, "index", &a->index, err) < 0
            || oci_get_u64_wrap(e, p, "value", &a->value, err) < 0
            || oci_get_u64_wrap(e, p, "valueTwo", &a->value_two, err) < 0
            || bolt_json_get_str(e, p, "op", &a->op, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_seccomp_rules(json_t *sc, struct bolt_oci_seccomp *s, struct bolt_err *err)
{
    json_t *arr = NULL, *e;
    size_t i;

    if (oci_get_arr(sc, "linux.seccomp", "syscalls", &arr, err) < 0)
        return -1;
    if (arr == NULL)
        return 0;
    s->syscalls = xcalloc(json_array_size(arr), sizeof(*s->syscalls));
    json_array_foreach(arr, i, e)
    {
        cleanup_free char *p = oci_idx("linux.seccomp", "syscalls", i);
        struct bolt_oci_seccomp_rule *r = &s->syscalls[i];

        s->n_syscalls = i + 1;
        if (oci_expect_obj(e, p, err) < 0 || bolt_json_get_strv(e, p, "names", &r->names, err) < 0
            || bolt_json_get_str(e, p, "action", &r->action, err) < 0
            || oci_get_has_u32(e, p, "errnoRet", &r->errno_ret, &r->has_errno_ret, err) < 0
            || parse_seccomp_args(e, p, r, err) < 0)
            return -1;
    }
    return 0;
}

static int
parse_seccomp(json_t *lx, struct bolt_oci_linux *l, struct bolt_err *err)
{
    json_t *sc = NULL;
    struct bolt_oci_seccomp *s;
    const char *p = "linux.seccomp";

    if (oci_get_obj(lx, "linux", "seccomp", &sc, err) < 0)
        return -1;
    if (sc == NULL)
        return 0;
    s = l->seccomp = xzalloc(sizeof(*s));
    if (bolt_json_get_str(sc, p, "defaultAction", &s->default_action, err) < 0
        || oci_get_has_u32(sc, p, "defaultErrnoRet", &s->default_errno_ret,
                           &s->has_default_errno_ret, err)
               < 0
        || bolt_json_get_strv(sc, p, "architectures", &s->architectures, err) < 0
        || bolt_json_get_strv(sc, p, "flags", &s->flags, err) < 0
        || bolt_json_get_str(sc, p, "listenerPath", &s->listener_path, err) < 0
        || bolt_json_get_str(sc, p, "listenerMetadata", &s->listener_metadata, err) < 0
        || parse_seccomp_rules(sc, s, err) < 0)
        return -1;
    return 0;
}

int
oci_parse_linux(json_t *root, struct bolt_oci_spec *s, struct bolt_err *err)
{
    struct bolt_oci_linux *l = &s->linux_;
    json_t *lx = NULL;

    if (oci_get_obj(root, "", "linux", &lx, err) < 0)
        return -1;
    if (lx == NULL)
        return 0;
    s->has_linux = true;
    if (parse_namespaces(lx, l, err) < 0
        || oci_parse_idmaps(lx, "linux", "uidMappings", &l->uid_mappings, &l->n_uid_mappings, err)
               < 0
        || oci_parse_idmaps(lx, "linux", "gidMappings", &l->gid_mappings, &l->n_gid_mappings, err)
               < 0
        || parse_devices(lx, l, err) < 0 || parse_resources(lx, l, err) < 0
        || bolt_json_get_str(lx, "linux", "cgroupsPath", &l->cgroups_path, err) < 0
        || parse_kv_list(lx, "linux", "sysctl", &l->sysctl, &l->n_sysctl, err) < 0
        || parse_seccomp(lx, l, err) < 0
        || bolt_json_get_strv(lx, "linux", "maskedPaths", &l->masked_paths, err) < 0
        || bolt_json_get_strv(lx, "linux", "readonlyPaths", &l->readonly_paths, err) < 0
        || bolt_json_get_str(lx, "linux", "rootfsPropagation", &l->rootfs_propagation, err) < 0
        || bolt_json_get_str(lx, "linux", "mountLabel", &l->mount_label, err) < 0)
        return -1;
    return 0;
}
