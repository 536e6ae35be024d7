/* SPDX-License-Identifier: Apache-2.0 */
/* Spec building, part two: users, capabilities, seccomp, devices, small validators. */
#include "engine/spec_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "nvbind/cdi.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/units.h"

void
engine_spec_drop_mount(struct bolt_oci_spec *spec, const char *dest)
{
    size_t w = 0;

    for (size_t i = 0; i < spec->n_mounts; i++) {
        struct bolt_oci_mount *m = &spec->mounts[i];
        if (m->destination && strcmp(m->destination, dest) == 0) {
            free(m->destination);
            free(m->type);
            free(m->source);
            bolt_strv_free(m->options);
            free(m->uid_mappings);
            free(m->gid_mappings);
            continue;
        }
        spec->mounts[w++] = *m;
    }
    spec->n_mounts = w;
}

int
engine_tmpfs_opts(const char *s, char ***opts, struct bolt_err *err)
{
    cleanup_free char *copy = xstrdup(s);
    char *save = NULL;

    for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (strncmp(o, "size=", 5) == 0) {
            uint64_t v = 0;
            cleanup_free char *kb = NULL;
            if (bolt_parse_size(o + 5, &v, err) < 0)
                return -1;
            kb = xasprintf("size=%lluk", (unsigned long long)((v + 1023) / 1024));
            bolt_strv_push(opts, kb);
        } else if (strncmp(o, "mode=", 5) == 0) {
            if (!o[5] || strspn(o + 5, "01234567") != strlen(o + 5))
                return bolt_err_set(err, 0, "invalid mode '%s' (expected octal, e.g. mode=1777)",
                                    o + 5);
            bolt_strv_push(opts, o);
        } else if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0 || strcmp(o, "exec") == 0
                   || strcmp(o, "noexec") == 0 || strcmp(o, "suid") == 0 || strcmp(o, "nosuid") == 0
                   || strcmp(o, "dev") == 0 || strcmp(o, "nodev") == 0 || strncmp(o, "uid=", 4) == 0
                   || strncmp(o, "gid=", 4) == 0 || strncmp(o, "nr_inodes=", 10) == 0) {
            bolt_strv_push(opts, o);
        } else {
            return bolt_err_set(err, 0,
                                "unknown tmpfs option '%s' (expected size=, mode=, uid=, "
                                "gid=, nr_inodes=, ro, rw, [no]exec, [no]suid, [no]dev)",
                                o);
        }
    }
    return 0;
}

