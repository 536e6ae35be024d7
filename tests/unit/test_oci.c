/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "oci/spec.h"
#include "util/fs.h"
#include "util/mem.h"

/* Every member bolt models, written the way bolt_oci_spec_to_json writes it. */
static const char full_doc[] =
    "{\"ociVersion\": \"1.2.0\","
    " \"process\": {\"terminal\": true, \"consoleSize\": {\"height\": 24, \"width\": 80},"
    "  \"user\": {\"uid\": 1000, \"gid\": 1001, \"umask\": 18, \"additionalGids\": [5, 6]},"
    "  \"args\": [\"/bin/sh\", \"-c\", \"echo hi\"], \"env\": [\"PATH=/bin\", \"A=b=c\"],"
    "  \"cwd\": \"/work\","
    "  \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"], \"effective\": "
    "[\"CAP_KILL\"], \"inheritable\": [], \"permitted\": [\"CAP_KILL\"], \"ambient\": []},"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 2048, \"soft\": 1024},"
    "               {\"type\": \"RLIMIT_CORE\", \"hard\": -1, \"soft\": -1}],"
    "  \"noNewPrivileges\": true, \"oomScoreAdj\": -500, \"apparmorProfile\": \"prof\","
    "  \"selinuxLabel\": \"system_u:system_r:container_t:s0\"},"
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"hostname\": \"box\", \"domainname\": \"example.org\","
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv/data\", \"options\": "
    "[\"rbind\", \"ro\", \"rprivate\"],"
    "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "   \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]}],"
    " \"hooks\": {\"prestart\": [{\"path\": \"/usr/bin/legacy\"}],"
    "  \"createRuntime\": [{\"path\": \"/usr/bin/hook\", \"args\": [\"hook\", \"create\"], "
    "\"env\": [\"X=1\"], \"timeout\": 5}],"
    "  \"createContainer\": [], \"startContainer\": [{\"path\": \"/bin/start\"}],"
    "  \"poststart\": [{\"path\": \"/bin/post\"}], \"poststop\": [{\"path\": \"/bin/stop\", "
    "\"timeout\": 1}]},"
    " \"annotations\": {\"org.example/a\": \"1\", \"b\": \"two\"},"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": "
    "\"/run/netns/x\"},"
    "   {\"type\": \"mount\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"user\"},"
    "   {\"type\": \"cgroup\"}, {\"type\": \"time\"}],"
    "  \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
    "  \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
    "  \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229, "
    "\"fileMode\": 438, \"uid\": 0, \"gid\": 0}],"
    "  \"resources\": {\"devices\": [{\"allow\": false, \"type\": \"a\", \"access\": \"rwm\"},"
    "     {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rw\"}],"
    "   \"memory\": {\"limit\": 536870912, \"reservation\": 268435456, \"swap\": 1073741824, "
    "\"swappiness\": 10, \"disableOOMKiller\": true},"
    "   \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"realtimeRuntime\": "
    "950000, \"realtimePeriod\": 1000000, \"cpus\": \"0-1\", \"mems\": \"0\"},"
    "   \"pids\": {\"limit\": 64},"
    "   \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200}],"
    "   \"blockIO\": {\"weight\": 500},"
    "   \"unified\": {\"memory.high\": \"400000000\"}},"
    "  \"cgroupsPath\": \"/bolt/test\","
    "  \"sysctl\": {\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmax\": \"1000000\"},"
    "  \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
    "   \"architectures\": [\"SCMP_ARCH_X86_64\"], \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],"
    "   \"listenerPath\": \"/run/seccomp.sock\", \"listenerMetadata\": \"meta\","
    "   \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
    "     {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": "
    "0, \"value\": 8, \"valueTwo\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
    "     {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]},"
    "  \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
    "  \"rootfsPropagation\": \"rslave\", \"mountLabel\": \"label\"}}";

static struct bolt_oci_spec *
parse_ok(const char *doc)
{
    struct bolt_err err = {0};
    struct bolt_oci_spec *s = bolt_oci_spec_parse(doc, strlen(doc), &err);

    if (s == NULL)
        fail_msg("parse failed: %s", err.msg);
    return s;
}

