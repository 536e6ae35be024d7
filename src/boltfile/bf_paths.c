/* SPDX-License-Identifier: Apache-2.0 */
/* Keys naming host paths: volumes (binds, named and anonymous) and env files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltfile/bf_internal.h"
#include "util/mem.h"

/* --- volumes------------------------------------------------------------------- */

static bool
volume_mode(const char *mode, bool *ro)
{
    cleanup_free char *m = xstrdup(mode);
    char *save = NULL;

    for (char *o = strtok_r(m, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (strcmp(o, "ro") == 0)
            *ro = true;
        else if (strcmp(o, "rw") == 0)
            *ro = false;
        else if (strcmp(o, "z") != 0 && strcmp(o, "Z") != 0)
            return false;
    }
    return true;
}

static char *
host_path(struct bf_ctx *c, const char *src)
{
    const char *home = getenv("HOME");

    if (src[0] == '/')
        return xstrdup(src);
    if (src[0] == '~' && (src[1] == '/' || src[1] == '\0'))
        return xasprintf("%s%s", home && *home ? home : "/root", src + 1);
    if (strcmp(src, ".") == 0)
        return xstrdup(c->dir);
    return xasprintf("%s/%s", c->dir, src[0] == '.' && src[1] == '/' ? src + 2 : src);
}

static bool
is_host_path(const char *s)
{
    return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

static void
parse_volume(struct bf_ctx *c, const struct bolt_toml_value *e, const char *ep,
             struct bolt_bf_service *svc)
{
    cleanup_strv char **parts = NULL;
    cleanup_free char *s = xstrdup(e->u.str.ptr);
    struct bolt_bf_volume vol = {0};
    char *save = NULL;
    size_t n;

    for (char *tok = strtok_r(s, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
        bolt_strv_push(&parts, tok);
    n = bolt_strv_len(parts);
    if (n == 0 || n > 3 || (n == 3 && !volume_mode(parts[2], &vol.read_only))) {
        bf_report(c, e->pos, "%s: invalid volume '%s' (expected [SOURCE:]TARGET[:ro|rw])", ep,
                  e->u.str.ptr);
        return;
    }
    if (n == 2 && parts[1][0] != '/' && volume_mode(parts[1], &vol.read_only)) {
        bf_report(c, e->pos, "%s: invalid volume '%s' (expected [SOURCE:]TARGET[:ro|rw])", ep,
                  e->u.str.ptr);
        return;
    }
    const char *target = parts[n == 1 ? 0 : 1];
    if (target[0] != '/') {
        bf_report(c, e->pos, "%s: container path '%s' must be absolute", ep, target);
        return;
    }
    vol.target = xstrdup(target);
    if (n == 1) {
        vol.type = BOLT_BF_VOLUME_ANONYMOUS;
    } else if (is_host_path(parts[0])) {
        vol.type = BOLT_BF_VOLUME_BIND;
        vol.source = host_path(c, parts[0]);
    } else {
        vol.type = BOLT_BF_VOLUME_NAMED;
        vol.source = xstrdup(parts[0]);
        if (bolt_toml_get(c->volumes, parts[0]) == NULL) {
            bf_report(c, e->pos,
                      "%s: volume '%s' is not declared (add a [volumes.%s] table, or "
                      "write ./%s for a directory next to the Boltfile)",
                      ep, parts[0], parts[0], parts[0]);
            free(vol.source);
            free(vol.target);
            return;
        }
    }
    svc->volumes[svc->n_volumes++] = vol;
}

void
bf_parse_volumes(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                 struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v = bolt_toml_get(t, "volumes");
    cleanup_free char *p = bf_join(path, "volumes");

    if (v == NULL)
        return;
    if (v->type != BOLT_TOML_ARRAY) {
        bf_wrong_type(c, p, v, "an array of \"SOURCE:TARGET[:ro]\" strings");
        return;
    }
    svc->volumes = xcalloc(v->u.array.n ? v->u.array.n : 1, sizeof(*svc->volumes));
    for (size_t i = 0; i < v->u.array.n; i++) {
        const struct bolt_toml_value *e = v->u.array.items[i];
        cleanup_free char *ep = xasprintf("%s[%zu]", p, i);
        if (e->type != BOLT_TOML_STRING || strlen(e->u.str.ptr) != e->u.str.len)
            bf_wrong_type(c, ep, e, "a \"SOURCE:TARGET[:ro]\" string");
        else
            parse_volume(c, e, ep, svc);
    }
}

void
bf_parse_env_files(struct bf_ctx *c, const struct bolt_toml_value *t, const char *path,
                   struct bolt_bf_service *svc)
{
    const struct bolt_toml_value *v;

    if (!bf_get_strv(c, t, path, "env_file", false, &svc->env_file) || svc->env_file == NULL)
        return;
    v = bolt_toml_get(t, "env_file");
    for (size_t i = 0; svc->env_file[i]; i++) {
        char *abs = host_path(c, svc->env_file[i]);
        struct bolt_toml_pos pos = v->type == BOLT_TOML_ARRAY ? v->u.array.items[i]->pos : v->pos;
        if (access(abs, R_OK) < 0) {
            cleanup_free char *ep = v->type == BOLT_TOML_ARRAY
                                        ? xasprintf("%s.env_file[%zu]", path, i)
                                        : xasprintf("%s.env_file", path);
            bf_report(c, pos, "%s: cannot read '%s': %s", ep, abs, strerror(errno));
        }
        free(svc->env_file[i]);
        svc->env_file[i] = abs;
    }
}
