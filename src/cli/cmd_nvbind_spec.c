/* SPDX-License-Identifier: Apache-2.0 */
/* nvbind spec (a default config.json) and nvbind features (runtime-spec features JSON). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmds_nvbind.h"
#include "oci/spec.h"
#include "runtime/seccomp.h"
#include "util/mem.h"

int
cmd_nvbind_spec(int argc, char **argv)
{
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"rootless", no_argument, NULL, 'r'},
        {"seccomp", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *bundle = ".";
    bool seccomp = false;
    cleanup_free char *path = NULL;
    struct bolt_err err = {0};
    struct bolt_oci_spec *spec;
    int c, r;

    optind = 0;
    while ((c = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bundle = optarg;
            break;
        case 's':
            seccomp = true;
            break;
        case 'r':
            fprintf(stderr, "nvbind: spec --rootless: not supported yet; edit the default "
                            "spec (add a user namespace and id mappings)\n");
            return 1;
        case 'h':
            printf("usage: nvbind spec [--bundle DIR] [--seccomp]  (writes DIR/config.json;\n"
                   "       --seccomp adds docker's default seccomp profile)\n");
            return 0;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_usage_error("nvbind", "spec: unexpected argument '%s'", argv[optind]);
    path = xasprintf("%s/config.json", bundle);
    if (access(path, F_OK) == 0) {
        fprintf(stderr, "nvbind: spec: '%s' already exists (remove it first)\n", path);
        return 1;
    }
    spec = bolt_oci_spec_default();
    if (seccomp) {
        bolt_oci_seccomp_free(spec->linux_.seccomp);
        spec->linux_.seccomp = bolt_seccomp_default_profile_caps(spec->process.caps.bounding);
    }
    r = bolt_oci_spec_save(spec, path, &err);
    bolt_oci_spec_free(spec);
    if (r < 0) {
        bolt_err_print("nvbind", &err);
        return 1;
    }
    return 0;
}

static json_t *
strs(const char *const *v)
{
    json_t *a = json_array();

    for (size_t i = 0; v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

int
cmd_nvbind_features(int argc, char **argv)
{
    static const char *const hooks[] = {"prestart", "createRuntime", "createContainer",
                                        "startContainer", "poststart", "poststop", NULL};
    static const char *const mount_opts[] = {
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
        "mand", "noatime", "nodev", "nodiratime", "noexec", "nomand", "norelatime",
        "nostrictatime", "nosuid", "private", "rbind", "relatime", "remount", "ro",
        "rprivate", "rshared", "rslave", "runbindable", "rw", "shared", "slave",
        "strictatime", "suid", "sync", "unbindable", NULL};
    static const char *const ns[] = {"cgroup", "ipc", "mount", "network", "pid",
                                     "time", "user", "uts", NULL};
    static const char *const actions[] = {
        "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP", NULL};
    static const char *const ops[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                                      "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
                                      "SCMP_CMP_NE", NULL};
    static const char *const archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                        "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL};
    json_t *root, *linux_, *seccomp, *cgroup, *caps = json_array();
    char *out;

    (void)argv;
    if (argc > 1)
        return cli_usage_error("nvbind", "features: takes no arguments");
    for (int v = 0; v <= 40; v++) {
        static const char *const names[] = {
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
            "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
            "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
            "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
            "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
            "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};
        json_array_append_new(caps, json_string(names[v]));
    }
    seccomp = json_pack("{s:b, s:o, s:o, s:o, s:[], s:[]}", "enabled", 1, "actions",
                        strs(actions), "operators", strs(ops), "archs", strs(archs),
                        "knownFlags", "supportedFlags");
    cgroup = json_pack("{s:b, s:b, s:b, s:b}", "v1", 1, "v2", 1, "systemd", 1, "systemdUser", 0);
    linux_ = json_pack("{s:o, s:o, s:o, s:o, s:{s:b}, s:{s:b}}", "namespaces", strs(ns),
                       "capabilities", caps, "cgroup", cgroup, "seccomp", seccomp, "apparmor",
                       "enabled", 0, "selinux", "enabled", 0);
    root = json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s}}", "ociVersionMin", "1.0.0",
                     "ociVersionMax", "1.2.0", "hooks", strs(hooks), "mountOptions",
                     strs(mount_opts), "linux", linux_, "annotations",
                     "org.opencontainers.runc.checkpoint.enabled", "false");
    out = json_dumps(root, JSON_INDENT(4));
    json_decref(root);
    if (!out)
        return 1;
    printf("%s\n", out);
    free(out);
    return 0;
}
