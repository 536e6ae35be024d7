/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvbind/av.h"
#include "nvbind/perf.h"
#include "nvbind/perf_config.h"
#include "nvbind/profile.h"
#include "oci/spec.h"
#include "util/fs.h"
#include "util/mem.h"

static void
assert_contains(const char *hay, const char *needle)
{
    if (hay == NULL || strstr(hay, needle) == NULL)
        fail_msg("'%s' does not contain '%s'", hay ? hay : "(null)", needle);
}

static void
test_perf_mode_parse(void **state)
{
    enum bolt_nv_perf_mode m = BOLT_NV_PERF_NONE;
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(bolt_nv_perf_mode_parse("efficient", "--performance", &m, &err), 0);
    assert_int_equal(m, BOLT_NV_PERF_EFFICIENT);
    assert_string_equal(bolt_nv_perf_mode_str(BOLT_NV_PERF_ULTRA), "ultra");
    assert_int_equal(bolt_nv_perf_mode_parse("Ultra", "--performance", &m, &err), -1);
    assert_contains(err.msg, "--performance: invalid performance mode 'Ultra' (expected ultra, "
                             "high, balanced or efficient)");
}

/* family, then 4 counted strings */
static size_t
xauth_entry(unsigned char *b, unsigned family, const char *addr, const char *num, const char *data)
{
    const char *f[4] = {addr, num, "MIT-MAGIC-COOKIE-1", data};
    size_t o = 0;

    b[o++] = (unsigned char)(family >> 8);
    b[o++] = (unsigned char)family;
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(f[i]);
        b[o++] = (unsigned char)(n >> 8);
        b[o++] = (unsigned char)n;
        memcpy(b + o, f[i], n);
        o += n;
    }
    return o;
}

static void
test_xauth_wild(void **state)
{
    unsigned char buf[512];
    size_t len = 0, n = 0;
    char *out;

    (void)state;
    len += xauth_entry(buf + len, 256, "myhost", "0", "cookie-zero-0000");
    len += xauth_entry(buf + len, 256, "myhost", "12", "cookie-twelve-00");
    out = bolt_nv_xauth_wild(buf, len, "12", &n);
    /* one entry: ffff, empty address, "12", the name, the cookie */
    assert_int_equal(n, 2 + 2 + 0 + 2 + 2 + 2 + 18 + 2 + 16);
    assert_int_equal((unsigned char)out[0], 0xff);
    assert_int_equal((unsigned char)out[1], 0xff);
    assert_int_equal(out[2] | out[3], 0);
    assert_memory_equal(out + 6, "12", 2);
    assert_memory_equal(out + n - 16, "cookie-twelve-00", 16);
    free(out);
    out = bolt_nv_xauth_wild(buf, len - 3, "12", &n); /* truncated last entry */
    assert_int_equal(n, 0);
    free(out);
    out = bolt_nv_xauth_wild(buf, len, "1", &n); /* "1" is not "12" */
    assert_int_equal(n, 0);
    free(out);
}

static void
test_settings_save_keeps_lines(void **state)
{
    char dir[] = "/tmp/test-gaming.XXXXXX";
    struct bolt_nv_settings s = {.wsl2 = -1};
    struct bolt_err err = {0};
    cleanup_free char *path = NULL, *text = NULL;
    const char *orig = "# comment\ndriver_root = \"/run/nvidia/driver\"\nperformance = \"ultra\"\n"
                       "[other]\ndevices = \"kept\"\n";

    (void)state;
    assert_non_null(mkdtemp(dir));
    path = xasprintf("%s/sub/nvbind.toml", dir);
    assert_int_equal(bolt_nv_settings_save(&s, path, &err), 0); /* creates the directory */
    assert_int_equal(bolt_write_file_atomic(path, orig, strlen(orig), 0644, &err), 0);
    s.performance = xstrdup("efficient");
    s.devices = xstrdup("0,1");
    s.wsl2 = 1;
    assert_int_equal(bolt_nv_settings_save(&s, path, &err), 0);
    text = bolt_read_file(path, NULL, &err);
    assert_string_equal(text, "devices = \"0,1\"\nperformance = \"efficient\"\nwsl2 = true\n"
                              "# comment\ndriver_root = \"/run/nvidia/driver\"\n[other]\n"
                              "devices = \"kept\"\n");
    bolt_nv_settings_fini(&s);
    assert_int_equal(bolt_nv_settings_load(&s, path, &err), 0);
    assert_string_equal(s.performance, "efficient");
    assert_int_equal(s.wsl2, 1);
    bolt_nv_settings_fini(&s);
    s.driver = xstrdup("nvidia");
    assert_int_equal(bolt_nv_settings_save(&s, path, &err), -1);
    assert_contains(err.msg, "driver (--driver): invalid value 'nvidia'");
    bolt_nv_settings_fini(&s);
    bolt_rm_rf(dir, NULL);
}

