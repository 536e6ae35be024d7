/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GPU discovery through NVML: dlopen of the driver root's libnvidia-ml.so.1 (found through
 * the driver root's ld.so.cache, or the WSL driver store). Only listing commands use this;
 * the container-setup path works from the cached plan and never loads NVML.
 */
#include <dlfcn.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvbind/discover.h"
#include "util/mem.h"

#define NVML_SUCCESS 0

struct nvml_pci {
    char bus_id_legacy[16];
    unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
    char bus_id[32];
};
struct nvml_memory {
    unsigned long long total, free, used;
};

struct nvml {
    void *lib;
    int (*init)(void);
    int (*shutdown)(void);
    const char *(*error_string)(int);
    int (*driver_version)(char *, unsigned);
    int (*cuda_version)(int *);
    int (*count)(unsigned *);
    int (*by_index)(unsigned, void **);
    int (*name)(void *, char *, unsigned);
    int (*uuid)(void *, char *, unsigned);
    int (*minor)(void *, unsigned *);
    int (*pci)(void *, struct nvml_pci *);
    int (*memory)(void *, struct nvml_memory *);
    int (*brand)(void *, unsigned *);
    int (*arch)(void *, unsigned *);
    int (*cc)(void *, int *, int *);
    int (*mig_mode)(void *, unsigned *, unsigned *);
    int (*mig_by_index)(void *, unsigned, void **);
    int (*gi_id)(void *, unsigned *);
    int (*ci_id)(void *, unsigned *);
};

static const char *
brand_name(unsigned b)
{
    static const char *const names[] = {"unknown", "quadro", "tesla", "nvs", "grid", "geforce",
                                        "titan", "nvidia_vapps", "nvidia_vpc", "nvidia_vcs",
                                        "nvidia_vws", "nvidia_cloud_gaming", "quadro_rtx",
                                        "nvidia_rtx", "nvidia", "geforce_rtx", "titan_rtx"};
    return b < sizeof(names) / sizeof(names[0]) ? names[b] : "unknown";
}

static const char *
arch_name(unsigned a)
{
    static const char *const names[] = {"unknown", "unknown", "kepler", "maxwell", "pascal",
                                        "volta", "turing", "ampere", "ada", "hopper",
                                        "blackwell"};
    return a < sizeof(names) / sizeof(names[0]) ? names[a] : "unknown";
}

/* Host path of the driver root's libnvidia-ml.so.1, or NULL. */
static char *
nvml_path(struct bolt_nv_plan *plan)
{
    const struct bolt_ldcache_entry *e;

    if (plan->type == BOLT_NV_DRIVER_WSL) {
        for (size_t i = 0; i < plan->n_files; i++) {
            const char *b = strrchr(plan->files[i].path, '/');
            if (b && strcmp(b, "/libnvidia-ml.so.1") == 0 && strstr(plan->files[i].path, "/drivers/"))
                return bolt_nv_path(plan->driver_root, plan->files[i].path);
        }
        return bolt_nv_path(plan->driver_root, "/usr/lib/wsl/lib/libnvidia-ml.so.1");
    }
    if (plan->ldcache == NULL)
        return NULL;
    e = bolt_ldcache_lookup(plan->ldcache, "libnvidia-ml.so.1", BOLT_LDCACHE_ARCH_X86_64);
    return e ? bolt_nv_path(plan->driver_root, e->value) : NULL;
}

static int
load_syms(struct nvml *n, const char *path, struct bolt_err *err)
{
    struct {
        const char *name;
        void **slot;
    } syms[] = {
        {"nvmlInit_v2", (void **)&n->init},
        {"nvmlShutdown", (void **)&n->shutdown},
        {"nvmlErrorString", (void **)&n->error_string},
        {"nvmlSystemGetDriverVersion", (void **)&n->driver_version},
        {"nvmlSystemGetCudaDriverVersion_v2", (void **)&n->cuda_version},
        {"nvmlDeviceGetCount_v2", (void **)&n->count},
        {"nvmlDeviceGetHandleByIndex_v2", (void **)&n->by_index},
        {"nvmlDeviceGetName", (void **)&n->name},
        {"nvmlDeviceGetUUID", (void **)&n->uuid},
        {"nvmlDeviceGetMinorNumber", (void **)&n->minor},
        {"nvmlDeviceGetPciInfo_v3", (void **)&n->pci},
        {"nvmlDeviceGetMemoryInfo", (void **)&n->memory},
        {"nvmlDeviceGetBrand", (void **)&n->brand},
        {"nvmlDeviceGetArchitecture", (void **)&n->arch},
        {"nvmlDeviceGetCudaComputeCapability", (void **)&n->cc},
        {"nvmlDeviceGetMigMode", (void **)&n->mig_mode},
        {"nvmlDeviceGetMigDeviceHandleByIndex", (void **)&n->mig_by_index},
        {"nvmlDeviceGetGpuInstanceId", (void **)&n->gi_id},
        {"nvmlDeviceGetComputeInstanceId", (void **)&n->ci_id},
    };

    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        *syms[i].slot = dlsym(n->lib, syms[i].name);
        if (*syms[i].slot == NULL)
            return bolt_err_set(err, 0, "NVML '%s' lacks %s (driver too old?)", path,
                                syms[i].name);
    }
    return 0;
}

