/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvbind/cdi.h"
#include "util/fs.h"
#include "util/mem.h"

static const char good_spec[] =
    "{\"cdiVersion\":\"0.5.0\",\"kind\":\"nvidia.com/gpu\","
    "\"devices\":["
    " {\"name\":\"0\",\"containerEdits\":{\"deviceNodes\":[{\"path\":\"/dev/nvidia0\","
    "   \"type\":\"c\",\"major\":195,\"minor\":0,\"permissions\":\"rw\"}]}},"
    " {\"name\":\"all\",\"containerEdits\":{\"deviceNodes\":[{\"path\":\"/dev/nvidia0\","
    "   \"type\":\"c\",\"major\":195,\"minor\":0},{\"path\":\"/dev/nvidia1\",\"type\":\"c\","
    "   \"major\":195,\"minor\":1}]}}],"
    "\"containerEdits\":{\"env\":[\"NVIDIA_VISIBLE_DEVICES=void\"],"
    " \"deviceNodes\":[{\"path\":\"/dev/nvidiactl\",\"type\":\"c\",\"major\":195,\"minor\":255}],"
    " \"mounts\":[{\"hostPath\":\"/drv/usr/lib/libcuda.so.550\",\"containerPath\":"
    "   \"/usr/lib/libcuda.so.550\",\"options\":[\"ro\",\"nosuid\",\"nodev\",\"bind\"]}],"
    " \"hooks\":[{\"hookName\":\"createContainer\",\"path\":\"/usr/bin/nvbind\","
    "   \"args\":[\"nvbind\",\"hook\",\"update-ldcache\",\"--folder\",\"/usr/lib\"]}]}}";

static struct bolt_cdi_spec *
parse_ok(const char *text)
{
    struct bolt_err err = {0};
    struct bolt_cdi_spec *s = bolt_cdi_spec_parse(text, strlen(text), "test.json", &err);

    if (s == NULL)
        fail_msg("parse: %s", err.msg);
    return s;
}

/* Parse + validate; returns the error message (static) or NULL when valid. */
static const char *
check(const char *text)
{
    static char buf[600];
    struct bolt_err err = {0};
    cleanup_cdi_spec struct bolt_cdi_spec *s = bolt_cdi_spec_parse(text, strlen(text), "t", &err);

    if (s && bolt_cdi_spec_validate(s, &err) == 0)
        return NULL;
    snprintf(buf, sizeof(buf), "%s", err.msg);
    return buf;
}

static void
test_parse_good(void **state)
{
    cleanup_cdi_spec struct bolt_cdi_spec *s = parse_ok(good_spec);
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(bolt_cdi_spec_validate(s, &err), 0);
    assert_string_equal(s->kind, "nvidia.com/gpu");
    assert_int_equal(s->n_devices, 2);
    assert_string_equal(s->devices[1].name, "all");
    assert_int_equal(s->devices[1].edits.n_nodes, 2);
    assert_int_equal(s->devices[1].edits.nodes[1].minor, 1);
    assert_int_equal(s->edits.n_hooks, 1);
    assert_int_equal(s->edits.hooks[0].kind, BOLT_OCI_HOOK_CREATE_CONTAINER);
    /* device named by a digit needs 0.5.0 */
    assert_string_equal(bolt_cdi_spec_min_version(s), "0.5.0");
}

static void
test_roundtrip_json(void **state)
{
    cleanup_cdi_spec struct bolt_cdi_spec *s = parse_ok(good_spec), *again = NULL;
    json_t *j = bolt_cdi_spec_to_json(s);
    char *text = json_dumps(j, 0);

    (void)state;
    again = parse_ok(text);
    assert_int_equal(again->n_devices, s->n_devices);
    assert_string_equal(again->edits.mounts[0].container_path, "/usr/lib/libcuda.so.550");
    assert_string_equal(again->edits.mounts[0].options[3], "bind");
    assert_string_equal(again->edits.env[0], "NVIDIA_VISIBLE_DEVICES=void");
    free(text);
    json_decref(j);
}

static void
test_strict_unknown_field(void **state)
{
    const char *m = check("{\"cdiVersion\":\"0.6.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":"
                          "\"x\",\"containerEdits\":{\"env\":[\"A=1\"],\"bogus\":1}}]}");

    (void)state;
    assert_non_null(m);
    assert_non_null(strstr(m, "devices[0].containerEdits: unknown field 'bogus'"));
}

