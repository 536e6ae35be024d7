/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp profiles in the docker/containers format (moby's default.json,
 * /usr/share/containers/seccomp.json) -> the OCI model for this machine. That format adds
 * "archMap" (native arch -> sub-architectures) and per-rule "includes"/"excludes" by
 * capability, architecture and minimum kernel. Read as plain OCI, those conditions would
 * be ignored and every conditional rule applied, e.g. mount(2) allowed without
 * CAP_SYS_ADMIN; so they are resolved here, as docker and podman do before handing the
 * runtime a plain OCI profile.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "runtime/seccomp.h"
#include "util/json.h"
#include "util/mem.h"

#if defined(__x86_64__)
static const char *const native_names[] = {"amd64", "x86_64", "SCMP_ARCH_X86_64", NULL};
#elif defined(__aarch64__)
static const char *const native_names[] = {"arm64", "aarch64", "SCMP_ARCH_AARCH64", NULL};
#elif defined(__i386__)
static const char *const native_names[] = {"386", "x86", "SCMP_ARCH_X86", NULL};
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static const char *const native_names[] = {"ppc64le", "SCMP_ARCH_PPC64LE", NULL};
#elif defined(__s390x__)
static const char *const native_names[] = {"s390x", "SCMP_ARCH_S390X", NULL};
#elif defined(__riscv) && __riscv_xlen == 64
static const char *const native_names[] = {"riscv64", "SCMP_ARCH_RISCV64", NULL};
#else
static const char *const native_names[] = {NULL};
#endif

