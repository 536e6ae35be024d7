/* SPDX-License-Identifier: Apache-2.0 */
#include "nvbind/discover.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "util/fs.h"
#include "util/mem.h"

#define NV_MAJOR    195
#define DRM_MAJOR   226
#define CTL_MINOR   255
#define MODESET_MIN 254

void
bolt_nv_plan_warn(struct bolt_nv_plan *plan, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    bolt_strv_push(&plan->warnings, msg);
    free(msg);
}

char *
bolt_nv_read_under(const char *root, const char *path)
{
    cleanup_free char *p = bolt_nv_path(root, path);
    return bolt_read_file(p, NULL, NULL);
}

static bool
exists_under(const char *root, const char *path)
{
    cleanup_free char *p = bolt_nv_path(root, path);
    return bolt_path_exists(p);
}

char *
bolt_nv_parse_proc_version(const char *text, bool *open)
{
    const char *m = strstr(text, "Kernel Module");
    const char *p;

    if (open)
        *open = strstr(text, "Open Kernel Module") != NULL;
    if (m == NULL)
        return NULL;
    /* the first token shaped N.N[.N] after "Module" (the open flavour has "for x86_64" first) */
    for (p = m; *p && *p != '\n'; p++) {
        size_t n = 0, dots = 0;
        if (!isdigit((unsigned char)*p) || (p > m && !isspace((unsigned char)p[-1])))
            continue;
        while (isdigit((unsigned char)p[n]) || p[n] == '.')
            dots += p[n++] == '.';
        if (dots >= 1 && dots <= 2 && (p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
            return xstrndup(p, n);
    }
    return NULL;
}

int
bolt_nv_cuda_for_driver(const char *v)
{
    static const struct {
        int branch, cuda;
    } table[] = {{570, 12080}, {565, 12070}, {560, 12060}, {555, 12050}, {550, 12040},
                 {545, 12030}, {535, 12020}, {530, 12010}, {525, 12000}, {520, 11080},
                 {515, 11070}, {510, 11060}, {495, 11050}, {470, 11040}, {460, 11020}};
    int branch = v ? atoi(v) : 0;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (branch >= table[i].branch)
            return table[i].cuda;
    return 0;
}

int
bolt_nv_discover_driver(struct bolt_nv_plan *plan, struct bolt_err *err)
{
    cleanup_free char *ver = NULL;
    cleanup_free char *sysver = NULL;
    bool open = false;

    if (exists_under(plan->dev_root, "/dev/dxg")
        && exists_under(plan->driver_root, "/usr/lib/wsl/lib/libdxcore.so")) {
        plan->type = BOLT_NV_DRIVER_WSL;
        return 0;
    }
    ver = bolt_nv_read_under(plan->proc_root, "/proc/driver/nvidia/version");
    if (ver == NULL) {
        if (exists_under(plan->sys_root, "/sys/module/nouveau")) {
            plan->type = BOLT_NV_DRIVER_NOUVEAU;
            bolt_nv_plan_warn(plan, "the nouveau driver drives the GPUs: only /dev/dri is "
                                    "available; CUDA, NVENC and nvidia-smi need the NVIDIA driver "
                                    "(install it and blacklist nouveau)");
            return 0;
        }
        return bolt_err_set(err, ENOENT, "no NVIDIA driver: '%s/proc/driver/nvidia/version' is "
                            "missing (load the nvidia kernel module, or point --proc-root / "
                            "BOLT_PROC_ROOT at the right /proc)",
                            strcmp(plan->proc_root, "/") ? plan->proc_root : "");
    }
    plan->driver_version = bolt_nv_parse_proc_version(ver, &open);
    plan->type = open ? BOLT_NV_DRIVER_OPEN : BOLT_NV_DRIVER_PROPRIETARY;
    sysver = bolt_nv_read_under(plan->sys_root, "/sys/module/nvidia/version");
    if (sysver != NULL && *bolt_rstrip(sysver) != '\0') {
        /* the recommended source; the proc line is the fallback */
        free(plan->driver_version);
        plan->driver_version = xstrdup(sysver);
    }
    if (plan->driver_version == NULL)
        return bolt_err_set(err, 0, "'/proc/driver/nvidia/version': no driver version found "
                                    "(expected a line like 'NVRM version: NVIDIA UNIX x86_64 "
                                    "Kernel Module  550.54.15  ...')");
    plan->cuda_version = bolt_nv_cuda_for_driver(plan->driver_version);
    return 0;
}

/* "Key: value" field of an information file, trimmed; NULL if absent. */
static char *
info_field(const char *text, const char *key)
{
    size_t kl = strlen(key);

    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *v, *end;
        if (strncmp(l, key, kl) != 0 || l[kl] != ':')
            continue;
        v = l + kl + 1;
        v += strspn(v, " \t");
        end = strchr(v, '\n') ? strchr(v, '\n') : v + strlen(v);
        while (end > v && isspace((unsigned char)end[-1]))
            end--;
        return xstrndup(v, (size_t)(end - v));
    }
    return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entry names of a directory under root (NULL-terminated; NULL if unreadable). */
static char **
list_dir(const char *root, const char *path)
{
    cleanup_free char *p = bolt_nv_path(root, path);
    cleanup_dir DIR *d = opendir(p);
    char **names = NULL;
    struct dirent *de;

    if (d == NULL)
        return NULL;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            bolt_strv_push(&names, de->d_name);
    if (names)
        qsort(names, bolt_strv_len(names), sizeof(char *), cmp_str);
    return names;
}

/* cardN / renderDN of a PCI device from sysfs. */
static void
find_drm(struct bolt_nv_plan *plan, struct bolt_nv_gpu *g)
{
    cleanup_free char *dir = xasprintf("/sys/bus/pci/devices/%s/drm", g->bus_id);
    cleanup_strv char **names = list_dir(plan->sys_root, dir);

    g->drm_card = g->drm_render = -1;
    for (size_t i = 0; names && names[i]; i++) {
        if (strncmp(names[i], "card", 4) == 0 && isdigit((unsigned char)names[i][4]))
            g->drm_card = atoi(names[i] + 4);
        else if (strncmp(names[i], "renderD", 7) == 0)
            g->drm_render = atoi(names[i] + 7);
    }
}

static int
cap_minor(struct bolt_nv_plan *plan, const char *cap)
{
    cleanup_free char *path = xasprintf("/proc/driver/nvidia/capabilities/%s", cap);
    cleanup_free char *text = bolt_nv_read_under(plan->proc_root, path);
    cleanup_free char *v = text ? info_field(text, "DeviceFileMinor") : NULL;

    return v ? atoi(v) : -1;
}

/* MIG devices of a GPU from the capability files (/proc has no MIG UUIDs). */
static void
find_migs_procfs(struct bolt_nv_plan *plan, struct bolt_nv_gpu *g)
{
    cleanup_free char *dir = xasprintf("/proc/driver/nvidia/capabilities/gpu%u/mig", g->minor);
    cleanup_strv char **gis = list_dir(plan->proc_root, dir);

    for (size_t i = 0; gis && gis[i]; i++) {
        cleanup_free char *gidir = NULL;
        cleanup_strv char **cis = NULL;
        if (strncmp(gis[i], "gi", 2) != 0)
            continue;
        gidir = xasprintf("%s/%s", dir, gis[i]);
        cis = list_dir(plan->proc_root, gidir);
        for (size_t k = 0; cis && cis[k]; k++) {
            struct bolt_nv_mig *m;
            cleanup_free char *gicap = NULL;
            cleanup_free char *cicap = NULL;
            if (strncmp(cis[k], "ci", 2) != 0)
                continue;
            g->migs = xreallocarray(g->migs, g->n_migs + 1, sizeof(*g->migs));
            m = &g->migs[g->n_migs++];
            memset(m, 0, sizeof(*m));
            m->gi = (unsigned)atoi(gis[i] + 2);
            m->ci = (unsigned)atoi(cis[k] + 2);
            gicap = xasprintf("gpu%u/mig/gi%u/access", g->minor, m->gi);
            cicap = xasprintf("gpu%u/mig/gi%u/ci%u/access", g->minor, m->gi, m->ci);
            m->gi_cap_minor = cap_minor(plan, gicap);
            m->ci_cap_minor = cap_minor(plan, cicap);
            m->name = xasprintf("%s MIG gi%u/ci%u", g->name, m->gi, m->ci);
        }
    }
    g->mig_enabled = g->n_migs > 0;
}

static void
gpu_from_info(struct bolt_nv_plan *plan, const char *bdf, const char *text)
{
    struct bolt_nv_gpu *g;
    cleanup_free char *minor = info_field(text, "Device Minor");

    plan->gpus = xreallocarray(plan->gpus, plan->n_gpus + 1, sizeof(*plan->gpus));
    g = &plan->gpus[plan->n_gpus];
    memset(g, 0, sizeof(*g));
    g->index = (unsigned)plan->n_gpus++;
    g->name = info_field(text, "Model");
    g->uuid = info_field(text, "GPU UUID");
    g->bus_id = info_field(text, "Bus Location");
    if (g->name == NULL)
        g->name = xstrdup("NVIDIA GPU");
    if (g->uuid == NULL)
        g->uuid = xstrdup("");
    if (g->bus_id == NULL)
        g->bus_id = xstrdup(bdf);
    for (char *c = g->bus_id; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    g->minor = minor ? (unsigned)atoi(minor) : g->index;
    if (minor == NULL)
        bolt_nv_plan_warn(plan, "'/proc/driver/nvidia/gpus/%s/information' has no 'Device Minor' "
                                "line; assuming minor %u", bdf, g->minor);
    g->brand = xstrdup("unknown");
    g->arch = xstrdup("unknown");
    find_drm(plan, g);
    find_migs_procfs(plan, g);
}

/* nouveau: NVIDIA display-class PCI functions (class 0x03xxxx; the HDMI audio .1 is not). */
static void
gpus_from_sysfs(struct bolt_nv_plan *plan)
{
    cleanup_strv char **devs = list_dir(plan->sys_root, "/sys/bus/pci/devices");

    for (size_t i = 0; devs && devs[i]; i++) {
        cleanup_free char *vp = xasprintf("/sys/bus/pci/devices/%s/vendor", devs[i]);
        cleanup_free char *cp = xasprintf("/sys/bus/pci/devices/%s/class", devs[i]);
        cleanup_free char *dp = xasprintf("/sys/bus/pci/devices/%s/device", devs[i]);
        cleanup_free char *vendor = bolt_nv_read_under(plan->sys_root, vp);
        cleanup_free char *cls = bolt_nv_read_under(plan->sys_root, cp);
        cleanup_free char *dev = bolt_nv_read_under(plan->sys_root, dp);
        cleanup_free char *text = NULL;

        if (!vendor || !cls || strncmp(vendor, "0x10de", 6) != 0 || strncmp(cls, "0x03", 4) != 0)
            continue;
        text = xasprintf("Model: NVIDIA GPU [10de:%s]\nBus Location: %s\nDevice Minor: %zu\n",
                         dev ? bolt_rstrip(dev) + 2 : "?", devs[i], plan->n_gpus);
        gpu_from_info(plan, devs[i], text);
    }
}

int
bolt_nv_discover_gpus_procfs(struct bolt_nv_plan *plan, struct bolt_err *err)
{
    cleanup_strv char **bdfs = NULL;

    (void)err;
    free(plan->source);
    plan->source = xstrdup("procfs");
    if (plan->type == BOLT_NV_DRIVER_NOUVEAU) {
        gpus_from_sysfs(plan);
        return 0;
    }
    if (plan->type == BOLT_NV_DRIVER_WSL)
        return 0; /* WSL has no /proc/driver/nvidia: GPUs come from NVML only */
    bdfs = list_dir(plan->proc_root, "/proc/driver/nvidia/gpus");
    for (size_t i = 0; bdfs && bdfs[i]; i++) {
        cleanup_free char *path = xasprintf("/proc/driver/nvidia/gpus/%s/information", bdfs[i]);
        cleanup_free char *text = bolt_nv_read_under(plan->proc_root, path);
        if (text == NULL) {
            bolt_nv_plan_warn(plan, "cannot read '%s': GPU %s skipped", path, bdfs[i]);
            continue;
        }
        gpu_from_info(plan, bdfs[i], text);
    }
    if (plan->n_gpus == 0)
        bolt_nv_plan_warn(plan, "the NVIDIA driver is loaded but reports no GPU in "
                                "'/proc/driver/nvidia/gpus'");
    return 0;
}

/* ---- device nodes ---- */

/* Major of a /proc/devices character entry, -1 if absent. */
static int
proc_major(const char *devices, const char *name)
{
    bool chr = false;

    for (const char *l = devices; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char nm[64];
        int major;
        if (strncmp(l, "Character devices:", 18) == 0)
            chr = true;
        else if (strncmp(l, "Block devices:", 14) == 0)
            chr = false;
        else if (chr && sscanf(l, "%d %63s", &major, nm) == 2 && strcmp(nm, name) == 0)
            return major;
    }
    return -1;
}

static void
add_node(struct bolt_nv_plan *plan, const char *path, int major, int minor,
         enum bolt_nv_node_role role, int gpu, const char *cap, bool required)
{
    cleanup_free char *host = bolt_nv_path(plan->dev_root, path);
    struct bolt_nv_node *n;
    struct stat st;

    if (stat(host, &st) < 0) {
        if (required)
            bolt_nv_plan_warn(plan, "device node '%s' is missing (expected char %d:%d); create it "
                                    "with 'mknod -m 666 %s c %d %d' or nvidia-modprobe", path,
                              major, minor, path, major, minor);
        return;
    }
    if (!S_ISCHR(st.st_mode) || (int)major(st.st_rdev) != major
        || (int)minor(st.st_rdev) != minor) {
        bolt_nv_plan_warn(plan, "device node '%s' is %s %u:%u, expected char %d:%d; it is not "
                                "used (recreate it with 'mknod -m 666 %s c %d %d')", path,
                          S_ISCHR(st.st_mode) ? "char" : "not a char device",
                          major(st.st_rdev), minor(st.st_rdev), major, minor, path, major, minor);
        return;
    }
    plan->nodes = xreallocarray(plan->nodes, plan->n_nodes + 1, sizeof(*plan->nodes));
    n = &plan->nodes[plan->n_nodes++];
    n->path = xstrdup(path);
    n->major = (unsigned)major;
    n->minor = (unsigned)minor;
    n->mode = st.st_mode & 07777;
    n->role = role;
    n->gpu = gpu;
    n->cap = cap ? xstrdup(cap) : NULL;
}

static void
add_dri_nodes(struct bolt_nv_plan *plan)
{
    for (size_t i = 0; i < plan->n_gpus; i++) {
        const struct bolt_nv_gpu *g = &plan->gpus[i];
        char path[64];
        if (g->drm_card >= 0) {
            snprintf(path, sizeof(path), "/dev/dri/card%d", g->drm_card);
            add_node(plan, path, DRM_MAJOR, g->drm_card, BOLT_NV_NODE_DRI_CARD, (int)i, NULL,
                     true);
        }
        if (g->drm_render >= 0) {
            snprintf(path, sizeof(path), "/dev/dri/renderD%d", g->drm_render);
            add_node(plan, path, DRM_MAJOR, g->drm_render, BOLT_NV_NODE_DRI_RENDER, (int)i, NULL,
                     true);
        }
    }
}

static void
add_cap_nodes(struct bolt_nv_plan *plan, int caps_major)
{
    static const char *const global[] = {"mig/config", "mig/monitor"};

    for (size_t i = 0; i < 2; i++) {
        int m = cap_minor(plan, global[i]);
        char path[64];
        if (m < 0)
            continue;
        snprintf(path, sizeof(path), "/dev/nvidia-caps/nvidia-cap%d", m);
        add_node(plan, path, caps_major, m, BOLT_NV_NODE_CAP, -1, global[i], true);
    }
    for (size_t i = 0; i < plan->n_gpus; i++) {
        const struct bolt_nv_gpu *g = &plan->gpus[i];
        for (size_t k = 0; k < g->n_migs; k++) {
            const struct bolt_nv_mig *m = &g->migs[k];
            char path[64], cap[96];
            if (m->gi_cap_minor >= 0) {
                snprintf(path, sizeof(path), "/dev/nvidia-caps/nvidia-cap%d", m->gi_cap_minor);
                snprintf(cap, sizeof(cap), "gpu%u/mig/gi%u/access", g->minor, m->gi);
                add_node(plan, path, caps_major, m->gi_cap_minor, BOLT_NV_NODE_CAP, (int)i, cap,
                         true);
            }
            if (m->ci_cap_minor >= 0) {
                snprintf(path, sizeof(path), "/dev/nvidia-caps/nvidia-cap%d", m->ci_cap_minor);
                snprintf(cap, sizeof(cap), "gpu%u/mig/gi%u/ci%u/access", g->minor, m->gi, m->ci);
                add_node(plan, path, caps_major, m->ci_cap_minor, BOLT_NV_NODE_CAP, (int)i, cap,
                         true);
            }
        }
    }
}

int
bolt_nv_discover_nodes(struct bolt_nv_plan *plan, struct bolt_err *err)
{
    cleanup_free char *devices = NULL;
    int uvm, caps;

    (void)err;
    if (plan->type == BOLT_NV_DRIVER_WSL) {
        cleanup_free char *host = bolt_nv_path(plan->dev_root, "/dev/dxg");
        struct stat st;
        if (stat(host, &st) == 0 && S_ISCHR(st.st_mode))
            add_node(plan, "/dev/dxg", (int)major(st.st_rdev), (int)minor(st.st_rdev),
                     BOLT_NV_NODE_DXG, -1, NULL, true);
        else
            bolt_nv_plan_warn(plan, "'/dev/dxg' is not a character device: WSL2 GPU access "
                                    "will not work");
        return 0;
    }
    add_dri_nodes(plan);
    if (plan->type == BOLT_NV_DRIVER_NOUVEAU)
        return 0;
    devices = bolt_nv_read_under(plan->proc_root, "/proc/devices");
    if (devices == NULL) {
        bolt_nv_plan_warn(plan, "cannot read '/proc/devices': nvidia-uvm and nvidia-caps nodes "
                                "are not checked");
    } else if (proc_major(devices, "nvidia") != NV_MAJOR
               && proc_major(devices, "nvidia-frontend") != NV_MAJOR) {
        bolt_nv_plan_warn(plan, "'/proc/devices' has no '195 nvidia' (or 'nvidia-frontend') "
                                "line: is the nvidia module loaded?");
    }
    add_node(plan, "/dev/nvidiactl", NV_MAJOR, CTL_MINOR, BOLT_NV_NODE_CTL, -1, NULL, true);
    for (size_t i = 0; i < plan->n_gpus; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/dev/nvidia%u", plan->gpus[i].minor);
        add_node(plan, path, NV_MAJOR, (int)plan->gpus[i].minor, BOLT_NV_NODE_GPU, (int)i, NULL,
                 true);
    }
    add_node(plan, "/dev/nvidia-modeset", NV_MAJOR, MODESET_MIN, BOLT_NV_NODE_MODESET, -1, NULL,
             false);
    uvm = devices ? proc_major(devices, "nvidia-uvm") : -1;
    if (uvm < 0) {
        bolt_nv_plan_warn(plan, "no 'nvidia-uvm' line in '/proc/devices': CUDA needs the "
                                "nvidia-uvm module (modprobe nvidia-uvm)");
    } else {
        add_node(plan, "/dev/nvidia-uvm", uvm, 0, BOLT_NV_NODE_UVM, -1, NULL, true);
        add_node(plan, "/dev/nvidia-uvm-tools", uvm, 1, BOLT_NV_NODE_UVM_TOOLS, -1, NULL, true);
    }
    caps = devices ? proc_major(devices, "nvidia-caps") : -1;
    if (caps >= 0)
        add_cap_nodes(plan, caps);
    return 0;
}
