/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_INJECT_H
#define BOLT_NVBIND_INJECT_H

/*
 * GPU injection: the per-container fast path. Everything is a container edit on the OCI
 * spec (struct bolt_cdi_edits, the CDI model), so there is one model and three outputs:
 *  - bolt_nv_inject_spec: what `bolt run --gpu` and the `nvbind` runtime call. It works
 *    from the cached plan (never loads NVML), the driver bundle under the runroot (built
 *    once per boot: one bind mount for all libraries), and writes a merged ld.so.cache
 *    (the image's entries kept, the driver's added; no ldconfig process).
 *  - bolt_nv_edits_build with BOLT_NV_EDITS_FILES: every driver file at its own path, plus
 *    createContainer hooks for soname links and the ld.so.cache (`nvbind cdi generate`).
 *
 * Container layout of the fast path (one mount of the bundle at /usr/local/nvidia, ro):
 *   /usr/local/nvidia/lib64  64-bit libraries + soname links
 *   /usr/local/nvidia/lib    32-bit libraries (with compat32)
 *   /usr/local/nvidia/files/<path>  binaries and config files; <path> in the rootfs is a
 *                            symlink to it (a bind mount where a symlink cannot be made)
 *   /etc/ld.so.cache         <- the merged cache (shared per image under the runroot), ro
 *   (`bolt run`: the links, the mount points and the merged cache are files of the nvbind
 *   layer, the top lower dir of the container's overlay; see bolt_nv_layer_get)
 *   IPC sockets and the MPS pipe directory bind-mounted rw (noexec), as optional mounts: the
 *   runtime skips one whose daemon is not running, with a warning naming it
 *   every mount nosuid,nodev; device nodes of exactly the selected GPUs (+ control nodes)
 *   with device-cgroup allow rules; NVIDIA_VISIBLE_DEVICES / NVIDIA_DRIVER_CAPABILITIES.
 * BOLT_TRACE=1 prints each phase in microseconds on stderr.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nvbind/cdi.h"
#include "nvbind/config.h"
#include "nvbind/gpusel.h"
#include "nvbind/plan.h"
#include "oci/spec.h"
#include "util/err.h"

#define BOLT_NV_CTR_BUNDLE "/usr/local/nvidia"
#define BOLT_NV_CTR_LIB64  "/usr/local/nvidia/lib64"
#define BOLT_NV_CTR_LIB32  "/usr/local/nvidia/lib"
#define BOLT_NV_CTR_FILES  "/usr/local/nvidia/files"

/* What to inject, resolved against a plan. */
struct bolt_nv_selection {
    struct bolt_gpusel_pick *picks; /* selected GPUs / MIG devices */
    size_t n_picks;
    bool all;       /* every GPU was asked for */
    unsigned caps;  /* enum bolt_nv_cap bits */
};

void bolt_nv_selection_fini(struct bolt_nv_selection *s);

enum bolt_nv_edits_mode {
    BOLT_NV_EDITS_BUNDLE, /* libraries through the bundle mount (bolt run, nvbind) */
    BOLT_NV_EDITS_FILES,  /* each file at its host path + hooks (CDI specs) */
};

/* Driver-wide edits (no per-GPU device nodes): control nodes, files, mounts, hooks. */
struct bolt_nv_edits_opts {
    enum bolt_nv_edits_mode mode;
    const char *bundle_dir; /* BUNDLE: host path of the bundle */
    const char *hook_path;  /* FILES: absolute path of the nvbind binary for hooks */
    char ***links;          /* BUNDLE: receives "TARGET::LINK" for binaries/config files */
    bool linked;            /* BUNDLE: those links exist already (the nvbind layer) */
    bool check_nodes;       /* stat each host node and compare st_rdev (fast path: true) */
    char ***absent;         /* BUNDLE: receives the host paths of missing driver files */
};

/*
 * Edits shared by every selected device: control nodes (nvidiactl, uvm for compute/video,
 * modeset for display), files for caps, env NVIDIA_DRIVER_CAPABILITIES. Missing optional
 * nodes/files are skipped with a warning naming them; a wrong major is an error.
 */
int bolt_nv_edits_common(const struct bolt_nv_plan *plan, unsigned caps,
                         const struct bolt_nv_edits_opts *o, struct bolt_cdi_edits *e,
                         struct bolt_err *err);

/* Edits of one GPU (mig = -1) or MIG device: its /dev/nvidiaN, DRI nodes with graphics,
 * MIG capability nodes; /dev/dxg on WSL2. */
int bolt_nv_edits_device(const struct bolt_nv_plan *plan, unsigned gpu, int mig, unsigned caps,
                         const struct bolt_nv_edits_opts *o, struct bolt_cdi_edits *e,
                         struct bolt_err *err);