static bool
in_strv(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static bool
is_native(const char *arch)
{
    return in_strv((char *const *)native_names, arch);
}

/* Kernel version as major*1000+minor ("6.1.0-13-amd64" -> 6001); 0 if unknown. */
static long
kernel_version(void)
{
    struct utsname u;
    char *end;
    long major, minor;

    if (uname(&u) < 0)
        return 0;
    major = strtol(u.release, &end, 10);
    minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;
    return major * 1000 + minor;
}

static int
min_kernel_ok(const char *want, const char *path, bool *ok, struct bolt_err *err)
{
    char *end;
    long major = strtol(want, &end, 10), minor = 0;

    if (end == want || (*end != '.' && *end != '\0'))
        return bolt_err_set(err, 0, "%s.minKernel: expected a version such as \"4.8\", got '%s'",
                            path, want);
    if (*end == '.')
        minor = strtol(end + 1, NULL, 10);
    *ok = kernel_version() >= major * 1000 + minor;
    return 0;
}

/* Reads includes/excludes of rule i and says whether the rule applies here. */
static int
rule_applies(json_t *rule, size_t i, char *const *caps, bool *keep, struct bolt_err *err)
{
    cleanup_free char *path = xasprintf("syscalls[%zu]", i);
    cleanup_free char *ipath = xasprintf("syscalls[%zu].includes", i);
    cleanup_free char *epath = xasprintf("syscalls[%zu].excludes", i);
    cleanup_strv char **icaps = NULL, **iarches = NULL, **ecaps = NULL, **earches = NULL;
    cleanup_free char *minkernel = NULL;
    bool bad = false;
    json_t *inc = bolt_json_get_obj(rule, path, "includes", &bad, err);
    json_t *exc = bad ? NULL : bolt_json_get_obj(rule, path, "excludes", &bad, err);

    if (bad)
        return -1;
    if ((inc
         && (bolt_json_get_strv(inc, ipath, "caps", &icaps, err) < 0
             || bolt_json_get_strv(inc, ipath, "arches", &iarches, err) < 0
             || bolt_json_get_str(inc, ipath, "minKernel", &minkernel, err) < 0))
        || (exc
            && (bolt_json_get_strv(exc, epath, "caps", &ecaps, err) < 0
                || bolt_json_get_strv(exc, epath, "arches", &earches, err) < 0)))
        return -1;
    *keep = true;
    for (size_t k = 0; icaps && icaps[k]; k++)
        *keep = *keep && in_strv(caps, icaps[k]);
    if (iarches && iarches[0]) {
        bool any = false;
        for (size_t k = 0; iarches[k]; k++)
            any = any || is_native(iarches[k]);
        *keep = *keep && any;
    }
    for (size_t k = 0; ecaps && ecaps[k]; k++)
        *keep = *keep && !in_strv(caps, ecaps[k]);
    for (size_t k = 0; earches && earches[k]; k++)
        *keep = *keep && !is_native(earches[k]);
    if (*keep && minkernel && min_kernel_ok(minkernel, ipath, keep, err) < 0)
        return -1;
    return 0;
}

/* archMap: the entry for the native architecture gives the architectures list. */
static int
apply_arch_map(json_t *profile, struct bolt_oci_seccomp *sc, struct bolt_err *err)
{
    bool bad = false;
    json_t *map = bolt_json_get_arr(profile, "", "archMap", &bad, err), *e;
    size_t i;

    if (bad)
        return -1;
    if (map == NULL)
        return 0;
    if (sc->architectures)
        return bolt_err_set(err, 0,
                            "archMap: cannot be combined with architectures (keep one of them)");
    sc->architectures = xcalloc(1, sizeof(char *));
    json_array_foreach(map, i, e)
    {
        cleanup_free char *path = xasprintf("archMap[%zu]", i);
        cleanup_free char *arch = NULL;
        cleanup_strv char **subs = NULL;

        if (!json_is_object(e))
            return bolt_err_set(err, 0, "%s: expected object", path);
        if (bolt_json_get_str(e, path, "architecture", &arch, err) < 0
            || bolt_json_get_strv(e, path, "subArchitectures", &subs, err) < 0)
            return -1;
        if (arch == NULL || !is_native(arch))
            continue;
        bolt_strv_push(&sc->architectures, arch);
        for (size_t k = 0; subs && subs[k]; k++)
            bolt_strv_push(&sc->architectures, subs[k]);
    }
    return 0;
}

static void
free_rule(struct bolt_oci_seccomp_rule *r)
{
    bolt_strv_free(r->names);
    free(r->action);
    for (size_t j = 0; j < r->n_args; j++)
        free(r->args[j].op);
    free(r->args);
}

/*
 * Drop the rules whose conditions do not hold; turn the legacy "name" into "names".
 * Every rule is checked before any is touched, so an error leaves sc intact to free.
 */
static int
filter_rules(json_t *profile, struct bolt_oci_seccomp *sc, char *const *caps, struct bolt_err *err)
{
    json_t *rules = json_object_get(profile, "syscalls");
    size_t n = sc->n_syscalls, kept = 0, i;
    cleanup_free bool *keep = xcalloc(n + 1, sizeof(bool));
    cleanup_free char **names = xcalloc(n + 1, sizeof(char *));
    int r = 0;

    for (i = 0; i < n && r == 0; i++) {
        cleanup_free char *path = xasprintf("syscalls[%zu]", i);
        json_t *rule = json_array_get(rules, i);

        if (rule_applies(rule, i, caps, &keep[i], err) < 0
            || bolt_json_get_str(rule, path, "name", &names[i], err) < 0)
            r = -1;
    }
    for (i = 0; i < n && r == 0; i++) {
        if (!keep[i]) {
            free_rule(&sc->syscalls[i]);
            continue;
        }
        if (names[i])
            bolt_strv_push(&sc->syscalls[i].names, names[i]);
        sc->syscalls[kept++] = sc->syscalls[i];
    }
    if (r == 0)
        sc->n_syscalls = kept;
    /* names[] has holes (rules without "name"), so free it by count */
    for (i = 0; i < n; i++)
        free(names[i]);
    return r;
}

/* Parse the profile's OCI members through the spec parser (same checks, same messages). */
static struct bolt_oci_seccomp *
parse_oci_part(json_t *profile, struct bolt_err *err)
{
    json_t *doc = json_pack("{s:{s:O}}", "linux", "seccomp", profile);
    struct bolt_oci_spec *tmp = bolt_oci_spec_from_json(doc, err);
    struct bolt_oci_seccomp *sc;
    const char *prefix = "linux.seccomp.";

    json_decref(doc);
    if (tmp == NULL) {
        /* report paths relative to the profile file, not to a config.json */
        if (strncmp(err->msg, prefix, strlen(prefix)) == 0)
            memmove(err->msg, err->msg + strlen(prefix), strlen(err->msg) - strlen(prefix) + 1);
        return NULL;
    }
    sc = steal_ptr(&tmp->linux_.seccomp);
    bolt_oci_spec_free(tmp);
    return sc;
}

struct bolt_oci_seccomp *
bolt_seccomp_from_profile_json(json_t *profile, char *const *caps, struct bolt_err *err)
{
    struct bolt_oci_seccomp *sc;

    if (!json_is_object(profile)) {
        bolt_err_set(err, 0, "seccomp profile: expected a JSON object");
        return NULL;
    }
    sc = parse_oci_part(profile, err);
    if (sc == NULL)
        return NULL;
    if (caps == NULL)
        caps = bolt_seccomp_docker_default_caps();
    if (apply_arch_map(profile, sc, err) < 0 || filter_rules(profile, sc, caps, err) < 0) {
        bolt_oci_seccomp_free(sc);
        return NULL;
    }
    return sc;
}

struct bolt_oci_seccomp *
bolt_seccomp_profile_load(const char *path, char *const *caps, struct bolt_err *err)
{
    json_t *profile = bolt_json_load_file(path, err);
    struct bolt_oci_seccomp *sc;

    if (profile == NULL)
        return NULL;
    sc = bolt_seccomp_from_profile_json(profile, caps, err);
    json_decref(profile);
    if (sc == NULL)
        bolt_err_wrap(err, "seccomp profile '%s'", path);
    return sc;
}
