/* SPDX-License-Identifier: Apache-2.0 */
#include "nvbind/gpusel.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nvbind/plan.h"
#include "util/mem.h"

#define MAX_TOKEN 256

static const char gpu_forms[] = "expected all, none, an index (0), a list (0,2), GPU-<uuid>, "
                                "MIG-<uuid>, gpu:0 or <gpu>:<mig>";

void
bolt_gpusel_fini(struct bolt_gpusel *sel)
{
    for (size_t i = 0; i < sel->n_devs; i++)
        free(sel->devs[i].uuid);
    free(sel->devs);
    memset(sel, 0, sizeof(*sel));
}

static char *
trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* A decimal number that fits in unsigned and has no sign or junk. */
static bool
parse_uint(const char *s, unsigned *out)
{
    unsigned long v = 0;

    if (*s == '\0' || strlen(s) > 9)
        return false;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    *out = (unsigned)v;
    return true;
}

/* UUID tail: hex digits and dashes (and "/" for the old MIG-GPU-<uuid>/gi/ci form). */
static bool
uuid_ok(const char *s, bool mig)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s) && *s != '-' && !(mig && (*s == '/' || *s == 'G'
                                                                  || *s == 'P' || *s == 'U')))
            return false;
    return true;
}

static int
add_dev(struct bolt_gpusel *sel, const char *tok, const char *what, struct bolt_err *err)
{
    struct bolt_gpusel_dev d = {0};
    const char *colon = strchr(tok, ':');
    unsigned a, b;

    if (strncasecmp(tok, "GPU-", 4) == 0 && uuid_ok(tok + 4, false)) {
        d.type = BOLT_GPUSEL_DEV_UUID;
        d.uuid = xstrdup(tok);
    } else if (strncasecmp(tok, "MIG-", 4) == 0 && uuid_ok(tok + 4, true)) {
        d.type = BOLT_GPUSEL_DEV_MIG_UUID;
        d.uuid = xstrdup(tok);
    } else if (strncmp(tok, "gpu:", 4) == 0 && parse_uint(tok + 4, &a)) {
        d.type = BOLT_GPUSEL_DEV_INDEX;
        d.index = a;
    } else if (parse_uint(tok, &a)) {
        d.type = BOLT_GPUSEL_DEV_INDEX;
        d.index = a;
    } else if (colon && colon - tok < 16) {
        char left[16];
        memcpy(left, tok, (size_t)(colon - tok));
        left[colon - tok] = '\0';
        if (!parse_uint(left, &a) || !parse_uint(colon + 1, &b))
            return bolt_err_set(err, 0, "%s: bad device '%s' (%s)", what, tok, gpu_forms);
        d.type = BOLT_GPUSEL_DEV_MIG_INDEX;
        d.index = a;
        d.mig = b;
    } else {
        return bolt_err_set(err, 0, "%s: bad device '%s' (%s)", what, tok, gpu_forms);
    }
    sel->devs = xreallocarray(sel->devs, sel->n_devs + 1, sizeof(*sel->devs));
    sel->devs[sel->n_devs++] = d;
    return 0;
}

int
bolt_gpusel_parse_devices(const char *value, const char *what, struct bolt_gpusel *out,
                          struct bolt_err *err)
{
    struct bolt_gpusel sel = {0};
    cleanup_free char *copy = xstrdup(value);
    char *save = NULL, *tok;
    bool any = false;

