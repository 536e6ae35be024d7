/* SPDX-License-Identifier: Apache-2.0 */
/* The per-container fast path: selection, requirements, edits, cache, trace. */
#include "nvbind/inject.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/mem.h"
#include "util/trace.h"

long long
bolt_nv_now_ns(void)
{
    return bolt_trace_now_ns();
}

long long
bolt_nv_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The trace's "cpu" pseudo-phase: CPU time of the injection (with the caller's share). The
 * window is closed first: reading the CPU clock is a system call, not part of the work. */
__attribute__((hot)) static void
trace_cpu(struct bolt_trace *t, long long cpu0, long long prep_cpu)
{
    if (!t->on)
        return;
    bolt_trace_stop(t);
    bolt_trace_add(t, "cpu", bolt_nv_cpu_ns() - cpu0 + prep_cpu, false);
}

void
bolt_nv_selection_fini(struct bolt_nv_selection *s)
{
    free(s->picks);
    memset(s, 0, sizeof(*s));
}

void
bolt_nv_injected_fini(struct bolt_nv_injected *r)
{
    bolt_strv_free(r->uuids);
    bolt_strv_free(r->indexes);
    memset(r, 0, sizeof(*r));
}

static int
check_requirements(const struct bolt_nv_plan *plan, const struct bolt_nv_selection *s,
                   const struct bolt_gpureq *req, struct bolt_err *err)
{
    char cuda[32] = "";
    cleanup_free const char **archs = xcalloc(s->n_picks + 1, sizeof(*archs));
    cleanup_free const char **brands = xcalloc(s->n_picks + 1, sizeof(*brands));
    cleanup_strv char **arch_bufs = NULL;
    struct bolt_gpureq_host host = {0};

    if (req == NULL || req->n_clauses == 0)
        return 0;
    if (plan->cuda_version > 0)
        snprintf(cuda, sizeof(cuda), "%d.%d", plan->cuda_version / 1000,
                 (plan->cuda_version % 1000) / 10);
    for (size_t i = 0; i < s->n_picks; i++) {
        const struct bolt_nv_gpu *g = &plan->gpus[s->picks[i].gpu];
        cleanup_free char *a = xasprintf("%d.%d", g->cc_major, g->cc_minor);
        bolt_strv_push(&arch_bufs, a);
        brands[i] = g->brand ? g->brand : "unknown";
    }
    for (size_t i = 0; i < s->n_picks; i++)
        archs[i] = arch_bufs[i];
    host.cuda = *cuda ? cuda : NULL;
    host.driver = plan->driver_version;
    host.archs = archs;
    host.brands = brands;
    host.n_gpus = s->n_picks;
    return bolt_gpureq_check(req, &host, err);
}

int
bolt_nv_select(const struct bolt_nv_plan *plan, const struct bolt_gpusel *sel,
               const struct bolt_gpureq *req, struct bolt_nv_selection *out, struct bolt_err *err)
{
    cleanup_free struct bolt_gpusel_host_gpu *hg = xcalloc(plan->n_gpus + 1, sizeof(*hg));
    cleanup_free const char **migs = NULL;
    size_t n_migs = 0, k = 0;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < plan->n_gpus; i++)
        n_migs += plan->gpus[i].n_migs;
    migs = xcalloc(n_migs + 1, sizeof(*migs));
    for (size_t i = 0; i < plan->n_gpus; i++) {
        const struct bolt_nv_gpu *g = &plan->gpus[i];
        hg[i].name = g->name;
        hg[i].uuid = g->uuid;
        hg[i].mig_uuids = &migs[k];
        hg[i].n_migs = g->n_migs;
        for (size_t j = 0; j < g->n_migs; j++)
            migs[k++] = g->migs[j].uuid ? g->migs[j].uuid : "";
    }
    out->caps = sel->caps_set ? sel->caps : BOLT_NV_CAP_DEFAULT;
    out->all = sel->kind == BOLT_GPUSEL_ALL;
    if (plan->type == BOLT_NV_DRIVER_WSL && plan->n_gpus == 0) {
        /* WSL2: every GPU is reached through /dev/dxg and the setup path cannot list them
         * without NVML; the request is honoured as a whole */
        if (sel->kind == BOLT_GPUSEL_LIST)
            log_warn("WSL2: GPUs cannot be told apart without NVML; the container gets /dev/dxg, "
                     "which reaches every GPU");
    } else if (sel->kind != BOLT_GPUSEL_NONE && sel->kind != BOLT_GPUSEL_UNSET) {
        if (plan->n_gpus == 0)
            return bolt_err_set(err, ENODEV, "no NVIDIA GPU on this host (driver %s, type %s)",
                                plan->driver_version ? plan->driver_version : "not loaded",
                                bolt_nv_driver_type_str(plan->type));
        if (bolt_gpusel_resolve(sel, hg, plan->n_gpus, &out->picks, &out->n_picks, err) < 0)
            return -1;
    }
    if (plan->type == BOLT_NV_DRIVER_NOUVEAU)
        log_warn("this host runs the nouveau driver: the container gets /dev/dri only; CUDA, "
                 "NVENC and nvidia-smi need the NVIDIA driver");
    if (check_requirements(plan, out, req, err) < 0) {
        bolt_nv_selection_fini(out);
        return -1;
    }
    return 0;
}

