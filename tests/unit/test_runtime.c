/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the runtime's pure parts: ids, exit codes, state files and JSON, hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
#include "runtime/runtime.h"
#include "util/fs.h"
#include "util/mem.h"

static void
test_check_id(void **state)
{
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(bolt_rt_check_id("web-1.a_b", &err), 0);
    assert_int_equal(bolt_rt_check_id("", &err), -1);
    assert_non_null(strstr(err.msg, "must not be empty"));
    assert_int_equal(bolt_rt_check_id("a/b", &err), -1);
    assert_non_null(strstr(err.msg, "invalid character '/'"));
    assert_int_equal(bolt_rt_check_id("-x", &err), -1);
    assert_int_equal(bolt_rt_check_id("..", &err), -1);
    char longid[200];
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    assert_int_equal(bolt_rt_check_id(longid, &err), -1);
    assert_non_null(strstr(err.msg, "longer than 128"));
}

static void
test_exit_code_for(void **state)
{
    struct bolt_err err = {0};

    (void)state;
    bolt_err_set(&err, ENOENT, "exec 'foo': executable file not found in $PATH");
    assert_int_equal(bolt_rt_exit_code_for(&err), 127);
    bolt_err_set(&err, EACCES, "exec '/etc/passwd'");
    assert_int_equal(bolt_rt_exit_code_for(&err), 126);
    bolt_err_set(&err, ENOENT, "root.path: rootfs '/x' does not exist");
    assert_int_equal(bolt_rt_exit_code_for(&err), 1);
    assert_int_equal(bolt_rt_exit_code_for(NULL), 1);
}

static void
test_state_json(void **state)
{
    char k[] = "k", v[] = "v", x[] = "x";
    struct bolt_oci_annotation a[] = {{k, v}, {x, NULL}};
    cleanup_free char *s = rt_state_json_build("c1", "created", 42, "/b", a, 2);
    json_t *o = json_loads(s, 0, NULL);

    (void)state;
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "id")), "c1");
    assert_string_equal(json_string_value(json_object_get(o, "status")), "created");
    assert_int_equal(json_integer_value(json_object_get(o, "pid")), 42);
    assert_string_equal(json_string_value(json_object_get(o, "bundle")), "/b");
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "annotations"), "k")), "v");
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "annotations"), "x")), "");
    assert_string_equal(json_string_value(json_object_get(o, "ociVersion")), "1.2.0");
    json_decref(o);
    free(steal_ptr(&s));
    /* no pid when stopped */
    s = rt_state_json_build("c1", "stopped", 0, NULL, NULL, 0);
    o = json_loads(s, 0, NULL);
    assert_null(json_object_get(o, "pid"));
    json_decref(o);
}

static void
test_pid_start(void **state)
{
    bool zombie = true;

    (void)state;
    assert_true(rt_pid_start(getpid(), &zombie) > 0);
    assert_false(zombie);
    assert_int_equal(rt_pid_start(0, NULL), 0);
    assert_int_equal(rt_pid_start(0x3ffffff, NULL), 0);
}

static char *
tmpdir(void)
{
    char tmpl[] = "/tmp/bolt-unit-rt.XXXXXX";

    assert_non_null(mkdtemp(tmpl));
    return xstrdup(tmpl);
}

static void
test_saved_roundtrip(void **state)
{
    cleanup_free char *root = tmpdir();
    cleanup_free char *dir = rt_state_dir(root, "c1");
    struct rt_saved s = {0}, back;
    struct bolt_rt_state st;
    struct bolt_err err = {0};
    cleanup_strv char **ids = NULL;

    (void)state;
    assert_int_equal(mkdir(dir, 0700), 0);
    char id[] = "c1", bundle[] = "/bundle", rootfs[] = "/bundle/rootfs";
    char created[] = "2026-01-01T00:00:00Z", cgroup[] = "{}";
    s.id = id;
    s.pid = getpid();
    s.pid_start = rt_pid_start(getpid(), NULL);
    s.bundle = bundle;
    s.rootfs = rootfs;
    s.created = created;
    s.cgroup = cgroup;
    s.has_poststop = true;
    s.annotations = json_pack("{s:s}", "a", "b");
    assert_int_equal(rt_saved_write(dir, &s, &err), 0);
    json_decref(s.annotations);
    assert_int_equal(rt_saved_read(root, "c1", &back, &err), 0);
    assert_string_equal(back.bundle, "/bundle");
    assert_int_equal(back.pid, getpid());
    assert_true(back.has_poststop);
    /* our own pid is alive and there is no exec fifo: running */
    assert_int_equal(rt_saved_status(dir, &back), BOLT_RT_RUNNING);
    back.pid_start++; /* a reused pid is not the container */
    assert_int_equal(rt_saved_status(dir, &back), BOLT_RT_STOPPED);
    rt_saved_fini(&back);
    assert_int_equal(bolt_rt_state_get(root, "c1", &st, &err), 0);
    assert_int_equal(st.status, BOLT_RT_RUNNING);
    assert_int_equal(st.n_annotations, 1);
    assert_string_equal(st.annotations[0].key, "a");
    bolt_rt_state_fini(&st);
    assert_int_equal(bolt_rt_list(root, &ids, &err), 0);
    assert_string_equal(ids[0], "c1");
    assert_null(ids[1]);
    assert_int_equal(bolt_rt_state_get(root, "nope", &st, &err), -1);
    assert_non_null(strstr(err.msg, "container 'nope' does not exist"));
    bolt_rm_rf(root, NULL);
}

