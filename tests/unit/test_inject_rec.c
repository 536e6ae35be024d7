/* SPDX-License-Identifier: Apache-2.0 */
/* The injection record (inject_rec.c): what it keeps, and every check that makes a start
 * take the full path instead. Needs root for mknod (CI runs as root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "nvbind/inject.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/mem.h"

static char *tmp;

static char *
at(const char *rel)
{
    return xasprintf("%s/%s", tmp, rel);
}

static void
write_at(const char *rel, const char *text)
{
    cleanup_free char *p = at(rel);
    struct bolt_err err = {0};

    assert_int_equal(bolt_write_file_atomic(p, text, strlen(text), 0644, &err), 0);
}

static int
setup(void **state)
{
    char t[] = "/tmp/bolt-test-rec.XXXXXX";
    struct bolt_err err = {0};
    cleanup_free char *dev = NULL, *drv = NULL;

    (void)state;
    if (mkdtemp(t) == NULL)
        return -1;
    tmp = xstrdup(t);
    dev = at("drv/dev");
    drv = at("drv/sys/module/nvidia");
    if (bolt_mkdir_p(dev, 0755, &err) < 0 || bolt_mkdir_p(drv, 0755, &err) < 0)
        return -1;
    write_at("drv/sys/module/nvidia/version", "550.54.15\n");
    write_at("drv/etc-ld.so.cache", "cache");
    write_at("bundle", "");
    write_at("socket", "");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    bolt_rm_rf(tmp, NULL);
    free(tmp);
    return 0;
}

static void
mknod_at(const char *rel, unsigned maj, unsigned min)
{
    cleanup_free char *p = at(rel);

    unlink(p);
    assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(maj, min)), 0);
}

/* A char node 195:minor, mode 0666, "rw", at path in the container and host on the host. */
static void
rec_node(struct bolt_nv_rec *r, const char *path, const char *host, int minor)
{
    struct bolt_cdi_node *n = bolt_cdi_edits_add_node(&r->edits, path, host);

    n->type = 'c';
    n->has_major = n->has_minor = n->has_file_mode = true;
    n->major = 195;
    n->minor = minor;
    n->file_mode = 0666;
    n->permissions = xstrdup("rw");
}

/* A record as bolt run's first start makes it: two nodes, a bundle mount, an optional socket
 * mount, the caps variable, two GPUs, a warning, and a driver file that was missing. */
static void
make_rec(struct bolt_nv_rec *r, const struct bolt_nv_config *cfg)
{
    static const char *const ro[] = {"ro", "nosuid", "nodev", "rbind", "rprivate", NULL};
    static const char *const ipc[] = {"nosuid", "nodev", "noexec", "rbind", "rprivate",
                                      BOLT_MOUNT_OPT_OPTIONAL, NULL};
    cleanup_free char *n0 = at("drv/dev/nvidia0"), *ctl = at("drv/dev/nvidiactl");
    cleanup_free char *bundle = at("bundle"), *sock = at("socket"), *gone = at("drv/gone");

    memset(r, 0, sizeof(*r));
    mknod_at("drv/dev/nvidiactl", 195, 255);
    mknod_at("drv/dev/nvidia0", 195, 0);
    rec_node(r, "/dev/nvidiactl", ctl, 255);
    rec_node(r, "/dev/nvidia0", n0, 0);
    bolt_cdi_edits_add_mount(&r->edits, bundle, "/usr/local/nvidia", "bind", ro);
    bolt_cdi_edits_add_mount(&r->edits, sock, "/run/nvidia-persistenced/socket", "bind", ipc);
    bolt_cdi_edits_add_env(&r->edits, "NVIDIA_DRIVER_CAPABILITIES", "compute,utility");
    bolt_strv_push(&r->uuids, "GPU-aaaa");
    bolt_strv_push(&r->indexes, "0");
    bolt_strv_push(&r->uuids, "GPU-bbbb");
    bolt_strv_push(&r->indexes, "1");
    bolt_strv_push(&r->warnings, "something was missing");
    bolt_strv_push(&r->absent, gone);
    r->layer_dir = at("layer/root");
    bolt_nv_rec_identify(r, cfg);
}

static void
config(struct bolt_nv_config *cfg)
{
    bolt_nv_config_init(cfg);
    free(cfg->driver_root);
    free(cfg->sys_root);
    free(cfg->proc_root);
    cfg->driver_root = at("drv");
    cfg->sys_root = at("drv");
    cfg->proc_root = at("drv");
    setenv("BOLT_NVBIND_CONFIG", "/nonexistent/nvbind.toml", 1);
}