/* ---- inject ---- */

static void
record(const struct bolt_nv_plan *plan, const struct bolt_nv_selection *s,
       struct bolt_nv_injected *out)
{
    for (size_t i = 0; i < s->n_picks; i++) {
        const struct bolt_nv_gpu *g = &plan->gpus[s->picks[i].gpu];
        int m = s->picks[i].mig;
        char idx[32];
        const char *uuid = g->uuid;

        if (m >= 0) {
            snprintf(idx, sizeof(idx), "%u:%d", s->picks[i].gpu, m);
            if (g->migs[m].uuid)
                uuid = g->migs[m].uuid;
        } else {
            snprintf(idx, sizeof(idx), "%u", s->picks[i].gpu);
        }
        bolt_strv_push(&out->uuids, uuid);
        bolt_strv_push(&out->indexes, idx);
    }
    out->injected = true;
}

static char *
visible_value(const struct bolt_nv_plan *plan, const struct bolt_nv_selection *s)
{
    char *v = xstrdup(s->n_picks ? "" : "none");

    if (s->all)
        return free(v), xstrdup("all");
    for (size_t i = 0; i < s->n_picks; i++) {
        const struct bolt_nv_gpu *g = &plan->gpus[s->picks[i].gpu];
        const char *u = s->picks[i].mig >= 0 && g->migs[s->picks[i].mig].uuid
                            ? g->migs[s->picks[i].mig].uuid
                            : g->uuid;
        char *n = xasprintf("%s%s%s", v, i ? "," : "", u);
        free(v);
        v = n;
    }
    return v;
}

/* The merged /etc/ld.so.cache, bind-mounted read-only. */
static const char *const cache_opts[] = {"ro", "nosuid", "nodev", "noexec", "bind", "rprivate",
                                         NULL};

/*
 * Binaries and config files are symlinks into the bundle mount (one mount instead of one per
 * file: each mount costs the container start and exit real time); where a link cannot be
 * made the file is bind-mounted at its path as before.
 */
static int
link_files(const char *driver_root, char *const *links, const char *rootfs,
           struct bolt_cdi_edits *e, struct bolt_err *err)
{
    static const char *const opts[] = {"ro", "nosuid", "nodev", "rbind", "rprivate", NULL};
    cleanup_strv char **failed = NULL;

    if (links == NULL)
        return 0;
    if (rootfs == NULL) {
        failed = bolt_strv_dup(links);
    } else if (bolt_nv_links_in_rootfs(rootfs, links, &failed, err) < 0) {
        return -1;
    }
    for (size_t i = 0; failed && failed[i]; i++) {
        const char *link = strstr(failed[i], "::") + 2;
        cleanup_free char *host = bolt_nv_path(driver_root, link);
        bolt_cdi_edits_add_mount(e, host, link, "bind", opts);
    }
    return 0;
}

/* The links the nvbind layer could not hold: bind mounts of the driver's files. */
static void
bind_files(const struct bolt_nv_plan *plan, char *const *binds, struct bolt_cdi_edits *e)
{
    static const char *const opts[] = {"ro", "nosuid", "nodev", "rbind", "rprivate", NULL};

    for (size_t i = 0; binds && binds[i]; i++) {
        const char *link = strstr(binds[i], "::") + 2;
        cleanup_free char *host = bolt_nv_path(plan->driver_root, link);
        bolt_cdi_edits_add_mount(e, host, link, "bind", opts);
    }
}

