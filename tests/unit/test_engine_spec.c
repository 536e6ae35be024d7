/* SPDX-License-Identifier: Apache-2.0 */
/* From flags and image config to an OCI spec: docker's semantics, checked without root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/opts.h"
#include "util/mem.h"

static const char ID[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void
image_init(struct bolt_engine_image *img)
{
    memset(img, 0, sizeof(*img));
    img->ref = xstrdup("busybox");
    bolt_strv_push(&img->env, "PATH=/img/bin");
    bolt_strv_push(&img->env, "IMGVAR=1");
    bolt_strv_push(&img->entrypoint, "/entry");
    bolt_strv_push(&img->cmd, "default-arg");
    img->workdir = xstrdup("/srv");
}

static struct bolt_oci_spec *
build(struct bolt_run_opts *o, struct bolt_engine_image *img, struct bolt_err *err)
{
    if (!o->image)
        o->image = xstrdup("busybox");
    return bolt_engine_build_spec(o, img, ID, "/r/rootfs", "/bin/sh", err);
}

static const struct bolt_oci_mount *
find_mount(const struct bolt_oci_spec *s, const char *dest)
{
    for (size_t i = 0; i < s->n_mounts; i++)
        if (strcmp(s->mounts[i].destination, dest) == 0)
            return &s->mounts[i];
    return NULL;
}

static bool
has_opt(const struct bolt_oci_mount *m, const char *opt)
{
    char *const *v = m ? m->options : NULL;

    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], opt) == 0)
            return true;
    return false;
}

static bool
has_cap(char *const *set, const char *cap)
{
    for (size_t i = 0; set && set[i]; i++)
        if (strcmp(set[i], cap) == 0)
            return true;
    return false;
}

static void
test_args_env_defaults(void **state)
{
    struct bolt_run_opts o;
    struct bolt_engine_image img;
    struct bolt_err err = {0};
    struct bolt_oci_spec *s;

    (void)state;
    bolt_run_opts_init(&o);
    image_init(&img);
    bolt_strv_push(&o.env, "IMGVAR=2");
    s = build(&o, &img, &err);
    assert_non_null(s);
    assert_string_equal(s->process.args[0], "/entry");
    assert_string_equal(s->process.args[1], "default-arg");
    assert_null(s->process.args[2]);
    assert_string_equal(bolt_oci_spec_getenv(s, "PATH"), "/img/bin");
    assert_string_equal(bolt_oci_spec_getenv(s, "IMGVAR"), "2");
    assert_string_equal(bolt_oci_spec_getenv(s, "HOSTNAME"), "0123456789ab");
    assert_string_equal(s->hostname, "0123456789ab");
    assert_string_equal(s->process.cwd, "/srv");
    assert_string_equal(s->root_path, "/r/rootfs");
    /* docker's defaults: 64 MB /dev/shm, a seccomp filter, no CAP_SYS_ADMIN */
    assert_true(has_opt(find_mount(s, "/dev/shm"), "size=65536k"));
    assert_non_null(s->linux_.seccomp);
    assert_false(has_cap(s->process.caps.bounding, "CAP_SYS_ADMIN"));
    assert_true(has_cap(s->process.caps.bounding, "CAP_CHOWN"));
    assert_true(bolt_oci_spec_find_ns(s, BOLT_NS_NETWORK) >= 0);
    bolt_oci_spec_free(s);
    bolt_run_opts_fini(&o);
    bolt_engine_image_fini(&img);
}

static void
test_entrypoint_and_command(void **state)
{
    struct bolt_run_opts o;
    struct bolt_engine_image img;
    struct bolt_err err = {0};
    struct bolt_oci_spec *s;

    (void)state;
    /* COMMAND replaces Cmd but keeps the Entrypoint */
    bolt_run_opts_init(&o);
    image_init(&img);
    bolt_strv_push(&o.command, "x");
    s = build(&o, &img, &err);
    assert_string_equal(s->process.args[0], "/entry");
    assert_string_equal(s->process.args[1], "x");
    bolt_oci_spec_free(s);
    bolt_run_opts_fini(&o);
    /* --entrypoint drops the image's Cmd too */
    bolt_run_opts_init(&o);
    o.entrypoint = xstrdup("/other");
    s = build(&o, &img, &err);
    assert_string_equal(s->process.args[0], "/other");
    assert_null(s->process.args[1]);
    bolt_oci_spec_free(s);
    bolt_run_opts_fini(&o);
    /* --entrypoint "" and no command: nothing to run */
    bolt_run_opts_init(&o);
    o.entrypoint = xstrdup("");
    assert_null(build(&o, &img, &err));
    assert_non_null(strstr(err.msg, "no command specified"));
    bolt_run_opts_fini(&o);
    bolt_engine_image_fini(&img);
}