static void
test_rec_round_trip(void **state)
{
    struct bolt_nv_config cfg;
    struct bolt_nv_rec r, back;
    cleanup_free char *path = at("rec/one");

    (void)state;
    config(&cfg);
    make_rec(&r, &cfg);
    bolt_nv_rec_save(path, &r);
    assert_int_equal(bolt_nv_rec_load(path, &back), 0);
    assert_string_equal(back.layer_dir, r.layer_dir);
    assert_int_equal(back.edits.n_nodes, 2);
    assert_string_equal(back.edits.nodes[1].path, "/dev/nvidia0");
    assert_string_equal(back.edits.nodes[1].host_path, r.edits.nodes[1].host_path);
    assert_int_equal(back.edits.nodes[1].type, 'c');
    assert_int_equal(back.edits.nodes[1].major, 195);
    assert_int_equal(back.edits.nodes[0].minor, 255);
    assert_int_equal(back.edits.nodes[0].file_mode, 0666);
    assert_string_equal(back.edits.nodes[0].permissions, "rw");
    assert_int_equal(back.edits.n_mounts, 2);
    assert_string_equal(back.edits.mounts[0].container_path, "/usr/local/nvidia");
    assert_string_equal(back.edits.mounts[0].options[2], "nodev");
    assert_null(back.edits.mounts[0].options[5]);
    assert_string_equal(back.edits.mounts[1].options[5], BOLT_MOUNT_OPT_OPTIONAL);
    assert_string_equal(back.edits.env[0], "NVIDIA_DRIVER_CAPABILITIES=compute,utility");
    assert_string_equal(back.uuids[1], "GPU-bbbb");
    assert_string_equal(back.indexes[1], "1");
    assert_string_equal(back.warnings[0], "something was missing");
    bolt_nv_rec_fini(&back);
    bolt_nv_rec_fini(&r);
    bolt_nv_config_fini(&cfg);
}

/* Each change of the host that the record depends on makes it unusable. */
static void
test_rec_checks(void **state)
{
    struct bolt_nv_config cfg;
    struct bolt_nv_rec r, back;
    cleanup_free char *path = at("rec/two"), *sock = at("socket"), *bundle = at("bundle");
    cleanup_free char *gone = at("drv/gone"), *away = at("away");

    (void)state;
    config(&cfg);
    make_rec(&r, &cfg);
    bolt_nv_rec_save(path, &r);
    assert_int_equal(bolt_nv_rec_load(path, &back), 0);
    bolt_nv_rec_fini(&back);

    /* an optional mount's source may go: the runtime skips it */
    assert_int_equal(rename(sock, away), 0);
    assert_int_equal(bolt_nv_rec_load(path, &back), 0);
    bolt_nv_rec_fini(&back);
    assert_int_equal(rename(away, sock), 0);

    /* another mount's source may not */
    assert_int_equal(rename(bundle, away), 0);
    assert_int_equal(bolt_nv_rec_load(path, &back), -1);
    assert_null(back.layer_dir);
    assert_int_equal(rename(away, bundle), 0);
    assert_int_equal(bolt_nv_rec_load(path, &back), 0);
    bolt_nv_rec_fini(&back);

    /* bolt's own files under <runroot>/nvbind are not checked (a start that fails for want of
     * one forgets the records) */
    {
        cleanup_free char *own = at("nvbind/rec/own"), *obundle = at("nvbind/bundle");
        struct bolt_nv_rec o;
        make_rec(&o, &cfg);
        free(o.edits.mounts[0].host_path);
        o.edits.mounts[0].host_path = xstrdup(obundle);
        bolt_nv_rec_save(own, &o);
        assert_int_equal(access(obundle, F_OK), -1);
        assert_int_equal(bolt_nv_rec_load(own, &back), 0);
        bolt_nv_rec_fini(&back);
        bolt_nv_rec_fini(&o);
    }

    /* a driver file that was missing is back */
    write_at("drv/gone", "");
    assert_int_equal(bolt_nv_rec_load(path, &back), -1);
    unlink(gone);

    /* a device node with other numbers (its directory changed just now, so it is checked
     * on its own) */
    mknod_at("drv/dev/nvidia0", 195, 7);
    assert_int_equal(bolt_nv_rec_load(path, &back), -1);
    mknod_at("drv/dev/nvidia0", 195, 0);

    /* the driver's version file and ld.so.cache are the plan's key */
    bolt_nv_rec_fini(&r);
    make_rec(&r, &cfg);
    bolt_nv_rec_save(path, &r);
    assert_int_equal(bolt_nv_rec_load(path, &back), 0);
    bolt_nv_rec_fini(&back);
    write_at("drv/sys/module/nvidia/version", "555.42.06\n");
    assert_int_equal(bolt_nv_rec_load(path, &back), -1);
    bolt_nv_rec_fini(&r);
    bolt_nv_config_fini(&cfg);
}

/* A record written while the nodes' directory had just changed checks each node; the first
 * load after the directory settled writes it again with the directory's stamp, and keeps
 * every other check (the plan's key, the driver files that were missing). */
