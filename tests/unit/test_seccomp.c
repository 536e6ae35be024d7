/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/sha256_lite.h"
#include "oci/spec.h"
#include "runtime/seccomp.h"
#include "util/fs.h"
#include "util/mem.h"
#include <openssl/evp.h>

static char *
mktmp(void)
{
    char *t = xstrdup("/tmp/bolt-seccomp-XXXXXX");
    assert_non_null(mkdtemp(t));
    return t;
}

static struct bolt_oci_seccomp *
parse_seccomp(const char *json)
{
    struct bolt_err err = {0};
    cleanup_free char *doc = xasprintf(
        "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":%s}}", json);
    struct bolt_oci_spec *s = bolt_oci_spec_parse(doc, strlen(doc), &err);
    struct bolt_oci_seccomp *sc;

    if (s == NULL)
        fail_msg("parse: %s", err.msg);
    sc = steal_ptr(&s->linux_.seccomp);
    bolt_oci_spec_free(s);
    return sc;
}

typedef int (*child_fn)(void);

/* Install p in a forked child with no_new_privs, run fn there; returns fn's exit code. */
static int
run_filtered(const struct bolt_seccomp_prog *p, child_fn fn)
{
    int status = 0;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        struct bolt_err err = {0};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(90);
        if (bolt_seccomp_install(p, &err) < 0) {
            fprintf(stderr, "install: %s (%d)\n", err.msg, err.errnum);
            _exit(91);
        }
        _exit(fn());
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* Under docker's default profile: namespaces, AF_VSOCK and odd personas are refused. */
static int
default_profile_child(void)
{
    if (getpid() <= 0)
        return 1;
    errno = 0;
    if (syscall(SYS_unshare, CLONE_NEWUTS) != -1 || errno != EPERM)
        return 2;
    errno = 0;
    if (personality(ADDR_NO_RANDOMIZE) != -1 || errno != EPERM)
        return 3;
    if (personality(0xffffffff) == -1)
        return 4;
    errno = 0;
    if (socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) != -1 || errno != EPERM)
        return 5;
    errno = 0;
    if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
        return 6;
    errno = 0;
    if (syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL) != -1 || errno != EPERM)
        return 7;
    /* an ordinary fork still works (clone without namespace flags) */
    pid_t pid = fork();
    if (pid < 0)
        return 8;
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return 0;
}

static void
test_default_profile_denies(void **state)
{
    struct bolt_err err = {0};
    struct bolt_oci_seccomp *sc = bolt_seccomp_default_profile();
    struct bolt_seccomp_prog *p;

    (void)state;
    p = bolt_seccomp_prepare(sc, NULL, &err);
    if (p == NULL)
        fail_msg("prepare: %s", err.msg);
    assert_false(bolt_seccomp_prog_cached(p));
    assert_true(bolt_seccomp_prog_len(p) > 100);
    assert_int_equal(run_filtered(p, default_profile_child), 0);
    bolt_seccomp_prog_free(p);
    bolt_oci_seccomp_free(sc);
}

static int
sys_admin_child(void)
{
    /* with CAP_SYS_ADMIN in the set, unshare passes seccomp (and succeeds as root) */
    return syscall(SYS_unshare, CLONE_NEWUTS) == 0 ? 0 : 1;
}

static void
test_default_profile_caps_open_syscalls(void **state)
{
    char *caps[] = {(char *)"CAP_SYS_ADMIN", NULL};
    struct bolt_err err = {0};
    struct bolt_oci_seccomp *sc = bolt_seccomp_default_profile_caps(caps);
    struct bolt_seccomp_prog *p = bolt_seccomp_prepare(sc, NULL, &err);

    (void)state;
    if (p == NULL)
        fail_msg("prepare: %s", err.msg);
    if (geteuid() == 0)
        assert_int_equal(run_filtered(p, sys_admin_child), 0);
    bolt_seccomp_prog_free(p);
    bolt_oci_seccomp_free(sc);
}

static int
errno_ret_child(void)
{
    errno = 0;
    if (chdir("/") != -1 || errno != 99)
        return 1;
    /* kill(self, 0) matches the arg rule; kill(self, SIGWINCH) does not */
    errno = 0;
    if (kill(getpid(), 0) != -1 || errno != EPERM)
        return 2;
    if (kill(getpid(), SIGWINCH) != 0)
        return 3;
    return getppid() > 0 ? 0 : 4;
}

