/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the gaming tools: CPU lists (tune), throttle names (metrics), HTML report,
 * hugepage edits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/tune.h"
#include "nvbind/metrics.h"
#include "nvbind/report.h"
#include "oci/spec.h"
#include "util/fs.h"
#include "util/mem.h"

static void
test_cpus_roundtrip(void **state)
{
    (void)state;
    cpu_set_t set;
    struct bolt_err err = {0};
    char buf[128];
    long n = sysconf(_SC_NPROCESSORS_CONF);

    assert_int_equal(bolt_tune_parse_cpus("0", "--cpus", &set, &err), 0);
    bolt_tune_format_cpus(&set, buf, sizeof(buf));
    assert_string_equal(buf, "0");
    if (n >= 2) {
        assert_int_equal(bolt_tune_parse_cpus("1,0", "--cpus", &set, &err), 0);
        bolt_tune_format_cpus(&set, buf, sizeof(buf));
        assert_string_equal(buf, "0-1");
    }
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    CPU_SET(2, &set);
    CPU_SET(3, &set);
    CPU_SET(4, &set);
    CPU_SET(7, &set);
    bolt_tune_format_cpus(&set, buf, sizeof(buf));
    assert_string_equal(buf, "0,2-4,7");
}

static void
test_cpus_errors(void **state)
{
    (void)state;
    cpu_set_t set;
    struct bolt_err err = {0};
    const char *bad[] = {"", "a", "1-", "-1", "0,,1", "0;1", "3-1", "99999"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bolt_err_clear(&err);
        assert_int_equal(bolt_tune_parse_cpus(bad[i], "--cpus", &set, &err), -1);
        assert_non_null(strstr(err.msg, "--cpus '"));
    }
    bolt_tune_parse_cpus("99999", "--cpus", &set, &err);
    assert_non_null(strstr(err.msg, "CPU 99999 does not exist"));
    bolt_tune_parse_cpus("3-1", "--cpus", &set, &err);
    assert_non_null(strstr(err.msg, "backwards"));
}

static void
test_throttle_names(void **state)
{
    (void)state;
    json_t *a = bolt_metrics_throttle_names(0x1 | 0x4 | 0x40);
    assert_int_equal(json_array_size(a), 3);
    assert_string_equal(json_string_value(json_array_get(a, 0)), "gpu_idle");
    assert_string_equal(json_string_value(json_array_get(a, 1)), "sw_power_cap");
    assert_string_equal(json_string_value(json_array_get(a, 2)), "hw_thermal");
    json_decref(a);
    a = bolt_metrics_throttle_names(0);
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
}

static void
test_report_html(void **state)
{
    (void)state;
    json_t *samples = json_loads(
        "[{\"time\": 100.0, \"gpus\": [{\"index\": 0, \"uuid\": \"GPU-a\", \"name\": \"L4\","
        "  \"util_gpu\": 10, \"power_w\": null}],"
        "  \"containers\": [{\"id\": \"c1\", \"name\": \"<game>\", \"cpu_pct\": 50.0}]},"
        " {\"time\": 101.0, \"gpus\": [{\"index\": 0, \"uuid\": \"GPU-a\", \"name\": \"L4\","
        "  \"util_gpu\": 90, \"power_w\": null}],"
        "  \"containers\": [{\"id\": \"c1\", \"name\": \"<game>\", \"cpu_pct\": 75.0,"
        "  \"note\": \"</script>\"}]}]",
        0, NULL);
    assert_non_null(samples);
    cleanup_free char *html = bolt_report_html(samples, "t & t");

    assert_non_null(strstr(html, "<title>t &amp; t</title>"));
    assert_non_null(strstr(html, "GPU 0 L4"));
    /* container names are escaped; the embedded JSON cannot close its script element */
    assert_non_null(strstr(html, "&lt;game&gt;"));
    const char *script = strstr(html, "id=\"samples\">");
    assert_non_null(script);
    /* raw only inside the JSON script element, which is data, not markup */
    const char *raw = strstr(html, "<game>");
    assert_true(raw == NULL || raw > script);
    assert_non_null(script);
    const char *end = strstr(script, "</script>");
    assert_non_null(end);
    assert_null(strstr(end + 1, "</script>"));
    /* a metric with no values says so instead of drawing a line at 0 */
    assert_non_null(strstr(html, "not reported by the driver"));
    /* two samples, 1 s apart: the utilization line goes from y(10%) to y(90%) */
    assert_non_null(strstr(html, "2 samples over 1.0 s"));
    json_decref(samples);
}