static void
test_rec_settles(void **state)
{
    struct bolt_nv_config cfg;
    struct bolt_nv_rec r, back;
    cleanup_free char *path = at("rec/four"), *gone = at("drv/gone"), *dev = at("drv/dev");
    cleanup_free char *sysver = at("drv/sys/module/nvidia/version");
    char text[4096];
    ssize_t n;

    (void)state;
    config(&cfg);
    make_rec(&r, &cfg); /* makes the nodes: the directory changed just now */
    bolt_nv_rec_save(path, &r);
    n = readlink(path, text, sizeof(text) - 1);
    assert_true(n > 0);
    text[n] = '\0';
    assert_non_null(strstr(text, "\nn\t"));
    assert_null(strstr(text, "\nd\t"));

    usleep(150 * 1000); /* past SETTLED_NS */
    assert_int_equal(bolt_nv_rec_load(path, &back), 0);
    bolt_nv_rec_fini(&back);
    n = readlink(path, text, sizeof(text) - 1);
    assert_true(n > 0);
    text[n] = '\0';
    assert_null(strstr(text, "\nn\t"));
    {
        cleanup_free char *d = xasprintf("\nd\t%s\t", dev), *a = xasprintf("\na\t%s\n", gone);
        cleanup_free char *f = xasprintf("\nf\t%s\t", sysver);
        assert_non_null(strstr(text, d));
        assert_non_null(strstr(text, a));
        assert_non_null(strstr(text, f));
    }
    /* and what it still checks works from the rewritten record */
    assert_int_equal(bolt_nv_rec_load(path, &back), 0);
    assert_int_equal(back.edits.n_nodes, 2);
    bolt_nv_rec_fini(&back);
    write_at("drv/gone", "");
    assert_int_equal(bolt_nv_rec_load(path, &back), -1);
    unlink(gone);
    /* a record may hold more check lines than a small fixed number: each missing driver file
     * is one */
    {
        cleanup_free char *many = at("rec/many");
        struct bolt_nv_rec m;
        make_rec(&m, &cfg);
        for (int i = 0; i < 66; i++) {
            cleanup_free char *g = xasprintf("%s/drv/gone-%d", tmp, i);
            bolt_strv_push(&m.absent, g);
        }
        bolt_nv_rec_save(many, &m);
        {
            struct stat st;
            assert_int_equal(lstat(many, &st), 0); /* written */
        }
        assert_int_equal(bolt_nv_rec_load(many, &back), 0);
        bolt_nv_rec_fini(&back);
        bolt_nv_rec_fini(&m);
    }
    bolt_nv_rec_fini(&r);
    bolt_nv_config_fini(&cfg);
}

/* What the format cannot hold is not written, and what is not a whole record is not read. */
static void
test_rec_refuses(void **state)
{
    struct bolt_nv_config cfg;
    struct bolt_nv_rec r, back;
    cleanup_free char *path = at("rec/three"), *bad = at("rec/bad");
    const char *trunc = "boltrec\t2\nlayer\t/x/root\ngpu\tGPU-a\t0\n";

    (void)state;
    config(&cfg);
    make_rec(&r, &cfg);
    bolt_strv_push(&r.warnings, "a\ttab");
    bolt_nv_rec_save(path, &r);
    assert_int_equal(bolt_nv_rec_load(path, &back), -1);
    assert_int_equal(access(path, F_OK), -1);
    bolt_nv_rec_fini(&r);

    /* no "end" line, an unknown line, a hook (edits the record does not hold) */
    assert_int_equal(symlink(trunc, bad), 0);
    assert_int_equal(bolt_nv_rec_load(bad, &back), -1);
    unlink(bad);
    {
        cleanup_free char *t = xasprintf("%sfrobnicate\tx\nend\n", trunc);
        assert_int_equal(symlink(t, bad), 0);
        assert_int_equal(bolt_nv_rec_load(bad, &back), -1);
        unlink(bad);
    }
    make_rec(&r, &cfg);
    {
        char x[] = "x";
        char *args[] = {x, NULL};
        bolt_cdi_edits_add_hook(&r.edits, BOLT_OCI_HOOK_CREATE_CONTAINER, "/bin/true", args);
    }
    bolt_nv_rec_save(path, &r);
    assert_int_equal(access(path, F_OK), -1);
    bolt_nv_rec_fini(&r);
    bolt_nv_config_fini(&cfg);
}

/* The warnings of a computation can be kept to be said again. */
static void
test_log_capture(void **state)
{
    char **w = NULL;

    (void)state;
    bolt_log_set_level(BOLT_LOG_ERROR); /* captured even when not printed */
    bolt_log_capture(&w);
    log_warn("driver file '%s' is missing", "/x");
    log_info("not a warning");
    bolt_log_capture(NULL);
    log_warn("after the capture");
    bolt_log_set_level(BOLT_LOG_WARN);
    assert_non_null(w);
    assert_string_equal(w[0], "driver file '/x' is missing");
    assert_null(w[1]);
    bolt_strv_free(w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rec_round_trip),
        cmocka_unit_test(test_rec_checks),
        cmocka_unit_test(test_rec_settles),
        cmocka_unit_test(test_rec_refuses),
        cmocka_unit_test(test_log_capture),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