bool
engine_hostname_is_valid(const char *name)
{
    size_t label = 0;

    if (!*name || strlen(name) > 253)
        return false;
    for (const char *p = name; *p; p++) {
        if (*p == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0;
}

char *
engine_default_hostname(const struct bolt_run_opts *o, const char *id)
{
    char host[256];

    if (o->network && strcmp(o->network, "host") == 0 && gethostname(host, sizeof(host)) == 0) {
        host[sizeof(host) - 1] = '\0';
        return xstrdup(host);
    }
    return xstrndup(id, 12);
}

/* Read etc/<file> from the top-most layer that has it (or NULL). */
static char *
read_image_file(char *const *lowerdirs, const char *file)
{
    for (size_t i = 0; lowerdirs && lowerdirs[i]; i++) {
        cleanup_free char *path = xasprintf("%s/%s", lowerdirs[i], file);
        cleanup_free char *wh = NULL;
        char *slash;
        char *text = bolt_read_file(path, NULL, NULL);
        if (text)
            return text;
        /* a whiteout in a higher layer hides the file of the layers below */
        wh = xstrdup(path);
        slash = strrchr(wh, '/');
        if (slash) {
            cleanup_free char *whp = NULL;
            *slash = '\0';
            whp = xasprintf("%s/.wh.%s", wh, slash + 1);
            if (bolt_path_exists(whp))
                return NULL;
        }
    }
    return NULL;
}

/* Find name (or numeric id) in a passwd/group text; fields: name:x:id:gid... */
static int
lookup_db(const char *text, const char *name, long *id, long *gid)
{
    cleanup_free char *copy = text ? xstrdup(text) : NULL;
    char *save = NULL;

    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char *f[4] = {NULL, NULL, NULL, NULL};
        char *s2 = line;
        for (int k = 0; k < 4; k++)
            f[k] = strsep(&s2, ":");
        if (!f[0] || !f[2] || strcmp(f[0], name) != 0)
            continue;
        *id = strtol(f[2], NULL, 10);
        if (gid)
            *gid = f[3] ? strtol(f[3], NULL, 10) : 0;
        return 0;
    }
    return -1;
}

static bool
is_number(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 10;
}

int
engine_resolve_user(struct bolt_oci_spec *spec, const char *user, char *const *lowerdirs,
                    struct bolt_err *err)
{
    cleanup_free char *copy = NULL;
    cleanup_free char *passwd = NULL;
    cleanup_free char *group = NULL;
    char *grp;
    long uid = 0, gid = 0;

    spec->process.uid = 0;
    spec->process.gid = 0;
    if (!user || !*user)
        return 0;
    copy = xstrdup(user);
    grp = strchr(copy, ':');
    if (grp)
        *grp++ = '\0';
    passwd = read_image_file(lowerdirs, "etc/passwd");
    if (is_number(copy)) {
        uid = strtol(copy, NULL, 10);
        char num[16];
        /* the primary group of a numeric uid still comes from passwd when listed */
        for (const char *p = passwd; p && *p;) {
            long u = -1, g = 0;
            const char *nl = strchr(p, '\n');
            cleanup_free char *line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
            char *f[4] = {NULL, NULL, NULL, NULL};
            char *s2 = line;
            for (int k = 0; k < 4; k++)
                f[k] = strsep(&s2, ":");
            if (f[2] && f[3]) {
                u = strtol(f[2], NULL, 10);
                g = strtol(f[3], NULL, 10);
            }
            if (u == uid) {
                gid = g;
                break;
            }
            p = nl ? nl + 1 : NULL;
        }
        (void)num;
    } else if (lookup_db(passwd, copy, &uid, &gid) < 0) {
        return bolt_err_set(err, 0,
                            "-u: unable to find user '%s': no matching entries in the "
                            "image's /etc/passwd (give a numeric UID[:GID] instead)",
                            copy);
    }
    if (grp && *grp) {
        if (is_number(grp)) {
            gid = strtol(grp, NULL, 10);
        } else {
            group = read_image_file(lowerdirs, "etc/group");
            if (lookup_db(group, grp, &gid, NULL) < 0)
                return bolt_err_set(err, 0,
                                    "-u: unable to find group '%s': no matching entries "
                                    "in the image's /etc/group",
                                    grp);
        }
    }
    if (uid < 0 || gid < 0)
        return bolt_err_set(err, 0, "-u: invalid user '%s'", user);
    spec->process.uid = (uint32_t)uid;
    spec->process.gid = (uint32_t)gid;
    return 0;
}

static void
cap_remove(char ***set, const char *cap)
{
    size_t w = 0;

    if (!*set)
        return;
    for (size_t i = 0; (*set)[i]; i++) {
        if (strcmp((*set)[i], cap) == 0) {
            free((*set)[i]);
            continue;
        }
        (*set)[w++] = (*set)[i];
    }
    (*set)[w] = NULL;
}

static void
cap_add(char ***set, const char *cap)
{
    for (size_t i = 0; *set && (*set)[i]; i++)
        if (strcmp((*set)[i], cap) == 0)
            return;
    bolt_strv_push(set, cap);
}

static void
caps_edit(struct bolt_oci_caps *c, const char *cap, bool add)
{
    char ***sets[] = {&c->bounding, &c->effective, &c->permitted};

    for (size_t s = 0; s < sizeof(sets) / sizeof(*sets); s++) {
        if (strcmp(cap, "ALL") == 0 && !add) {
            bolt_strv_free(*sets[s]);
            *sets[s] = xzalloc(sizeof(char *));
            continue;
        }
        if (strcmp(cap, "ALL") == 0) {
            cleanup_strv char **all = bolt_cap_all();
            /* only what bolt itself may hold: some hosts drop caps from root's bounding set */
            for (size_t i = 0; all[i]; i++)
                if (prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) == 1)
                    cap_add(sets[s], all[i]);
            continue;
        }
        if (add)
            cap_add(sets[s], cap);
        else
            cap_remove(sets[s], cap);
    }
}