/*
 * Resolve a request (sel from --gpu/--gpus or the environment; NULL-safe fields) against
 * the plan and check the requirements (req may be NULL). Errors name what is needed and
 * what the host has.
 */
int bolt_nv_select(const struct bolt_nv_plan *plan, const struct bolt_gpusel *sel,
                   const struct bolt_gpureq *req, struct bolt_nv_selection *out,
                   struct bolt_err *err);

/* FNV-1a 64 over data, from h (start with BOLT_NV_FNV_BASIS): names cache files by their
 * inputs (no security role: the files are ours). */
#define BOLT_NV_FNV_BASIS 0xcbf29ce484222325ULL
uint64_t bolt_nv_fnv1a(uint64_t h, const void *data, size_t len);

/*
 * The driver bundle of plan under <runroot>/nvbind/bundle/<driver-version>-<cache id>/caps-XX
 * (the libraries of those caps + soname links, lib64/ and lib32/); built on first use under
 * an flock, with hard links to the driver's files. When the runroot is on another
 * filesystem than the driver, it is built under <persist>/nvbind/bundle (persist may be
 * NULL) and linked from the runroot; copies are the last resort. Bundles of other driver
 * versions are removed when a new one is built. Returns the directory (new string) or NULL.
 */
char *bolt_nv_bundle_get(const struct bolt_nv_plan *plan, const char *runroot, const char *persist,
                         unsigned caps, struct bolt_err *err);

/*
 * The merged ld.so.cache for a container: the image's cache (rootfs/etc/ld.so.cache, read
 * through the rootfs; may be missing) with the driver's libraries added at their container
 * paths. Files are named by a hash of their inputs under <runroot>/nvbind/ldcache, so every
 * container of an image shares one file and a warm start only hashes the image's cache.
 * Returns the host path to bind-mount read-only at /etc/ld.so.cache (new string) or NULL.
 */
char *bolt_nv_ldcache_for_container(const struct bolt_nv_plan *plan, unsigned caps,
                                    const char *rootfs, const char *runroot, struct bolt_err *err);

/* The driver's share of the merged cache's name (its ld.so.cache, root and the caps). */
uint64_t bolt_nv_ldcache_key(const struct bolt_nv_plan *plan, unsigned caps);

/* The merged cache for key and the image at rootfs when it exists already (new string), else
 * NULL: then only bolt_nv_ldcache_for_container, with the plan, can make it. */
char *bolt_nv_ldcache_existing(uint64_t key, const char *rootfs, const char *runroot);

/*
 * The serialized merged cache of plan's libraries (caps) and an image's cache bytes (image
 * may be NULL: the driver's entries only; an unreadable one is a warning naming rootfs).
 * Returns a new buffer of *len bytes.
 */
void *bolt_nv_ldcache_merged(const struct bolt_nv_plan *plan, unsigned caps, const char *image,
                             size_t image_len, const char *rootfs, size_t *len);

/*
 * The nvbind layer (layer.c, `bolt run` only): a directory that the engine puts on top of the
 * image's layers as the highest lowerdir of the container's overlay. It holds what injection
 * would otherwise write into each container's fresh upper dir (the links of binaries and config
 * files into the bundle mount, the mount points of the bundle and the IPC sockets, the merged
 * /etc/ld.so.cache), so a container start writes nothing into its rootfs and its removal
 * deletes nothing extra. Built once per (image layers, plan, caps) under
 * <runroot>/nvbind/layer.
 */
struct bolt_nv_layer {
    char *dir;     /* the lowerdir; NULL = no layer */
    char **binds;  /* "TARGET::LINK" the layer cannot hold: bind-mounted at injection */
    bool cache;    /* dir/etc/ld.so.cache is the merged cache (no cache mount needed) */
    unsigned caps; /* the caps the layer was built for */
};

void bolt_nv_layer_fini(struct bolt_nv_layer *l);

/*
 * The layer for an image whose layer dirs are lower (overlayfs lowerdir syntax, top first),
 * built on first use under an flock from the image as overlayfs merges it (whiteouts, opaque
 * directories): directories copy the image's owner and mode, and a path whose parent is not
 * a real directory in the image is left to a bind mount (out->binds). Layers of other plans
 * are removed when a new one is built.
 */
int bolt_nv_layer_get(const struct bolt_nv_plan *plan, unsigned caps, const char *lower,
                      const char *runroot, struct bolt_nv_layer *out, struct bolt_err *err);