static void
test_custom_profile_errno_and_args(void **state)
{
    struct bolt_err err = {0};
    struct bolt_oci_seccomp *sc = parse_seccomp(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
        "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":["
        "{\"names\":[\"no_such_syscall_xyz\",\"chdir\"],\"action\":\"SCMP_ACT_ERRNO\","
        "\"errnoRet\":99},"
        "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"value\":0,"
        "\"op\":\"SCMP_CMP_EQ\"}]},"
        "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
    struct bolt_seccomp_prog *p = bolt_seccomp_prepare(sc, NULL, &err);

    (void)state;
    if (p == NULL)
        fail_msg("prepare: %s", err.msg);
    assert_int_equal(run_filtered(p, errno_ret_child), 0);
    bolt_seccomp_prog_free(p);
    bolt_oci_seccomp_free(sc);
}

static void
test_cache_hit_identical(void **state)
{
    struct bolt_err err = {0};
    cleanup_free char *dir = mktmp();
    cleanup_free char *cache = xasprintf("%s/cache/seccomp", dir);
    struct bolt_oci_seccomp *sc = bolt_seccomp_default_profile();
    struct bolt_seccomp_prog *a, *b;

    (void)state;
    a = bolt_seccomp_prepare(sc, cache, &err);
    assert_non_null(a);
    assert_false(bolt_seccomp_prog_cached(a));
    b = bolt_seccomp_prepare(sc, cache, &err);
    assert_non_null(b);
    assert_true(bolt_seccomp_prog_cached(b));
    assert_int_equal(bolt_seccomp_prog_len(a), bolt_seccomp_prog_len(b));
    assert_memory_equal(bolt_seccomp_prog_insns(a), bolt_seccomp_prog_insns(b),
                        bolt_seccomp_prog_len(a) * 8);
    assert_string_equal(bolt_seccomp_prog_digest(a), bolt_seccomp_prog_digest(b));
    assert_int_equal(strlen(bolt_seccomp_prog_digest(a)), 64);
    /* the cached program really works */
    assert_int_equal(run_filtered(b, default_profile_child), 0);
    bolt_seccomp_prog_free(a);
    bolt_seccomp_prog_free(b);
    bolt_oci_seccomp_free(sc);
    assert_int_equal(bolt_rm_rf(dir, &err), 0);
}

/*
 * Proof that a hit never compiles: plant profile A's program under profile B's key;
 * preparing B must return A's instructions, which only a cache read can produce.
 */
static void
test_cache_hit_skips_compile(void **state)
{
    struct bolt_err err = {0};
    cleanup_free char *dir = mktmp();
    struct bolt_oci_seccomp *sa =
        parse_seccomp("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"chdir\"],"
                      "\"action\":\"SCMP_ACT_ERRNO\"}]}");
    struct bolt_oci_seccomp *sb = parse_seccomp(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"fchdir\",\"rmdir\"],"
        "\"action\":\"SCMP_ACT_ERRNO\"}]}");
    struct bolt_seccomp_prog *a, *b, *c;

    (void)state;
    a = bolt_seccomp_prepare(sa, dir, &err);
    b = bolt_seccomp_prepare(sb, NULL, &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_not_equal(bolt_seccomp_prog_digest(a), bolt_seccomp_prog_digest(b));
    {
        cleanup_free char *from = xasprintf("%s/%s.bpf", dir, bolt_seccomp_prog_digest(a));
        cleanup_free char *to = xasprintf("%s/%s.bpf", dir, bolt_seccomp_prog_digest(b));
        assert_int_equal(rename(from, to), 0);
    }
    c = bolt_seccomp_prepare(sb, dir, &err);
    assert_non_null(c);
    assert_true(bolt_seccomp_prog_cached(c));
    assert_int_equal(bolt_seccomp_prog_len(c), bolt_seccomp_prog_len(a));
    assert_memory_equal(bolt_seccomp_prog_insns(c), bolt_seccomp_prog_insns(a),
                        bolt_seccomp_prog_len(a) * 8);
    bolt_seccomp_prog_free(a);
    bolt_seccomp_prog_free(b);
    bolt_seccomp_prog_free(c);
    bolt_oci_seccomp_free(sa);
    bolt_oci_seccomp_free(sb);
    assert_int_equal(bolt_rm_rf(dir, &err), 0);
}

static void
test_damaged_cache_rebuilt(void **state)
{
    struct bolt_err err = {0};
    cleanup_free char *dir = mktmp();
    struct bolt_oci_seccomp *sc = bolt_seccomp_default_profile();
    struct bolt_seccomp_prog *a, *b, *c;
    cleanup_free char *path = NULL;

    (void)state;
    a = bolt_seccomp_prepare(sc, dir, &err);
    assert_non_null(a);
    path = xasprintf("%s/%s.bpf", dir, bolt_seccomp_prog_digest(a));
    assert_int_equal(truncate(path, 100), 0);
    b = bolt_seccomp_prepare(sc, dir, &err);
    assert_non_null(b);
    assert_false(bolt_seccomp_prog_cached(b));
    c = bolt_seccomp_prepare(sc, dir, &err);
    assert_true(bolt_seccomp_prog_cached(c));
    assert_memory_equal(bolt_seccomp_prog_insns(a), bolt_seccomp_prog_insns(c),
                        bolt_seccomp_prog_len(a) * 8);
    bolt_seccomp_prog_free(a);
    bolt_seccomp_prog_free(b);
    bolt_seccomp_prog_free(c);
    bolt_oci_seccomp_free(sc);
    assert_int_equal(bolt_rm_rf(dir, &err), 0);
}

static void
expect_prepare_error(const char *json, const char *msg)
{
    struct bolt_err err = {0};
    struct bolt_oci_seccomp *sc = parse_seccomp(json);
    struct bolt_seccomp_prog *p = bolt_seccomp_prepare(sc, NULL, &err);

    assert_null(p);
    assert_string_equal(err.msg, msg);
    bolt_oci_seccomp_free(sc);
}

static void
test_prepare_errors(void **state)
{
    (void)state;
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
                         "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_NOPE' (expected "
                         "one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, "
                         "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, "
                         "SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)");
    expect_prepare_error("{}", "linux.seccomp.defaultAction: required (e.g. \"SCMP_ACT_ERRNO\")");
    expect_prepare_error(
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
        "\"action\":\"SCMP_ACT_ERRNO\"},{\"names\":[\"chdir\"],\"action\":\"DENY\"}]}",
        "linux.seccomp.syscalls[1].action: unknown action 'DENY' (expected one of "
        "SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
        "SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":["
                         "\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_VAX\"]}",
                         "linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_VAX' "
                         "(expected a name such as SCMP_ARCH_X86_64, SCMP_ARCH_X86, "
                         "SCMP_ARCH_AARCH64)");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":["
                         "\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
                         "\"value\":1,\"op\":\"SCMP_CMP_ABOUT\"}]}]}",
                         "linux.seccomp.syscalls[0].args[0].op: unknown operator "
                         "'SCMP_CMP_ABOUT' (expected one of SCMP_CMP_NE, SCMP_CMP_LT, "
                         "SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, "
                         "SCMP_CMP_MASKED_EQ)");
    expect_prepare_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"FLAG_FAST\"]}",
                         "linux.seccomp.flags[0]: unknown flag 'FLAG_FAST' (expected one of "
                         "SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
                         "SECCOMP_FILTER_FLAG_SPEC_ALLOW, "
                         "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)");
}

static void
test_default_profile_validates_and_round_trips(void **state)
{
    struct bolt_err err = {0};
    struct bolt_oci_spec *s = bolt_oci_spec_default();
    json_t *a, *b;
    struct bolt_oci_spec *d;

    (void)state;
    s->linux_.seccomp = bolt_seccomp_default_profile();
    assert_int_equal(bolt_oci_spec_validate(s, &err), 0);
    d = bolt_oci_spec_dup(s);
    a = bolt_oci_spec_to_json(s);
    b = bolt_oci_spec_to_json(d);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    bolt_oci_spec_free(s);
    bolt_oci_spec_free(d);
}

static void
test_canonical_json_matches_jansson(void **state)
{
    struct bolt_oci_seccomp *sc = bolt_seccomp_default_profile();
    struct bolt_oci_seccomp *odd = parse_seccomp(
        "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[],\"listenerPath\":\"/run/a \\\"b\\\"\","
        "\"listenerMetadata\":\"tab\\there\\u0001\\\\ \u00e9\",\"syscalls\":[{\"names\":[\"x\"],"
        "\"action\":\"SCMP_ACT_LOG\",\"args\":[{\"index\":2,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]"
        "}");
    struct bolt_oci_seccomp *list[] = {sc, odd};

    (void)state;
    for (size_t i = 0; i < 2; i++) {
        json_t *j = bolt_oci_seccomp_to_json(list[i]);
        cleanup_free char *want = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        cleanup_free char *got = bolt_seccomp_canonical_json(list[i]);
        assert_string_equal(got, want);
        json_decref(j);
    }
    bolt_oci_seccomp_free(sc);
    bolt_oci_seccomp_free(odd);
}

/* FIPS 180-4 examples, then every length 0..300 (all padding cases) against libcrypto. */
static void
test_sha256(void **state)
{
    char hex[65];
    uint8_t buf[300], md[32], ref[32];
    unsigned int n = 0;

    (void)state;
    bolt_sha256_lite_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    bolt_sha256_lite_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    for (size_t len = 0; len <= sizeof(buf); len++) {
        struct bolt_sha256_lite c;
        bolt_sha256_lite_init(&c);
        /* feed in uneven pieces to cover the partial-block path */
        for (size_t off = 0; off < len; off += 13)
            bolt_sha256_lite_update(&c, buf + off, len - off < 13 ? len - off : 13);
        bolt_sha256_lite_final(&c, md);
        assert_int_equal(EVP_Digest(buf, len, ref, &n, EVP_sha256(), NULL), 1);
        assert_memory_equal(md, ref, 32);
    }
}

/* Does any rule with this action list name? */
static bool
has_rule(const struct bolt_oci_seccomp *sc, const char *action, const char *name)
{
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        if (strcmp(sc->syscalls[i].action, action) != 0)
            continue;
        for (size_t k = 0; sc->syscalls[i].names && sc->syscalls[i].names[k]; k++)
            if (strcmp(sc->syscalls[i].names[k], name) == 0)
                return true;
    }
    return false;
}

