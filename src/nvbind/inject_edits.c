/* SPDX-License-Identifier: Apache-2.0 */
/* Container edits from a plan: device nodes, driver files, mounts, hooks. */
#include "nvbind/inject.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "util/log.h"
#include "util/mem.h"

static const char *const ro_opts[] = {"ro", "nosuid", "nodev", "rbind", "rprivate", NULL};
static const char *const ro_noexec_opts[] = {"ro", "nosuid", "nodev", "noexec", "rbind",
                                             "rprivate", NULL};
static const char *const ipc_opts[] = {"nosuid", "nodev", "noexec", "rbind", "rprivate", NULL};
/* BUNDLE mode (bolt's and nvbind's own runtime): the daemons behind the sockets come and go, so
 * the runtime checks them when it mounts (a missing one is skipped with a warning) */
static const char *const ipc_opt_opts[] = {"nosuid", "nodev", "noexec", "rbind", "rprivate",
                                           BOLT_MOUNT_OPT_OPTIONAL, NULL};

/* Host node check: a char device with the plan's numbers (libnvidia-container's rule). */
static int
check_node(const struct bolt_nv_plan *plan, const struct bolt_nv_node *n, struct bolt_err *err)
{
    cleanup_free char *host = bolt_nv_path(plan->dev_root, n->path);
    struct stat st;

    if (stat(host, &st) < 0)
        return bolt_err_set(err, errno, "device node '%s' (expected char %u:%u; recreate it with "
                                        "'mknod -m 666 %s c %u %u')", host, n->major, n->minor,
                            n->path, n->major, n->minor);
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != n->major || minor(st.st_rdev) != n->minor)
        return bolt_err_set(err, 0, "device node '%s' is %s %u:%u, expected char %u:%u (it is not "
                                    "the NVIDIA driver's node; recreate it with 'mknod -m 666 %s "
                                    "c %u %u')", host, S_ISCHR(st.st_mode) ? "char" : "not a char device",
                            major(st.st_rdev), minor(st.st_rdev), n->major, n->minor, n->path,
                            n->major, n->minor);
    return 0;
}

static int
add_node(const struct bolt_nv_plan *plan, const struct bolt_nv_node *n,
         const struct bolt_nv_edits_opts *o, struct bolt_cdi_edits *e, struct bolt_err *err)
{
    cleanup_free char *host = NULL;
    struct bolt_cdi_node *c;

    for (size_t i = 0; i < e->n_nodes; i++)
        if (strcmp(e->nodes[i].path, n->path) == 0)
            return 0;
    if (o->check_nodes && check_node(plan, n, err) < 0)
        return -1;
    host = bolt_nv_path(plan->dev_root, n->path);
    c = bolt_cdi_edits_add_node(e, n->path, strcmp(host, n->path) ? host : NULL);
    c->type = 'c';
    c->has_major = c->has_minor = c->has_file_mode = true;
    c->major = n->major;
    c->minor = n->minor;
    c->file_mode = n->mode ? n->mode : 0666;
    c->permissions = xstrdup("rw");
    return 0;
}

static const struct bolt_nv_node *
find_role(const struct bolt_nv_plan *plan, enum bolt_nv_node_role role, int gpu)
{
    for (size_t i = 0; i < plan->n_nodes; i++)
        if (plan->nodes[i].role == role && (gpu < 0 || plan->nodes[i].gpu == gpu))
            return &plan->nodes[i];
    return NULL;
}

static int
add_role(const struct bolt_nv_plan *plan, enum bolt_nv_node_role role, bool required,
         const char *name, const struct bolt_nv_edits_opts *o, struct bolt_cdi_edits *e,
         struct bolt_err *err)
{
    const struct bolt_nv_node *n = find_role(plan, role, -1);

    if (n)
        return add_node(plan, n, o, e, err);
    if (required)
        return bolt_err_set(err, ENOENT, "device node %s is not usable on this host (see `bolt "
                                         "gaming gpu check`)", name);
    log_warn("device node %s is missing: containers get GPUs without it", name);
    return 0;
}

static char *
dirname_of(const char *p)
{
    const char *s = strrchr(p, '/');

    return s && s != p ? xstrndup(p, (size_t)(s - p)) : xstrdup("/");
}

static const char *
base_of(const char *p)
{
    const char *s = strrchr(p, '/');

    return s ? s + 1 : p;
}

/* A file mount at its own path; a missing host file is a warning, never an error. */
static void
add_file_mount(const struct bolt_nv_plan *plan, const struct bolt_nv_file *f,
               const char *const *opts, const struct bolt_nv_edits_opts *o,
               struct bolt_cdi_edits *e)
{
    cleanup_free char *host = bolt_nv_path(plan->driver_root, f->path);
    struct stat st;

    if (lstat(host, &st) < 0) {
        log_warn("driver file '%s' is missing: containers get GPUs without it", host);
        if (o->absent)
            bolt_strv_push(o->absent, host);
        return;
    }
    bolt_cdi_edits_add_mount(e, host, f->path, "bind", opts);
}

