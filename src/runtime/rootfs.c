/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem, built inside its own mount namespace: every mount target
 * is resolved inside the rootfs with openat2(RESOLVE_IN_ROOT) and mounted onto through
 * /proc/self/fd/N, so a symlink in an image can never redirect a mount to the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/rt_internal.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/sys.h"

struct fdpath {
    char s[40];
};

static const char *
fdp(struct fdpath *p, int fd)
{
    snprintf(p->s, sizeof(p->s), "/proc/self/fd/%d", fd);
    return p->s;
}

static unsigned long
propagation_flags(const char *name)
{
    static const struct {
        const char *name;
        unsigned long flags;
    } t[] = {
        {"private", MS_PRIVATE},   {"rprivate", MS_PRIVATE | MS_REC},
        {"slave", MS_SLAVE},       {"rslave", MS_SLAVE | MS_REC},
        {"shared", MS_SHARED},     {"rshared", MS_SHARED | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    for (size_t i = 0; name && i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(name, t[i].name) == 0)
            return t[i].flags;
    }
    return 0;
}

/* MS_* flags -> MOUNT_ATTR_* for mount_setattr on bind mounts. */
static void
attr_from_flags(unsigned long flags, unsigned long clear, struct mount_attr *a)
{
    memset(a, 0, sizeof(*a));
    if (flags & MS_RDONLY)
        a->attr_set |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID)
        a->attr_set |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV)
        a->attr_set |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC)
        a->attr_set |= MOUNT_ATTR_NOEXEC;
    if (flags & MS_NODIRATIME)
        a->attr_set |= MOUNT_ATTR_NODIRATIME;
    if (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
        a->attr_clr |= MOUNT_ATTR__ATIME;
        if (flags & MS_NOATIME)
            a->attr_set |= MOUNT_ATTR_NOATIME;
        else if (flags & MS_STRICTATIME)
            a->attr_set |= MOUNT_ATTR_STRICTATIME;
        else
            a->attr_set |= MOUNT_ATTR_RELATIME;
    }
    if (clear & MS_RDONLY)
        a->attr_clr |= MOUNT_ATTR_RDONLY;
}

static int
bind_mount(int rootfd, const struct bolt_oci_mount *m, const struct bolt_mount_opts *o,
           struct bolt_err *err)
{
    struct stat st;
    struct fdpath p;
    struct mount_attr attr;
    cleanup_close int target = -1;
    cleanup_close int top = -1;

    if (!m->source || stat(m->source, &st) < 0) {
        if (m->source && errno == ENOENT && o->optional) {
            log_warn("'%s' is missing: the container has no %s (it comes back with the next "
                     "start after it is there)", m->source, m->destination);
            return 0;
        }
        return bolt_err_set(err, m->source ? errno : EINVAL, "mount '%s': bind source '%s'",
                            m->destination, m->source ? m->source : "(none)");
    }
    target = bolt_mount_target_in_root(rootfd, m->destination, S_ISDIR(st.st_mode), err);
    if (target < 0)
        return bolt_err_wrap(err, "mount '%s'", m->destination);
    if (mount(m->source, fdp(&p, target), NULL, MS_BIND | (o->recursive ? MS_REC : 0), NULL) < 0)
        return bolt_err_set(err, errno, "bind mount '%s' on '%s'", m->source, m->destination);
    attr_from_flags(o->flags, o->clear_flags, &attr);
    if (attr.attr_set == 0 && attr.attr_clr == 0 && o->propagation == 0)
        return 0;
    /* target still names the directory under the new mount: reopen to get the mount. */
    top = bolt_open_in_root(rootfd, m->destination, O_PATH, 0, err);
    if (top < 0)
        return bolt_err_wrap(err, "mount '%s'", m->destination);
    if ((attr.attr_set || attr.attr_clr)
        && mount_setattr(top, "", AT_EMPTY_PATH | (o->recursive ? AT_RECURSIVE : 0), &attr,
                         sizeof(attr))
               < 0)
        return bolt_err_set(err, errno, "set flags of bind mount '%s'", m->destination);
    if (o->propagation && mount(NULL, fdp(&p, top), NULL, o->propagation, NULL) < 0)
        return bolt_err_set(err, errno, "set propagation of mount '%s'", m->destination);
    return 0;
}