static const char docker_doc[] =
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
    " \"archMap\": [{\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": "
    "[\"SCMP_ARCH_ARM\"]},"
    "   {\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", "
    "\"SCMP_ARCH_X32\"]}],"
    " \"syscalls\": ["
    "  {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"x\"},"
    "  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
    "[\"CAP_SYS_ADMIN\"]}},"
    "  {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": "
    "[\"CAP_SYS_ADMIN\"]}, \"args\": [{\"index\": 0, \"value\": 2114060288, \"op\": "
    "\"SCMP_CMP_MASKED_EQ\"}]},"
    "  {\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": "
    "[\"amd64\", \"x32\"]}},"
    "  {\"names\": [\"sync_file_range2\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
    "{\"arches\": [\"ppc64le\"]}},"
    "  {\"names\": [\"modify_ldt\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": "
    "[\"amd64\"]}},"
    "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": "
    "\"1.0\"}},"
    "  {\"names\": [\"futex_waitv\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
    "{\"minKernel\": \"99.0\"}},"
    "  {\"name\": \"chroot\", \"action\": \"SCMP_ACT_ALLOW\"}]}";

static void
test_docker_format_profile(void **state)
{
    struct bolt_err err = {0};
    json_t *doc = json_loads(docker_doc, 0, NULL);
    char *admin[] = {(char *)"CAP_SYS_ADMIN", NULL};
    struct bolt_oci_seccomp *d, *a;

    (void)state;
    assert_non_null(doc);
    d = bolt_seccomp_from_profile_json(doc, NULL, &err);
    if (d == NULL)
        fail_msg("%s", err.msg);
    a = bolt_seccomp_from_profile_json(doc, admin, &err);
    assert_non_null(a);
    assert_true(has_rule(d, "SCMP_ACT_ALLOW", "read"));
    assert_false(has_rule(d, "SCMP_ACT_ALLOW", "mount"));
    assert_true(has_rule(a, "SCMP_ACT_ALLOW", "mount"));
    assert_true(has_rule(d, "SCMP_ACT_ALLOW", "clone"));
    assert_false(has_rule(a, "SCMP_ACT_ALLOW", "clone"));
    assert_true(has_rule(d, "SCMP_ACT_ALLOW", "ptrace"));
    assert_false(has_rule(d, "SCMP_ACT_ALLOW", "futex_waitv"));
    assert_true(has_rule(d, "SCMP_ACT_ALLOW", "chroot"));
    assert_false(has_rule(d, "SCMP_ACT_ALLOW", "sync_file_range2"));
#if defined(__x86_64__)
    assert_int_equal(bolt_strv_len(d->architectures), 3);
    assert_string_equal(d->architectures[0], "SCMP_ARCH_X86_64");
    assert_string_equal(d->architectures[2], "SCMP_ARCH_X32");
    assert_true(has_rule(d, "SCMP_ACT_ALLOW", "arch_prctl"));
    assert_false(has_rule(d, "SCMP_ACT_ALLOW", "modify_ldt"));
    assert_int_equal(d->n_syscalls, 5);
#endif
    /* the clone rule kept its argument condition */
    assert_string_equal(d->syscalls[1].names[0], "clone");
    assert_int_equal(d->syscalls[1].n_args, 1);
    json_decref(doc);
    bolt_oci_seccomp_free(d);
    bolt_oci_seccomp_free(a);
}

