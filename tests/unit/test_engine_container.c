/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/container.h"
#include "util/fs.h"
#include "util/mem.h"

static char *
mktmp(void)
{
    char *t = xstrdup("/tmp/bolt-unit-engine-XXXXXX");
    assert_non_null(mkdtemp(t));
    return t;
}

static void
test_ids_are_hex_and_unique(void **state)
{
    char a[BOLT_CTR_ID_LEN + 1], b[BOLT_CTR_ID_LEN + 1];

    (void)state;
    bolt_container_new_id(a);
    bolt_container_new_id(b);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    assert_string_not_equal(a, b);
}

static void
test_names(void **state)
{
    cleanup_free char *n = bolt_container_random_name();

    (void)state;
    assert_true(bolt_container_name_is_valid(n));
    assert_true(bolt_container_name_is_valid("web-1.a_b"));
    assert_false(bolt_container_name_is_valid("-x"));
    assert_false(bolt_container_name_is_valid("a/b"));
    assert_false(bolt_container_name_is_valid(""));
}

static void
test_restart_policy(void **state)
{
    struct bolt_restart_policy p;
    struct bolt_err err = {0};
    char buf[32];

    (void)state;
    assert_int_equal(bolt_restart_policy_parse("on-failure:3", &p, &err), 0);
    assert_int_equal(p.mode, BOLT_RESTART_ON_FAILURE);
    assert_int_equal(p.max_retries, 3);
    assert_string_equal(bolt_restart_policy_str(&p, buf, sizeof(buf)), "on-failure:3");
    assert_int_equal(bolt_restart_policy_parse("always", &p, &err), 0);
    assert_int_equal(p.mode, BOLT_RESTART_ALWAYS);
    assert_int_equal(bolt_restart_policy_parse("sometimes", &p, &err), -1);
    assert_non_null(strstr(err.msg, "unknown policy 'sometimes'"));
    assert_int_equal(bolt_restart_policy_parse("on-failure:x", &p, &err), -1);
    assert_int_equal(bolt_restart_policy_parse("always:2", &p, &err), -1);
}

static void
test_record_roundtrip(void **state)
{
    struct bolt_container c = {0};
    struct bolt_container *back;
    struct bolt_err err = {0};
    char *cmd[] = {(char *)"sh", (char *)"-c", (char *)"echo hi", NULL};
    char *gpus[] = {(char *)"0", NULL};
    cleanup_free char *text = NULL;

    (void)state;
    bolt_container_new_id(c.id);
    c.name = (char *)"web";
    c.image = (char *)"busybox";
    c.command = cmd;
    c.runtime = (char *)"nvbind";
    c.gpus = gpus;
    c.status = BOLT_CTR_EXITED;
    c.exit_code = 3;
    c.restart_count = 2;
    c.restart.mode = BOLT_RESTART_ON_FAILURE;
    c.restart.max_retries = 5;
    c.created_ns = 1700000000123456789LL;
    c.stop_signal = 15;
    c.stop_timeout = 7;
    bolt_kv_push(&c.labels, &c.n_labels, "a", "b");
    text = bolt_container_to_json(&c);
    back = bolt_container_from_json(text, &err);
    assert_non_null(back);
    assert_string_equal(back->id, c.id);
    assert_string_equal(back->name, "web");
    assert_string_equal(back->command[2], "echo hi");
    assert_string_equal(back->gpus[0], "0");
    assert_int_equal(back->status, BOLT_CTR_EXITED);
    assert_int_equal(back->exit_code, 3);
    assert_int_equal(back->restart_count, 2);
    assert_int_equal(back->restart.max_retries, 5);
    assert_true(back->created_ns == c.created_ns);
    assert_int_equal(back->stop_timeout, 7);
    assert_string_equal(back->labels[0].value, "b");
    bolt_container_free(back);
    bolt_kv_free(c.labels, c.n_labels);
    assert_null(bolt_container_from_json("{\"id\":\"xyz\",\"status\":\"running\"}", &err));
    assert_non_null(strstr(err.msg, "container.id"));
}

static void
test_store_names_and_prefix(void **state)
{
    cleanup_free char *root = mktmp();
    cleanup_free char *run = xasprintf("%s/run", root);
    struct bolt_ctr_store st;
    struct bolt_err err = {0};
    struct bolt_container a = {0}, b = {0};
    struct bolt_container *got;
    char prefix[4];

    (void)state;
    assert_int_equal(bolt_ctrs_init(&st, root, run, &err), 0);
    a.name = xstrdup("one");
    a.image = (char *)"img";
    assert_int_equal(bolt_ctrs_create(&st, &a, &err), 0);
    b.name = xstrdup("one");
    b.image = (char *)"img";
    assert_int_equal(bolt_ctrs_create(&st, &b, &err), -1);
    assert_non_null(strstr(err.msg, "already in use"));
    free(b.name);
    b.name = NULL; /* a generated name */
    memset(b.id, 0, sizeof(b.id));
    assert_int_equal(bolt_ctrs_create(&st, &b, &err), 0);
    assert_non_null(b.name);
    got = bolt_ctrs_lookup(&st, "one", &err);
    assert_non_null(got);
    assert_string_equal(got->id, a.id);
    bolt_container_free(got);
    memcpy(prefix, b.id, 3);
    prefix[3] = '\0';
    got = bolt_ctrs_lookup(&st, b.id, &err);
    assert_non_null(got);
    bolt_container_free(got);
    assert_null(bolt_ctrs_lookup(&st, "nosuch", &err));
    assert_non_null(strstr(err.msg, "no such container: nosuch"));
    assert_int_equal(bolt_ctrs_remove(&st, a.id, &err), 0);
    assert_null(bolt_ctrs_lookup(&st, "one", &err));
    free(a.name);
    free(b.name);
    bolt_ctrs_fini(&st);
    bolt_rm_rf(root, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_are_hex_and_unique), cmocka_unit_test(test_names),
        cmocka_unit_test(test_restart_policy),         cmocka_unit_test(test_record_roundtrip),
        cmocka_unit_test(test_store_names_and_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