/* In a user namespace a cgroup v1 hierarchy cannot be mounted: bind the host's. */
static int
bind_hierarchy(const char *host, int parent, const char *name, int target, unsigned long flags)
{
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    struct fdpath p;
    cleanup_close int top = -1;

    if (errno != EPERM || mount(host, fdp(&p, target), NULL, MS_BIND | MS_REC, NULL) < 0)
        return -1;
    if (!(flags & MS_RDONLY))
        return 0;
    /* reopen by name: target still names the directory under the new mount */
    top = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (top < 0 || mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
        return -1;
    return 0;
}

static int
mount_cgroup_v1(int rootfd, const char *dest, unsigned long flags, struct bolt_err *err)
{
    struct bolt_cgroup_layout *l = bolt_cgroup_layout_detect(NULL, err);
    cleanup_close int dir = -1;
    cleanup_close int top = -1;
    struct fdpath p;
    int r = -1;

    if (!l)
        return bolt_err_wrap(err, "mount cgroup on '%s'", dest);
    dir = bolt_mkdir_in_root(rootfd, dest, 0755, err);
    if (dir < 0)
        goto out;
    if (mount("tmpfs", fdp(&p, dir), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0) {
        bolt_err_set(err, errno, "mount tmpfs on '%s'", dest);
        goto out;
    }
    top = bolt_open_in_root(rootfd, dest, O_PATH | O_DIRECTORY, 0, err);
    if (top < 0)
        goto out;
    for (size_t i = 0; i < l->n_hiers; i++) {
        const struct bolt_cgroup_hier *h = &l->hiers[i];
        const char *name = strrchr(h->mount, '/') ? strrchr(h->mount, '/') + 1 : h->mount;
        cleanup_free char *data = NULL;
        cleanup_close int sub = -1;

        if (mkdirat(top, name, 0755) < 0 && errno != EEXIST) {
            bolt_err_set(err, errno, "mkdir '%s/%s'", dest, name);
            goto out;
        }
        sub = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            bolt_err_set(err, errno, "open '%s/%s'", dest, name);
            goto out;
        }
        for (size_t j = 0; !h->v2 && h->controllers && h->controllers[j]; j++) {
            char *old = data;
            data = old ? xasprintf("%s,%s", old, h->controllers[j]) : xstrdup(h->controllers[j]);
            free(old);
        }
        if (mount(h->v2 ? "cgroup2" : "cgroup", fdp(&p, sub), h->v2 ? "cgroup2" : "cgroup",
                  flags, data)
                < 0
            && bind_hierarchy(h->mount, top, name, sub, flags) < 0) {
            bolt_err_set(err, errno, "mount cgroup '%s' on '%s/%s'", data ? data : "cgroup2",
                         dest, name);
            goto out;
        }
    }
    if ((flags & MS_RDONLY)
        && mount(NULL, fdp(&p, top), NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                 "mode=755")
               < 0) {
        bolt_err_set(err, errno, "remount '%s' read-only", dest);
        goto out;
    }
    r = 0;
out:
    bolt_cgroup_layout_free(l);
    return r;
}

static int
other_mount(int rootfd, const struct bolt_oci_mount *m, const struct bolt_mount_opts *o,
            bool userns, struct bolt_err *err)
{
    struct fdpath p;
    cleanup_close int target = -1;
    const char *type = m->type;
    enum bolt_cgroup_mode mode;

    if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
        if (bolt_cgroup_detect(&mode, err) < 0)
            return -1;
        if (mode != BOLT_CGROUP_V2)
            return mount_cgroup_v1(rootfd, m->destination, o->flags, err);
        type = "cgroup2";
    }
    target = bolt_mkdir_in_root(rootfd, m->destination, 0755, err);
    if (target < 0)
        return bolt_err_wrap(err, "mount '%s'", m->destination);
    if (mount(m->source ? m->source : type, fdp(&p, target), type, o->flags, o->data) == 0)
        goto propagation;
    /* sysfs needs a network namespace owned by our user namespace; bind the host's. */
    if (errno == EPERM && userns && strcmp(type, "sysfs") == 0) {
        if (mount("/sys", fdp(&p, target), NULL, MS_BIND | MS_REC, NULL) == 0)
            goto propagation;
    }
    return bolt_err_set(err, errno, "mount %s on '%s'%s%s", type, m->destination,
                        o->data ? " with options " : "", o->data ? o->data : "");
propagation:
    if (o->propagation) {
        cleanup_close int top = bolt_open_in_root(rootfd, m->destination, O_PATH, 0, err);
        if (top < 0 || mount(NULL, fdp(&p, top), NULL, o->propagation, NULL) < 0)
            return bolt_err_set(err, errno, "set propagation of mount '%s'", m->destination);
    }
    return 0;
}