static void
test_write_volatile(void **state)
{
    cleanup_free char *root = tmpdir();
    cleanup_free char *path = xasprintf("%s/f", root);
    cleanup_free char *back = NULL;
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(rt_write_volatile(path, "one", 3, 0600, &err), 0);
    assert_int_equal(rt_write_volatile(path, "two!", 4, 0600, &err), 0);
    back = bolt_read_file(path, NULL, &err);
    assert_string_equal(back, "two!");
    assert_int_equal(rt_write_volatile("/nonexistent/dir/f", "x", 1, 0600, &err), -1);
    assert_int_equal(err.errnum, ENOENT);
    bolt_rm_rf(root, NULL);
}

static void
test_hooks(void **state)
{
    cleanup_free char *root = tmpdir();
    cleanup_free char *out = xasprintf("%s/stdin", root);
    cleanup_free char *cmd = xasprintf("cat > %s", out);
    cleanup_free char *back = NULL;
    char sh[] = "/bin/sh", sh0[] = "sh", dash_c[] = "-c", fls[] = "/bin/false";
    char slp[] = "/bin/sleep", slp0[] = "sleep", ten[] = "10";
    char *sh_args[] = {sh0, dash_c, cmd, NULL};
    char *sleep_args[] = {slp0, ten, NULL};
    struct bolt_oci_hook ok = {.path = sh, .args = sh_args};
    struct bolt_oci_hook bad = {.path = fls};
    struct bolt_oci_hook slow = {.path = slp, .args = sleep_args, .has_timeout = true,
                                 .timeout = 1};
    struct bolt_oci_spec spec;
    struct bolt_err err = {0};

    (void)state;
    memset(&spec, 0, sizeof(spec));
    assert_false(rt_spec_has_hooks(&spec, BOLT_OCI_HOOK_POSTSTART));
    spec.hooks.list[BOLT_OCI_HOOK_POSTSTART] = &ok;
    spec.hooks.n[BOLT_OCI_HOOK_POSTSTART] = 1;
    assert_true(rt_spec_has_hooks(&spec, BOLT_OCI_HOOK_POSTSTART));
    assert_int_equal(rt_hooks_run(&spec, BOLT_OCI_HOOK_POSTSTART, "{\"id\":\"x\"}", &err), 0);
    back = bolt_read_file(out, NULL, &err);
    assert_string_equal(back, "{\"id\":\"x\"}");
    spec.hooks.list[BOLT_OCI_HOOK_PRESTART] = &bad;
    spec.hooks.n[BOLT_OCI_HOOK_PRESTART] = 1;
    assert_int_equal(rt_hooks_run(&spec, BOLT_OCI_HOOK_PRESTART, "{}", &err), -1);
    assert_string_equal(err.msg, "prestart hook '/bin/false': exited with status 1");
    spec.hooks.list[BOLT_OCI_HOOK_POSTSTOP] = &slow;
    spec.hooks.n[BOLT_OCI_HOOK_POSTSTOP] = 1;
    assert_int_equal(rt_hooks_run(&spec, BOLT_OCI_HOOK_POSTSTOP, "{}", &err), -1);
    assert_string_equal(err.msg, "poststop hook '/bin/sleep': timed out after 1 s");
    bolt_rm_rf(root, NULL);
}

static void
test_sync_messages(void **state)
{
    int sv[2];
    struct rt_msg m;
    struct bolt_err err = {0};
    int fd = -1;

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    bolt_err_set(&err, ENOENT, "exec 'x'");
    assert_int_equal(rt_msg_send(sv[1], RT_MSG_ERROR, 127, &err), 0);
    memset(&err, 0, sizeof(err));
    assert_int_equal(rt_msg_recv(sv[0], &m, &fd, &err), 1);
    assert_int_equal(m.type, RT_MSG_ERROR);
    assert_int_equal(m.value, 127);
    assert_int_equal(m.err.errnum, ENOENT);
    assert_string_equal(m.err.msg, "exec 'x'");
    assert_int_equal(fd, -1);
    assert_int_equal(rt_msg_send_fd(sv[1], RT_MSG_PTY, 0, &err), 0);
    assert_int_equal(rt_msg_recv(sv[0], &m, &fd, &err), 1);
    assert_int_equal(m.type, RT_MSG_PTY);
    assert_true(fd > 2);
    close(fd);
    close(sv[1]);
    assert_int_equal(rt_msg_recv(sv[0], &m, NULL, &err), 0);
    close(sv[0]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_id),      cmocka_unit_test(test_exit_code_for),
        cmocka_unit_test(test_state_json),    cmocka_unit_test(test_pid_start),
        cmocka_unit_test(test_saved_roundtrip), cmocka_unit_test(test_write_volatile),
        cmocka_unit_test(test_hooks),         cmocka_unit_test(test_sync_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
