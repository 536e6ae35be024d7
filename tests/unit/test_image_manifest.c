/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/config.h"
#include "image/manifest.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void
test_docker_manifest(void **state)
{
    const char *doc = "{\"schemaVersion\":2,\"mediaType\":\"" BOLT_MT_DOCKER_MANIFEST "\","
                      "\"config\":{\"mediaType\":\"" BOLT_MT_DOCKER_CONFIG "\",\"size\":7,"
                      "\"digest\":\"" D1 "\"},\"layers\":[{\"mediaType\":\"" BOLT_MT_DOCKER_LAYER
                      "\",\"size\":100,\"digest\":\"" D2 "\"},{\"size\":5,\"digest\":\"" D3
                      "\"}]}";
    struct bolt_manifest m;
    struct bolt_err err = {0};
    (void)state;
    assert_int_equal(bolt_manifest_parse(doc, strlen(doc), NULL, "m", &m, &err), 0);
    assert_false(m.is_index);
    assert_string_equal(m.media_type, BOLT_MT_DOCKER_MANIFEST);
    assert_string_equal(m.config.digest, D1);
    assert_int_equal(m.n_layers, 2);
    assert_int_equal(m.layers[0].size, 100);
    assert_string_equal(m.layers[1].digest, D3);
    bolt_manifest_fini(&m);
}

static void
test_index_select(void **state)
{
    const char *doc = "{\"schemaVersion\":2,\"manifests\":["
                      "{\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"os\":\"linux\","
                      "\"architecture\":\"arm\",\"variant\":\"v7\"}},"
                      "{\"digest\":\"" D2 "\",\"size\":1,\"platform\":{\"os\":\"linux\","
                      "\"architecture\":\"amd64\"}},"
                      "{\"digest\":\"" D3 "\",\"size\":1,\"platform\":{\"os\":\"linux\","
                      "\"architecture\":\"arm64\"}}]}";
    struct bolt_manifest m;
    struct bolt_err err = {0};
    const struct bolt_descriptor *d;
    (void)state;
    assert_int_equal(bolt_manifest_parse(doc, strlen(doc), BOLT_MT_DOCKER_LIST "; x", "i", &m,
                                         &err), 0);
    assert_true(m.is_index);
    assert_string_equal(m.media_type, BOLT_MT_DOCKER_LIST);
    d = bolt_index_select(&m, "linux", "amd64", NULL, &err);
    assert_non_null(d);
    assert_string_equal(d->digest, D2);
    d = bolt_index_select(&m, "linux", "arm", "v7", &err);
    assert_string_equal(d->digest, D1);
    d = bolt_index_select(&m, "linux", "arm64", "v8", &err);
    assert_string_equal(d->digest, D3);
    assert_null(bolt_index_select(&m, "linux", "s390x", NULL, &err));
    assert_non_null(strstr(err.msg, "linux/arm/v7, linux/amd64, linux/arm64"));
    bolt_manifest_fini(&m);
}

static void
test_rejects(void **state)
{
    static const char *const bad[] = {
        "[]",
        "{\"schemaVersion\":1,\"fsLayers\":[]}",
        "{\"schemaVersion\":3,\"config\":{}}",
        "{\"schemaVersion\":2}",
        "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:zz\",\"size\":1},\"layers\":[]}",
        "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}",
        "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\"}}",
        "{\"schemaVersion\":2,\"manifests\":[3]}",
        "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\"},\"layers\":[{\"digest\":5}]}",
        "not json",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct bolt_manifest m;
        struct bolt_err err = {0};
        if (bolt_manifest_parse(bad[i], strlen(bad[i]), NULL, "m", &m, &err) == 0)
            fail_msg("should be rejected: %s", bad[i]);
        assert_true(err.msg[0] != '\0');
    }
}

static void
test_config(void **state)
{
    const char *doc =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\","
        "\"config\":{\"Env\":[\"PATH=/bin\",\"A=b\"],\"Entrypoint\":[\"/init\"],\"Cmd\":"
        "[\"-x\"],\"WorkingDir\":\"/w\",\"User\":\"1000:1000\",\"Labels\":{\"k\":\"v\"},"
        "\"StopSignal\":\"SIGINT\",\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":"
        "{\"/data\":{}}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}";
    struct bolt_image_config c;
    struct bolt_err err = {0};
    (void)state;
    assert_int_equal(bolt_image_config_parse(doc, strlen(doc), "cfg", &c, &err), 0);
    assert_string_equal(c.architecture, "amd64");
    assert_string_equal(c.env[1], "A=b");
    assert_string_equal(c.entrypoint[0], "/init");
    assert_string_equal(c.cmd[0], "-x");
    assert_string_equal(c.working_dir, "/w");
    assert_string_equal(c.user, "1000:1000");
    assert_int_equal(c.n_labels, 1);
    assert_string_equal(c.label_keys[0], "k");
    assert_string_equal(c.label_values[0], "v");
    assert_string_equal(c.stop_signal, "SIGINT");
    assert_string_equal(c.exposed_ports[0], "80/tcp");
    assert_string_equal(c.volumes[0], "/data");
    assert_int_equal(c.n_diff_ids, 2);
    assert_string_equal(c.diff_ids[1], D2);
    bolt_image_config_fini(&c);

    /* no "config" section: empty vectors, NULL cmd/entrypoint */
    doc = "{\"rootfs\":{\"diff_ids\":[]}}";
    assert_int_equal(bolt_image_config_parse(doc, strlen(doc), "cfg", &c, &err), 0);
    assert_null(c.cmd);
    assert_null(c.entrypoint);
    assert_non_null(c.env);
    assert_null(c.env[0]);
    bolt_image_config_fini(&c);

    doc = "{\"rootfs\":{\"diff_ids\":[\"md5:x\"]}}";
    assert_int_equal(bolt_image_config_parse(doc, strlen(doc), "cfg", &c, &err), -1);
    assert_non_null(strstr(err.msg, "diff_ids[0]"));
    doc = "{\"config\":{\"Env\":\"x\"},\"rootfs\":{\"diff_ids\":[]}}";
    assert_int_equal(bolt_image_config_parse(doc, strlen(doc), "cfg", &c, &err), -1);
    assert_non_null(strstr(err.msg, "Env"));
}

static void
test_platform(void **state)
{
    char *os = NULL, *arch = NULL, *var = NULL;
    struct bolt_err err = {0};
    (void)state;
    assert_int_equal(bolt_platform_parse("linux/arm/v7", &os, &arch, &var, &err), 0);
    assert_string_equal(os, "linux");
    assert_string_equal(arch, "arm");
    assert_string_equal(var, "v7");
    free(os);
    free(arch);
    free(var);
    assert_int_equal(bolt_platform_parse("linux", &os, &arch, &var, &err), -1);
    assert_non_null(strstr(err.msg, "--platform"));
    assert_int_equal(bolt_platform_parse("linux/", &os, &arch, &var, &err), -1);
    assert_int_equal(bolt_platform_parse("linux/a/b/c", &os, &arch, &var, &err), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docker_manifest), cmocka_unit_test(test_index_select),
        cmocka_unit_test(test_rejects),         cmocka_unit_test(test_config),
        cmocka_unit_test(test_platform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