/* The edits of the selection; without a layer, *links gets the links to make in the rootfs
 * (link_files). */
static int
build_edits(const struct bolt_nv_plan *plan, const struct bolt_nv_selection *s,
            const char *bundle, const struct bolt_nv_layer *layer, char ***absent, char ***links,
            struct bolt_cdi_edits *e, struct bolt_err *err)
{
    struct bolt_nv_edits_opts eo = {.mode = BOLT_NV_EDITS_BUNDLE, .bundle_dir = bundle,
                                    .check_nodes = true, .links = links, .linked = layer != NULL,
                                    .absent = absent};

    if (bolt_nv_edits_common(plan, s->caps, &eo, e, err) < 0)
        return -1;
    for (size_t i = 0; i < s->n_picks; i++)
        if (bolt_nv_edits_device(plan, s->picks[i].gpu, s->picks[i].mig, s->caps, &eo, e, err) < 0)
            return -1;
    if (layer)
        bind_files(plan, layer->binds, e);
    return 0;
}

/*
 * rec (may be NULL) receives what was injected when it can be recorded: the nvbind layer held
 * everything the rootfs needed (rec->layer_dir is left NULL otherwise).
 */
static int
inject_plan(struct bolt_oci_spec *spec, const struct bolt_nv_inject_opts *o,
            const struct bolt_nv_plan *plan, const struct bolt_gpusel *sel,
            const struct bolt_gpureq *req, struct bolt_trace *t, struct bolt_nv_injected *out,
            struct bolt_nv_rec *rec, struct bolt_err *err)
{
    struct bolt_nv_selection s;
    struct bolt_cdi_edits e = {0};
    cleanup_free char *bundle = NULL, *visible = NULL, *cache = NULL;
    cleanup_strv char **links = NULL;
    bool want_cache;
    const char *rootfs = o->rootfs ? o->rootfs : spec->root_path;
    const struct bolt_nv_layer *layer = NULL;
    int r = -1;

    if (bolt_nv_select(plan, sel, req, &s, err) < 0)
        return -1;
    /* a layer built for other caps (the request changed between starts) is not used */
    if (o->layer && o->layer->dir && o->layer->caps == s.caps)
        layer = o->layer;
    bolt_trace_mark(t, "select");
    if (plan->type != BOLT_NV_DRIVER_NOUVEAU) {
        bundle = bolt_nv_bundle_get(plan, o->runroot, o->persist, s.caps, err);
        if (bundle == NULL)
            goto out;
    }
    bolt_trace_mark(t, "bundle");
    if (build_edits(plan, &s, bundle, layer, rec ? &rec->absent : NULL, &links, &e, err) < 0)
        goto out;
    want_cache = (bundle || plan->type == BOLT_NV_DRIVER_WSL) && rootfs && !(layer && layer->cache);
    if (rec && !layer && !o->sel && o->oci_rec && rootfs) {
        /* nvbind: what the next start needs to do the same in another rootfs */
        bolt_cdi_edits_append(&rec->edits, &e);
        rec->links = bolt_strv_dup(links);
        rec->droot = xstrdup(plan->driver_root);
        rec->has_cache_key = want_cache;
        rec->cache_key = want_cache ? bolt_nv_ldcache_key(plan, s.caps) : 0;
    }
    if (!layer && link_files(plan->driver_root, links, rootfs, &e, err) < 0)
        goto out;
    bolt_trace_mark(t, "edits");
    if (want_cache) {
        cache = bolt_nv_ldcache_for_container(plan, s.caps, rootfs, o->runroot, err);
        if (cache == NULL)
            goto out;
        bolt_cdi_edits_add_mount(&e, cache, "/etc/ld.so.cache", "bind", cache_opts);
    }
    bolt_trace_mark(t, "ldcache");
    if (o->sel) {
        visible = visible_value(plan, &s);
        bolt_cdi_edits_add_env(&e, "NVIDIA_VISIBLE_DEVICES", visible);
    }
    if (rec && layer && !o->sel) {
        bolt_cdi_edits_append(&rec->edits, &e);
        rec->layer_dir = xstrdup(layer->dir);
    }
    if (bolt_cdi_edits_apply(&e, spec, "nvbind", err) < 0)
        goto out;
    bolt_trace_mark(t, "apply");
    if (out)
        record(plan, &s, out);
    r = 0;
out:
    bolt_cdi_edits_fini(&e);
    bolt_nv_selection_fini(&s);
    return r;
}