static void
test_parse_full_document(void **state)
{
    struct bolt_oci_spec *s = parse_ok(full_doc);
    struct bolt_oci_process *p = &s->process;
    struct bolt_oci_linux *l = &s->linux_;

    (void)state;
    assert_string_equal(s->oci_version, "1.2.0");
    assert_true(s->has_process);
    assert_true(p->terminal);
    assert_int_equal(p->console_height, 24);
    assert_int_equal(p->uid, 1000);
    assert_int_equal(p->gid, 1001);
    assert_true(p->has_umask);
    assert_int_equal(p->umask, 022);
    assert_int_equal(p->n_additional_gids, 2);
    assert_int_equal(p->additional_gids[1], 6);
    assert_string_equal(p->args[2], "echo hi");
    assert_null(p->args[3]);
    assert_string_equal(p->cwd, "/work");
    assert_string_equal(p->caps.bounding[1], "CAP_KILL");
    assert_non_null(p->caps.ambient);
    assert_null(p->caps.ambient[0]);
    assert_int_equal(p->n_rlimits, 2);
    assert_true(p->rlimits[1].hard == UINT64_MAX); /* -1 = RLIM_INFINITY */
    assert_true(p->no_new_privileges);
    assert_int_equal(p->oom_score_adj, -500);
    assert_true(s->root_readonly);
    assert_string_equal(s->domainname, "example.org");
    assert_int_equal(s->n_mounts, 2);
    assert_null(s->mounts[0].options);
    assert_string_equal(s->mounts[1].options[2], "rprivate");
    assert_int_equal(s->mounts[1].uid_mappings[0].host_id, 100000);
    assert_int_equal(s->hooks.n[BOLT_OCI_HOOK_PRESTART], 1);
    assert_int_equal(s->hooks.n[BOLT_OCI_HOOK_CREATE_CONTAINER], 0);
    assert_int_equal(s->hooks.list[BOLT_OCI_HOOK_CREATE_RUNTIME][0].timeout, 5);
    assert_string_equal(s->hooks.list[BOLT_OCI_HOOK_POSTSTOP][0].path, "/bin/stop");
    assert_int_equal(s->n_annotations, 2);
    assert_int_equal(l->n_namespaces, 8);
    assert_int_equal(l->namespaces[7].type, BOLT_NS_TIME);
    assert_string_equal(l->namespaces[1].path, "/run/netns/x");
    assert_int_equal(l->devices[0].minor, 229);
    assert_int_equal(l->devices[0].file_mode, 0666);
    assert_int_equal(l->resources.devices[0].major, -1);
    assert_string_equal(l->resources.devices[1].access, "rw");
    assert_int_equal(l->resources.memory_limit, 512 << 20);
    assert_true(l->resources.disable_oom_killer);
    assert_int_equal(l->resources.cpu_quota, 50000);
    assert_string_equal(l->resources.cpu_cpus, "0-1");
    assert_int_equal(l->resources.pids_limit, 64);
    assert_int_equal(l->resources.hugepage_limits[0].limit, 209715200);
    assert_int_equal(l->resources.blkio_weight, 500);
    assert_string_equal(l->resources.unified[0].key, "memory.high");
    assert_string_equal(l->sysctl[1].key, "kernel.shmmax");
    assert_string_equal(l->seccomp->syscalls[1].args[0].op, "SCMP_CMP_EQ");
    assert_int_equal(l->seccomp->syscalls[2].errno_ret, 13);
    assert_string_equal(l->rootfs_propagation, "rslave");
    assert_string_equal(l->mount_label, "label");
    bolt_oci_spec_free(s);
}

static void
test_round_trip(void **state)
{
    struct bolt_err err = {0};
    struct bolt_oci_spec *s = parse_ok(full_doc);
    json_t *orig = json_loads(full_doc, 0, NULL);
    json_t *out = bolt_oci_spec_to_json(s);
    cleanup_free char *text = json_dumps(out, 0);
    struct bolt_oci_spec *again = bolt_oci_spec_parse(text, strlen(text), &err);
    json_t *out2;

    (void)state;
    /* to_json writes back exactly the document it read */
    assert_true(json_equal(orig, out));
    assert_non_null(again);
    out2 = bolt_oci_spec_to_json(again);
    assert_true(json_equal(out, out2));
    assert_int_equal(bolt_oci_spec_validate(again, &err), 0);
    json_decref(orig);
    json_decref(out);
    json_decref(out2);
    bolt_oci_spec_free(s);
    bolt_oci_spec_free(again);
}

static void
test_default_spec(void **state)
{
    struct bolt_err err = {0};
    struct bolt_oci_spec *s = bolt_oci_spec_default();
    struct bolt_oci_spec *d;
    json_t *a, *b;

    (void)state;
    assert_int_equal(bolt_oci_spec_validate(s, &err), 0);
    assert_string_equal(s->root_path, "rootfs");
    assert_string_equal(s->process.args[0], "sh");
    assert_int_equal(bolt_strv_len(s->process.caps.bounding), 14);
    assert_int_equal(bolt_oci_spec_find_ns(s, BOLT_NS_PID), 0);
    assert_int_equal(bolt_oci_spec_find_ns(s, BOLT_NS_USER), -1);
    assert_true(bolt_oci_spec_find_ns(s, BOLT_NS_MOUNT) >= 0);
    assert_int_equal(s->n_mounts, 7);
    assert_string_equal(s->mounts[2].destination, "/dev/pts");
    d = bolt_oci_spec_dup(s);
    a = bolt_oci_spec_to_json(s);
    b = bolt_oci_spec_to_json(d);
    assert_true(json_equal(a, b));
    /* the copy is deep: editing it leaves the original alone */
    bolt_oci_spec_setenv(d, "PATH", "/x");
    assert_string_equal(bolt_oci_spec_getenv(d, "PATH"), "/x");
    assert_string_not_equal(bolt_oci_spec_getenv(s, "PATH"), "/x");
    json_decref(a);
    json_decref(b);
    bolt_oci_spec_free(s);
    bolt_oci_spec_free(d);
}

