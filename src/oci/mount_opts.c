/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI mount options -> mount(2) flags, propagation, mount_setattr attributes and data,
 * with the vocabulary runc accepts (libcontainer/specconv mountFlags and friends).
 */
#include "oci/spec.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util/mem.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY      0x00000001
#define MOUNT_ATTR_NOSUID      0x00000002
#define MOUNT_ATTR_NODEV       0x00000004
#define MOUNT_ATTR_NOEXEC      0x00000008
#define MOUNT_ATTR__ATIME      0x00000070
#define MOUNT_ATTR_RELATIME    0x00000000
#define MOUNT_ATTR_NOATIME     0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME  0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

/* Flag words: "name" sets `flag`, or clears it when clear is true (e.g. "rw", "suid"). */
struct flag_opt {
    const char *name;
    bool clear;
    unsigned long flag;
};

static const struct flag_opt flag_opts[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"iversion", false, MS_I_VERSION},
    {"noiversion", true, MS_I_VERSION},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
};

static const struct flag_opt propagation_opts[] = {
    {"private", false, MS_PRIVATE},       {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},         {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},           {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

/* Recursive attributes for mount_setattr(AT_RECURSIVE): set `set`, clear `clr`. */
struct rec_opt {
    const char *name;
    uint64_t set, clr;
};

static const struct rec_opt rec_opts[] = {
    {"rro", MOUNT_ATTR_RDONLY, 0},
    {"rrw", 0, MOUNT_ATTR_RDONLY},
    {"rnosuid", MOUNT_ATTR_NOSUID, 0},
    {"rsuid", 0, MOUNT_ATTR_NOSUID},
    {"rnodev", MOUNT_ATTR_NODEV, 0},
    {"rdev", 0, MOUNT_ATTR_NODEV},
    {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
    {"rexec", 0, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
    {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rnorelatime", 0, MOUNT_ATTR__ATIME},
    {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
    {"ratime", 0, MOUNT_ATTR__ATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
    {"rnostrictatime", 0, MOUNT_ATTR__ATIME},
    {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
    {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
};

/*
 * Bare words that filesystems (not the VFS) understand; they travel in the data string.
 * Anything else without '=' is a typo we refuse rather than pass to the kernel.
 */
static const char *const fs_words[] = {
    "newinstance",  "userxattr",
    "volatile",     "noswap",
    "acl",          "noacl",
    "user_xattr",   "nouser_xattr",
    "discard",      "nodiscard",
    "barrier",      "nobarrier",
    "noload",       "inode64",
    "inode32",      "hard",
    "soft",         "intr",
    "nointr",       "nolock",
    "tcp",          "udp",
    "nouuid",       "norecovery",
    "grpid",        "nogrpid",
    "bsdgroups",    "sysvgroups",
    "quota",        "noquota",
    "usrquota",     "grpquota",
    "nsdelegate",   "memory_recursiveprot",
    "favordynmods", "memory_localevents",
    "none",         "cpu",
    "cpuacct",      "cpuset",
    "memory",       "devices",
    "freezer",      "net_cls",
    "net_prio",     "blkio",
    "perf_event",   "pids",
    "hugetlb",      "rdma",
    "misc",         "xattr",
    "noxattr",      "compress",
    "ssd",          "nossd",
    "space_cache",
};

static void
apply_flag(struct bolt_mount_opts *o, const struct flag_opt *f)
{
    if (f->clear) {
        o->flags &= ~f->flag;
        o->clear_flags |= f->flag;
    } else {
        o->flags |= f->flag;
        o->clear_flags &= ~f->flag;
    }
}

static void
add_data(struct bolt_mount_opts *o, const char *opt)
{
    char *d;

    if (o->data == NULL) {
        o->data = xstrdup(opt);
        return;
    }
    d = xasprintf("%s,%s", o->data, opt);
    free(o->data);
    o->data = d;
}

/* Returns true when opt is one of the special words (bind, idmap, ...). */
static bool
apply_special(struct bolt_mount_opts *o, const char *opt)
{
    if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
        o->bind = true;
        o->flags |= MS_BIND;
        if (opt[0] == 'r') {
            o->recursive = true;
            o->flags |= MS_REC;
        }
    } else if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
        o->idmap = true;
        o->idmap_recursive = opt[0] == 'r';
    } else if (strcmp(opt, "tmpcopyup") == 0) {
        o->tmpcopyup = true;
    } else {
        return false;
    }
    return true;
}

static int
parse_one(struct bolt_mount_opts *o, const char *opt, struct bolt_err *err)
{
    size_t i;

    for (i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++) {
        if (strcmp(opt, flag_opts[i].name) == 0) {
            apply_flag(o, &flag_opts[i]);
            return 0;
        }
    }
    for (i = 0; i < sizeof(propagation_opts) / sizeof(propagation_opts[0]); i++) {
        if (strcmp(opt, propagation_opts[i].name) == 0) {
            o->propagation = propagation_opts[i].flag;
            return 0;
        }
    }
    for (i = 0; i < sizeof(rec_opts) / sizeof(rec_opts[0]); i++) {
        if (strcmp(opt, rec_opts[i].name) == 0) {
            /* the later word wins: mount_setattr applies attr_clr first, then attr_set */
            o->rec_attr_set = (o->rec_attr_set & ~rec_opts[i].clr) | rec_opts[i].set;
            o->rec_attr_clr |= rec_opts[i].clr;
            return 0;
        }
    }
    if (apply_special(o, opt))
        return 0;
    /* "x-*" options belong to userspace tools (mount(8), systemd); never to the kernel. */
    if (strcmp(opt, BOLT_MOUNT_OPT_OPTIONAL) == 0)
        o->optional = true;
    if (strncmp(opt, "x-", 2) == 0)
        return 0;
    if (strchr(opt, '=') != NULL && opt[0] != '=') {
        add_data(o, opt);
        return 0;
    }
    for (i = 0; i < sizeof(fs_words) / sizeof(fs_words[0]); i++) {
        if (strcmp(opt, fs_words[i]) == 0) {
            add_data(o, opt);
            return 0;
        }
    }
    return bolt_err_set(err, 0,
                        "invalid mount option '%s' (expected a flag such as ro, nosuid, bind, "
                        "rprivate, or key=value)",
                        opt);
}

int
bolt_mount_opts_parse(char *const *options, struct bolt_mount_opts *out, struct bolt_err *err)
{
    struct bolt_mount_opts o = {0};

    for (size_t i = 0; options && options[i]; i++) {
        if (parse_one(&o, options[i], err) < 0) {
            bolt_mount_opts_fini(&o);
            return -1;
        }
    }
    *out = o;
    return 0;
}

void
bolt_mount_opts_fini(struct bolt_mount_opts *o)
{
    free(o->data);
    o->data = NULL;
}
