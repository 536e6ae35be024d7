/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boltfile/boltfile.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/units.h"

#define DIR "/nonexistent/stack"

static struct bolt_boltfile *
load(const char *text, struct bolt_bf_diags *diags)
{
    struct bolt_err err = {0};
    struct bolt_toml_value *root = bolt_toml_parse(text, strlen(text), &err);
    struct bolt_boltfile *bf;

    if (root == NULL)
        fail_msg("bad TOML in test: %s", err.msg);
    bf = bolt_boltfile_from_toml(root, "Boltfile.toml", DIR "/Boltfile.toml", NULL, diags, &err);
    bolt_toml_free(root);
    return bf;
}

static struct bolt_boltfile *
load_ok(const char *text)
{
    struct bolt_bf_diags d = {0};
    struct bolt_boltfile *bf = load(text, &d);

    if (bf == NULL)
        fail_msg("unexpected problem: %s", d.n ? d.msgs[0] : "?");
    return bf;
}

/* The file must be rejected with exactly these problems (NULL-terminated), in order. */
static void
expect(const char *text, const char *const *want)
{
    struct bolt_bf_diags d = {0};
    struct bolt_boltfile *bf = load(text, &d);
    size_t n = 0;

    assert_null(bf);
    for (; want[n]; n++) {
        if (n >= d.n)
            fail_msg("missing problem: %s", want[n]);
        assert_string_equal(d.msgs[n], want[n]);
    }
    if (d.n != n)
        fail_msg("extra problem: %s", d.msgs[n]);
    bolt_bf_diags_fini(&d);
}

static void
expect1(const char *text, const char *want)
{
    const char *list[] = {want, NULL};

    expect(text, list);
}

#define SVC "[services.web]\nimage = \"nginx\"\n"

static void
test_gaming_example(void **state)
{
    struct bolt_boltfile *bf = load_ok(
        "project = \"gaming-rig\"\n[services.steam]\nimage = \"ghcr.io/games-on-whales/steam:"
        "latest\"\nports = [\"8080:8080\"]\n[services.steam.gaming.gpu]\nruntime = \"nvbind\"\n"
        "isolation_level = \"exclusive\"\nmemory_limit = \"8GB\"\n"
        "[services.steam.gaming.gpu.nvbind]\ndriver = \"auto\"\ndevices = [\"gpu:0\"]\n"
        "performance_mode = \"ultra\"\nwsl2_optimized = true\n"
        "[services.steam.gaming.gpu.gaming]\nprofile = \"ultra-low-latency\"\n"
        "dlss_enabled = true\nrt_cores_enabled = true\nwine_optimizations = true\n"
        "[services.steam.gaming.audio]\nsystem = \"pipewire\"\nlatency = \"low\"\n");
    const struct bolt_bf_service *s = bolt_boltfile_service(bf, "steam");

    (void)state;
    assert_string_equal(bf->project, "gaming-rig");
    assert_int_equal(bf->n_services, 1);
    assert_string_equal(s->image, "ghcr.io/games-on-whales/steam:latest");
    assert_int_equal(s->n_ports, 1);
    assert_int_equal(s->ports[0].host_start, 8080);
    assert_int_equal(s->ports[0].container_start, 8080);
    assert_string_equal(s->ports[0].protocol, "tcp");
    assert_true(s->gpu.present);
    assert_string_equal(s->gpu.runtime, "nvbind");
    assert_string_equal(s->gpu.isolation_level, "exclusive");
    assert_true(s->gpu.memory_limit == 8ULL << 30);
    assert_string_equal(s->gpu.driver, "auto");
    assert_int_equal(s->gpu.n_devices, 1);
    assert_string_equal(s->gpu.devices[0], "gpu:0");
    assert_string_equal(s->gpu.performance_mode, "ultra");
    assert_true(s->gpu.wsl2_optimized && s->gpu.dlss_enabled && s->gpu.rt_cores_enabled);
    assert_true(s->gpu.wine_optimizations);
    assert_string_equal(s->gpu.profile, "ultra-low-latency");
    assert_string_equal(s->audio.system, "pipewire");
    assert_string_equal(s->audio.latency, "low");
    bolt_boltfile_free(bf);
}