static void
test_version_rules(void **state)
{
    const char *m;

    (void)state;
    /* a device name starting with a digit needs 0.5.0 */
    m = check("{\"cdiVersion\":\"0.3.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"0\","
              "\"containerEdits\":{\"env\":[\"A=1\"]}}]}");
    assert_non_null(m);
    assert_non_null(strstr(m, "lower than 0.5.0"));
    /* annotations need 0.6.0 */
    m = check("{\"cdiVersion\":\"0.5.0\",\"kind\":\"a.com/b\",\"annotations\":{\"k\":\"v\"},"
              "\"devices\":[{\"name\":\"x\",\"containerEdits\":{\"env\":[\"A=1\"]}}]}");
    assert_non_null(m);
    assert_non_null(strstr(m, "0.6.0"));
    /* netDevices need 1.1.0 */
    m = check("{\"cdiVersion\":\"1.0.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"x\","
              "\"containerEdits\":{\"netDevices\":[{\"hostInterfaceName\":\"eth1\",\"name\":"
              "\"net0\"}]}}]}");
    assert_non_null(m);
    assert_non_null(strstr(m, "1.1.0"));
    m = check("{\"cdiVersion\":\"9.9.9\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"x\","
              "\"containerEdits\":{\"env\":[\"A=1\"]}}]}");
    assert_non_null(m);
    assert_non_null(strstr(m, "unknown version '9.9.9'"));
    assert_null(check("{\"cdiVersion\":\"v0.3.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":"
                      "\"x\",\"containerEdits\":{\"env\":[\"A=1\"]}}]}"));
}

static void
test_semantic_errors(void **state)
{
    const char *m;

    (void)state;
    m = check("{\"cdiVersion\":\"0.6.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"x\","
              "\"containerEdits\":{\"env\":[\"=1\"]}}]}");
    assert_non_null(strstr(m, "devices[0].containerEdits.env[0]"));
    m = check("{\"cdiVersion\":\"0.6.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"x\","
              "\"containerEdits\":{\"deviceNodes\":[{\"path\":\"dev/x\"}]}}]}");
    assert_non_null(strstr(m, "deviceNodes[0].path: 'dev/x' is not an absolute path"));
    m = check("{\"cdiVersion\":\"0.6.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"x\","
              "\"containerEdits\":{\"deviceNodes\":[{\"path\":\"/dev/x\",\"permissions\":\"rwx\"}]}}]}");
    assert_non_null(strstr(m, "permissions"));
    m = check("{\"cdiVersion\":\"0.6.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"x\","
              "\"containerEdits\":{\"hooks\":[{\"hookName\":\"preStart\",\"path\":\"/x\"}]}}]}");
    assert_non_null(strstr(m, "unknown hook 'preStart'"));
    m = check("{\"cdiVersion\":\"0.6.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"x\","
              "\"containerEdits\":{\"env\":[\"A=1\"]}},{\"name\":\"x\",\"containerEdits\":"
              "{\"env\":[\"A=1\"]}}]}");
    assert_non_null(strstr(m, "defined twice"));
    m = check("{\"cdiVersion\":\"0.6.0\",\"kind\":\"nvidia\",\"devices\":[{\"name\":\"x\","
              "\"containerEdits\":{\"env\":[\"A=1\"]}}]}");
    assert_non_null(strstr(m, "kind: 'nvidia' is not VENDOR/CLASS"));
    m = check("{\"cdiVersion\":\"0.6.0\",\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"-x\","
              "\"containerEdits\":{\"env\":[\"A=1\"]}}]}");
    assert_non_null(strstr(m, "invalid device name '-x'"));
    /* YAML: the same checks, positions from the YAML parser */
    m = check("cdiVersion: 0.6.0\n");
    assert_non_null(strstr(m, "kind: required string is missing"));
    m = check("cdiVersion: \"0.6.0\"\nkind: a.com/b\ndevices: [\n");
    assert_non_null(strstr(m, "t: line 4 column 1"));
    m = check("cdiVersion: &v \"0.6.0\"\nkind: *v\ndevices: []\n");
    assert_non_null(strstr(m, "aliases are not supported"));
}