static void
test_hugepages_edits(void **state)
{
    (void)state;
    struct bolt_oci_spec *spec = bolt_oci_spec_default();
    struct bolt_err err = {0};
    size_t mounts = spec->n_mounts;

    assert_int_equal(bolt_tune_hugepages_edits(spec, NULL, &err), 0);
    assert_int_equal(spec->n_mounts, mounts);
    assert_int_equal(bolt_tune_hugepages_edits(spec, "0", &err), -1);
    assert_non_null(strstr(err.msg, "--hugepages '0'"));
    assert_int_equal(bolt_tune_hugepages_edits(spec, "x", &err), -1);
    assert_non_null(strstr(err.msg, "--hugepages"));
    if (!bolt_path_exists("/sys/kernel/mm/hugepages/hugepages-2048kB")) {
        bolt_oci_spec_free(spec);
        skip();
    }
    assert_int_equal(bolt_tune_hugepages_edits(spec, "3m", &err), 0);
    assert_int_equal(spec->linux_.resources.n_hugepage_limits, 1);
    assert_string_equal(spec->linux_.resources.hugepage_limits[0].page_size, "2MB");
    assert_int_equal(spec->linux_.resources.hugepage_limits[0].limit, 4u << 20);
    assert_int_equal(spec->n_mounts, mounts + 1);
    assert_string_equal(spec->mounts[mounts].destination, "/dev/hugepages");
    assert_string_equal(spec->mounts[mounts].type, "hugetlbfs");
    /* a second limit for the same page size is refused */
    assert_int_equal(bolt_tune_hugepages_edits(spec, "3m", &err), -1);
    bolt_oci_spec_free(spec);
}

static void
test_rt_config(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/bolt-unit-rt.XXXXXX";
    struct bolt_tune_rt_config cfg = {.enabled = true, .budget_us = 1};
    struct bolt_err err = {0};

    assert_non_null(mkdtemp(tmpl));
    assert_int_equal(bolt_tune_rt_load(tmpl, &cfg, &err), 0);
    assert_false(cfg.enabled);
    assert_int_equal(cfg.budget_us, BOLT_TUNE_RT_DEFAULT_BUDGET);
    cfg.enabled = true;
    cfg.budget_us = 42000;
    assert_int_equal(bolt_tune_rt_save(tmpl, &cfg, &err), 0);
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(bolt_tune_rt_load(tmpl, &cfg, &err), 0);
    assert_true(cfg.enabled);
    assert_int_equal(cfg.budget_us, 42000);

    /* edits: CAP_SYS_NICE in the bounding set */
    struct bolt_oci_spec *spec = bolt_oci_spec_default();
    assert_int_equal(bolt_tune_rt_edits(spec, tmpl, &err), 0);
    bool found = false;
    for (size_t i = 0; spec->process.caps.bounding && spec->process.caps.bounding[i]; i++)
        found |= strcmp(spec->process.caps.bounding[i], "CAP_SYS_NICE") == 0;
    assert_true(found);
    bolt_oci_spec_free(spec);
    bolt_rm_rf(tmpl, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpus_roundtrip), cmocka_unit_test(test_cpus_errors),
        cmocka_unit_test(test_throttle_names), cmocka_unit_test(test_report_html),
        cmocka_unit_test(test_hugepages_edits), cmocka_unit_test(test_rt_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