static void
test_save_and_load(void **state)
{
    struct bolt_err err = {0};
    char dir[] = "/tmp/bolt-oci-XXXXXX";
    cleanup_free char *path = NULL;
    struct bolt_oci_spec *s = parse_ok(full_doc);
    struct bolt_oci_spec *l;
    json_t *a, *b;

    (void)state;
    assert_non_null(mkdtemp(dir));
    path = xasprintf("%s/config.json", dir);
    assert_int_equal(bolt_oci_spec_save(s, path, &err), 0);
    l = bolt_oci_spec_load(path, &err);
    assert_non_null(l);
    a = bolt_oci_spec_to_json(s);
    b = bolt_oci_spec_to_json(l);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    bolt_oci_spec_free(l);
    /* errors name the file */
    assert_int_equal(bolt_write_file_atomic(path, "{\"process\": 3}", 14, 0644, &err), 0);
    assert_null(bolt_oci_spec_load(path, &err));
    {
        cleanup_free char *want = xasprintf("'%s': process: expected object", path);
        assert_string_equal(err.msg, want);
    }
    assert_int_equal(bolt_write_file_atomic(path, "{\"a\": ", 6, 0644, &err), 0);
    assert_null(bolt_oci_spec_load(path, &err));
    assert_non_null(strstr(err.msg, "config.json': line 1"));
    bolt_oci_spec_free(s);
    assert_int_equal(bolt_rm_rf(dir, &err), 0);
}

struct err_case {
    const char *doc;
    const char *msg;
};

static const struct err_case parse_errors[] = {
    {"[]", "config: expected a JSON object at the top level"},
    {"{\"ociVersion\": 1}", "ociVersion: expected string"},
    {"{\"process\": []}", "process: expected object"},
    {"{\"process\": {\"terminal\": \"yes\"}}", "process.terminal: expected boolean"},
    {"{\"process\": {\"consoleSize\": {\"height\": -1}}}",
     "process.consoleSize.height: expected integer between 0 and 4294967295"},
    {"{\"process\": {\"user\": {\"uid\": \"root\"}}}", "process.user.uid: expected integer"},
    {"{\"process\": {\"user\": {\"gid\": 1.5}}}", "process.user.gid: expected integer"},
    {"{\"process\": {\"user\": {\"umask\": true}}}", "process.user.umask: expected integer"},
    {"{\"process\": {\"user\": {\"additionalGids\": [1, \"x\"]}}}",
     "process.user.additionalGids[1]: expected integer between 0 and 4294967295"},
    {"{\"process\": {\"user\": {\"additionalGids\": 5}}}",
     "process.user.additionalGids: expected array"},
    {"{\"process\": {\"args\": \"sh\"}}", "process.args: expected array of strings"},
    {"{\"process\": {\"args\": [\"sh\", 1]}}", "process.args[1]: expected string"},
    {"{\"process\": {\"env\": [null]}}", "process.env[0]: expected string"},
    {"{\"process\": {\"cwd\": 7}}", "process.cwd: expected string"},
    {"{\"process\": {\"capabilities\": {\"bounding\": [1]}}}",
     "process.capabilities.bounding[0]: expected string"},
    {"{\"process\": {\"capabilities\": {\"ambient\": {}}}}",
     "process.capabilities.ambient: expected array of strings"},
    {"{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": \"x\"}]}}",
     "process.rlimits[0].hard: expected integer"},
    {"{\"process\": {\"rlimits\": [3]}}", "process.rlimits[0]: expected object"},
    {"{\"process\": {\"noNewPrivileges\": 1}}", "process.noNewPrivileges: expected boolean"},
    {"{\"process\": {\"oomScoreAdj\": 9999999999}}",
     "process.oomScoreAdj: expected integer between -2147483648 and 2147483647"},
    {"{\"root\": {\"path\": 1}}", "root.path: expected string"},
    {"{\"root\": {\"readonly\": \"true\"}}", "root.readonly: expected boolean"},
    {"{\"hostname\": false}", "hostname: expected string"},
    {"{\"mounts\": {}}", "mounts: expected array"},
    {"{\"mounts\": [{\"destination\": \"/a\"}, {\"destination\": 2}]}",
     "mounts[1].destination: expected string"},
    {"{\"mounts\": [{\"destination\": \"/a\", \"options\": [\"ro\", 1]}]}",
     "mounts[0].options[1]: expected string"},
    {"{\"mounts\": [{\"uidMappings\": [{\"size\": \"1\"}]}]}",
     "mounts[0].uidMappings[0].size: expected integer"},
    {"{\"hooks\": []}", "hooks: expected object"},
    {"{\"hooks\": {\"poststop\": [{\"path\": \"/x\", \"timeout\": \"5\"}]}}",
     "hooks.poststop[0].timeout: expected integer"},
    {"{\"hooks\": {\"createRuntime\": {}}}", "hooks.createRuntime: expected array"},
    {"{\"annotations\": {\"a\": 1}}", "annotations.a: expected string"},
    {"{\"linux\": 1}", "linux: expected object"},
    {"{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"foo\"}]}}",
     "linux.namespaces[1].type: unknown namespace type 'foo' (expected one of pid, network, "
     "mount, ipc, uts, user, cgroup, time)"},
    {"{\"linux\": {\"namespaces\": [{\"path\": \"/x\"}]}}",
     "linux.namespaces[0].type: required string is missing"},
    {"{\"linux\": {\"namespaces\": [{\"type\": \"ipc\", \"path\": 3}]}}",
     "linux.namespaces[0].path: expected string"},
    {"{\"linux\": {\"uidMappings\": [{\"hostID\": -1}]}}",
     "linux.uidMappings[0].hostID: expected integer between 0 and 4294967295"},
    {"{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"char\"}]}}",
     "linux.devices[0].type: expected a one-letter string, got 'char'"},
    {"{\"linux\": {\"devices\": [{\"major\": \"1\"}]}}",
     "linux.devices[0].major: expected integer"},
    {"{\"linux\": {\"resources\": {\"devices\": [{\"allow\": \"no\"}]}}}",
     "linux.resources.devices[0].allow: expected boolean"},
    {"{\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwmx\"}]}}}",
     "linux.resources.devices[0].access: expected a combination of 'r', 'w', 'm', got 'rwmx'"},
    {"{\"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}}",
     "linux.resources.memory.limit: expected integer"},
    {"{\"linux\": {\"resources\": {\"memory\": {\"swappiness\": -1}}}}",
     "linux.resources.memory.swappiness: expected non-negative integer"},
    {"{\"linux\": {\"resources\": {\"cpu\": {\"shares\": -2}}}}",
     "linux.resources.cpu.shares: expected non-negative integer"},
    {"{\"linux\": {\"resources\": {\"cpu\": {\"cpus\": 3}}}}",
     "linux.resources.cpu.cpus: expected string"},
    {"{\"linux\": {\"resources\": {\"pids\": {\"limit\": \"x\"}}}}",
     "linux.resources.pids.limit: expected integer"},
    {"{\"linux\": {\"resources\": {\"hugepageLimits\": [{\"pageSize\": 2}]}}}",
     "linux.resources.hugepageLimits[0].pageSize: expected string"},
    {"{\"linux\": {\"resources\": {\"blockIO\": {\"weight\": 70000}}}}",
     "linux.resources.blockIO.weight: expected integer between 10 and 1000"},
    {"{\"linux\": {\"resources\": {\"unified\": {\"memory.max\": 5}}}}",
     "linux.resources.unified.memory.max: expected string"},
    {"{\"linux\": {\"sysctl\": []}}", "linux.sysctl: expected object"},
    {"{\"linux\": {\"seccomp\": {\"syscalls\": [{\"names\": \"read\"}]}}}",
     "linux.seccomp.syscalls[0].names: expected array of strings"},
    {"{\"linux\": {\"seccomp\": {\"syscalls\": [{\"args\": [{\"index\": -1}]}]}}}",
     "linux.seccomp.syscalls[0].args[0].index: expected integer between 0 and 4294967295"},
    {"{\"linux\": {\"seccomp\": {\"defaultErrnoRet\": \"EPERM\"}}}",
     "linux.seccomp.defaultErrnoRet: expected integer"},
    {"{\"linux\": {\"maskedPaths\": \"/proc\"}}", "linux.maskedPaths: expected array of strings"},
    {"{\"linux\": {\"rootfsPropagation\": 1}}", "linux.rootfsPropagation: expected string"},
    {"{\"a\": ", "config: line 1 column 6: unexpected token near end of file"},
};