static int
do_mounts(struct rt_child *c, int rootfd, struct bolt_err *err)
{
    const struct bolt_oci_spec *s = c->spec;

    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct bolt_oci_mount *m = &s->mounts[i];
        struct bolt_mount_opts o;
        bool bind;
        int r;

        if (bolt_mount_opts_parse(m->options, &o, err) < 0)
            return bolt_err_wrap(err, "mounts[%zu] ('%s')", i, m->destination);
        bind = o.bind || !m->type || strcmp(m->type, "bind") == 0 || strcmp(m->type, "none") == 0;
        if (bind)
            r = bind_mount(rootfd, m, &o, err);
        else
            r = other_mount(rootfd, m, &o, c->new_ns[BOLT_NS_USER], err);
        bolt_mount_opts_fini(&o);
        if (r < 0)
            return -1;
    }
    return 0;
}

static int
make_node(int rootfd, const char *path, mode_t type_mode, dev_t dev, bool use_bind,
          const char *host, uid_t uid, gid_t gid, struct bolt_err *err)
{
    cleanup_free char *copy = xstrdup(path);
    char *base = strrchr(copy, '/');
    cleanup_close int dir = -1;
    cleanup_close int node = -1;
    struct fdpath p;

    if (!base || base[1] == '\0')
        return bolt_err_set(err, EINVAL, "device '%s': expected an absolute file path", path);
    *base++ = '\0';
    dir = bolt_mkdir_in_root(rootfd, *copy ? copy : "/", 0755, err);
    if (dir < 0)
        return bolt_err_wrap(err, "device '%s'", path);
    if (!use_bind) {
        if (mknodat(dir, base, type_mode, dev) < 0) {
            if (errno == EEXIST)
                return 0;
            return bolt_err_set(err, errno, "mknod '%s'", path);
        }
        if ((uid || gid) && fchownat(dir, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            return bolt_err_set(err, errno, "chown device '%s'", path);
        return 0;
    }
    /* In a user namespace mknod is not allowed: bind the host node over an empty file. */
    node = openat(dir, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (node < 0)
        return bolt_err_set(err, errno, "create bind target for device '%s'", path);
    close(steal_fd(&node));
    node = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (node < 0 || mount(host, fdp(&p, node), NULL, MS_BIND, NULL) < 0)
        return bolt_err_set(err, errno, "bind device '%s' on '%s'", host, path);
    return 0;
}

static bool
dev_is_bind(const struct bolt_oci_spec *s)
{
    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct bolt_oci_mount *m = &s->mounts[i];
        if (strcmp(m->destination, "/dev") != 0)
            continue;
        if (!m->type || strcmp(m->type, "bind") == 0 || strcmp(m->type, "none") == 0)
            return true;
        for (size_t j = 0; m->options && m->options[j]; j++) {
            if (strcmp(m->options[j], "bind") == 0 || strcmp(m->options[j], "rbind") == 0)
                return true;
        }
    }
    return false;
}

/* linux.devices: mknod (bind from the host in a user namespace), mode, owner. */
static int
make_spec_devices(struct rt_child *c, int rootfd, bool userns, struct bolt_err *err)
{
    const struct bolt_oci_linux *l = &c->spec->linux_;

    for (size_t i = 0; i < l->n_devices; i++) {
        const struct bolt_oci_device *d = &l->devices[i];
        mode_t t = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
        mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;

        if (make_node(rootfd, d->path, t | perm, makedev(d->major, d->minor),
                      userns && t != S_IFIFO, d->path, d->has_uid ? d->uid : 0,
                      d->has_gid ? d->gid : 0, err)
            < 0)
            return bolt_err_wrap(err, "linux.devices[%zu]", i);
    }
    return 0;
}

static int
make_devices(struct rt_child *c, int rootfd, struct bolt_err *err)
{
    static const struct {
        const char *name;
        unsigned maj, min;
    } defaults[] = {
        {"/dev/null", 1, 3},    {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
        {"/dev/random", 1, 8},  {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
    };
    static const struct {
        const char *name, *target;
    } links[] = {
        {"fd", "/proc/self/fd"},          {"stdin", "/proc/self/fd/0"},
        {"stdout", "/proc/self/fd/1"},    {"stderr", "/proc/self/fd/2"},
        {"core", "/proc/kcore"},          {"ptmx", "pts/ptmx"},
    };
    bool userns = c->new_ns[BOLT_NS_USER];
    cleanup_close int dev = -1;

    /* A bind-mounted /dev (privileged containers) is the host's: leave it as it is. */
    if (dev_is_bind(c->spec))
        return make_spec_devices(c, rootfd, userns, err);
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (make_node(rootfd, defaults[i].name, S_IFCHR | 0666,
                      makedev(defaults[i].maj, defaults[i].min), userns, defaults[i].name, 0, 0,
                      err)
            < 0)
            return -1;
    }
    if (make_spec_devices(c, rootfd, userns, err) < 0)
        return -1;
    dev = bolt_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0, err);
    if (dev < 0)
        return bolt_err_wrap(err, "container /dev");
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        if (symlinkat(links[i].target, dev, links[i].name) < 0 && errno != EEXIST)
            return bolt_err_set(err, errno, "symlink '/dev/%s'", links[i].name);
    }
    return 0;
}

int
rt_rootfs_prepare(struct rt_child *c, int *rootfd_out, struct bolt_err *err)
{
    const char *prop = c->spec->linux_.rootfs_propagation;
    unsigned long pflags = propagation_flags(prop);
    cleanup_close int rootfd = -1;

    /* Keep our mounts from propagating back to the host (a shared rootfs propagation is
     * set again after pivot_root). */
    if (pflags == 0 || (pflags & MS_SHARED))
        pflags = MS_SLAVE | MS_REC;
    if (mount(NULL, "/", NULL, pflags | MS_REC, NULL) < 0)
        return bolt_err_set(err, errno, "make '/' %s in the container mount namespace",
                            prop ? prop : "rslave");
    if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return bolt_err_set(err, errno, "bind rootfs '%s'", c->rootfs);
    rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return bolt_err_set(err, errno, "open rootfs '%s'", c->rootfs);
    if (do_mounts(c, rootfd, err) < 0 || make_devices(c, rootfd, err) < 0)
        return -1;
    *rootfd_out = steal_fd(&rootfd);
    return 0;
}

int
rt_rootfs_pivot(struct rt_child *c, int rootfd, struct bolt_err *err)
{
    if (fchdir(rootfd) < 0)
        return bolt_err_set(err, errno, "chdir to rootfs '%s'", c->rootfs);
    if (c->no_pivot) {
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
            return bolt_err_set(err, errno, "move rootfs '%s' to '/'", c->rootfs);
        if (chroot(".") < 0)
            return bolt_err_set(err, errno, "chroot to rootfs '%s'", c->rootfs);
    } else {
        /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it
         * leaves only the container's tree (no temporary directory needed). */
        if (sys_pivot_root(".", ".") < 0)
            return bolt_err_set(err, errno, "pivot_root to '%s'", c->rootfs);
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
            return bolt_err_set(err, errno, "make the old root a slave");
        if (umount2(".", MNT_DETACH) < 0)
            return bolt_err_set(err, errno, "detach the old root");
    }
    if (chdir("/") < 0)
        return bolt_err_set(err, errno, "chdir '/'");
    return 0;
}

static int
mask_path(const char *path, struct bolt_err *err)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : bolt_err_set(err, errno, "linux.maskedPaths: '%s'", path);
    if (S_ISDIR(st.st_mode)) {
        if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") < 0)
            return bolt_err_set(err, errno, "linux.maskedPaths: mask directory '%s'", path);
    } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
        return bolt_err_set(err, errno, "linux.maskedPaths: mask '%s'", path);
    }
    return 0;
}

