/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/trace.h"

/* Run fn with stderr sent to a temporary file; returns what it printed (caller frees). */
static char *
capture_stderr(void (*fn)(void))
{
    char path[] = "/tmp/bolt-test-trace.XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(2);
    char *buf = calloc(1, 4096);
    ssize_t n;

    assert_true(fd >= 0 && saved >= 0 && buf);
    unlink(path);
    fflush(stderr);
    dup2(fd, 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    n = pread(fd, buf, 4095, 0);
    assert_true(n >= 0);
    close(fd);
    return buf;
}

static void
two_phases_twice(void)
{
    struct bolt_trace t;

    bolt_trace_begin(&t, "engine");
    bolt_trace_mark(&t, "image");
    usleep(2000);
    bolt_trace_mark(&t, "spec");
    bolt_trace_end(&t);
    bolt_trace_mark(&t, "again");
    bolt_trace_end(&t);
}

static void
test_trace_line_format(void **state)
{
    char *out;
    regex_t re;
    regmatch_t m[2];
    double spec_us;

    (void)state;
    setenv("BOLT_TRACE", "1", 1);
    assert_true(bolt_trace_enabled());
    out = capture_stderr(two_phases_twice);
    /* one line per operation; end starts a fresh line with the same name */
    assert_int_equal(regcomp(&re,
                             "^engine-trace: image=[0-9]+\\.[0-9] spec=([0-9]+\\.[0-9]) "
                             "total=[0-9]+\\.[0-9] us\n"
                             "engine-trace: again=[0-9]+\\.[0-9] total=[0-9]+\\.[0-9] us\n$",
                             REG_EXTENDED),
                     0);
    assert_int_equal(regexec(&re, out, 2, m, 0), 0);
    spec_us = strtod(out + m[1].rm_so, NULL);
    assert_true(spec_us >= 2000.0); /* the phase is the time since the previous mark */
    regfree(&re);
    free(out);
}

/* A phase measured before begin counts in the total; a figure that is not a span (cpu) does
 * not; what runs after stop is not counted. */
static void
added_and_stopped(void)
{
    struct bolt_trace t;

    bolt_trace_begin(&t, "nvbind");
    bolt_trace_add(&t, "layer", 5000000, true);
    bolt_trace_mark(&t, "recorded");
    bolt_trace_stop(&t);
    usleep(20000);
    bolt_trace_add(&t, "cpu", 123400, false);
    bolt_trace_end(&t);
}

static void
test_trace_add_and_stop(void **state)
{
    char *out;
    regex_t re;
    regmatch_t m[2];
    double total;

    (void)state;
    setenv("BOLT_TRACE", "1", 1);
    out = capture_stderr(added_and_stopped);
    assert_int_equal(regcomp(&re,
                             "^nvbind-trace: layer=5000\\.0 recorded=[0-9]+\\.[0-9] cpu=123\\.4 "
                             "total=([0-9]+\\.[0-9]) us\n$",
                             REG_EXTENDED),
                     0);
    assert_int_equal(regexec(&re, out, 2, m, 0), 0);
    total = strtod(out + m[1].rm_so, NULL);
    assert_true(total >= 5000.0);  /* the prior phase is in */
    assert_true(total < 15000.0);  /* the 20 ms after stop are not */
    regfree(&re);
    free(out);
}

static void
off_trace(void)
{
    struct bolt_trace t;

    bolt_trace_begin(&t, "engine");
    t.on = false;
    bolt_trace_mark(&t, "image");
    bolt_trace_end(&t);
}

static void
test_trace_off_prints_nothing(void **state)
{
    char *out;

    (void)state;
    out = capture_stderr(off_trace);
    assert_string_equal(out, "");
    free(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_line_format),
        cmocka_unit_test(test_trace_off_prints_nothing),
        cmocka_unit_test(test_trace_add_and_stop),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
