/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toml/toml.h"
#include "util/fs.h"
#include "util/mem.h"

static struct bolt_toml_value *
parse_ok(const char *text)
{
    struct bolt_err err = {0};
    struct bolt_toml_value *root = bolt_toml_parse(text, strlen(text), &err);

    if (root == NULL)
        fail_msg("unexpected error: %s\n--- input:\n%s", err.msg, text);
    return root;
}

/* Parse text that must be rejected and compare the message word for word. */
static void
expect_error(const char *text, const char *msg)
{
    struct bolt_err err = {0};
    struct bolt_toml_value *root = bolt_toml_parse(text, strlen(text), &err);

    if (root != NULL) {
        bolt_toml_free(root);
        fail_msg("accepted invalid input:\n%s", text);
    }
    assert_string_equal(err.msg, msg);
}

static void
test_integers(void **state)
{
    struct bolt_toml_value *r = parse_ok("a = 0xDEAD_beef\nb = 0o755\nc = 0b1010\nd = -17\n"
                                         "e = 1_000_000\nf = 9223372036854775807\n"
                                         "g = -9223372036854775808\nh = +0\n");

    (void)state;
    assert_int_equal(bolt_toml_get(r, "a")->u.integer, 0xDEADBEEF);
    assert_int_equal(bolt_toml_get(r, "b")->u.integer, 0755);
    assert_int_equal(bolt_toml_get(r, "c")->u.integer, 10);
    assert_int_equal(bolt_toml_get(r, "d")->u.integer, -17);
    assert_int_equal(bolt_toml_get(r, "e")->u.integer, 1000000);
    assert_true(bolt_toml_get(r, "f")->u.integer == INT64_MAX);
    assert_true(bolt_toml_get(r, "g")->u.integer == INT64_MIN);
    assert_int_equal(bolt_toml_get(r, "h")->type, BOLT_TOML_INTEGER);
    bolt_toml_free(r);
    expect_error("x = 9223372036854775808",
                 "1:5: integer out of range (TOML integers are 64-bit signed)");
    expect_error("x = 0x_1", "1:5: invalid number '0x_1'");
    expect_error("x = 012", "1:5: invalid number '012'");
    expect_error("x = 1__2", "1:5: invalid number '1__2'");
    expect_error("x = -0x1", "1:5: invalid number '-0x1'");
    expect_error("x = 0B1", "1:5: invalid number '0B1'");
}

static void
test_floats(void **state)
{
    struct bolt_toml_value *r = parse_ok("a = 3.14\nb = -1e-3\nc = 6.02_2E2_3\nd = inf\n"
                                         "e = -inf\nf = nan\ng = -0.0\n");

    (void)state;
    assert_true(bolt_toml_get(r, "a")->u.flt == 3.14);
    assert_true(bolt_toml_get(r, "b")->u.flt == -1e-3);
    assert_true(bolt_toml_get(r, "c")->u.flt == 6.022e23);
    assert_true(isinf(bolt_toml_get(r, "d")->u.flt) && bolt_toml_get(r, "d")->u.flt > 0);
    assert_true(isinf(bolt_toml_get(r, "e")->u.flt) && bolt_toml_get(r, "e")->u.flt < 0);
    assert_true(isnan(bolt_toml_get(r, "f")->u.flt));
    assert_true(signbit(bolt_toml_get(r, "g")->u.flt));
    bolt_toml_free(r);
    expect_error("x = 1.", "1:5: invalid number '1.'");
    expect_error("x = .5", "1:5: expected a value, found '.'");
    expect_error("x = 1e", "1:5: invalid number '1e'");
    expect_error("x = 1.5_", "1:5: invalid number '1.5_'");
    expect_error("x = Inf", "1:5: expected a value, found 'I'");
    expect_error("x = nan1", "1:5: invalid number 'nan1'");
}

