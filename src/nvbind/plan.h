/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_PLAN_H
#define BOLT_NVBIND_PLAN_H

/*
 * API NOTE for injection (read this first)
 * ----------------------------------------
 * The plan is everything nvbind knows about the host's NVIDIA driver that does not depend
 * on a container: GPUs, device nodes (major:minor verified with stat), and driver files per
 * capability class. Get it with
 *
 *     struct bolt_nv_plan *plan = bolt_nv_plan_get(&cfg, runroot, false, &err);
 *
 * which returns the cached copy under <runroot>/nvbind/ (plan.bin, loaded in microseconds;
 * plan.json is the same plan for people and tools) when its key (driver version +
 * dev/ino/mtime/size of <driver_root>/etc/ld.so.cache + the four roots) still matches,
 * and otherwise rebuilds and rewrites both. With allow_nvml=false (the container-setup path) NVML
 * is never loaded: a rebuild then uses /proc/driver/nvidia + sysfs only.
 *
 * Paths: file->path is the path INSIDE the driver root (what the container should see,
 * e.g. "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15"); the host path is
 * bolt_nv_path(plan->driver_root, file->path). Node paths are inside dev_root likewise
 * ("/dev/nvidia0"). Library files are the real versioned files (soname links are made by
 * the merged ld.so.cache + symlinks: file->soname is the link name, e.g. "libcuda.so.1").
 * Select GPUs with bolt_nv_plan_select() (gpusel.h parses the syntax) and files with
 * bolt_nv_file_has_cap(). plan->ldcache is the driver root's parsed cache, ready for
 * bolt_ldcache_merge() with the image's cache.
 * nouveau: plan->type == BOLT_NV_DRIVER_NOUVEAU, only DRI nodes, no files.
 * WSL2: type BOLT_NV_DRIVER_WSL, the only node is /dev/dxg, files of kind WSL.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nvbind/config.h"
#include "nvbind/ldcache.h"
#include "util/err.h"

/* NVIDIA_DRIVER_CAPABILITIES classes, as bits. */
enum bolt_nv_cap {
    BOLT_NV_CAP_COMPUTE = 1 << 0,
    BOLT_NV_CAP_UTILITY = 1 << 1,
    BOLT_NV_CAP_GRAPHICS = 1 << 2,
    BOLT_NV_CAP_VIDEO = 1 << 3,
    BOLT_NV_CAP_DISPLAY = 1 << 4,
    BOLT_NV_CAP_NGX = 1 << 5,
    BOLT_NV_CAP_COMPAT32 = 1 << 6,
    BOLT_NV_CAP_ALL = (1 << 7) - 1,
};
#define BOLT_NV_CAP_DEFAULT (BOLT_NV_CAP_UTILITY | BOLT_NV_CAP_COMPUTE)

/* "compute" ... for one bit; NULL for others. */
const char *bolt_nv_cap_name(unsigned cap);
/* "compute,utility" for a mask (static buffer not used: writes into buf). */
const char *bolt_nv_caps_str(unsigned caps, char *buf, size_t len);

enum bolt_nv_driver_type {
    BOLT_NV_DRIVER_NONE = 0,
    BOLT_NV_DRIVER_PROPRIETARY,
    BOLT_NV_DRIVER_OPEN,
    BOLT_NV_DRIVER_NOUVEAU,
    BOLT_NV_DRIVER_WSL,
};
/* "proprietary", "nvidia-open", "nouveau", "wsl2", "none" */
const char *bolt_nv_driver_type_str(enum bolt_nv_driver_type t);

struct bolt_nv_mig {
    unsigned gi, ci;
    char *uuid; /* "MIG-..." (NULL when only /proc was read) */
    char *name;
    uint64_t mem_total;
    int gi_cap_minor, ci_cap_minor; /* nvidia-caps minors, -1 if unknown */
};

struct bolt_nv_gpu {
    unsigned index; /* NVML order = PCI bus order */
    unsigned minor; /* N of /dev/nvidiaN */
    char *name, *uuid;
    char *bus_id; /* "0000:3b:00.0" (sysfs spelling) */
    char *brand;  /* "nvidia", "tesla", "geforce_rtx", ... or "unknown" */
    char *arch;   /* "ada", "ampere", ... or "unknown" */
    uint64_t mem_total; /* bytes, 0 if unknown */
    int cc_major, cc_minor; /* compute capability, 0.0 if unknown */
    bool mig_enabled;
    struct bolt_nv_mig *migs;
    size_t n_migs;
    int drm_card, drm_render; /* N of /dev/dri/cardN, renderDN; -1 if none */
};

enum bolt_nv_node_role {
    BOLT_NV_NODE_CTL,
    BOLT_NV_NODE_GPU,
    BOLT_NV_NODE_MODESET,
    BOLT_NV_NODE_UVM,
    BOLT_NV_NODE_UVM_TOOLS,
    BOLT_NV_NODE_CAP,
    BOLT_NV_NODE_DRI_CARD,
    BOLT_NV_NODE_DRI_RENDER,
    BOLT_NV_NODE_DXG,
};

struct bolt_nv_node {
    char *path; /* inside dev_root: "/dev/nvidia0" */
    unsigned major, minor;
    uint32_t mode; /* permission bits of the host node */
    enum bolt_nv_node_role role;
    int gpu;   /* plan->gpus index for GPU/DRI/CAP nodes, else -1 */
    char *cap; /* CAP nodes: "gpu0/mig/gi1/access", "mig/config"; else NULL */
};