static void
test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_errors) / sizeof(parse_errors[0]); i++) {
        struct bolt_err err = {0};
        struct bolt_oci_spec *s =
            bolt_oci_spec_parse(parse_errors[i].doc, strlen(parse_errors[i].doc), &err);
        if (s != NULL)
            fail_msg("case %zu parsed: %s", i, parse_errors[i].doc);
        if (strcmp(err.msg, parse_errors[i].msg) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg, parse_errors[i].msg);
    }
}

static void
test_unknown_fields_ignored(void **state)
{
    struct bolt_err err = {0};
    struct bolt_oci_spec *s = parse_ok(
        "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\", \"future\": 1}, \"vm\": {},"
        " \"process\": {\"args\": [\"x\"], \"scheduler\": {\"policy\": \"SCHED_OTHER\"}},"
        " \"linux\": {\"intelRdt\": {}, \"personality\": {\"domain\": \"LINUX\"}}}");

    (void)state;
    assert_int_equal(bolt_oci_spec_validate(s, &err), 0);
    bolt_oci_spec_free(s);
}

/* A valid minimal document plus one member (JSON text after the root). */
#define BASE "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}"

static const struct err_case validate_errors[] = {
    {"{\"root\": {\"path\": \"r\"}}", "ociVersion: required (e.g. \"1.2.0\")"},
    {"{\"ociVersion\": \"1.2.0\"}",
     "root.path: required (the container's root filesystem, e.g. \"rootfs\")"},
    {BASE ", \"process\": {\"cwd\": \"/\"}}",
     "process.args: must name the program to run (non-empty array)"},
    {BASE ", \"process\": {\"args\": []}}",
     "process.args: must name the program to run (non-empty array)"},
    {BASE ", \"process\": {\"args\": [\"sh\"], \"cwd\": \"tmp\"}}",
     "process.cwd: must be an absolute path, got 'tmp'"},
    {BASE ", \"process\": {\"args\": [\"sh\"], \"env\": [\"NOVALUE\"]}}",
     "process.env[0]: expected KEY=VALUE, got 'NOVALUE'"},
    {BASE ", \"process\": {\"args\": [\"sh\"], \"user\": {\"umask\": 1024}}}",
     "process.user.umask: expected a mode between 0 and 0777"},
    {BASE ", \"process\": {\"args\": [\"sh\"], \"oomScoreAdj\": 1001}}",
     "process.oomScoreAdj: expected integer between -1000 and 1000"},
    {BASE ", \"process\": {\"args\": [\"sh\"], \"capabilities\": {\"permitted\": [\"CAP_KILL\", "
          "\"CAP_FLY\"]}}}",
     "process.capabilities.permitted[1]: unknown capability 'CAP_FLY' (expected a name such as "
     "CAP_CHOWN, see capabilities(7))"},
    {BASE ", \"process\": {\"args\": [\"sh\"], \"capabilities\": {\"bounding\": [\"chown\"]}}}",
     "process.capabilities.bounding[0]: unknown capability 'chown' (expected a name such as "
     "CAP_CHOWN, see capabilities(7))"},
    {BASE ", \"process\": {\"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_FILES\"}]}}",
     "process.rlimits[0].type: unknown rlimit 'RLIMIT_FILES' (expected RLIMIT_NOFILE, "
     "RLIMIT_NPROC, ... see getrlimit(2))"},
    {BASE ", \"process\": {\"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", "
          "\"soft\": 10, \"hard\": 5}]}}",
     "process.rlimits[0]: soft limit 10 is above the hard limit 5"},
    {BASE ", \"process\": {\"args\": [\"sh\"], \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\"}, "
          "{\"type\": \"RLIMIT_NOFILE\"}]}}",
     "process.rlimits[1].type: duplicate rlimit 'RLIMIT_NOFILE'"},
    {BASE ", \"mounts\": [{\"destination\": \"proc\", \"type\": \"proc\"}]}",
     "mounts[0].destination: destination must be an absolute path, got 'proc'"},
    {BASE ", \"mounts\": [{\"type\": \"proc\"}]}",
     "mounts[0].destination: destination must be an absolute path, got ''"},
    {BASE ", \"mounts\": [{\"destination\": \"/a\", \"options\": [\"nosuid\", \"fast\"]}]}",
     "mounts[0].options: invalid mount option 'fast' (expected a flag such as ro, nosuid, bind, "
     "rprivate, or key=value)"},
    {BASE ", \"mounts\": [{\"destination\": \"/a\", \"uidMappings\": [{\"size\": 1}]}]}",
     "mounts[0]: uidMappings and gidMappings must be given together"},
    {BASE ", \"hooks\": {\"poststart\": [{\"path\": \"hook.sh\"}]}}",
     "hooks.poststart[0].path: hook must be an absolute path, got 'hook.sh'"},
    {BASE ", \"hooks\": {\"createRuntime\": [{\"path\": \"/h\", \"timeout\": 0}]}}",
     "hooks.createRuntime[0].timeout: expected a number of seconds > 0, got 0"},
    {BASE ", \"hooks\": {\"prestart\": [{\"path\": \"/h\", \"timeout\": -3}]}}",
     "hooks.prestart[0].timeout: expected a number of seconds > 0, got -3"},
    {BASE ", \"hostname\": \"h\"}",
     "hostname: setting it needs a uts namespace (add {\"type\": \"uts\"} to linux.namespaces)"},
    {BASE ", \"annotations\": {\"\": \"x\"}}", "annotations: keys must not be empty"},
    {BASE ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}",
     "linux.namespaces[1].type: duplicate namespace 'pid' (list each type once)"},
    {BASE ", \"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"netns\"}]}}",
     "linux.namespaces[0].path: must be an absolute path, got 'netns'"},
    {BASE ", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}}",
     "linux.uidMappings: id mappings need a user namespace (add {\"type\": \"user\"} to "
     "linux.namespaces)"},
    {BASE ", \"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"size\": "
          "0}], \"gidMappings\": [{\"size\": 1}]}}",
     "linux.uidMappings[0].size: expected > 0"},
    {BASE ", \"linux\": {\"devices\": [{\"path\": \"dev/x\", \"type\": \"c\"}]}}",
     "linux.devices[0].path: device must be an absolute path, got 'dev/x'"},
    {BASE ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"z\"}]}}",
     "linux.devices[0].type: unknown device type 'z' (expected one of c, b, u, p)"},
    {BASE ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\"}]}}",
     "linux.devices[0].type: unknown device type '?' (expected one of c, b, u, p)"},
    {BASE ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"major\": -1, "
          "\"minor\": 1}]}}",
     "linux.devices[0]: major and minor are required for type 'c'"},
    {BASE ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"p\"}]}}}",
     "linux.resources.devices[0].type: unknown device type 'p' (expected one of a, c, b)"},
    {BASE ", \"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rx\"}]}}}",
     "linux.resources.devices[0].access: expected a combination of 'r', 'w', 'm', got 'rx'"},
    {BASE ", \"linux\": {\"resources\": {\"memory\": {\"limit\": 100, \"swap\": 50}}}}",
     "linux.resources.memory.swap: memory+swap limit 50 is below the memory limit 100"},
    {BASE ", \"linux\": {\"resources\": {\"memory\": {\"swappiness\": 101}}}}",
     "linux.resources.memory.swappiness: expected integer between 0 and 100"},
    {BASE ", \"linux\": {\"resources\": {\"blockIO\": {\"weight\": 5}}}}",
     "linux.resources.blockIO.weight: expected integer between 10 and 1000"},
    {BASE ", \"linux\": {\"resources\": {\"cpu\": {\"cpus\": \"0-\"}}}}",
     "linux.resources.cpu.cpus: expected a cpu list such as '0-3,5', got '0-'"},
    {BASE ", \"linux\": {\"resources\": {\"cpu\": {\"mems\": \"a\"}}}}",
     "linux.resources.cpu.mems: expected a node list such as '0-1', got 'a'"},
    {BASE ", \"linux\": {\"resources\": {\"hugepageLimits\": [{\"limit\": 1}]}}}",
     "linux.resources.hugepageLimits[0].pageSize: required (e.g. \"2MB\")"},
    {BASE ", \"linux\": {\"sysctl\": {\"vm.swappiness\": \"1\"}}}",
     "linux.sysctl.vm.swappiness: not namespaced, so it cannot be set for one container "
     "(allowed: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*, kernel.hostname, "
     "kernel.domainname)"},
    {BASE ", \"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}}",
     "linux.sysctl.net.ipv4.ip_forward: needs its own network namespace (add {\"type\": "
     "\"network\"} to linux.namespaces)"},
    {BASE ", \"linux\": {\"namespaces\": [{\"type\": \"network\"}], \"sysctl\": "
          "{\"kernel.shmmax\": \"1\"}}}",
     "linux.sysctl.kernel.shmmax: needs its own ipc namespace (add {\"type\": \"ipc\"} to "
     "linux.namespaces)"},
    {BASE ", \"linux\": {\"sysctl\": {\"kernel.hostname\": \"x\"}}}",
     "linux.sysctl.kernel.hostname: needs its own uts namespace (add {\"type\": \"uts\"} to "
     "linux.namespaces)"},
    {BASE ", \"linux\": {\"maskedPaths\": [\"/proc/kcore\", \"proc/keys\"]}}",
     "linux.maskedPaths[1]: must be an absolute path, got 'proc/keys'"},
    {BASE ", \"linux\": {\"readonlyPaths\": [\"sys\"]}}",
     "linux.readonlyPaths[0]: must be an absolute path, got 'sys'"},
    {BASE ", \"linux\": {\"rootfsPropagation\": \"rprivat\"}}",
     "linux.rootfsPropagation: unknown propagation 'rprivat' (expected one of private, "
     "rprivate, slave, rslave, shared, rshared, unbindable, runbindable)"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_DENY\"}}}",
     "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_DENY' (expected one of "
     "SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
     "SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG)"},
    {BASE ", \"linux\": {\"seccomp\": {}}}",
     "linux.seccomp.defaultAction: unknown action '' (expected one of SCMP_ACT_ALLOW, "
     "SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, "
     "SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG)"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOTIFY\"}}}",
     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default (the listener itself "
     "would be blocked)"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": "
          "\"sock\"}}}",
     "linux.seccomp.listenerPath: must be an absolute path, got 'sock'"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
          "[\"SCMP_ARCH_Z80\"]}}}",
     "linux.seccomp.architectures[0]: unknown architecture 'SCMP_ARCH_Z80' (expected a name such "
     "as SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_AARCH64)"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
          "[\"SECCOMP_FILTER_FLAG_FAST\"]}}}",
     "linux.seccomp.flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_FAST' (expected one of "
     "SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, "
     "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
          "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOPE\"}]}}}",
     "linux.seccomp.syscalls[0].action: unknown action 'SCMP_ACT_NOPE' (expected one of "
     "SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, "
     "SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
          "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}}}",
     "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
          "[{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]}}}",
     "linux.seccomp.syscalls[0].names: expected at least one syscall name"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
          "[{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, "
          "\"op\": \"SCMP_CMP_EQ\"}]}]}}}",
     "linux.seccomp.syscalls[0].args[0].index: expected 0..5 (a syscall has six arguments), got "
     "6"},
    {BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
          "[{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, "
          "\"op\": \"EQ\"}]}]}}}",
     "linux.seccomp.syscalls[0].args[0].op: unknown operator 'EQ' (expected one of SCMP_CMP_NE, "
     "SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)"},
};

