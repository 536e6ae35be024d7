/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"
#include "util/fs.h"
#include "util/mem.h"

/* This machine: v1 controllers each on their own hierarchy, cgroup2 with hugetlb only. */
static const char mi_hybrid[] =
    "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char proc_cgroups[] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                                   "cpuset\t3\t1\t1\ncpu\t1\t1\t1\ncpuacct\t2\t1\t1\n"
                                   "blkio\t7\t1\t1\nmemory\t4\t26\t1\ndevices\t5\t1\t1\n"
                                   "freezer\t6\t1\t1\nnet_cls\t0\t1\t1\nhugetlb\t0\t1\t1\n"
                                   "pids\t8\t1\t1\n";

/* A classic Debian 10 / CentOS 7 v1 host: co-mounted controllers, extra options. */
static const char mi_v1[] =
    "25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup "
    "cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd\n"
    "29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup "
    "cgroup rw,cpu,cpuacct\n"
    "30 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:12 - cgroup cgroup "
    "rw,net_cls,net_prio\n"
    "31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup "
    "cgroup rw,memory\n"
    "32 25 0:29 / /sys/fs/cgroup/cpuset rw,relatime shared:14 - cgroup cgroup "
    "rw,cpuset,clone_children\n"
    /* the same hierarchy bind-mounted again elsewhere: ignored (outside and duplicate) */
    "40 22 0:28 / /mnt/memory rw,relatime - cgroup cgroup rw,memory\n"
    "41 25 0:28 / /sys/fs/cgroup/memory2 rw,relatime - cgroup cgroup rw,memory\n";

static const char mi_v2[] =
    "24 18 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - "
    "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
    "90 22 0:50 / /tmp/my\\040cg rw,relatime - cgroup2 none rw\n";

static void
test_layout_hybrid(void **state)
{
    struct bolt_err err = {0};
    struct bolt_cgroup_layout *l;

    (void)state;
    l = bolt_cgroup_layout_parse(mi_hybrid, proc_cgroups, NULL, &err);
    assert_non_null(l);
    assert_int_equal(l->mode, BOLT_CGROUP_HYBRID);
    assert_int_equal(l->n_hiers, 10);
    assert_string_equal(l->hiers[0].mount, "/sys/fs/cgroup/cpu");
    assert_string_equal(l->hiers[0].controllers[0], "cpu");
    assert_null(l->hiers[0].controllers[1]);
    assert_string_equal(l->hiers[8].controllers[0], "name=systemd");
    assert_true(l->hiers[9].v2);
    assert_string_equal(l->hiers[9].mount, "/sys/fs/cgroup/unified");
    assert_null(l->hiers[9].controllers); /* filled by detect from cgroup.controllers */
    assert_string_equal(bolt_cgroup_mode_name(l->mode), "hybrid");
    bolt_cgroup_layout_free(l);
}

static void
test_layout_v1(void **state)
{
    struct bolt_err err = {0};
    struct bolt_cgroup_layout *l;

    (void)state;
    /* Without /proc/cgroups: mount options that are not controllers are skipped by name. */
    l = bolt_cgroup_layout_parse(mi_v1, NULL, "/sys/fs/cgroup", &err);
    assert_non_null(l);
    assert_int_equal(l->mode, BOLT_CGROUP_V1);
    assert_int_equal(l->n_hiers, 5);
    assert_string_equal(l->hiers[0].controllers[0], "name=systemd");
    assert_null(l->hiers[0].controllers[1]);
    assert_string_equal(l->hiers[1].mount, "/sys/fs/cgroup/cpu,cpuacct");
    assert_string_equal(l->hiers[1].controllers[0], "cpu");
    assert_string_equal(l->hiers[1].controllers[1], "cpuacct");
    assert_string_equal(l->hiers[3].mount, "/sys/fs/cgroup/memory");
    assert_string_equal(l->hiers[4].controllers[0], "cpuset");
    assert_null(l->hiers[4].controllers[1]);
    bolt_cgroup_layout_free(l);
}

