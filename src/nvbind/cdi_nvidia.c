/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `nvbind cdi generate`: the plan's edits written as a CDI spec for kind nvidia.com/gpu.
 * Spec-level edits carry the control nodes, every driver file at its host path (CDI mode
 * does not filter by capability), NVIDIA_VISIBLE_DEVICES=void (so a legacy hook or the
 * nvbind runtime does not inject a second time) and the createContainer hooks; device
 * edits carry /dev/nvidiaN, DRI nodes and MIG capability nodes.
 */
#include "nvbind/inject.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"

static int
add_dev(struct bolt_cdi_spec *s, const struct bolt_nv_plan *plan, const char *name, unsigned gpu,
        int mig, const struct bolt_nv_edits_opts *o, struct bolt_err *err)
{
    struct bolt_cdi_device *d = bolt_cdi_spec_add_device(s, name);

    return bolt_nv_edits_device(plan, gpu, mig, BOLT_NV_CAP_ALL, o, &d->edits, err);
}

static int
gpu_devices(struct bolt_cdi_spec *s, const struct bolt_nv_plan *plan, unsigned strategies,
            const struct bolt_nv_edits_opts *o, struct bolt_err *err)
{
    char name[128];

    for (unsigned i = 0; i < plan->n_gpus; i++) {
        const struct bolt_nv_gpu *g = &plan->gpus[i];
        if (strategies & BOLT_NV_CDI_NAMES_INDEX) {
            snprintf(name, sizeof(name), "%u", i);
            if (add_dev(s, plan, name, i, -1, o, err) < 0)
                return -1;
        }
        if ((strategies & BOLT_NV_CDI_NAMES_UUID) && g->uuid
            && add_dev(s, plan, g->uuid, i, -1, o, err) < 0)
            return -1;
        if (strategies & BOLT_NV_CDI_NAMES_TYPE_INDEX) {
            snprintf(name, sizeof(name), "gpu%u", i);
            if (add_dev(s, plan, name, i, -1, o, err) < 0)
                return -1;
        }
        for (size_t m = 0; m < g->n_migs; m++) {
            if (strategies & BOLT_NV_CDI_NAMES_INDEX) {
                snprintf(name, sizeof(name), "%u:%zu", i, m);
                if (add_dev(s, plan, name, i, (int)m, o, err) < 0)
                    return -1;
            }
            if ((strategies & BOLT_NV_CDI_NAMES_UUID) && g->migs[m].uuid
                && add_dev(s, plan, g->migs[m].uuid, i, (int)m, o, err) < 0)
                return -1;
            if (strategies & BOLT_NV_CDI_NAMES_TYPE_INDEX) {
                snprintf(name, sizeof(name), "mig%u:%zu", i, m);
                if (add_dev(s, plan, name, i, (int)m, o, err) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

struct bolt_cdi_spec *
bolt_nv_cdi_generate(const struct bolt_nv_plan *plan, unsigned strategies, const char *hook_path,
                     struct bolt_err *err)
{
    /* the plan checked every node's st_rdev when it was built */
    struct bolt_nv_edits_opts o = {.mode = BOLT_NV_EDITS_FILES, .hook_path = hook_path};
    cleanup_cdi_spec struct bolt_cdi_spec *s = bolt_cdi_spec_new(BOLT_CDI_VERSION_LATEST,
                                                                 "nvidia.com/gpu");
    struct bolt_cdi_device *all;

    if (plan->n_gpus == 0) {
        bolt_err_set(err, ENODEV, "no NVIDIA GPU found (driver %s): a CDI spec needs at least "
                                  "one device", plan->driver_version ? plan->driver_version : "none");
        return NULL;
    }
    if (bolt_nv_edits_common(plan, BOLT_NV_CAP_ALL, &o, &s->edits, err) < 0)
        return NULL;
    /* CDI mode: the nvbind runtime and legacy hooks must not inject a second time */
    bolt_cdi_edits_add_env(&s->edits, "NVIDIA_VISIBLE_DEVICES", "void");
    if (gpu_devices(s, plan, strategies, &o, err) < 0)
        return NULL;
    all = bolt_cdi_spec_add_device(s, "all");
    for (unsigned i = 0; i < plan->n_gpus; i++)
        if (bolt_nv_edits_device(plan, i, -1, BOLT_NV_CAP_ALL, &o, &all->edits, err) < 0)
            return NULL;
    free(s->version);
    s->version = xstrdup(bolt_cdi_spec_min_version(s));
    return steal_ptr(&s);
}
