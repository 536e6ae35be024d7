/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json loading on arbitrary bytes: parse, validate, serialize. Beyond "no crash",
 * it checks the model's promises and aborts when one breaks:
 *  - whatever parses serializes to JSON that parses again to the same JSON
 *    (bolt_oci_spec_dup relies on this);
 *  - the seccomp cache key text equals jansson's canonical dump of the same model.
 * The same bytes also go through the docker-format seccomp profile reader.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/spec.h"
#include "runtime/seccomp.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trip(const struct bolt_oci_spec *s)
{
    struct bolt_err err = {0};
    json_t *a = bolt_oci_spec_to_json(s);
    char *text = json_dumps(a, JSON_COMPACT);
    struct bolt_oci_spec *again = text ? bolt_oci_spec_parse(text, strlen(text), &err) : NULL;
    json_t *b;

    if (again == NULL) {
        fprintf(stderr, "round trip: serialized spec does not parse: %s\n%s\n", err.msg,
                text ? text : "(null)");
        abort();
    }
    b = bolt_oci_spec_to_json(again);
    if (!json_equal(a, b)) {
        fprintf(stderr, "round trip changed the document:\n%s\n", text);
        abort();
    }
    json_decref(a);
    json_decref(b);
    free(text);
    bolt_oci_spec_free(again);
}

static void
check_seccomp_text(const struct bolt_oci_seccomp *sc)
{
    json_t *j = bolt_oci_seccomp_to_json(sc);
    char *want = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    char *got = bolt_seccomp_canonical_json(sc);

    if (want == NULL || strcmp(want, got) != 0) {
        fprintf(stderr, "seccomp canonical text differs:\n%s\n%s\n", want ? want : "(null)", got);
        abort();
    }
    free(want);
    free(got);
    json_decref(j);
}

static void
fuzz_docker_profile(const uint8_t *data, size_t size)
{
    struct bolt_err err = {0};
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    struct bolt_oci_seccomp *sc;

    if (j == NULL)
        return;
    sc = bolt_seccomp_from_profile_json(j, NULL, &err);
    if (sc)
        check_seccomp_text(sc);
    bolt_oci_seccomp_free(sc);
    json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bolt_err err = {0};
    struct bolt_oci_spec *s;
    struct bolt_oci_spec *d;

    bolt_log_set_level(BOLT_LOG_ERROR);
    fuzz_docker_profile(data, size);
    s = bolt_oci_spec_parse((const char *)data, size, &err);
    if (s == NULL)
        return 0;
    (void)bolt_oci_spec_validate(s, &err);
    for (size_t i = 0; i < s->n_mounts; i++) {
        struct bolt_mount_opts o;
        if (bolt_mount_opts_parse(s->mounts[i].options, &o, &err) == 0)
            bolt_mount_opts_fini(&o);
    }
    check_round_trip(s);
    if (s->linux_.seccomp)
        check_seccomp_text(s->linux_.seccomp);
    d = bolt_oci_spec_dup(s);
    bolt_oci_spec_free(d);
    bolt_oci_spec_free(s);
    return 0;
}