static bool
is_lib(const struct bolt_nv_file *f)
{
    return f->kind == BOLT_NV_FILE_LIB || f->kind == BOLT_NV_FILE_LIB32;
}

/* FILES mode: libraries at their own paths + a create-symlinks and an update-ldcache hook. */
static void
add_libs_files(const struct bolt_nv_plan *plan, unsigned caps, const struct bolt_nv_edits_opts *o,
               struct bolt_cdi_edits *e)
{
    cleanup_strv char **hook_links = NULL, **hook_ldc = NULL, **folders = NULL;

    bolt_strv_push(&hook_links, "nvbind");
    bolt_strv_push(&hook_links, "hook");
    bolt_strv_push(&hook_links, "create-symlinks");
    for (size_t i = 0; i < plan->n_files; i++) {
        const struct bolt_nv_file *f = &plan->files[i];
        cleanup_free char *dir = NULL;
        bool seen = false;

        if (!is_lib(f) || !bolt_nv_file_has_cap(f, caps))
            continue;
        add_file_mount(plan, f, ro_opts, o, e);
        dir = dirname_of(f->path);
        for (size_t j = 0; folders && folders[j] && !seen; j++)
            seen = strcmp(folders[j], dir) == 0;
        if (!seen)
            bolt_strv_push(&folders, dir);
        if (f->soname && strcmp(f->soname, base_of(f->path)) != 0) {
            cleanup_free char *l = xasprintf("%s::%s/%s", base_of(f->path), dir, f->soname);
            bolt_strv_push(&hook_links, "--link");
            bolt_strv_push(&hook_links, l);
        }
        if (f->soname && strcmp(f->soname, "libcuda.so.1") == 0) {
            cleanup_free char *l = xasprintf("libcuda.so.1::%s/libcuda.so", dir);
            bolt_strv_push(&hook_links, "--link");
            bolt_strv_push(&hook_links, l);
        }
    }
    if (!folders || !o->hook_path)
        return;
    if (bolt_strv_len(hook_links) > 3)
        bolt_cdi_edits_add_hook(e, BOLT_OCI_HOOK_CREATE_CONTAINER, o->hook_path, hook_links);
    bolt_strv_push(&hook_ldc, "nvbind");
    bolt_strv_push(&hook_ldc, "hook");
    bolt_strv_push(&hook_ldc, "update-ldcache");
    for (size_t j = 0; folders[j]; j++) {
        bolt_strv_push(&hook_ldc, "--folder");
        bolt_strv_push(&hook_ldc, folders[j]);
    }
    bolt_cdi_edits_add_hook(e, BOLT_OCI_HOOK_CREATE_CONTAINER, o->hook_path, hook_ldc);
}

static void
add_files(const struct bolt_nv_plan *plan, unsigned caps, const struct bolt_nv_edits_opts *o,
          struct bolt_cdi_edits *e)
{
    if (o->mode == BOLT_NV_EDITS_FILES) {
        add_libs_files(plan, caps, o, e);
    } else {
        bool any = false;
        for (size_t i = 0; i < plan->n_files && !any; i++)
            any = bolt_nv_file_is_bundled(&plan->files[i])
                  && bolt_nv_file_has_cap(&plan->files[i], caps);
        /* one mount for every library, binary and config file */
        if (any)
            bolt_cdi_edits_add_mount(e, o->bundle_dir, BOLT_NV_CTR_BUNDLE, "bind", ro_opts);
    }
    for (size_t i = 0; i < plan->n_files; i++) {
        const struct bolt_nv_file *f = &plan->files[i];

        if (!bolt_nv_file_has_cap(f, caps))
            continue;
        if (o->mode == BOLT_NV_EDITS_BUNDLE && o->linked
            && (f->kind == BOLT_NV_FILE_BIN || f->kind == BOLT_NV_FILE_CONFIG))
            continue;
        if (o->mode == BOLT_NV_EDITS_BUNDLE && o->links
            && (f->kind == BOLT_NV_FILE_BIN || f->kind == BOLT_NV_FILE_CONFIG)) {
            cleanup_free char *host = bolt_nv_path(plan->driver_root, f->path);
            cleanup_free char *l = xasprintf("%s%s::%s", BOLT_NV_CTR_FILES, f->path, f->path);
            struct stat st;
            if (lstat(host, &st) < 0) {
                log_warn("driver file '%s' is missing: containers get GPUs without it", host);
                if (o->absent)
                    bolt_strv_push(o->absent, host);
            } else {
                bolt_strv_push(o->links, l);
            }
            continue;
        }
        switch (f->kind) {
        case BOLT_NV_FILE_BIN:
        case BOLT_NV_FILE_WSL:
            add_file_mount(plan, f, ro_opts, o, e);
            break;
        case BOLT_NV_FILE_FIRMWARE:
            /* GSP firmware is read by the host's kernel module, never from a container: the
             * fast path saves the mounts; CDI specs list it like NVIDIA's generator does */
            if (o->mode == BOLT_NV_EDITS_FILES)
                add_file_mount(plan, f, ro_noexec_opts, o, e);
            break;
        case BOLT_NV_FILE_CONFIG:
            add_file_mount(plan, f, ro_noexec_opts, o, e);
            break;
        case BOLT_NV_FILE_IPC:
            if (o->mode == BOLT_NV_EDITS_BUNDLE) {
                cleanup_free char *host = bolt_nv_path(plan->driver_root, f->path);
                bolt_cdi_edits_add_mount(e, host, f->path, "bind", ipc_opt_opts);
            } else {
                add_file_mount(plan, f, ipc_opts, o, e);
            }
            break;
        case BOLT_NV_FILE_DLL:
            if (o->mode == BOLT_NV_EDITS_FILES)
                add_file_mount(plan, f, ro_noexec_opts, o, e);
            break;
        case BOLT_NV_FILE_LIB:
        case BOLT_NV_FILE_LIB32:
        default:
            break;
        }
    }
}

