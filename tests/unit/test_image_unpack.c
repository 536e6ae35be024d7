/* SPDX-License-Identifier: Apache-2.0 */
/* Layer unpacking with crafted tars: metadata, whiteouts, compression, and escape attempts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/unpack.h"
#include "util/fs.h"
#include "util/mem.h"

struct tarbuf {
    struct archive *a;
    char *buf;
    size_t cap, used;
};

enum { PLAIN, GZIP, ZSTD };

static void
tar_begin(struct tarbuf *t, int compression)
{
    t->cap = 8 << 20;
    t->buf = xmalloc(t->cap);
    t->a = archive_write_new();
    archive_write_set_format_pax_restricted(t->a);
    if (compression == GZIP)
        archive_write_add_filter_gzip(t->a);
    else if (compression == ZSTD)
        archive_write_add_filter_zstd(t->a);
    archive_write_open_memory(t->a, t->buf, t->cap, &t->used);
}

static void
tar_add(struct tarbuf *t, const char *path, mode_t type, mode_t perm, const char *data,
        const char *link, bool hard)
{
    struct archive_entry *e = archive_entry_new();

    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_uid(e, 1234);
    archive_entry_set_gid(e, 5678);
    archive_entry_set_mtime(e, 1000000000, 0);
    if (hard)
        archive_entry_set_hardlink(e, link);
    else if (link)
        archive_entry_set_symlink(e, link);
    if (type == AE_IFCHR)
        archive_entry_set_rdev(e, makedev(1, 3));
    if (type == AE_IFREG && !hard)
        archive_entry_set_size(e, data ? (la_int64_t)strlen(data) : 0);
    if (type == AE_IFREG && data && strcmp(path, "xattr") == 0)
        archive_entry_xattr_add_entry(e, "user.bolt", "yes", 3);
    assert_int_equal(archive_write_header(t->a, e), ARCHIVE_OK);
    if (data && !hard)
        archive_write_data(t->a, data, strlen(data));
    archive_entry_free(e);
}

static void
tar_end(struct tarbuf *t)
{
    archive_write_close(t->a);
    archive_write_free(t->a);
}

struct env {
    char dir[64];
    int destfd;
};

/* Writes the tar to a file and unpacks it into a fresh <tmp>/layer. */
static int
unpack_buf(struct env *env, const struct tarbuf *t, size_t len, char diffid[BOLT_DIGEST_LEN],
           struct bolt_err *err)
{
    cleanup_free char *src = xasprintf("%s/layer.tar", env->dir);
    cleanup_free char *dst = xasprintf("%s/layer", env->dir);
    cleanup_close int fd = -1;
    int rc;

    bolt_rm_rf(dst, NULL);
    mkdir(dst, 0755);
    fd = open(src, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, t->buf, len), (ssize_t)len);
    lseek(fd, 0, SEEK_SET);
    if (env->destfd >= 0)
        close(env->destfd);
    env->destfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    rc = bolt_layer_unpack(fd, env->destfd, "layer test", diffid, NULL, err);
    return rc;
}

static int
setup(void **state)
{
    struct env *env = xzalloc(sizeof(*env));
    snprintf(env->dir, sizeof(env->dir), "/tmp/bolt-unpack-XXXXXX");
    if (mkdtemp(env->dir) == NULL)
        return -1;
    /* a sentinel directory next to the layer: escapes would land here */
    env->destfd = -1;
    *state = env;
    return 0;
}

static int
teardown(void **state)
{
    struct env *env = *state;
    if (env->destfd >= 0)
        close(env->destfd);
    bolt_rm_rf(env->dir, NULL);
    free(env);
    return 0;
}

