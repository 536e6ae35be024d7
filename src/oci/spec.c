/* SPDX-License-Identifier: Apache-2.0 */
/* Name tables, free, dup and the in-place edit helpers of the OCI spec model. */
#include "oci/spec.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/mem.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const char *const bolt_oci_hook_names[BOLT_OCI_HOOK_KINDS] = {
    [BOLT_OCI_HOOK_PRESTART] = "prestart",
    [BOLT_OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [BOLT_OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [BOLT_OCI_HOOK_START_CONTAINER] = "startContainer",
    [BOLT_OCI_HOOK_POSTSTART] = "poststart",
    [BOLT_OCI_HOOK_POSTSTOP] = "poststop",
};

const char *const bolt_oci_ns_names[BOLT_NS_TYPES] = {
    [BOLT_NS_PID] = "pid",       [BOLT_NS_NETWORK] = "network", [BOLT_NS_MOUNT] = "mount",
    [BOLT_NS_IPC] = "ipc",       [BOLT_NS_UTS] = "uts",         [BOLT_NS_USER] = "user",
    [BOLT_NS_CGROUP] = "cgroup", [BOLT_NS_TIME] = "time",
};

const int bolt_oci_ns_clone_flags[BOLT_NS_TYPES] = {
    [BOLT_NS_PID] = CLONE_NEWPID,       [BOLT_NS_NETWORK] = CLONE_NEWNET,
    [BOLT_NS_MOUNT] = CLONE_NEWNS,      [BOLT_NS_IPC] = CLONE_NEWIPC,
    [BOLT_NS_UTS] = CLONE_NEWUTS,       [BOLT_NS_USER] = CLONE_NEWUSER,
    [BOLT_NS_CGROUP] = CLONE_NEWCGROUP, [BOLT_NS_TIME] = CLONE_NEWTIME,
};

/* Capability names by number (linux/capability.h up to CAP_LAST_CAP of Linux 6.x). */
static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int
bolt_oci_cap_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
        if (strcmp(name, cap_names[i]) == 0)
            return (int)i;
    return -1;
}

/* RLIMIT_* names by number (asm-generic/resource.h). */
static const char *const rlimit_names[] = {
    "RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
    "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
    "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

int
bolt_oci_rlimit_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
        if (strcmp(name, rlimit_names[i]) == 0)
            return (int)i;
    return -1;
}

/* ---- free ---- */

static void
free_process(struct bolt_oci_process *p)
{
    free(p->additional_gids);
    bolt_strv_free(p->args);
    bolt_strv_free(p->env);
    free(p->cwd);
    bolt_strv_free(p->caps.bounding);
    bolt_strv_free(p->caps.effective);
    bolt_strv_free(p->caps.inheritable);
    bolt_strv_free(p->caps.permitted);
    bolt_strv_free(p->caps.ambient);
    for (size_t i = 0; i < p->n_rlimits; i++)
        free(p->rlimits[i].type);
    free(p->rlimits);
    free(p->apparmor_profile);
    free(p->selinux_label);
}