static void
test_validate_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(validate_errors) / sizeof(validate_errors[0]); i++) {
        struct bolt_err err = {0};
        struct bolt_oci_spec *s = parse_ok(validate_errors[i].doc);
        if (bolt_oci_spec_validate(s, &err) == 0)
            fail_msg("case %zu validated: %s", i, validate_errors[i].doc);
        if (strcmp(err.msg, validate_errors[i].msg) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg, validate_errors[i].msg);
        bolt_oci_spec_free(s);
    }
}

static void
test_validate_accepts(void **state)
{
    static const char *const ok[] = {
        BASE "}",
        BASE ", \"process\": {\"args\": [\"sh\"]}}",
        BASE ", \"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"/run/netns/a\"}],"
             " \"sysctl\": {\"net.core.somaxconn\": \"1024\"}}}",
        BASE
        ", \"linux\": {\"namespaces\": [{\"type\": \"user\", \"path\": \"/proc/1/ns/user\"}]}}",
        BASE ", \"linux\": {\"namespaces\": [{\"type\": \"user\"}]}}",
        BASE ", \"linux\": {\"devices\": [{\"path\": \"/dev/p\", \"type\": \"p\"}]}}",
        BASE ", \"linux\": {\"resources\": {\"memory\": {\"limit\": 100, \"swap\": -1}}}}",
        BASE ", \"hostname\": \"\"}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct bolt_err err = {0};
        struct bolt_oci_spec *s = parse_ok(ok[i]);
        if (bolt_oci_spec_validate(s, &err) < 0)
            fail_msg("case %zu rejected: %s", i, err.msg);
        bolt_oci_spec_free(s);
    }
}