static void
test_service_model(void **state)
{
    struct bolt_boltfile *bf =
        load_ok("[volumes.data]\n"
                "[services.db]\nimage = \"pg\"\nhealthcheck = { test = \"pg_isready\", interval = "
                "\"5s\" }\n"
                "[services.web]\nimage = \"app\"\ncommand = \"serve --name 'my app' \\\"x y\\\"\"\n"
                "environment = { A = \"1\", B = 2, C = true }\nlabels = [\"k=v\"]\n"
                "volumes = [\"./html:/www:ro\", \"data:/data\", \"/anon\", \"/abs:/abs\"]\n"
                "ports = [\"127.0.0.1:8000-8001:80-81/udp\", 53, { target = 443, published = 8443, "
                "host_ip = \"::1\", protocol = \"sctp\" }, { target = 9 }]\n"
                "depends_on = { db = { condition = \"service_healthy\" } }\n"
                "restart = \"on-failure:5\"\nmemory = \"1.5g\"\ncpus = \"0.5\"\n"
                "cap_add = [\"sys_admin\", \"CAP_NET_RAW\"]\nstop_signal = \"term\"\n"
                "stop_grace_period = \"1m30s\"\n");
    const struct bolt_bf_service *w = bolt_boltfile_service(bf, "web");
    const struct bolt_bf_service *db = bolt_boltfile_service(bf, "db");
    size_t order[2];

    (void)state;
    assert_string_equal(bf->project, "stack");
    assert_string_equal(w->command[1], "--name");
    assert_string_equal(w->command[2], "my app");
    assert_string_equal(w->command[3], "x y");
    assert_null(w->command[4]);
    assert_string_equal(w->environment[1], "B=2");
    assert_string_equal(w->environment[2], "C=true");
    assert_string_equal(w->labels[0], "k=v");
    assert_int_equal(w->n_volumes, 4);
    assert_int_equal(w->volumes[0].type, BOLT_BF_VOLUME_BIND);
    assert_string_equal(w->volumes[0].source, DIR "/html");
    assert_true(w->volumes[0].read_only);
    assert_int_equal(w->volumes[1].type, BOLT_BF_VOLUME_NAMED);
    assert_int_equal(w->volumes[2].type, BOLT_BF_VOLUME_ANONYMOUS);
    assert_string_equal(w->volumes[3].source, "/abs");
    assert_string_equal(w->ports[0].host_ip, "127.0.0.1");
    assert_int_equal(w->ports[0].host_end, 8001);
    assert_int_equal(w->ports[0].container_end, 81);
    assert_string_equal(w->ports[0].protocol, "udp");
    assert_int_equal(w->ports[1].host_start, 0);
    assert_int_equal(w->n_ports, 4);
    assert_string_equal(w->ports[2].host_ip, "::1");
    assert_int_equal(w->ports[2].host_start, 8443);
    assert_int_equal(w->ports[2].container_start, 443);
    assert_string_equal(w->ports[2].protocol, "sctp");
    assert_int_equal(w->ports[3].container_start, 9);
    assert_int_equal(w->ports[3].host_start, 0);
    assert_null(w->ports[3].host_ip);
    assert_int_equal(w->depends_on[0].condition, BOLT_BF_COND_HEALTHY);
    assert_int_equal(w->restart, BOLT_BF_RESTART_ON_FAILURE);
    assert_int_equal(w->restart_max_retries, 5);
    assert_true(w->memory == 3ULL << 29);
    assert_true(w->cpus == 0.5);
    assert_string_equal(w->cap_add[0], "CAP_SYS_ADMIN");
    assert_string_equal(w->stop_signal, "SIGTERM");
    assert_true(w->stop_grace_period_ns == 90000000000ULL);
    assert_string_equal(db->healthcheck.test[0], "CMD-SHELL");
    assert_true(db->healthcheck.interval_ns == 5000000000ULL);
    assert_true(db->healthcheck.timeout_ns == 30000000000ULL);
    assert_int_equal(db->healthcheck.retries, 3);
    bolt_boltfile_start_order(bf, order);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 1);
    bolt_boltfile_free(bf);
}