static void
test_strings(void **state)
{
    struct bolt_toml_value *r = parse_ok("a = \"tab\\there \\u00e9 \\U0001F600 \\\"q\\\" \\\\\"\n"
                                         "b = 'C:\\path\\no escapes'\n"
                                         "c = \"\"\"\nfirst\n  second\"\"\"\n"
                                         "d = \"\"\"one \\\n     two \\\n\n  three\"\"\"\n"
                                         "e = '''\n'quoted' \"\"\" raw\\n'''\n"
                                         "f = \"\"\"\"\"quotes\"\"\"\"\"\n"
                                         "g = \"nul\\u0000inside\"\n");
    const struct bolt_toml_value *g;

    (void)state;
    assert_string_equal(bolt_toml_get(r, "a")->u.str.ptr,
                        "tab\there \xC3\xA9 \xF0\x9F\x98\x80 \"q\" \\");
    assert_string_equal(bolt_toml_get(r, "b")->u.str.ptr, "C:\\path\\no escapes");
    assert_string_equal(bolt_toml_get(r, "c")->u.str.ptr, "first\n  second");
    assert_string_equal(bolt_toml_get(r, "d")->u.str.ptr, "one two three");
    assert_string_equal(bolt_toml_get(r, "e")->u.str.ptr, "'quoted' \"\"\" raw\\n");
    assert_string_equal(bolt_toml_get(r, "f")->u.str.ptr, "\"\"quotes\"\"");
    g = bolt_toml_get(r, "g");
    assert_int_equal(g->u.str.len, 10);
    assert_memory_equal(g->u.str.ptr, "nul\0inside", 11);
    bolt_toml_free(r);
    expect_error("x = \"\\e\"", "1:6: invalid escape sequence '\\e' (valid: \\b \\t \\n \\f \\r "
                                "\\\" \\\\ \\uXXXX \\UXXXXXXXX)");
    expect_error("x = \"\\uD800\"", "1:6: escape '\\uD800' is not a Unicode scalar value");
    expect_error("x = \"\\u12\"", "1:6: '\\u' needs exactly 4 hex digits");
    expect_error("x = \"open\ny = 1", "1:5: unterminated string (single-line strings end on the "
                                      "same line; use \"\"\" for several lines)");
    expect_error("x = '''never closed", "1:5: unterminated multi-line string");
    expect_error("x = \"a\x01\"", "1:7: control character U+0001 must be escaped in a string");
    expect_error("x = \"\"\"a\\  b\"\"\"",
                 "1:9: invalid escape: a backslash followed by spaces must end the line");
    expect_error("x = \"\"\"a\"\"\"\"\"\"", "1:9: too many quotes: at most two may precede the "
                                            "closing \"\"\"");
}

static void
test_datetimes(void **state)
{
    struct bolt_toml_value *r = parse_ok("a = 1979-05-27T07:32:00Z\n"
                                         "b = 1979-05-27 00:32:00.999999-07:00\n"
                                         "c = 1979-05-27T07:32:00.5\n"
                                         "d = 2000-02-29\n"
                                         "e = 23:59:60.123456789999\n");
    char buf[64];
    const struct bolt_toml_value *b = bolt_toml_get(r, "b");

    (void)state;
    assert_int_equal(bolt_toml_get(r, "a")->type, BOLT_TOML_DATETIME);
    assert_string_equal(bolt_toml_datetime_str(bolt_toml_get(r, "a"), buf, sizeof(buf)),
                        "1979-05-27T07:32:00Z");
    assert_int_equal(b->u.dt.offset_minutes, -420);
    assert_int_equal(b->u.dt.nanosecond, 999999000);
    assert_string_equal(bolt_toml_datetime_str(b, buf, sizeof(buf)),
                        "1979-05-27T00:32:00.999999-07:00");
    assert_int_equal(bolt_toml_get(r, "c")->type, BOLT_TOML_DATETIME_LOCAL);
    assert_string_equal(bolt_toml_datetime_str(bolt_toml_get(r, "c"), buf, sizeof(buf)),
                        "1979-05-27T07:32:00.5");
    assert_int_equal(bolt_toml_get(r, "d")->type, BOLT_TOML_DATE_LOCAL);
    assert_int_equal(bolt_toml_get(r, "e")->type, BOLT_TOML_TIME_LOCAL);
    assert_string_equal(bolt_toml_datetime_str(bolt_toml_get(r, "e"), buf, sizeof(buf)),
                        "23:59:60.123456789");
    bolt_toml_free(r);
    expect_error("x = 1900-02-29", "1:5: invalid date/time '1900-02-29' (expected RFC 3339, e.g. "
                                   "1979-05-27T07:32:00Z)");
    expect_error("x = 1979-05-27T24:00:00", "1:5: invalid date/time '1979-05-27T24:00:00' "
                                            "(expected RFC 3339, e.g. 1979-05-27T07:32:00Z)");
    expect_error("x = 07:32", "1:5: invalid date/time '07:32' (expected RFC 3339, e.g. "
                              "1979-05-27T07:32:00Z)");
}

