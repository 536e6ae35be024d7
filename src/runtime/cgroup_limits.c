/* SPDX-License-Identifier: Apache-2.0 */
/* Writing linux.resources into cgroup files, for v1 and cgroup2 controllers. */
#include "runtime/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup_internal.h"
#include "util/log.h"
#include "util/mem.h"

struct ctl {
    const char *dir;
    bool v2;
};

/* cgroup2: the parent must have delegated the controller (its cgroup.subtree_control). */
static int
v2_enabled(const char *dir, const char *name, const char *what, struct bolt_err *err)
{
    cleanup_free char *have = cgroup_read(dir, "cgroup.controllers", err);
    size_t n = strlen(name);

    if (have == NULL)
        return -1;
    for (const char *p = have; (p = strstr(p, name)) != NULL; p += n)
        if ((p == have || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return 0;
    return bolt_err_set(err, EOPNOTSUPP,
                        "%s: the '%s' controller is not enabled for '%s' (its parent's "
                        "cgroup.subtree_control refused it; see the warning above)",
                        what, name, dir);
}

/* The directory serving controller name, or an error naming the request and the layout. */
static int
ctl_get(struct bolt_cgroup *cg, const char *name, const char *what, struct ctl *out,
        struct bolt_err *err)
{
    int i = cgroup_hier_for(cg->layout, name);
    cleanup_free char *desc = NULL;

    if (i >= 0) {
        out->dir = cg->dirs[i];
        out->v2 = cg->layout->hiers[i].v2;
        return out->v2 ? v2_enabled(out->dir, name, what, err) : 0;
    }
    desc = cgroup_layout_describe(cg->layout);
    return bolt_err_set(err, EOPNOTSUPP,
                        "%s: this host has no '%s' cgroup controller (layout %s); mount it "
                        "(v1) or enable it in cgroup.subtree_control (v2), or drop the limit",
                        what, name, desc);
}

static int
write_i64(const char *dir, const char *file, int64_t v, const char *unlimited, struct bolt_err *err)
{
    char buf[32];

    if (v < 0)
        return cgroup_write(dir, file, unlimited, err);
    snprintf(buf, sizeof(buf), "%" PRId64, v);
    return cgroup_write(dir, file, buf, err);
}

static int
write_u64(const char *dir, const char *file, uint64_t v, struct bolt_err *err)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    return cgroup_write(dir, file, buf, err);
}

/* v1: memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes at every step. */
static int
memory_v1_limits(const char *dir, const struct bolt_oci_resources *r, struct bolt_err *err)
{
    bool swap = r->has_memory_swap;

    if (swap && !cgroup_has_file(dir, "memory.memsw.limit_in_bytes")) {
        if (r->memory_swap < 0 || (r->has_memory_limit && r->memory_swap == r->memory_limit)) {
            swap = false; /* no swap accounting (swapaccount=0): nothing to limit */
        } else {
            return bolt_err_set(err, EOPNOTSUPP,
                                "linux.resources.memory.swap: this kernel does not account swap "
                                "per cgroup (no memory.memsw.limit_in_bytes; boot with "
                                "swapaccount=1) - set swap equal to limit or drop it");
        }
    }
    if (r->has_memory_limit) {
        struct bolt_err first = {0};
        if (write_i64(dir, "memory.limit_in_bytes", r->memory_limit, "-1", &first) < 0) {
            if (!swap || (first.errnum != EINVAL && first.errnum != EBUSY)) {
                *err = first;
                return -1;
            }
            /* Raising the limit above the current memsw limit: memsw first. */
            if (write_i64(dir, "memory.memsw.limit_in_bytes", r->memory_swap, "-1", err) < 0)
                return -1;
            return write_i64(dir, "memory.limit_in_bytes", r->memory_limit, "-1", err);
        }
    }
    if (swap && write_i64(dir, "memory.memsw.limit_in_bytes", r->memory_swap, "-1", err) < 0) {
        if (err && err->errnum == EINVAL)
            return bolt_err_set(err, EINVAL,
                                "linux.resources.memory.swap %" PRId64 " is below the memory "
                                "limit: on cgroup v1 it counts memory plus swap, so set it >= "
                                "memory.limit",
                                r->memory_swap);
        return -1;
    }
    return 0;
}

static int
memory_v2_swap(const char *dir, const struct bolt_oci_resources *r, struct bolt_err *err)
{
    int64_t swap_max = -1;

    /* OCI memory.swap is memory+swap; cgroup2 memory.swap.max is swap alone. */
    if (r->memory_swap >= 0) {
        swap_max = r->memory_swap;
        if (r->has_memory_limit && r->memory_limit >= 0) {
            if (r->memory_swap < r->memory_limit)
                return bolt_err_set(err, 0,
                                    "linux.resources.memory.swap (%" PRId64 ") must be >= "
                                    "memory.limit (%" PRId64 "): it counts memory plus swap",
                                    r->memory_swap, r->memory_limit);
            swap_max = r->memory_swap - r->memory_limit;
        }
    }
    if (!cgroup_has_file(dir, "memory.swap.max")) {
        if (swap_max <= 0)
            return 0; /* no swap accounting and no swap wanted */
        return bolt_err_set(err, EOPNOTSUPP,
                            "linux.resources.memory.swap: no memory.swap.max in '%s' (kernel "
                            "without swap accounting) - set swap equal to limit or drop it",
                            dir);
    }
    return write_i64(dir, "memory.swap.max", swap_max, "max", err);
}

static int
apply_memory(struct bolt_cgroup *cg, const struct bolt_oci_resources *r, struct bolt_err *err)
{
    struct ctl c;

    if (!r->has_memory_limit && !r->has_memory_swap && !r->has_memory_reservation
        && !r->has_memory_swappiness && !r->disable_oom_killer)
        return 0;
    if (ctl_get(cg, "memory", "linux.resources.memory", &c, err) < 0)
        return -1;
    if (!c.v2) {
        if (memory_v1_limits(c.dir, r, err) < 0)
            return -1;
        if (r->has_memory_reservation
            && write_i64(c.dir, "memory.soft_limit_in_bytes", r->memory_reservation, "-1", err) < 0)
            return -1;
        if (r->has_memory_swappiness && r->memory_swappiness <= 100
            && write_u64(c.dir, "memory.swappiness", r->memory_swappiness, err) < 0)
            return -1;
        if (r->has_memory_swappiness && r->memory_swappiness > 100)
            return bolt_err_set(err, 0,
                                "linux.resources.memory.swappiness %" PRIu64 ": expected 0..100",
                                r->memory_swappiness);
        if (r->disable_oom_killer && cgroup_write(c.dir, "memory.oom_control", "1", err) < 0)
            return -1;
        return 0;
    }
    if (r->has_memory_limit && write_i64(c.dir, "memory.max", r->memory_limit, "max", err) < 0)
        return -1;
    if (r->has_memory_swap && memory_v2_swap(c.dir, r, err) < 0)
        return -1;
    if (r->has_memory_reservation
        && write_i64(c.dir, "memory.low", r->memory_reservation, "0", err) < 0)
        return -1;
    if (r->has_memory_swappiness)
        log_warn("linux.resources.memory.swappiness ignored: cgroup2 has no per-cgroup swappiness");
    if (r->disable_oom_killer)
        log_warn("linux.resources.memory.disableOOMKiller ignored: cgroup2 cannot disable the "
                 "OOM killer per cgroup");
    return 0;
}

static int
apply_cpu_v1(struct bolt_cgroup *cg, const char *dir, const struct bolt_oci_resources *r,
             struct bolt_err *err)
{
    if (r->has_cpu_shares && write_u64(dir, "cpu.shares", r->cpu_shares, err) < 0)
        return -1;
    if (r->has_cpu_period && write_u64(dir, "cpu.cfs_period_us", r->cpu_period, err) < 0)
        return -1;
    if (r->has_cpu_quota
        && write_i64(dir, "cpu.cfs_quota_us", r->cpu_quota > 0 ? r->cpu_quota : -1, "-1", err) < 0)
        return -1;
    if (r->has_cpu_rt_runtime || r->has_cpu_rt_period) {
        int64_t rt = r->has_cpu_rt_runtime ? r->cpu_rt_runtime : 0;
        uint64_t period = r->has_cpu_rt_period ? r->cpu_rt_period : 0;
        if (bolt_cgroup_set_rt_budget(cg, rt, period, err) < 0)
            return -1;
    }
    return 0;
}

static int
apply_cpu_v2(const char *dir, const struct bolt_oci_resources *r, struct bolt_err *err)
{
    if (r->has_cpu_shares && r->cpu_shares > 0
        && write_u64(dir, "cpu.weight", bolt_cgroup_shares_to_weight(r->cpu_shares), err) < 0)
        return -1;
    if (r->has_cpu_quota || r->has_cpu_period) {
        char buf[64];
        uint64_t period = r->has_cpu_period && r->cpu_period > 0 ? r->cpu_period : 100000;
        if (r->has_cpu_quota && r->cpu_quota > 0)
            snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, r->cpu_quota, period);
        else
            snprintf(buf, sizeof(buf), "max %" PRIu64, period);
        if (cgroup_write(dir, "cpu.max", buf, err) < 0)
            return -1;
    }
    if ((r->has_cpu_rt_runtime && r->cpu_rt_runtime > 0))
        return bolt_err_set(err, EOPNOTSUPP,
                            "linux.resources.cpu.realtimeRuntime: cgroup2 has no per-cgroup "
                            "real-time budget; drop it (the global kernel.sched_rt_runtime_us "
                            "applies)");
    return 0;
}

