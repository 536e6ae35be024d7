/* SPDX-License-Identifier: Apache-2.0 */
/* NVIDIA_REQUIRE_* requirements and the container environment (gpusel.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nvbind/gpusel.h"
#include "nvbind/plan.h"
#include "util/mem.h"

static const char *const prop_names[] = {"cuda", "driver", "arch", "brand"};
static const char *const op_names[] = {"=", "!=", "<", "<=", ">", ">="};

void
bolt_gpureq_fini(struct bolt_gpureq *req)
{
    for (size_t i = 0; i < req->n_clauses; i++) {
        struct bolt_gpureq_clause *c = &req->clauses[i];
        for (size_t a = 0; a < c->n_alts; a++) {
            for (size_t t = 0; t < c->alts[a].n_terms; t++)
                free(c->alts[a].terms[t].value);
            free(c->alts[a].terms);
        }
        free(c->alts);
        free(c->source);
        free(c->text);
    }
    free(req->clauses);
    memset(req, 0, sizeof(*req));
}

int
bolt_gpureq_vercmp(const char *a, const char *b)
{
    while (*a || *b) {
        unsigned long x = strtoul(a, (char **)&a, 10), y = strtoul(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        /* skip to the next numeric part */
        while (*a && *a != '.')
            a++;
        while (*b && *b != '.')
            b++;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
    }
    return 0;
}