/* A loaded record's parts as sub-phases of a phase (named "<phase>.read" etc.: they are within
 * it, not added to the total): the readlink, the host checks, the parsing of the rest. */
__attribute__((hot)) static void
trace_rec_parts(struct bolt_trace *t, const struct bolt_nv_rec *rec, const char *key,
                long long key_ns, const char *read, const char *check, const char *parse)
{
    if (!t->on)
        return;
    if (key)
        bolt_trace_add(t, key, key_ns, false);
    bolt_trace_add(t, read, rec->read_ns, false);
    bolt_trace_add(t, check, rec->check_ns, false);
    bolt_trace_add(t, parse, rec->parse_ns, false);
}

/* " layer=US": the caller's share (bolt run: the plan or record lookup before the rootfs
 * mount), counted in the total; with a record, its parts too */
__attribute__((hot)) static void
trace_prep(struct bolt_trace *t, const struct bolt_nv_inject_opts *o)
{
    bolt_trace_add(t, "layer", o->prep_ns, true);
    if (o->rec)
        trace_rec_parts(t, o->rec, "layer.key", o->prep_key_ns, "layer.read", "layer.checks",
                        "layer.parse");
}

/* A record applied: its warnings said again, its GPUs reported, the trace ended. */
static void
recorded_done(const struct bolt_nv_rec *rec, struct bolt_nv_injected *out, struct bolt_trace *t,
              long long cpu0, long long prep_cpu)
{
    for (size_t i = 0; rec->warnings && rec->warnings[i]; i++)
        log_warn("%s", rec->warnings[i]);
    if (out) {
        out->uuids = bolt_strv_dup(rec->uuids);
        out->indexes = bolt_strv_dup(rec->indexes);
        out->injected = true;
    }
    bolt_trace_mark(t, "recorded");
    trace_cpu(t, cpu0, prep_cpu);
    bolt_trace_end(t);
}

/*
 * nvbind's OCI path with a record that holds: the links made in this rootfs (binds where they
 * cannot be), the image's merged cache by the recorded key, the recorded edits. Returns 1
 * (nothing done) when there is no such record or the merged cache for this image is not
 * made yet: the full path then does it all.
 */
static int
inject_oci_recorded(struct bolt_oci_spec *spec, const struct bolt_nv_inject_opts *o,
                    struct bolt_trace *t, long long cpu0, struct bolt_nv_injected *out,
                    struct bolt_err *err)
{
    const char *rootfs = o->rootfs ? o->rootfs : spec->root_path;
    struct bolt_nv_rec rec;
    struct bolt_cdi_edits extra = {0};
    cleanup_free char *cache = NULL;
    int r = -1;

    if (rootfs == NULL || bolt_nv_rec_load(o->rec_path, &rec) < 0)
        return 1;
    if (rec.droot == NULL
        || (rec.has_cache_key
            && (cache = bolt_nv_ldcache_existing(rec.cache_key, rootfs, o->runroot)) == NULL)) {
        bolt_nv_rec_fini(&rec);
        return 1;
    }
    bolt_trace_mark(t, "record");
    trace_rec_parts(t, &rec, NULL, 0, "record.read", "record.checks", "record.parse");
    if (link_files(rec.droot, rec.links, rootfs, &extra, err) < 0)
        goto out;
    if (cache)
        bolt_cdi_edits_add_mount(&extra, cache, "/etc/ld.so.cache", "bind", cache_opts);
    if (bolt_cdi_edits_apply(&rec.edits, spec, "nvbind", err) < 0
        || bolt_cdi_edits_apply(&extra, spec, "nvbind", err) < 0)
        goto out;
    r = 0;
    recorded_done(&rec, out, t, cpu0, 0);
out:
    bolt_cdi_edits_fini(&extra);
    bolt_nv_rec_fini(&rec);
    return r;
}

