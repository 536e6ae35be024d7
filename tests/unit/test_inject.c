/* SPDX-License-Identifier: Apache-2.0 */
/* GPU injection against a hand-built plan: edits per capability and device, CDI output,
 * selection errors, the bundle and merged cache, the ELF soname reader, hooks, leases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvbind/inject.h"
#include "nvbind/lease.h"
#include "nvbind/ldcache.h"
#include "util/fs.h"
#include "util/mem.h"

static char *tmp;

static void
touch(const char *rel)
{
    cleanup_free char *p = xasprintf("%s/drv%s", tmp, rel);
    cleanup_free char *d = xstrndup(p, (size_t)(strrchr(p, '/') - p));
    struct bolt_err err = {0};

    assert_int_equal(bolt_mkdir_p(d, 0755, &err), 0);
    assert_int_equal(bolt_write_file_atomic(p, "x", 1, 0755, &err), 0);
}

static void
add_node(struct bolt_nv_plan *p, const char *path, unsigned maj, unsigned min,
         enum bolt_nv_node_role role, int gpu)
{
    struct bolt_nv_node *n;

    p->nodes = xreallocarray(p->nodes, p->n_nodes + 1, sizeof(*n));
    n = &p->nodes[p->n_nodes++];
    memset(n, 0, sizeof(*n));
    n->path = xstrdup(path);
    n->major = maj;
    n->minor = min;
    n->mode = 0666;
    n->role = role;
    n->gpu = gpu;
}

static void
add_file(struct bolt_nv_plan *p, const char *path, const char *soname, unsigned caps,
         enum bolt_nv_file_kind kind)
{
    struct bolt_nv_file *f;

    p->files = xreallocarray(p->files, p->n_files + 1, sizeof(*f));
    f = &p->files[p->n_files++];
    f->path = xstrdup(path);
    f->soname = soname ? xstrdup(soname) : NULL;
    f->caps = caps;
    f->kind = kind;
    touch(path);
}

static struct bolt_nv_plan *
make_plan(void)
{
    struct bolt_nv_plan *p = xzalloc(sizeof(*p));
    const char *uuids[] = {"GPU-11111111-2222-3333-4444-555555555555",
                           "GPU-66666666-7777-8888-9999-000000000000"};

    p->driver_version = xstrdup("550.54.15");
    p->type = BOLT_NV_DRIVER_PROPRIETARY;
    p->cuda_version = 12040;
    p->source = xstrdup("procfs");
    p->driver_root = xasprintf("%s/drv", tmp);
    p->dev_root = xstrdup("/");
    p->proc_root = xstrdup("/");
    p->sys_root = xstrdup("/");
    p->n_gpus = 2;
    p->gpus = xcalloc(2, sizeof(*p->gpus));
    for (unsigned i = 0; i < 2; i++) {
        p->gpus[i].index = i;
        p->gpus[i].minor = i;
        p->gpus[i].name = xstrdup("NVIDIA L4");
        p->gpus[i].uuid = xstrdup(uuids[i]);
        p->gpus[i].bus_id = xasprintf("0000:%02x:00.0", 0x3b + i);
        p->gpus[i].brand = xstrdup("nvidia");
        p->gpus[i].arch = xstrdup("ada");
        p->gpus[i].cc_major = 8;
        p->gpus[i].cc_minor = 9;
        p->gpus[i].drm_card = (int)i;
        p->gpus[i].drm_render = 128 + (int)i;
    }
    add_node(p, "/dev/nvidiactl", 195, 255, BOLT_NV_NODE_CTL, -1);
    add_node(p, "/dev/nvidia0", 195, 0, BOLT_NV_NODE_GPU, 0);
    add_node(p, "/dev/nvidia1", 195, 1, BOLT_NV_NODE_GPU, 1);
    add_node(p, "/dev/nvidia-uvm", 511, 0, BOLT_NV_NODE_UVM, -1);
    add_node(p, "/dev/nvidia-uvm-tools", 511, 1, BOLT_NV_NODE_UVM_TOOLS, -1);
    add_node(p, "/dev/nvidia-modeset", 195, 254, BOLT_NV_NODE_MODESET, -1);
    add_node(p, "/dev/dri/card0", 226, 0, BOLT_NV_NODE_DRI_CARD, 0);
    add_node(p, "/dev/dri/renderD128", 226, 128, BOLT_NV_NODE_DRI_RENDER, 0);
    add_file(p, "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15", "libcuda.so.1",
             BOLT_NV_CAP_COMPUTE, BOLT_NV_FILE_LIB);
    add_file(p, "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.15", "libnvidia-ml.so.1",
             BOLT_NV_CAP_UTILITY, BOLT_NV_FILE_LIB);
    add_file(p, "/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.550.54.15", "libGLX_nvidia.so.0",
             BOLT_NV_CAP_GRAPHICS, BOLT_NV_FILE_LIB);
    add_file(p, "/usr/lib/i386-linux-gnu/libcuda.so.550.54.15", "libcuda.so.1",
             BOLT_NV_CAP_COMPUTE, BOLT_NV_FILE_LIB32);
    add_file(p, "/usr/bin/nvidia-smi", NULL, BOLT_NV_CAP_UTILITY, BOLT_NV_FILE_BIN);
    add_file(p, "/etc/OpenCL/vendors/nvidia.icd", NULL, BOLT_NV_CAP_COMPUTE,
             BOLT_NV_FILE_CONFIG);
    return p;
}

static bool
has_node(const struct bolt_cdi_edits *e, const char *path)
{
    for (size_t i = 0; i < e->n_nodes; i++)
        if (strcmp(e->nodes[i].path, path) == 0)
            return true;
    return false;
}

static const struct bolt_cdi_mount *
find_mount(const struct bolt_cdi_edits *e, const char *dst)
{
    for (size_t i = 0; i < e->n_mounts; i++)
        if (strcmp(e->mounts[i].container_path, dst) == 0)
            return &e->mounts[i];
    return NULL;
}

static void
test_edits_per_caps(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = make_plan();
    struct bolt_nv_edits_opts o = {.mode = BOLT_NV_EDITS_BUNDLE, .bundle_dir = "/b"};
    struct bolt_cdi_edits e = {0};
    struct bolt_err err = {0};
    const struct bolt_cdi_mount *m;

    (void)state;
    assert_int_equal(bolt_nv_edits_common(p, BOLT_NV_CAP_DEFAULT, &o, &e, &err), 0);
    assert_true(has_node(&e, "/dev/nvidiactl"));
    assert_true(has_node(&e, "/dev/nvidia-uvm"));
    assert_true(has_node(&e, "/dev/nvidia-uvm-tools"));
    assert_false(has_node(&e, "/dev/nvidia-modeset"));
    assert_false(has_node(&e, "/dev/nvidia0"));
    m = find_mount(&e, BOLT_NV_CTR_BUNDLE);
    assert_non_null(m);
    if (m == NULL)
        return;
    assert_string_equal(m->host_path, "/b");
    assert_string_equal(m->options[0], "ro");
    assert_string_equal(m->options[1], "nosuid");
    assert_string_equal(m->options[2], "nodev");
    assert_non_null(find_mount(&e, "/usr/bin/nvidia-smi"));
    assert_non_null(find_mount(&e, "/etc/OpenCL/vendors/nvidia.icd"));
    assert_string_equal(e.env[0], "NVIDIA_DRIVER_CAPABILITIES=compute,utility");
    assert_int_equal(e.nodes[0].major, 195);
    assert_string_equal(e.nodes[0].permissions, "rw");
    bolt_cdi_edits_fini(&e);
    /* display: modeset, no uvm; compat32: the 32-bit mount */
    assert_int_equal(bolt_nv_edits_common(p, BOLT_NV_CAP_DISPLAY | BOLT_NV_CAP_GRAPHICS
                                                 | BOLT_NV_CAP_COMPUTE | BOLT_NV_CAP_COMPAT32,
                                          &o, &e, &err), 0);
    assert_true(has_node(&e, "/dev/nvidia-modeset"));
    assert_null(find_mount(&e, "/usr/bin/nvidia-smi")); /* utility not asked */
    bolt_cdi_edits_fini(&e);
}