static void
expect_profile_error(const char *text, const char *msg)
{
    struct bolt_err err = {0};
    json_t *doc = json_loads(text, 0, NULL);

    assert_non_null(doc);
    assert_null(bolt_seccomp_from_profile_json(doc, NULL, &err));
    assert_string_equal(err.msg, msg);
    json_decref(doc);
}

static void
test_docker_format_errors(void **state)
{
    (void)state;
    expect_profile_error("[]", "seccomp profile: expected a JSON object");
    expect_profile_error("{\"syscalls\": [{\"names\": [\"a\"], \"action\": 3}]}",
                         "syscalls[0].action: expected string");
    expect_profile_error("{\"syscalls\": [{\"names\": [\"a\"]}, {\"names\": [\"b\"], "
                         "\"includes\": {\"caps\": \"CAP_SYS_ADMIN\"}}]}",
                         "syscalls[1].includes.caps: expected array of strings");
    expect_profile_error("{\"syscalls\": [{\"names\": [\"a\"], \"excludes\": []}]}",
                         "syscalls[0].excludes: expected object");
    expect_profile_error("{\"syscalls\": [{\"names\": [\"a\"], \"includes\": {\"minKernel\": "
                         "\"new\"}}]}",
                         "syscalls[0].includes.minKernel: expected a version such as \"4.8\", "
                         "got 'new'");
    expect_profile_error("{\"architectures\": [\"SCMP_ARCH_X86\"], \"archMap\": []}",
                         "archMap: cannot be combined with architectures (keep one of them)");
    expect_profile_error("{\"archMap\": [3]}", "archMap[0]: expected object");
    /* an error after a dropped rule must leave nothing half-freed (fuzzer find) */
    expect_profile_error("{\"syscalls\": [{\"names\": [\"a\"], \"includes\": {\"arches\": "
                         "[\"vax\"]}}, {\"names\": [\"b\"]}, {\"name\": {}}]}",
                         "syscalls[2].name: expected string");
}

