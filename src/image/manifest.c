/* SPDX-License-Identifier: Apache-2.0 */
#include "image/manifest.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "image/ref.h"
#include "util/json.h"
#include "util/mem.h"

static void
descriptor_fini(struct bolt_descriptor *d)
{
    free(d->media_type);
    free(d->digest);
    free(d->os);
    free(d->arch);
    free(d->variant);
    free(d->ref_name);
    memset(d, 0, sizeof(*d));
}

void
bolt_manifest_fini(struct bolt_manifest *m)
{
    if (m == NULL)
        return;
    free(m->media_type);
    descriptor_fini(&m->config);
    for (size_t i = 0; i < m->n_layers; i++)
        descriptor_fini(&m->layers[i]);
    free(m->layers);
    for (size_t i = 0; i < m->n_manifests; i++)
        descriptor_fini(&m->manifests[i]);
    free(m->manifests);
    memset(m, 0, sizeof(*m));
}

static int
parse_descriptor(json_t *o, const char *path, struct bolt_descriptor *d, struct bolt_err *err)
{
    bool bad = false;
    json_t *plat, *ann;

    if (!json_is_object(o))
        return bolt_err_set(err, 0, "%s: expected an object", path);
    if (bolt_json_get_str(o, path, "mediaType", &d->media_type, err) < 0
        || bolt_json_req_str(o, path, "digest", &d->digest, err) < 0
        || bolt_json_get_i64(o, path, "size", &d->size, err) < 0)
        return -1;
    if (!bolt_digest_is_valid(d->digest))
        return bolt_err_set(err, 0, "%s.digest: '%s' is not sha256:<64 hex digits>", path,
                            d->digest);
    if (d->size < 0)
        return bolt_err_set(err, 0, "%s.size: must not be negative", path);
    plat = bolt_json_get_obj(o, path, "platform", &bad, err);
    if (bad)
        return -1;
    if (plat
        && (bolt_json_get_str(plat, path, "os", &d->os, err) < 0
            || bolt_json_get_str(plat, path, "architecture", &d->arch, err) < 0
            || bolt_json_get_str(plat, path, "variant", &d->variant, err) < 0))
        return -1;
    ann = bolt_json_get_obj(o, path, "annotations", &bad, err);
    if (bad)
        return -1;
    if (ann && bolt_json_get_str(ann, path, "org.opencontainers.image.ref.name", &d->ref_name,
                                 err) < 0)
        return -1;
    return 0;
}

static int
parse_array(json_t *root, const char *what, const char *key, struct bolt_descriptor **out,
            size_t *n_out, struct bolt_err *err)
{
    bool bad = false;
    json_t *arr = bolt_json_get_arr(root, what, key, &bad, err);
    size_t i;
    json_t *v;

    if (bad)
        return -1;
    if (arr == NULL)
        return bolt_err_set(err, 0, "%s: missing \"%s\"", what, key);
    *out = xcalloc(json_array_size(arr) + 1, sizeof(**out));
    json_array_foreach(arr, i, v)
    {
        char path[96];
        snprintf(path, sizeof(path), "%s[%zu]", key, i);
        *n_out = i + 1;
        if (parse_descriptor(v, path, &(*out)[i], err) < 0)
            return bolt_err_wrap(err, "%s", what);
    }
    return 0;
}

int
bolt_manifest_parse(const char *buf, size_t len, const char *content_type, const char *what,
                    struct bolt_manifest *out, struct bolt_err *err)
{
    json_t *root = bolt_json_loadb_object(buf, len, what, err);
    struct bolt_manifest m = {0};
    int64_t version = 0;
    int rc = -1;