static void
free_kv(struct bolt_oci_sysctl *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void
bolt_oci_seccomp_free(struct bolt_oci_seccomp *s)
{
    if (s == NULL)
        return;
    free(s->default_action);
    bolt_strv_free(s->architectures);
    bolt_strv_free(s->flags);
    free(s->listener_path);
    free(s->listener_metadata);
    for (size_t i = 0; i < s->n_syscalls; i++) {
        bolt_strv_free(s->syscalls[i].names);
        free(s->syscalls[i].action);
        for (size_t j = 0; j < s->syscalls[i].n_args; j++)
            free(s->syscalls[i].args[j].op);
        free(s->syscalls[i].args);
    }
    free(s->syscalls);
    free(s);
}

static void
free_linux(struct bolt_oci_linux *l)
{
    struct bolt_oci_resources *r = &l->resources;

    for (size_t i = 0; i < l->n_namespaces; i++)
        free(l->namespaces[i].path);
    free(l->namespaces);
    free(l->uid_mappings);
    free(l->gid_mappings);
    for (size_t i = 0; i < l->n_devices; i++)
        free(l->devices[i].path);
    free(l->devices);
    free(r->devices);
    free(r->cpu_cpus);
    free(r->cpu_mems);
    for (size_t i = 0; i < r->n_hugepage_limits; i++)
        free(r->hugepage_limits[i].page_size);
    free(r->hugepage_limits);
    free_kv(r->unified, r->n_unified);
    free(l->cgroups_path);
    free_kv(l->sysctl, l->n_sysctl);
    bolt_oci_seccomp_free(l->seccomp);
    bolt_strv_free(l->masked_paths);
    bolt_strv_free(l->readonly_paths);
    free(l->rootfs_propagation);
    free(l->mount_label);
}

static void
free_mount(struct bolt_oci_mount *m)
{
    free(m->destination);
    free(m->type);
    free(m->source);
    bolt_strv_free(m->options);
    free(m->uid_mappings);
    free(m->gid_mappings);
}

void
bolt_oci_spec_free(struct bolt_oci_spec *s)
{
    if (s == NULL)
        return;
    free(s->oci_version);
    free_process(&s->process);
    free(s->root_path);
    free(s->hostname);
    free(s->domainname);
    for (size_t i = 0; i < s->n_mounts; i++)
        free_mount(&s->mounts[i]);
    free(s->mounts);
    for (int k = 0; k < BOLT_OCI_HOOK_KINDS; k++) {
        for (size_t i = 0; i < s->hooks.n[k]; i++) {
            free(s->hooks.list[k][i].path);
            bolt_strv_free(s->hooks.list[k][i].args);
            bolt_strv_free(s->hooks.list[k][i].env);
        }
        free(s->hooks.list[k]);
    }
    for (size_t i = 0; i < s->n_annotations; i++) {
        free(s->annotations[i].key);
        free(s->annotations[i].value);
    }
    free(s->annotations);
    free_linux(&s->linux_);
    free(s);
}

/*
 * Deep copy through the JSON form: to_json writes every field the model holds and the
 * parser accepts everything to_json writes (enforced by the round-trip unit test and the
 * fuzz target), so this cannot drift from the struct as fields are added.
 */
struct bolt_oci_spec *
bolt_oci_spec_dup(const struct bolt_oci_spec *spec)
{
    struct bolt_err err = {0};
    json_t *j = bolt_oci_spec_to_json(spec);
    struct bolt_oci_spec *copy = bolt_oci_spec_from_json(j, &err);

    json_decref(j);
    if (copy == NULL) {
        /* A model the parser cannot read back is a bug in this module, not bad input. */
        log_error("duplicate oci spec: %s", err.msg);
        abort();
    }
    return copy;
}

/* ---- edit helpers ---- */

__attribute__((hot)) static ssize_t
env_index(char *const *env, const char *key)
{
    size_t klen = strlen(key);

    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=')
            return (ssize_t)i;
    return -1;
}

__attribute__((hot)) void
bolt_oci_spec_setenv(struct bolt_oci_spec *spec, const char *key, const char *value)
{
    char *kv = xjoin3(key, "=", value);
    ssize_t i = env_index(spec->process.env, key);

    spec->has_process = true;
    if (i >= 0) {
        free(spec->process.env[i]);
        spec->process.env[i] = kv;
        return;
    }
    bolt_strv_push(&spec->process.env, kv);
    free(kv);
}

__attribute__((hot)) const char *
bolt_oci_spec_getenv(const struct bolt_oci_spec *spec, const char *key)
{
    ssize_t i = env_index(spec->process.env, key);

    return i < 0 ? NULL : spec->process.env[i] + strlen(key) + 1;
}

__attribute__((hot)) void
bolt_oci_spec_add_mount(struct bolt_oci_spec *spec, const char *dest, const char *type,
                        const char *source, const char *const *options)
{
    struct bolt_oci_mount *m;

    spec->mounts = xreallocarray(spec->mounts, spec->n_mounts + 1, sizeof(*spec->mounts));
    m = &spec->mounts[spec->n_mounts++];
    memset(m, 0, sizeof(*m));
    m->destination = xstrdup(dest);
    m->type = type ? xstrdup(type) : NULL;
    m->source = source ? xstrdup(source) : NULL;
    m->options = bolt_strv_dup((char *const *)options);
}

__attribute__((hot)) void
bolt_oci_spec_add_device(struct bolt_oci_spec *spec, const char *path, char type, int64_t major,
                         int64_t minor, uint32_t mode, const char *rule_access)
{
    struct bolt_oci_linux *l = &spec->linux_;
    struct bolt_oci_device *d;
    struct bolt_oci_device_rule *r;

    spec->has_linux = true;
    l->devices = xreallocarray(l->devices, l->n_devices + 1, sizeof(*l->devices));
    d = &l->devices[l->n_devices++];
    memset(d, 0, sizeof(*d));
    d->path = xstrdup(path);
    d->type = type;
    d->major = major;
    d->minor = minor;
    d->has_file_mode = true;
    d->file_mode = mode;
    if (rule_access == NULL)
        return;
    l->has_resources = true;
    l->resources.devices = xreallocarray(l->resources.devices, l->resources.n_devices + 1,
                                         sizeof(*l->resources.devices));
    r = &l->resources.devices[l->resources.n_devices++];
    memset(r, 0, sizeof(*r));
    r->allow = true;
    r->type = type == 'u' ? 'c' : type;
    r->major = major;
    r->minor = minor;
    if (rule_access) {
        size_t n = strnlen(rule_access, sizeof(r->access) - 1);
        memcpy(r->access, rule_access, n);
        r->access[n] = '\0';
    }
}

void
bolt_oci_spec_set_annotation(struct bolt_oci_spec *spec, const char *key, const char *value)
{
    struct bolt_oci_annotation *a;

    for (size_t i = 0; i < spec->n_annotations; i++) {
        if (strcmp(spec->annotations[i].key, key) == 0) {
            free(spec->annotations[i].value);
            spec->annotations[i].value = xstrdup(value);
            return;
        }
    }
    spec->annotations =
        xreallocarray(spec->annotations, spec->n_annotations + 1, sizeof(*spec->annotations));
    a = &spec->annotations[spec->n_annotations++];
    a->key = xstrdup(key);
    a->value = xstrdup(value);
}

int
bolt_oci_spec_find_ns(const struct bolt_oci_spec *spec, enum bolt_oci_ns_type type)
{
    for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
        if (spec->linux_.namespaces[i].type == type)
            return (int)i;
    return -1;
}