struct opt_case {
    const char *opts[6];
    unsigned long flags, clear, propagation;
    const char *data;
};

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static const struct opt_case opt_cases[] = {
    {{"ro", NULL}, MS_RDONLY, 0, 0, NULL},
    {{"ro", "rw", NULL}, 0, MS_RDONLY, 0, NULL},
    {{"nosuid", "nodev", "noexec", NULL}, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, 0, NULL},
    {{"suid", "dev", "exec", NULL}, 0, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, NULL},
    {{"sync", "dirsync", NULL}, MS_SYNCHRONOUS | MS_DIRSYNC, 0, 0, NULL},
    {{"sync", "async", NULL}, 0, MS_SYNCHRONOUS, 0, NULL},
    {{"remount", "mand", NULL}, MS_REMOUNT | MS_MANDLOCK, 0, 0, NULL},
    {{"nomand", NULL}, 0, MS_MANDLOCK, 0, NULL},
    {{"noatime", "nodiratime", NULL}, MS_NOATIME | MS_NODIRATIME, 0, 0, NULL},
    {{"atime", "diratime", NULL}, 0, MS_NOATIME | MS_NODIRATIME, 0, NULL},
    {{"relatime", NULL}, MS_RELATIME, 0, 0, NULL},
    {{"norelatime", NULL}, 0, MS_RELATIME, 0, NULL},
    {{"strictatime", NULL}, MS_STRICTATIME, 0, 0, NULL},
    {{"nostrictatime", NULL}, 0, MS_STRICTATIME, 0, NULL},
    {{"nosymfollow", NULL}, MS_NOSYMFOLLOW, 0, 0, NULL},
    {{"bind", NULL}, MS_BIND, 0, 0, NULL},
    {{"rbind", NULL}, MS_BIND | MS_REC, 0, 0, NULL},
    {{"private", NULL}, 0, 0, MS_PRIVATE, NULL},
    {{"rprivate", NULL}, 0, 0, MS_PRIVATE | MS_REC, NULL},
    {{"shared", NULL}, 0, 0, MS_SHARED, NULL},
    {{"rshared", NULL}, 0, 0, MS_SHARED | MS_REC, NULL},
    {{"slave", NULL}, 0, 0, MS_SLAVE, NULL},
    {{"rslave", NULL}, 0, 0, MS_SLAVE | MS_REC, NULL},
    {{"unbindable", NULL}, 0, 0, MS_UNBINDABLE, NULL},
    {{"runbindable", NULL}, 0, 0, MS_UNBINDABLE | MS_REC, NULL},
    {{"nosuid", "strictatime", "mode=755", "size=65536k", NULL},
     MS_NOSUID | MS_STRICTATIME,
     0,
     0,
     "mode=755,size=65536k"},
    {{"newinstance", "ptmxmode=0666", "x-systemd.automount", NULL},
     0,
     0,
     0,
     "newinstance,ptmxmode=0666"},
    {{"defaults", NULL}, 0, 0, 0, NULL},
    {{NULL}, 0, 0, 0, NULL},
};

