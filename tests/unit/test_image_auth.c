/* SPDX-License-Identifier: Apache-2.0 */
/* Registry credentials: auth.json round trip, docker's key forms, base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/auth.h"
#include "util/fs.h"
#include "util/mem.h"

static char dir[64];

static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/bolt-auth-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    setenv("HOME", dir, 1);
    unsetenv("BOLT_AUTH_FILE");
    unsetenv("REGISTRY_AUTH_FILE");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    bolt_rm_rf(dir, NULL);
    return 0;
}

static void
test_base64(void **state)
{
    char *e = bolt_base64_encode("alice:s3cret", 12);
    char *d;
    size_t n = 0;
    (void)state;
    assert_string_equal(e, "YWxpY2U6czNjcmV0");
    d = bolt_base64_decode(e, &n);
    assert_string_equal(d, "alice:s3cret");
    assert_int_equal(n, 12);
    free(e);
    free(d);
    d = bolt_base64_decode("YQ==", &n);
    assert_string_equal(d, "a");
    assert_int_equal(n, 1);
    free(d);
    assert_null(bolt_base64_decode("abc", &n));
}

static void
test_store_lookup_remove(void **state)
{
    struct bolt_err err = {0};
    char *u = NULL, *p = NULL;
    cleanup_free char *path = bolt_auth_file_path(NULL);
    struct stat sb;
    (void)state;
    assert_non_null(strstr(path, "/.config/bolt/auth.json"));
    assert_int_equal(bolt_auth_lookup(NULL, "127.0.0.1:5000", &u, &p, &err), 0);
    assert_int_equal(bolt_auth_store(NULL, "127.0.0.1:5000", "alice", "pw:with:colons", &err), 0);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(bolt_auth_lookup(NULL, "127.0.0.1:5000", &u, &p, &err), 1);
    assert_string_equal(u, "alice");
    assert_string_equal(p, "pw:with:colons");
    free(u);
    free(p);
    /* a different port is a different registry */
    assert_int_equal(bolt_auth_lookup(NULL, "127.0.0.1:5001", &u, &p, &err), 0);
    assert_int_equal(bolt_auth_remove(NULL, "127.0.0.1:5000", &err), 1);
    assert_int_equal(bolt_auth_remove(NULL, "127.0.0.1:5000", &err), 0);
    assert_int_equal(bolt_auth_lookup(NULL, "127.0.0.1:5000", &u, &p, &err), 0);
}

static void
test_docker_config(void **state)
{
    struct bolt_err err = {0};
    char *u = NULL, *p = NULL;
    cleanup_free char *ddir = xasprintf("%s/.docker", dir);
    cleanup_free char *cfg = xasprintf("%s/config.json", ddir);
    static const char doc[] =
        "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"Ym9iOmh1Yg==\"},"
        "\"https://ghcr.io\":{\"auth\":\"Z2g6dG9r\"},\"bad.example\":{\"auth\":\"!!\"}}}";
    (void)state;
    assert_int_equal(bolt_mkdir_p(ddir, 0700, &err), 0);
    assert_int_equal(bolt_write_file_atomic(cfg, doc, strlen(doc), 0600, &err), 0);
    assert_int_equal(bolt_auth_lookup(NULL, "docker.io", &u, &p, &err), 1);
    assert_string_equal(u, "bob");
    assert_string_equal(p, "hub");
    free(u);
    free(p);
    assert_int_equal(bolt_auth_lookup(NULL, "ghcr.io", &u, &p, &err), 1);
    assert_string_equal(u, "gh");
    free(u);
    free(p);
    assert_int_equal(bolt_auth_lookup(NULL, "ghcr.io.evil", &u, &p, &err), 0);
    assert_int_equal(bolt_auth_lookup(NULL, "bad.example", &u, &p, &err), -1);
    assert_non_null(strstr(err.msg, "bolt login bad.example"));
    /* an explicit authfile is the only file consulted */
    assert_int_equal(bolt_auth_lookup("/nonexistent/auth.json", "docker.io", &u, &p, &err), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),
        cmocka_unit_test_setup_teardown(test_store_lookup_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docker_config, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