int
bolt_nv_edits_common(const struct bolt_nv_plan *plan, unsigned caps,
                     const struct bolt_nv_edits_opts *o, struct bolt_cdi_edits *e,
                     struct bolt_err *err)
{
    char buf[128];

    if (plan->type == BOLT_NV_DRIVER_WSL) {
        if (add_role(plan, BOLT_NV_NODE_DXG, true, "/dev/dxg", o, e, err) < 0)
            return -1;
    } else if (plan->type != BOLT_NV_DRIVER_NOUVEAU) {
        if (add_role(plan, BOLT_NV_NODE_CTL, true, "/dev/nvidiactl", o, e, err) < 0)
            return -1;
        if ((caps & (BOLT_NV_CAP_COMPUTE | BOLT_NV_CAP_VIDEO))
            && (add_role(plan, BOLT_NV_NODE_UVM, false, "/dev/nvidia-uvm", o, e, err) < 0
                || add_role(plan, BOLT_NV_NODE_UVM_TOOLS, false, "/dev/nvidia-uvm-tools", o, e,
                            err) < 0))
            return -1;
        if ((caps & BOLT_NV_CAP_DISPLAY)
            && add_role(plan, BOLT_NV_NODE_MODESET, false, "/dev/nvidia-modeset", o, e, err) < 0)
            return -1;
    }
    add_files(plan, caps, o, e);
    bolt_cdi_edits_add_env(e, "NVIDIA_DRIVER_CAPABILITIES", bolt_nv_caps_str(caps, buf, sizeof(buf)));
    return 0;
}

static int
add_mig_caps(const struct bolt_nv_plan *plan, unsigned gpu, int mig,
             const struct bolt_nv_edits_opts *o, struct bolt_cdi_edits *e, struct bolt_err *err)
{
    const struct bolt_nv_gpu *g = &plan->gpus[gpu];
    const struct bolt_nv_mig *m;

    if (mig < 0 || (size_t)mig >= g->n_migs)
        return bolt_err_set(err, ENOENT, "GPU %u has no MIG device %d", gpu, mig);
    m = &g->migs[mig];
    for (size_t i = 0; i < plan->n_nodes; i++) {
        const struct bolt_nv_node *n = &plan->nodes[i];
        if (n->role != BOLT_NV_NODE_CAP || n->gpu != (int)gpu)
            continue;
        if (((int)n->minor == m->gi_cap_minor || (int)n->minor == m->ci_cap_minor)
            && add_node(plan, n, o, e, err) < 0)
            return -1;
    }
    return 0;
}

int
bolt_nv_edits_device(const struct bolt_nv_plan *plan, unsigned gpu, int mig, unsigned caps,
                     const struct bolt_nv_edits_opts *o, struct bolt_cdi_edits *e,
                     struct bolt_err *err)
{
    const struct bolt_nv_node *n;

    if (gpu >= plan->n_gpus)
        return bolt_err_set(err, ENOENT, "GPU %u does not exist on this host", gpu);
    if (plan->type == BOLT_NV_DRIVER_WSL)
        return add_role(plan, BOLT_NV_NODE_DXG, true, "/dev/dxg", o, e, err);
    if (plan->type != BOLT_NV_DRIVER_NOUVEAU) {
        n = find_role(plan, BOLT_NV_NODE_GPU, (int)gpu);
        if (n == NULL)
            return bolt_err_set(err, ENOENT, "GPU %u (%s): its device node /dev/nvidia%u is not "
                                             "usable (see the warnings of `bolt gaming gpu "
                                             "check`)", gpu, plan->gpus[gpu].uuid,
                                plan->gpus[gpu].minor);
        if (add_node(plan, n, o, e, err) < 0)
            return -1;
        if (mig >= 0 && add_mig_caps(plan, gpu, mig, o, e, err) < 0)
            return -1;
    }
    if (plan->type == BOLT_NV_DRIVER_NOUVEAU
        || (caps & (BOLT_NV_CAP_GRAPHICS | BOLT_NV_CAP_DISPLAY))) {
        n = find_role(plan, BOLT_NV_NODE_DRI_CARD, (int)gpu);
        if (n && add_node(plan, n, o, e, err) < 0)
            return -1;
        n = find_role(plan, BOLT_NV_NODE_DRI_RENDER, (int)gpu);
        if (n && add_node(plan, n, o, e, err) < 0)
            return -1;
    }
    return 0;
}
