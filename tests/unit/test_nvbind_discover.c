/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Discovery and the plan against fake driver roots built by tests/fixtures/nvidia/mkfakedriver
 * (one per layout, generated once for this test binary). Device-node checks need root
 * (mknod); without it the fixture has plain files and those tests are skipped.
 */
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
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "nvbind/config.h"
#include "nvbind/discover.h"
#include "nvbind/plan.h"
#include "util/fs.h"
#include "util/mem.h"

static char *g_top;  /* repository root */
static char *g_tmp;  /* all fixtures live here */

static const char *const layouts[] = {"debian-2gpu-proprietary", "debian-4gpu-nondense", "mig",
                                      "nouveau", "wsl2", "fedora-1gpu-open"};

static char *
find_top(void)
{
    char exe[4096];
    ssize_t n;
    const char *env = getenv("BOLT_TOP");

    if (env && *env)
        return xstrdup(env);
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    /* <top>/<builddir>/tests/test_x */
    for (int i = 0; i < 3; i++)
        *strrchr(exe, '/') = '\0';
    return xstrdup(exe);
}

static char *
fixture(const char *layout)
{
    return xasprintf("%s/%s", g_tmp, layout);
}

static int
group_setup(void **state)
{
    (void)state;
    g_top = find_top();
    g_tmp = xstrdup("/tmp/bolt-unit-nvbind-XXXXXX");
    if (g_top == NULL || mkdtemp(g_tmp) == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        cleanup_free char *out = fixture(layouts[i]);
        cleanup_free char *cmd = xasprintf("'%s/tests/fixtures/nvidia/mkfakedriver' %s '%s'",
                                           g_top, layouts[i], out);
        if (system(cmd) != 0) {
            fprintf(stderr, "# mkfakedriver %s failed\n", layouts[i]);
            return -1;
        }
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    bolt_rm_rf(g_tmp, NULL);
    free(g_tmp);
    free(g_top);
    return 0;
}

static void
cfg_for(struct bolt_nv_config *cfg, const char *layout)
{
    cleanup_free char *root = fixture(layout);

    bolt_nv_config_init(cfg);
    assert_int_equal(bolt_nv_config_set_root(cfg, "driver", root, NULL), 0);
    assert_int_equal(bolt_nv_config_set_root(cfg, "dev", root, NULL), 0);
    assert_int_equal(bolt_nv_config_set_root(cfg, "proc", root, NULL), 0);
    assert_int_equal(bolt_nv_config_set_root(cfg, "sys", root, NULL), 0);
}

static struct bolt_nv_plan *
build(const char *layout, bool nvml)
{
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    struct bolt_nv_plan *p;

    cfg_for(&cfg, layout);
    p = bolt_nv_plan_build(&cfg, nvml, &err);
    bolt_nv_config_fini(&cfg);
    if (p == NULL)
        fail_msg("plan for %s: %s", layout, err.msg);
    return p;
}

static const struct bolt_nv_node *
node(const struct bolt_nv_plan *p, const char *path)
{
    for (size_t i = 0; i < p->n_nodes; i++)
        if (strcmp(p->nodes[i].path, path) == 0)
            return &p->nodes[i];
    return NULL;
}

/* node() for a node that must exist (fails the test otherwise). */
static const struct bolt_nv_node *nodep(const struct bolt_nv_plan *p, const char *path)
    __attribute__((returns_nonnull));
static const struct bolt_nv_node *
nodep(const struct bolt_nv_plan *p, const char *path)
{
    const struct bolt_nv_node *n = node(p, path);
    static const struct bolt_nv_node none;

    if (n == NULL)
        fail_msg("no device node '%s' in the plan", path);
    return n ? n : &none;
}

static const struct bolt_nv_file *
file_named(const struct bolt_nv_plan *p, const char *suffix)
{
    size_t sl = strlen(suffix);

    for (size_t i = 0; i < p->n_files; i++) {
        size_t l = strlen(p->files[i].path);
        if (l >= sl && strcmp(p->files[i].path + l - sl, suffix) == 0)
            return &p->files[i];
    }
    return NULL;
}

static bool
has_warning(const struct bolt_nv_plan *p, const char *needle)
{
    for (size_t i = 0; p->warnings && p->warnings[i]; i++)
        if (strstr(p->warnings[i], needle))
            return true;
    return false;
}

static bool
have_nodes(void)
{
    return geteuid() == 0;
}

static void
test_proc_version(void **state)
{
    bool open = false;
    cleanup_free char *a = bolt_nv_parse_proc_version(
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
        "GCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04)\n", &open);
    cleanup_free char *b = bolt_nv_parse_proc_version(
        "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.15  Release Build  "
        "(dvs-builder@U16-I3-B03-4-3)  Tue Mar  5 22:20:38 UTC 2024\n", NULL);
    cleanup_free char *c = bolt_nv_parse_proc_version(
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  525.60  Sat Nov 19 2022\n", NULL);

    (void)state;
    assert_string_equal(a, "550.54.15");
    assert_false(open);
    assert_string_equal(b, "550.54.15");
    assert_non_null(bolt_nv_parse_proc_version("NVRM version: NVIDIA UNIX Open Kernel Module for "
                                               "aarch64  535.1  x", &open));
    assert_true(open);
    assert_string_equal(c, "525.60");
    assert_null(bolt_nv_parse_proc_version("garbage", NULL));
    assert_int_equal(bolt_nv_cuda_for_driver("550.54.15"), 12040);
    assert_int_equal(bolt_nv_cuda_for_driver("535.161.08"), 12020);
}

static void
test_debian_procfs(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = build("debian-2gpu-proprietary", false);
    const struct bolt_nv_file *f;
    const struct bolt_nv_node *n;

    (void)state;
    assert_int_equal(p->type, BOLT_NV_DRIVER_PROPRIETARY);
    assert_string_equal(p->driver_version, "550.54.15");
    assert_int_equal(p->cuda_version, 12040);
    assert_string_equal(p->source, "procfs");
    assert_int_equal(p->n_gpus, 2);
    assert_string_equal(p->gpus[0].name, "NVIDIA L4");
    assert_string_equal(p->gpus[0].uuid, "GPU-3291dfa4-fcc4-0110-615b-c894a0d7c689");
    assert_string_equal(p->gpus[1].bus_id, "0000:af:00.0");
    assert_int_equal(p->gpus[1].minor, 1);
    assert_int_equal(p->gpus[1].drm_render, 129);
    assert_string_equal(p->libdir64, "/usr/lib/x86_64-linux-gnu");
    assert_string_equal(p->libdir32, "/usr/lib/i386-linux-gnu");
    f = file_named(p, "/x86_64-linux-gnu/libcuda.so.550.54.15");
    assert_non_null(f);
    assert_string_equal(f->soname, "libcuda.so.1");
    assert_int_equal(f->kind, BOLT_NV_FILE_LIB);
    assert_true(bolt_nv_file_has_cap(f, BOLT_NV_CAP_COMPUTE));
    assert_false(bolt_nv_file_has_cap(f, BOLT_NV_CAP_GRAPHICS));
    assert_true(bolt_nv_file_has_cap(f, BOLT_NV_CAP_VIDEO)); /* video implies compute */
    f = file_named(p, "/i386-linux-gnu/libGLX_nvidia.so.550.54.15");
    assert_non_null(f);
    assert_int_equal(f->kind, BOLT_NV_FILE_LIB32);
    assert_false(bolt_nv_file_has_cap(f, BOLT_NV_CAP_GRAPHICS));
    assert_true(bolt_nv_file_has_cap(f, BOLT_NV_CAP_GRAPHICS | BOLT_NV_CAP_COMPAT32));
    assert_non_null(file_named(p, "/libnvidia-glcore.so.550.54.15"));
    assert_non_null(file_named(p, "/vdpau/libvdpau_nvidia.so.550.54.15"));
    assert_non_null(file_named(p, "/libnvidia-egl-wayland.so.1.1.13"));
    assert_non_null(file_named(p, "/usr/bin/nvidia-smi"));
    assert_non_null(file_named(p, "/lib/firmware/nvidia/550.54.15/gsp_ga10x.bin"));
    assert_non_null(file_named(p, "/usr/share/vulkan/icd.d/nvidia_icd.json"));
    assert_non_null(file_named(p, "/etc/OpenCL/vendors/nvidia.icd"));
    assert_non_null(file_named(p, "/run/nvidia-persistenced/socket"));
    f = file_named(p, "/nvidia/wine/nvngx.dll");
    assert_non_null(f);
    assert_int_equal(f->kind, BOLT_NV_FILE_DLL);
    assert_non_null(file_named(p, "/xorg/modules/drivers/nvidia_drv.so"));
    if (!have_nodes())
        return;
    n = nodep(p, "/dev/nvidia-uvm");
    assert_non_null(n);
    assert_int_equal(n->major, 511);
    assert_int_equal(nodep(p, "/dev/nvidia-uvm-tools")->minor, 1);
    assert_int_equal(nodep(p, "/dev/nvidiactl")->minor, 255);
    assert_int_equal(nodep(p, "/dev/nvidia-modeset")->minor, 254);
    assert_int_equal(nodep(p, "/dev/nvidia1")->gpu, 1);
    assert_int_equal(nodep(p, "/dev/dri/renderD128")->major, 226);
    assert_null(p->warnings);
}

static void
test_debian_nvml(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = build("debian-2gpu-proprietary", true);

    (void)state;
    assert_string_equal(p->source, "nvml");
    assert_int_equal(p->n_gpus, 2);
    assert_string_equal(p->gpus[0].arch, "ada");
    assert_string_equal(p->gpus[0].brand, "nvidia");
    assert_int_equal(p->gpus[0].cc_major, 8);
    assert_int_equal(p->gpus[0].cc_minor, 9);
    assert_int_equal(p->gpus[0].mem_total, 23034ULL << 20);
    assert_string_equal(p->gpus[1].bus_id, "0000:af:00.0");
    assert_int_equal(p->gpus[1].drm_card, 1); /* merged from sysfs */
}

static void
test_nvml_fails_to_load(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = NULL;

    (void)state;
    setenv("FAKE_NVML_FAIL", "9", 1);
    p = build("debian-2gpu-proprietary", true);
    unsetenv("FAKE_NVML_FAIL");
    assert_string_equal(p->source, "procfs");
    assert_int_equal(p->n_gpus, 2);
    assert_true(has_warning(p, "NVML: nvmlInit failed: Driver Not Loaded (error 9); GPUs listed "
                               "from /proc/driver/nvidia"));
}

static void
test_nondense_minors(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = build("debian-4gpu-nondense", false);
    static const unsigned minors[] = {3, 0, 5, 2};

    (void)state;
    assert_int_equal(p->n_gpus, 4);
    for (size_t i = 0; i < 4; i++) {
        char path[32];
        assert_int_equal(p->gpus[i].index, i);
        assert_int_equal(p->gpus[i].minor, minors[i]);
        snprintf(path, sizeof(path), "/dev/nvidia%u", minors[i]);
        if (have_nodes()) {
            assert_non_null(node(p, path));
            assert_int_equal(nodep(p, path)->gpu, (int)i);
        }
    }
    assert_string_equal(p->driver_version, "535.161.08");
    if (have_nodes())
        assert_int_equal(nodep(p, "/dev/nvidia-uvm")->major, 508);
}

static void
test_mig(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *pp = build("mig", false);
    cleanup_nv_plan struct bolt_nv_plan *pn = build("mig", true);
    int mig = -2;

    (void)state;
    assert_int_equal(pp->type, BOLT_NV_DRIVER_OPEN);
    assert_true(pp->gpus[0].mig_enabled);
    assert_false(pp->gpus[1].mig_enabled);
    assert_int_equal(pp->gpus[0].n_migs, 2);
    assert_int_equal(pp->gpus[0].migs[1].gi, 2);
    assert_int_equal(pp->gpus[0].migs[1].gi_cap_minor, 21);
    assert_int_equal(pp->gpus[0].migs[1].ci_cap_minor, 22);
    /* NVML adds the MIG UUIDs and keeps the capability minors from /proc */
    assert_int_equal(pn->gpus[0].n_migs, 2);
    assert_string_equal(pn->gpus[0].migs[0].uuid, "MIG-5e1b7f6d-80d2-53a4-bc0e-6c7d8e9fa0b1");
    assert_int_equal(pn->gpus[0].migs[0].gi_cap_minor, 12);
    assert_ptr_equal(bolt_nv_plan_find_uuid(pn, "MIG-6f2c8a7e-91e3-54b5-cd1f-7d8e9fa0b1c2", &mig),
                     &pn->gpus[0]);
    assert_int_equal(mig, 1);
    if (have_nodes()) {
        const struct bolt_nv_node *n = nodep(pp, "/dev/nvidia-caps/nvidia-cap13");
        assert_non_null(n);
        assert_int_equal(n->major, 510);
        assert_string_equal(n->cap, "gpu0/mig/gi1/ci0/access");
        assert_string_equal(nodep(pp, "/dev/nvidia-caps/nvidia-cap1")->cap, "mig/config");
    }
}

static void
test_nouveau(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = build("nouveau", true);

    (void)state;
    assert_int_equal(p->type, BOLT_NV_DRIVER_NOUVEAU);
    assert_null(p->driver_version);
    assert_int_equal(p->n_files, 0);
    assert_int_equal(p->n_gpus, 1); /* the HDMI audio function (.1) is not a GPU */
    assert_true(has_warning(p, "CUDA, NVENC and nvidia-smi need the NVIDIA driver"));
    for (size_t i = 0; i < p->n_nodes; i++)
        assert_true(p->nodes[i].role == BOLT_NV_NODE_DRI_CARD
                    || p->nodes[i].role == BOLT_NV_NODE_DRI_RENDER);
    if (have_nodes())
        assert_int_equal(p->n_nodes, 2);
}

static void
test_wsl(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = build("wsl2", true);

    (void)state;
    assert_int_equal(p->type, BOLT_NV_DRIVER_WSL);
    assert_string_equal(p->source, "nvml");
    assert_string_equal(p->driver_version, "550.54.14");
    assert_int_equal(p->n_gpus, 1);
    assert_non_null(file_named(p, "/usr/lib/wsl/lib/libdxcore.so"));
    assert_non_null(file_named(p, "/nv_dispi.inf_amd64_7e5fd280efaa5445/libcuda.so.1.1"));
    assert_null(file_named(p, "/nvhm.inf_amd64_0c8a4b5d1e2f3a4b/readme.txt"));
    if (have_nodes()) {
        assert_int_equal(p->n_nodes, 1);
        assert_string_equal(p->nodes[0].path, "/dev/dxg");
        assert_int_equal(p->nodes[0].major, 10);
    }
}

static void
test_fedora_layout(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = build("fedora-1gpu-open", false);

    (void)state;
    assert_int_equal(p->type, BOLT_NV_DRIVER_OPEN);
    assert_string_equal(p->libdir64, "/usr/lib64");
    assert_string_equal(p->libdir32, "/usr/lib");
    assert_non_null(file_named(p, "/usr/lib64/libcuda.so.550.54.15"));
    assert_non_null(file_named(p, "/usr/lib64/nvidia/wine/_nvngx.dll"));
}

static void
test_json_roundtrip(void **state)
{
    cleanup_nv_plan struct bolt_nv_plan *p = build("mig", true);
    cleanup_nv_plan struct bolt_nv_plan *q = NULL;
    cleanup_free char *a = bolt_nv_plan_to_json(p, false);
    cleanup_free char *b = NULL;
    struct bolt_err err = {0};

    (void)state;
    q = bolt_nv_plan_from_json(a, strlen(a), &err);
    assert_non_null(q);
    b = bolt_nv_plan_to_json(q, false);
    assert_string_equal(a, b);
    assert_null(bolt_nv_plan_from_json("{\"format\": 7}", 13, &err));
    assert_string_equal(err.msg, "plan: not a format-1 nvbind plan");
}

static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void
test_plan_cache(void **state)
{
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    cleanup_free char *runroot = xasprintf("%s/runroot", g_tmp);
    cleanup_free char *ver = NULL;
    cleanup_free char *cache = NULL;
    struct bolt_nv_plan *p;
    bool rebuilt = false;
    double t[200];

    (void)state;
    cfg_for(&cfg, "debian-2gpu-proprietary");
    p = bolt_nv_plan_get(&cfg, runroot, false, &rebuilt, &err);
    assert_non_null(p);
    assert_true(rebuilt);
    bolt_nv_plan_free(p);
    for (size_t i = 0; i < 200; i++) {
        double t0 = now_us();
        p = bolt_nv_plan_get(&cfg, runroot, false, &rebuilt, &err);
        t[i] = now_us() - t0;
        assert_non_null(p);
        assert_false(rebuilt);
        bolt_nv_plan_free(p);
    }
    qsort(t, 200, sizeof(double), cmp_double);
    printf("# cached plan load (2 GPUs, %s): median %.1f us, p90 %.1f us\n",
           "debian-2gpu-proprietary", t[100], t[180]);
    /* a new ld.so.cache (ldconfig ran) invalidates the plan */
    cache = xasprintf("%s/etc/ld.so.cache", cfg.driver_root);
    {
        struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
        assert_int_equal(utimensat(AT_FDCWD, cache, times, 0), 0);
    }
    p = bolt_nv_plan_get(&cfg, runroot, false, &rebuilt, &err);
    assert_non_null(p);
    assert_true(rebuilt);
    bolt_nv_plan_free(p);
    /* so does another driver version */
    ver = xasprintf("%s/sys/module/nvidia/version", cfg.sys_root);
    assert_int_equal(bolt_write_file_atomic(ver, "550.99.1\n", 9, 0644, &err), 0);
    p = bolt_nv_plan_get(&cfg, runroot, false, &rebuilt, &err);
    assert_non_null(p);
    assert_true(rebuilt);
    assert_string_equal(p->driver_version, "550.99.1");
    /* ... whose libraries (suffix 550.54.15) are then not selected */
    assert_null(file_named(p, "/libcuda.so.550.54.15"));
    assert_true(has_warning(p, "no libcuda.so.550.99.1"));
    bolt_nv_plan_free(p);
    assert_int_equal(bolt_write_file_atomic(ver, "550.54.15\n", 10, 0644, &err), 0);
    bolt_nv_config_fini(&cfg);
}

static void
test_bad_inputs(void **state)
{
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    cleanup_free char *root = fixture("debian-2gpu-proprietary");
    cleanup_free char *cache = xasprintf("%s/etc/ld.so.cache", root);
    cleanup_free char *saved = xasprintf("%s/etc/ld.so.cache.saved", root);
    cleanup_free char *node1 = xasprintf("%s/dev/nvidia1", root);
    cleanup_free char *ver = xasprintf("%s/proc/driver/nvidia/version", root);
    cleanup_free char *ver_saved = xasprintf("%s.saved", ver);
    struct bolt_nv_plan *p;

    (void)state;
    cfg_for(&cfg, "debian-2gpu-proprietary");
    /* malformed ld.so.cache: the plan fails with one line naming the file and the fix */
    assert_int_equal(rename(cache, saved), 0);
    assert_int_equal(bolt_write_file_atomic(cache, "not a cache", 11, 0644, &err), 0);
    p = bolt_nv_plan_build(&cfg, false, &err);
    assert_null(p);
    assert_non_null(strstr(err.msg, "driver root's library cache (rebuild it with 'ldconfig -r"));
    assert_non_null(strstr(err.msg, "/etc/ld.so.cache': ld.so.cache: no 'glibc-ld.so.cache1.1' header"));
    assert_int_equal(rename(saved, cache), 0);
    /* no /proc/driver/nvidia/version: no driver */
    assert_int_equal(rename(ver, ver_saved), 0);
    p = bolt_nv_plan_build(&cfg, false, &err);
    assert_null(p);
    assert_non_null(strstr(err.msg, "no NVIDIA driver:"));
    assert_int_equal(rename(ver_saved, ver), 0);
    if (have_nodes()) {
        /* a device node with the wrong major is reported and left out */
        assert_int_equal(unlink(node1), 0);
        assert_int_equal(mknod(node1, S_IFCHR | 0666, makedev(1, 3)), 0);
        p = bolt_nv_plan_build(&cfg, false, &err);
        assert_non_null(p);
        assert_null(node(p, "/dev/nvidia1"));
        assert_true(has_warning(p, "device node '/dev/nvidia1' is char 1:3, expected char 195:1"));
        bolt_nv_plan_free(p);
        /* a missing node likewise */
        assert_int_equal(unlink(node1), 0);
        p = bolt_nv_plan_build(&cfg, false, &err);
        assert_non_null(p);
        assert_true(has_warning(p, "device node '/dev/nvidia1' is missing (expected char 195:1)"));
        bolt_nv_plan_free(p);
        assert_int_equal(mknod(node1, S_IFCHR | 0666, makedev(195, 1)), 0);
    }
    bolt_nv_config_fini(&cfg);
}

static void
test_config(void **state)
{
    struct bolt_nv_config cfg;
    struct bolt_err err = {0};
    cleanup_free char *file = xasprintf("%s/nvbind.toml", g_tmp);
    cleanup_free char *bad = xasprintf("%s/bad.toml", g_tmp);

    (void)state;
    bolt_nv_config_init(&cfg);
    assert_string_equal(cfg.driver_root, "/");
    assert_int_equal(bolt_write_file_atomic(file, "driver_root = \"/run/nvidia/driver/\"\n"
                                                  "performance = \"ultra\"\n", 57, 0644, &err), 0);
    assert_int_equal(bolt_nv_config_load_file(&cfg, file, false, &err), 0);
    assert_string_equal(cfg.driver_root, "/run/nvidia/driver");
    assert_string_equal(cfg.dev_root, "/");
    setenv("BOLT_DEV_ROOT", "/srv/dev", 1);
    bolt_nv_config_apply_env(&cfg);
    unsetenv("BOLT_DEV_ROOT");
    assert_string_equal(cfg.dev_root, "/srv/dev");
    assert_int_equal(bolt_nv_config_set_root(&cfg, "proc", "relative", &err), -1);
    assert_string_equal(err.msg, "--proc-root 'relative': expected an absolute path");
    assert_int_equal(bolt_nv_config_validate(&cfg, &err), -1);
    assert_non_null(strstr(err.msg, "driver_root '/run/nvidia/driver' is not a directory"));
    assert_int_equal(bolt_write_file_atomic(bad, "\n\nsys_root = 42\n", 15, 0644, &err), 0);
    assert_int_equal(bolt_nv_config_load_file(&cfg, bad, false, &err), -1);
    assert_non_null(strstr(err.msg, "bad.toml:3: sys_root must be an absolute path string"));
    assert_int_equal(bolt_nv_config_load_file(&cfg, "/nonexistent/nvbind.toml", true, &err), 0);
    assert_int_equal(bolt_nv_config_load_file(&cfg, "/nonexistent/nvbind.toml", false, &err), -1);
    bolt_nv_config_fini(&cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proc_version),   cmocka_unit_test(test_debian_procfs),
        cmocka_unit_test(test_debian_nvml),    cmocka_unit_test(test_nvml_fails_to_load),
        cmocka_unit_test(test_nondense_minors), cmocka_unit_test(test_mig),
        cmocka_unit_test(test_nouveau),        cmocka_unit_test(test_wsl),
        cmocka_unit_test(test_fedora_layout),  cmocka_unit_test(test_json_roundtrip),
        cmocka_unit_test(test_plan_cache),     cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