static void
test_mount_opts_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(opt_cases) / sizeof(opt_cases[0]); i++) {
        const struct opt_case *c = &opt_cases[i];
        struct bolt_mount_opts o;
        struct bolt_err err = {0};

        if (bolt_mount_opts_parse((char *const *)c->opts, &o, &err) < 0)
            fail_msg("case %zu (%s): %s", i, c->opts[0], err.msg);
        if (o.flags != c->flags || o.clear_flags != c->clear || o.propagation != c->propagation)
            fail_msg("case %zu (%s): flags %#lx clear %#lx prop %#lx", i, c->opts[0], o.flags,
                     o.clear_flags, o.propagation);
        if (c->data)
            assert_string_equal(o.data, c->data);
        else
            assert_null(o.data);
        bolt_mount_opts_fini(&o);
    }
}

static void
test_mount_opts_special(void **state)
{
    struct bolt_mount_opts o;
    struct bolt_err err = {0};
    char *a[] = {(char *)"rbind", (char *)"ridmap",  (char *)"tmpcopyup",
                 (char *)"rro",   (char *)"rnosuid", NULL};
    char *b[] = {(char *)"idmap", (char *)"rrw", (char *)"rnoatime", NULL};
    char *bad[] = {(char *)"ro", (char *)"nosiud", NULL};
    char *empty[] = {(char *)"", NULL};
    char *eq[] = {(char *)"=x", NULL};

    (void)state;
    assert_int_equal(bolt_mount_opts_parse(a, &o, &err), 0);
    assert_true(o.bind && o.recursive && o.idmap && o.idmap_recursive && o.tmpcopyup);
    assert_true(o.rec_attr_set == (0x1 | 0x2)); /* MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID */
    assert_int_equal(o.rec_attr_clr, 0);
    bolt_mount_opts_fini(&o);
    assert_int_equal(bolt_mount_opts_parse(b, &o, &err), 0);
    assert_true(o.idmap && !o.idmap_recursive && !o.bind);
    assert_true(o.rec_attr_set == 0x10);         /* MOUNT_ATTR_NOATIME */
    assert_true(o.rec_attr_clr == (0x1 | 0x70)); /* RDONLY, the _ATIME field */
    bolt_mount_opts_fini(&o);
    assert_int_equal(bolt_mount_opts_parse(bad, &o, &err), -1);
    assert_string_equal(err.msg, "invalid mount option 'nosiud' (expected a flag such as ro, "
                                 "nosuid, bind, rprivate, or key=value)");
    assert_int_equal(bolt_mount_opts_parse(empty, &o, &err), -1);
    assert_string_equal(err.msg, "invalid mount option '' (expected a flag such as ro, nosuid, "
                                 "bind, rprivate, or key=value)");
    assert_int_equal(bolt_mount_opts_parse(eq, &o, &err), -1);
    assert_int_equal(bolt_mount_opts_parse(NULL, &o, &err), 0);
    assert_int_equal(o.flags, 0);
    bolt_mount_opts_fini(&o);
}