static void
test_tables_and_arrays(void **state)
{
    struct bolt_toml_value *r = parse_ok("top = 1\n"
                                         "[a.b]\nc = { d = 1, e.f = [1, \"two\", {g = 3}] }\n"
                                         "[[fruits]]\nname = \"apple\"\n[fruits.color]\nx = 1\n"
                                         "[[fruits]]\nname = \"pear\"\n"
                                         "[a]\nz.y = true\n"
                                         "\"quoted key\".'x' = 2\n");
    const struct bolt_toml_value *f = bolt_toml_get(r, "fruits"), *e;

    (void)state;
    assert_int_equal(f->type, BOLT_TOML_ARRAY);
    assert_int_equal(f->u.array.n, 2);
    assert_string_equal(bolt_toml_get(f->u.array.items[1], "name")->u.str.ptr, "pear");
    assert_int_equal(bolt_toml_get_path(f->u.array.items[0], "color.x")->u.integer, 1);
    e = bolt_toml_get_path(r, "a.b.c.e.f");
    assert_non_null(e);
    assert_int_equal(e->u.array.n, 3);
    assert_int_equal(bolt_toml_get(e->u.array.items[2], "g")->u.integer, 3);
    assert_true(bolt_toml_get_path(r, "a.z.y")->u.boolean);
    assert_int_equal(bolt_toml_get_path(r, "a.quoted key.x")->u.integer, 2);
    assert_null(bolt_toml_get(r, "quoted key"));
    assert_null(bolt_toml_get_path(r, "a.b.missing"));
    assert_null(bolt_toml_get_path(r, "top.x"));
    bolt_toml_free(r);
}

static void
test_redefinitions(void **state)
{
    (void)state;
    expect_error("a = 1\na = 2", "2:1: duplicate key 'a' (defined at 1:1 as integer)");
    expect_error("[t]\n[t]", "2:2: cannot define table 't' (defined at 1:2 as a table)");
    expect_error("a.b = 1\n[a]", "2:2: cannot define table 'a' (defined at 1:1 as a table)");
    expect_error("[a.b.c]\nz = 1\n[a]\nb.c.t = 2",
                 "4:3: dotted key cannot extend 'c' (defined at 1:6 as a table)");
    expect_error("a = {b = 1}\na.c = 2",
                 "2:1: dotted key cannot extend 'a' (defined at 1:1 as an inline table)");
    expect_error("a = {b = 1}\n[a.c]",
                 "2:2: cannot add a table to 'a' (defined at 1:1 as an inline table)");
    expect_error("a = [1]\n[[a]]", "2:3: cannot append a table to 'a' (defined at 1:1 as array)");
    expect_error("[[a]]\n[a]", "2:2: cannot define table 'a' (defined at 1:3 as an array of "
                               "tables)");
    expect_error("x = {a = 1, a = 2}", "1:13: duplicate key 'a' (defined at 1:6 as integer)");
    expect_error("x = {a = 1,}", "1:12: trailing ',' is not allowed in an inline table");
    expect_error("x = {a = 1\n}", "1:11: expected ',' or '}' in inline table, found end of line");
    /* Valid: a sub-table of a table created by dotted keys, and an implicit table defined later. */
    bolt_toml_free(parse_ok("[f]\napple.color = 1\n[f.apple.texture]\nsmooth = true\n"));
    bolt_toml_free(parse_ok("[x.y.z]\n[x]\nw = 1\n"));
}