static void
test_names(void **state)
{
    struct bolt_err err = {0};
    char *v = NULL, *c = NULL, *n = NULL;

    (void)state;
    assert_int_equal(bolt_cdi_parse_qualified("nvidia.com/gpu=GPU-1234:0", &v, &c, &n, &err), 0);
    assert_string_equal(v, "nvidia.com");
    assert_string_equal(c, "gpu");
    assert_string_equal(n, "GPU-1234:0");
    free(v);
    free(c);
    free(n);
    assert_int_equal(bolt_cdi_parse_qualified("/dev/sda=x", &v, &c, &n, &err), -1);
    assert_int_equal(bolt_cdi_parse_qualified("nvidia.com/gpu=", &v, &c, &n, &err), -1);
    assert_non_null(strstr(err.msg, "invalid device name"));
    assert_int_equal(bolt_cdi_parse_qualified("9vendor/gpu=0", &v, &c, &n, &err), -1);
    assert_non_null(strstr(err.msg, "invalid vendor"));
    assert_true(bolt_cdi_is_qualified_name("nvidia.com/gpu=all"));
    assert_false(bolt_cdi_is_qualified_name("/dev/fuse"));
    assert_false(bolt_cdi_is_qualified_name("/dev/a=b/c"));
}

static void
test_apply_merge_rules(void **state)
{
    cleanup_cdi_spec struct bolt_cdi_spec *s = parse_ok(good_spec);
    struct bolt_oci_spec *spec = bolt_oci_spec_default();
    struct bolt_err err = {0};
    size_t nd = spec->linux_.n_devices, nm;

    (void)state;
    bolt_oci_spec_add_mount(spec, "/usr/lib/libcuda.so.550", "bind", "/old", NULL);
    nm = spec->n_mounts;
    assert_int_equal(bolt_cdi_edits_apply(&s->edits, spec, "t", &err), 0);
    assert_int_equal(bolt_cdi_edits_apply(&s->devices[1].edits, spec, "t", &err), 0);
    /* same destination replaced, not duplicated */
    assert_int_equal(spec->n_mounts, nm);
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (strcmp(spec->mounts[i].destination, "/usr/lib/libcuda.so.550") == 0)
            assert_string_equal(spec->mounts[i].source, "/drv/usr/lib/libcuda.so.550");
    /* parents before children */
    for (size_t i = 1; i < spec->n_mounts; i++) {
        size_t a = 0, b = 0;
        for (const char *p = spec->mounts[i - 1].destination; *p; p++)
            a += *p == '/';
        for (const char *p = spec->mounts[i].destination; *p; p++)
            b += *p == '/';
        assert_true(a <= b);
    }
    assert_int_equal(spec->linux_.n_devices, nd + 3);
    assert_string_equal(bolt_oci_spec_getenv(spec, "NVIDIA_VISIBLE_DEVICES"), "void");
    assert_int_equal(spec->hooks.n[BOLT_OCI_HOOK_CREATE_CONTAINER], 1);
    /* device /dev/nvidia0 again: replaced, one allow rule per application */
    assert_int_equal(bolt_cdi_edits_apply(&s->devices[0].edits, spec, "t", &err), 0);
    assert_int_equal(spec->linux_.n_devices, nd + 3);
    assert_string_equal(spec->linux_.resources.devices[spec->linux_.resources.n_devices - 1].access,
                        "rw");
    bolt_oci_spec_free(spec);
}

static char *
make_dir(const char *tmp, const char *name)
{
    char *d = xasprintf("%s/%s", tmp, name);

    assert_int_equal(mkdir(d, 0755), 0);
    return d;
}

static void
write_spec(const char *dir, const char *file, const char *text)
{
    cleanup_free char *p = xasprintf("%s/%s", dir, file);
    struct bolt_err err = {0};

    assert_int_equal(bolt_write_file_atomic(p, text, strlen(text), 0644, &err), 0);
}