/*
 * Remove the nvbind layers under runroot whose image layers are gone (after `bolt rmi` or
 * `bolt image prune`), and with them the injection records. Returns how many went. A layer
 * keeps its image's lowerdir string in <layer>/lower (a symlink).
 */
int bolt_nv_layers_gc(const char *runroot);

/*
 * The injection record (inject_rec.c, `bolt run` only): the edits the first start of a
 * request made (device nodes, mounts, env), with the nvbind layer, the GPUs and the warnings,
 * kept at <runroot>/nvbind/rec/<hash of where the driver is configured to be, the image layers
 * and the NVIDIA_* / CUDA_VERSION variables>. With it goes what it was made from: the
 * identity of the driver's version file (or /proc's version line), of its ld.so.cache and of
 * the nvbind config file, which are the plan's key. Before it is used, every one of those is
 * checked, and every host path it names: each device node must still be the same device (one
 * stat of its directory when that has not changed since, else a stat of the node), each mount
 * source must exist, and each driver file that was missing must still be missing. Anything
 * else sends the start down the full path, which records it anew. bolt's own files on the
 * runroot (the nvbind layer, the driver bundle) are not checked: they go only with the plan, and
 * when one was removed by hand, the overlay mount or the bundle's bind mount fails; the engine
 * then forgets the records (bolt_nv_engine_forget_record), so the full path builds it again:
 * at once for the layer, at the next start for the bundle.
 * bolt run records when the nvbind layer held the links and the cache (nothing is written into
 * the rootfs); nvbind's OCI path records the links and the merged cache's key instead and
 * makes them in each container's rootfs. All records go when the plan is rebuilt.
 */
struct bolt_nv_rec {
    char *layer_dir;            /* the nvbind layer's lowerdir */
    struct bolt_cdi_edits edits; /* nodes, mounts and env only */
    char **uuids, **indexes;    /* as struct bolt_nv_injected */
    char **warnings;            /* what the injection warned: said again at each use */
    char **absent;              /* driver files that were missing (host paths) */
    char **ids;                 /* the plan's inputs: kind, path, identity; 3 strings each */
    bool unsettled;             /* some node was checked on its own */
    char *text;                 /* a loaded record: its text, which the strings above (but
                                 * absent and ids) point into */
    /* nvbind's OCI path (no layer: the links are made in each container's rootfs) */
    char **links;               /* "TARGET::LINK" to make in the rootfs */
    char *droot;                /* the driver root: where a link that cannot be made comes from */
    uint64_t cache_key;         /* bolt_nv_ldcache_key of the merged cache, if has_cache_key */
    bool has_cache_key;
    /* BOLT_TRACE: the parts of bolt_nv_rec_load, in ns (the readlink, the host checks, the
     * parsing of the rest), reported as sub-phases; 0 when the trace is off */
    long long read_ns, check_ns, parse_ns;
};

void bolt_nv_rec_fini(struct bolt_nv_rec *r);

/* The record's path for a request (env: the spec's process env). */
char *bolt_nv_rec_path(const char *runroot, const char *persist, const char *lower,
                       char *const *env);

/* r->ids: the identities of the plan's inputs under cfg, taken now (before the plan is
 * loaded, so a change while it loads shows at the next start). */
void bolt_nv_rec_identify(struct bolt_nv_rec *r, const struct bolt_nv_config *cfg);

/* Load and check the record at path: 0 when it can be used as it is, -1 (out empty) when it
 * is missing, incomplete or no longer true of the host. */
int bolt_nv_rec_load(const char *path, struct bolt_nv_rec *out);

/* Write r at path (atomically, best effort: a failure only costs the next start the full
 * path). Nothing is written for edits the format does not hold (hooks, gids, ...). */
void bolt_nv_rec_save(const char *path, const struct bolt_nv_rec *r);

/* Remove every record under runroot (the plan was rebuilt). */
void bolt_nv_rec_forget(const char *runroot);

/* "<driver version>-<ld.so.cache ino>-<size>-<mtime>": names what depends on the plan. */
char *bolt_nv_plan_dirkey(const char *version, const struct bolt_nv_ldcache_id *id);