static int
apply_cpu(struct bolt_cgroup *cg, const struct bolt_oci_resources *r, struct bolt_err *err)
{
    struct ctl c;

    if (r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period || r->has_cpu_rt_runtime
        || r->has_cpu_rt_period) {
        if (ctl_get(cg, "cpu", "linux.resources.cpu", &c, err) < 0)
            return -1;
        if ((c.v2 ? apply_cpu_v2(c.dir, r, err) : apply_cpu_v1(cg, c.dir, r, err)) < 0)
            return -1;
    }
    if ((r->cpu_cpus && r->cpu_cpus[0]) || (r->cpu_mems && r->cpu_mems[0])) {
        if (ctl_get(cg, "cpuset", "linux.resources.cpu.cpus/mems", &c, err) < 0)
            return -1;
        if (r->cpu_cpus && r->cpu_cpus[0]
            && cgroup_write(c.dir, "cpuset.cpus", r->cpu_cpus, err) < 0)
            return -1;
        if (r->cpu_mems && r->cpu_mems[0]
            && cgroup_write(c.dir, "cpuset.mems", r->cpu_mems, err) < 0)
            return -1;
    }
    return 0;
}

/* "2MB 1GB" from the hugetlb.<size>.* files in dir, for error messages. */
static char *
hugetlb_sizes(const char *dir, const char *suffix)
{
    cleanup_dir DIR *d = opendir(dir);
    char *out = xstrdup("");
    struct dirent *e;

    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), s = strlen(suffix);
        if (strncmp(e->d_name, "hugetlb.", 8) != 0 || n <= 8 + s
            || strcmp(e->d_name + n - s, suffix) != 0)
            continue;
        char *next = xasprintf("%s%s%.*s", out, out[0] ? " " : "", (int)(n - 8 - s), e->d_name + 8);
        free(out);
        out = next;
    }
    return out;
}