static void
test_edits_per_device(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = make_plan();
    struct bolt_nv_edits_opts o = {.mode = BOLT_NV_EDITS_BUNDLE, .bundle_dir = "/b"};
    struct bolt_cdi_edits e = {0};
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(bolt_nv_edits_device(p, 1, -1, BOLT_NV_CAP_DEFAULT, &o, &e, &err), 0);
    assert_int_equal(e.n_nodes, 1);
    assert_string_equal(e.nodes[0].path, "/dev/nvidia1");
    assert_int_equal(e.nodes[0].minor, 1);
    bolt_cdi_edits_fini(&e);
    assert_int_equal(bolt_nv_edits_device(p, 0, -1, BOLT_NV_CAP_GRAPHICS, &o, &e, &err), 0);
    assert_int_equal(e.n_nodes, 3);
    assert_true(has_node(&e, "/dev/dri/card0"));
    assert_true(has_node(&e, "/dev/dri/renderD128"));
    bolt_cdi_edits_fini(&e);
    assert_int_equal(bolt_nv_edits_device(p, 5, -1, BOLT_NV_CAP_DEFAULT, &o, &e, &err), -1);
    assert_non_null(strstr(err.msg, "GPU 5 does not exist"));
    bolt_cdi_edits_fini(&e);
}