struct bolt_nv_inject_opts {
    const char *runroot;    /* plan cache and bundle ("/run/bolt"); required */
    const char *persist;    /* bundle fallback on the driver's filesystem ("/var/lib/bolt") */
    const char *rootfs;     /* host path of the rootfs; NULL = spec->root_path */
    const struct bolt_gpusel *sel; /* --gpu/--gpus; NULL = NVIDIA_VISIBLE_DEVICES in env */
    const struct bolt_nv_config *cfg; /* NULL = bolt_nv_config_load() */
    const struct bolt_nv_plan *plan;  /* a plan loaded by the caller; NULL = bolt_nv_plan_get */
    const struct bolt_nv_layer *layer; /* the rootfs has this nvbind layer (NULL: none) */
    long long prep_ns; /* time the caller spent on the plan and layer (reported by BOLT_TRACE) */
    long long prep_cpu_ns; /* the CPU time of that (BOLT_TRACE only; 0 otherwise) */
    long long prep_key_ns; /* BOLT_TRACE: of prep_ns, the request's key (the record's path) */
    const struct bolt_nv_rec *rec; /* a checked record: apply it, nothing else (bolt run) */
    const char *rec_path;  /* where to record this injection (bolt run's first start) */
    char *const *rec_ids;  /* with these identities (bolt_nv_rec_identify) */
    bool oci_rec;          /* nvbind's OCI path: apply the record at rec_path when it holds,
                            * else inject from the plan and record that */
};

/* What was injected (for leases and `bolt ps`). */
struct bolt_nv_injected {
    char **uuids;  /* selected GPU (or MIG) uuids, NULL-terminated */
    char **indexes; /* "0", "1:0", ... */
    bool injected;  /* false: nothing was requested */
};

void bolt_nv_injected_fini(struct bolt_nv_injected *r);

/*
 * Inject GPUs into spec when requested (o->sel, or NVIDIA_VISIBLE_DEVICES in the process
 * env; "void"/unset does nothing). Never half-configured: on error spec may have been
 * partly edited and must be discarded. out may be NULL.
 */
int bolt_nv_inject_spec(struct bolt_oci_spec *spec, const struct bolt_nv_inject_opts *o,
                        struct bolt_nv_injected *out, struct bolt_err *err);

/*
 * The OCI runtime's entry (`nvbind create/run`): apply the CDI devices named by
 * "cdi.k8s.io/..." annotations (the device plugins' channel), then inject when the bundle's
 * process env has NVIDIA_VISIBLE_DEVICES (not void). state_root holds the plan cache, the driver
 * bundle and the injection records (an earlier start of the same request that still holds is
 * applied; the links are made in this rootfs); root.path is relative to bundle_dir.
 */
int bolt_nv_inject_oci(struct bolt_oci_spec *spec, const char *bundle_dir, const char *state_root,
                       struct bolt_err *err);

/* ---- bolt run (inject_engine.c) ---- */

/*
 * At create: gpus holds the run options as the CLI collected them: plain entries are --gpu
 * values (joined with ','), "gpus=V" is docker's --gpus, "isolation=exclusive|shared" and
 * "memory=SIZE" the other flags. They become NVIDIA_VISIBLE_DEVICES /
 * NVIDIA_DRIVER_CAPABILITIES and io.bolt.gpu.* annotations; devices entries that are CDI
 * names (VENDOR/CLASS=NAME) are applied from the spec dirs. Errors name the flag.
 */
int bolt_nv_engine_edits(struct bolt_oci_spec *spec, char *const *gpus, char *const *devices,
                         struct bolt_err *err);

/*
 * What the supervisor keeps between the rootfs mount and the start's injection: the plan and
 * the nvbind layer, or a checked record instead. It lives in the caller's state (the
 * supervisor's, which its start has touched already: on a VM, the first touch of a fresh page
 * costs more than the whole recorded injection). Zeroed before the first use.
 */
struct bolt_nv_prepared {
    char *runroot;
    struct bolt_nv_plan *plan;
    struct bolt_nv_layer layer;
    struct bolt_nv_rec rec; /* checked: the start applies it (plan is then NULL) */
    char *rec_path;         /* where the start records what it injects */
    long long ns;           /* time spent on the plan and the layer */
    long long cpu_ns;       /* its CPU time (BOLT_TRACE only) */
    long long key_ns;       /* of ns, the request's key (BOLT_TRACE only) */
    bool record_applied;    /* the last start applied a record (kept by _free) */
};

/*
 * Before the first start's rootfs mount, in the supervisor: when the spec asks for GPUs, the
 * nvbind layer for the image layers lower (overlayfs lowerdir syntax); *dir (new string, NULL
 * without GPUs or on nouveau) goes on top of lower. The plan and the layer are kept in p for
 * the injection of the start that follows (bolt_nv_engine_prepared). When an earlier start of
 * the same request recorded its injection and the record still holds (struct bolt_nv_rec),
 * that record is kept instead and the plan is not loaded. root is bolt's root (the bundle's
 * fallback place).
 */
int bolt_nv_engine_layer(struct bolt_nv_prepared *p, const struct bolt_oci_spec *spec,
                         const char *root, const char *runroot, const char *lower, char **dir,
                         struct bolt_err *err);

