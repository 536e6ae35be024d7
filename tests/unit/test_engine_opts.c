/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/logs.h"
#include "engine/opts.h"
#include "util/mem.h"

static void
test_signals(void **state)
{
    char buf[16];

    (void)state;
    assert_int_equal(bolt_signal_parse("SIGTERM"), SIGTERM);
    assert_int_equal(bolt_signal_parse("hup"), SIGHUP);
    assert_int_equal(bolt_signal_parse("9"), SIGKILL);
    assert_int_equal(bolt_signal_parse("SIGNOPE"), -1);
    assert_int_equal(bolt_signal_parse("0"), -1);
    assert_string_equal(bolt_signal_name(SIGUSR1, buf, sizeof(buf)), "SIGUSR1");
}

static void
test_volumes(void **state)
{
    char *h = NULL, *c = NULL;
    bool ro = false;
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(bolt_volume_parse("/srv:/data:ro,z", &h, &c, &ro, &err), 0);
    assert_string_equal(h, "/srv");
    assert_string_equal(c, "/data");
    assert_true(ro);
    free(h);
    free(c);
    assert_int_equal(bolt_volume_parse("/srv", &h, &c, &ro, &err), -1);
    assert_non_null(strstr(err.msg, "invalid volume spec '/srv'"));
    assert_int_equal(bolt_volume_parse("named:/data", &h, &c, &ro, &err), -1);
    assert_non_null(strstr(err.msg, "not an absolute host path"));
    assert_int_equal(bolt_volume_parse("/a:/b:rx", &h, &c, &ro, &err), -1);
    assert_non_null(strstr(err.msg, "unknown volume option 'rx'"));
    assert_int_equal(bolt_volume_parse("/a:b", &h, &c, &ro, &err), -1);
}

static void
test_ulimits_caps_cpus(void **state)
{
    struct bolt_oci_rlimit rl = {0};
    struct bolt_err err = {0};
    int64_t quota;
    uint64_t period;
    char *cap;

    (void)state;
    assert_int_equal(bolt_ulimit_parse("nproc=10:20", &rl, &err), 0);
    assert_string_equal(rl.type, "RLIMIT_NPROC");
    assert_true(rl.soft == 10 && rl.hard == 20);
    free(rl.type);
    assert_int_equal(bolt_ulimit_parse("nofile=20:10", &rl, &err), -1);
    assert_int_equal(bolt_ulimit_parse("bogus=1", &rl, &err), -1);
    assert_non_null(strstr(err.msg, "unknown limit 'bogus'"));
    cap = bolt_cap_canon("net_admin");
    assert_string_equal(cap, "CAP_NET_ADMIN");
    free(cap);
    assert_null(bolt_cap_canon("CAP_FLY"));
    assert_int_equal(bolt_cpus_parse("0.5", &quota, &period, &err), 0);
    assert_true(quota == 50000 && period == 100000);
    assert_int_equal(bolt_cpus_parse("abc", &quota, &period, &err), -1);
    assert_int_equal(bolt_cpuset_check("0", &err), 0);
    assert_int_equal(bolt_cpuset_check("0-", &err), -1);
    assert_int_equal(bolt_cpuset_check("4096", &err), -1);
}

static void
test_log_lines(void **state)
{
    char path[] = "/tmp/bolt-unit-log-XXXXXX";
    int fd = mkstemp(path);
    struct engine_logw w;
    struct bolt_err err = {0};
    FILE *f;
    char line[512];
    struct engine_log_entry e;
    int n = 0;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(engine_logw_open(&w, path, &err), 0);
    engine_logw_feed(&w, ENGINE_STDOUT, "hel", 3);
    engine_logw_feed(&w, ENGINE_STDOUT, "lo\nwor", 6);
    engine_logw_feed(&w, ENGINE_STDERR, "oops\n", 5);
    engine_logw_close(&w); /* "wor" is flushed without a newline */
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        assert_int_equal(engine_log_parse_line(line, &e), 0);
        if (n == 0) {
            assert_string_equal(e.text, "hello\n");
            assert_int_equal(e.stream, ENGINE_STDOUT);
            assert_true(e.time_ns > 0);
        } else if (n == 1) {
            assert_string_equal(e.text, "oops\n");
            assert_int_equal(e.stream, ENGINE_STDERR);
        } else {
            assert_string_equal(e.text, "wor");
        }
        free(e.text);
        n++;
    }
    fclose(f);
    unlink(path);
    assert_int_equal(n, 3);
}

static void
test_since(void **state)
{
    int64_t t;
    struct bolt_err err = {0};
    char buf[48];

    (void)state;
    assert_int_equal(engine_parse_since("2026-01-02T03:04:05Z", 0, &t, &err), 0);
    assert_string_equal(engine_rfc3339(t, buf, sizeof(buf)), "2026-01-02T03:04:05.000000000Z");
    assert_int_equal(engine_parse_since("10m", 1000LL * 1000000000LL, &t, &err), 0);
    assert_true(t == 400LL * 1000000000LL);
    assert_int_equal(engine_parse_since("yesterday", 0, &t, &err), -1);
    assert_non_null(strstr(err.msg, "--since"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_volumes),
        cmocka_unit_test(test_ulimits_caps_cpus),
        cmocka_unit_test(test_log_lines),
        cmocka_unit_test(test_since),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