static void
test_mounts_resources_caps(void **state)
{
    struct bolt_run_opts o;
    struct bolt_engine_image img;
    struct bolt_err err = {0};
    struct bolt_oci_spec *s;
    const struct bolt_oci_mount *m;

    (void)state;
    bolt_run_opts_init(&o);
    image_init(&img);
    bolt_strv_push(&o.volumes, "/tmp:/data:ro");
    bolt_strv_push(&o.tmpfs, "/run:size=1m");
    o.shm_size = xstrdup("8m");
    o.memory = xstrdup("64m");
    o.cpus = xstrdup("1.5");
    o.pids_limit = xstrdup("10");
    bolt_strv_push(&o.cap_add, "net_admin");
    bolt_strv_push(&o.cap_drop, "CHOWN");
    o.read_only = true;
    o.network = xstrdup("host");
    o.init = true;
    bolt_strv_push(&o.security_opts, "no-new-privileges");
    s = build(&o, &img, &err);
    assert_non_null(s);
    m = find_mount(s, "/data");
    assert_non_null(m);
    assert_string_equal(m ? m->source : "", "/tmp");
    assert_true(has_opt(m, "ro") && has_opt(m, "rbind"));
    assert_true(has_opt(find_mount(s, "/run"), "size=1024k"));
    assert_true(has_opt(find_mount(s, "/dev/shm"), "size=8192k"));
    assert_true(s->linux_.resources.memory_limit == 64LL << 20);
    assert_true(s->linux_.resources.cpu_quota == 150000);
    assert_true(s->linux_.resources.pids_limit == 10);
    assert_true(has_cap(s->process.caps.effective, "CAP_NET_ADMIN"));
    assert_false(has_cap(s->process.caps.bounding, "CAP_CHOWN"));
    assert_true(s->root_readonly);
    assert_int_equal(bolt_oci_spec_find_ns(s, BOLT_NS_NETWORK), -1);
    assert_string_equal(s->process.args[0], "/dev/init");
    assert_string_equal(s->process.args[1], "--");
    assert_string_equal(s->process.args[2], "/entry");
    assert_true(s->process.no_new_privileges);
    bolt_oci_spec_free(s);
    bolt_run_opts_fini(&o);
    bolt_engine_image_fini(&img);
}

static void
expect_error(const char *field, const char *value, const char *want)
{
    struct bolt_run_opts o;
    struct bolt_engine_image img;
    struct bolt_err err = {0};

    bolt_run_opts_init(&o);
    image_init(&img);
    if (strcmp(field, "memory") == 0)
        o.memory = xstrdup(value);
    else if (strcmp(field, "cap") == 0)
        bolt_strv_push(&o.cap_add, value);
    else if (strcmp(field, "volume") == 0)
        bolt_strv_push(&o.volumes, value);
    else if (strcmp(field, "network") == 0)
        o.network = xstrdup(value);
    else if (strcmp(field, "secopt") == 0)
        bolt_strv_push(&o.security_opts, value);
    else if (strcmp(field, "hostname") == 0)
        o.hostname = xstrdup(value);
    assert_null(build(&o, &img, &err));
    if (!strstr(err.msg, want))
        fail_msg("error '%s' lacks '%s'", err.msg, want);
    bolt_run_opts_fini(&o);
    bolt_engine_image_fini(&img);
}

static void
test_bad_input(void **state)
{
    (void)state;
    expect_error("memory", "12XB", "--memory");
    expect_error("memory", "1k", "below the minimum");
    expect_error("cap", "CAP_FLY", "unknown capability 'CAP_FLY'");
    expect_error("volume", "nocolon", "invalid volume spec");
    expect_error("network", "bridge", "unknown network 'bridge'");
    expect_error("secopt", "label=x", "unknown option 'label=x'");
    expect_error("hostname", "bad host!", "invalid hostname");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args_env_defaults),
        cmocka_unit_test(test_entrypoint_and_command),
        cmocka_unit_test(test_mounts_resources_caps),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