/* When bolt_nv_engine_layer took a record, or the last start applied one: forget every record
 * under runroot and return true. For a start that failed where a record trusted bolt's own
 * files (the nvbind layer: the caller calls bolt_nv_engine_layer again; the driver bundle:
 * the next start builds it again). */
bool bolt_nv_engine_forget_record(struct bolt_nv_prepared *p, const char *runroot);

/* Point o at what bolt_nv_engine_layer kept in p for runroot; false when nothing is kept. */
bool bolt_nv_engine_prepared(struct bolt_nv_prepared *p, const char *runroot,
                             struct bolt_nv_inject_opts *o);

/* Free what bolt_nv_engine_layer kept in p (after the injection that used it). */
void bolt_nv_engine_prepared_free(struct bolt_nv_prepared *p);

/*
 * At every start, in the supervisor: inject from the spec's env (no-op without
 * NVIDIA_VISIBLE_DEVICES) and take the GPU leases (exclusive/shared) that this process keeps
 * open for the container's life. Annotates io.bolt.gpu.injected with the GPU indexes.
 */
int bolt_nv_engine_start(struct bolt_nv_prepared *p, struct bolt_oci_spec *spec,
                         const char *root, const char *runroot, const char *id, const char *name,
                         struct bolt_err *err);

/*
 * After the start: with --gpu-memory, a child process polls NVML twice a second for the
 * GPU memory used by processes in the container's pid namespace; past the limit it kills the
 * container and records "stopped by bolt: GPU memory limit exceeded ..." as its error.
 */
int bolt_nv_engine_started(const struct bolt_oci_spec *spec, const char *root,
                           const char *runroot, const char *id, pid_t pid, struct bolt_err *err);

/* ---- CDI specs (cdi_nvidia.c) ---- */

/* Device name strategies (bits). */
#define BOLT_NV_CDI_NAMES_INDEX      1u /* "0", MIG "0:1" */
#define BOLT_NV_CDI_NAMES_UUID       2u /* "GPU-...", "MIG-..." */
#define BOLT_NV_CDI_NAMES_TYPE_INDEX 4u /* "gpu0", "mig0:1" */

/*
 * A CDI spec (kind nvidia.com/gpu) for the plan: one device per GPU and MIG device under
 * each strategy's name, plus "all"; files at their host paths; hooks run hook_path
 * (`nvbind hook create-symlinks` / `update-ldcache`). cdiVersion is the lowest that the
 * features used need.
 */
struct bolt_cdi_spec *bolt_nv_cdi_generate(const struct bolt_nv_plan *plan, unsigned strategies,
                                           const char *hook_path, struct bolt_err *err);

/* True for the file kinds the bundle holds (libraries, DLLs, binaries, config files). */
bool bolt_nv_file_is_bundled(const struct bolt_nv_file *f);

/* ---- hooks (inject_hook.c) ---- */

/* DT_SONAME (new string or NULL) and ld.so.cache flags of the ELF file name in dirfd.
 * Returns -1 when it is not an x86-64/i386/aarch64 ELF object. */
int bolt_nv_elf_soname_at(int dirfd, const char *name, char **soname, int32_t *flags);

/* The host path of a container's rootfs from the OCI state JSON (its bundle's config.json). */
char *bolt_nv_hook_rootfs(const char *state_json, size_t len, struct bolt_err *err);

/*
 * update-ldcache: every ELF library in folders (container paths) gets its soname link and
 * a cache entry; the rootfs' /etc/ld.so.cache is rewritten with the image's entries kept.
 */
int bolt_nv_hook_update_ldcache(const char *rootfs, char *const *folders, struct bolt_err *err);

/* create-symlinks: each "TARGET::LINK" (LINK absolute in the container). */
int bolt_nv_hook_create_symlinks(const char *rootfs, char *const *links, struct bolt_err *err);

/*
 * The fast path's links into the bundle: like create-symlinks, but a LINK that cannot be made
 * (an existing file that is not a symlink, a read-only rootfs) is returned in *failed
 * ("TARGET::LINK", NULL-terminated) for the caller to bind-mount instead.
 */
int bolt_nv_links_in_rootfs(const char *rootfs, char *const *links, char ***failed,
                            struct bolt_err *err);

/* BOLT_TRACE=1 support: a monotonic clock in nanoseconds. */
long long bolt_nv_now_ns(void);

/* BOLT_TRACE=1 support: this thread's CPU time in nanoseconds (time spent running, not
 * waiting for a CPU: on a loaded machine a phase of microseconds is often preempted). */
long long bolt_nv_cpu_ns(void);

#endif
