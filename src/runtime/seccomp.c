/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp -> classic BPF, with an on-disk cache.
 *
 * Compiling the default profile with libseccomp takes milliseconds (hundreds of rules,
 * three architectures); crun caches the result and so do we. The cache key is a SHA-256
 * (oci/sha256_lite.h: no libcrypto start-up cost) over the canonical seccomp JSON (sorted
 * keys, compact), the libseccomp version and the native architecture we were built for,
 * so a profile, library or arch change can never pick up a stale program. A hit reads
 * one small file and never touches libseccomp.
 */
#include "runtime/seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/sha256_lite.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#if defined(__x86_64__)
#define NATIVE_ARCH "x86_64"
#elif defined(__aarch64__)
#define NATIVE_ARCH "aarch64"
#elif defined(__i386__)
#define NATIVE_ARCH "x86"
#elif defined(__powerpc64__)
#define NATIVE_ARCH "ppc64"
#elif defined(__s390x__)
#define NATIVE_ARCH "s390x"
#elif defined(__riscv)
#define NATIVE_ARCH "riscv64"
#else
#define NATIVE_ARCH "other"
#endif

#define CACHE_MAGIC "BOLTBPF1"

struct bolt_seccomp_prog {
    struct sock_filter *insns;
    size_t len;
    unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
    bool cached;
    bool listener;
    char digest[65];
};

/* On-disk header, followed by len struct sock_filter. */
struct cache_hdr {
    char magic[8];
    uint32_t flags;
    uint32_t len;
    uint32_t listener;
    uint32_t reserved;
};

struct name_val {
    const char *name;
    uint64_t val;
};

static const struct name_val filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
    {NULL, 0},
};

static const struct name_val cmp_ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    {NULL, 0},
};

