/* SPDX-License-Identifier: Apache-2.0 */
#include "nvbind/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "toml/toml.h"
#include "util/mem.h"

struct root_key {
    const char *name; /* "driver" */
    const char *key;  /* "driver_root" */
    const char *env;  /* "BOLT_DRIVER_ROOT" */
    size_t off;
};

static const struct root_key root_keys[] = {
    {"driver", "driver_root", "BOLT_DRIVER_ROOT", offsetof(struct bolt_nv_config, driver_root)},
    {"dev", "dev_root", "BOLT_DEV_ROOT", offsetof(struct bolt_nv_config, dev_root)},
    {"proc", "proc_root", "BOLT_PROC_ROOT", offsetof(struct bolt_nv_config, proc_root)},
    {"sys", "sys_root", "BOLT_SYS_ROOT", offsetof(struct bolt_nv_config, sys_root)},
};

static char **
field(struct bolt_nv_config *cfg, const struct root_key *k)
{
    /* k->off is offsetof() a char * member, so the address keeps that member's alignment;
     * the void * step says so to -Wcast-align */
    return (char **)(void *)((char *)cfg + k->off);
}

static void
set_field(struct bolt_nv_config *cfg, const struct root_key *k, const char *v)
{
    char **f = field(cfg, k);
    size_t n = strlen(v);

    free(*f);
    /* "/x/" and "/x" are the same root: keep no trailing slash except for "/" itself */
    while (n > 1 && v[n - 1] == '/')
        n--;
    *f = xstrndup(v, n);
}

void
bolt_nv_config_init(struct bolt_nv_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < sizeof(root_keys) / sizeof(root_keys[0]); i++)
        set_field(cfg, &root_keys[i], "/");
}

void
bolt_nv_config_fini(struct bolt_nv_config *cfg)
{
    for (size_t i = 0; i < sizeof(root_keys) / sizeof(root_keys[0]); i++) {
        free(*field(cfg, &root_keys[i]));
        *field(cfg, &root_keys[i]) = NULL;
    }
    free(cfg->config_file);
    cfg->config_file = NULL;
}

int
bolt_nv_config_load_file(struct bolt_nv_config *cfg, const char *path, bool optional,
                         struct bolt_err *err)
{
    struct bolt_toml_value *root;
    struct stat st;
    int rc = 0;

    if (optional && stat(path, &st) < 0 && errno == ENOENT)
        return 0;
    root = bolt_toml_load_file(path, err);
    if (root == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(root_keys) / sizeof(root_keys[0]); i++) {
        const struct bolt_toml_kv *kv = bolt_toml_get_kv(root, root_keys[i].key);
        if (kv == NULL)
            continue;
        if (kv->value->type != BOLT_TOML_STRING || kv->value->u.str.ptr[0] != '/') {
            rc = bolt_err_set(err, 0, "%s:%u: %s must be an absolute path string, e.g. "
                                      "%s = \"/run/nvidia/driver\"", path,
                              (unsigned)kv->key_pos.line, root_keys[i].key, root_keys[i].key);
            break;
        }
        set_field(cfg, &root_keys[i], kv->value->u.str.ptr);
    }
    bolt_toml_free(root);
    if (rc == 0) {
        free(cfg->config_file);
        cfg->config_file = xstrdup(path);
    }
    return rc;
}

void
bolt_nv_config_apply_env(struct bolt_nv_config *cfg)
{
    for (size_t i = 0; i < sizeof(root_keys) / sizeof(root_keys[0]); i++) {
        const char *v = getenv(root_keys[i].env);
        if (v != NULL && *v != '\0')
            set_field(cfg, &root_keys[i], v);
    }
}

int
bolt_nv_config_set_root(struct bolt_nv_config *cfg, const char *which, const char *value,
                        struct bolt_err *err)
{
    for (size_t i = 0; i < sizeof(root_keys) / sizeof(root_keys[0]); i++) {
        if (strcmp(root_keys[i].name, which) != 0)
            continue;
        if (value[0] != '/')
            return bolt_err_set(err, 0, "--%s-root '%s': expected an absolute path", which,
                                value);
        set_field(cfg, &root_keys[i], value);
        return 0;
    }
    return bolt_err_set(err, 0, "unknown root '%s' (expected driver, dev, proc or sys)", which);
}

int
bolt_nv_config_validate(const struct bolt_nv_config *cfg, struct bolt_err *err)
{
    for (size_t i = 0; i < sizeof(root_keys) / sizeof(root_keys[0]); i++) {
        const char *v = *field((struct bolt_nv_config *)cfg, &root_keys[i]);
        struct stat st;
        if (v[0] != '/')
            return bolt_err_set(err, 0, "%s '%s': expected an absolute path (set it with "
                                        "--%s-root, %s or %s in %s)", root_keys[i].key, v,
                                root_keys[i].name, root_keys[i].env, root_keys[i].key,
                                BOLT_NV_CONFIG_FILE);
        if (stat(v, &st) < 0 || !S_ISDIR(st.st_mode))
            return bolt_err_set(err, errno ? errno : ENOTDIR, "%s '%s' is not a directory (set "
                                "it with --%s-root, %s or %s in %s)", root_keys[i].key, v,
                                root_keys[i].name, root_keys[i].env, root_keys[i].key,
                                BOLT_NV_CONFIG_FILE);
    }
    return 0;
}

int
bolt_nv_config_load(struct bolt_nv_config *cfg, struct bolt_err *err)
{
    const char *file = getenv("BOLT_NVBIND_CONFIG");
    bool optional = file == NULL || *file == '\0';

    if (optional)
        file = BOLT_NV_CONFIG_FILE;
    if (bolt_nv_config_load_file(cfg, file, optional, err) < 0)
        return -1;
    bolt_nv_config_apply_env(cfg);
    return 0;
}

char *
bolt_nv_path(const char *root, const char *path)
{
    if (strcmp(root, "/") == 0)
        return xstrdup(path);
    return xasprintf("%s%s%s", root, path[0] == '/' ? "" : "/", path);
}