static void
check_basic(struct env *env, int compression)
{
    struct tarbuf t;
    struct bolt_err err = {0};
    char diffid[BOLT_DIGEST_LEN];
    struct stat sb;
    char buf[64];
    ssize_t n;
    cleanup_free char *p = NULL;

    tar_begin(&t, compression);
    tar_add(&t, "./bin/", AE_IFDIR, 0755, NULL, NULL, false);
    tar_add(&t, "./bin/su", AE_IFREG, 04755, "setuid", NULL, false);
    tar_add(&t, "./bin/link", AE_IFREG, 0644, NULL, "bin/su", true);
    tar_add(&t, "./bin/sym", AE_IFLNK, 0777, NULL, "su", false);
    tar_add(&t, "/abs/file", AE_IFREG, 0600, "abs", NULL, false);
    tar_add(&t, "xattr", AE_IFREG, 0644, "x", NULL, false);
    tar_add(&t, "fifo", AE_IFIFO, 0600, NULL, NULL, false);
    tar_end(&t);
    assert_int_equal(unpack_buf(env, &t, t.used, diffid, &err), 0);
    assert_int_equal(fstatat(env->destfd, "bin/su", &sb, 0), 0);
    assert_int_equal(sb.st_mode & 07777, 04755);
    assert_int_equal(sb.st_size, 6);
    assert_int_equal(sb.st_nlink, 2);
    assert_int_equal(sb.st_mtime, 1000000000);
    if (geteuid() == 0) {
        assert_int_equal(sb.st_uid, 1234);
        assert_int_equal(sb.st_gid, 5678);
    }
    n = readlinkat(env->destfd, "bin/sym", buf, sizeof(buf));
    assert_int_equal(n, 2);
    assert_int_equal(fstatat(env->destfd, "abs/file", &sb, 0), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(fstatat(env->destfd, "fifo", &sb, 0), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    p = xasprintf("%s/layer/xattr", env->dir);
    n = getxattr(p, "user.bolt", buf, sizeof(buf));
    if (n >= 0) /* tmpfs without user xattrs: skip */
        assert_memory_equal(buf, "yes", 3);
    free(t.buf);
}

static void
test_basic_plain(void **state)
{
    struct env *env = *state;
    struct tarbuf t;
    struct bolt_err err = {0};
    char want[BOLT_DIGEST_LEN], got[BOLT_DIGEST_LEN];

    check_basic(env, PLAIN);
    /* the diffID is the sha256 of the whole uncompressed stream, padding included */
    tar_begin(&t, PLAIN);
    tar_add(&t, "a", AE_IFREG, 0644, "hello", NULL, false);
    tar_end(&t);
    bolt_sha256_buf(t.buf, t.used, want);
    assert_int_equal(unpack_buf(env, &t, t.used, got, &err), 0);
    assert_string_equal(got, want);
    free(t.buf);
}

static void
test_basic_gzip(void **state)
{
    check_basic(*state, GZIP);
}

static void
test_basic_zstd(void **state)
{
    check_basic(*state, ZSTD);
}

static void
test_whiteouts(void **state)
{
    struct env *env = *state;
    struct tarbuf t;
    struct bolt_err err = {0};
    struct stat sb;
    char v[4];
    cleanup_free char *p = NULL;

    if (geteuid() != 0)
        skip();
    tar_begin(&t, PLAIN);
    tar_add(&t, "etc/", AE_IFDIR, 0755, NULL, NULL, false);
    tar_add(&t, "etc/.wh.passwd", AE_IFREG, 0, "", NULL, false);
    tar_add(&t, "opq/", AE_IFDIR, 0755, NULL, NULL, false);
    tar_add(&t, "opq/.wh..wh..opq", AE_IFREG, 0, "", NULL, false);
    tar_add(&t, "dev/null", AE_IFCHR, 0666, NULL, NULL, false);
    tar_end(&t);
    assert_int_equal(unpack_buf(env, &t, t.used, NULL, &err), 0);
    assert_int_equal(fstatat(env->destfd, "etc/passwd", &sb, AT_SYMLINK_NOFOLLOW), 0);
    assert_true(S_ISCHR(sb.st_mode));
    assert_int_equal(sb.st_rdev, makedev(0, 0));
    assert_int_not_equal(fstatat(env->destfd, "etc/.wh.passwd", &sb, AT_SYMLINK_NOFOLLOW), 0);
    p = xasprintf("%s/layer/opq", env->dir);
    assert_int_equal(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)), 1);
    assert_int_equal(v[0], 'y');
    assert_int_not_equal(fstatat(env->destfd, "opq/.wh..wh..opq", &sb, AT_SYMLINK_NOFOLLOW), 0);
    assert_int_equal(fstatat(env->destfd, "dev/null", &sb, AT_SYMLINK_NOFOLLOW), 0);
    assert_int_equal(sb.st_rdev, makedev(1, 3));
    free(t.buf);
}

