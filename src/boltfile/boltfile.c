/* SPDX-License-Identifier: Apache-2.0 */
/* Boltfile loading: top-level keys, services, networks, volumes, and the checks across them. */
#include "boltfile/boltfile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltfile/bf_internal.h"
#include "util/fs.h"
#include "util/mem.h"

static const char *const top_keys[] = {"project", "services", "networks", "volumes", NULL};
static const char *const network_keys[] = {"driver", "internal", "subnet", NULL};
static const char *const network_drivers[] = {"bridge", "host", "none", NULL};
static const char *const volume_keys[] = {"driver", "external", NULL};
static const char *const volume_drivers[] = {"local", NULL};

static bool
valid_project(const char *s)
{
    if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    return true;
}

static bool
valid_service_name(const char *s, size_t len)
{
    if (len == 0 || strlen(s) != len || !isalnum((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

/* The default project name: the Boltfile's directory, lower-cased, other characters dropped. */
static char *
project_from_dir(const char *dir)
{
    const char *base = strrchr(dir, '/');
    char *out = xstrdup(base ? base + 1 : dir), *w = out;

    for (const char *r = out; *r; r++) {
        char ch = (char)tolower((unsigned char)*r);
        if (isalnum((unsigned char)ch) || ((ch == '-' || ch == '_') && w != out))
            *w++ = ch;
    }
    *w = '\0';
    if (*out == '\0') {
        free(out);
        out = xstrdup("default");
    }
    return out;
}

static void
parse_networks(struct bf_ctx *c, const struct bolt_toml_value *root, struct bolt_boltfile *bf)
{
    const struct bolt_toml_value *nets = bf_get_table(c, root, "", "networks");

    if (nets == NULL)
        return;
    bf->networks = xcalloc(nets->u.table.n + 1, sizeof(*bf->networks));
    for (size_t i = 0; i < nets->u.table.n; i++) {
        const struct bolt_toml_kv *kv = &nets->u.table.items[i];
        struct bolt_bf_network *n = &bf->networks[bf->n_networks];
        cleanup_free char *p = bf_join("networks", kv->key);
        if (kv->value->type != BOLT_TOML_TABLE) {
            bf_wrong_type(c, p, kv->value, "a table");
            continue;
        }
        bf_check_keys(c, kv->value, p, network_keys);
        n->name = xstrdup(kv->key);
        bf_get_enum(c, kv->value, p, "driver", network_drivers, &n->driver);
        if (n->driver == NULL)
            n->driver = xstrdup("bridge");
        bf_get_bool(c, kv->value, p, "internal", &n->internal);
        bf_get_str(c, kv->value, p, "subnet", &n->subnet);
        if (n->subnet
            && (strchr(n->subnet, '/') == NULL
                || strspn(n->subnet, "0123456789abcdefABCDEF.:/") != strlen(n->subnet)))
            bf_report(c, bolt_toml_get(kv->value, "subnet")->pos,
                      "%s.subnet: invalid subnet '%s' (expected CIDR like \"10.89.0.0/24\")", p,
                      n->subnet);
        bf->n_networks++;
    }
}

static void
parse_volumes(struct bf_ctx *c, const struct bolt_toml_value *root, struct bolt_boltfile *bf)
{
    const struct bolt_toml_value *vols = bf_get_table(c, root, "", "volumes");

    c->volumes = vols;
    if (vols == NULL)
        return;
    bf->volumes = xcalloc(vols->u.table.n + 1, sizeof(*bf->volumes));
    for (size_t i = 0; i < vols->u.table.n; i++) {
        const struct bolt_toml_kv *kv = &vols->u.table.items[i];
        struct bolt_bf_named_volume *v = &bf->volumes[bf->n_volumes];
        cleanup_free char *p = bf_join("volumes", kv->key);
        if (kv->value->type != BOLT_TOML_TABLE) {
            bf_wrong_type(c, p, kv->value, "a table");
            continue;
        }
        bf_check_keys(c, kv->value, p, volume_keys);
        v->name = xstrdup(kv->key);
        bf_get_enum(c, kv->value, p, "driver", volume_drivers, &v->driver);
        if (v->driver == NULL)
            v->driver = xstrdup("local");
        bf_get_bool(c, kv->value, p, "external", &v->external);
        bf->n_volumes++;
    }
}

static void
parse_services(struct bf_ctx *c, const struct bolt_toml_value *root, struct bolt_boltfile *bf)
{
    const struct bolt_toml_value *svcs = bolt_toml_get(root, "services");

    if (svcs == NULL) {
        bf_report(c, (struct bolt_toml_pos){1, 1},
                  "no services defined (add a [services.NAME] table with an image)");
        return;
    }
    if (svcs->type != BOLT_TOML_TABLE) {
        bf_wrong_type(c, "services", svcs, "a table of services");
        return;
    }
    if (svcs->u.table.n == 0)
        bf_report(c, svcs->pos, "no services defined (add a [services.NAME] table with an image)");
    c->services = svcs;
    bf->services = xcalloc(svcs->u.table.n + 1, sizeof(*bf->services));
    for (size_t i = 0; i < svcs->u.table.n; i++) {
        const struct bolt_toml_kv *kv = &svcs->u.table.items[i];
        struct bolt_bf_service *svc = &bf->services[bf->n_services];
        cleanup_free char *p = bf_join("services", kv->key);
        if (!valid_service_name(kv->key, kv->key_len)) {
            bf_report(c, kv->key_pos,
                      "invalid service name '%s' (use letters, digits, '_', '.' "
                      "and '-', starting with a letter or digit)",
                      kv->key);
            continue;
        }
        if (kv->value->type != BOLT_TOML_TABLE) {
            bf_wrong_type(c, p, kv->value, "a table");
            continue;
        }
        svc->name = xstrdup(kv->key);
        svc->pos = kv->key_pos;
        bf_parse_service(c, kv->value, p, svc);
        bf->n_services++;
    }
}

/* Where service `from` names `to` in its depends_on (for messages about that edge). */
static struct bolt_toml_pos
dep_pos(const struct bolt_toml_value *services, const char *from, const char *to)
{
    const struct bolt_toml_value *svc = bolt_toml_get(services, from);
    const struct bolt_toml_value *deps = bolt_toml_get(svc, "depends_on");

    if (deps != NULL && deps->type == BOLT_TOML_TABLE && bolt_toml_get_kv(deps, to))
        return bolt_toml_get_kv(deps, to)->key_pos;
    for (size_t i = 0; deps != NULL && deps->type == BOLT_TOML_ARRAY && i < deps->u.array.n; i++)
        if (deps->u.array.items[i]->type == BOLT_TOML_STRING
            && strcmp(deps->u.array.items[i]->u.str.ptr, to) == 0)
            return deps->u.array.items[i]->pos;
    return svc ? svc->pos : (struct bolt_toml_pos){1, 1};
}

static size_t
service_index(const struct bolt_boltfile *bf, const char *name)
{
    for (size_t i = 0; i < bf->n_services; i++)
        if (strcmp(bf->services[i].name, name) == 0)
            return i;
    return (size_t)-1;
}

struct cycle_walk {
    struct bf_ctx *c;
    const struct bolt_boltfile *bf;
    int *state; /* 0 new, 1 on the stack, 2 done */
    bool *reported;
    size_t *stack, depth;
};

static void
report_cycle(struct cycle_walk *w, size_t from)
{
    char text[512] = "";
    size_t start = 0;
    bool fresh = false;

    while (w->stack[start] != from)
        start++;
    for (size_t k = start; k < w->depth; k++) {
        fresh |= !w->reported[w->stack[k]];
        w->reported[w->stack[k]] = true;
        strncat(text, w->bf->services[w->stack[k]].name, sizeof(text) - strlen(text) - 1);
        strncat(text, " -> ", sizeof(text) - strlen(text) - 1);
    }
    strncat(text, w->bf->services[from].name, sizeof(text) - strlen(text) - 1);
    if (!fresh)
        return;
    const char *first = w->bf->services[from].name;
    const char *next = w->bf->services[start + 1 < w->depth ? w->stack[start + 1] : from].name;
    bf_report(w->c, dep_pos(w->c->services, first, next),
              "services.%s.depends_on: dependency "
              "cycle: %s",
              first, text);
}

static void
visit(struct cycle_walk *w, size_t i)
{
    const struct bolt_bf_service *s = &w->bf->services[i];

    w->state[i] = 1;
    w->stack[w->depth++] = i;
    for (size_t d = 0; d < s->n_depends_on; d++) {
        size_t j = service_index(w->bf, s->depends_on[d].service);
        if (j == (size_t)-1)
            continue;
        if (w->state[j] == 1)
            report_cycle(w, j);
        else if (w->state[j] == 0)
            visit(w, j);
    }
    w->depth--;
    w->state[i] = 2;
}

static void
check_dependencies(struct bf_ctx *c, const struct bolt_boltfile *bf)
{
    struct cycle_walk w = {c, bf, NULL, NULL, NULL, 0};

    for (size_t i = 0; i < bf->n_services; i++) {
        const struct bolt_bf_service *s = &bf->services[i];
        for (size_t d = 0; d < s->n_depends_on; d++) {
            size_t j = service_index(bf, s->depends_on[d].service);
            if (s->depends_on[d].condition != BOLT_BF_COND_HEALTHY || j == (size_t)-1
                || (bf->services[j].healthcheck.present && !bf->services[j].healthcheck.disabled))
                continue;
            bf_report(c, dep_pos(c->services, s->name, bf->services[j].name),
                      "services.%s.depends_on.%s: condition 'service_healthy' needs a "
                      "healthcheck in service '%s'",
                      s->name, bf->services[j].name, bf->services[j].name);
        }
    }
    w.state = xcalloc(bf->n_services + 1, sizeof(int));
    w.reported = xcalloc(bf->n_services + 1, sizeof(bool));
    w.stack = xcalloc(bf->n_services + 1, sizeof(size_t));
    for (size_t i = 0; i < bf->n_services; i++)
        if (w.state[i] == 0)
            visit(&w, i);
    free(w.state);
    free(w.reported);
    free(w.stack);
}

static int
cmp_diag(const void *a, const void *b)
{
    const struct bf_diag *x = a, *y = b;

    if (x->pos.line != y->pos.line)
        return x->pos.line < y->pos.line ? -1 : 1;
    if (x->pos.col != y->pos.col)
        return x->pos.col < y->pos.col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Move the collected problems into diags (sorted, with the file prefix); returns their count. */
static size_t
finish_diags(struct bf_ctx *c, const char *name, struct bolt_bf_diags *diags)
{
    size_t n = c->n;

    if (c->n > 0)
        qsort(c->diags, c->n, sizeof(*c->diags), cmp_diag);
    for (size_t i = 0; i < c->n; i++) {
        if (diags != NULL) {
            cleanup_free char *line = xasprintf("%s:%u:%u: %s", name, c->diags[i].pos.line,
                                                c->diags[i].pos.col, c->diags[i].msg);
            bolt_strv_push(&diags->msgs, line);
            diags->n++;
        }
        free(c->diags[i].msg);
    }
    free(c->diags);
    c->diags = NULL;
    c->n = c->cap = 0;
    return n;
}

static char *
dir_of(const char *path)
{
    char *dir = xstrdup(path), *slash = strrchr(dir, '/');

    if (slash == dir)
        slash[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    else {
        free(dir);
        dir = xstrdup(".");
    }
    return dir;
}

struct bolt_boltfile *
bolt_boltfile_from_toml(const struct bolt_toml_value *root, const char *display_name,
                        const char *path, const char *project, struct bolt_bf_diags *diags,
                        struct bolt_err *err)
{
    struct bolt_boltfile *bf = xzalloc(sizeof(*bf));
    char real[PATH_MAX];
    struct bf_ctx c = {0};
    size_t n;

    bf->path = xstrdup(realpath(path, real) ? real : path);
    bf->dir = dir_of(bf->path);
    c.dir = bf->dir;
    bf_check_keys(&c, root, "", top_keys);
    bf_get_str(&c, root, "", "project", &bf->project);
    if (bf->project && !valid_project(bf->project))
        bf_report(&c, bolt_toml_get(root, "project")->pos,
                  "project: invalid name '%s' (use lowercase letters, digits, '_' and '-', "
                  "starting with a letter or digit)",
                  bf->project);
    parse_volumes(&c, root, bf);
    parse_networks(&c, root, bf);
    parse_services(&c, root, bf);
    check_dependencies(&c, bf);
    n = finish_diags(&c, display_name, diags);
    if (n > 0) {
        bolt_boltfile_free(bf);
        bolt_err_set(err, 0, "%s: %zu problem%s found", display_name, n, n == 1 ? "" : "s");
        return NULL;
    }
    if (project != NULL) {
        free(bf->project);
        bf->project = xstrdup(project);
    } else if (bf->project == NULL) {
        bf->project = project_from_dir(bf->dir);
    }
    return bf;
}

struct bolt_boltfile *
bolt_boltfile_load(const char *path, const char *project, struct bolt_bf_diags *diags,
                   struct bolt_err *err)
{
    cleanup_free char *data = NULL;
    struct bolt_toml_value *root;
    struct bolt_boltfile *bf;
    struct bolt_err perr = {0};
    size_t len = 0;

    if (project != NULL && !valid_project(project)) {
        bolt_err_set(err, 0,
                     "invalid project name '%s' (use lowercase letters, digits, '_' and "
                     "'-', starting with a letter or digit)",
                     project);
        return NULL;
    }
    data = bolt_read_file(path, &len, err);
    if (data == NULL)
        return NULL;
    root = bolt_toml_parse(data, len, &perr);
    if (root == NULL) {
        if (diags != NULL) {
            cleanup_free char *line = xasprintf("%s:%s", path, perr.msg);
            bolt_strv_push(&diags->msgs, line);
            diags->n++;
        }
        bolt_err_set(err, 0, "%s: 1 problem found", path);
        return NULL;
    }
    bf = bolt_boltfile_from_toml(root, path, path, project, diags, err);
    bolt_toml_free(root);
    return bf;
}

void
bolt_bf_diags_fini(struct bolt_bf_diags *d)
{
    if (d == NULL)
        return;
    bolt_strv_free(d->msgs);
    d->msgs = NULL;
    d->n = 0;
}

void
bolt_boltfile_free(struct bolt_boltfile *bf)
{
    if (bf == NULL)
        return;
    for (size_t i = 0; i < bf->n_services; i++)
        bf_service_fini(&bf->services[i]);
    for (size_t i = 0; i < bf->n_networks; i++) {
        free(bf->networks[i].name);
        free(bf->networks[i].driver);
        free(bf->networks[i].subnet);
    }
    for (size_t i = 0; i < bf->n_volumes; i++) {
        free(bf->volumes[i].name);
        free(bf->volumes[i].driver);
    }
    free(bf->services);
    free(bf->networks);
    free(bf->volumes);
    free(bf->path);
    free(bf->dir);
    free(bf->project);
    free(bf);
}

char *
bolt_boltfile_find(const char *file, struct bolt_err *err)
{
    char cwd[PATH_MAX];
    cleanup_free char *dir = NULL;

    if (file != NULL) {
        if (access(file, R_OK) < 0) {
            bolt_err_set(err, errno, "Boltfile '%s'", file);
            return NULL;
        }
        return xstrdup(file);
    }
    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        bolt_err_set(err, errno, "getcwd");
        return NULL;
    }
    if (access(BOLT_BOLTFILE_NAME, F_OK) == 0)
        return xstrdup(BOLT_BOLTFILE_NAME);
    dir = xstrdup(cwd);
    for (;;) {
        char *slash = strrchr(dir, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        cleanup_free char *cand = xasprintf("%s/%s", dir, BOLT_BOLTFILE_NAME);
        if (access(cand, F_OK) == 0)
            return steal_ptr(&cand);
        if (*dir == '\0')
            break;
    }
    bolt_err_set(err, 0, "no %s in '%s' or its parents (use -f FILE to name one)",
                 BOLT_BOLTFILE_NAME, cwd);
    return NULL;
}

const struct bolt_bf_service *
bolt_boltfile_service(const struct bolt_boltfile *bf, const char *name)
{
    size_t i = service_index(bf, name);

    return i == (size_t)-1 ? NULL : &bf->services[i];
}

void
bolt_boltfile_start_order(const struct bolt_boltfile *bf, size_t *order)
{
    bool *placed = xcalloc(bf->n_services + 1, sizeof(bool));
    size_t n = 0;

    while (n < bf->n_services) {
        size_t before = n;
        for (size_t i = 0; i < bf->n_services; i++) {
            bool ready = !placed[i];
            for (size_t d = 0; ready && d < bf->services[i].n_depends_on; d++) {
                size_t j = service_index(bf, bf->services[i].depends_on[d].service);
                ready = j == (size_t)-1 || placed[j];
            }
            if (ready) {
                placed[i] = true;
                order[n++] = i;
                break;
            }
        }
        if (n == before) /* a cycle: cannot happen in a validated stack; keep file order */
            for (size_t i = 0; i < bf->n_services; i++)
                if (!placed[i]) {
                    placed[i] = true;
                    order[n++] = i;
                }
    }
    free(placed);
}

const char *
bolt_bf_restart_name(enum bolt_bf_restart r)
{
    switch (r) {
    case BOLT_BF_RESTART_ALWAYS:
        return "always";
    case BOLT_BF_RESTART_ON_FAILURE:
        return "on-failure";
    case BOLT_BF_RESTART_UNLESS_STOPPED:
        return "unless-stopped";
    default:
        return "no";
    }
}

const char *
bolt_bf_condition_name(enum bolt_bf_condition c)
{
    switch (c) {
    case BOLT_BF_COND_HEALTHY:
        return "service_healthy";
    case BOLT_BF_COND_COMPLETED:
        return "service_completed_successfully";
    default:
        return "service_started";
    }
}
