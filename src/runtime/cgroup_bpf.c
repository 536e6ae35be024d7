/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device control on cgroup2: cgroup2 has no devices controller, the kernel runs a
 * BPF_PROG_TYPE_CGROUP_DEVICE program on every device open/mknod instead. We write the
 * instructions ourselves (no libbpf) from the OCI rule list.
 *
 * Program shape (r1 = struct bpf_cgroup_dev_ctx *):
 *   r2 = ctx->access_type & 0xffff      device type (BPF_DEVCG_DEV_CHAR/BLOCK)
 *   r3 = ctx->access_type >> 16         requested access (BPF_DEVCG_ACC_MKNOD|READ|WRITE)
 *   r4 = ctx->major; r5 = ctx->minor
 *   one block per rule, last rule first (the last matching rule wins, as with the v1
 *   devices.allow/deny sequence): if every test passes, return 1 (allow) or 0 (deny)
 *   return the default: the verdict of the last "a *:* ..." rule, allow when there is none
 *   (a new v1 cgroup also starts from "allow everything").
 * An allow rule matches when it covers every requested access bit; a deny rule matches
 * when it shares any bit with the request (v1 checks deny exceptions the same way).
 */
#include "runtime/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup_internal.h"
#include "util/log.h"
#include "util/mem.h"

#define R0 BPF_REG_0
#define R1 BPF_REG_1

static struct bpf_insn
insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    return (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

struct prog {
    struct bpf_insn *v;
    size_t n, cap;
};

static size_t
emit(struct prog *p, struct bpf_insn i)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
    }
    p->v[p->n] = i;
    return p->n++;
}

static int
access_bits(const char *access, uint32_t *out)
{
    uint32_t bits = 0;

    if (access == NULL || access[0] == '\0')
        access = "rwm";
    for (const char *c = access; *c; c++) {
        if (*c == 'm')
            bits |= BPF_DEVCG_ACC_MKNOD;
        else if (*c == 'r')
            bits |= BPF_DEVCG_ACC_READ;
        else if (*c == 'w')
            bits |= BPF_DEVCG_ACC_WRITE;
        else
            return -1;
    }
    *out = bits;
    return 0;
}

static bool
is_wildcard_all(const struct bolt_oci_device_rule *r)
{
    return (r->type == 'a' || r->type == '\0') && r->major < 0 && r->minor < 0;
}

/* One rule block; conditional jumps go to the first instruction after the block. */
static void
emit_rule(struct prog *p, const struct bolt_oci_device_rule *r, uint32_t acc)
{
    size_t jumps[4], nj = 0;
    uint32_t all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

    if (r->type == 'c' || r->type == 'b')
        jumps[nj++] = emit(p, insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
                                   r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
    if (acc != all) {
        emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_3, 0, 0));
        if (r->allow) {
            emit(p, insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_6, 0, 0, (int32_t)(~acc & all)));
            jumps[nj++] = emit(p, insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_6, 0, 0, 0));
        } else {
            emit(p, insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_6, 0, 0, (int32_t)acc));
            jumps[nj++] = emit(p, insn(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_6, 0, 0, 0));
        }
    }
    if (r->major >= 0)
        jumps[nj++] = emit(p, insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t)r->major));
    if (r->minor >= 0)
        jumps[nj++] = emit(p, insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t)r->minor));
    emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, r->allow ? 1 : 0));
    emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    for (size_t i = 0; i < nj; i++)
        p->v[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
}

static int
check_rule(const struct bolt_oci_device_rule *r, size_t i, uint32_t *acc, struct bolt_err *err)
{
    if (r->type != 'a' && r->type != 'c' && r->type != 'b' && r->type != '\0')
        return bolt_err_set(err, EINVAL,
                            "linux.resources.devices[%zu].type '%c': expected 'a', 'c' or 'b'", i,
                            r->type);
    if (access_bits(r->access, acc) < 0)
        return bolt_err_set(err, EINVAL,
                            "linux.resources.devices[%zu].access '%s': expected letters of 'rwm'",
                            i, r->access);
    if (r->major > INT32_MAX || r->minor > INT32_MAX)
        return bolt_err_set(err, EINVAL, "linux.resources.devices[%zu]: major/minor out of range",
                            i);
    return 0;
}