static bool
version_ok(const char *s)
{
    if (!isdigit((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && *s != '.')
            return false;
    return true;
}

/* Parse "prop op value" into t; returns 1 if parsed, 0 if the property is unknown (ignored). */
static int
parse_term(const char *s, struct bolt_gpureq_term *t, const char *source, struct bolt_err *err)
{
    size_t pl = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
    const char *op = s + pl;
    int prop = -1, o = -1;

    for (int i = 0; i < 4; i++)
        if (strlen(prop_names[i]) == pl && strncmp(s, prop_names[i], pl) == 0)
            prop = i;
    /* longest operator first */
    for (int i = 5; i >= 0; i--)
        if (strncmp(op, op_names[i], strlen(op_names[i])) == 0 && (o < 0 || strlen(op_names[i]) > strlen(op_names[o])))
            o = i;
    if (pl == 0 || o < 0 || op[strlen(op_names[o])] == '\0')
        return bolt_err_set(err, 0, "%s: bad requirement '%.64s' (expected <property><op><value> "
                                    "like cuda>=12.0, driver>=470, arch=8.0, brand=tesla)",
                            source, s);
    if (prop < 0)
        return 0; /* unknown properties are ignored, as the NVIDIA toolkit does */
    t->prop = (enum bolt_gpureq_prop)prop;
    t->op = (enum bolt_gpureq_op)o;
    t->value = xstrdup(op + strlen(op_names[o]));
    if (prop != BOLT_GPUREQ_BRAND && !version_ok(t->value)) {
        free(t->value);
        t->value = NULL;
        return bolt_err_set(err, 0, "%s: '%.64s' is not a version in '%.64s'", source,
                            op + strlen(op_names[o]), s);
    }
    return 1;
}

static int
parse_alt(char *text, struct bolt_gpureq_alt *alt, const char *source, struct bolt_err *err)
{
    char *save = NULL;

    memset(alt, 0, sizeof(*alt));
    for (char *tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        struct bolt_gpureq_term t = {0};
        int r;
        if (*tok == '\0')
            continue;
        r = parse_term(tok, &t, source, err);
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        alt->terms = xreallocarray(alt->terms, alt->n_terms + 1, sizeof(t));
        alt->terms[alt->n_terms++] = t;
    }
    return 0;
}

int
bolt_gpureq_add(struct bolt_gpureq *req, const char *source, const char *value,
                struct bolt_err *err)
{
    struct bolt_gpureq_clause c = {0};
    cleanup_free char *copy = xstrdup(value);
    char *save = NULL;

    c.source = xstrdup(source);
    c.text = xstrdup(value);
    for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        c.alts = xreallocarray(c.alts, c.n_alts + 1, sizeof(*c.alts));
        if (parse_alt(tok, &c.alts[c.n_alts], source, err) < 0) {
            c.n_alts++;
            req->clauses = xreallocarray(req->clauses, req->n_clauses + 1, sizeof(c));
            req->clauses[req->n_clauses++] = c; /* freed with req */
            return -1;
        }
        if (c.alts[c.n_alts].n_terms == 0) {
            free(c.alts[c.n_alts].terms);
            continue; /* only unknown properties: nothing to check */
        }
        c.n_alts++;
    }
    req->clauses = xreallocarray(req->clauses, req->n_clauses + 1, sizeof(c));
    req->clauses[req->n_clauses++] = c;
    return 0;
}

static bool
cmp_holds(int cmp, enum bolt_gpureq_op op)
{
    switch (op) {
    case BOLT_GPUREQ_EQ:
        return cmp == 0;
    case BOLT_GPUREQ_NE:
        return cmp != 0;
    case BOLT_GPUREQ_LT:
        return cmp < 0;
    case BOLT_GPUREQ_LE:
        return cmp <= 0;
    case BOLT_GPUREQ_GT:
        return cmp > 0;
    case BOLT_GPUREQ_GE:
    default:
        return cmp >= 0;
    }
}

static bool
term_holds(const struct bolt_gpureq_term *t, const struct bolt_gpureq_host *h)
{
    switch (t->prop) {
    case BOLT_GPUREQ_CUDA:
        return h->cuda && cmp_holds(bolt_gpureq_vercmp(h->cuda, t->value), t->op);
    case BOLT_GPUREQ_DRIVER:
        return h->driver && cmp_holds(bolt_gpureq_vercmp(h->driver, t->value), t->op);
    case BOLT_GPUREQ_ARCH:
    case BOLT_GPUREQ_BRAND:
    default:
        for (size_t i = 0; i < h->n_gpus; i++) {
            const char *v = t->prop == BOLT_GPUREQ_ARCH ? h->archs[i] : h->brands[i];
            int cmp = t->prop == BOLT_GPUREQ_ARCH ? bolt_gpureq_vercmp(v ? v : "0", t->value)
                                                  : strcasecmp(v ? v : "", t->value);
            if (!cmp_holds(cmp, t->op))
                return false;
        }
        return true;
    }
}

static void
describe_host(const struct bolt_gpureq_host *h, char *buf, size_t len)
{
    int n = snprintf(buf, len, "this host has CUDA %s (driver %s)", h->cuda ? h->cuda : "unknown",
                     h->driver ? h->driver : "unknown");

    for (size_t i = 0; i < h->n_gpus && n > 0 && (size_t)n < len; i++) {
        int w = snprintf(buf + n, len - (size_t)n, "%s GPU %zu arch %s brand %s",
                         i ? "," : ";", i, h->archs[i] ? h->archs[i] : "?",
                         h->brands[i] ? h->brands[i] : "?");
        if (w < 0)
            break;
        n += w;
    }
}

int
bolt_gpureq_check(const struct bolt_gpureq *req, const struct bolt_gpureq_host *host,
                  struct bolt_err *err)
{
    for (size_t i = 0; i < req->n_clauses; i++) {
        const struct bolt_gpureq_clause *c = &req->clauses[i];
        bool ok = c->n_alts == 0;
        char hbuf[400];
        for (size_t a = 0; a < c->n_alts && !ok; a++) {
            bool all = true;
            for (size_t t = 0; t < c->alts[a].n_terms && all; t++)
                all = term_holds(&c->alts[a].terms[t], host);
            ok = all;
        }
        if (!ok) {
            describe_host(host, hbuf, sizeof(hbuf));
            return bolt_err_set(err, 0, "%s '%.200s' is not met: %s (set "
                                        "NVIDIA_DISABLE_REQUIRE=true to skip the check)",
                                c->source, c->text, hbuf);
        }
    }
    return 0;
}

static const char *
env_get(char *const *env, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
            return env[i] + n + 1;
    return NULL;
}

static bool
parse_bool_true(const char *v)
{
    /* Go's strconv.ParseBool true values */
    return v && (strcmp(v, "1") == 0 || strcmp(v, "t") == 0 || strcmp(v, "T") == 0
                 || strcmp(v, "true") == 0 || strcmp(v, "TRUE") == 0 || strcmp(v, "True") == 0);
}

int
bolt_gpusel_from_env(char *const *env, struct bolt_gpusel *sel, struct bolt_gpureq *req,
                     struct bolt_err *err)
{
    const char *vis = env_get(env, "NVIDIA_VISIBLE_DEVICES");
    const char *caps = env_get(env, "NVIDIA_DRIVER_CAPABILITIES");
    const char *cuda = env_get(env, "CUDA_VERSION");
    bool legacy = cuda != NULL && env_get(env, "NVIDIA_REQUIRE_CUDA") == NULL;

    memset(sel, 0, sizeof(*sel));
    if (vis != NULL) {
        if (bolt_gpusel_parse_devices(vis, "NVIDIA_VISIBLE_DEVICES", sel, err) < 0)
            return -1;
    } else if (legacy) {
        sel->kind = BOLT_GPUSEL_ALL;
    }
    if (caps != NULL && *caps != '\0') {
        if (bolt_gpusel_parse_caps(caps, "NVIDIA_DRIVER_CAPABILITIES", &sel->caps, err) < 0)
            return -1;
        sel->caps_set = true;
    } else if (legacy) {
        sel->caps = BOLT_NV_CAP_ALL;
        sel->caps_set = true;
    }
    if (req == NULL || parse_bool_true(env_get(env, "NVIDIA_DISABLE_REQUIRE")))
        return 0;
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        cleanup_free char *name = NULL;
        if (strncmp(env[i], "NVIDIA_REQUIRE_", 15) != 0 || eq == NULL)
            continue;
        name = xstrndup(env[i], (size_t)(eq - env[i]));
        if (strcmp(name, "NVIDIA_REQUIRE_JETPACK") == 0)
            continue;
        if (bolt_gpureq_add(req, name, eq + 1, err) < 0)
            return -1;
    }
    if (legacy) {
        /* CUDA_VERSION=X.Y.Z of a legacy image means cuda>=X.Y */
        unsigned maj = 0, min = 0;
        if (sscanf(cuda, "%u.%u", &maj, &min) == 2) {
            char buf[64];
            snprintf(buf, sizeof(buf), "cuda>=%u.%u", maj, min);
            if (bolt_gpureq_add(req, "CUDA_VERSION", buf, err) < 0)
                return -1;
        }
    }
    return 0;
}