/* inject_plan, then write what it injected at o->rec_path (with the identities ids). */
static int
inject_recording(struct bolt_oci_spec *spec, const struct bolt_nv_inject_opts *o,
                 const struct bolt_nv_plan *plan, const struct bolt_gpusel *sel,
                 const struct bolt_gpureq *req, struct bolt_trace *t,
                 struct bolt_nv_injected *out, char *const *ids, struct bolt_err *err)
{
    struct bolt_nv_injected own = {0};
    struct bolt_nv_injected *res = out ? out : &own;
    struct bolt_nv_rec rec = {0};
    int r;

    /* the warnings of this injection are kept with the record, to be said again */
    bolt_log_capture(&rec.warnings);
    r = inject_plan(spec, o, plan, sel, req, t, res, &rec, err);
    bolt_log_capture(NULL);
    if (r == 0 && (rec.layer_dir || rec.droot) && ids && res->uuids) {
        rec.ids = bolt_strv_dup(ids);
        rec.uuids = bolt_strv_dup(res->uuids);
        rec.indexes = bolt_strv_dup(res->indexes);
        bolt_nv_rec_save(o->rec_path, &rec);
    }
    bolt_nv_rec_fini(&rec);
    bolt_nv_injected_fini(&own);
    return r;
}

/* A checked record (bolt run): its edits, its GPUs and its warnings, nothing else. */
__attribute__((hot)) static int
inject_recorded(struct bolt_oci_spec *spec, const struct bolt_nv_inject_opts *o,
                struct bolt_trace *t, long long cpu0, struct bolt_nv_injected *out,
                struct bolt_err *err)
{
    const struct bolt_nv_rec *rec = o->rec;
    int r;

    trace_prep(t, o);
    r = bolt_cdi_edits_apply(&rec->edits, spec, "nvbind", err);
    if (r == 0)
        recorded_done(rec, out, t, cpu0, o->prep_cpu_ns);
    return r;
}

/* The full path: the selection, the plan, the edits; recorded when the caller asks. Its own
 * function, so the recorded paths above run on a small stack frame. */
__attribute__((noinline)) static int
inject_full(struct bolt_oci_spec *spec, const struct bolt_nv_inject_opts *o, struct bolt_trace *t,
            long long cpu0, struct bolt_nv_injected *out, struct bolt_err *err)
{
    struct bolt_gpusel envsel = {0}, sel = {0};
    struct bolt_gpureq req = {0};
    struct bolt_nv_config cfg_own;
    const struct bolt_nv_config *cfg = o->cfg;
    cleanup_nv_plan struct bolt_nv_plan *plan = NULL;
    struct bolt_nv_rec ids = {0}; /* the plan's identities, for nvbind's record */
    bool rebuilt = false;
    int r = -1;

    bolt_nv_config_init(&cfg_own);
    if (bolt_gpusel_from_env(spec->process.env, &envsel, &req, err) < 0)
        goto done;
    sel = o->sel ? *o->sel : envsel;
    if (o->sel && !o->sel->caps_set && envsel.caps_set) {
        sel.caps = envsel.caps;
        sel.caps_set = true;
    }
    if (sel.kind == BOLT_GPUSEL_UNSET) {
        r = 0;
        goto done;
    }
    bolt_trace_mark(t, "request");
    if (o->plan) {
        /* loaded by the caller moments before (bolt run: with the nvbind layer, before the
         * rootfs mount); its time counts as the "layer" phase of this injection */
        trace_prep(t, o);
        bolt_trace_mark(t, "plan");
        if (o->rec_path)
            r = inject_recording(spec, o, o->plan, &sel, &req, t, out, o->rec_ids, err);
        else
            r = inject_plan(spec, o, o->plan, &sel, &req, t, out, NULL, err);
        trace_cpu(t, cpu0, o->prep_cpu_ns);
        bolt_trace_end(t);
        goto done;
    }
    if (cfg == NULL) {
        if (bolt_nv_config_load(&cfg_own, err) < 0)
            goto done;
        cfg = &cfg_own;
    }
    if (o->oci_rec && o->rec_path && !o->sel)
        bolt_nv_rec_identify(&ids, cfg); /* as the driver is before the plan is loaded */
    plan = bolt_nv_plan_get(cfg, o->runroot, false, &rebuilt, err);
    if (plan == NULL)
        goto done;
    /* what is missing or wrong is said once, when the plan is (re)built */
    for (size_t i = 0; rebuilt && plan->warnings && plan->warnings[i]; i++)
        log_warn("%s", plan->warnings[i]);
    bolt_trace_mark(t, "plan");
    if (ids.ids)
        r = inject_recording(spec, o, plan, &sel, &req, t, out, ids.ids, err);
    else
        r = inject_plan(spec, o, plan, &sel, &req, t, out, NULL, err);
    trace_cpu(t, cpu0, 0);
    bolt_trace_end(t);
done:
    bolt_nv_rec_fini(&ids);
    bolt_gpusel_fini(&envsel);
    bolt_gpureq_fini(&req);
    bolt_nv_config_fini(&cfg_own);
    return r;
}