static void
test_start_order(void **state)
{
    struct bolt_boltfile *bf = load_ok("[services.web]\nimage = \"a\"\ndepends_on = [\"api\"]\n"
                                       "[services.api]\nimage = \"a\"\ndepends_on = [\"db\"]\n"
                                       "[services.db]\nimage = \"a\"\n"
                                       "[services.tool]\nimage = \"a\"\n");
    size_t order[4];

    (void)state;
    bolt_boltfile_start_order(bf, order);
    assert_string_equal(bf->services[order[0]].name, "db");
    assert_string_equal(bf->services[order[1]].name, "api");
    assert_string_equal(bf->services[order[2]].name, "web");
    assert_string_equal(bf->services[order[3]].name, "tool");
    bolt_boltfile_free(bf);
}

static void
test_unknown_keys(void **state)
{
    (void)state;
    expect1("servces = 1\n" SVC,
            "Boltfile.toml:1:1: unknown key 'servces' at the top level (did you mean "
            "'services'?)");
    expect1(SVC "imgae = \"x\"\n", "Boltfile.toml:3:1: unknown key 'imgae' in [services.web] "
                                   "(did you mean 'image'?)");
    expect1(SVC "zzz = 1\n", "Boltfile.toml:3:1: unknown key 'zzz' in [services.web]");
    expect1(SVC "[services.web.gaming.gpu.nvbind]\nwsl2 = true\n",
            "Boltfile.toml:4:1: unknown key 'wsl2' in [services.web.gaming.gpu.nvbind] (did you "
            "mean 'wsl2_optimized'?)");
    expect1(SVC "[services.web.healthcheck]\ntest = \"true\"\nintervall = \"1s\"\n",
            "Boltfile.toml:5:1: unknown key 'intervall' in [services.web.healthcheck] (did you "
            "mean 'interval'?)");
}

static void
test_types(void **state)
{
    (void)state;
    expect1(SVC "privileged = \"yes\"\n", "Boltfile.toml:3:14: services.web.privileged: expected "
                                          "a bool (true or false), found a string");
    expect1("[services.web]\nimage = 42\n",
            "Boltfile.toml:2:9: services.web.image: expected a string, found an integer");
    expect1(SVC "ports = \"80:80\"\n", "Boltfile.toml:3:9: services.web.ports: expected an "
                                       "array of port mappings, found a string");
    expect1(SVC "environment = 5\n", "Boltfile.toml:3:15: services.web.environment: expected a "
                                     "table or an array of \"KEY=value\" strings, found an "
                                     "integer");
    expect1(SVC "environment = { A = [1] }\n",
            "Boltfile.toml:3:21: services.web.environment.A: expected a string, number or bool, "
            "found an array");
    expect1(SVC "command = [\"a\", 1]\n",
            "Boltfile.toml:3:17: services.web.command[1]: expected a string, found an integer");
    expect1("[services]\nweb = \"nginx\"\n",
            "Boltfile.toml:2:7: services.web: expected a table, found a string");
    expect1(SVC "pids_limit = 1.5\n",
            "Boltfile.toml:3:14: services.web.pids_limit: expected an integer, found a float");
    expect1(SVC "[services.web.gaming]\ngpu = true\n",
            "Boltfile.toml:4:7: services.web.gaming.gpu: expected a table, found a bool");
}

static void
test_enums(void **state)
{
    (void)state;
    expect1(SVC "restart = \"sometimes\"\n",
            "Boltfile.toml:3:11: services.web.restart: invalid value 'sometimes' (allowed: no, "
            "always, on-failure, on-failure:N, unless-stopped)");
    expect1(SVC "[services.web.gaming.gpu]\nisolation_level = \"exclusiv\"\n",
            "Boltfile.toml:4:19: services.web.gaming.gpu.isolation_level: invalid value "
            "'exclusiv' (allowed: exclusive, shared)");
    expect1(SVC "[services.web.gaming.gpu.nvbind]\nperformance_mode = \"max\"\n",
            "Boltfile.toml:4:20: services.web.gaming.gpu.nvbind.performance_mode: invalid value "
            "'max' (allowed: ultra, high, balanced, efficient)");
    expect1(SVC "[services.web.gaming.gpu.gaming]\nvsync_mode = \"triple\"\n",
            "Boltfile.toml:4:14: services.web.gaming.gpu.gaming.vsync_mode: invalid value "
            "'triple' (allowed: off, on, adaptive, mailbox)");
    expect1(SVC "[services.web.gaming.audio]\nsystem = \"jack\"\n",
            "Boltfile.toml:4:10: services.web.gaming.audio.system: invalid value 'jack' "
            "(allowed: pipewire, pulseaudio)");
    expect1(SVC "network_mode = \"hots\"\n",
            "Boltfile.toml:3:16: services.web.network_mode: invalid value 'hots' (allowed: none, "
            "host, bridge, service:NAME, container:NAME)");
    expect1(SVC "depends_on = { db = { condition = \"ready\" } }\n[services.db]\nimage = \"x\"\n",
            "Boltfile.toml:3:35: services.web.depends_on.db.condition: invalid value 'ready' "
            "(allowed: service_started, service_healthy, service_completed_successfully)");
}