    /* "void" anywhere makes the whole list void (NVIDIA's rule) */
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (*tok == '\0')
            continue;
        any = true;
        if (strlen(tok) > MAX_TOKEN) {
            bolt_gpusel_fini(&sel);
            return bolt_err_set(err, 0, "%s: device name too long", what);
        }
        if (strcmp(tok, "void") == 0) {
            bolt_gpusel_fini(&sel);
            sel.kind = BOLT_GPUSEL_UNSET;
            *out = sel;
            return 0;
        }
        if (strcmp(tok, "all") == 0 || strcmp(tok, "none") == 0) {
            if (sel.kind != BOLT_GPUSEL_UNSET || sel.n_devs > 0) {
                bolt_gpusel_fini(&sel);
                return bolt_err_set(err, 0, "%s '%s': '%s' cannot be combined with other devices",
                                    what, value, tok);
            }
            sel.kind = tok[0] == 'a' ? BOLT_GPUSEL_ALL : BOLT_GPUSEL_NONE;
            continue;
        }
        if (sel.kind == BOLT_GPUSEL_ALL || sel.kind == BOLT_GPUSEL_NONE) {
            bolt_gpusel_fini(&sel);
            return bolt_err_set(err, 0, "%s '%s': 'all'/'none' cannot be combined with other "
                                        "devices", what, value);
        }
        if (add_dev(&sel, tok, what, err) < 0) {
            bolt_gpusel_fini(&sel);
            return -1;
        }
        sel.kind = BOLT_GPUSEL_LIST;
    }
    if (!any)
        sel.kind = BOLT_GPUSEL_UNSET;
    *out = sel;
    return 0;
}

int
bolt_gpusel_parse_gpu(const char *value, struct bolt_gpusel *out, struct bolt_err *err)
{
    cleanup_free char *c = xstrdup(value);

    if (*trim(c) == '\0')
        return bolt_err_set(err, 0, "--gpu '': empty value (%s)", gpu_forms);
    return bolt_gpusel_parse_devices(value, "--gpu", out, err);
}

int
bolt_gpusel_parse_caps(const char *value, const char *what, unsigned *caps, struct bolt_err *err)
{
    cleanup_free char *copy = xstrdup(value);
    char *save = NULL, *tok;
    unsigned out = 0;

    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        bool found = false;
        tok = trim(tok);
        if (*tok == '\0')
            continue;
        if (strcmp(tok, "all") == 0) {
            out |= BOLT_NV_CAP_ALL;
            continue;
        }
        for (unsigned b = 1; b < BOLT_NV_CAP_ALL; b <<= 1)
            if (strcmp(tok, bolt_nv_cap_name(b)) == 0) {
                out |= b;
                found = true;
            }
        if (!found)
            return bolt_err_set(err, 0, "%s: unknown driver capability '%.64s' (expected compute, "
                                        "utility, graphics, video, display, ngx, compat32 or all)",
                                what, tok);
    }
    *caps = out;
    return 0;
}

/* ---- docker --gpus: one CSV record ---- */

/* Split one CSV record (RFC 4180 quoting) into fields. */
static int
csv_fields(const char *s, char ***fields, struct bolt_err *err)
{
    size_t cap = strlen(s) + 1, n = 0;
    cleanup_free char *cur = xmalloc(cap);
    bool quoted = false;

    *fields = NULL;
    for (const char *p = s;; p++) {
        if (quoted) {
            if (*p == '\0') {
                bolt_strv_free(*fields);
                *fields = NULL;
                return bolt_err_set(err, 0, "--gpus '%s': unterminated quote", s);
            }
            if (*p == '"' && p[1] == '"') {
                cur[n++] = '"';
                p++;
            } else if (*p == '"') {
                quoted = false;
            } else {
                cur[n++] = *p;
            }
        } else if (*p == '"') {
            quoted = true;
        } else if (*p == ',' || *p == '\0') {
            cur[n] = '\0';
            bolt_strv_push(fields, cur);
            n = 0;
            if (*p == '\0')
                break;
        } else {
            cur[n++] = *p;
        }
    }
    return 0;
}

