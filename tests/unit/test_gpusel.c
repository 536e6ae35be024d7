/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvbind/gpusel.h"
#include "nvbind/plan.h"
#include "util/mem.h"

static void
assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("'%s' does not contain '%s'", hay, needle);
}

/* One row of the --gpu / env table: input, expected kind, device count, first device. */
struct gpu_case {
    const char *in;
    enum bolt_gpusel_kind kind;
    size_t n_devs;
    enum bolt_gpusel_dev_type type0;
    unsigned index0, mig0;
};

static void
test_gpu_table(void **state)
{
    static const struct gpu_case cases[] = {
        {"all", BOLT_GPUSEL_ALL, 0, 0, 0, 0},
        {"none", BOLT_GPUSEL_NONE, 0, 0, 0, 0},
        {"void", BOLT_GPUSEL_UNSET, 0, 0, 0, 0},
        {"0", BOLT_GPUSEL_LIST, 1, BOLT_GPUSEL_DEV_INDEX, 0, 0},
        {"0,2", BOLT_GPUSEL_LIST, 2, BOLT_GPUSEL_DEV_INDEX, 0, 0},
        {" 3 , 1 ", BOLT_GPUSEL_LIST, 2, BOLT_GPUSEL_DEV_INDEX, 3, 0},
        {"gpu:1", BOLT_GPUSEL_LIST, 1, BOLT_GPUSEL_DEV_INDEX, 1, 0},
        {"0:1", BOLT_GPUSEL_LIST, 1, BOLT_GPUSEL_DEV_MIG_INDEX, 0, 1},
        {"GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689", BOLT_GPUSEL_LIST, 1, BOLT_GPUSEL_DEV_UUID, 0,
         0},
        {"MIG-5e1b7f6d-80d2-53a4-bc0e-6c7d8e9fa0b1", BOLT_GPUSEL_LIST, 1,
         BOLT_GPUSEL_DEV_MIG_UUID, 0, 0},
        {"MIG-GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689/1/0", BOLT_GPUSEL_LIST, 1,
         BOLT_GPUSEL_DEV_MIG_UUID, 0, 0},
        {"0,void,1", BOLT_GPUSEL_UNSET, 0, 0, 0, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bolt_gpusel sel = {0};
        struct bolt_err err = {0};
        if (bolt_gpusel_parse_gpu(cases[i].in, &sel, &err) < 0)
            fail_msg("'%s': %s", cases[i].in, err.msg);
        if (sel.kind != cases[i].kind || sel.n_devs != cases[i].n_devs)
            fail_msg("'%s': kind %d n %zu", cases[i].in, sel.kind, sel.n_devs);
        if (sel.n_devs > 0) {
            assert_int_equal(sel.devs[0].type, cases[i].type0);
            if (cases[i].type0 == BOLT_GPUSEL_DEV_INDEX || cases[i].type0 == BOLT_GPUSEL_DEV_MIG_INDEX) {
                assert_int_equal(sel.devs[0].index, cases[i].index0);
                assert_int_equal(sel.devs[0].mig, cases[i].mig0);
            } else {
                assert_string_equal(sel.devs[0].uuid, cases[i].in);
            }
        }
        bolt_gpusel_fini(&sel);
    }
}

static void
expect_gpu_error(const char *in, const char *needle)
{
    struct bolt_gpusel sel = {0};
    struct bolt_err err = {0};

    if (bolt_gpusel_parse_gpu(in, &sel, &err) == 0)
        fail_msg("'%s' parsed but should not", in);
    assert_contains(err.msg, needle);
}

static void
test_gpu_errors(void **state)
{
    (void)state;
    expect_gpu_error("", "--gpu '': empty value");
    expect_gpu_error("abc", "--gpu: bad device 'abc'");
    expect_gpu_error("-1", "bad device '-1'");
    expect_gpu_error("all,0", "cannot be combined");
    expect_gpu_error("0,none", "cannot be combined");
    expect_gpu_error("GPU-zz", "bad device 'GPU-zz'");
    expect_gpu_error("1:x", "bad device '1:x'");
    expect_gpu_error("99999999999", "bad device");
}

struct docker_case {
    const char *in;
    enum bolt_gpusel_kind kind;
    unsigned count;
    size_t n_devs;
    unsigned caps;
    bool caps_set;
};

static void
test_docker_table(void **state)
{
    static const struct docker_case cases[] = {
        {"all", BOLT_GPUSEL_ALL, 0, 0, 0, false},
        {"2", BOLT_GPUSEL_COUNT, 2, 0, 0, false},
        {"count=3", BOLT_GPUSEL_COUNT, 3, 0, 0, false},
        {"count=all", BOLT_GPUSEL_ALL, 0, 0, 0, false},
        {"\"device=0,1\"", BOLT_GPUSEL_LIST, 0, 2, 0, false},
        {"device=GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689", BOLT_GPUSEL_LIST, 0, 1, 0, false},
        {"capabilities=utility", BOLT_GPUSEL_COUNT, 1, 0, BOLT_NV_CAP_UTILITY, true},
        {"all,\"capabilities=compute,utility\"", BOLT_GPUSEL_ALL, 0, 0,
         BOLT_NV_CAP_COMPUTE | BOLT_NV_CAP_UTILITY, true},
        {"all,capabilities=gpu", BOLT_GPUSEL_ALL, 0, 0, 0, false},
        {"count=1,driver=nvidia", BOLT_GPUSEL_COUNT, 1, 0, 0, false},
        {"0", BOLT_GPUSEL_UNSET, 0, 0, 0, false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bolt_gpusel sel = {0};
        struct bolt_err err = {0};
        if (bolt_gpusel_parse_docker(cases[i].in, &sel, &err) < 0)
            fail_msg("'%s': %s", cases[i].in, err.msg);
        if (sel.kind != cases[i].kind || sel.count != cases[i].count
            || sel.n_devs != cases[i].n_devs || sel.caps != cases[i].caps
            || sel.caps_set != cases[i].caps_set)
            fail_msg("'%s': kind %d count %u n %zu caps %#x set %d", cases[i].in, sel.kind,
                     sel.count, sel.n_devs, sel.caps, sel.caps_set);
        bolt_gpusel_fini(&sel);
    }
}

static void
test_docker_errors(void **state)
{
    static const struct {
        const char *in, *needle;
    } cases[] = {
        {"count=2,device=0", "cannot set both count and device"},
        {"count=1,count=2", "'count' can be specified only once"},
        {"colour=red", "unexpected key 'colour'"},
        {"\"device=0,1", "unterminated quote"},
        {"count=many", "count 'many' is not a number"},
        {"capabilities=warp", "unknown driver capability 'warp'"},
        {"driver=amd", "driver 'amd' is not supported"},
        {"", "empty value"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bolt_gpusel sel = {0};
        struct bolt_err err = {0};
        if (bolt_gpusel_parse_docker(cases[i].in, &sel, &err) == 0)
            fail_msg("'%s' parsed but should not", cases[i].in);
        assert_contains(err.msg, cases[i].needle);
    }
}

static void
test_caps(void **state)
{
    unsigned caps = 0;
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(bolt_gpusel_parse_caps("compute, utility", "X", &caps, &err), 0);
    assert_int_equal(caps, BOLT_NV_CAP_COMPUTE | BOLT_NV_CAP_UTILITY);
    assert_int_equal(bolt_gpusel_parse_caps("all", "X", &caps, &err), 0);
    assert_int_equal(caps, BOLT_NV_CAP_ALL);
    assert_int_equal(bolt_gpusel_parse_caps("graphics,display,ngx,compat32,video", "X", &caps, &err), 0);
    assert_int_equal(caps, BOLT_NV_CAP_ALL & ~(BOLT_NV_CAP_COMPUTE | BOLT_NV_CAP_UTILITY));
    assert_int_equal(bolt_gpusel_parse_caps("compute,gaming", "NVIDIA_DRIVER_CAPABILITIES", &caps, &err), -1);
    assert_contains(err.msg, "NVIDIA_DRIVER_CAPABILITIES: unknown driver capability 'gaming'");
}

static const char *const mig_uuids0[] = {"MIG-aaaa", "MIG-bbbb"};
static const struct bolt_gpusel_host_gpu host[] = {
    {"NVIDIA L4", "GPU-1111", mig_uuids0, 2},
    {"NVIDIA L4", "GPU-2222", NULL, 0},
};

static void
resolve_ok(const char *spec, size_t n_expect, unsigned gpu0, int mig0)
{
    struct bolt_gpusel sel = {0};
    struct bolt_err err = {0};
    struct bolt_gpusel_pick *picks = NULL;
    size_t n = 0;

    assert_int_equal(bolt_gpusel_parse_gpu(spec, &sel, &err), 0);
    if (bolt_gpusel_resolve(&sel, host, 2, &picks, &n, &err) < 0)
        fail_msg("'%s': %s", spec, err.msg);
    assert_int_equal(n, n_expect);
    if (n > 0) {
        assert_int_equal(picks[0].gpu, gpu0);
        assert_int_equal(picks[0].mig, mig0);
    }
    free(picks);
    bolt_gpusel_fini(&sel);
}

static void
test_resolve(void **state)
{
    struct bolt_gpusel sel = {0};
    struct bolt_err err = {0};
    struct bolt_gpusel_pick *picks = NULL;
    size_t n = 0;

    (void)state;
    resolve_ok("all", 2, 0, -1);
    resolve_ok("1", 1, 1, -1);
    resolve_ok("1,0,1", 2, 1, -1); /* duplicates dropped, request order kept */
    resolve_ok("GPU-2222", 1, 1, -1);
    resolve_ok("gpu-2222", 1, 1, -1);
    resolve_ok("MIG-bbbb", 1, 0, 1);
    resolve_ok("0:1", 1, 0, 1);
    resolve_ok("none", 0, 0, 0);
    assert_int_equal(bolt_gpusel_parse_gpu("5", &sel, &err), 0);
    assert_int_equal(bolt_gpusel_resolve(&sel, host, 2, &picks, &n, &err), -1);
    assert_string_equal(err.msg, "unknown GPU 5; this host has GPUs 0 (NVIDIA L4, GPU-1111), "
                                 "1 (NVIDIA L4, GPU-2222)");
    bolt_gpusel_fini(&sel);
    assert_int_equal(bolt_gpusel_parse_gpu("1:0", &sel, &err), 0);
    assert_int_equal(bolt_gpusel_resolve(&sel, host, 2, &picks, &n, &err), -1);
    assert_contains(err.msg, "unknown MIG device 1:0; this host has GPUs 0");
    bolt_gpusel_fini(&sel);
    assert_int_equal(bolt_gpusel_parse_docker("count=3", &sel, &err), 0);
    assert_int_equal(bolt_gpusel_resolve(&sel, host, 2, &picks, &n, &err), -1);
    assert_contains(err.msg, "3 GPUs requested; this host has GPUs 0 (NVIDIA L4");
    bolt_gpusel_fini(&sel);
    assert_int_equal(bolt_gpusel_parse_gpu("0", &sel, &err), 0);
    assert_int_equal(bolt_gpusel_resolve(&sel, NULL, 0, &picks, &n, &err), -1);
    assert_contains(err.msg, "unknown GPU 0; this host has no GPU");
    bolt_gpusel_fini(&sel);
}

static void
test_vercmp(void **state)
{
    (void)state;
    assert_true(bolt_gpureq_vercmp("12.10", "12.9") > 0);
    assert_true(bolt_gpureq_vercmp("12.4", "12.4.0") == 0);
    assert_true(bolt_gpureq_vercmp("550.54.15", "550.100") < 0);
    assert_true(bolt_gpureq_vercmp("470", "471") < 0);
}

static const char *const archs[] = {"8.9", "8.9"};
static const char *const brands[] = {"nvidia", "nvidia"};
static const struct bolt_gpureq_host l4_host = {"12.4", "550.54.15", archs, brands, 2};

static int
check_req(const char *value, struct bolt_err *err)
{
    struct bolt_gpureq req = {0};
    int rc = bolt_gpureq_add(&req, "NVIDIA_REQUIRE_CUDA", value, err);

    if (rc == 0)
        rc = bolt_gpureq_check(&req, &l4_host, err);
    bolt_gpureq_fini(&req);
    return rc;
}

static void
test_requirements(void **state)
{
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(check_req("cuda>=12.0", &err), 0);
    assert_int_equal(check_req("cuda>=12.4", &err), 0);
    assert_int_equal(check_req("cuda<13", &err), 0);
    assert_int_equal(check_req("arch=8.9", &err), 0);
    assert_int_equal(check_req("brand=NVIDIA", &err), 0);
    /* space = OR: the second alternative holds */
    assert_int_equal(check_req("cuda>=13.0 driver>=550", &err), 0);
    /* comma = AND inside one alternative */
    assert_int_equal(check_req("brand=tesla,driver>=470 brand=nvidia,driver>=550,driver<551", &err), 0);
    /* unknown properties are ignored */
    assert_int_equal(check_req("cuda>=12.0,colour=blue", &err), 0);
    /* the official CUDA image form */
    assert_int_equal(check_req("cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471", &err), 0);

    assert_int_equal(check_req("cuda>=12.6", &err), -1);
    assert_string_equal(err.msg, "NVIDIA_REQUIRE_CUDA 'cuda>=12.6' is not met: this host has CUDA "
                                 "12.4 (driver 550.54.15); GPU 0 arch 8.9 brand nvidia, GPU 1 "
                                 "arch 8.9 brand nvidia (set NVIDIA_DISABLE_REQUIRE=true to skip "
                                 "the check)");
    assert_int_equal(check_req("brand=tesla,driver>=470", &err), -1);
    assert_int_equal(check_req("arch>=9.0", &err), -1);
    assert_int_equal(check_req("driver<550", &err), -1);
    assert_int_equal(check_req("cuda>=twelve", &err), -1);
    assert_contains(err.msg, "'twelve' is not a version");
    assert_int_equal(check_req("cuda", &err), -1);
    assert_contains(err.msg, "bad requirement 'cuda'");
}

static void
test_env(void **state)
{
    struct bolt_gpusel sel = {0};
    struct bolt_gpureq req = {0};
    struct bolt_err err = {0};
    char *env1[] = {(char *)"PATH=/bin", (char *)"NVIDIA_VISIBLE_DEVICES=0,1", (char *)"NVIDIA_DRIVER_CAPABILITIES=compute,video",
                    (char *)"NVIDIA_REQUIRE_CUDA=cuda>=12.0", (char *)"NVIDIA_REQUIRE_ARCH=arch>=8.0", (char *)"NVIDIA_REQUIRE_JETPACK=xx", NULL};
    char *env2[] = {(char *)"CUDA_VERSION=11.8.0", NULL};
    char *env3[] = {(char *)"NVIDIA_VISIBLE_DEVICES=all", (char *)"NVIDIA_DISABLE_REQUIRE=true", (char *)"NVIDIA_REQUIRE_CUDA=cuda>=99", NULL};
    char *env4[] = {(char *)"NVIDIA_VISIBLE_DEVICES=all", (char *)"NVIDIA_DRIVER_CAPABILITIES=compute,warp", NULL};
    char *env5[] = {(char *)"HOME=/root", NULL};

    (void)state;
    assert_int_equal(bolt_gpusel_from_env(env1, &sel, &req, &err), 0);
    assert_int_equal(sel.kind, BOLT_GPUSEL_LIST);
    assert_int_equal(sel.n_devs, 2);
    assert_true(sel.caps_set);
    assert_int_equal(sel.caps, BOLT_NV_CAP_COMPUTE | BOLT_NV_CAP_VIDEO);
    assert_int_equal(req.n_clauses, 2);
    assert_int_equal(bolt_gpureq_check(&req, &l4_host, &err), 0);
    bolt_gpusel_fini(&sel);
    bolt_gpureq_fini(&req);

    /* legacy image: CUDA_VERSION without NVIDIA_REQUIRE_CUDA -> all GPUs, all caps, cuda>=11.8 */
    assert_int_equal(bolt_gpusel_from_env(env2, &sel, &req, &err), 0);
    assert_int_equal(sel.kind, BOLT_GPUSEL_ALL);
    assert_int_equal(sel.caps, BOLT_NV_CAP_ALL);
    assert_int_equal(req.n_clauses, 1);
    assert_string_equal(req.clauses[0].text, "cuda>=11.8");
    bolt_gpusel_fini(&sel);
    bolt_gpureq_fini(&req);

    assert_int_equal(bolt_gpusel_from_env(env3, &sel, &req, &err), 0);
    assert_int_equal(req.n_clauses, 0);
    bolt_gpusel_fini(&sel);

    assert_int_equal(bolt_gpusel_from_env(env4, &sel, &req, &err), -1);
    assert_contains(err.msg, "NVIDIA_DRIVER_CAPABILITIES: unknown driver capability 'warp'");
    bolt_gpusel_fini(&sel);
    bolt_gpureq_fini(&req);

    assert_int_equal(bolt_gpusel_from_env(env5, &sel, &req, &err), 0);
    assert_int_equal(sel.kind, BOLT_GPUSEL_UNSET);
    assert_false(sel.caps_set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpu_table),    cmocka_unit_test(test_gpu_errors),
        cmocka_unit_test(test_docker_table), cmocka_unit_test(test_docker_errors),
        cmocka_unit_test(test_caps),         cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_vercmp),       cmocka_unit_test(test_requirements),
        cmocka_unit_test(test_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