static int
readonly_path(const char *path, struct bolt_err *err)
{
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    cleanup_close int fd = -1;

    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
        return errno == ENOENT ? 0 : bolt_err_set(err, errno, "linux.readonlyPaths: bind '%s'", path);
    fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0 || mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
        return bolt_err_set(err, errno, "linux.readonlyPaths: make '%s' read-only", path);
    return 0;
}

static int
write_sysctl(const struct bolt_oci_sysctl *s, struct bolt_err *err)
{
    cleanup_free char *path = xasprintf("/proc/sys/%s", s->key);
    cleanup_close int fd = -1;
    size_t len = strlen(s->value);

    for (char *p = path + strlen("/proc/sys/"); *p; p++) {
        if (*p == '.')
            *p = '/';
    }
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return bolt_err_set(err, errno, "linux.sysctl: '%s'", s->key);
    if (write(fd, s->value, len) != (ssize_t)len)
        return bolt_err_set(err, errno, "linux.sysctl: write '%s' = '%s'", s->key, s->value);
    return 0;
}

int
rt_rootfs_finish(struct rt_child *c, struct bolt_err *err)
{
    const struct bolt_oci_spec *s = c->spec;
    const struct bolt_oci_linux *l = &s->linux_;
    unsigned long pflags = propagation_flags(l->rootfs_propagation);

    for (size_t i = 0; i < l->n_sysctl; i++) {
        if (write_sysctl(&l->sysctl[i], err) < 0)
            return -1;
    }
    for (size_t i = 0; l->masked_paths && l->masked_paths[i]; i++) {
        if (mask_path(l->masked_paths[i], err) < 0)
            return -1;
    }
    for (size_t i = 0; l->readonly_paths && l->readonly_paths[i]; i++) {
        if (readonly_path(l->readonly_paths[i], err) < 0)
            return -1;
    }
    if (s->root_readonly) {
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
        cleanup_close int fd = open("/", O_PATH | O_CLOEXEC);
        if (fd < 0 || mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
            return bolt_err_set(err, errno, "root.readonly: remount '/' read-only");
    }
    if ((pflags & MS_SHARED) && mount(NULL, "/", NULL, pflags, NULL) < 0)
        return bolt_err_set(err, errno, "linux.rootfsPropagation: make '/' %s",
                            l->rootfs_propagation);
    if (c->new_ns[BOLT_NS_UTS]) {
        if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
            return bolt_err_set(err, errno, "hostname: set '%s'", s->hostname);
        if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
            return bolt_err_set(err, errno, "domainname: set '%s'", s->domainname);
    }
    return 0;
}
