/* SPDX-License-Identifier: Apache-2.0 */
/* surge: Boltfile services -> engine run options, the config hash, selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "surge/surge.h"
#include "toml/toml.h"
#include "util/mem.h"

static struct bolt_boltfile *
load(const char *text)
{
    char path[] = "/tmp/surge-unit-XXXXXX";
    int fd = mkstemp(path);
    struct bolt_bf_diags d = {0};
    struct bolt_err err = {0};
    struct bolt_boltfile *bf;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    bf = bolt_boltfile_load(path, NULL, &d, &err);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "%s\n", d.msgs[i]);
    bolt_bf_diags_fini(&d);
    unlink(path);
    assert_non_null(bf);
    return bf;
}

static bool
has(char **v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static const char STACK[] = "project = \"p\"\n"
                            "[services.db]\n"
                            "image = \"busybox\"\n"
                            "command = [\"sleep\", \"30\"]\n"
                            "memory = \"64MB\"\n"
                            "cpus = 0.5\n"
                            "restart = \"on-failure:3\"\n"
                            "stop_grace_period = \"2500ms\"\n"
                            "volumes = [\"data:/data\", \"/cache\"]\n"
                            "[services.web]\n"
                            "image = \"busybox\"\n"
                            "entrypoint = [\"/bin/sh\", \"-c\"]\n"
                            "command = [\"echo hi\"]\n"
                            "depends_on = [\"db\"]\n"
                            "ports = [\"8080:8080\"]\n"
                            "[services.web.gaming.gpu]\n"
                            "runtime = \"nvbind\"\n"
                            "isolation_level = \"exclusive\"\n"
                            "memory_limit = \"1GiB\"\n"
                            "[services.web.gaming.gpu.nvbind]\n"
                            "devices = [\"gpu:0\", \"1\"]\n"
                            "[services.web.gaming.gpu.nvbind.nvidia]\n"
                            "cuda_version = \"12.2\"\n"
                            "[volumes.data]\n";

static void
test_run_opts(void **state)
{
    struct bolt_boltfile *bf = load(STACK);
    struct surge s = {.bf = bf, .root = "/r"};
    struct bolt_run_opts o;
    struct bolt_err err = {0};

    (void)state;
    bolt_run_opts_init(&o);
    assert_int_equal(surge_run_opts(&s, &bf->services[0], &o, &err), 0);
    assert_string_equal(o.name, "p-db-1");
    assert_string_equal(o.image, "busybox");
    assert_string_equal(o.command[0], "sleep");
    assert_null(o.entrypoint);
    assert_string_equal(o.memory, "67108864");
    assert_string_equal(o.cpus, "0.5");
    assert_string_equal(o.restart, "on-failure:3");
    assert_int_equal(o.stop_timeout, 3);
    assert_string_equal(o.network, "host");
    assert_string_equal(o.volumes[0], "/r/surge-volumes/p_data:/data");
    assert_string_equal(o.volumes[1], "/r/surge-volumes/p_anon/db/1:/cache");
    assert_true(has(o.labels, "io.bolt.surge.project=p"));
    assert_true(has(o.labels, "io.bolt.surge.service=db"));
    bolt_run_opts_fini(&o);

    bolt_run_opts_init(&o);
    assert_int_equal(surge_run_opts(&s, &bf->services[1], &o, &err), 0);
    assert_string_equal(o.entrypoint, "/bin/sh");
    assert_string_equal(o.command[0], "-c");
    assert_string_equal(o.command[1], "echo hi");
    assert_null(o.command[2]);
    assert_true(has(o.gpus, "gpu:0,1"));
    assert_true(has(o.gpus, "isolation=exclusive"));
    assert_true(has(o.gpus, "memory=1073741824"));
    assert_true(has(o.env, "NVIDIA_REQUIRE_CUDA=cuda>=12.2"));
    bolt_run_opts_fini(&o);
    bolt_boltfile_free(bf);
}

static void
test_hash(void **state)
{
    struct bolt_boltfile *bf = load(STACK);
    struct surge s = {.bf = bf, .root = "/r"};
    struct bolt_run_opts a, b;
    struct bolt_err err = {0};
    char ha[65], hb[65];

    (void)state;
    bolt_run_opts_init(&a);
    bolt_run_opts_init(&b);
    assert_int_equal(surge_run_opts(&s, &bf->services[0], &a, &err), 0);
    assert_int_equal(surge_run_opts(&s, &bf->services[0], &b, &err), 0);
    surge_opts_hash(&a, ha);
    surge_opts_hash(&b, hb);
    assert_string_equal(ha, hb);
    assert_int_equal(strlen(ha), 64);
    free(b.memory);
    b.memory = xstrdup("65000000");
    surge_opts_hash(&b, hb);
    assert_string_not_equal(ha, hb);
    /* a value moved to another field is a different config */
    free(b.memory);
    b.memory = xstrdup("64000000");
    b.user = xstrdup("64000000");
    surge_opts_hash(&b, hb);
    assert_string_not_equal(ha, hb);
    bolt_run_opts_fini(&a);
    bolt_run_opts_fini(&b);
    bolt_boltfile_free(bf);
}

static void
test_select_and_errors(void **state)
{
    struct bolt_boltfile *bf = load(STACK);
    struct surge s = {.bf = bf, .root = "/r"};
    struct bolt_run_opts o;
    struct bolt_err err = {0};
    bool sel[2];
    char w[] = "web", b[] = "wbe";
    char *web[] = {w}, *bad[] = {b};

    (void)state;
    assert_int_equal(surge_select(&s, 1, web, false, sel, &err), 0);
    assert_false(sel[0]);
    assert_true(sel[1]);
    assert_int_equal(surge_select(&s, 1, web, true, sel, &err), 0);
    assert_true(sel[0]);
    assert_int_equal(surge_select(&s, 1, bad, true, sel, &err), -1);
    assert_non_null(strstr(err.msg, "no service 'wbe' in "));
    assert_non_null(strstr(err.msg, "(services: db, web)"));
    /* a port that needs a bridge network */
    bf->services[1].ports[0].host_start = bf->services[1].ports[0].host_end = 9090;
    bolt_run_opts_init(&o);
    assert_int_equal(surge_run_opts(&s, &bf->services[1], &o, &err), -1);
    assert_non_null(strstr(err.msg, "service 'web': ports: 9090:8080 maps a host port"));
    bolt_run_opts_fini(&o);
    bolt_boltfile_free(bf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_opts),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_select_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
