/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Semantic checks on a parsed spec: what the types alone cannot say. Each error names
 * the JSON path, what was expected and, where it helps, how to fix it.
 */
#include "oci/spec.h"

#include <ctype.h>
#include <string.h>

#include "oci/spec_internal.h"
#include "util/mem.h"

static bool
in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static int
check_abs(const char *p, const char *path, const char *what, struct bolt_err *err)
{
    if (p == NULL || p[0] != '/')
        return bolt_err_set(err, 0, "%s: %s must be an absolute path, got '%s'", path, what,
                            p ? p : "");
    return 0;
}

static int
check_caps(char *const *list, const char *set, struct bolt_err *err)
{
    for (size_t i = 0; list && list[i]; i++)
        if (bolt_oci_cap_from_name(list[i]) < 0)
            return bolt_err_set(err, 0,
                                "process.capabilities.%s[%zu]: unknown capability '%s' "
                                "(expected a name such as CAP_CHOWN, see capabilities(7))",
                                set, i, list[i]);
    return 0;
}

static int
check_rlimits(const struct bolt_oci_process *p, struct bolt_err *err)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const struct bolt_oci_rlimit *r = &p->rlimits[i];

        if (r->type == NULL || bolt_oci_rlimit_from_name(r->type) < 0)
            return bolt_err_set(err, 0,
                                "process.rlimits[%zu].type: unknown rlimit '%s' (expected "
                                "RLIMIT_NOFILE, RLIMIT_NPROC, ... see getrlimit(2))",
                                i, r->type ? r->type : "");
        if (r->soft > r->hard)
            return bolt_err_set(err, 0,
                                "process.rlimits[%zu]: soft limit %llu is above the hard limit "
                                "%llu",
                                i, (unsigned long long)r->soft, (unsigned long long)r->hard);
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->rlimits[j].type, r->type) == 0)
                return bolt_err_set(err, 0, "process.rlimits[%zu].type: duplicate rlimit '%s'", i,
                                    r->type);
    }
    return 0;
}

static int
check_process(const struct bolt_oci_spec *s, struct bolt_err *err)
{
    const struct bolt_oci_process *p = &s->process;

    if (!s->has_process)
        return 0;
    if (p->args == NULL || p->args[0] == NULL)
        return bolt_err_set(err, 0, "process.args: must name the program to run (non-empty array)");
    if (p->cwd && p->cwd[0] != '/')
        return bolt_err_set(err, 0, "process.cwd: must be an absolute path, got '%s'", p->cwd);
    for (size_t i = 0; p->env && p->env[i]; i++)
        if (strchr(p->env[i], '=') == NULL || p->env[i][0] == '=')
            return bolt_err_set(err, 0, "process.env[%zu]: expected KEY=VALUE, got '%s'", i,
                                p->env[i]);
    if (p->has_umask && p->umask > 0777)
        return bolt_err_set(err, 0, "process.user.umask: expected a mode between 0 and 0777");
    if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
        return bolt_err_set(err, 0,
                            "process.oomScoreAdj: expected integer between -1000 and "
                            "1000");
    if (p->has_caps
        && (check_caps(p->caps.bounding, "bounding", err) < 0
            || check_caps(p->caps.effective, "effective", err) < 0
            || check_caps(p->caps.inheritable, "inheritable", err) < 0
            || check_caps(p->caps.permitted, "permitted", err) < 0
            || check_caps(p->caps.ambient, "ambient", err) < 0))
        return -1;
    return check_rlimits(p, err);
}

static int
check_mounts(const struct bolt_oci_spec *s, struct bolt_err *err)
{
    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct bolt_oci_mount *m = &s->mounts[i];
        struct bolt_mount_opts o;
        char where[48];

        snprintf(where, sizeof(where), "mounts[%zu].destination", i);
        if (check_abs(m->destination, where, "destination", err) < 0)
            return -1;
        if (bolt_mount_opts_parse(m->options, &o, err) < 0)
            return bolt_err_wrap(err, "mounts[%zu].options", i);
        bolt_mount_opts_fini(&o);
        if ((m->n_uid_mappings > 0) != (m->n_gid_mappings > 0))
            return bolt_err_set(
                err, 0, "mounts[%zu]: uidMappings and gidMappings must be given together", i);
    }
    return 0;
}

static int
check_hooks(const struct bolt_oci_spec *s, struct bolt_err *err)
{
    for (int k = 0; k < BOLT_OCI_HOOK_KINDS; k++) {
        for (size_t i = 0; i < s->hooks.n[k]; i++) {
            const struct bolt_oci_hook *h = &s->hooks.list[k][i];
            char where[64];

            snprintf(where, sizeof(where), "hooks.%s[%zu].path", bolt_oci_hook_names[k], i);
            if (check_abs(h->path, where, "hook", err) < 0)
                return -1;
            if (h->has_timeout && h->timeout <= 0)
                return bolt_err_set(err, 0,
                                    "hooks.%s[%zu].timeout: expected a number of seconds > 0, "
                                    "got %d",
                                    bolt_oci_hook_names[k], i, h->timeout);
        }
    }
    return 0;
}