/* NVML's "00000000:3B:00.0" -> sysfs "0000:3b:00.0". */
static char *
sysfs_bus_id(const char *nvml)
{
    const char *p = strlen(nvml) == 16 ? nvml + 4 : nvml;
    char *s = xstrdup(p);

    for (char *c = s; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return s;
}

static void
read_migs(struct nvml *n, void *dev, struct bolt_nv_gpu *g, const struct bolt_nv_gpu *proc)
{
    unsigned cur = 0, pending = 0;
    void *mig;

    if (n->mig_mode(dev, &cur, &pending) != NVML_SUCCESS || cur != 1)
        return;
    g->mig_enabled = true;
    for (unsigned k = 0; n->mig_by_index(dev, k, &mig) == NVML_SUCCESS; k++) {
        struct bolt_nv_mig *m;
        struct nvml_memory mem = {0};
        char buf[96] = "";
        g->migs = xreallocarray(g->migs, g->n_migs + 1, sizeof(*g->migs));
        m = &g->migs[g->n_migs++];
        memset(m, 0, sizeof(*m));
        m->gi_cap_minor = m->ci_cap_minor = -1;
        n->gi_id(mig, &m->gi);
        n->ci_id(mig, &m->ci);
        n->uuid(mig, buf, sizeof(buf));
        m->uuid = xstrdup(buf);
        n->name(mig, buf, sizeof(buf));
        m->name = xstrdup(buf);
        if (n->memory(mig, &mem) == NVML_SUCCESS)
            m->mem_total = mem.total;
        /* capability minors are only in /proc */
        for (size_t i = 0; proc && i < proc->n_migs; i++)
            if (proc->migs[i].gi == m->gi && proc->migs[i].ci == m->ci) {
                m->gi_cap_minor = proc->migs[i].gi_cap_minor;
                m->ci_cap_minor = proc->migs[i].ci_cap_minor;
            }
    }
}

static void
read_gpu(struct nvml *n, void *dev, struct bolt_nv_gpu *g, const struct bolt_nv_plan *procfs)
{
    char buf[96] = "";
    struct nvml_pci pci;
    struct nvml_memory mem = {0};
    unsigned v = 0;
    const struct bolt_nv_gpu *proc = NULL;

    n->name(dev, buf, sizeof(buf));
    g->name = xstrdup(buf);
    buf[0] = '\0';
    n->uuid(dev, buf, sizeof(buf));
    g->uuid = xstrdup(buf);
    n->minor(dev, &g->minor);
    memset(&pci, 0, sizeof(pci));
    n->pci(dev, &pci);
    g->bus_id = sysfs_bus_id(pci.bus_id);
    if (n->memory(dev, &mem) == NVML_SUCCESS)
        g->mem_total = mem.total;
    g->brand = xstrdup(n->brand(dev, &v) == NVML_SUCCESS ? brand_name(v) : "unknown");
    g->arch = xstrdup(n->arch(dev, &v) == NVML_SUCCESS ? arch_name(v) : "unknown");
    n->cc(dev, &g->cc_major, &g->cc_minor);
    g->drm_card = g->drm_render = -1;
    for (size_t i = 0; procfs && i < procfs->n_gpus; i++)
        if (strcmp(procfs->gpus[i].bus_id, g->bus_id) == 0)
            proc = &procfs->gpus[i];
    if (proc) {
        g->drm_card = proc->drm_card;
        g->drm_render = proc->drm_render;
    }
    read_migs(n, dev, g, proc);
}

static void
free_gpus(struct bolt_nv_gpu *gpus, size_t n);

int
bolt_nv_discover_gpus_nvml(struct bolt_nv_plan *plan, struct bolt_err *err)
{
    cleanup_free char *path = nvml_path(plan);
    struct nvml n = {0};
    unsigned count = 0;
    char ver[96] = "";
    int rc, cuda = 0;
    struct bolt_nv_gpu *gpus;

    if (path == NULL)
        return bolt_err_set(err, 0, "NVML: no libnvidia-ml.so.1 in the driver root's "
                                    "ld.so.cache");
    n.lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (n.lib == NULL)
        return bolt_err_set(err, 0, "NVML: cannot load '%s': %s", path, dlerror());
    if (load_syms(&n, path, err) < 0)
        goto fail;
    rc = n.init();
    if (rc != NVML_SUCCESS) {
        bolt_err_set(err, 0, "NVML: nvmlInit failed: %s (error %d)", n.error_string(rc), rc);
        goto fail;
    }
    n.count(&count);
    gpus = xcalloc(count ? count : 1, sizeof(*gpus));
    for (unsigned i = 0; i < count; i++) {
        void *dev;
        gpus[i].index = i;
        if (n.by_index(i, &dev) == NVML_SUCCESS)
            read_gpu(&n, dev, &gpus[i], plan);
    }
    if (n.driver_version(ver, sizeof(ver)) == NVML_SUCCESS && ver[0]) {
        free(plan->driver_version);
        plan->driver_version = xstrdup(ver);
    }
    if (n.cuda_version(&cuda) == NVML_SUCCESS && cuda > 0)
        plan->cuda_version = cuda;
    n.shutdown();
    free_gpus(plan->gpus, plan->n_gpus);
    plan->gpus = gpus;
    plan->n_gpus = count;
    free(plan->source);
    plan->source = xstrdup("nvml");
    dlclose(n.lib);
    return 0;
fail:
    dlclose(n.lib);
    return -1;
}

static void
free_gpus(struct bolt_nv_gpu *gpus, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(gpus[i].name);
        free(gpus[i].uuid);
        free(gpus[i].bus_id);
        free(gpus[i].brand);
        free(gpus[i].arch);
        for (size_t k = 0; k < gpus[i].n_migs; k++) {
            free(gpus[i].migs[k].uuid);
            free(gpus[i].migs[k].name);
        }
        free(gpus[i].migs);
    }
    free(gpus);
}