static int
apply_hugetlb(struct bolt_cgroup *cg, const struct bolt_oci_resources *r, struct bolt_err *err)
{
    struct ctl c;

    if (r->n_hugepage_limits == 0)
        return 0;
    if (ctl_get(cg, "hugetlb", "linux.resources.hugepageLimits", &c, err) < 0)
        return -1;
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const char *size = r->hugepage_limits[i].page_size;
        const char *suffix = c.v2 ? ".max" : ".limit_in_bytes";
        cleanup_free char *file = xasprintf("hugetlb.%s%s", size ? size : "", suffix);
        if (size == NULL || strchr(size, '/') || !cgroup_has_file(c.dir, file)) {
            cleanup_free char *have = hugetlb_sizes(c.dir, suffix);
            return bolt_err_set(err, 0,
                                "linux.resources.hugepageLimits[%zu].pageSize '%s': no such huge "
                                "page size on this host (have: %s)",
                                i, size ? size : "", have[0] ? have : "none");
        }
        if (write_u64(c.dir, file, r->hugepage_limits[i].limit, err) < 0)
            return -1;
    }
    return 0;
}

static int
apply_blkio(struct bolt_cgroup *cg, const struct bolt_oci_resources *r, struct bolt_err *err)
{
    struct ctl c;
    const char *ctl = cgroup_hier_for(cg->layout, "blkio") >= 0 ? "blkio" : "io";

    if (!r->has_blkio_weight || r->blkio_weight == 0)
        return 0;
    if (r->blkio_weight < 10 || r->blkio_weight > 1000)
        return bolt_err_set(err, 0, "linux.resources.blockIO.weight %u: expected 10..1000",
                            r->blkio_weight);
    if (ctl_get(cg, ctl, "linux.resources.blockIO.weight", &c, err) < 0)
        return -1;
    if (!c.v2) {
        if (cgroup_has_file(c.dir, "blkio.weight"))
            return write_u64(c.dir, "blkio.weight", r->blkio_weight, err);
        if (cgroup_has_file(c.dir, "blkio.bfq.weight"))
            return write_u64(c.dir, "blkio.bfq.weight", r->blkio_weight, err);
    } else {
        if (cgroup_has_file(c.dir, "io.bfq.weight"))
            return write_u64(c.dir, "io.bfq.weight", r->blkio_weight, err);
        if (cgroup_has_file(c.dir, "io.weight"))
            return write_u64(c.dir, "io.weight", bolt_cgroup_blkio_to_io_weight(r->blkio_weight),
                             err);
    }
    return bolt_err_set(err, EOPNOTSUPP,
                        "linux.resources.blockIO.weight: '%s' has no weight file (I/O weights "
                        "need the bfq scheduler on the disk); drop the weight",
                        c.dir);
}