static void
test_sizes_durations(void **state)
{
    (void)state;
    expect1(SVC "memory = \"8XB\"\n",
            "Boltfile.toml:3:10: services.web.memory: invalid size '8XB' (expected a number with "
            "an optional unit b, k, m, g or t, e.g. 512m or 8GB)");
    expect1(SVC "[services.web.gaming.gpu]\nmemory_limit = true\n",
            "Boltfile.toml:4:16: services.web.gaming.gpu.memory_limit: expected a size like "
            "\"8GB\" or \"512m\", found a bool");
    expect1(SVC "stop_grace_period = \"10 seconds\"\n",
            "Boltfile.toml:3:21: services.web.stop_grace_period: invalid duration '10 seconds' "
            "(expected a number with a unit ms, s, m or h, e.g. 30s or 1m30s)");
    expect1(SVC "stop_grace_period = 10\n",
            "Boltfile.toml:3:21: services.web.stop_grace_period: expected a duration like \"30s\" "
            "or \"1m30s\", found an integer");
    expect1(SVC "healthcheck = { test = \"true\", interval = \"5\" }\n",
            "Boltfile.toml:3:43: services.web.healthcheck.interval: invalid duration '5' "
            "(expected a number with a unit ms, s, m or h, e.g. 30s or 1m30s)");
}