static void
test_escapes(void **state)
{
    struct env *env = *state;
    struct tarbuf t;
    struct bolt_err err = {0};
    struct stat sb;
    cleanup_free char *outside = xasprintf("%s/evil", env->dir);

    /* ".." is refused */
    tar_begin(&t, PLAIN);
    tar_add(&t, "../evil", AE_IFREG, 0644, "x", NULL, false);
    tar_end(&t);
    assert_int_equal(unpack_buf(env, &t, t.used, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "'../evil' contains '..'"));
    assert_int_not_equal(stat(outside, &sb), 0);
    free(t.buf);

    /* a hardlink to a file outside is refused */
    tar_begin(&t, PLAIN);
    tar_add(&t, "h", AE_IFREG, 0644, NULL, "../layer.tar", true);
    tar_end(&t);
    assert_int_equal(unpack_buf(env, &t, t.used, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "outside the layer"));
    free(t.buf);

    /* writing through a symlink that points outside stays inside the layer */
    tar_begin(&t, PLAIN);
    tar_add(&t, "up", AE_IFLNK, 0777, NULL, "../..", false);
    tar_add(&t, "up/evil", AE_IFREG, 0644, "x", NULL, false);
    tar_add(&t, "abs", AE_IFLNK, 0777, NULL, "/", false);
    tar_add(&t, "abs/evil2", AE_IFREG, 0644, "x", NULL, false);
    tar_add(&t, "hl", AE_IFREG, 0644, NULL, "abs/evil2", true);
    tar_end(&t);
    if (unpack_buf(env, &t, t.used, NULL, &err) != 0)
        fail_msg("confined unpack failed: %s", err.msg);
    assert_int_not_equal(stat(outside, &sb), 0);
    assert_int_equal(fstatat(env->destfd, "evil", &sb, AT_SYMLINK_NOFOLLOW), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_int_equal(fstatat(env->destfd, "evil2", &sb, AT_SYMLINK_NOFOLLOW), 0);
    assert_int_equal(sb.st_nlink, 2); /* hl is a link to the confined file */
    free(t.buf);

    /* a symlink to a host directory: the path is resolved in the layer, where it does not
     * exist, so the entry is refused and nothing is written on the host */
    tar_begin(&t, PLAIN);
    tar_add(&t, "host", AE_IFLNK, 0777, NULL, env->dir, false);
    tar_add(&t, "host/evil", AE_IFREG, 0644, "x", NULL, false);
    tar_end(&t);
    assert_int_equal(unpack_buf(env, &t, t.used, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "host/evil"));
    assert_int_not_equal(stat(outside, &sb), 0);
    free(t.buf);
}

static void
test_truncated(void **state)
{
    struct env *env = *state;
    struct tarbuf t;
    struct bolt_err err = {0};
    static char big[20000];

    memset(big, 'a', sizeof(big) - 1);
    tar_begin(&t, GZIP);
    tar_add(&t, "big", AE_IFREG, 0644, big, NULL, false);
    tar_end(&t);
    assert_int_equal(unpack_buf(env, &t, t.used / 2, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "layer test"));
    free(t.buf);

    tar_begin(&t, PLAIN);
    tar_add(&t, "big", AE_IFREG, 0644, big, NULL, false);
    tar_end(&t);
    assert_int_equal(unpack_buf(env, &t, 3000, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "truncated"));
    free(t.buf);
}

static void
test_clean_path(void **state)
{
    static const char *const cases[][2] = {
        {"./a/b", "a/b"}, {"/a//b/", "a/b"}, {"a/./b", "a/b"}, {".", ""}, {"/", ""},
        {"./", ""},       {"a..b", "a..b"},  {"..a", "..a"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *c = bolt_unpack_clean_path(cases[i][0]);
        assert_non_null(c);
        assert_string_equal(c, cases[i][1]);
        free(c);
    }
    assert_null(bolt_unpack_clean_path(".."));
    assert_null(bolt_unpack_clean_path("a/../b"));
    assert_null(bolt_unpack_clean_path("/a/.."));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_basic_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_basic_zstd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whiteouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test(test_clean_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