static int
docker_field(struct bolt_gpusel *sel, const char *f, unsigned *seen, struct bolt_err *err)
{
    static const char *const keys[] = {"count", "device", "capabilities", "driver", "options"};
    const char *eq = strchr(f, '=');
    const char *v = eq ? eq + 1 : NULL;
    size_t kl = eq ? (size_t)(eq - f) : strlen(f);
    unsigned k;

    if (eq == NULL) {
        unsigned n;
        if (strcmp(f, "all") == 0)
            return sel->kind = BOLT_GPUSEL_ALL, *seen |= 1, 0;
        if (parse_uint(f, &n))
            return sel->kind = n ? BOLT_GPUSEL_COUNT : BOLT_GPUSEL_UNSET, sel->count = n,
                   *seen |= 1, 0;
        return bolt_err_set(err, 0, "--gpus: unexpected '%.64s' (expected all, a count, or "
                                    "count=, device=, capabilities=, driver=, options=)", f);
    }
    for (k = 0; k < 5; k++)
        if (strlen(keys[k]) == kl && strncmp(f, keys[k], kl) == 0)
            break;
    if (k == 5)
        return bolt_err_set(err, 0, "--gpus: unexpected key '%.*s' (expected count, device, "
                                    "capabilities, driver or options)", (int)(kl > 64 ? 64 : kl), f);
    if (*seen & (1u << k))
        return bolt_err_set(err, 0, "--gpus: gpu request key '%s' can be specified only once",
                            keys[k]);
    *seen |= 1u << k;
    switch (k) {
    case 0: {
        unsigned n;
        if (strcmp(v, "all") == 0)
            return sel->kind = BOLT_GPUSEL_ALL, 0;
        if (!parse_uint(v, &n))
            return bolt_err_set(err, 0, "--gpus: count '%.64s' is not a number or 'all'", v);
        sel->kind = n ? BOLT_GPUSEL_COUNT : BOLT_GPUSEL_UNSET;
        sel->count = n;
        return 0;
    }
    case 1: {
        struct bolt_gpusel d = {0};
        if (bolt_gpusel_parse_devices(v, "--gpus device", &d, err) < 0)
            return -1;
        bolt_gpusel_fini(sel);
        *sel = d;
        return 0;
    }
    case 2:
        sel->caps_set = true;
        /* docker's "gpu" and "nvidia" caps only route the request; drop them */
        {
            cleanup_free char *copy = xstrdup(v);
            cleanup_free char *filtered = xzalloc(strlen(v) + 2);
            char *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (strcmp(t, "gpu") != 0 && strcmp(t, "nvidia") != 0)
                    strcat(strcat(filtered, *filtered ? "," : ""), t);
            if (*filtered == '\0') {
                sel->caps_set = false;
                return 0;
            }
            return bolt_gpusel_parse_caps(filtered, "--gpus capabilities", &sel->caps, err);
        }
    case 3:
        if (strcmp(v, "nvidia") != 0 && *v != '\0')
            return bolt_err_set(err, 0, "--gpus: driver '%.64s' is not supported (only nvidia)", v);
        return 0;
    default:
        return 0; /* options=...: accepted, nothing to do */
    }
}

int
bolt_gpusel_parse_docker(const char *value, struct bolt_gpusel *out, struct bolt_err *err)
{
    struct bolt_gpusel sel = {0};
    cleanup_strv char **fields = NULL;
    unsigned seen = 0;

    if (csv_fields(value, &fields, err) < 0)
        return -1;
    for (size_t i = 0; fields && fields[i]; i++) {
        char *f = trim(fields[i]);
        if (*f == '\0')
            continue;
        if (docker_field(&sel, f, &seen, err) < 0) {
            bolt_gpusel_fini(&sel);
            return -1;
        }
    }
    if ((seen & 1) && (seen & 2)) {
        bolt_gpusel_fini(&sel);
        return bolt_err_set(err, 0, "--gpus '%s': cannot set both count and device", value);
    }
    if (!(seen & 3)) {
        if (seen == 0) {
            return bolt_err_set(err, 0, "--gpus '': empty value (expected all, a count, "
                                        "\"device=0,1\" or capabilities=...)");
        }
        /* only capabilities/driver/options: docker requests one GPU */
        sel.kind = BOLT_GPUSEL_COUNT;
        sel.count = 1;
    }
    *out = sel;
    return 0;
}

/* ---- resolution ---- */