static void
test_syntax_errors(void **state)
{
    (void)state;
    expect_error("key", "1:4: expected '=' after key 'key', found end of file");
    expect_error("a = 1 b = 2", "1:7: expected end of line after the value, found 'b'");
    expect_error("= 1", "1:1: expected a key, found '='");
    expect_error("a = ", "1:5: expected a value, found end of file");
    expect_error("a = truth", "1:5: invalid value 'truth' (expected true or false; strings need "
                              "quotes)");
    expect_error("[a\nb = 1", "1:3: expected ']' to close table header [a, found end of line");
    expect_error("[[a]\n", "1:4: expected ']]' to close table header [[a, found ']'");
    expect_error("a = [1 2]", "1:8: expected ',' or ']' in array, found '2'");
    expect_error("a = 1\r", "1:6: carriage return must be followed by a newline");
    expect_error("# bad \x7f comment", "1:7: control character U+007F is not allowed in a comment");
    expect_error("a = \"\xff\"", "1:6: invalid UTF-8 byte 0xFF (TOML files must be UTF-8)");
    expect_error("a = \"\xed\xa0\x80\"", "1:6: invalid UTF-8 byte 0xED (TOML files must be UTF-8)");
    expect_error("\"\"\"k\"\"\" = 1", "1:1: a key cannot be a multi-line string");
}

static void
test_positions(void **state)
{
    /* Columns count characters: "é" is two bytes but one column. CRLF ends lines too. */
    struct bolt_toml_value *r = parse_ok("\xEF\xBB\xBF# bom\r\n[sect]\r\n  \"\xC3\xA9t\xC3\xA9\" = "
                                         "\"x\"\r\n  k2 = [\r\n    1,\r\n    22 ]\r\n");
    const struct bolt_toml_value *s = bolt_toml_get(r, "sect");
    const struct bolt_toml_kv *kv = bolt_toml_get_kv(s, "\xC3\xA9t\xC3\xA9");
    const struct bolt_toml_value *arr = bolt_toml_get(s, "k2");

    (void)state;
    assert_int_equal(s->pos.line, 2);
    assert_int_equal(s->pos.col, 2);
    assert_int_equal(kv->key_pos.line, 3);
    assert_int_equal(kv->key_pos.col, 3);
    assert_int_equal(kv->value->pos.line, 3);
    assert_int_equal(kv->value->pos.col, 11);
    assert_int_equal(arr->pos.line, 4);
    assert_int_equal(arr->pos.col, 8);
    assert_int_equal(arr->u.array.items[1]->pos.line, 6);
    assert_int_equal(arr->u.array.items[1]->pos.col, 5);
    bolt_toml_free(r);
    expect_error("a = 1\n\xC3\xA9 = 2", "2:1: expected a key, found non-ASCII character");
}

static void
test_limits(void **state)
{
    struct bolt_err err = {0};
    char *deep = xmalloc(1000), *dotted = xmalloc(1000);
    struct bolt_toml_value *r;
    cleanup_free char *big = NULL;
    size_t n = 0;

    (void)state;
    strcpy(deep, "a = ");
    memset(deep + 4, '[', 500);
    deep[504] = '\0';
    assert_null(bolt_toml_parse(deep, strlen(deep), &err));
    assert_string_equal(err.msg, "1:105: values nest deeper than 100 levels");
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(dotted + n, 1000 - n, "%sk", i ? "." : "");
    snprintf(dotted + n, 1000 - n, " = 1");
    assert_null(bolt_toml_parse(dotted, strlen(dotted), &err));
    assert_string_equal(err.msg, "1:201: tables nest deeper than 100 levels");
    free(deep);
    free(dotted);
    /* Many keys: lookups go through the hash index. */
    big = xmalloc(20000 * 16);
    n = 0;
    for (int i = 0; i < 20000; i++)
        n += (size_t)sprintf(big + n, "k%d = %d\n", i, i);
    r = bolt_toml_parse(big, n, &err);
    assert_non_null(r);
    assert_int_equal(r->u.table.n, 20000);
    for (int i = 0; i < 20000; i += 997) {
        char key[16];
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(bolt_toml_get(r, key)->u.integer, i);
    }
    assert_null(bolt_toml_get(r, "k20000"));
    bolt_toml_free(r);
}

