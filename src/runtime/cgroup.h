/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_CGROUP_H
#define BOLT_CGROUP_H

/*
 * The cgroup layer: one API over cgroup v1, cgroup v2 and the hybrid layout (v1
 * controllers plus a cgroup2 mount that holds the rest, e.g. only hugetlb).
 *
 * The layout is read from /proc/self/mountinfo and /proc/cgroups, never hard-coded.
 * A container's cgroup is one relative path ("/bolt/<id>") created in every mounted
 * hierarchy; a controller is used from the v1 hierarchy that has it, else from the
 * cgroup2 hierarchy when its cgroup.controllers lists it. Device rules go to the v1
 * devices controller when mounted, otherwise to an eBPF BPF_PROG_TYPE_CGROUP_DEVICE
 * program attached to the cgroup2 directory.
 *
 * Typical use by the runtime:
 *   cg = bolt_cgroup_create(spec->linux_.cgroups_path, id, &spec->linux_.resources, &err);
 *   bolt_cgroup_apply_devices(cg, rules, n_rules, &err);   (spec rules + defaults)
 *   bolt_cgroup_enter(cg, child_pid, &err);
 *   s = bolt_cgroup_to_string(cg);  -> state.json
 * and in a later process:
 *   cg = bolt_cgroup_from_string(s, &err); bolt_cgroup_destroy(cg, &err); bolt_cgroup_free(cg);
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "util/err.h"

enum bolt_cgroup_mode {
    BOLT_CGROUP_V1 = 1,     /* only cgroup (v1) hierarchies */
    BOLT_CGROUP_V2 = 2,     /* one cgroup2 hierarchy */
    BOLT_CGROUP_HYBRID = 3, /* v1 hierarchies plus a cgroup2 mount */
};

/* "v1", "v2", "hybrid". */
const char *bolt_cgroup_mode_name(enum bolt_cgroup_mode mode);

/* One mounted hierarchy. */
struct bolt_cgroup_hier {
    bool v2;
    char *mount;        /* mount point, "/sys/fs/cgroup/memory" */
    char *root;         /* mountinfo root of the mount ("/" outside cgroup namespaces) */
    char **controllers; /* NULL-terminated. v1: from the mount options ("cpu", "cpuacct",
                           "name=systemd"); v2: cgroup.controllers of the mount root */
};

struct bolt_cgroup_layout {
    enum bolt_cgroup_mode mode;
    struct bolt_cgroup_hier *hiers;
    size_t n_hiers;
};

/*
 * Pure parser (no syscalls): the cgroup and cgroup2 mounts of a mountinfo text at or
 * below `under` ("/sys/fs/cgroup" when NULL). proc_cgroups (the text of /proc/cgroups,
 * may be NULL) tells controller names from other v1 mount options; without it a
 * fixed list of non-controller options is skipped. v2 controllers are left empty.
 * Returns a new layout or NULL (EINVAL/ENOENT: "no cgroup mount under '...'").
 */
struct bolt_cgroup_layout *bolt_cgroup_layout_parse(const char *mountinfo, const char *proc_cgroups,
                                                    const char *under, struct bolt_err *err);

/*
 * Detect the layout of this process: parse /proc/self/mountinfo and /proc/cgroups for
 * mounts at or below `under` (NULL = "/sys/fs/cgroup"; tests pass a private cgroup2
 * mount point) and read each cgroup2 mount's cgroup.controllers. Returns a new layout.
 */
struct bolt_cgroup_layout *bolt_cgroup_layout_detect(const char *under, struct bolt_err *err);

/* Free a detected layout (NULL is fine). */
void bolt_cgroup_layout_free(struct bolt_cgroup_layout *layout);

/* The host mode (/sys/fs/cgroup). Returns 0 or -1. */
int bolt_cgroup_detect(enum bolt_cgroup_mode *mode, struct bolt_err *err);

/*
 * Resolve linux.cgroupsPath to the path used in every hierarchy:
 *  NULL or ""          -> "/bolt/<id>"
 *  "/a/b"              -> "/a/b" (normalized: "//" and trailing "/" removed)
 *  "a/b" (relative)    -> "/bolt/a/b"
 *  "slice:prefix:name" -> error: needs the systemd cgroup driver (cgroup_systemd.h)
 * ".." components, "/" alone and an id with '/' are errors. *out is a new string.
 * Returns 0 or -1 (errnum 0 for bad input; message names linux.cgroupsPath).
 */