static int
check_namespaces(const struct bolt_oci_linux *l, struct bolt_err *err)
{
    bool seen[BOLT_NS_TYPES] = {false};

    for (size_t i = 0; i < l->n_namespaces; i++) {
        const struct bolt_oci_namespace *ns = &l->namespaces[i];

        if (seen[ns->type])
            return bolt_err_set(err, 0,
                                "linux.namespaces[%zu].type: duplicate namespace '%s' (list "
                                "each type once)",
                                i, bolt_oci_ns_names[ns->type]);
        seen[ns->type] = true;
        if (ns->path && ns->path[0] != '/')
            return bolt_err_set(err, 0,
                                "linux.namespaces[%zu].path: must be an absolute path, got '%s'", i,
                                ns->path);
    }
    return 0;
}

static int
check_idmaps(const struct bolt_oci_spec *s, struct bolt_err *err)
{
    const struct bolt_oci_linux *l = &s->linux_;
    int user = bolt_oci_spec_find_ns(s, BOLT_NS_USER);

    if ((l->n_uid_mappings || l->n_gid_mappings) && user < 0)
        return bolt_err_set(err, 0,
                            "linux.uidMappings: id mappings need a user namespace (add "
                            "{\"type\": \"user\"} to linux.namespaces)");
    /*
     * A new user namespace without mappings is allowed: crun's rootless spec has none and
     * expects the runtime to map the calling user.
     */
    for (size_t i = 0; i < l->n_uid_mappings; i++)
        if (l->uid_mappings[i].size == 0)
            return bolt_err_set(err, 0, "linux.uidMappings[%zu].size: expected > 0", i);
    for (size_t i = 0; i < l->n_gid_mappings; i++)
        if (l->gid_mappings[i].size == 0)
            return bolt_err_set(err, 0, "linux.gidMappings[%zu].size: expected > 0", i);
    return 0;
}

static int
check_devices(const struct bolt_oci_linux *l, struct bolt_err *err)
{
    for (size_t i = 0; i < l->n_devices; i++) {
        const struct bolt_oci_device *d = &l->devices[i];
        char where[48];

        snprintf(where, sizeof(where), "linux.devices[%zu].path", i);
        if (check_abs(d->path, where, "device", err) < 0)
            return -1;
        if (d->type == 0 || strchr("cbup", d->type) == NULL)
            return bolt_err_set(err, 0,
                                "linux.devices[%zu].type: unknown device type '%c' (expected "
                                "one of c, b, u, p)",
                                i, d->type ? d->type : '?');
        if (d->type != 'p' && (d->major < 0 || d->minor < 0))
            return bolt_err_set(err, 0,
                                "linux.devices[%zu]: major and minor are required for type '%c'", i,
                                d->type);
    }
    for (size_t i = 0; i < l->resources.n_devices; i++) {
        const struct bolt_oci_device_rule *r = &l->resources.devices[i];

        if (strchr("acb", r->type) == NULL || r->type == 0)
            return bolt_err_set(err, 0,
                                "linux.resources.devices[%zu].type: unknown device type '%c' "
                                "(expected one of a, c, b)",
                                i, r->type ? r->type : '?');
        if (r->access[strspn(r->access, "rwm")] != '\0')
            return bolt_err_set(err, 0,
                                "linux.resources.devices[%zu].access: expected a combination of "
                                "'r', 'w', 'm', got '%s'",
                                i, r->access);
    }
    return 0;
}

/* "0-3,5,7-8": digits, '-' ranges and ',' separators. */
static bool
valid_cpuset(const char *s)
{
    bool digit = false;

    for (; *s; s++) {
        if (isdigit((unsigned char)*s))
            digit = true;
        else if ((*s == ',' || *s == '-') && digit)
            digit = false;
        else
            return false;
    }
    return digit;
}

static int
check_resources(const struct bolt_oci_resources *r, struct bolt_err *err)
{
    if (r->has_memory_limit && r->has_memory_swap && r->memory_limit > 0 && r->memory_swap > 0
        && r->memory_swap < r->memory_limit)
        return bolt_err_set(err, 0,
                            "linux.resources.memory.swap: memory+swap limit %lld is below the "
                            "memory limit %lld",
                            (long long)r->memory_swap, (long long)r->memory_limit);
    if (r->has_memory_swappiness && r->memory_swappiness > 100)
        return bolt_err_set(err, 0,
                            "linux.resources.memory.swappiness: expected integer between 0 and "
                            "100");
    if (r->has_blkio_weight && (r->blkio_weight < 10 || r->blkio_weight > 1000))
        return bolt_err_set(err, 0,
                            "linux.resources.blockIO.weight: expected integer between 10 and 1000");
    if (r->cpu_cpus && !valid_cpuset(r->cpu_cpus))
        return bolt_err_set(err, 0,
                            "linux.resources.cpu.cpus: expected a cpu list such as '0-3,5', got "
                            "'%s'",
                            r->cpu_cpus);
    if (r->cpu_mems && !valid_cpuset(r->cpu_mems))
        return bolt_err_set(err, 0,
                            "linux.resources.cpu.mems: expected a node list such as '0-1', got "
                            "'%s'",
                            r->cpu_mems);
    for (size_t i = 0; i < r->n_hugepage_limits; i++)
        if (r->hugepage_limits[i].page_size == NULL)
            return bolt_err_set(err, 0,
                                "linux.resources.hugepageLimits[%zu].pageSize: required (e.g. "
                                "\"2MB\")",
                                i);
    return 0;
}