static void
test_edit_helpers(void **state)
{
    struct bolt_err err = {0};
    struct bolt_oci_spec *s = parse_ok(BASE "}");
    const char *const opts[] = {"rbind", "ro", NULL};

    (void)state;
    assert_null(bolt_oci_spec_getenv(s, "A"));
    bolt_oci_spec_setenv(s, "A", "1");
    bolt_oci_spec_setenv(s, "AB", "2");
    bolt_oci_spec_setenv(s, "A", "3");
    assert_string_equal(bolt_oci_spec_getenv(s, "A"), "3");
    assert_string_equal(bolt_oci_spec_getenv(s, "AB"), "2");
    assert_int_equal(bolt_strv_len(s->process.env), 2);
    bolt_oci_spec_add_mount(s, "/usr/lib/nvidia", "bind", "/opt/drv", opts);
    bolt_oci_spec_add_mount(s, "/tmp", "tmpfs", NULL, NULL);
    assert_int_equal(s->n_mounts, 2);
    assert_string_equal(s->mounts[0].options[1], "ro");
    assert_null(s->mounts[1].source);
    bolt_oci_spec_add_device(s, "/dev/nvidia0", 'c', 195, 0, 0666, "rw");
    bolt_oci_spec_add_device(s, "/dev/nvidiactl", 'c', 195, 255, 0666, NULL);
    assert_int_equal(s->linux_.n_devices, 2);
    assert_int_equal(s->linux_.resources.n_devices, 1);
    assert_true(s->linux_.resources.devices[0].allow);
    assert_int_equal(s->linux_.resources.devices[0].major, 195);
    assert_string_equal(s->linux_.resources.devices[0].access, "rw");
    bolt_oci_spec_set_annotation(s, "k", "v1");
    bolt_oci_spec_set_annotation(s, "k", "v2");
    assert_int_equal(s->n_annotations, 1);
    assert_string_equal(s->annotations[0].value, "v2");
    assert_int_equal(bolt_oci_spec_find_ns(s, BOLT_NS_NETWORK), -1);
    /* the edited spec survives serialization */
    s->process.args = bolt_strv_dup((char *const[]){(char *)"true", NULL});
    assert_int_equal(bolt_oci_spec_validate(s, &err), 0);
    {
        struct bolt_oci_spec *d = bolt_oci_spec_dup(s);
        assert_string_equal(d->linux_.devices[1].path, "/dev/nvidiactl");
        assert_string_equal(bolt_oci_spec_getenv(d, "AB"), "2");
        bolt_oci_spec_free(d);
    }
    bolt_oci_spec_free(s);
}

static void
test_name_tables(void **state)
{
    (void)state;
    assert_int_equal(bolt_oci_cap_from_name("CAP_CHOWN"), 0);
    assert_int_equal(bolt_oci_cap_from_name("CAP_SYS_ADMIN"), 21);
    assert_int_equal(bolt_oci_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
    assert_int_equal(bolt_oci_cap_from_name("CAP_NOPE"), -1);
    assert_int_equal(bolt_oci_rlimit_from_name("RLIMIT_NOFILE"), 7);
    assert_int_equal(bolt_oci_rlimit_from_name("RLIMIT_RTTIME"), 15);
    assert_int_equal(bolt_oci_rlimit_from_name("NOFILE"), -1);
    assert_string_equal(bolt_oci_ns_names[BOLT_NS_NETWORK], "network");
    assert_int_equal(bolt_oci_ns_clone_flags[BOLT_NS_USER], 0x10000000);
    assert_string_equal(bolt_oci_hook_names[BOLT_OCI_HOOK_CREATE_CONTAINER], "createContainer");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full_document), cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_default_spec),        cmocka_unit_test(test_save_and_load),
        cmocka_unit_test(test_parse_errors),        cmocka_unit_test(test_unknown_fields_ignored),
        cmocka_unit_test(test_validate_errors),     cmocka_unit_test(test_validate_accepts),
        cmocka_unit_test(test_mount_opts_table),    cmocka_unit_test(test_mount_opts_special),
        cmocka_unit_test(test_edit_helpers),        cmocka_unit_test(test_name_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