static int
containers_profile_child(void)
{
    if (getpid() <= 0)
        return 1;
    /* on its deny list: EPERM where plain root would get ENOENT */
    errno = 0;
    if (syscall(SYS_swapoff, "/nonexistent") != -1 || errno != EPERM)
        return 2;
    /* CAP_SYS_PACCT is not in docker's set, so the conditional allow was dropped */
    errno = 0;
    if (syscall(SYS_acct, NULL) != -1 || errno != EPERM)
        return 3;
    return 0;
}

/* The profile podman ships (containers-common), when this machine has it. */
static void
test_containers_profile_file(void **state)
{
    const char *path = "/usr/share/containers/seccomp.json";
    struct bolt_err err = {0};
    struct bolt_oci_seccomp *sc;
    struct bolt_oci_spec *s;
    struct bolt_seccomp_prog *p;

    (void)state;
    if (access(path, R_OK) < 0)
        skip();
    sc = bolt_seccomp_profile_load(path, NULL, &err);
    if (sc == NULL)
        fail_msg("%s", err.msg);
    assert_false(has_rule(sc, "SCMP_ACT_ALLOW", "init_module"));
    assert_true(has_rule(sc, "SCMP_ACT_ERRNO", "init_module"));
    assert_true(has_rule(sc, "SCMP_ACT_ALLOW", "read"));
    s = bolt_oci_spec_default();
    s->linux_.seccomp = sc;
    assert_int_equal(bolt_oci_spec_validate(s, &err), 0);
    p = bolt_seccomp_prepare(sc, NULL, &err);
    if (p == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(run_filtered(p, containers_profile_child), 0);
    bolt_seccomp_prog_free(p);
    bolt_oci_spec_free(s);
    /* a missing file names itself */
    assert_null(bolt_seccomp_profile_load("/nonexistent/profile.json", NULL, &err));
    assert_non_null(strstr(err.msg, "/nonexistent/profile.json"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_profile_denies),
        cmocka_unit_test(test_default_profile_caps_open_syscalls),
        cmocka_unit_test(test_custom_profile_errno_and_args),
        cmocka_unit_test(test_cache_hit_identical),
        cmocka_unit_test(test_cache_hit_skips_compile),
        cmocka_unit_test(test_damaged_cache_rebuilt),
        cmocka_unit_test(test_prepare_errors),
        cmocka_unit_test(test_default_profile_validates_and_round_trips),
        cmocka_unit_test(test_canonical_json_matches_jansson),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_docker_format_profile),
        cmocka_unit_test(test_docker_format_errors),
        cmocka_unit_test(test_containers_profile_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
