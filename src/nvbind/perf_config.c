/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvbind settings in the config file (see perf_config.h).
 */
#include "nvbind/perf_config.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nvbind/config.h"
#include "nvbind/gpusel.h"
#include "nvbind/perf.h"
#include "toml/toml.h"
#include "util/fs.h"
#include "util/mem.h"

static const char *const keys[] = {"devices", "performance", "driver", "wsl2"};

const char *
bolt_nv_settings_path(void)
{
    const char *f = getenv("BOLT_NVBIND_CONFIG");

    return f && *f ? f : BOLT_NV_CONFIG_FILE;
}

void
bolt_nv_settings_fini(struct bolt_nv_settings *s)
{
    free(s->devices);
    free(s->performance);
    free(s->driver);
    memset(s, 0, sizeof(*s));
    s->wsl2 = -1;
}

int
bolt_nv_settings_load(struct bolt_nv_settings *s, const char *path, struct bolt_err *err)
{
    struct bolt_toml_value *root;
    const char *v;
    struct stat st;
    bool b;
    int r = 0;

    memset(s, 0, sizeof(*s));
    s->wsl2 = -1;
    if (stat(path, &st) < 0 && errno == ENOENT)
        return 0;
    if ((root = bolt_toml_load_file(path, err)) == NULL)
        return -1;
    for (size_t i = 0; i < 3 && r >= 0; i++) {
        v = NULL;
        r = bolt_toml_get_str(root, keys[i], path, &v, err);
        if (r > 0)
            *(i == 0 ? &s->devices : i == 1 ? &s->performance : &s->driver) = xstrdup(v);
    }
    if (r >= 0 && (r = bolt_toml_get_bool(root, "wsl2", path, &b, err)) > 0)
        s->wsl2 = b;
    bolt_toml_free(root);
    if (r < 0)
        return -1;
    if (bolt_nv_settings_validate(s, err) < 0)
        return bolt_err_wrap(err, "%s", path);
    return 0;
}

int
bolt_nv_settings_validate(const struct bolt_nv_settings *s, struct bolt_err *err)
{
    static const char *const drivers[] = {"auto", "nvidia-open", "proprietary", "nouveau"};
    enum bolt_nv_perf_mode m;
    bool ok = false;

    if (s->devices && strcmp(s->devices, "all") != 0) {
        struct bolt_gpusel sel = {0};
        int r = bolt_gpusel_parse_gpu(s->devices, &sel, err);
        bolt_gpusel_fini(&sel);
        if (r < 0)
            return bolt_err_wrap(err,
                                 "devices (--devices) '%s': expected all or a list such as "
                                 "0,1 or GPU-<uuid>",
                                 s->devices);
    }
    if (s->performance
        && bolt_nv_perf_mode_parse(s->performance, "performance (--performance)", &m, err) < 0)
        return -1;
    for (size_t i = 0; s->driver && i < 4; i++)
        ok = ok || strcmp(s->driver, drivers[i]) == 0;
    if (s->driver && !ok)
        return bolt_err_set(err, 0,
                            "driver (--driver): invalid value '%s' (expected auto, "
                            "nvidia-open, proprietary or nouveau)",
                            s->driver);
    return 0;
}

/* The key a top-level "key = ..." line sets, if it is one of ours; -1 otherwise. */
static int
our_key(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(keys[i]);
        const char *p = line + n;
        if (strncmp(line, keys[i], n) != 0)
            continue;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '=')
            return i;
    }
    return -1;
}

static char *
key_line(const struct bolt_nv_settings *s, int k)
{
    const char *v = k == 0 ? s->devices : k == 1 ? s->performance : k == 2 ? s->driver : NULL;

    if (k == 3)
        return s->wsl2 < 0 ? NULL : xasprintf("wsl2 = %s\n", s->wsl2 ? "true" : "false");
    return v ? xasprintf("%s = \"%s\"\n", keys[k], v) : NULL;
}

int
bolt_nv_settings_save(const struct bolt_nv_settings *s, const char *path, struct bolt_err *err)
{
    cleanup_free char *old = NULL, *out = xstrdup(""), *head = xstrdup(""), *dir = xstrdup(path);
    struct bolt_toml_value *check;
    bool in_table = false;

    if (bolt_nv_settings_validate(s, err) < 0)
        return -1;
    old = bolt_read_file(path, NULL, NULL);
    for (int k = 0; k < 4; k++) {
        cleanup_free char *l = key_line(s, k);
        char *n = xasprintf("%s%s", head, l ? l : "");
        free(head);
        head = n;
    }
    /* our keys first (top level), then the old lines minus our old top-level keys */
    for (char *p = old; p && *p;) {
        size_t len = strcspn(p, "\n");
        cleanup_free char *line = xstrndup(p, len);
        const char *t = line + strspn(line, " \t");
        if (*t == '[')
            in_table = true;
        if (in_table || our_key(line) < 0) {
            char *n = xasprintf("%s%s\n", out, line);
            free(out);
            out = n;
        }
        p += len + (p[len] == '\n');
    }
    {
        char *n = xasprintf("%s%s", head, out);
        free(out);
        out = n;
    }
    if ((check = bolt_toml_parse(out, strlen(out), err)) == NULL)
        return bolt_err_wrap(err, "%s: the updated file would not be valid TOML", path);
    bolt_toml_free(check);
    if (bolt_mkdir_p(dirname(dir), 0755, err) < 0)
        return -1;
    return bolt_write_file_atomic(path, out, strlen(out), 0644, err);
}