static bool
cap_in_bounding(const char *canon)
{
    cleanup_strv char **all = bolt_cap_all();

    for (size_t i = 0; all[i]; i++)
        if (strcmp(all[i], canon) == 0)
            return prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) == 1;
    return false;
}

static int
build_caps(struct bolt_oci_spec *spec, const struct bolt_run_opts *o, struct bolt_err *err)
{
    struct bolt_oci_caps *c = &spec->process.caps;
    char **lists[2] = {o->cap_drop, o->cap_add};
    const char *flags[2] = {"--cap-drop", "--cap-add"};

    /* validate everything first, so a typo fails before anything is applied */
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; lists[l] && lists[l][i]; i++) {
            cleanup_free char *canon = bolt_cap_canon(lists[l][i]);
            if (!canon)
                return bolt_err_set(err, 0,
                                    "%s: unknown capability '%s' (expected a name such "
                                    "as NET_ADMIN or CAP_SYS_TIME, or ALL)",
                                    flags[l], lists[l][i]);
            if (l == 1 && strcmp(canon, "ALL") != 0 && !cap_in_bounding(canon))
                return bolt_err_set(err, 0,
                                    "--cap-add: %s is not in bolt's own capability "
                                    "bounding set on this host, so no container can be "
                                    "given it",
                                    canon);
        }
    }
    spec->process.has_caps = true;
    if (o->privileged)
        caps_edit(c, "ALL", true);
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; lists[l] && lists[l][i]; i++) {
            cleanup_free char *canon = bolt_cap_canon(lists[l][i]);
            caps_edit(c, canon, l == 1);
        }
    }
    return 0;
}

/*
 * A profile file in docker/containers format (or a plain OCI linux.seccomp object), its
 * capability and architecture conditions resolved against the container's bounding set.
 */
static struct bolt_oci_seccomp *
load_seccomp_file(const char *path, char *const *caps, struct bolt_err *err)
{
    struct bolt_oci_seccomp *sc = bolt_seccomp_profile_load(path, caps, err);

    if (!sc)
        bolt_err_wrap(err, "--security-opt seccomp=%s (expected a readable docker or OCI "
                           "seccomp profile)",
                      path);
    return sc;
}

static void
set_seccomp(struct bolt_oci_spec *spec, struct bolt_oci_seccomp *sc)
{
    bolt_oci_seccomp_free(spec->linux_.seccomp);
    spec->linux_.seccomp = sc;
}

static int
build_secopts(struct bolt_oci_spec *spec, const struct bolt_run_opts *o, bool *unconfined,
              struct bolt_err *err)
{
    for (size_t i = 0; o->security_opts && o->security_opts[i]; i++) {
        const char *s = o->security_opts[i];
        if (strcmp(s, "no-new-privileges") == 0 || strcmp(s, "no-new-privileges:true") == 0
            || strcmp(s, "no-new-privileges=true") == 0) {
            spec->process.no_new_privileges = true;
        } else if (strcmp(s, "no-new-privileges:false") == 0
                   || strcmp(s, "no-new-privileges=false") == 0) {
            spec->process.no_new_privileges = false;
        } else if (strcmp(s, "seccomp=unconfined") == 0 || strcmp(s, "seccomp:unconfined") == 0) {
            *unconfined = true;
            set_seccomp(spec, NULL);
        } else if (strncmp(s, "seccomp=", 8) == 0 || strncmp(s, "seccomp:", 8) == 0) {
            struct bolt_oci_seccomp *sc = load_seccomp_file(s + 8, spec->process.caps.bounding, err);
            if (!sc)
                return -1;
            *unconfined = true; /* the user's profile replaces the default */
            set_seccomp(spec, sc);
        } else {
            return bolt_err_set(err, 0,
                                "--security-opt: unknown option '%s' (expected "
                                "no-new-privileges[:true|false], seccomp=unconfined or "
                                "seccomp=FILE)",
                                s);
        }
    }
    return 0;
}

int
engine_build_security(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
                      struct bolt_err *err)
{
    bool custom = false;

    if (build_caps(spec, o, err) < 0 || build_secopts(spec, o, &custom, err) < 0)
        return -1;
    if (o->privileged) {
        if (!custom)
            set_seccomp(spec, NULL);
        bolt_strv_free(spec->linux_.masked_paths);
        spec->linux_.masked_paths = NULL;
        bolt_strv_free(spec->linux_.readonly_paths);
        spec->linux_.readonly_paths = NULL;
        return 0;
    }
    if (!custom)
        set_seccomp(spec, bolt_seccomp_default_profile_caps(spec->process.caps.bounding));
    return 0;
}