static void
test_layout_v2_and_under(void **state)
{
    struct bolt_err err = {0};
    struct bolt_cgroup_layout *l;

    (void)state;
    l = bolt_cgroup_layout_parse(mi_v2, NULL, NULL, &err);
    assert_non_null(l);
    assert_int_equal(l->mode, BOLT_CGROUP_V2);
    assert_int_equal(l->n_hiers, 1);
    assert_string_equal(l->hiers[0].mount, "/sys/fs/cgroup");
    bolt_cgroup_layout_free(l);

    /* A private mount (what the tests do): octal escapes decoded, trailing '/' ignored. */
    l = bolt_cgroup_layout_parse(mi_v2, NULL, "/tmp/my cg/", &err);
    assert_non_null(l);
    assert_int_equal(l->mode, BOLT_CGROUP_V2);
    assert_string_equal(l->hiers[0].mount, "/tmp/my cg");
    bolt_cgroup_layout_free(l);

    /* "/tmp/my" is not a parent of "/tmp/my cg". */
    assert_null(bolt_cgroup_layout_parse(mi_v2, NULL, "/tmp/my", &err));
    assert_int_equal(err.errnum, ENOENT);
    assert_non_null(strstr(err.msg, "no cgroup or cgroup2 filesystem is mounted at or below "
                                    "'/tmp/my'"));
    assert_null(bolt_cgroup_layout_parse("garbage\n\n1 2 3\n", NULL, NULL, &err));
}

static void
expect_path(const char *in, const char *id, const char *want)
{
    struct bolt_err err = {0};
    char *out = NULL;

    assert_int_equal(bolt_cgroup_path_resolve(in, id, &out, &err), 0);
    assert_string_equal(out, want);
    free(out);
}