static bool
ns_is_new_or_joined(const struct bolt_oci_spec *s, enum bolt_oci_ns_type t)
{
    return bolt_oci_spec_find_ns(s, t) >= 0;
}

/* Sysctls are only allowed where the container has its own copy (runc's rules). */
static int
check_sysctl(const struct bolt_oci_spec *s, struct bolt_err *err)
{
    static const char *const ipc_keys[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem", "kernel.shmall",
        "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL};

    for (size_t i = 0; i < s->linux_.n_sysctl; i++) {
        const char *k = s->linux_.sysctl[i].key;
        enum bolt_oci_ns_type need;

        if (in_list(k, ipc_keys) || strncmp(k, "fs.mqueue.", 10) == 0)
            need = BOLT_NS_IPC;
        else if (strncmp(k, "net.", 4) == 0)
            need = BOLT_NS_NETWORK;
        else if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
            need = BOLT_NS_UTS;
        else
            return bolt_err_set(err, 0,
                                "linux.sysctl.%s: not namespaced, so it cannot be set for one "
                                "container (allowed: kernel.msg*, kernel.sem, kernel.shm*, "
                                "fs.mqueue.*, net.*, kernel.hostname, kernel.domainname)",
                                k);
        if (!ns_is_new_or_joined(s, need))
            return bolt_err_set(err, 0,
                                "linux.sysctl.%s: needs its own %s namespace (add {\"type\": "
                                "\"%s\"} to linux.namespaces)",
                                k, bolt_oci_ns_names[need], bolt_oci_ns_names[need]);
    }
    return 0;
}

static int
check_linux(const struct bolt_oci_spec *s, struct bolt_err *err)
{
    static const char *const propagations[] = {"private",    "rprivate",    "slave",
                                               "rslave",     "shared",      "rshared",
                                               "unbindable", "runbindable", NULL};
    const struct bolt_oci_linux *l = &s->linux_;

    if (check_namespaces(l, err) < 0 || check_idmaps(s, err) < 0 || check_devices(l, err) < 0
        || check_resources(&l->resources, err) < 0 || check_sysctl(s, err) < 0)
        return -1;
    if (l->seccomp && oci_validate_seccomp(l->seccomp, err) < 0)
        return -1;
    for (size_t i = 0; l->masked_paths && l->masked_paths[i]; i++)
        if (l->masked_paths[i][0] != '/')
            return bolt_err_set(err, 0,
                                "linux.maskedPaths[%zu]: must be an absolute path, got '%s'", i,
                                l->masked_paths[i]);
    for (size_t i = 0; l->readonly_paths && l->readonly_paths[i]; i++)
        if (l->readonly_paths[i][0] != '/')
            return bolt_err_set(err, 0,
                                "linux.readonlyPaths[%zu]: must be an absolute path, got '%s'", i,
                                l->readonly_paths[i]);
    if (l->rootfs_propagation && !in_list(l->rootfs_propagation, propagations))
        return bolt_err_set(err, 0,
                            "linux.rootfsPropagation: unknown propagation '%s' (expected one of "
                            "private, rprivate, slave, rslave, shared, rshared, unbindable, "
                            "runbindable)",
                            l->rootfs_propagation);
    return 0;
}

int
bolt_oci_spec_validate(const struct bolt_oci_spec *s, struct bolt_err *err)
{
    if (s->oci_version == NULL || s->oci_version[0] == '\0')
        return bolt_err_set(err, 0, "ociVersion: required (e.g. \"1.2.0\")");
    if (s->root_path == NULL || s->root_path[0] == '\0')
        return bolt_err_set(err, 0,
                            "root.path: required (the container's root filesystem, e.g. "
                            "\"rootfs\")");
    if (check_process(s, err) < 0 || check_mounts(s, err) < 0 || check_hooks(s, err) < 0)
        return -1;
    if (((s->hostname && s->hostname[0]) || (s->domainname && s->domainname[0]))
        && bolt_oci_spec_find_ns(s, BOLT_NS_UTS) < 0)
        return bolt_err_set(err, 0,
                            "%s: setting it needs a uts namespace (add {\"type\": \"uts\"} to "
                            "linux.namespaces)",
                            s->hostname && s->hostname[0] ? "hostname" : "domainname");
    for (size_t i = 0; i < s->n_annotations; i++)
        if (s->annotations[i].key[0] == '\0')
            return bolt_err_set(err, 0, "annotations: keys must not be empty");
    return check_linux(s, err);
}
