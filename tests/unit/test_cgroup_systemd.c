/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd cgroup driver's pure parts: cgroupsPath, slice expansion, state JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup.h"
#include "runtime/cgroup_systemd.h"
#include "util/mem.h"

static void
expect_slice(const char *slice, const char *want)
{
    struct bolt_err err = {0};
    char *out = NULL;

    if (bolt_systemd_slice_expand(slice, &out, &err) < 0)
        fail_msg("expand '%s': %s", slice, err.msg);
    assert_string_equal(out, want);
    free(out);
}

static void
expect_slice_error(const char *slice, const char *needle)
{
    struct bolt_err err = {0};
    char *out = NULL;

    assert_int_equal(bolt_systemd_slice_expand(slice, &out, &err), -1);
    assert_null(out);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err.msg, needle);
}

static void
test_slice_expand(void **state)
{
    (void)state;
    expect_slice("system.slice", "/system.slice");
    expect_slice("-.slice", "/");
    expect_slice("a-b.slice", "/a.slice/a-b.slice");
    expect_slice("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice");
    expect_slice("kubepods-burstable-pod1234.slice",
                 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice");
    expect_slice_error("system", "ending in .slice");
    expect_slice_error("a/b.slice", "ending in .slice");
    expect_slice_error("a--b.slice", "dash-separated part is empty");
    expect_slice_error("-a.slice", "dash-separated part is empty");
    expect_slice_error("a-.slice", "dash-separated part is empty");
    expect_slice_error(".slice", "dash-separated part is empty");
}

static void
expect_path(const char *cp, const char *id, const char *slice, const char *unit, const char *path)
{
    struct bolt_systemd_path p;
    struct bolt_err err = {0};

    if (bolt_systemd_path_parse(cp, id, &p, &err) < 0)
        fail_msg("parse '%s': %s", cp ? cp : "(null)", err.msg);
    assert_string_equal(p.slice, slice);
    assert_string_equal(p.unit, unit);
    assert_string_equal(p.path, path);
    bolt_systemd_path_fini(&p);
}

static void
expect_path_error(const char *cp, const char *needle)
{
    struct bolt_systemd_path p;
    struct bolt_err err = {0};

    assert_int_equal(bolt_systemd_path_parse(cp, "c1", &p, &err), -1);
    assert_null(p.unit);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err.msg, needle);
    if (strstr(err.msg, "linux.cgroupsPath") == NULL)
        fail_msg("error '%s' does not name linux.cgroupsPath", err.msg);
}

static void
test_path_parse(void **state)
{
    (void)state;
    expect_path("system.slice:docker:abc", "x", "system.slice", "docker-abc.scope",
                "/system.slice/docker-abc.scope");
    expect_path(":libpod:abc", "x", "system.slice", "libpod-abc.scope",
                "/system.slice/libpod-abc.scope");
    expect_path("machine.slice:libpod:abc", "x", "machine.slice", "libpod-abc.scope",
                "/machine.slice/libpod-abc.scope");
    expect_path("kubepods-burstable-podX.slice:cri-containerd:abc", "x",
                "kubepods-burstable-podX.slice", "cri-containerd-abc.scope",
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podX.slice/"
                "cri-containerd-abc.scope");
    expect_path("-.slice:p:n", "x", "-.slice", "p-n.scope", "/p-n.scope");
    expect_path("system.slice::abc", "x", "system.slice", "abc.scope", "/system.slice/abc.scope");
    expect_path("user.slice:p:user-c1.slice", "x", "user.slice", "user-c1.slice",
                "/user.slice/user-c1.slice");
    expect_path(NULL, "c1", "system.slice", "nvbind-c1.scope", "/system.slice/nvbind-c1.scope");
    expect_path("", "c1", "system.slice", "nvbind-c1.scope", "/system.slice/nvbind-c1.scope");
    expect_path_error("/bolt/c1", "expects \"slice:prefix:name\"");
    expect_path_error("a:b", "expects \"slice:prefix:name\"");
    expect_path_error("a.slice:b:c:d", "expects \"slice:prefix:name\"");
    expect_path_error("system.slice:p:", "non-empty unit name parts");
    expect_path_error("system.slice:p:a/b", "non-empty unit name parts");
    expect_path_error("system.slice:p q:n", "non-empty unit name parts");
    expect_path_error("system:p:n", "ending in .slice");
    expect_path_error("a--b.slice:p:n", "dash-separated part is empty");
}

