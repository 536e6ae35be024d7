/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/mem.h"

static void
test_err_wrap_and_str(void **state)
{
    struct bolt_err err = {0};
    char buf[256];

    (void)state;
    assert_int_equal(bolt_err_set(&err, ENOENT, "open '%s'", "/x"), -1);
    bolt_err_wrap(&err, "load image %s", "busybox");
    assert_string_equal(bolt_err_str(&err, buf, sizeof(buf)),
                        "load image busybox: open '/x': No such file or directory");
}

static char *
mktmp(void)
{
    char *t = xstrdup("/tmp/bolt-unit-XXXXXX");
    assert_non_null(mkdtemp(t));
    return t;
}

static void
test_atomic_write_and_read(void **state)
{
    struct bolt_err err = {0};
    cleanup_free char *dir = mktmp();
    cleanup_free char *path = xasprintf("%s/f", dir);
    cleanup_free char *data = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(bolt_write_file_atomic(path, "hello", 5, 0600, &err), 0);
    data = bolt_read_file(path, &len, &err);
    assert_non_null(data);
    assert_int_equal(len, 5);
    assert_string_equal(data, "hello");
    assert_int_equal(bolt_rm_rf(dir, &err), 0);
    assert_false(bolt_path_exists(dir));
}

static void
test_open_in_root_confines_symlinks(void **state)
{
    struct bolt_err err = {0};
    cleanup_free char *dir = mktmp();
    cleanup_free char *inner = xasprintf("%s/root/etc", dir);
    cleanup_free char *link = xasprintf("%s/root/escape", dir);
    cleanup_free char *outside = xasprintf("%s/secret", dir);
    cleanup_free char *rootp = xasprintf("%s/root", dir);
    cleanup_close int rootfd = -1;
    int fd;

    (void)state;
    assert_int_equal(bolt_mkdir_p(inner, 0755, &err), 0);
    assert_int_equal(bolt_write_file_atomic(outside, "s", 1, 0600, &err), 0);
    /* An absolute symlink to ../secret must resolve inside the root, where it does not exist. */
    assert_int_equal(symlink("/../secret", link), 0);
    rootfd = open(rootp, O_PATH | O_DIRECTORY);
    assert_true(rootfd >= 0);
    fd = bolt_open_in_root(rootfd, "/escape", O_RDONLY, 0, &err);
    assert_int_equal(fd, -1);
    assert_int_equal(err.errnum, ENOENT);
    fd = bolt_mkdir_in_root(rootfd, "/a/b/../c", 0755, &err);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(bolt_rm_rf(dir, &err), 0);
}

static void
test_json_paths_in_errors(void **state)
{
    struct bolt_err err = {0};
    json_t *o = json_pack("{s:s}", "uid", "zero");
    uint32_t uid = 0;

    (void)state;
    assert_int_equal(bolt_json_get_u32(o, "process.user", "uid", &uid, &err), -1);
    assert_string_equal(err.msg, "process.user.uid: expected integer");
    json_decref(o);
}

static void
test_lock_exclusive_conflict(void **state)
{
    struct bolt_err err = {0};
    cleanup_free char *dir = mktmp();
    cleanup_free char *path = xasprintf("%s/lock", dir);
    int a, b;

    (void)state;
    a = bolt_lock_open(path, true, false, &err);
    assert_true(a >= 0);
    b = bolt_lock_open(path, true, false, &err);
    assert_int_equal(b, -1);
    assert_int_equal(err.errnum, EWOULDBLOCK);
    bolt_lock_release(a);
    b = bolt_lock_open(path, true, false, &err);
    assert_true(b >= 0);
    bolt_lock_release(b);
    bolt_rm_rf(dir, &err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_wrap_and_str),
        cmocka_unit_test(test_atomic_write_and_read),
        cmocka_unit_test(test_open_in_root_confines_symlinks),
        cmocka_unit_test(test_json_paths_in_errors),
        cmocka_unit_test(test_lock_exclusive_conflict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