int
bolt_cgroup_bpf_build(const struct bolt_oci_device_rule *rules, size_t n, struct bpf_insn **insns,
                      size_t *n_insns, struct bolt_err *err)
{
    struct prog p = {0};
    size_t first = 0;
    bool dflt = true;
    uint32_t acc = 0;

    for (size_t i = 0; i < n; i++) {
        if (check_rule(&rules[i], i, &acc, err) < 0)
            return -1;
        if (is_wildcard_all(&rules[i])) {
            first = i + 1; /* everything before it is overridden */
            dflt = rules[i].allow;
        }
    }
    emit(&p, insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, R1, 0, 0));
    emit(&p, insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
    emit(&p, insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, R1, 0, 0));
    emit(&p, insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
    emit(&p, insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, R1, 4, 0));
    emit(&p, insn(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, R1, 8, 0));
    for (size_t i = n; i > first; i--) {
        const struct bolt_oci_device_rule *r = &rules[i - 1];
        access_bits(r->access, &acc);
        emit_rule(&p, r, acc);
    }
    emit(&p, insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, dflt ? 1 : 0));
    emit(&p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    *insns = p.v;
    *n_insns = p.n;
    return 0;
}

static int
sys_bpf(int cmd, union bpf_attr *attr)
{
    return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int
prog_load(const struct bpf_insn *insns, size_t n, struct bolt_err *err)
{
    static char log[4096];
    union bpf_attr attr;
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = (uint32_t)n;
    attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
    fd = sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    if (errno != EINVAL && errno != EACCES)
        return bolt_err_set(err, errno, "load the device cgroup eBPF program (bpf BPF_PROG_LOAD)");
    /* Load again with the verifier log so the message says what it refused. */
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof(log);
    attr.log_level = 1;
    log[0] = '\0';
    fd = sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    return bolt_err_set(err, errno, "load the device cgroup eBPF program: verifier: %.300s", log);
}

/* Ids of the device programs attached to the cgroup right now (at most cap). */
static size_t
query_attached(int cgfd, uint32_t *ids, size_t cap)
{
    union bpf_attr attr;

    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (uint32_t)cgfd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
    attr.query.prog_cnt = (uint32_t)cap;
    if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
        return 0;
    return attr.query.prog_cnt < cap ? attr.query.prog_cnt : cap;
}

static void
detach_id(int cgfd, uint32_t id, const char *dir)
{
    union bpf_attr attr;
    cleanup_close int pfd = -1;

    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    pfd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
    if (pfd < 0) {
        log_warn("detach old device program %u from '%s': %s", id, dir, strerror(errno));
        return;
    }
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgfd;
    attr.attach_bpf_fd = (uint32_t)pfd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    if (sys_bpf(BPF_PROG_DETACH, &attr) < 0)
        log_warn("detach old device program %u from '%s': %s", id, dir, strerror(errno));
}

int
cgroup_bpf_attach_rules(const char *dir, const struct bolt_oci_device_rule *rules, size_t n,
                        struct bolt_err *err)
{
    cleanup_free struct bpf_insn *insns = NULL;
    cleanup_close int cgfd = -1;
    cleanup_close int pfd = -1;
    uint32_t old[64];
    size_t n_insns = 0, n_old;
    union bpf_attr attr;

    if (bolt_cgroup_bpf_build(rules, n, &insns, &n_insns, err) < 0)
        return -1;
    cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgfd < 0)
        return bolt_err_set(err, errno, "open cgroup '%s'", dir);
    pfd = prog_load(insns, n_insns, err);
    if (pfd < 0)
        return -1;
    n_old = query_attached(cgfd, old, sizeof(old) / sizeof(old[0]));
    /*
     * BPF_F_ALLOW_MULTI: every attached program must allow an access, and a nested
     * runtime can still attach its own programs below us. The old program is detached
     * only after the new one is in place, so there is no window without a policy.
     */
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgfd;
    attr.attach_bpf_fd = (uint32_t)pfd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
        return bolt_err_set(err, errno, "attach the device eBPF program to cgroup '%s'", dir);
    log_debug("attached device program (%zu insns, %zu rules) to '%s'", n_insns, n, dir);
    for (size_t i = 0; i < n_old; i++)
        detach_id(cgfd, old[i], dir);
    return 0;
}