static void
expect_path_error(const char *in, const char *id, const char *needle)
{
    struct bolt_err err = {0};
    char *out = NULL;

    assert_int_equal(bolt_cgroup_path_resolve(in, id, &out, &err), -1);
    assert_null(out);
    if (strstr(err.msg, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err.msg, needle);
}

static void
test_cgroups_path(void **state)
{
    (void)state;
    expect_path(NULL, "c1", "/bolt/c1");
    expect_path("", "c1", "/bolt/c1");
    expect_path("/machine/c1", "x", "/machine/c1");
    expect_path("//a///b/./c/", "x", "/a/b/c");
    expect_path("pods/p1", "x", "/bolt/pods/p1");
    expect_path_error("system.slice:bolt:c1", "c1", "systemd cgroup driver");
    expect_path_error("/a/../etc", "c1", "'..' is not allowed");
    expect_path_error("/", "c1", "hierarchy root");
    expect_path_error("//", "c1", "hierarchy root");
    expect_path_error(NULL, "a/b", "container id 'a/b'");
    expect_path_error(NULL, "..", "container id '..'");
    expect_path_error(NULL, "", "container id ''");
}

static void
test_conversions(void **state)
{
    (void)state;
    assert_int_equal(bolt_cgroup_shares_to_weight(0), 0);
    assert_int_equal(bolt_cgroup_shares_to_weight(1), 1);
    assert_int_equal(bolt_cgroup_shares_to_weight(2), 1);
    assert_int_equal(bolt_cgroup_shares_to_weight(1024), 39); /* runc/crun's well-known value */
    assert_int_equal(bolt_cgroup_shares_to_weight(262144), 10000);
    assert_int_equal(bolt_cgroup_shares_to_weight(1000000), 10000);
    assert_int_equal(bolt_cgroup_blkio_to_io_weight(0), 0);
    assert_int_equal(bolt_cgroup_blkio_to_io_weight(10), 1);
    assert_int_equal(bolt_cgroup_blkio_to_io_weight(500), 4950);
    assert_int_equal(bolt_cgroup_blkio_to_io_weight(1000), 10000);
}

/* A tiny interpreter for the instructions the builder emits; fails on anything else. */
static int
bpf_run(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access, uint32_t major,
        uint32_t minor)
{
    uint32_t ctx[3] = {(access << 16) | type, major, minor};
    uint64_t r[11] = {0};
    int set[11] = {0};
    size_t pc = 0;

    set[1] = 1;
    for (int steps = 0; steps < 10000; steps++) {
        const struct bpf_insn *i;
        if (pc >= n)
            fail_msg("pc %zu ran off the end (%zu insns)", pc, n);
        i = &p[pc++];
        switch (i->code) {
        case BPF_LDX | BPF_W | BPF_MEM:
            assert_int_equal(i->src_reg, 1);
            assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
            r[i->dst_reg] = ctx[i->off / 4];
            set[i->dst_reg] = 1;
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            assert_true(set[i->dst_reg]);
            r[i->dst_reg] = (uint32_t)r[i->dst_reg] & (uint32_t)i->imm;
            break;
        case BPF_ALU | BPF_RSH | BPF_K:
            assert_true(set[i->dst_reg]);
            r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
            break;
        case BPF_ALU64 | BPF_MOV | BPF_X:
            assert_true(set[i->src_reg]);
            r[i->dst_reg] = r[i->src_reg];
            set[i->dst_reg] = 1;
            break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
            r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
            set[i->dst_reg] = 1;
            break;
        case BPF_JMP | BPF_JNE | BPF_K:
        case BPF_JMP | BPF_JEQ | BPF_K: {
            bool eq = r[i->dst_reg] == (uint64_t)(int64_t)i->imm;
            assert_true(set[i->dst_reg]);
            assert_true(i->off >= 0 && pc + (size_t)i->off < n);
            if (eq == ((i->code & 0xf0) == BPF_JEQ))
                pc += (size_t)i->off;
            break;
        }
        case BPF_JMP | BPF_EXIT:
            assert_true(set[0]);
            return (int)r[0];
        default:
            fail_msg("unexpected opcode 0x%02x at %zu", i->code, pc - 1);
        }
    }
    fail_msg("program does not terminate");
    return -1;
}

#define CHR BPF_DEVCG_DEV_CHAR
#define BLK BPF_DEVCG_DEV_BLOCK
#define RD  BPF_DEVCG_ACC_READ
#define WR  BPF_DEVCG_ACC_WRITE
#define MK  BPF_DEVCG_ACC_MKNOD

struct rule_case {
    uint32_t type, access, major, minor;
    int want;
};

static void
check_rules(const struct bolt_oci_device_rule *rules, size_t n, const struct rule_case *c,
            size_t nc)
{
    struct bolt_err err = {0};
    struct bpf_insn *insns = NULL;
    size_t n_insns = 0;

    assert_int_equal(bolt_cgroup_bpf_build(rules, n, &insns, &n_insns, &err), 0);
    assert_true(n_insns >= 8);
    assert_int_equal(insns[n_insns - 1].code, BPF_JMP | BPF_EXIT);
    for (size_t i = 0; i < nc; i++) {
        int got = bpf_run(insns, n_insns, c[i].type, c[i].access, c[i].major, c[i].minor);
        if (got != c[i].want)
            fail_msg("case %zu (%s %u:%u access %u): got %d want %d", i,
                     c[i].type == CHR ? "c" : "b", c[i].major, c[i].minor, c[i].access, got,
                     c[i].want);
    }
    free(insns);
}

static void
test_bpf_default_policy(void **state)
{
    size_t nd = 0;
    const struct bolt_oci_device_rule *d = bolt_cgroup_default_device_rules(&nd);
    struct bolt_oci_device_rule *rules = xcalloc(nd + 1, sizeof(*rules));
    static const struct rule_case cases[] = {
        {CHR, RD | WR, 1, 3, 1},   /* /dev/null */
        {CHR, RD, 1, 9, 1},        /* /dev/urandom */
        {CHR, RD | WR, 136, 7, 1}, /* /dev/pts/7 */
        {CHR, RD, 1, 4, 0},        /* /dev/port: not allowed */
        {CHR, RD | WR, 195, 0, 0}, /* /dev/nvidia0 not granted */
        {BLK, MK, 8, 0, 1},        /* mknod of any node is allowed */
        {BLK, RD, 8, 0, 0},        /* but not reading a disk */
        {CHR, MK | RD, 10, 200, 0},
    };

    (void)state;
    rules[0] = (struct bolt_oci_device_rule){
        .allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"};
    memcpy(rules + 1, d, nd * sizeof(*d));
    check_rules(rules, nd + 1, cases, sizeof(cases) / sizeof(cases[0]));
    free(rules);
}

static void
test_bpf_order_and_access(void **state)
{
    /* allow everything, then deny writes to 1:3, then grant a GPU node, later rule wins. */
    static const struct bolt_oci_device_rule r1[] = {
        {.allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
        {.allow = false, .type = 'c', .major = 1, .minor = 3, .access = "w"},
        {.allow = false, .type = 'c', .major = 195, .minor = -1, .access = "rwm"},
        {.allow = true, .type = 'c', .major = 195, .minor = 0, .access = "rw"},
    };
    static const struct rule_case c1[] = {
        {CHR, RD, 1, 3, 1},   {CHR, WR, 1, 3, 0},        {CHR, RD | WR, 1, 3, 0},
        {BLK, WR, 1, 3, 1},   {CHR, RD | WR, 195, 0, 1}, {CHR, RD | WR, 195, 1, 0},
        {CHR, MK, 195, 0, 0}, {CHR, RD, 4, 1, 1},
    };
    /* No wildcard rule: the default stays "allow" like a fresh v1 cgroup. */
    static const struct bolt_oci_device_rule r2[] = {
        {.allow = false, .type = 'b', .major = 8, .minor = -1, .access = ""},
    };
    static const struct rule_case c2[] = {
        {BLK, RD, 8, 1, 0}, {BLK, RD, 9, 1, 1}, {CHR, RD, 8, 1, 1}};
    /* Everything before the last "a" reset is dead. */
    static const struct bolt_oci_device_rule r3[] = {
        {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
        {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
        {.allow = true, .type = 'a', .major = 5, .minor = -1, .access = "r"},
    };
    static const struct rule_case c3[] = {
        {CHR, RD, 1, 3, 0}, {CHR, RD, 5, 0, 1}, {BLK, RD, 5, 9, 1}, {CHR, RD | WR, 5, 0, 0}};

    (void)state;
    check_rules(r1, 4, c1, sizeof(c1) / sizeof(c1[0]));
    check_rules(r2, 1, c2, sizeof(c2) / sizeof(c2[0]));
    check_rules(r3, 3, c3, sizeof(c3) / sizeof(c3[0]));
}

static void
test_bpf_bad_rules(void **state)
{
    struct bolt_oci_device_rule r = {
        .allow = true, .type = 'x', .major = 1, .minor = 1, .access = "r"};
    struct bolt_err err = {0};
    struct bpf_insn *insns = NULL;
    size_t n = 0;

    (void)state;
    assert_int_equal(bolt_cgroup_bpf_build(&r, 1, &insns, &n, &err), -1);
    assert_non_null(strstr(err.msg, "devices[0].type 'x'"));
    r.type = 'c';
    strcpy(r.access, "rq");
    assert_int_equal(bolt_cgroup_bpf_build(&r, 1, &insns, &n, &err), -1);
    assert_non_null(strstr(err.msg, "devices[0].access 'rq'"));
    assert_null(insns);
}

static void
test_state_roundtrip(void **state)
{
    static const char s[] =
        "{\"version\":1,\"mode\":\"hybrid\",\"path\":\"/bolt/c1\",\"hierarchies\":["
        "{\"v2\":false,\"mount\":\"/sys/fs/cgroup/memory\",\"root\":\"/\",\"controllers\":["
        "\"memory\"]},{\"v2\":true,\"mount\":\"/sys/fs/cgroup/unified\",\"root\":\"/\","
        "\"controllers\":[\"hugetlb\"]}],\"created\":[\"/sys/fs/cgroup/memory/bolt/c1\","
        "\"/sys/fs/cgroup/unified/bolt\",\"/sys/fs/cgroup/unified/bolt/c1\"]}";
    struct bolt_err err = {0};
    struct bolt_cgroup *cg;
    char *out;

    (void)state;
    cg = bolt_cgroup_from_string(s, &err);
    assert_non_null(cg);
    assert_int_equal(bolt_cgroup_mode(cg), BOLT_CGROUP_HYBRID);
    assert_string_equal(bolt_cgroup_path(cg), "/bolt/c1");
    assert_string_equal(bolt_cgroup_dir(cg, "memory"), "/sys/fs/cgroup/memory/bolt/c1");
    assert_string_equal(bolt_cgroup_dir(cg, "hugetlb"), "/sys/fs/cgroup/unified/bolt/c1");
    assert_string_equal(bolt_cgroup_dir(cg, NULL), "/sys/fs/cgroup/unified/bolt/c1");
    assert_null(bolt_cgroup_dir(cg, "pids"));
    out = bolt_cgroup_to_string(cg);
    assert_string_equal(out, s);
    free(out);
    bolt_cgroup_free(cg);
}

static void
expect_state_error(const char *s, const char *needle)
{
    struct bolt_err err = {0};

    assert_null(bolt_cgroup_from_string(s, &err));
    if (strstr(err.msg, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err.msg, needle);
}

static void
test_state_bad(void **state)
{
    (void)state;
    expect_state_error("{", "invalid JSON");
    expect_state_error("{\"version\":2}", "expected {version: 1");
    expect_state_error("{\"version\":1,\"mode\":\"v3\",\"path\":\"/a\",\"hierarchies\":[],"
                       "\"created\":[]}",
                       "mode 'v3'");
    expect_state_error("{\"version\":1,\"mode\":\"v2\",\"path\":\"/a\",\"hierarchies\":[{\"v2\":"
                       "true,\"mount\":\"rel\",\"controllers\":[]}],\"created\":[]}",
                       "hierarchies[0]");
    /* destroy must never rmdir outside the container's own path */
    expect_state_error("{\"version\":1,\"mode\":\"v2\",\"path\":\"/a/b\",\"hierarchies\":[{\"v2\":"
                       "true,\"mount\":\"/cg\",\"controllers\":[]}],\"created\":[\"/cg/other\"]}",
                       "created[0]");
    expect_state_error("{\"version\":1,\"mode\":\"v2\",\"path\":\"/a/b\",\"hierarchies\":[{\"v2\":"
                       "true,\"mount\":\"/cg\",\"controllers\":[]}],\"created\":[\"/cg/a/bc\"]}",
                       "created[0]");
    expect_state_error("{\"version\":1,\"mode\":\"v2\",\"path\":\"/a/../b\",\"hierarchies\":[],"
                       "\"created\":[]}",
                       "expected {version: 1");
}

static void
test_proc_path(void **state)
{
    struct bolt_err err = {0};
    struct bolt_cgroup_layout *l = bolt_cgroup_layout_parse(mi_hybrid, proc_cgroups, NULL, &err);
    struct bolt_cgroup_layout *l2 = bolt_cgroup_layout_parse(mi_v2, NULL, NULL, &err);
    char *p;

    (void)state;
    assert_non_null(l);
    /* the session's memory cgroup differs; the pids line names the container */
    p = cgroup_proc_path("9:name=systemd:/\n8:pids:/bolt/c1\n4:memory:/process_api/x\n"
                         "2:cpuacct:/\n0::/bolt/c1\n",
                         l, &err);
    assert_non_null(p);
    assert_string_equal(p, "/bolt/c1");
    free(p);
    /* co-mounted controllers on one line */
    p = cgroup_proc_path("3:memory,pids:/x/y\n", l, &err);
    assert_string_equal(p, "/x/y");
    free(p);
    assert_null(cgroup_proc_path("8:pids:/\n4:memory:/\n0::/\n", l, &err));
    assert_int_equal(err.errnum, EINVAL);
    assert_null(cgroup_proc_path("garbage", l, &err));
    assert_int_equal(err.errnum, ENOENT);
    p = cgroup_proc_path("0::/bolt/c2\n", l2, &err);
    assert_string_equal(p, "/bolt/c2");
    free(p);
    /* a sub-tree mount: mountinfo root is removed from the path */
    free(l2->hiers[0].root);
    l2->hiers[0].root = xstrdup("/outer");
    p = cgroup_proc_path("0::/outer/bolt/c3\n", l2, &err);
    assert_string_equal(p, "/bolt/c3");
    free(p);
    bolt_cgroup_layout_free(l);
    bolt_cgroup_layout_free(l2);
}

static void
test_io_stats(void **state)
{
    struct bolt_cgroup_stats st = {0};

    (void)state;
    cgroup_parse_io_v1("8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 1\n8:0 Total 12288\n"
                       "8:16 Read 1\n8:16 Write 2\nTotal 12291\n",
                       &st);
    assert_int_equal(st.io_read_bytes, 4097);
    assert_int_equal(st.io_write_bytes, 8194);
    memset(&st, 0, sizeof(st));
    cgroup_parse_io_v2("8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n"
                       "253:1 rbytes=5 wbytes=7 rios=1 wios=1\n259:0\n",
                       &st);
    assert_int_equal(st.io_read_bytes, 105);
    assert_int_equal(st.io_write_bytes, 207);
}

/*
 * Limits are written to the right files with the right values: a fake cgroup tree of
 * plain files (the kernel's own files cannot be made on a tmpfs), one directory per
 * hierarchy, and a handle pointing at it.
 */
static char *
fake_tree(const char *const *files)
{
    char *dir = xstrdup("/tmp/bolt-unit-cgroup-XXXXXX");

    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; files[i]; i++) {
        char *p = xasprintf("%s/%s", dir, files[i]);
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        if (strcmp(files[i], "cgroup.controllers") == 0)
            assert_int_equal(write(fd, "cpu memory pids io cpuset hugetlb\n", 34), 34);
        close(fd);
        free(p);
    }
    return dir;
}

static void
expect_file(const char *dir, const char *file, const char *want)
{
    char *p = xasprintf("%s/%s", dir, file);
    char *got = bolt_read_file(p, NULL, NULL);

    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s'", file, got, want);
    free(got);
    free(p);
}

static struct bolt_cgroup *
fake_handle(bool v2, char **dirs, size_t n, const char *const *ctls)
{
    struct bolt_cgroup *cg = xzalloc(sizeof(*cg));

    cg->layout = xzalloc(sizeof(*cg->layout));
    cg->layout->mode = v2 ? BOLT_CGROUP_V2 : BOLT_CGROUP_V1;
    cg->layout->n_hiers = n;
    cg->layout->hiers = xcalloc(n, sizeof(*cg->layout->hiers));
    cg->dirs = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        cg->layout->hiers[i].v2 = v2;
        cg->layout->hiers[i].mount = xstrdup(dirs[i]);
        cg->layout->hiers[i].root = xstrdup("/");
        if (v2) {
            for (size_t j = 0; ctls[j]; j++)
                bolt_strv_push(&cg->layout->hiers[i].controllers, ctls[j]);
        } else {
            bolt_strv_push(&cg->layout->hiers[i].controllers, ctls[i]);
        }
        cg->dirs[i] = xstrdup(dirs[i]);
    }
    cg->path = xstrdup("/fake");
    return cg;
}

static struct bolt_oci_resources
sample_resources(void)
{
    static struct bolt_oci_hugepage_limit huge = {.page_size = (char *)"2MB", .limit = 4194304};

    return (struct bolt_oci_resources){
        .has_memory_limit = true,
        .memory_limit = 100 << 20,
        .has_memory_swap = true,
        .memory_swap = 150 << 20,
        .has_memory_reservation = true,
        .memory_reservation = 50 << 20,
        .has_cpu_shares = true,
        .cpu_shares = 1024,
        .has_cpu_quota = true,
        .cpu_quota = 50000,
        .has_cpu_period = true,
        .cpu_period = 100000,
        .cpu_cpus = (char *)"0-1",
        .cpu_mems = (char *)"0",
        .has_pids_limit = true,
        .pids_limit = 42,
        .hugepage_limits = &huge,
        .n_hugepage_limits = 1,
        .has_blkio_weight = true,
        .blkio_weight = 500,
    };
}

static void
test_limits_v2_files(void **state)
{
    static const char *const files[] = {"cgroup.controllers", "memory.max",  "memory.swap.max",
                                        "memory.low",         "cpu.weight",  "cpu.max",
                                        "cpuset.cpus",        "cpuset.mems", "pids.max",
                                        "hugetlb.2MB.max",    "io.weight",   NULL};
    static const char *const ctls[] = {"cpu", "memory", "pids", "io", "cpuset", "hugetlb", NULL};
    char *dir = fake_tree(files);
    struct bolt_cgroup *cg = fake_handle(true, &dir, 1, ctls);
    struct bolt_oci_resources r = sample_resources();
    struct bolt_err err = {0};

    (void)state;
    if (cgroup_apply_resources(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    expect_file(dir, "memory.max", "104857600");
    expect_file(dir, "memory.swap.max", "52428800"); /* OCI swap counts memory too */
    expect_file(dir, "memory.low", "52428800");
    expect_file(dir, "cpu.weight", "39");
    expect_file(dir, "cpu.max", "50000 100000");
    expect_file(dir, "cpuset.cpus", "0-1");
    expect_file(dir, "pids.max", "42");
    expect_file(dir, "hugetlb.2MB.max", "4194304");
    expect_file(dir, "io.weight", "4950");
    /* quota -1 and pids 0 mean unlimited */
    r = (struct bolt_oci_resources){
        .has_cpu_quota = true, .cpu_quota = -1, .has_pids_limit = true, .pids_limit = 0};
    assert_int_equal(cgroup_apply_resources(cg, &r, &err), 0);
    expect_file(dir, "cpu.max", "max 100000");
    expect_file(dir, "pids.max", "max");
    /* a page size the host does not have */
    r = sample_resources();
    r.hugepage_limits[0].page_size = (char *)"1GB";
    assert_int_equal(cgroup_apply_resources(cg, &r, &err), -1);
    assert_non_null(strstr(err.msg, "pageSize '1GB': no such huge page size on this host "
                                    "(have: 2MB)"));
    r.hugepage_limits[0].page_size = (char *)"2MB";
    bolt_cgroup_free(cg);
    bolt_rm_rf(dir, NULL);
    free(dir);
}

static void
test_limits_v1_files(void **state)
{
    static const char *const mem[] = {"memory.limit_in_bytes",      "memory.memsw.limit_in_bytes",
                                      "memory.soft_limit_in_bytes", "memory.swappiness",
                                      "memory.oom_control",         NULL};
    static const char *const cpu[] = {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us", NULL};
    static const char *const cpuset[] = {"cpuset.cpus", "cpuset.mems", NULL};
    static const char *const pids[] = {"pids.max", NULL};
    static const char *const blkio[] = {"blkio.bfq.weight", NULL};
    static const char *const ctls[] = {"memory", "cpu", "cpuset", "pids", "blkio"};
    char *dirs[5] = {fake_tree(mem), fake_tree(cpu), fake_tree(cpuset), fake_tree(pids),
                     fake_tree(blkio)};
    struct bolt_cgroup *cg = fake_handle(false, dirs, 5, ctls);
    struct bolt_oci_resources r = sample_resources();
    struct bolt_err err = {0};

    (void)state;
    r.n_hugepage_limits = 0;
    r.has_memory_swappiness = true;
    r.memory_swappiness = 10;
    r.disable_oom_killer = true;
    if (cgroup_apply_resources(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    expect_file(dirs[0], "memory.limit_in_bytes", "104857600");
    expect_file(dirs[0], "memory.memsw.limit_in_bytes", "157286400");
    expect_file(dirs[0], "memory.soft_limit_in_bytes", "52428800");
    expect_file(dirs[0], "memory.swappiness", "10");
    expect_file(dirs[0], "memory.oom_control", "1");
    expect_file(dirs[1], "cpu.shares", "1024");
    expect_file(dirs[1], "cpu.cfs_period_us", "100000");
    expect_file(dirs[1], "cpu.cfs_quota_us", "50000");
    expect_file(dirs[2], "cpuset.mems", "0");
    expect_file(dirs[3], "pids.max", "42");
    expect_file(dirs[4], "blkio.bfq.weight", "500"); /* blkio.weight absent: the bfq file */
    /* hugetlb is not in this layout: the error names the limit and the layout */
    r = sample_resources();
    assert_int_equal(cgroup_apply_resources(cg, &r, &err), -1);
    assert_non_null(strstr(err.msg, "linux.resources.hugepageLimits: this host has no "
                                    "'hugetlb' cgroup controller (layout v1: memory cpu "
                                    "cpuset pids blkio)"));
    bolt_cgroup_free(cg);
    for (size_t i = 0; i < 5; i++) {
        bolt_rm_rf(dirs[i], NULL);
        free(dirs[i]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_hybrid),
        cmocka_unit_test(test_layout_v1),
        cmocka_unit_test(test_layout_v2_and_under),
        cmocka_unit_test(test_cgroups_path),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_bpf_default_policy),
        cmocka_unit_test(test_bpf_order_and_access),
        cmocka_unit_test(test_bpf_bad_rules),
        cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_state_bad),
        cmocka_unit_test(test_proc_path),
        cmocka_unit_test(test_io_stats),
        cmocka_unit_test(test_limits_v2_files),
        cmocka_unit_test(test_limits_v1_files),
    };

    return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