__attribute__((hot)) int
bolt_nv_inject_spec(struct bolt_oci_spec *spec, const struct bolt_nv_inject_opts *o,
                    struct bolt_nv_injected *out, struct bolt_err *err)
{
    struct bolt_trace t;
    long long cpu0;

    cpu0 = bolt_trace_enabled() ? bolt_nv_cpu_ns() : 0; /* before the window opens */
    bolt_trace_begin(&t, "nvbind");
    if (out)
        memset(out, 0, sizeof(*out));
    if (o->rec && !o->sel)
        return inject_recorded(spec, o, &t, cpu0, out, err);
    if (o->oci_rec && o->rec_path && !o->sel) {
        int rr = inject_oci_recorded(spec, o, &t, cpu0, out, err);
        if (rr <= 0)
            return rr;
        bolt_trace_begin(&t, "nvbind"); /* the full path: its phases from here */
    }
    return inject_full(spec, o, &t, cpu0, out, err);
}

/*
 * CDI devices requested through annotations ("cdi.k8s.io/<plugin>_<id>": "vendor/class=name,
 * ..."), the channel the Kubernetes device plugins use; applying them here makes the CDI path
 * work with engines that do not resolve CDI themselves (e.g. containerd 1.6).
 */
static int
apply_cdi_annotations(struct bolt_oci_spec *spec, struct bolt_err *err)
{
    cleanup_strv char **names = NULL, **dirs = NULL;
    struct bolt_cdi_registry reg;
    int r;

    for (size_t i = 0; i < spec->n_annotations; i++) {
        const struct bolt_oci_annotation *a = &spec->annotations[i];
        cleanup_free char *v = NULL;
        char *save = NULL;

        if (strncmp(a->key, "cdi.k8s.io/", 11) != 0 || !a->value)
            continue;
        v = xstrdup(a->value);
        for (char *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (*t)
                bolt_strv_push(&names, t);
    }
    if (names == NULL)
        return 0;
    dirs = bolt_cdi_default_dirs();
    bolt_cdi_registry_load(&reg, dirs, err);
    r = bolt_cdi_registry_apply(&reg, names, spec, err);
    bolt_cdi_registry_fini(&reg);
    return r < 0 ? bolt_err_wrap(err, "CDI annotation") : 0;
}

int
bolt_nv_inject_oci(struct bolt_oci_spec *spec, const char *bundle_dir, const char *state_root,
                   struct bolt_err *err)
{
    struct bolt_nv_inject_opts o = {.runroot = state_root, .persist = "/var/lib/nvbind",
                                    .oci_rec = true};
    cleanup_free char *rootfs = NULL, *rec_path = NULL;

    if (spec->n_annotations && apply_cdi_annotations(spec, err) < 0)
        return -1;
    if (bolt_oci_spec_getenv(spec, "NVIDIA_VISIBLE_DEVICES") == NULL
        && bolt_oci_spec_getenv(spec, "CUDA_VERSION") == NULL)
        return 0; /* the common case: no GPU asked for, nothing loaded */
    if (spec->root_path && spec->root_path[0] != '/')
        rootfs = xasprintf("%s/%s", bundle_dir ? bundle_dir : ".", spec->root_path);
    o.rootfs = rootfs ? rootfs : spec->root_path;
    rec_path = bolt_nv_rec_path(state_root, o.persist, "@oci", spec->process.env);
    o.rec_path = rec_path;
    if (bolt_nv_inject_spec(spec, &o, NULL, err) < 0)
        return bolt_err_wrap(err, "GPU injection");
    return 0;
}