static void
test_values(void **state)
{
    (void)state;
    expect1("[services.web]\ncommand = \"x\"\n",
            "Boltfile.toml:1:11: services.web: missing required key 'image'");
    expect1(SVC "ports = [\"80800:80\"]\n",
            "Boltfile.toml:3:10: services.web.ports[0]: invalid port mapping '80800:80' "
            "(expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], ports 1-65535)");
    expect1(SVC "ports = [{ target = 80, published = \"8080:80\" }]\n",
            "Boltfile.toml:3:37: services.web.ports[0].published: expected a port number or a "
            "range like \"8000-8010\", found a string");
    expect1(SVC "ports = [{ target = 80, published = 70000 }]\n",
            "Boltfile.toml:3:37: services.web.ports[0].published: invalid port '70000' (expected "
            "1-65535, or a range as long as the target's)");
    expect1(SVC "ports = [{ published = 80 }]\n",
            "Boltfile.toml:3:10: services.web.ports[0]: missing required key 'target' (the "
            "container port)");
    expect1(SVC "ports = [{ target = 80, host_ip = \"localhost\" }]\n",
            "Boltfile.toml:3:35: services.web.ports[0].host_ip: invalid address 'localhost' "
            "(expected e.g. \"127.0.0.1\" or \"::1\")");
    expect1(SVC "ports = [{ target = 80, proto = \"udp\" }]\n",
            "Boltfile.toml:3:25: unknown key 'proto' in [services.web.ports[0]] (did you mean "
            "'protocol'?)");
    expect1(SVC "ports = [0]\n",
            "Boltfile.toml:3:10: services.web.ports[0]: port 0 is out of range (1 to 65535)");
    expect1(SVC "volumes = [\"data:/data\"]\n",
            "Boltfile.toml:3:12: services.web.volumes[0]: volume 'data' is not declared (add a "
            "[volumes.data] table, or write ./data for a directory next to the Boltfile)");
    expect1(SVC "volumes = [\"/x:rel\"]\n",
            "Boltfile.toml:3:12: services.web.volumes[0]: container path 'rel' must be absolute");
    expect1(SVC "volumes = [\"/x:/y:rx\"]\n",
            "Boltfile.toml:3:12: services.web.volumes[0]: invalid volume '/x:/y:rx' (expected "
            "[SOURCE:]TARGET[:ro|rw])");
    expect1(SVC "cap_add = [\"SYS_ADMN\"]\n",
            "Boltfile.toml:3:12: services.web.cap_add[0]: unknown capability 'SYS_ADMN' (did you "
            "mean 'SYS_ADMIN'?)");
    expect1(SVC "environment = [\"=x\"]\n", "Boltfile.toml:3:16: services.web.environment[0]: "
                                            "invalid entry '=x' (expected KEY=value or KEY)");
    expect1(SVC "healthcheck = { test = [\"curl\"] }\n",
            "Boltfile.toml:3:24: services.web.healthcheck.test: the first element must be "
            "\"CMD\", \"CMD-SHELL\" or \"NONE\" (or write the command as one string)");
    expect1(SVC "healthcheck = { interval = \"1s\" }\n",
            "Boltfile.toml:3:15: services.web.healthcheck: missing required key 'test' (e.g. "
            "test = \"curl -f http://localhost/\")");
    expect1(SVC "env_file = [\"a.env\"]\n",
            "Boltfile.toml:3:13: services.web.env_file[0]: cannot read '" DIR
            "/a.env': No such file or directory");
    expect1(SVC "working_dir = \"srv\"\n",
            "Boltfile.toml:3:15: services.web.working_dir: 'srv' must be an absolute path");
    expect1(SVC "hostname = \"-bad\"\n",
            "Boltfile.toml:3:12: services.web.hostname: invalid hostname '-bad' (letters, "
            "digits and '-', dot-separated labels of at most 63 characters)");
    expect1(SVC "stop_signal = \"SIGFOO\"\n",
            "Boltfile.toml:3:15: services.web.stop_signal: unknown signal 'SIGFOO' (expected "
            "e.g. SIGTERM, SIGINT, SIGQUIT)");
    expect1(SVC "cpus = 0\n", "Boltfile.toml:3:8: services.web.cpus: number of CPUs must be "
                              "greater than 0 (and at most 4096)");
    expect1(SVC "cpuset = \"0-\"\n", "Boltfile.toml:3:10: services.web.cpuset: invalid CPU list "
                                     "'0-' (expected e.g. \"0-3\" or \"0,2,4\")");
    expect1(SVC "devices = [\"sda\"]\n",
            "Boltfile.toml:3:12: services.web.devices[0]: invalid device 'sda' (expected "
            "/dev/HOST[:/dev/CONTAINER][:rwm])");
    expect1("project = \"My Stack\"\n" SVC,
            "Boltfile.toml:1:11: project: invalid name 'My Stack' (use lowercase letters, "
            "digits, '_' and '-', starting with a letter or digit)");
    expect1("[services.\"my web\"]\nimage = \"x\"\n",
            "Boltfile.toml:1:11: invalid service name 'my web' (use letters, digits, '_', '.' "
            "and '-', starting with a letter or digit)");
    expect1("project = \"x\"\n",
            "Boltfile.toml:1:1: no services defined (add a [services.NAME] table with an image)");
}

static void
test_gaming_values(void **state)
{
    (void)state;
    expect1(SVC "[services.web.gaming.gpu.nvbind]\ndevices = [\"gpu:x\"]\n",
            "Boltfile.toml:4:12: services.web.gaming.gpu.nvbind.devices[0]: invalid GPU 'gpu:x' "
            "(expected all, none, an index like 0 or gpu:0, GPU-<uuid> or MIG-<uuid>)");
    expect1(SVC "[services.web.gaming.gpu.nvbind.nvidia]\ncuda_version = \"twelve\"\n",
            "Boltfile.toml:4:16: services.web.gaming.gpu.nvbind.nvidia.cuda_version: invalid "
            "version 'twelve' (expected numbers separated by dots, e.g. \"12.2\")");
    expect1(SVC "[services.web.gaming.gpu.gaming]\nframe_rate_target = 0\n",
            "Boltfile.toml:4:21: services.web.gaming.gpu.gaming.frame_rate_target: 0 is out of "
            "range (1 to 1000)");
    expect1(SVC "[services.web.gaming.audio]\nbuffer_size = 300\n",
            "Boltfile.toml:4:15: services.web.gaming.audio.buffer_size: 300 is not a power of "
            "two (e.g. 256, 512, 1024)");
    expect1(SVC "[services.web.gaming.audio]\nsample_rate = 1\n",
            "Boltfile.toml:4:15: services.web.gaming.audio.sample_rate: 1 is out of range (8000 "
            "to 384000)");
}