int
cgroup_apply_resources(struct bolt_cgroup *cg, const struct bolt_oci_resources *r,
                       struct bolt_err *err)
{
    if (r == NULL)
        return 0;
    if (apply_memory(cg, r, err) < 0 || apply_cpu(cg, r, err) < 0)
        return -1;
    if (r->has_pids_limit) {
        struct ctl c;
        if (ctl_get(cg, "pids", "linux.resources.pids.limit", &c, err) < 0)
            return -1;
        if (write_i64(c.dir, "pids.max", r->pids_limit > 0 ? r->pids_limit : -1, "max", err) < 0)
            return -1;
    }
    if (apply_hugetlb(cg, r, err) < 0 || apply_blkio(cg, r, err) < 0)
        return -1;
    return 0;
}

int
bolt_cgroup_update(struct bolt_cgroup *cg, const struct bolt_oci_resources *res,
                   struct bolt_err *err)
{
    if (cgroup_apply_resources(cg, res, err) < 0)
        return bolt_err_wrap(err, "update cgroup '%s'", cg->path);
    return 0;
}

static int64_t
read_i64(const char *dir, const char *file, int64_t dflt)
{
    cleanup_free char *s = cgroup_read(dir, file, NULL);

    return s ? strtoll(s, NULL, 10) : dflt;
}

static double
rt_ratio(const char *dir)
{
    int64_t rt = read_i64(dir, "cpu.rt_runtime_us", 0);
    int64_t period = read_i64(dir, "cpu.rt_period_us", 1000000);

    return rt > 0 && period > 0 ? (double)rt / (double)period : 0.0;
}

/* Sum of the RT budgets (as fractions of a CPU) of dir's children, except skip. */
static double
rt_children(const char *dir, const char *skip)
{
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *e;
    double sum = 0.0;

    while (d && (e = readdir(d)) != NULL) {
        cleanup_free char *child = NULL;
        if (e->d_type != DT_DIR || e->d_name[0] == '.' || strcmp(e->d_name, skip) == 0)
            continue;
        child = xasprintf("%s/%s", dir, e->d_name);
        sum += rt_ratio(child);
    }
    return sum;
}