static void
test_registry(void **state)
{
    char tmpl[] = "/tmp/test-cdi-XXXXXX";
    char *tmp = mkdtemp(tmpl);
    cleanup_free char *d1 = make_dir(tmp, "etc"), *d2 = make_dir(tmp, "run");
    char *dirs[] = {d1, d2, NULL};
    struct bolt_cdi_registry reg;
    struct bolt_oci_spec *spec = bolt_oci_spec_default();
    struct bolt_err err = {0};
    char n_a[] = "vendor.com/dev=a", n_c[] = "vendor.com/dev=c", n_z[] = "vendor.com/dev=zzz";
    char n_o[] = "other.org/x=1";
    char *want[] = {n_a, NULL}, *conflict[] = {n_c, NULL}, *unknown[] = {n_z, NULL};
    char *nokind[] = {n_o, NULL};

    (void)state;
    write_spec(d1, "v1.json", "{\"cdiVersion\":\"0.6.0\",\"kind\":\"vendor.com/dev\",\"devices\":["
                              "{\"name\":\"a\",\"containerEdits\":{\"env\":[\"FROM=etc\"]}},"
                              "{\"name\":\"c\",\"containerEdits\":{\"env\":[\"C=1\"]}}]}");
    write_spec(d1, "v2.json", "{\"cdiVersion\":\"0.6.0\",\"kind\":\"vendor.com/dev\",\"devices\":["
                              "{\"name\":\"c\",\"containerEdits\":{\"env\":[\"C=2\"]}}]}");
    write_spec(d2, "v3.json", "{\"cdiVersion\":\"0.6.0\",\"kind\":\"vendor.com/dev\",\"devices\":["
                              "{\"name\":\"a\",\"containerEdits\":{\"env\":[\"FROM=run\"]}}]}");
    write_spec(d2, "broken.json", "{\"cdiVersion\":\"0.6.0\"");
    write_spec(d2, "ignored.txt", "not a spec");
    assert_int_equal(bolt_cdi_registry_load(&reg, dirs, &err), 0);
    assert_int_equal(reg.n_specs, 3);
    assert_int_equal(bolt_strv_len(reg.errors), 1);
    assert_non_null(strstr(reg.errors[0], "broken.json"));
    /* the later directory wins */
    assert_int_equal(bolt_cdi_registry_apply(&reg, want, spec, &err), 0);
    assert_string_equal(bolt_oci_spec_getenv(spec, "FROM"), "run");
    /* equal priority: conflict names both files */
    assert_int_equal(bolt_cdi_registry_apply(&reg, conflict, spec, &err), -1);
    assert_non_null(strstr(err.msg, "conflicting definitions"));
    assert_non_null(strstr(err.msg, "v1.json"));
    assert_non_null(strstr(err.msg, "v2.json"));
    assert_int_equal(bolt_cdi_registry_apply(&reg, unknown, spec, &err), -1);
    assert_non_null(strstr(err.msg, "unknown CDI device 'vendor.com/dev=zzz' (known: vendor.com/dev=a, vendor.com/dev=c)"));
    assert_int_equal(bolt_cdi_registry_apply(&reg, nokind, spec, &err), -1);
    assert_non_null(strstr(err.msg, "no spec defines kind 'other.org/x'"));
    bolt_cdi_registry_fini(&reg);
    bolt_oci_spec_free(spec);
    bolt_rm_rf(tmp, NULL);
}

static void
test_yaml_input(void **state)
{
    cleanup_cdi_spec struct bolt_cdi_spec *s = parse_ok(good_spec), *y = NULL;
    json_t *j = bolt_cdi_spec_to_json(s), *back;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    bolt_cdi_write_yaml(f, j);
    fclose(f);
    y = parse_ok(buf);
    back = bolt_cdi_spec_to_json(y);
    assert_true(json_equal(j, back)); /* what we write as YAML reads back identically */
    assert_int_equal(y->devices[0].edits.nodes[0].major, 195);
    assert_null(check("cdiVersion: 0.6.0\nkind: vendor.com/x\ndevices:\n- name: a\n"
                      "  containerEdits:\n    env: [A=1]\n    deviceNodes:\n"
                      "    - {path: /dev/x, type: c, major: 10, minor: 0x2a}\n"));
    free(buf);
    json_decref(j);
    json_decref(back);
}

static void
test_yaml_output(void **state)
{
    cleanup_cdi_spec struct bolt_cdi_spec *s = parse_ok(good_spec);
    json_t *j = bolt_cdi_spec_to_json(s);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    bolt_cdi_write_yaml(f, j);
    fclose(f);
    assert_non_null(strstr(buf, "cdiVersion: \"0.5.0\"\n"));
    assert_non_null(strstr(buf, "devices:\n- name: \"0\"\n  containerEdits:\n    deviceNodes:\n"
                                "    - path: \"/dev/nvidia0\"\n      type: \"c\"\n"));
    free(buf);
    json_decref(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),        cmocka_unit_test(test_roundtrip_json),
        cmocka_unit_test(test_strict_unknown_field), cmocka_unit_test(test_version_rules),
        cmocka_unit_test(test_semantic_errors),   cmocka_unit_test(test_names),
        cmocka_unit_test(test_apply_merge_rules), cmocka_unit_test(test_registry),
        cmocka_unit_test(test_yaml_input),        cmocka_unit_test(test_yaml_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