static const struct name_val *
lookup(const struct name_val *t, const char *name)
{
    for (; name && t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

/* ---- cache key ---- */

/*
 * The canonical text is what json_dumps(bolt_oci_seccomp_to_json(sc), JSON_COMPACT |
 * JSON_SORT_KEYS) prints (a unit test holds the two equal), written straight from the
 * model: building ~400 jansson nodes and sorting them costs ~150 us, this ~10 us, and it
 * runs on every cache hit.
 */
static void
sb_lit(struct bolt_buf *b, const char *s)
{
    bolt_buf_add(b, s, strlen(s));
}

static void
sb_int(struct bolt_buf *b, long long v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", v);

    bolt_buf_add(b, num, (size_t)n);
}

/* A JSON string with jansson's escapes. */
static void
sb_str(struct bolt_buf *b, const char *s)
{
    bolt_buf_add(b, "\"", 1);
    for (const char *run = s;; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];

        if (c != '\0' && c != '"' && c != '\\' && c >= 0x20) {
            continue;
        }
        bolt_buf_add(b, run, (size_t)(s - run));
        if (c == '\0')
            break;
        run = s + 1;
        switch (c) {
        case '"':
            sb_lit(b, "\\\"");
            break;
        case '\\':
            sb_lit(b, "\\\\");
            break;
        case '\b':
            sb_lit(b, "\\b");
            break;
        case '\f':
            sb_lit(b, "\\f");
            break;
        case '\n':
            sb_lit(b, "\\n");
            break;
        case '\r':
            sb_lit(b, "\\r");
            break;
        case '\t':
            sb_lit(b, "\\t");
            break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04X", c);
            sb_lit(b, esc);
            break;
        }
    }
    bolt_buf_add(b, "\"", 1);
}

static void
sb_strv(struct bolt_buf *b, char *const *v)
{
    bolt_buf_add(b, "[", 1);
    for (size_t i = 0; v && v[i]; i++) {
        if (i)
            bolt_buf_add(b, ",", 1);
        sb_str(b, v[i]);
    }
    bolt_buf_add(b, "]", 1);
}

/* One member; *first tracks whether a comma is due. */
static void
sb_key(struct bolt_buf *b, bool *first, const char *key)
{
    if (!*first)
        bolt_buf_add(b, ",", 1);
    *first = false;
    sb_str(b, key);
    bolt_buf_add(b, ":", 1);
}

static void
sb_rule(struct bolt_buf *b, const struct bolt_oci_seccomp_rule *r)
{
    bool first = true;

    bolt_buf_add(b, "{", 1);
    if (r->action) {
        sb_key(b, &first, "action");
        sb_str(b, r->action);
    }
    if (r->args) {
        sb_key(b, &first, "args");
        bolt_buf_add(b, "[", 1);
        for (size_t j = 0; j < r->n_args; j++) {
            sb_lit(b, j ? ",{\"index\":" : "{\"index\":");
            sb_int(b, r->args[j].index);
            if (r->args[j].op) {
                sb_lit(b, ",\"op\":");
                sb_str(b, r->args[j].op);
            }
            sb_lit(b, ",\"value\":");
            sb_int(b, (long long)r->args[j].value);
            sb_lit(b, ",\"valueTwo\":");
            sb_int(b, (long long)r->args[j].value_two);
            bolt_buf_add(b, "}", 1);
        }
        bolt_buf_add(b, "]", 1);
    }
    if (r->has_errno_ret) {
        sb_key(b, &first, "errnoRet");
        sb_int(b, r->errno_ret);
    }
    if (r->names) {
        sb_key(b, &first, "names");
        sb_strv(b, r->names);
    }
    bolt_buf_add(b, "}", 1);
}

char *
bolt_seccomp_canonical_json(const struct bolt_oci_seccomp *sc)
{
    struct bolt_buf b = {0};
    bool first = true;

    bolt_buf_add(&b, "{", 1);
    if (sc->architectures) {
        sb_key(&b, &first, "architectures");
        sb_strv(&b, sc->architectures);
    }
    if (sc->default_action) {
        sb_key(&b, &first, "defaultAction");
        sb_str(&b, sc->default_action);
    }
    if (sc->has_default_errno_ret) {
        sb_key(&b, &first, "defaultErrnoRet");
        sb_int(&b, sc->default_errno_ret);
    }
    if (sc->flags) {
        sb_key(&b, &first, "flags");
        sb_strv(&b, sc->flags);
    }
    if (sc->listener_metadata) {
        sb_key(&b, &first, "listenerMetadata");
        sb_str(&b, sc->listener_metadata);
    }
    if (sc->listener_path) {
        sb_key(&b, &first, "listenerPath");
        sb_str(&b, sc->listener_path);
    }
    sb_key(&b, &first, "syscalls");
    bolt_buf_add(&b, "[", 1);
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        if (i)
            bolt_buf_add(&b, ",", 1);
        sb_rule(&b, &sc->syscalls[i]);
    }
    sb_lit(&b, "]}");
    return b.p;
}

static void
profile_digest(const struct bolt_oci_seccomp *sc, char out[65])
{
    cleanup_free char *text = bolt_seccomp_canonical_json(sc);
    char salt[96];
    struct bolt_sha256_lite c;
    uint8_t md[32];
    int n;

    n = snprintf(salt, sizeof(salt), "bolt-seccomp-v1 libseccomp-%d.%d.%d %s\n", SCMP_VER_MAJOR,
                 SCMP_VER_MINOR, SCMP_VER_MICRO, NATIVE_ARCH);
    bolt_sha256_lite_init(&c);
    bolt_sha256_lite_update(&c, salt, (size_t)n);
    bolt_sha256_lite_update(&c, text, strlen(text));
    bolt_sha256_lite_final(&c, md);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- cache file ---- */

static struct bolt_seccomp_prog *
cache_load(const char *cache_dir, const char *digest)
{
    cleanup_free char *path = xasprintf("%s/%s.bpf", cache_dir, digest);
    cleanup_free char *buf = NULL;
    struct bolt_err err = {0};
    struct bolt_seccomp_prog *p;
    struct cache_hdr h;
    size_t len = 0;

    if (access(path, R_OK) < 0)
        return NULL;
    buf = bolt_read_file(path, &len, &err);
    if (buf == NULL || len < sizeof(h))
        return NULL;
    memcpy(&h, buf, sizeof(h));
    if (memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.len == 0 || h.len > BPF_MAXINSNS
        || len != sizeof(h) + (size_t)h.len * sizeof(struct sock_filter)) {
        log_debug("seccomp cache '%s' is damaged, rebuilding", path);
        return NULL;
    }
    p = xzalloc(sizeof(*p));
    p->len = h.len;
    p->flags = h.flags;
    p->listener = h.listener != 0;
    p->cached = true;
    p->insns = xmalloc(p->len * sizeof(struct sock_filter));
    memcpy(p->insns, buf + sizeof(h), p->len * sizeof(struct sock_filter));
    return p;
}

static void
cache_store(const char *cache_dir, const struct bolt_seccomp_prog *p)
{
    cleanup_free char *path = xasprintf("%s/%s.bpf", cache_dir, p->digest);
    size_t n = sizeof(struct cache_hdr) + p->len * sizeof(struct sock_filter);
    cleanup_free char *buf = xzalloc(n);
    struct cache_hdr h = {.flags = p->flags, .len = (uint32_t)p->len, .listener = p->listener};
    struct bolt_err err = {0};

    memcpy(h.magic, CACHE_MAGIC, 8);
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), p->insns, p->len * sizeof(struct sock_filter));
    /* A cache we cannot write only costs the next container a rebuild. */
    if (bolt_mkdir_p(cache_dir, 0700, &err) < 0
        || bolt_write_file_atomic(path, buf, n, 0600, &err) < 0)
        log_debug("seccomp cache not written: %s", err.msg);
}