static void
test_select(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = make_plan();
    struct bolt_gpusel sel = {0};
    struct bolt_gpureq req = {0};
    struct bolt_nv_selection s;
    struct bolt_err err = {0};

    (void)state;
    assert_int_equal(bolt_gpusel_parse_gpu("GPU-66666666-7777-8888-9999-000000000000", &sel, &err), 0);
    assert_int_equal(bolt_nv_select(p, &sel, NULL, &s, &err), 0);
    assert_int_equal(s.n_picks, 1);
    assert_int_equal(s.picks[0].gpu, 1);
    assert_int_equal(s.caps, BOLT_NV_CAP_DEFAULT);
    bolt_nv_selection_fini(&s);
    bolt_gpusel_fini(&sel);
    assert_int_equal(bolt_gpusel_parse_gpu("3", &sel, &err), 0);
    assert_int_equal(bolt_nv_select(p, &sel, NULL, &s, &err), -1);
    assert_non_null(strstr(err.msg, "GPU-11111111-2222-3333-4444-555555555555"));
    bolt_gpusel_fini(&sel);
    assert_int_equal(bolt_gpusel_parse_gpu("all", &sel, &err), 0);
    assert_int_equal(bolt_gpureq_add(&req, "NVIDIA_REQUIRE_CUDA", "cuda>=12.6", &err), 0);
    assert_int_equal(bolt_nv_select(p, &sel, &req, &s, &err), -1);
    assert_non_null(strstr(err.msg, "12.4"));
    bolt_gpureq_fini(&req);
    assert_int_equal(bolt_gpureq_add(&req, "NVIDIA_REQUIRE_CUDA", "cuda>=12.0 brand=tesla", &err), 0);
    assert_int_equal(bolt_nv_select(p, &sel, &req, &s, &err), 0);
    assert_int_equal(s.n_picks, 2);
    assert_true(s.all);
    bolt_nv_selection_fini(&s);
    bolt_gpureq_fini(&req);
    bolt_gpusel_fini(&sel);
}