int bolt_cgroup_path_resolve(const char *cgroups_path, const char *id, char **out,
                             struct bolt_err *err);

/* cpu.shares (v1, 2..262144) -> cpu.weight (v2, 1..10000), as runc and crun 1.8 convert:
 * 1 + ((shares - 2) * 9999) / 262142; 0 stays 0 (unset). */
uint64_t bolt_cgroup_shares_to_weight(uint64_t shares);

/* blkio.weight (10..1000) -> io.weight (1..10000); 0 stays 0 (unset). */
uint64_t bolt_cgroup_blkio_to_io_weight(uint64_t weight);

struct bolt_cgroup; /* opaque handle */

/*
 * Create the container cgroup in every hierarchy of the host layout (cgroups_path as in
 * bolt_cgroup_path_resolve), enable controllers down the cgroup2 path
 * (cgroup.subtree_control), fill empty v1 cpuset.cpus/mems from the parent, and apply
 * res (may be NULL): memory, swap, reservation, swappiness, oom killer, cpu shares/
 * quota/period/rt/cpus/mems, pids, hugepage limits, blkio weight. res->devices are NOT
 * applied here: call bolt_cgroup_apply_devices with the full rule list.
 * An existing leaf directory is an error (EEXIST) so two containers never share one.
 * On failure nothing created is left behind. Returns a new handle or NULL.
 */
struct bolt_cgroup *bolt_cgroup_create(const char *cgroups_path, const char *id,
                                       const struct bolt_oci_resources *res, struct bolt_err *err);

/* Same with an explicit layout (tests: a private cgroup2 mount). The layout is copied. */
struct bolt_cgroup *bolt_cgroup_create_in(const struct bolt_cgroup_layout *layout,
                                          const char *cgroups_path, const char *id,
                                          const struct bolt_oci_resources *res,
                                          struct bolt_err *err);

/* Move pid (all its threads) into the cgroup in every hierarchy. Returns 0 or -1. */
int bolt_cgroup_enter(struct bolt_cgroup *cg, pid_t pid, struct bolt_err *err);

/*
 * Pure cgroup2 only: an O_DIRECTORY fd of the cgroup for clone3(CLONE_INTO_CGROUP), so
 * the child starts inside it and bolt_cgroup_enter (a migration that waits for an RCU
 * grace period, milliseconds) is not needed. Other layouts: -1 with EOPNOTSUPP (use
 * bolt_cgroup_enter). The caller closes the fd.
 */
int bolt_cgroup_clone_fd(const struct bolt_cgroup *cg, struct bolt_err *err);

/*
 * Replace the device policy with rules (OCI semantics: in order, later rules win; a
 * type 'a' rule with wildcard major/minor resets the default to allow/deny). v1:
 * devices.deny/devices.allow writes; v2: an eBPF program attached with BPF_PROG_ATTACH
 * (replacing the previous one). n == 0 leaves devices unrestricted. Returns 0 or -1.
 */
int bolt_cgroup_apply_devices(struct bolt_cgroup *cg, const struct bolt_oci_device_rule *rules,
                              size_t n, struct bolt_err *err);

/* The rules runc/crun always allow (null, zero, full, tty, random, urandom, console,
 * ptmx, pts/N), with mknod of any char/block device. *n gets the count; static storage. */
const struct bolt_oci_device_rule *bolt_cgroup_default_device_rules(size_t *n);

/* Apply new limits to a live cgroup (same fields as create, devices excluded). */
int bolt_cgroup_update(struct bolt_cgroup *cg, const struct bolt_oci_resources *res,
                       struct bolt_err *err);

/* Freeze (true) or thaw (false) every process (v1 freezer, v2 cgroup.freeze); waits
 * until the kernel reports the state reached. Returns 0 or -1. */
int bolt_cgroup_freeze(struct bolt_cgroup *cg, bool frozen, struct bolt_err *err);

/* Send sig to every process: freeze, signal each pid, thaw (so none can fork away); on
 * cgroup2 SIGKILL uses cgroup.kill. The calling process is never frozen or signalled.
 * Returns 0 or -1 (a pid that is already gone is not an error). */
int bolt_cgroup_kill_all(struct bolt_cgroup *cg, int sig, struct bolt_err *err);

/* The pids in the cgroup (cgroup.procs), sorted. *pids is a new array (free()). */
int bolt_cgroup_pids(struct bolt_cgroup *cg, pid_t **pids, size_t *n, struct bolt_err *err);

