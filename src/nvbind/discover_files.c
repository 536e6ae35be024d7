/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver files per capability class. Libraries come from the driver root's ld.so.cache:
 * each ELF entry whose soname belongs to a known NVIDIA library is resolved inside the
 * driver root (symlinks followed, never out of it) and kept only if the real file name ends
 * with the driver version (libnvidia-container's rule), so a stale library of an older
 * driver left in the cache is never injected.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvbind/discover.h"
#include "util/fs.h"
#include "util/mem.h"

struct lib_class {
    const char *base; /* soname up to ".so" */
    unsigned caps;
    bool own_version; /* versioned independently of the driver (EGL platform libs) */
};

static const struct lib_class lib_classes[] = {
    {"libnvidia-ml", BOLT_NV_CAP_UTILITY, false},
    {"libnvidia-cfg", BOLT_NV_CAP_UTILITY, false},
    {"libnvidia-nscq", BOLT_NV_CAP_UTILITY, false},
    {"libcuda", BOLT_NV_CAP_COMPUTE, false},
    {"libcudadebugger", BOLT_NV_CAP_COMPUTE, false},
    {"libnvidia-opencl", BOLT_NV_CAP_COMPUTE, false},
    {"libnvidia-gpucomp", BOLT_NV_CAP_COMPUTE, false},
    {"libnvidia-ptxjitcompiler", BOLT_NV_CAP_COMPUTE, false},
    {"libnvidia-fatbinaryloader", BOLT_NV_CAP_COMPUTE, false},
    {"libnvidia-allocator", BOLT_NV_CAP_COMPUTE | BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-compiler", BOLT_NV_CAP_COMPUTE, false},
    {"libnvidia-pkcs11", BOLT_NV_CAP_COMPUTE, false},
    {"libnvidia-pkcs11-openssl3", BOLT_NV_CAP_COMPUTE, false},
    {"libnvidia-nvvm", BOLT_NV_CAP_COMPUTE, false},
    {"libnvidia-tileiras", BOLT_NV_CAP_COMPUTE, false},
    {"libvdpau_nvidia", BOLT_NV_CAP_VIDEO, false},
    {"libnvidia-encode", BOLT_NV_CAP_VIDEO, false},
    {"libnvidia-opticalflow", BOLT_NV_CAP_VIDEO, false},
    {"libnvcuvid", BOLT_NV_CAP_VIDEO, false},
    {"libnvidia-eglcore", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-glcore", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-tls", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-glsi", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-fbc", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-ifr", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-rtcore", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvoptix", BOLT_NV_CAP_GRAPHICS, false},
    {"libGLX_nvidia", BOLT_NV_CAP_GRAPHICS, false},
    {"libEGL_nvidia", BOLT_NV_CAP_GRAPHICS, false},
    {"libGLESv2_nvidia", BOLT_NV_CAP_GRAPHICS, false},
    {"libGLESv1_CM_nvidia", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-glvkspirv", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-cbl", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-vulkan-producer", BOLT_NV_CAP_GRAPHICS, false},
    {"libnvidia-egl-gbm", BOLT_NV_CAP_GRAPHICS, true},
    {"libnvidia-egl-wayland", BOLT_NV_CAP_GRAPHICS, true},
    {"libnvidia-egl-wayland2", BOLT_NV_CAP_GRAPHICS, true},
    {"libnvidia-egl-xcb", BOLT_NV_CAP_GRAPHICS, true},
    {"libnvidia-egl-xlib", BOLT_NV_CAP_GRAPHICS, true},
    {"libnvidia-ngx", BOLT_NV_CAP_NGX, false},
};

static const struct {
    const char *name;
    unsigned caps;
} binaries[] = {
    {"nvidia-smi", BOLT_NV_CAP_UTILITY},
    {"nvidia-debugdump", BOLT_NV_CAP_UTILITY},
    {"nvidia-persistenced", BOLT_NV_CAP_UTILITY},
    {"nv-fabricmanager", BOLT_NV_CAP_UTILITY},
    {"nvidia-cuda-mps-control", BOLT_NV_CAP_COMPUTE},
    {"nvidia-cuda-mps-server", BOLT_NV_CAP_COMPUTE},
};

static const struct {
    const char *path;
    unsigned caps;
} configs[] = {
    {"/usr/share/vulkan/icd.d/nvidia_icd.json", BOLT_NV_CAP_GRAPHICS},
    {"/etc/vulkan/icd.d/nvidia_icd.json", BOLT_NV_CAP_GRAPHICS},
    {"/usr/share/vulkan/icd.d/nvidia_icd.x86_64.json", BOLT_NV_CAP_GRAPHICS},
    {"/usr/share/vulkan/implicit_layer.d/nvidia_layers.json", BOLT_NV_CAP_GRAPHICS},
    {"/etc/vulkan/implicit_layer.d/nvidia_layers.json", BOLT_NV_CAP_GRAPHICS},
    {"/usr/share/glvnd/egl_vendor.d/10_nvidia.json", BOLT_NV_CAP_GRAPHICS},
    {"/usr/share/nvidia/nvoptix.bin", BOLT_NV_CAP_GRAPHICS},
    {"/etc/OpenCL/vendors/nvidia.icd", BOLT_NV_CAP_COMPUTE},
    {"/usr/share/X11/xorg.conf.d/10-nvidia.conf", BOLT_NV_CAP_DISPLAY},
    {"/usr/share/X11/xorg.conf.d/nvidia-drm-outputclass.conf", BOLT_NV_CAP_DISPLAY},
};

static const struct {
    const char *path;
    unsigned caps;
    bool dir;
} ipcs[] = {
    {"/run/nvidia-persistenced/socket", BOLT_NV_CAP_UTILITY, false},
    {"/var/run/nvidia-persistenced/socket", BOLT_NV_CAP_UTILITY, false},
    {"/run/nvidia-fabricmanager/socket", BOLT_NV_CAP_UTILITY, false},
    {"/var/run/nvidia-fabricmanager/socket", BOLT_NV_CAP_UTILITY, false},
    {"/tmp/nvidia-mps", BOLT_NV_CAP_COMPUTE, true},
};

static void
add_file(struct bolt_nv_plan *plan, const char *path, const char *soname, unsigned caps,
         enum bolt_nv_file_kind kind)
{
    struct bolt_nv_file *f;

    for (size_t i = 0; i < plan->n_files; i++)
        if (strcmp(plan->files[i].path, path) == 0)
            return;
    plan->files = xreallocarray(plan->files, plan->n_files + 1, sizeof(*plan->files));
    f = &plan->files[plan->n_files++];
    f->path = xstrdup(path);
    f->soname = soname ? xstrdup(soname) : NULL;
    f->caps = caps;
    f->kind = kind;
}

/*
 * Resolve path (inside the driver root) following symlinks without leaving the root.
 * Returns the resolved path inside the root, or NULL if it does not exist.
 */
static char *
resolve_in_root(struct bolt_nv_plan *plan, int rootfd, const char *root_real, const char *path)
{
    /*
     * O_RDONLY, not O_PATH: the component-walk fallback used without openat2 returns a final
     * symlink itself for O_PATH|O_NOFOLLOW instead of following it (only libraries come here)
     */
    cleanup_close int fd = bolt_open_in_root(rootfd, path, O_RDONLY, 0, NULL);
    char link[64], buf[PATH_MAX];
    ssize_t n;
    size_t rl = strlen(root_real);

    (void)plan;
    if (fd < 0)
        return NULL;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, buf, sizeof(buf) - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    if (strcmp(root_real, "/") == 0)
        return xstrdup(buf);
    if (strncmp(buf, root_real, rl) != 0 || (buf[rl] != '/' && buf[rl] != '\0'))
        return NULL;
    return xstrdup(buf[rl] ? buf + rl : "/");
}

static const struct lib_class *
classify(const char *soname)
{
    const char *so = strstr(soname, ".so");
    size_t n;

    if (so == NULL)
        return NULL;
    n = (size_t)(so - soname);
    for (size_t i = 0; i < sizeof(lib_classes) / sizeof(lib_classes[0]); i++)
        if (strlen(lib_classes[i].base) == n && strncmp(lib_classes[i].base, soname, n) == 0)
            return &lib_classes[i];
    return NULL;
}

static bool
ends_with_version(const char *path, const char *version)
{
    size_t pl = strlen(path), vl = strlen(version);

    return version[0] && pl > vl + 1 && path[pl - vl - 1] == '.'
           && strcmp(path + pl - vl, version) == 0;
}

static char *
dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s != path ? xstrndup(path, (size_t)(s - path)) : xstrdup("/");
}

static void
libs_from_ldcache(struct bolt_nv_plan *plan, int rootfd, const char *root_real)
{
    for (size_t i = 0; i < plan->ldcache->n_entries; i++) {
        const struct bolt_ldcache_entry *e = &plan->ldcache->entries[i];
        const struct lib_class *c = classify(e->key);
        size_t kl = strlen(e->key);
        cleanup_free char *real = NULL;
        bool is64 = bolt_ldcache_flags_is_64(e->flags);
        bool is32 = (e->flags & BOLT_LDCACHE_ARCH_MASK) == BOLT_LDCACHE_ARCH_I386;

        if (c == NULL || !(e->flags & BOLT_LDCACHE_FLAG_ELF) || (!is64 && !is32)
            || (e->hwcap & BOLT_LDCACHE_HWCAP_EXTENSION))
            continue;
        if (kl > 3 && strcmp(e->key + kl - 3, ".so") == 0)
            continue; /* development link: same file as the soname entry */
        real = resolve_in_root(plan, rootfd, root_real, e->value);
        if (real == NULL) {
            bolt_nv_plan_warn(plan, "ld.so.cache entry %s => '%s' does not exist in the driver "
                                    "root: skipped (run ldconfig in the driver root)", e->key,
                              e->value);
            continue;
        }
        if (!c->own_version && !ends_with_version(real, plan->driver_version))
            continue; /* another driver's leftover */
        add_file(plan, real, e->key, c->caps | (is32 ? BOLT_NV_CAP_COMPAT32 : 0),
                 is32 ? BOLT_NV_FILE_LIB32 : BOLT_NV_FILE_LIB);
        if (strcmp(c->base, "libcuda") == 0 || strcmp(c->base, "libnvidia-ml") == 0) {
            char **libdir = is32 ? &plan->libdir32 : &plan->libdir64;
            if (*libdir == NULL)
                *libdir = dir_of(real);
        }
    }
}

static bool
is_kind(const char *root, const char *path, mode_t type)
{
    cleanup_free char *p = bolt_nv_path(root, path);
    struct stat st;

    return stat(p, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/* Every regular file in dir (inside the root) whose name matches the filter. */
static void
add_dir_files(struct bolt_nv_plan *plan, const char *dir, const char *prefix, const char *suffix,
              unsigned caps, enum bolt_nv_file_kind kind)
{
    cleanup_free char *host = bolt_nv_path(plan->driver_root, dir);
    cleanup_dir DIR *d = opendir(host);
    cleanup_strv char **names = NULL;
    struct dirent *de;

    while (d && (de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name), sl = suffix ? strlen(suffix) : 0;
        if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, strlen(prefix)) != 0)
            continue;
        if (suffix && (nl < sl || strcmp(de->d_name + nl - sl, suffix) != 0))
            continue;
        bolt_strv_push(&names, de->d_name);
    }
    for (size_t i = 0; names && names[i]; i++) {
        cleanup_free char *p = xasprintf("%s/%s", dir, names[i]);
        if (is_kind(plan->driver_root, p, S_IFREG))
            add_file(plan, p, NULL, caps, kind);
    }
}

/* Programs, vdpau, firmware: the files next to the libraries that the cache does not list. */
static void
program_files(struct bolt_nv_plan *plan)
{
    static const char *const bindirs[] = {"/usr/bin", "/usr/sbin", "/bin", "/sbin"};
    const char *v = plan->driver_version;

    for (size_t i = 0; i < sizeof(binaries) / sizeof(binaries[0]); i++)
        for (size_t k = 0; k < sizeof(bindirs) / sizeof(bindirs[0]); k++) {
            cleanup_free char *p = xasprintf("%s/%s", bindirs[k], binaries[i].name);
            if (is_kind(plan->driver_root, p, S_IFREG)) {
                add_file(plan, p, NULL, binaries[i].caps, BOLT_NV_FILE_BIN);
                break;
            }
        }
    for (int k = 0; k < 2; k++) {
        const char *libdir = k ? plan->libdir32 : plan->libdir64;
        cleanup_free char *vd = libdir ? xasprintf("%s/vdpau", libdir) : NULL;
        if (vd)
            add_dir_files(plan, vd, "libvdpau_nvidia.so.", v,
                          BOLT_NV_CAP_VIDEO | (k ? BOLT_NV_CAP_COMPAT32 : 0),
                          k ? BOLT_NV_FILE_LIB32 : BOLT_NV_FILE_LIB);
    }
    {
        cleanup_free char *fw = xasprintf("/lib/firmware/nvidia/%s", v);
        cleanup_free char *fw2 = xasprintf("/usr/lib/firmware/nvidia/%s", v);
        add_dir_files(plan, fw, "gsp", ".bin", BOLT_NV_CAP_ALL, BOLT_NV_FILE_FIRMWARE);
        add_dir_files(plan, fw2, "gsp", ".bin", BOLT_NV_CAP_ALL, BOLT_NV_FILE_FIRMWARE);
    }
}

/* ICD/vendor JSON, X configuration and modules, application profiles. */
static void
config_files(struct bolt_nv_plan *plan)
{
    static const char *const egl_suffixes[] = {"_nvidia_wayland.json", "_nvidia_wayland2.json",
                                               "_nvidia_gbm.json", "_nvidia_xcb.json",
                                               "_nvidia_xlib.json"};
    static const char *const xdirs[] = {"/usr/lib/xorg/modules", "/usr/lib64/xorg/modules"};
    cleanup_free char *prof = xasprintf("/usr/share/nvidia/nvidia-application-profiles-%s-rc",
                                        plan->driver_version);

    for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
        if (is_kind(plan->driver_root, configs[i].path, S_IFREG))
            add_file(plan, configs[i].path, NULL, configs[i].caps, BOLT_NV_FILE_CONFIG);
    for (size_t i = 0; i < sizeof(egl_suffixes) / sizeof(egl_suffixes[0]); i++)
        add_dir_files(plan, "/usr/share/egl/egl_external_platform.d", "", egl_suffixes[i],
                      BOLT_NV_CAP_GRAPHICS, BOLT_NV_FILE_CONFIG);
    if (is_kind(plan->driver_root, prof, S_IFREG))
        add_file(plan, prof, NULL, BOLT_NV_CAP_GRAPHICS, BOLT_NV_FILE_CONFIG);
    for (size_t k = 0; k < sizeof(xdirs) / sizeof(xdirs[0]); k++) {
        cleanup_free char *drv = xasprintf("%s/drivers", xdirs[k]);
        cleanup_free char *ext = xasprintf("%s/extensions", xdirs[k]);
        add_dir_files(plan, drv, "nvidia_drv.so", NULL, BOLT_NV_CAP_DISPLAY, BOLT_NV_FILE_LIB);
        add_dir_files(plan, ext, "libglxserver_nvidia.so.", plan->driver_version,
                      BOLT_NV_CAP_DISPLAY, BOLT_NV_FILE_LIB);
    }
}

/* IPC endpoints and the DLSS DLLs. */
static void
other_files(struct bolt_nv_plan *plan, int rootfd, const char *root_real)
{
    for (size_t i = 0; i < sizeof(ipcs) / sizeof(ipcs[0]); i++)
        if (is_kind(plan->driver_root, ipcs[i].path, ipcs[i].dir ? S_IFDIR : S_IFSOCK))
            add_file(plan, ipcs[i].path, NULL, ipcs[i].caps, BOLT_NV_FILE_IPC);
    /* DLSS DLLs: Proton looks next to the real libGLX_nvidia, in nvidia/wine/ */
    if (plan->ldcache) {
        const struct bolt_ldcache_entry *e =
            bolt_ldcache_lookup(plan->ldcache, "libGLX_nvidia.so.0", BOLT_LDCACHE_ARCH_X86_64);
        cleanup_free char *real = e ? resolve_in_root(plan, rootfd, root_real, e->value) : NULL;
        cleanup_free char *dir = real ? dir_of(real) : NULL;
        cleanup_free char *wine = dir ? xasprintf("%s/nvidia/wine", dir) : NULL;
        if (wine)
            add_dir_files(plan, wine, "", ".dll", BOLT_NV_CAP_NGX, BOLT_NV_FILE_DLL);
    }
}

static void
wsl_files(struct bolt_nv_plan *plan)
{
    cleanup_free char *host = bolt_nv_path(plan->driver_root, "/usr/lib/wsl/drivers");
    cleanup_dir DIR *d = opendir(host);
    struct dirent *de;
    bool found = false;

    add_dir_files(plan, "/usr/lib/wsl/lib", "", NULL, BOLT_NV_CAP_ALL, BOLT_NV_FILE_WSL);
    /* the driver store that holds libcuda.so.1.1 (libnvidia-container's choice) */
    while (d && (de = readdir(d)) != NULL) {
        cleanup_free char *store = xasprintf("/usr/lib/wsl/drivers/%s", de->d_name);
        cleanup_free char *cuda = xasprintf("%s/libcuda.so.1.1", store);
        if (de->d_name[0] == '.' || !is_kind(plan->driver_root, cuda, S_IFREG))
            continue;
        add_dir_files(plan, store, "", NULL, BOLT_NV_CAP_ALL, BOLT_NV_FILE_WSL);
        found = true;
        break;
    }
    if (!found)
        bolt_nv_plan_warn(plan, "WSL2: no driver store with libcuda.so.1.1 under "
                                "'/usr/lib/wsl/drivers': CUDA will not work");
    plan->libdir64 = xstrdup("/usr/lib/wsl/lib");
}

int
bolt_nv_discover_files(struct bolt_nv_plan *plan, struct bolt_err *err)
{
    cleanup_free char *cache = bolt_nv_path(plan->driver_root, "/etc/ld.so.cache");
    cleanup_close int rootfd = -1;
    char root_real[PATH_MAX];

    if (plan->type == BOLT_NV_DRIVER_NOUVEAU)
        return 0;
    rootfd = open(plan->driver_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0 || realpath(plan->driver_root, root_real) == NULL)
        return bolt_err_set(err, errno, "driver root '%s'", plan->driver_root);
    bolt_ldcache_free(plan->ldcache);
    plan->ldcache = bolt_ldcache_load(cache, err);
    if (plan->ldcache == NULL)
        return bolt_err_wrap(err, "driver root's library cache (rebuild it with 'ldconfig -r %s')",
                             plan->driver_root);
    if (plan->type == BOLT_NV_DRIVER_WSL) {
        wsl_files(plan);
        return 0;
    }
    libs_from_ldcache(plan, rootfd, root_real);
    if (plan->libdir64 == NULL)
        bolt_nv_plan_warn(plan, "no libcuda.so.%s or libnvidia-ml.so.%s in the driver root's "
                                "ld.so.cache: driver libraries are missing (reinstall the driver "
                                "user-space, or run ldconfig)", plan->driver_version,
                          plan->driver_version);
    program_files(plan);
    config_files(plan);
    other_files(plan, rootfd, root_real);
    return 0;
}