    if (root == NULL)
        return -1;
    if (bolt_json_get_i64(root, what, "schemaVersion", &version, err) < 0
        || bolt_json_get_str(root, what, "mediaType", &m.media_type, err) < 0)
        goto out;
    if (version == 1 || json_object_get(root, "fsLayers")) {
        bolt_err_set(err, 0, "%s: docker schema 1 manifests are not supported (push the image "
                             "again with a current client)", what);
        goto out;
    }
    if (version != 2) {
        bolt_err_set(err, 0, "%s: schemaVersion %lld is not supported (expected 2)", what,
                     (long long)version);
        goto out;
    }
    if (m.media_type == NULL && content_type && *content_type)
        m.media_type = xstrndup(content_type, strcspn(content_type, "; "));
    if (json_object_get(root, "manifests")) {
        m.is_index = true;
        if (parse_array(root, what, "manifests", &m.manifests, &m.n_manifests, err) < 0)
            goto out;
        if (m.media_type == NULL)
            m.media_type = xstrdup(BOLT_MT_OCI_INDEX);
    } else {
        json_t *cfg = json_object_get(root, "config");
        if (cfg == NULL) {
            bolt_err_set(err, 0, "%s: neither \"config\" nor \"manifests\": not an image "
                                 "manifest or index", what);
            goto out;
        }
        if (parse_descriptor(cfg, "config", &m.config, err) < 0) {
            bolt_err_wrap(err, "%s", what);
            goto out;
        }
        if (parse_array(root, what, "layers", &m.layers, &m.n_layers, err) < 0)
            goto out;
        if (m.media_type == NULL)
            m.media_type = xstrdup(BOLT_MT_OCI_MANIFEST);
    }
    *out = m;
    memset(&m, 0, sizeof(m));
    rc = 0;
out:
    bolt_manifest_fini(&m);
    json_decref(root);
    return rc;
}

int
bolt_platform_parse(const char *s, char **os, char **arch, char **variant, struct bolt_err *err)
{
    cleanup_free char *w = xstrdup(s);
    char *a = strchr(w, '/'), *v = NULL;

    if (a == NULL || a == w || a[1] == '\0')
        return bolt_err_set(err, 0, "--platform '%s': expected os/arch[/variant], e.g. "
                                    "linux/amd64 or linux/arm/v7", s);
    *a++ = '\0';
    v = strchr(a, '/');
    if (v) {
        *v++ = '\0';
        if (*v == '\0' || strchr(v, '/'))
            return bolt_err_set(err, 0, "--platform '%s': expected os/arch[/variant]", s);
    }
    *os = xstrdup(w);
    *arch = xstrdup(a);
    *variant = v ? xstrdup(v) : NULL;
    return 0;
}

void
bolt_platform_host(const char **os, const char **arch)
{
    *os = "linux";
#if defined(__x86_64__)
    *arch = "amd64";
#elif defined(__aarch64__)
    *arch = "arm64";
#elif defined(__i386__)
    *arch = "386";
#elif defined(__arm__)
    *arch = "arm";
#elif defined(__powerpc64__)
    *arch = "ppc64le";
#elif defined(__s390x__)
    *arch = "s390x";
#elif defined(__riscv)
    *arch = "riscv64";
#else
    *arch = "unknown";
#endif
}

static bool
variant_matches(const struct bolt_descriptor *d, const char *arch, const char *variant)
{
    if (variant == NULL)
        return true;
    if (d->variant == NULL)
        return strcmp(arch, "arm64") == 0 && strcmp(variant, "v8") == 0;
    return strcmp(d->variant, variant) == 0;
}

const struct bolt_descriptor *
bolt_index_select(const struct bolt_manifest *idx, const char *os, const char *arch,
                  const char *variant, struct bolt_err *err)
{
    char have[400] = "";
    size_t used = 0;

    for (size_t i = 0; i < idx->n_manifests; i++) {
        const struct bolt_descriptor *d = &idx->manifests[i];
        if (d->os && d->arch && strcmp(d->os, os) == 0 && strcmp(d->arch, arch) == 0
            && variant_matches(d, arch, variant))
            return d;
    }
    for (size_t i = 0; i < idx->n_manifests && used < sizeof(have); i++) {
        const struct bolt_descriptor *d = &idx->manifests[i];
        int n = snprintf(have + used, sizeof(have) - used, "%s%s/%s%s%s", used ? ", " : "",
                         d->os ? d->os : "?", d->arch ? d->arch : "?", d->variant ? "/" : "",
                         d->variant ? d->variant : "");
        if (n < 0)
            break;
        used += (size_t)n;
    }
    bolt_err_set(err, 0, "no image for platform %s/%s%s%s in the index (it has: %s); pick one "
                         "with --platform", os, arch, variant ? "/" : "", variant ? variant : "",
                 used ? have : "nothing");
    return NULL;
}