/*
 * The kernel wants every parent's RT budget to cover the sum of its children's. Work out,
 * bottom-up, what each ancestor below the mount needs for the leaf to get `want` (a
 * fraction of a CPU), then raise them top-down (a child can only grow into room its
 * parent already has). Budgets are only ever raised.
 */
static int
rt_grow_ancestors(const char *mount, const char *path, double want, struct bolt_err *err)
{
    cleanup_strv char **anc = NULL;
    cleanup_free double *need = NULL;
    size_t n;

    for (const char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        cleanup_free char *a = xasprintf("%s%.*s", mount, (int)(p - path), path);
        bolt_strv_push(&anc, a);
    }
    n = bolt_strv_len(anc);
    need = xcalloc(n + 1, sizeof(*need));
    for (size_t j = n; j > 0; j--) {
        const char *next = j < n ? anc[j] : NULL;
        const char *skip = strrchr(next ? next : path, '/') + 1;
        double cur = rt_ratio(anc[j - 1]);
        need[j - 1] = rt_children(anc[j - 1], skip) + want;
        if (need[j - 1] < cur)
            need[j - 1] = cur;
        want = need[j - 1];
    }
    for (size_t j = 0; j < n; j++) {
        int64_t period = read_i64(anc[j], "cpu.rt_period_us", 1000000);
        int64_t rt = (int64_t)(need[j] * (double)period + 0.999);
        if (rt <= read_i64(anc[j], "cpu.rt_runtime_us", 0))
            continue;
        if (write_i64(anc[j], "cpu.rt_runtime_us", rt, "-1", err) < 0)
            return bolt_err_wrap(err,
                                 "real-time budget: the budgets under a cgroup cannot add up to "
                                 "more than its own (at the root: kernel.sched_rt_runtime_us)");
    }
    return 0;
}

int
bolt_cgroup_set_rt_budget(struct bolt_cgroup *cg, int64_t runtime_us, uint64_t period_us,
                          struct bolt_err *err)
{
    struct ctl c;
    int i;
    char buf[32];

    if (ctl_get(cg, "cpu", "real-time budget", &c, err) < 0)
        return -1;
    if (c.v2)
        return bolt_err_set(err, EOPNOTSUPP,
                            "real-time budget: cgroup2 has no per-cgroup cpu.rt_runtime_us; "
                            "real-time threads are bounded by kernel.sched_rt_runtime_us");
    if (!cgroup_has_file(c.dir, "cpu.rt_runtime_us"))
        return bolt_err_set(err, EOPNOTSUPP,
                            "real-time budget: '%s' has no cpu.rt_runtime_us (kernel built "
                            "without CONFIG_RT_GROUP_SCHED)",
                            c.dir);
    if (period_us == 0)
        period_us = (uint64_t)read_i64(c.dir, "cpu.rt_period_us", 1000000);
    if (runtime_us > (int64_t)period_us)
        return bolt_err_set(
            err, 0, "real-time budget: runtime %" PRId64 " us exceeds the period %" PRIu64 " us",
            runtime_us, period_us);
    i = cgroup_hier_for(cg->layout, "cpu");
    if (runtime_us > 0
        && rt_grow_ancestors(cg->layout->hiers[i].mount, cg->path,
                             (double)runtime_us / (double)period_us, err)
               < 0)
        return -1;
    /* runtime must stay <= period at every step. */
    snprintf(buf, sizeof(buf), "%" PRIu64, period_us);
    if (cgroup_write(c.dir, "cpu.rt_period_us", buf, NULL) < 0) {
        if (write_i64(c.dir, "cpu.rt_runtime_us", runtime_us, "-1", err) < 0)
            return -1;
        return cgroup_write(c.dir, "cpu.rt_period_us", buf, err);
    }
    return write_i64(c.dir, "cpu.rt_runtime_us", runtime_us, "-1", err);
}