static void
test_cdi_generate(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = make_plan();
    cleanup_cdi_spec struct bolt_cdi_spec *s = NULL;
    struct bolt_err err = {0};
    bool link = false, folder = false;

    (void)state;
    s = bolt_nv_cdi_generate(p, BOLT_NV_CDI_NAMES_INDEX | BOLT_NV_CDI_NAMES_UUID, "/usr/bin/nvbind",
                             &err);
    assert_non_null(s);
    assert_int_equal(bolt_cdi_spec_validate(s, &err), 0);
    assert_int_equal(s->n_devices, 5);
    assert_string_equal(s->devices[0].name, "0");
    assert_string_equal(s->devices[1].name, "GPU-11111111-2222-3333-4444-555555555555");
    assert_string_equal(s->devices[4].name, "all");
    assert_string_equal(s->version, "0.5.0");
    /* every file at its host path, hooks for the links and the cache */
    assert_non_null(find_mount(&s->edits, "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15"));
    assert_non_null(find_mount(&s->edits, "/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.550.54.15"));
    assert_int_equal(s->edits.n_hooks, 2);
    for (size_t i = 0; s->edits.hooks[0].args[i]; i++)
        link |= strcmp(s->edits.hooks[0].args[i],
                       "libcuda.so.550.54.15::/usr/lib/x86_64-linux-gnu/libcuda.so.1") == 0;
    for (size_t i = 0; s->edits.hooks[1].args[i]; i++)
        folder |= strcmp(s->edits.hooks[1].args[i], "/usr/lib/i386-linux-gnu") == 0;
    assert_true(link);
    assert_true(folder);
    assert_string_equal(s->edits.env[1], "NVIDIA_VISIBLE_DEVICES=void");
}

