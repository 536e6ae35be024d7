/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BOLT_NVBIND_GPUSEL_H
#define BOLT_NVBIND_GPUSEL_H

/*
 * GPU selection and requirement syntax, pure (no syscalls, fuzzed):
 *  - bolt's `--gpu all|none|void|0|0,2|GPU-<uuid>|MIG-<uuid>|gpu:0|0:1`
 *  - docker's `--gpus` CSV record (`all`, `N`, `count=N|all`, `"device=0,1"`,
 *    `capabilities=a,b`, `driver=nvidia`, `options=...`)
 *  - the image/process environment: NVIDIA_VISIBLE_DEVICES, NVIDIA_DRIVER_CAPABILITIES,
 *    NVIDIA_REQUIRE_* (space = OR, comma = AND), NVIDIA_DISABLE_REQUIRE, CUDA_VERSION.
 * Resolution against a host (bolt_gpusel_resolve) takes the host facts as plain arrays, so
 * this file does not depend on discovery; plan users pass their plan's GPUs.
 */

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum bolt_gpusel_kind {
    BOLT_GPUSEL_UNSET = 0, /* nothing requested (or "void"): no GPU, no driver files */
    BOLT_GPUSEL_NONE,      /* driver files but no GPU device node ("none") */
    BOLT_GPUSEL_ALL,
    BOLT_GPUSEL_COUNT, /* the first count GPUs */
    BOLT_GPUSEL_LIST,
};

enum bolt_gpusel_dev_type {
    BOLT_GPUSEL_DEV_INDEX,    /* "0", "gpu:0" */
    BOLT_GPUSEL_DEV_UUID,     /* "GPU-..." */
    BOLT_GPUSEL_DEV_MIG_UUID, /* "MIG-..." or "MIG-GPU-<uuid>/<gi>/<ci>" */
    BOLT_GPUSEL_DEV_MIG_INDEX, /* "0:1": GPU 0, MIG device 1 */
};

struct bolt_gpusel_dev {
    enum bolt_gpusel_dev_type type;
    unsigned index, mig; /* INDEX / MIG_INDEX */
    char *uuid;          /* UUID / MIG_UUID */
};

struct bolt_gpusel {
    enum bolt_gpusel_kind kind;
    unsigned count; /* COUNT */
    struct bolt_gpusel_dev *devs;
    size_t n_devs;
    unsigned caps;  /* enum bolt_nv_cap bits (plan.h); see caps_set */
    bool caps_set;  /* false: the default (utility,compute) applies */
};

/* Free what a selection owns; sel itself is the caller's. */
void bolt_gpusel_fini(struct bolt_gpusel *sel);

/* bolt's --gpu value. Errors: "--gpu 'x': ..." with the accepted forms. */
int bolt_gpusel_parse_gpu(const char *value, struct bolt_gpusel *out, struct bolt_err *err);

/* docker's --gpus value (one CSV record). */
int bolt_gpusel_parse_docker(const char *value, struct bolt_gpusel *out, struct bolt_err *err);

/* A device list as in NVIDIA_VISIBLE_DEVICES (what= names the source in errors). */
int bolt_gpusel_parse_devices(const char *value, const char *what, struct bolt_gpusel *out,
                              struct bolt_err *err);

/* "compute,utility" / "all" into enum bolt_nv_cap bits; unknown names are an error. */
int bolt_gpusel_parse_caps(const char *value, const char *what, unsigned *caps,
                           struct bolt_err *err);

/* ---- requirements (NVIDIA_REQUIRE_*) ---- */

enum bolt_gpureq_prop { BOLT_GPUREQ_CUDA, BOLT_GPUREQ_DRIVER, BOLT_GPUREQ_ARCH, BOLT_GPUREQ_BRAND };
enum bolt_gpureq_op { BOLT_GPUREQ_EQ, BOLT_GPUREQ_NE, BOLT_GPUREQ_LT, BOLT_GPUREQ_LE,
                      BOLT_GPUREQ_GT, BOLT_GPUREQ_GE };

struct bolt_gpureq_term {
    enum bolt_gpureq_prop prop;
    enum bolt_gpureq_op op;
    char *value;
};

/* One alternative: every term must hold (comma = AND). */
struct bolt_gpureq_alt {
    struct bolt_gpureq_term *terms;
    size_t n_terms;
};

/* One NVIDIA_REQUIRE_* variable: any alternative may hold (space = OR). */
struct bolt_gpureq_clause {
    char *source; /* "NVIDIA_REQUIRE_CUDA" or "--require" */
    char *text;   /* the original value */
    struct bolt_gpureq_alt *alts;
    size_t n_alts;
};

/* All requirements (clauses are ANDed). */
struct bolt_gpureq {
    struct bolt_gpureq_clause *clauses;
    size_t n_clauses;
};

/* Free the clauses of a requirement; req itself is the caller's. */
void bolt_gpureq_fini(struct bolt_gpureq *req);

/* Add one requirement value (e.g. "cuda>=12.0 brand=tesla,driver>=470"). */
int bolt_gpureq_add(struct bolt_gpureq *req, const char *source, const char *value,
                    struct bolt_err *err);

/* The host facts a requirement is checked against. */
struct bolt_gpureq_host {
    const char *cuda;   /* "12.4" */
    const char *driver; /* "550.54.15" */
    const char *const *archs;  /* compute capability per selected GPU, "8.9" */
    const char *const *brands; /* brand per selected GPU, "tesla" */
    size_t n_gpus;
};

/*
 * Check req against host: arch and brand terms must hold for every selected GPU. Returns 0,
 * or -1 with err "NVIDIA_REQUIRE_CUDA 'cuda>=12.6' is not met: this host has CUDA 12.4
 * (driver 550.54.15)".
 */
int bolt_gpureq_check(const struct bolt_gpureq *req, const struct bolt_gpureq_host *host,
                      struct bolt_err *err);

/* Compare dotted versions numerically ("12.10" > "12.9"); missing parts are 0. */
int bolt_gpureq_vercmp(const char *a, const char *b);

/* ---- environment ---- */

/*
 * Read a container environment (NULL-terminated "K=V" strings): NVIDIA_VISIBLE_DEVICES
 * (unset -> UNSET, or ALL for legacy images that set CUDA_VERSION without
 * NVIDIA_REQUIRE_CUDA), NVIDIA_DRIVER_CAPABILITIES, NVIDIA_REQUIRE_* unless
 * NVIDIA_DISABLE_REQUIRE is true, and CUDA_VERSION -> "cuda>=X.Y" for legacy images.
 */
int bolt_gpusel_from_env(char *const *env, struct bolt_gpusel *sel, struct bolt_gpureq *req,
                         struct bolt_err *err);

/* ---- resolution ---- */

/* One host GPU as resolution needs it. */
struct bolt_gpusel_host_gpu {
    const char *name, *uuid;
    const char *const *mig_uuids;
    size_t n_migs;
};

/* A resolved device: GPU index and MIG index (-1 = the whole GPU). */
struct bolt_gpusel_pick {
    unsigned gpu;
    int mig;
};

/*
 * Resolve sel against the host GPUs into *picks (heap, caller frees; no duplicates, in
 * request order). Unknown devices fail with "unknown GPU 5; this host has GPUs 0 (NVIDIA L4,
 * GPU-...), 1 (...)".
 */
int bolt_gpusel_resolve(const struct bolt_gpusel *sel, const struct bolt_gpusel_host_gpu *gpus,
                        size_t n_gpus, struct bolt_gpusel_pick **picks, size_t *n_picks,
                        struct bolt_err *err);

#endif