static const char state_json[] =
    "{\"version\":1,\"mode\":\"hybrid\",\"path\":\"/system.slice/test-c1.scope\","
    "\"hierarchies\":[{\"v2\":false,\"mount\":\"/sys/fs/cgroup/memory\",\"root\":\"/\","
    "\"controllers\":[\"memory\"]},{\"v2\":true,\"mount\":\"/sys/fs/cgroup/unified\","
    "\"root\":\"/\",\"controllers\":[]}],"
    "\"created\":[\"/sys/fs/cgroup/memory/system.slice\","
    "\"/sys/fs/cgroup/memory/system.slice/test-c1.scope\"],"
    "\"systemd\":{\"unit\":\"test-c1.scope\",\"slice\":\"system.slice\"}}";

static void
test_state_roundtrip(void **state)
{
    struct bolt_err err = {0};
    struct bolt_cgroup *cg = bolt_cgroup_from_string(state_json, &err);
    char *s;

    (void)state;
    if (cg == NULL)
        fail_msg("from_string: %s", err.msg);
    assert_string_equal(bolt_cgroup_path(cg), "/system.slice/test-c1.scope");
    assert_string_equal(bolt_cgroup_dir(cg, "memory"),
                        "/sys/fs/cgroup/memory/system.slice/test-c1.scope");
    s = bolt_cgroup_to_string(cg);
    assert_non_null(
        strstr(s, "\"systemd\":{\"unit\":\"test-c1.scope\",\"slice\":\"system.slice\"}"));
    free(s);
    bolt_cgroup_free(cg);
}

static void
expect_state_error(const char *from, const char *to)
{
    struct bolt_err err = {0};
    char *bad = xstrdup(state_json);
    char *p = strstr(bad, from);
    char *json;
    struct bolt_cgroup *cg;

    assert_non_null(p);
    *p = '\0';
    json = xasprintf("%s%s%s", bad, to, p + strlen(from));
    cg = bolt_cgroup_from_string(json, &err);
    assert_null(cg);
    if (strstr(err.msg, "cgroup state: systemd") == NULL)
        fail_msg("error '%s' does not name the systemd member", err.msg);
    free(json);
    free(bad);
}

static void
test_state_bad(void **state)
{
    (void)state;
    expect_state_error("\"unit\":\"test-c1.scope\"", "\"unit\":\"../x.scope\"");
    expect_state_error("\"unit\":\"test-c1.scope\"", "\"unit\":\"test-c1.service\"");
    expect_state_error("\"unit\":\"test-c1.scope\"", "\"unit\":7");
    expect_state_error("\"slice\":\"system.slice\"", "\"slice\":\"a--b.slice\"");
}

static void
test_driver_switch(void **state)
{
    (void)state;
    assert_int_equal(bolt_cgroup_get_driver(), BOLT_CGROUP_DRIVER_CGROUPFS);
    bolt_cgroup_set_driver(BOLT_CGROUP_DRIVER_SYSTEMD);
    assert_int_equal(bolt_cgroup_get_driver(), BOLT_CGROUP_DRIVER_SYSTEMD);
    bolt_cgroup_set_driver(BOLT_CGROUP_DRIVER_CGROUPFS);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slice_expand),    cmocka_unit_test(test_path_parse),
        cmocka_unit_test(test_state_roundtrip), cmocka_unit_test(test_state_bad),
        cmocka_unit_test(test_driver_switch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