static void
test_bundle_and_cache(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = make_plan();
    cleanup_free char *run = xasprintf("%s/run", tmp), *rootfs = xasprintf("%s/rootfs", tmp);
    cleanup_free char *b = NULL, *c1 = NULL, *c2 = NULL, *l = NULL;
    cleanup_ldcache struct bolt_ldcache *c = NULL;
    const struct bolt_ldcache_entry *ent;
    struct bolt_err err = {0};
    char buf[256];
    ssize_t n;

    (void)state;
    assert_int_equal(bolt_mkdir_p(rootfs, 0755, &err), 0);
    b = bolt_nv_bundle_get(p, run, NULL, BOLT_NV_CAP_DEFAULT, &err);
    assert_non_null(b);
    l = xasprintf("%s/lib64/libcuda.so.1", b);
    n = readlink(l, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = 0;
    assert_string_equal(buf, "libcuda.so.550.54.15");
    free(l);
    l = xasprintf("%s/lib64/libGLX_nvidia.so.550.54.15", b); /* graphics: not in this bundle */
    assert_int_equal(access(l, F_OK), -1);
    c1 = bolt_nv_ldcache_for_container(p, BOLT_NV_CAP_DEFAULT, rootfs, run, &err);
    assert_non_null(c1);
    c2 = bolt_nv_ldcache_for_container(p, BOLT_NV_CAP_DEFAULT, rootfs, run, &err);
    assert_string_equal(c1, c2); /* shared, not rewritten */
    c = bolt_ldcache_load(c1, &err);
    assert_non_null(c);
    ent = bolt_ldcache_lookup(c, "libcuda.so.1", BOLT_LDCACHE_ARCH_X86_64);
    assert_non_null(ent);
    assert_string_equal(ent->value, "/usr/local/nvidia/lib64/libcuda.so.1");
    assert_non_null(bolt_ldcache_lookup(c, "libcuda.so", BOLT_LDCACHE_ARCH_X86_64));
    assert_null(bolt_ldcache_lookup(c, "libcuda.so.1", BOLT_LDCACHE_ARCH_I386));
}

static void
test_elf_soname(void **state)
{
    const char *libc = "/lib/x86_64-linux-gnu/libc.so.6";
    cleanup_close int d = open("/lib/x86_64-linux-gnu", O_PATH | O_DIRECTORY | O_CLOEXEC);
    char *so = NULL;
    int32_t flags;

    (void)state;
    if (access(libc, R_OK) != 0 || d < 0)
        skip();
    assert_int_equal(bolt_nv_elf_soname_at(d, "libc.so.6", &so, &flags), 0);
    assert_string_equal(so, "libc.so.6");
    assert_int_equal(flags, 0x0303);
    free(so);
    so = NULL;
    {
        cleanup_close int t = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct bolt_err err = {0};
        cleanup_free char *p = xasprintf("%s/notelf", tmp);
        char junk[200];
        memset(junk, 0x7f, sizeof(junk));
        assert_int_equal(bolt_write_file_atomic(p, junk, sizeof(junk), 0644, &err), 0);
        assert_int_equal(bolt_nv_elf_soname_at(t, "notelf", &so, &flags), -1);
        assert_null(so);
    }
}

/* The fast path's links in a container's rootfs: a right link is kept, a wrong one made
 * again, an image's own file is left for a bind mount, and a long target still works. */
static void
test_links_in_rootfs(void **state)
{
    cleanup_free char *rootfs = xasprintf("%s/linkroot", tmp), *dir = NULL, *own = NULL;
    cleanup_free char *l1 = NULL, *l2 = NULL, *l4 = NULL, *longt = NULL, *longl = NULL;
    cleanup_free char *l5 = NULL, *fill = NULL, *filll = NULL, *over = NULL;
    cleanup_strv char **failed = NULL;
    char a[] = "/usr/local/nvidia/bin/nvidia-smi::/usr/bin/nvidia-smi";
    char b[] = "libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so";
    char c[] = "/usr/local/nvidia/etc/nvidia_icd.json::/etc/vulkan/icd.d/nvidia_icd.json";
    char *links[6] = {a, b, c, NULL, NULL, NULL};
    struct bolt_err err = {0};
    struct stat before, after;
    char buf[400];
    ssize_t n;

    (void)state;
    dir = xasprintf("%s/etc/vulkan/icd.d", rootfs);
    assert_int_equal(bolt_mkdir_p(dir, 0755, &err), 0);
    own = xasprintf("%s/nvidia_icd.json", dir);
    assert_int_equal(bolt_write_file_atomic(own, "{}", 2, 0644, &err), 0);
    free(dir);
    dir = xasprintf("%s/usr/lib/x86_64-linux-gnu", rootfs);
    assert_int_equal(bolt_mkdir_p(dir, 0755, &err), 0);
    l2 = xasprintf("%s/libcuda.so", dir);
    assert_int_equal(symlink("libcuda.so.999", l2), 0); /* a stale link: made again */
    /* a target longer than the compare buffer */
    longt = xmalloc(300);
    memset(longt, 'x', 299);
    longt[0] = '/';
    longt[299] = '\0';
    longl = xasprintf("%s::/usr/bin/long-target", longt);
    links[3] = longl;
    /* a stale link that shares its first 256 bytes with a 256-byte target: made again */
    fill = xmalloc(257);
    memset(fill, 'y', 256);
    fill[0] = '/';
    fill[256] = '\0';
    filll = xasprintf("%s::/usr/bin/fill-target", fill);
    links[4] = filll;
    over = xasprintf("%s-stale", fill);
    dir = (free(dir), xasprintf("%s/usr/bin", rootfs));
    assert_int_equal(bolt_mkdir_p(dir, 0755, &err), 0);
    l5 = xasprintf("%s/fill-target", dir);
    assert_int_equal(symlink(over, l5), 0);

    assert_int_equal(bolt_nv_links_in_rootfs(rootfs, links, &failed, &err), 0);
    assert_non_null(failed);
    assert_string_equal(failed[0], c); /* the image's own file */
    assert_null(failed[1]);
    l1 = xasprintf("%s/usr/bin/nvidia-smi", rootfs);
    n = readlink(l1, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "/usr/local/nvidia/bin/nvidia-smi");
    n = readlink(l2, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "libcuda.so.1");
    l4 = xasprintf("%s/usr/bin/long-target", rootfs);
    n = readlink(l4, buf, sizeof(buf) - 1);
    assert_int_equal(n, 299);
    buf[n] = '\0';
    assert_string_equal(buf, longt);
    n = readlink(l5, buf, sizeof(buf) - 1);
    assert_int_equal(n, 256);
    buf[n] = '\0';
    assert_string_equal(buf, fill);
    assert_int_equal(access(own, F_OK), 0);

    /* again, as the next container start on the same rootfs: the right link is not touched */
    assert_int_equal(lstat(l1, &before), 0);
    bolt_strv_free(steal_ptr(&failed));
    assert_int_equal(bolt_nv_links_in_rootfs(rootfs, links, &failed, &err), 0);
    assert_int_equal(lstat(l1, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    n = readlink(l4, buf, sizeof(buf) - 1);
    assert_int_equal(n, 299);
}

static void
test_hooks(void **state)
{
    cleanup_free char *rootfs = xasprintf("%s/hookroot", tmp);
    cleanup_free char *lib = xasprintf("%s/usr/lib/t", rootfs), *cache = NULL, *cmd = NULL;
    cleanup_free char *esc = xasprintf("%s/escape", rootfs), *inside = NULL;
    cleanup_ldcache struct bolt_ldcache *c = NULL;
    char link1[] = "libc.so.6::/usr/lib/t/libc-link.so", link2[] = "x::/escape/bolt-hook-esc-t";
    char *links[] = {link1, link2, NULL};
    char folder[] = "/usr/lib/t";
    char *folders[] = {folder, NULL};
    struct bolt_err err = {0};
    char buf[64];
    ssize_t n;

    (void)state;
    if (access("/lib/x86_64-linux-gnu/libc.so.6", R_OK) != 0)
        skip();
    assert_int_equal(bolt_mkdir_p(lib, 0755, &err), 0);
    cmd = xasprintf("cp /lib/x86_64-linux-gnu/libc.so.6 '%s/libc-2.36.so'", lib);
    assert_int_equal(system(cmd), 0);
    /* an absolute symlink in the image: resolved inside the rootfs, never on the host */
    assert_int_equal(symlink("/tmp", esc), 0);
    free(cmd);
    cmd = xasprintf("%s/tmp", rootfs);
    assert_int_equal(bolt_mkdir_p(cmd, 0755, &err), 0);
    assert_int_equal(bolt_nv_hook_create_symlinks(rootfs, links, &err), 0);
    cache = xasprintf("%s/libc-link.so", lib);
    n = readlink(cache, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = 0;
    assert_string_equal(buf, "libc.so.6");
    assert_int_equal(access("/tmp/bolt-hook-esc-t", F_OK), -1);
    inside = xasprintf("%s/tmp/bolt-hook-esc-t", rootfs);
    n = readlink(inside, buf, sizeof(buf) - 1);
    assert_int_equal(n, 1);
    if (bolt_nv_hook_update_ldcache(rootfs, folders, &err) != 0)
        fail_msg("update-ldcache: %s", err.msg);
    free(cache);
    cache = xasprintf("%s/etc/ld.so.cache", rootfs);
    c = bolt_ldcache_load(cache, &err);
    assert_non_null(c);
    assert_string_equal(bolt_ldcache_lookup(c, "libc.so.6", BOLT_LDCACHE_ARCH_X86_64)->value,
                        "/usr/lib/t/libc.so.6");
    free(cache);
    cache = xasprintf("%s/libc.so.6", lib);
    n = readlink(cache, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = 0;
    assert_string_equal(buf, "libc-2.36.so");
}

/* In a child (flock conflicts need another open file description in another process). */
static int
child_acquire(const char *run, char **uuids, bool exclusive, char *msg, size_t len)
{
    int p[2];
    pid_t pid;
    int st;
    ssize_t n;

    assert_int_equal(pipe(p), 0);
    pid = fork();
    if (pid == 0) {
        struct bolt_nv_lease l;
        struct bolt_err e = {0};
        int r = bolt_nv_lease_acquire(run, uuids, exclusive, "c2", "second", &l, &e);
        if (write(p[1], e.msg, strlen(e.msg) + 1) < 0)
            _exit(3);
        _exit(r == 0 ? 0 : 1);
    }
    close(p[1]);
    n = read(p[0], msg, len - 1);
    msg[n > 0 ? n : 0] = 0;
    close(p[0]);
    waitpid(pid, &st, 0);
    return WEXITSTATUS(st);
}

static void
test_leases(void **state)
{
    cleanup_free char *run = xasprintf("%s/leaserun", tmp);
    char u0[] = "GPU-aaaa", u1[] = "GPU-bbbb";
    char *both[] = {u0, u1, NULL}, *second[] = {u1, NULL};
    struct bolt_nv_lease l;
    struct bolt_err err = {0};
    char msg[512];

    (void)state;
    assert_int_equal(bolt_nv_lease_acquire(run, both, false, "c1", "first", &l, &err), 0);
    assert_int_equal(child_acquire(run, second, false, msg, sizeof(msg)), 0); /* shared */
    assert_int_equal(child_acquire(run, second, true, msg, sizeof(msg)), 1);
    assert_non_null(strstr(msg, "--gpu-isolation exclusive: GPU GPU-bbbb is in use by container "
                                "'first'"));
    bolt_nv_lease_release(run, both, "c1", &l);
    assert_int_equal(child_acquire(run, second, true, msg, sizeof(msg)), 0);
    assert_int_equal(bolt_nv_lease_acquire(run, second, true, "c1", "first", &l, &err), 0);
    assert_int_equal(child_acquire(run, second, false, msg, sizeof(msg)), 1);
    assert_non_null(strstr(msg, "is leased exclusively by container 'first'"));
    bolt_nv_lease_release(run, second, "c1", &l);
}

static void
mkdir_mode(const char *rel, mode_t mode)
{
    cleanup_free char *p = xasprintf("%s/%s", tmp, rel);
    struct bolt_err err = {0};

    assert_int_equal(bolt_mkdir_p(p, 0755, &err), 0);
    assert_int_equal(chmod(p, mode), 0);
}

static mode_t
mode_of(const char *dir, const char *rel)
{
    cleanup_free char *p = xasprintf("%s%s", dir, rel);
    struct stat st;

    assert_int_equal(lstat(p, &st), 0);
    return st.st_mode;
}

/* The nvbind layer: the image's layers as overlayfs merges them decide what it may hold. */
static void
test_layer(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *plan = make_plan();
    cleanup_free char *lower = xasprintf("%s/l2:%s/l1", tmp, tmp);
    cleanup_free char *lower3 = xasprintf("%s/l3:%s/l2:%s/l1", tmp, tmp, tmp);
    cleanup_free char *runroot = xasprintf("%s/lrun", tmp);
    cleanup_free char *smi = NULL, *cachep = NULL, *opencl = NULL, *wh = NULL;
    cleanup_ldcache struct bolt_ldcache *c = NULL;
    const struct bolt_ldcache_entry *e;
    unsigned caps = BOLT_NV_CAP_COMPUTE | BOLT_NV_CAP_UTILITY;
    struct bolt_nv_layer l = {0};
    struct bolt_err err = {0};
    struct stat st;
    char buf[256];
    ino_t ino;
    ssize_t n;

    (void)state;
    /* l1 (bottom): /usr/bin 0751 and /etc; l2 (top): /usr, and /etc/OpenCL a symlink */
    mkdir_mode("l1/usr/bin", 0751);
    mkdir_mode("l1/etc", 0755);
    mkdir_mode("l2/usr", 0755);
    mkdir_mode("l2/etc", 0755);
    opencl = xasprintf("%s/l2/etc/OpenCL", tmp);
    assert_int_equal(symlink("/elsewhere", opencl), 0);
    assert_int_equal(bolt_nv_layer_get(plan, caps, lower, runroot, &l, &err), 0);
    /* the link sits in the image's /usr/bin, whose mode the layer's directory keeps */
    smi = xasprintf("%s/usr/bin/nvidia-smi", l.dir);
    n = readlink(smi, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_string_equal(buf, "/usr/local/nvidia/files/usr/bin/nvidia-smi");
    assert_int_equal(mode_of(l.dir, "/usr/bin") & 07777, 0751);
    assert_true(S_ISDIR(mode_of(l.dir, "/usr/local/nvidia")));
    /* /etc/OpenCL is a symlink in the image: the layer leaves it, the file is bind-mounted */
    assert_non_null(l.binds);
    assert_string_equal(l.binds[0], "/usr/local/nvidia/files/etc/OpenCL/vendors/nvidia.icd::"
                                    "/etc/OpenCL/vendors/nvidia.icd");
    assert_null(l.binds[1]);
    assert_int_equal(lstat(opencl, &st), 0);
    free(opencl);
    opencl = xasprintf("%s/etc/OpenCL", l.dir);
    assert_int_equal(lstat(opencl, &st), -1);
    /* the merged cache: the image has none, so the driver's libraries only */
    assert_true(l.cache);
    cachep = xasprintf("%s/etc/ld.so.cache", l.dir);
    c = bolt_ldcache_load(cachep, &err);
    assert_non_null(c);
    e = bolt_ldcache_lookup(c, "libcuda.so.1", BOLT_LDCACHE_ARCH_X86_64);
    assert_non_null(e);
    assert_string_equal(e->value, "/usr/local/nvidia/lib64/libcuda.so.1");
    /* a second lookup reads the manifest: the same layer, not rebuilt */
    assert_int_equal(lstat(smi, &st), 0);
    ino = st.st_ino;
    bolt_nv_layer_fini(&l);
    assert_int_equal(bolt_nv_layer_get(plan, caps, lower, runroot, &l, &err), 0);
    assert_int_equal(lstat(smi, &st), 0);
    assert_int_equal(st.st_ino, ino);
    assert_string_equal(strstr(l.binds[0], "::"), "::/etc/OpenCL/vendors/nvidia.icd");
    bolt_nv_layer_fini(&l);
    /* a whiteout of /usr/bin above: the image has none, the layer's own is 0755 */
    mkdir_mode("l3/usr", 0755);
    wh = xasprintf("%s/l3/usr/bin", tmp);
    assert_int_equal(mknod(wh, S_IFCHR | 0600, makedev(0, 0)), 0);
    assert_int_equal(bolt_nv_layer_get(plan, caps, lower3, runroot, &l, &err), 0);
    assert_int_equal(mode_of(l.dir, "/usr/bin") & 07777, 0755);
    assert_true(S_ISLNK(mode_of(l.dir, "/usr/bin/nvidia-smi")));
    bolt_nv_layer_fini(&l);
}

static int
setup_tmp(void **state)
{
    char t[] = "/tmp/test-inject-XXXXXX";

    (void)state;
    tmp = xstrdup(mkdtemp(t));
    return 0;
}

static int
teardown_tmp(void **state)
{
    (void)state;
    bolt_rm_rf(tmp, NULL);
    free(tmp);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edits_per_caps), cmocka_unit_test(test_edits_per_device),
        cmocka_unit_test(test_select),         cmocka_unit_test(test_cdi_generate),
        cmocka_unit_test(test_bundle_and_cache), cmocka_unit_test(test_elf_soname),
        cmocka_unit_test(test_hooks), cmocka_unit_test(test_links_in_rootfs),          cmocka_unit_test(test_leases),
        cmocka_unit_test(test_layer),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