static void
test_dependencies(void **state)
{
    static const char *const cycle[] = {
        "Boltfile.toml:3:15: services.web.depends_on: dependency cycle: web -> api -> db -> web",
        NULL,
    };

    (void)state;
    expect1(SVC "depends_on = [\"dbb\"]\n[services.db]\nimage = \"x\"\n",
            "Boltfile.toml:3:15: services.web.depends_on[0]: unknown service 'dbb' (did you "
            "mean 'db'?)");
    expect1(SVC "depends_on = [\"zzzzzz\"]\n",
            "Boltfile.toml:3:15: services.web.depends_on[0]: unknown service 'zzzzzz'");
    expect1(SVC "depends_on = { nope = {} }\n",
            "Boltfile.toml:3:16: services.web.depends_on.nope: unknown service 'nope'");
    expect(SVC "depends_on = [\"api\"]\n[services.api]\nimage = \"x\"\ndepends_on = [\"db\"]\n"
               "[services.db]\nimage = \"x\"\ndepends_on = [\"web\"]\n",
           cycle);
    expect1(SVC "depends_on = [\"web\"]\n",
            "Boltfile.toml:3:15: services.web.depends_on: dependency cycle: web -> web");
    expect1(SVC "depends_on = [\"db\", \"db\"]\n[services.db]\nimage = \"x\"\n",
            "Boltfile.toml:3:21: services.web.depends_on[1]: service 'db' is listed twice");
    expect1(SVC "depends_on = { db = { condition = \"service_healthy\" } }\n"
                "[services.db]\nimage = \"x\"\n",
            "Boltfile.toml:3:16: services.web.depends_on.db: condition 'service_healthy' needs a "
            "healthcheck in service 'db'");
    expect1(SVC "network_mode = \"service:nope\"\n",
            "Boltfile.toml:3:16: services.web.network_mode: unknown service 'nope'");
}

static void
test_all_at_once(void **state)
{
    static const char *const want[] = {
        "Boltfile.toml:1:1: unknown key 'x' at the top level",
        "Boltfile.toml:2:11: services.a: missing required key 'image'",
        "Boltfile.toml:3:10: services.a.memory: invalid size 'lots' (expected a number with an "
        "optional unit b, k, m, g or t, e.g. 512m or 8GB)",
        "Boltfile.toml:4:14: services.a.privileged: expected a bool (true or false), found an "
        "integer",
        "Boltfile.toml:6:9: services.b.image: expected a string, found a bool",
        NULL,
    };

    (void)state;
    expect("x = 1\n[services.a]\nmemory = \"lots\"\nprivileged = 1\n[services.b]\nimage = true\n",
           want);
}