enum bolt_nv_file_kind {
    BOLT_NV_FILE_LIB,      /* 64-bit library */
    BOLT_NV_FILE_LIB32,    /* 32-bit library (compat32) */
    BOLT_NV_FILE_BIN,      /* program */
    BOLT_NV_FILE_FIRMWARE, /* gsp_*.bin */
    BOLT_NV_FILE_CONFIG,   /* ICD / vendor JSON, X config, data files */
    BOLT_NV_FILE_IPC,      /* sockets and the MPS pipe directory */
    BOLT_NV_FILE_DLL,      /* Wine/Proton DLSS DLLs */
    BOLT_NV_FILE_WSL,      /* /usr/lib/wsl/lib and driver store files */
};
/* "lib", "lib32", "bin", "firmware", "config", "ipc", "dll", "wsl" ("unknown" out of
 * range); static storage. */
const char *bolt_nv_file_kind_str(enum bolt_nv_file_kind k);

struct bolt_nv_file {
    char *path;   /* inside driver_root */
    char *soname; /* libraries: the name ld.so looks up (cache key); else NULL */
    unsigned caps; /* enum bolt_nv_cap bits that want this file */
    enum bolt_nv_file_kind kind;
};

struct bolt_nv_ldcache_id {
    uint64_t dev, ino, size;
    int64_t mtime_ns;
};

struct bolt_nv_plan {
    char *driver_version; /* "550.54.15", or NULL (nouveau) */
    enum bolt_nv_driver_type type;
    int cuda_version; /* 12040, 0 if unknown */
    char *source;     /* "nvml" or "procfs": where the GPU list came from */
    char *driver_root, *dev_root, *proc_root, *sys_root;
    char *libdir64, *libdir32; /* inside driver_root, NULL if none */
    struct bolt_nv_ldcache_id ldcache_id;
    struct bolt_nv_gpu *gpus;
    size_t n_gpus;
    struct bolt_nv_node *nodes;
    size_t n_nodes;
    struct bolt_nv_file *files;
    size_t n_files;
    char **warnings; /* NULL-terminated: what is missing or wrong, one line each */
    struct bolt_ldcache *ldcache; /* driver root's cache (loaded lazily; may be NULL) */
};

/*
 * Discover the driver under cfg's roots. allow_nvml: try NVML first (dlopen of the driver
 * root's libnvidia-ml.so.1) for the GPU list, falling back to /proc + sysfs with a warning.
 * Fails (NULL, err set) only when there is no usable driver at all or the driver root's
 * ld.so.cache is unreadable or malformed; lesser problems become plan->warnings.
 */
struct bolt_nv_plan *bolt_nv_plan_build(const struct bolt_nv_config *cfg, bool allow_nvml,
                                        struct bolt_err *err);

/*
 * The cached plan under <runroot>/nvbind/plan.bin if its key matches the current driver
 * version and ld.so.cache identity, else a fresh one (written back atomically under an
 * flock). *rebuilt (may be NULL) says which happened.
 */
struct bolt_nv_plan *bolt_nv_plan_get(const struct bolt_nv_config *cfg, const char *runroot,
                                      bool allow_nvml, bool *rebuilt, struct bolt_err *err);

/* Free a plan (NULL is fine); the _freep form is for cleanup_nv_plan. */
void bolt_nv_plan_free(struct bolt_nv_plan *plan);
void bolt_nv_plan_freep(struct bolt_nv_plan **plan);
#define cleanup_nv_plan __attribute__((cleanup(bolt_nv_plan_freep)))

/* JSON form (what plan.json holds; also `bolt gaming gpu list --format json`). */
char *bolt_nv_plan_to_json(const struct bolt_nv_plan *plan, bool pretty);
struct bolt_nv_plan *bolt_nv_plan_from_json(const char *text, size_t len, struct bolt_err *err);

/*
 * The binary cache form (<runroot>/nvbind/plan.bin): what bolt_nv_plan_get loads on the
 * fast path. from_bin is bounds-checked; NULL (err set) on anything unexpected.
 */
void *bolt_nv_plan_to_bin(const struct bolt_nv_plan *plan, size_t *len);
struct bolt_nv_plan *bolt_nv_plan_from_bin(const void *data, size_t len, struct bolt_err *err);

/* The current cache key of cfg: driver version (heap, NULL if none) and ld.so.cache stat. */
int bolt_nv_plan_key(const struct bolt_nv_config *cfg, char **version,
                     struct bolt_nv_ldcache_id *id, struct bolt_err *err);

/* True if a file of this plan is wanted by any of caps. compat32 files need COMPAT32 too. */
bool bolt_nv_file_has_cap(const struct bolt_nv_file *f, unsigned caps);

/* GPU by index/uuid ("GPU-..."), or NULL. MIG: *mig gets the MIG index when uuid is "MIG-". */
const struct bolt_nv_gpu *bolt_nv_plan_find_uuid(const struct bolt_nv_plan *plan,
                                                 const char *uuid, int *mig);

/* One line listing the GPUs: "0 (NVIDIA L4, GPU-...), 1 (...)" into buf. */
const char *bolt_nv_plan_gpus_str(const struct bolt_nv_plan *plan, char *buf, size_t len);

#endif