static int
add_host_device(struct bolt_oci_spec *spec, const char *host, const char *ctr, const char *perms,
                struct bolt_err *err)
{
    struct stat sb;
    char type;

    if (stat(host, &sb) < 0)
        return bolt_err_set(err, errno, "--device: cannot use '%s'", host);
    if (S_ISCHR(sb.st_mode))
        type = 'c';
    else if (S_ISBLK(sb.st_mode))
        type = 'b';
    else
        return bolt_err_set(err, 0, "--device: '%s' is not a character or block device", host);
    bolt_oci_spec_add_device(spec, ctr, type, major(sb.st_rdev), minor(sb.st_rdev),
                             sb.st_mode & 07777, perms);
    return 0;
}

static int
privileged_devices(struct bolt_oci_spec *spec, struct bolt_err *err)
{
    cleanup_dir DIR *d = opendir("/dev");
    struct dirent *de;
    struct bolt_oci_resources *r = &spec->linux_.resources;

    if (!d)
        return bolt_err_set(err, errno, "--privileged: open '/dev'");
    while ((de = readdir(d))) {
        cleanup_free char *p = xasprintf("/dev/%s", de->d_name);
        struct stat sb;
        if (de->d_name[0] == '.' || lstat(p, &sb) < 0)
            continue;
        if (!S_ISCHR(sb.st_mode) && !S_ISBLK(sb.st_mode))
            continue;
        /* the runtime makes its own tty/console nodes; copying ours would clash */
        if (strcmp(de->d_name, "console") == 0 || strcmp(de->d_name, "tty") == 0
            || strcmp(de->d_name, "ptmx") == 0 || strcmp(de->d_name, "null") == 0
            || strcmp(de->d_name, "zero") == 0 || strcmp(de->d_name, "full") == 0
            || strcmp(de->d_name, "random") == 0 || strcmp(de->d_name, "urandom") == 0)
            continue;
        bolt_oci_spec_add_device(spec, p, S_ISCHR(sb.st_mode) ? 'c' : 'b', major(sb.st_rdev),
                                 minor(sb.st_rdev), sb.st_mode & 07777, NULL);
    }
    r->devices = xreallocarray(r->devices, r->n_devices + 1, sizeof(*r->devices));
    r->devices[r->n_devices++] = (struct bolt_oci_device_rule){true, 'a', -1, -1, "rwm"};
    return 0;
}

int
engine_build_devices(struct bolt_oci_spec *spec, const struct bolt_run_opts *o,
                     struct bolt_err *err)
{
    if (o->privileged && privileged_devices(spec, err) < 0)
        return -1;
    for (size_t i = 0; o->devices && o->devices[i]; i++) {
        if (bolt_cdi_is_qualified_name(o->devices[i]))
            continue; /* a CDI device (VENDOR/CLASS=NAME): applied by bolt_engine_apply_edits */
        cleanup_free char *copy = xstrdup(o->devices[i]);
        char *ctr = strchr(copy, ':');
        char *perms = NULL;
        if (ctr) {
            *ctr++ = '\0';
            perms = strchr(ctr, ':');
            if (perms)
                *perms++ = '\0';
            if (!*ctr || (ctr[0] != '/' && strspn(ctr, "rwm") == strlen(ctr))) {
                perms = ctr; /* HOST:PERMS */
                ctr = NULL;
            }
        }
        if (copy[0] != '/' || (ctr && ctr[0] != '/'))
            return bolt_err_set(err, 0,
                                "--device: invalid value '%s' (expected "
                                "HOST-PATH[:CONTAINER-PATH][:rwm])",
                                o->devices[i]);
        if (perms && (!*perms || strspn(perms, "rwm") != strlen(perms) || strlen(perms) > 3))
            return bolt_err_set(err, 0,
                                "--device: invalid permissions '%s' in '%s' (expected "
                                "a subset of rwm)",
                                perms, o->devices[i]);
        if (add_host_device(spec, copy, ctr ? ctr : copy, perms ? perms : "rwm", err) < 0)
            return -1;
    }
    return 0;
}