static void
test_load_and_find(void **state)
{
    struct bolt_err err = {0};
    struct bolt_bf_diags d = {0};
    char dir[] = "/tmp/bolt-bf-XXXXXX";
    cleanup_free char *sub = NULL, *file = NULL, *found = NULL, *want = NULL, *text = NULL;
    char cwd[4096], project[32];
    const char *ok = "[services.x]\nimage = 'y'\n", *bad = "[services.x]\nimage = \n";
    struct bolt_boltfile *bf;

    (void)state;
    assert_non_null(mkdtemp(dir));
    sub = xasprintf("%s/a/b", dir);
    file = xasprintf("%s/Boltfile.toml", dir);
    assert_int_equal(bolt_mkdir_p(sub, 0755, &err), 0);
    assert_int_equal(bolt_write_file_atomic(file, ok, strlen(ok), 0644, &err), 0);
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(sub), 0);
    found = bolt_boltfile_find(NULL, &err);
    assert_string_equal(found, file);
    assert_int_equal(chdir(cwd), 0);
    bf = bolt_boltfile_load(found, NULL, &d, &err);
    assert_non_null(bf);
    /* The project defaults to the directory's name, lower-cased. */
    for (size_t i = 0; dir[5 + i]; i++)
        project[i] = (char)tolower((unsigned char)dir[5 + i]), project[i + 1] = '\0';
    assert_string_equal(bf->project, project);
    text = bolt_boltfile_format(bf, false);
    want = xasprintf("project = \"%s\"\n\n[services.x]\nimage = \"y\"\n", project);
    assert_string_equal(text, want);
    bolt_boltfile_free(bf);
    bf = bolt_boltfile_load(found, "Bad Name", &d, &err);
    assert_null(bf);
    assert_string_equal(err.msg, "invalid project name 'Bad Name' (use lowercase letters, digits, "
                                 "'_' and '-', starting with a letter or digit)");
    assert_int_equal(bolt_write_file_atomic(file, bad, strlen(bad), 0644, &err), 0);
    assert_null(bolt_boltfile_load(file, "p", &d, &err));
    assert_int_equal(d.n, 1);
    free(want);
    want = xasprintf("%s:2:9: expected a value, found end of line", file);
    assert_string_equal(d.msgs[0], want);
    bolt_bf_diags_fini(&d);
    assert_int_equal(bolt_rm_rf(dir, &err), 0);
}

static void
test_units(void **state)
{
    struct bolt_err err = {0};
    uint64_t v = 0;
    char buf[32];

    (void)state;
    assert_int_equal(bolt_parse_size("8GB", &v, &err), 0);
    assert_true(v == 8ULL << 30);
    assert_int_equal(bolt_parse_size("512m", &v, &err), 0);
    assert_true(v == 512ULL << 20);
    assert_int_equal(bolt_parse_size("1.5KiB", &v, &err), 0);
    assert_true(v == 1536);
    assert_int_equal(bolt_parse_size("100", &v, &err), 0);
    assert_true(v == 100);
    assert_int_equal(bolt_parse_size("2 t", &v, &err), 0);
    assert_true(v == 2ULL << 40);
    assert_int_equal(bolt_parse_size("12q", &v, &err), -1);
    assert_string_equal(err.msg, "invalid size '12q' (expected a number with an optional unit b, "
                                 "k, m, g or t, e.g. 512m or 8GB)");
    assert_int_equal(bolt_parse_size("99999999999g", &v, &err), -1);
    assert_string_equal(err.msg, "size '99999999999g' is too large");
    assert_int_equal(bolt_parse_duration("1m30s", &v, &err), 0);
    assert_true(v == 90000000000ULL);
    assert_int_equal(bolt_parse_duration("1.5h", &v, &err), 0);
    assert_true(v == 5400000000000ULL);
    assert_int_equal(bolt_parse_duration("250ms", &v, &err), 0);
    assert_true(v == 250000000ULL);
    assert_int_equal(bolt_parse_duration("0", &v, &err), 0);
    assert_true(v == 0);
    assert_int_equal(bolt_parse_duration("30", &v, &err), -1);
    assert_string_equal(err.msg, "invalid duration '30' (expected a number with a unit ms, s, m "
                                 "or h, e.g. 30s or 1m30s)");
    assert_int_equal(bolt_parse_duration("-1s", &v, &err), -1);
    assert_string_equal(bolt_format_duration(90000000000ULL, buf, sizeof(buf)), "1m30s");
    assert_string_equal(bolt_format_duration(3600000000000ULL, buf, sizeof(buf)), "1h0m0s");
    assert_string_equal(bolt_format_duration(1500000000ULL, buf, sizeof(buf)), "1.5s");
    assert_string_equal(bolt_format_duration(250000000ULL, buf, sizeof(buf)), "250ms");
    assert_string_equal(bolt_format_duration(0, buf, sizeof(buf)), "0s");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gaming_example),  cmocka_unit_test(test_service_model),
        cmocka_unit_test(test_start_order),     cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_types),           cmocka_unit_test(test_enums),
        cmocka_unit_test(test_sizes_durations), cmocka_unit_test(test_values),
        cmocka_unit_test(test_gaming_values),   cmocka_unit_test(test_dependencies),
        cmocka_unit_test(test_all_at_once),     cmocka_unit_test(test_load_and_find),
        cmocka_unit_test(test_units),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
