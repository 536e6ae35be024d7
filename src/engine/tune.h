/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_ENGINE_TUNE_H
#define BOLT_ENGINE_TUNE_H

/*
 * Tuning a running process for games (`bolt gaming optimize`): CPU affinity of every
 * thread, nice or a real-time policy, I/O priority, OOM score. Reads and writes go through
 * /proc/PID/task and the per-thread syscalls, so threads started later inherit the
 * settings from the thread that creates them.
 */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* ioprio classes (linux/ioprio.h) */
#define BOLT_IOPRIO_NONE 0
#define BOLT_IOPRIO_RT   1
#define BOLT_IOPRIO_BE   2
#define BOLT_IOPRIO_IDLE 3

struct bolt_tune_req {
    const char *cpus; /* cpuset list "0-3,6"; NULL leaves affinity alone */
    bool set_sched;
    bool rt;          /* SCHED_FIFO at rt_priority (else SCHED_OTHER at nice) */
    int rt_priority;  /* 1..99 */
    int nice;         /* -20..19 */
    bool set_ioprio;
    int ioprio_class; /* BOLT_IOPRIO_* */
    int ioprio_level; /* 0..7 */
    bool set_oom;
    int oom_score_adj; /* -1000..1000 */
};

struct bolt_tune_thread {
    pid_t tid;
    char comm[32];
    char cpus[128]; /* affinity as a cpuset list */
    int policy;     /* SCHED_* */
    int rt_priority;
    int nice;
    int ioprio_class, ioprio_level;
};

struct bolt_tune_state {
    pid_t pid;
    int oom_score_adj;
    size_t n_threads;
    struct bolt_tune_thread *threads;
};

/*
 * Scan a CPU list ("0-3,6") against the CPUs of this machine, into set when not NULL.
 * Returns 0; -1 when malformed; -2 when a range is written backwards (*a > *b); -3 when
 * CPU *b does not exist (the machine has *ncpu). Callers word the message for their flag.
 */
int bolt_cpu_list_scan(const char *list, cpu_set_t *set, long *a, long *b, int *ncpu);

/* Parse a cpuset list ("0-3,6") into set; every CPU must exist on this machine.
 * flag names the option for the message. Returns 0 or -1. */
int bolt_tune_parse_cpus(const char *list, const char *flag, cpu_set_t *set, struct bolt_err *err);

/* Format set as a cpuset list ("0-3,6") into buf. */
void bolt_tune_format_cpus(const cpu_set_t *set, char *buf, size_t len);

/* "fifo" etc. for a SCHED_* value. */
const char *bolt_tune_policy_str(int policy);
/* "rt", "be", "idle", "none" for an ioprio class. */
const char *bolt_tune_ioclass_str(int cls);

/* Read the settings of every thread of pid. Returns 0 or -1 (no such process, ...). */
int bolt_tune_read(pid_t pid, struct bolt_tune_state *st, struct bolt_err *err);
void bolt_tune_state_fini(struct bolt_tune_state *st);

/*
 * Apply req to every thread of pid (threads created meanwhile are picked up: the task
 * list is walked until a pass finds no new thread). Checks everything it can before the
 * first change; a permission problem names the privilege (CAP_SYS_NICE, a cgroup v1
 * real-time budget of 0). Returns 0 or -1.
 */
int bolt_tune_apply(pid_t pid, const struct bolt_tune_req *req, struct bolt_err *err);

/*
 * Real-time for containers (`bolt gaming realtime`), persisted in <root>/gaming/realtime.json
 * ({"enabled": bool, "budget_us": N}). When enabled, every container bolt creates gets:
 * CAP_SYS_NICE (so SCHED_FIFO/RR are allowed; it also bypasses RLIMIT_RTPRIO, whose hard
 * limit root cannot raise without CAP_SYS_RESOURCE), RLIMIT_RTPRIO up to what this
 * process' hard limit allows, and on cgroup v1 a real-time budget of budget_us per
 * 1 s period for its cpu cgroup (cgroup2 has no per-group RT budget).
 */
struct bolt_tune_rt_config {
    bool enabled;
    int64_t budget_us; /* per container, per 1000000 us period */
};

#define BOLT_TUNE_RT_DEFAULT_BUDGET 100000

/* Read the setting (absent file = disabled, default budget). Returns 0 or -1. */
int bolt_tune_rt_load(const char *root, struct bolt_tune_rt_config *cfg, struct bolt_err *err);
/* Write it atomically. Returns 0 or -1. */
int bolt_tune_rt_save(const char *root, const struct bolt_tune_rt_config *cfg,
                      struct bolt_err *err);
/* Add the real-time edits to a container's spec when realtime is enabled under root. */
struct bolt_oci_spec;
int bolt_tune_rt_edits(struct bolt_oci_spec *spec, const char *root, struct bolt_err *err);

/*
 * `bolt run --hugepages SIZE`: a hugetlb cgroup limit of SIZE (rounded up to whole pages of
 * the default huge page size, /proc/meminfo Hugepagesize) and a hugetlbfs mount at
 * /dev/hugepages (pagesize = that size, size = the limit). value NULL = nothing.
 * Errors name --hugepages and the fix (e.g. no huge page support in this kernel).
 */
int bolt_tune_hugepages_edits(struct bolt_oci_spec *spec, const char *value,
                              struct bolt_err *err);

#endif
