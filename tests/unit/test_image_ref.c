/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/ref.h"
#include "util/mem.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct ok_case {
    const char *in, *domain, *path, *tag, *digest;
};

static void
test_valid(void **state)
{
    static const struct ok_case cases[] = {
        {"busybox", "docker.io", "library/busybox", "latest", NULL},
        {"busybox:1.36", "docker.io", "library/busybox", "1.36", NULL},
        {"nvidia/cuda:12.4.1-runtime-ubuntu22.04", "docker.io", "nvidia/cuda",
         "12.4.1-runtime-ubuntu22.04", NULL},
        {"ghcr.io/games-on-whales/steam:latest", "ghcr.io", "games-on-whales/steam", "latest",
         NULL},
        {"localhost:5000/x", "localhost:5000", "x", "latest", NULL},
        {"localhost/x:y", "localhost", "x", "y", NULL},
        {"127.0.0.1:5000/a/b/c:v1", "127.0.0.1:5000", "a/b/c", "v1", NULL},
        {"docker.io/library/alpine", "docker.io", "library/alpine", "latest", NULL},
        {"alpine@sha256:" D64, "docker.io", "library/alpine", NULL, "sha256:" D64},
        {"alpine:3@sha256:" D64, "docker.io", "library/alpine", "3", "sha256:" D64},
        {"a__b-c---d/e.f_g", "docker.io", "a__b-c---d/e.f_g", "latest", NULL},
        {"[::1]:5000/x:1", "[::1]:5000", "x", "1", NULL},
        {"Registry.Example.com/x", "Registry.Example.com", "x", "latest", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bolt_ref r;
        struct bolt_err err = {0};
        const struct ok_case *c = &cases[i];
        if (bolt_ref_parse(c->in, &r, &err) != 0)
            fail_msg("'%s' should parse: %s", c->in, err.msg);
        assert_string_equal(r.domain, c->domain);
        assert_string_equal(r.path, c->path);
        if (c->tag)
            assert_string_equal(r.tag, c->tag);
        else
            assert_null(r.tag);
        if (c->digest)
            assert_string_equal(r.digest, c->digest);
        else
            assert_null(r.digest);
        bolt_ref_fini(&r);
    }
}

static void
test_invalid(void **state)
{
    static const char *const bad[] = {
        "",
        "UPPER",
        "busybox:",
        "busybox:-x",
        ":tag",
        "a//b",
        "a/",
        "-a",
        "a-",
        "a..b",
        "a@sha256:abc",
        "a@md5:" D64,
        "a@sha256:" D64 "0",
        "host:port/x",
        "a b",
        "localhost:5000/",
        "x:" "0123456789012345678901234567890123456789012345678901234567890123456789012345678901"
        "23456789012345678901234567890123456789012345678",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct bolt_ref r;
        struct bolt_err err = {0};
        if (bolt_ref_parse(bad[i], &r, &err) == 0)
            fail_msg("'%s' should be rejected (got %s/%s)", bad[i], r.domain, r.path);
        assert_non_null(strstr(err.msg, "invalid reference format"));
    }
}

static void
test_strings(void **state)
{
    struct bolt_ref r;
    cleanup_free char *s = NULL;
    cleanup_free char *repo = NULL;
    cleanup_free char *fam = NULL;
    cleanup_free char *fam2 = NULL;
    (void)state;
    assert_int_equal(bolt_ref_parse("busybox", &r, NULL), 0);
    s = bolt_ref_string(&r);
    repo = bolt_ref_repo(&r);
    assert_string_equal(s, "docker.io/library/busybox:latest");
    assert_string_equal(repo, "docker.io/library/busybox");
    fam = bolt_ref_familiar(s);
    assert_string_equal(fam, "busybox:latest");
    fam2 = bolt_ref_familiar("127.0.0.1:5000/x:1");
    assert_string_equal(fam2, "127.0.0.1:5000/x:1");
    assert_string_equal(bolt_ref_api_host(r.domain), "registry-1.docker.io");
    bolt_ref_fini(&r);
    assert_true(bolt_digest_is_valid("sha256:" D64));
    assert_false(bolt_digest_is_valid("sha256:" D64 "a"));
    assert_true(bolt_ref_is_id_prefix("0123ab"));
    assert_false(bolt_ref_is_id_prefix("0123abz"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