static void
host_list(const struct bolt_gpusel_host_gpu *gpus, size_t n, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = '\0';
    if (n == 0) {
        snprintf(buf, len, "this host has no GPU");
        return;
    }
    off = (size_t)snprintf(buf, len, "this host has GPU%s ", n > 1 ? "s" : "");
    for (size_t i = 0; i < n && off < len; i++) {
        int w = snprintf(buf + off, len - off, "%s%zu (%s, %s)", i ? ", " : "", i, gpus[i].name,
                         gpus[i].uuid);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

static int
find_dev(const struct bolt_gpusel_dev *d, const struct bolt_gpusel_host_gpu *gpus, size_t n,
         struct bolt_gpusel_pick *pick)
{
    switch (d->type) {
    case BOLT_GPUSEL_DEV_INDEX:
        if (d->index >= n)
            return -1;
        *pick = (struct bolt_gpusel_pick){d->index, -1};
        return 0;
    case BOLT_GPUSEL_DEV_MIG_INDEX:
        if (d->index >= n || d->mig >= gpus[d->index].n_migs)
            return -1;
        *pick = (struct bolt_gpusel_pick){d->index, (int)d->mig};
        return 0;
    case BOLT_GPUSEL_DEV_UUID:
    case BOLT_GPUSEL_DEV_MIG_UUID:
    default:
        for (size_t i = 0; i < n; i++) {
            if (strcasecmp(gpus[i].uuid, d->uuid) == 0) {
                *pick = (struct bolt_gpusel_pick){(unsigned)i, -1};
                return 0;
            }
            for (size_t k = 0; k < gpus[i].n_migs; k++)
                if (gpus[i].mig_uuids[k] && strcasecmp(gpus[i].mig_uuids[k], d->uuid) == 0) {
                    *pick = (struct bolt_gpusel_pick){(unsigned)i, (int)k};
                    return 0;
                }
        }
        return -1;
    }
}

static void
push_pick(struct bolt_gpusel_pick **picks, size_t *n, struct bolt_gpusel_pick p)
{
    for (size_t i = 0; i < *n; i++)
        if ((*picks)[i].gpu == p.gpu && (*picks)[i].mig == p.mig)
            return;
    *picks = xreallocarray(*picks, *n + 1, sizeof(**picks));
    (*picks)[(*n)++] = p;
}

int
bolt_gpusel_resolve(const struct bolt_gpusel *sel, const struct bolt_gpusel_host_gpu *gpus,
                    size_t n_gpus, struct bolt_gpusel_pick **picks, size_t *n_picks,
                    struct bolt_err *err)
{
    struct bolt_gpusel_pick *out = NULL;
    size_t n = 0;
    char hosts[400];

    switch (sel->kind) {
    case BOLT_GPUSEL_ALL:
        for (size_t i = 0; i < n_gpus; i++)
            push_pick(&out, &n, (struct bolt_gpusel_pick){(unsigned)i, -1});
        break;
    case BOLT_GPUSEL_COUNT:
        if (sel->count > n_gpus) {
            host_list(gpus, n_gpus, hosts, sizeof(hosts));
            return bolt_err_set(err, 0, "%u GPUs requested; %s", sel->count, hosts);
        }
        for (size_t i = 0; i < sel->count; i++)
            push_pick(&out, &n, (struct bolt_gpusel_pick){(unsigned)i, -1});
        break;
    case BOLT_GPUSEL_LIST:
        for (size_t i = 0; i < sel->n_devs; i++) {
            struct bolt_gpusel_pick p;
            const struct bolt_gpusel_dev *d = &sel->devs[i];
            if (find_dev(d, gpus, n_gpus, &p) < 0) {
                char name[300];
                free(out);
                host_list(gpus, n_gpus, hosts, sizeof(hosts));
                if (d->type == BOLT_GPUSEL_DEV_INDEX)
                    snprintf(name, sizeof(name), "GPU %u", d->index);
                else if (d->type == BOLT_GPUSEL_DEV_MIG_INDEX)
                    snprintf(name, sizeof(name), "MIG device %u:%u", d->index, d->mig);
                else
                    snprintf(name, sizeof(name), "GPU %.200s", d->uuid);
                return bolt_err_set(err, 0, "unknown %s; %s", name, hosts);
            }
            push_pick(&out, &n, p);
        }
        break;
    case BOLT_GPUSEL_UNSET:
    case BOLT_GPUSEL_NONE:
    default:
        break;
    }
    *picks = out;
    *n_picks = n;
    return 0;
}