static void
test_profile_edits(void **state)
{
    struct bolt_oci_spec *spec = bolt_oci_spec_default();
    static char s0[] = "profile=quality", s1[] = "vsync=mailbox", s2[] = "fps=75",
                s3[] = "dlss=true", b0[] = "fps=abc";
    char *settings[] = {s0, s1, s2, s3, NULL};
    char *bad[] = {b0, NULL};
    struct bolt_err err = {0};
    json_t *j;

    (void)state;
    setenv("BOLT_NVBIND_CONFIG", "/nonexistent/nvbind.toml", 1);
    assert_int_equal(bolt_nv_gaming_edits(spec, settings, &err), -1);
    assert_contains(err.msg, "need GPUs: add --gpu");
    bolt_oci_spec_setenv(spec, "NVIDIA_VISIBLE_DEVICES", "0");
    assert_int_equal(bolt_nv_gaming_edits(spec, bad, &err), -1);
    assert_contains(err.msg, "--fps: invalid frame rate target 'abc'");
    assert_int_equal(bolt_nv_gaming_edits(spec, settings, &err), 0);
    assert_string_equal(bolt_oci_spec_getenv(spec, "__GL_MaxFramesAllowed"), "3");
    assert_string_equal(bolt_oci_spec_getenv(spec, "__GL_SYNC_TO_VBLANK"), "0"); /* option wins */
    assert_string_equal(bolt_oci_spec_getenv(spec, "MESA_VK_WSI_PRESENT_MODE"), "mailbox");
    assert_string_equal(bolt_oci_spec_getenv(spec, "DXVK_FRAME_RATE"), "75");
    assert_string_equal(bolt_oci_spec_getenv(spec, "NVIDIA_DRIVER_CAPABILITIES"),
                        "compute,utility,graphics,display,ngx");
    j = bolt_nv_gaming_inspect(spec);
    assert_string_equal(json_string_value(json_object_get(j, "Profile")), "quality");
    assert_true(json_array_size(json_object_get(j, "Env")) > 5);
    json_decref(j);
    bolt_oci_spec_free(spec);
    unsetenv("BOLT_NVBIND_CONFIG");
}

static void
test_av_parse(void **state)
{
    struct bolt_nv_av av = {0};
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(bolt_nv_av_parse(&av, "profile", "quality", &err), 0);
    assert_int_equal(bolt_nv_av_parse(&av, "display", "wayland", &err), 1);
    assert_int_equal(bolt_nv_av_parse(&av, "sample_rate", "44100", &err), 1);
    assert_int_equal(av.sample_rate, 44100);
    assert_int_equal(bolt_nv_av_parse(&av, "buffer_size", "9", &err), -1);
    assert_contains(err.msg, "buffer_size: invalid value '9' (expected a number from 16 to 8192)");
    assert_true(bolt_nv_av_is_set(&av));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perf_mode_parse),
        cmocka_unit_test(test_xauth_wild),
        cmocka_unit_test(test_settings_save_keeps_lines),
        cmocka_unit_test(test_profile_edits),
        cmocka_unit_test(test_av_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
