/* SPDX-License-Identifier: Apache-2.0 */
/* The default spec (what `nvbind spec` prints and what the engine starts from). */
#include "oci/spec.h"

#include <string.h>

#include "util/mem.h"

/* docker's default capability set (moby oci/caps/defaults.go). */
static const char *const default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

char *const *
bolt_oci_default_caps(void)
{
    return (char *const *)default_caps;
}

static const char *const masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

struct default_mount {
    const char *dest, *type, *source;
    const char *options[8];
};

static const struct default_mount default_mounts[] = {
    {"/proc", "proc", "proc", {NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

static const enum bolt_oci_ns_type default_ns[] = {
    BOLT_NS_PID, BOLT_NS_NETWORK, BOLT_NS_IPC, BOLT_NS_UTS, BOLT_NS_MOUNT,
};

static const char *const default_args[] = {"sh", NULL};
static const char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "TERM=xterm",
    NULL,
};

static void
default_process(struct bolt_oci_process *p)
{
    p->terminal = false;
    p->args = bolt_strv_dup((char *const *)default_args);
    p->env = bolt_strv_dup((char *const *)default_env);
    p->cwd = xstrdup("/");
    p->has_caps = true;
    p->caps.bounding = bolt_strv_dup((char *const *)default_caps);
    p->caps.effective = bolt_strv_dup((char *const *)default_caps);
    p->caps.permitted = bolt_strv_dup((char *const *)default_caps);
    p->rlimits = xcalloc(1, sizeof(*p->rlimits));
    p->rlimits[0].type = xstrdup("RLIMIT_NOFILE");
    p->rlimits[0].hard = 1024;
    p->rlimits[0].soft = 1024;
    p->n_rlimits = 1;
    p->no_new_privileges = true;
}

struct bolt_oci_spec *
bolt_oci_spec_default(void)
{
    struct bolt_oci_spec *s = xzalloc(sizeof(*s));
    struct bolt_oci_linux *l = &s->linux_;
    size_t n_ns = sizeof(default_ns) / sizeof(default_ns[0]);

    s->oci_version = xstrdup("1.2.0");
    s->has_process = true;
    default_process(&s->process);
    s->root_path = xstrdup("rootfs");
    s->root_readonly = true;
    s->hostname = xstrdup("bolt");
    for (size_t i = 0; i < sizeof(default_mounts) / sizeof(default_mounts[0]); i++) {
        const struct default_mount *m = &default_mounts[i];
        bolt_oci_spec_add_mount(s, m->dest, m->type, m->source, m->options[0] ? m->options : NULL);
    }
    s->has_linux = true;
    l->namespaces = xcalloc(n_ns, sizeof(*l->namespaces));
    for (size_t i = 0; i < n_ns; i++)
        l->namespaces[i].type = default_ns[i];
    l->n_namespaces = n_ns;
    /* deny every device; the runtime adds rules for the default /dev nodes it creates */
    l->has_resources = true;
    l->resources.devices = xcalloc(1, sizeof(*l->resources.devices));
    l->resources.devices[0] = (struct bolt_oci_device_rule){
        .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"};
    l->resources.n_devices = 1;
    l->masked_paths = bolt_strv_dup((char *const *)masked_paths);
    l->readonly_paths = bolt_strv_dup((char *const *)readonly_paths);
    return s;
}