static void
test_load_file(void **state)
{
    struct bolt_err err = {0};
    char path[] = "/tmp/bolt-toml-XXXXXX";
    int fd = mkstemp(path);
    struct bolt_toml_value *r;
    cleanup_free char *want = NULL;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "ok = true\nbad = \n", 17), 17);
    close(fd);
    assert_null(bolt_toml_load_file(path, &err));
    want = xasprintf("%s:2:7: expected a value, found end of line", path);
    assert_string_equal(err.msg, want);
    assert_int_equal(bolt_write_file_atomic(path, "ok = true\n", 10, 0600, &err), 0);
    r = bolt_toml_load_file(path, &err);
    assert_non_null(r);
    assert_true(bolt_toml_get(r, "ok")->u.boolean);
    bolt_toml_free(r);
    unlink(path);
    assert_null(bolt_toml_load_file(path, &err));
    assert_int_equal(err.errnum, 2);
    assert_string_equal(bolt_toml_type_name(BOLT_TOML_DATETIME_LOCAL), "datetime-local");
}

static void
test_config_helpers(void **state)
{
    static const char *const keys[] = {"driver_root", "dev_root", "debug", "level", NULL};
    struct bolt_err err = {0};
    struct bolt_toml_value *r = parse_ok("driver_root = \"/run/nvidia/driver\"\ndebug = true\n"
                                         "level = 3\n");
    const char *s = "default";
    bool b = false;
    int64_t i = 0;

    (void)state;
    assert_int_equal(bolt_toml_check_keys(r, keys, "nv.toml", &err), 0);
    assert_int_equal(bolt_toml_get_str(r, "driver_root", "nv.toml", &s, &err), 1);
    assert_string_equal(s, "/run/nvidia/driver");
    assert_int_equal(bolt_toml_get_str(r, "dev_root", "nv.toml", &s, &err), 0);
    assert_string_equal(s, "/run/nvidia/driver");
    assert_int_equal(bolt_toml_get_bool(r, "debug", "nv.toml", &b, &err), 1);
    assert_true(b);
    assert_int_equal(bolt_toml_get_int(r, "level", "nv.toml", &i, &err), 1);
    assert_int_equal(i, 3);
    assert_int_equal(bolt_toml_get_str(r, "level", "nv.toml", &s, &err), -1);
    assert_string_equal(err.msg, "nv.toml:3:9: level: expected a string, found an integer");
    bolt_toml_free(r);
    r = parse_ok("\n  driver_rot = \"/\"\n");
    assert_int_equal(bolt_toml_check_keys(r, keys, "nv.toml", &err), -1);
    assert_string_equal(err.msg, "nv.toml:2:3: unknown key 'driver_rot' (did you mean "
                                 "'driver_root'?)");
    bolt_toml_free(r);
    r = parse_ok("zzz = 1\n");
    assert_int_equal(bolt_toml_check_keys(r, keys, "nv.toml", &err), -1);
    assert_string_equal(err.msg, "nv.toml:1:1: unknown key 'zzz'");
    bolt_toml_free(r);
    assert_string_equal(bolt_toml_suggest("dev", keys), "dev_root");
    assert_null(bolt_toml_suggest("xyzzy", keys));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_datetimes),
        cmocka_unit_test(test_tables_and_arrays),
        cmocka_unit_test(test_redefinitions),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_config_helpers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