/* True when no process is left in the cgroup (or it no longer exists). */
bool bolt_cgroup_is_empty(struct bolt_cgroup *cg);

struct bolt_cgroup_stats {
    bool has_cpu;
    uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
    bool has_memory;
    uint64_t memory_usage, memory_max_usage; /* bytes; max_usage 0 if unknown (v2) */
    uint64_t memory_limit;                   /* UINT64_MAX = unlimited */
    uint64_t memory_cache;                   /* page cache bytes */
    uint64_t oom_kills;                      /* processes killed by the OOM killer */
    uint64_t memory_failcnt;                 /* times the limit was hit (v1) / "max" events */
    bool has_pids;
    uint64_t pids_current;
    uint64_t pids_limit; /* UINT64_MAX = unlimited */
    bool has_io;
    uint64_t io_read_bytes, io_write_bytes; /* all block devices */
};

/* Read usage counters. Controllers that are not available leave has_* false. */
int bolt_cgroup_stats(struct bolt_cgroup *cg, struct bolt_cgroup_stats *st, struct bolt_err *err);

/*
 * Real-time budget (v1 cpu.rt_runtime_us / cpu.rt_period_us): lets SCHED_FIFO/RR threads
 * run in the cgroup. period_us 0 keeps the current period. The kernel wants each parent's
 * budget to cover the sum of its children's, so every ancestor below the mount is first
 * raised to exactly that sum (never lowered); past the root's budget
 * (kernel.sched_rt_runtime_us) the error says so. cgroup2 has no per-group RT budget:
 * EOPNOTSUPP with a message saying so. Returns 0 or -1.
 */
int bolt_cgroup_set_rt_budget(struct bolt_cgroup *cg, int64_t runtime_us, uint64_t period_us,
                              struct bolt_err *err);

/*
 * Kill leftover processes (SIGKILL, waits up to 2 s for them to go), remove the leaf in
 * every hierarchy, the parents this handle created, and parents up to /bolt (bolt's
 * own tree) when they are empty. Missing directories are fine; calling it twice is
 * fine. Returns 0 or -1 (the first failure; it still tries every directory).
 */
int bolt_cgroup_destroy(struct bolt_cgroup *cg, struct bolt_err *err);

/*
 * A handle on the cgroup a running process is in, for stats, pids, freeze and kill (bolt
 * stats/top on a container whose handle string is not at hand). The path comes from
 * /proc/<pid>/cgroup: the pids, then memory, then cgroup2 line. The handle owns no
 * directory, so destroy removes nothing (it still kills what is inside). A process in
 * the root cgroup is an error (EINVAL). Returns a new handle or NULL.
 */
struct bolt_cgroup *bolt_cgroup_from_pid(pid_t pid, struct bolt_err *err);

/* Free the handle (does not touch the cgroups). NULL is fine. */
void bolt_cgroup_free(struct bolt_cgroup *cg);

/* The resolved path ("/bolt/<id>"), borrowed. */
const char *bolt_cgroup_path(const struct bolt_cgroup *cg);

/* The cgroup mode of the layout cg was created under. */
enum bolt_cgroup_mode bolt_cgroup_mode(const struct bolt_cgroup *cg);

/*
 * Directory of the cgroup for a controller ("memory", "pids", "name=systemd"), or of
 * the cgroup2 directory when controller is NULL. Borrowed; NULL if unavailable.
 */
const char *bolt_cgroup_dir(const struct bolt_cgroup *cg, const char *controller);

/*
 * Serialize the handle (layout, path, directories created) to a JSON string the
 * runtime stores in state.json; restore it in a later process. to_string returns a
 * new string; from_string returns a new handle or NULL (message names the bad field).
 */
char *bolt_cgroup_to_string(const struct bolt_cgroup *cg);
struct bolt_cgroup *bolt_cgroup_from_string(const char *s, struct bolt_err *err);

struct bpf_insn;

/*
 * The eBPF device program builder, exposed for unit tests. Builds
 * BPF_PROG_TYPE_CGROUP_DEVICE instructions (struct bpf_insn, 8 bytes each) for rules
 * with the semantics of bolt_cgroup_apply_devices. *insns is a new array; *n_insns its
 * count. Returns 0 or -1 (EINVAL for a rule with a bad type or access).
 */
int bolt_cgroup_bpf_build(const struct bolt_oci_device_rule *rules, size_t n,
                          struct bpf_insn **insns, size_t *n_insns, struct bolt_err *err);

#endif