/* ---- libseccomp ---- */

static int
action_value(const char *name, bool has_errno, uint32_t errno_ret, const char *path, uint32_t *out,
             struct bolt_err *err)
{
    uint32_t e = has_errno ? errno_ret : EPERM;

    if (name == NULL)
        return bolt_err_set(err, 0, "%s: required (e.g. \"SCMP_ACT_ERRNO\")", path);
    if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
        *out = SCMP_ACT_ALLOW;
    else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
        *out = SCMP_ACT_ERRNO(e & 0xffff);
    else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
        *out = SCMP_ACT_TRACE(e & 0xffff);
    else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
        *out = SCMP_ACT_KILL_THREAD;
    else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
        *out = SCMP_ACT_KILL_PROCESS;
    else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
        *out = SCMP_ACT_TRAP;
    else if (strcmp(name, "SCMP_ACT_LOG") == 0)
        *out = SCMP_ACT_LOG;
    else if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
        *out = SCMP_ACT_NOTIFY;
    else
        return bolt_err_set(err, 0,
                            "%s: unknown action '%s' (expected one of SCMP_ACT_ALLOW, "
                            "SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
                            "SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG, "
                            "SCMP_ACT_NOTIFY)",
                            path, name);
    return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64", or 0. */
static uint32_t
arch_token(const char *name)
{
    char lower[32];
    size_t n;

    if (strncmp(name, "SCMP_ARCH_", 10) != 0)
        return 0;
    n = strlen(name + 10);
    if (n == 0 || n >= sizeof(lower))
        return 0;
    for (size_t k = 0; k <= n; k++)
        lower[k] = (char)tolower((unsigned char)name[10 + k]);
    return seccomp_arch_resolve_name(lower);
}

static int
add_arches(scmp_filter_ctx ctx, char *const *arches, struct bolt_err *err)
{
    for (size_t i = 0; arches && arches[i]; i++) {
        uint32_t token = arch_token(arches[i]);
        int r;

        if (token == 0)
            return bolt_err_set(err, 0,
                                "linux.seccomp.architectures[%zu]: unknown architecture '%s' "
                                "(expected a name such as SCMP_ARCH_X86_64, SCMP_ARCH_X86, "
                                "SCMP_ARCH_AARCH64)",
                                i, arches[i]);
        r = seccomp_arch_add(ctx, token);
        if (r < 0 && r != -EEXIST)
            return bolt_err_set(err, -r, "linux.seccomp.architectures[%zu]: add '%s'", i,
                                arches[i]);
    }
    return 0;
}

static int
build_cmps(const struct bolt_oci_seccomp_rule *r, size_t ri, struct scmp_arg_cmp *cmps,
           struct bolt_err *err)
{
    for (size_t j = 0; j < r->n_args; j++) {
        const struct name_val *op = lookup(cmp_ops, r->args[j].op);

        if (r->args[j].index > 5)
            return bolt_err_set(err, 0,
                                "linux.seccomp.syscalls[%zu].args[%zu].index: expected 0..5, "
                                "got %u",
                                ri, j, r->args[j].index);
        if (op == NULL)
            return bolt_err_set(err, 0,
                                "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator "
                                "'%s' (expected one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, "
                                "SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)",
                                ri, j, r->args[j].op ? r->args[j].op : "");
        cmps[j] = (struct scmp_arg_cmp){.arg = r->args[j].index,
                                        .op = (enum scmp_compare)op->val,
                                        .datum_a = r->args[j].value,
                                        .datum_b = r->args[j].value_two};
    }
    return 0;
}

/*
 * Arguments on distinct indexes must all match (one rule, AND). When an index repeats,
 * the OCI meaning is "any of them" (docker's personality list), which libseccomp can
 * only express as one rule per comparison, as runc does.
 */
static int
add_syscall(scmp_filter_ctx ctx, uint32_t act, int nr, const struct bolt_oci_seccomp_rule *r,
            const struct scmp_arg_cmp *cmps)
{
    bool unique = true;

    for (size_t a = 0; a < r->n_args; a++)
        for (size_t b = 0; b < a; b++)
            if (r->args[a].index == r->args[b].index)
                unique = false;
    if (unique)
        return seccomp_rule_add_array(ctx, act, nr, (unsigned int)r->n_args, cmps);
    for (size_t a = 0; a < r->n_args; a++) {
        int rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmps[a]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int
add_rule(scmp_filter_ctx ctx, uint32_t def_act, const struct bolt_oci_seccomp_rule *r, size_t ri,
         bool *listener, struct bolt_err *err)
{
    struct scmp_arg_cmp cmps[64];
    char path[64];
    uint32_t act = 0;

    snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].action", ri);
    if (action_value(r->action, r->has_errno_ret, r->errno_ret, path, &act, err) < 0)
        return -1;
    if (r->n_args > sizeof(cmps) / sizeof(cmps[0]))
        return bolt_err_set(err, 0, "linux.seccomp.syscalls[%zu].args: more than 64 entries", ri);
    if (build_cmps(r, ri, cmps, err) < 0)
        return -1;
    if (act == def_act)
        return 0; /* libseccomp refuses rules that repeat the default action */
    if (act == SCMP_ACT_NOTIFY)
        *listener = true;
    for (size_t i = 0; r->names && r->names[i]; i++) {
        int nr = seccomp_syscall_resolve_name(r->names[i]);
        int rc;

        if (nr == __NR_SCMP_ERROR) {
            log_debug("seccomp: syscall '%s' unknown to libseccomp, skipped", r->names[i]);
            continue;
        }
        rc = add_syscall(ctx, act, nr, r, cmps);
        if (rc < 0)
            return bolt_err_set(err, -rc, "linux.seccomp.syscalls[%zu]: add rule for '%s'", ri,
                                r->names[i]);
    }
    return 0;
}

static int
export_bpf(scmp_filter_ctx ctx, struct bolt_seccomp_prog *p, struct bolt_err *err)
{
    cleanup_close int fd = memfd_create("bolt-seccomp", MFD_CLOEXEC);
    struct stat st;
    int rc;

    if (fd < 0)
        return bolt_err_set(err, errno, "seccomp: memfd_create");
    rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0)
        return bolt_err_set(err, -rc, "seccomp: export BPF program");
    if (fstat(fd, &st) < 0)
        return bolt_err_set(err, errno, "seccomp: stat exported program");
    if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0
        || st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
        return bolt_err_set(err, E2BIG,
                            "seccomp: compiled program has %lld bytes (limit %d instructions)",
                            (long long)st.st_size, BPF_MAXINSNS);
    p->len = (size_t)st.st_size / sizeof(struct sock_filter);
    p->insns = xmalloc((size_t)st.st_size);
    if (pread(fd, p->insns, (size_t)st.st_size, 0) != st.st_size)
        return bolt_err_set(err, errno ? errno : EIO, "seccomp: read exported program");
    return 0;
}

static int
compile(const struct bolt_oci_seccomp *sc, struct bolt_seccomp_prog *p, struct bolt_err *err)
{
    uint32_t def = 0;
    scmp_filter_ctx ctx;
    int rc = -1;

    if (action_value(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
                     "linux.seccomp.defaultAction", &def, err)
        < 0)
        return -1;
    ctx = seccomp_init(def);
    if (ctx == NULL)
        return bolt_err_set(err, EINVAL, "seccomp: init filter");
    /* a binary tree of syscall numbers: the default profile has hundreds of entries */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (add_arches(ctx, sc->architectures, err) < 0)
        goto out;
    for (size_t i = 0; i < sc->n_syscalls; i++)
        if (add_rule(ctx, def, &sc->syscalls[i], i, &p->listener, err) < 0)
            goto out;
    rc = export_bpf(ctx, p, err);
out:
    seccomp_release(ctx);
    return rc;
}

static int
parse_flags(const struct bolt_oci_seccomp *sc, unsigned int *out, struct bolt_err *err)
{
    *out = 0;
    for (size_t i = 0; sc->flags && sc->flags[i]; i++) {
        const struct name_val *f = lookup(filter_flags, sc->flags[i]);

        if (f == NULL)
            return bolt_err_set(err, 0,
                                "linux.seccomp.flags[%zu]: unknown flag '%s' (expected one of "
                                "SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
                                "SECCOMP_FILTER_FLAG_SPEC_ALLOW, "
                                "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)",
                                i, sc->flags[i]);
        *out |= (unsigned int)f->val;
    }
    return 0;
}

struct bolt_seccomp_prog *
bolt_seccomp_prepare(const struct bolt_oci_seccomp *sc, const char *cache_dir, struct bolt_err *err)
{
    struct bolt_seccomp_prog *p;
    char digest[65] = {0};
    unsigned int flags = 0;

    if (parse_flags(sc, &flags, err) < 0)
        return NULL;
    profile_digest(sc, digest);
    if (cache_dir && (p = cache_load(cache_dir, digest)) != NULL) {
        memcpy(p->digest, digest, sizeof(digest));
        return p;
    }
    p = xzalloc(sizeof(*p));
    memcpy(p->digest, digest, sizeof(digest));
    if (compile(sc, p, err) < 0) {
        bolt_seccomp_prog_free(p);
        return NULL;
    }
    p->flags = flags | (p->listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
    /* the kernel refuses TSYNC with NEW_LISTENER unless TSYNC failures report ESRCH */
    if (p->listener && (p->flags & SECCOMP_FILTER_FLAG_TSYNC))
        p->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    if (cache_dir)
        cache_store(cache_dir, p);
    return p;
}

int
bolt_seccomp_install(const struct bolt_seccomp_prog *p, struct bolt_err *err)
{
    struct sock_fprog prog = {.len = (unsigned short)p->len, .filter = p->insns};
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog);

    if (r < 0 && errno == ENOSYS && p->flags == 0)
        r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
    if (r < 0) {
        int e = errno;
        if (e == EACCES)
            return bolt_err_set(err, e,
                                "install seccomp filter: needs no_new_privs or CAP_SYS_ADMIN");
        if (e == EINVAL && p->flags != 0)
            return bolt_err_set(err, e,
                                "install seccomp filter with flags 0x%x (is every flag supported "
                                "by this kernel?)",
                                p->flags);
        return bolt_err_set(err, e, "install seccomp filter");
    }
    return p->listener ? (int)r : 0;
}

void
bolt_seccomp_prog_free(struct bolt_seccomp_prog *p)
{
    if (p == NULL)
        return;
    free(p->insns);
    free(p);
}

bool
bolt_seccomp_prog_cached(const struct bolt_seccomp_prog *p)
{
    return p->cached;
}

size_t
bolt_seccomp_prog_len(const struct bolt_seccomp_prog *p)
{
    return p->len;
}

const void *
bolt_seccomp_prog_insns(const struct bolt_seccomp_prog *p)
{
    return p->insns;
}

const char *
bolt_seccomp_prog_digest(const struct bolt_seccomp_prog *p)
{
    return p->digest;
}

bool
bolt_seccomp_prog_needs_listener(const struct bolt_seccomp_prog *p)
{
    return p->listener;
}
