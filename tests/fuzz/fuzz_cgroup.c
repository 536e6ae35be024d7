/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the pure parsers of the cgroup layer. The first byte picks the parser:
 *   'm' mountinfo (with a fixed /proc/cgroups), 'M' mountinfo alone, 'p' linux.cgroupsPath,
 *   's' a serialized handle (from_string, then to_string must parse again),
 *   'd' device rules for the eBPF builder (5 bytes per rule),
 *   'y' a systemd cgroupsPath "slice:prefix:name" (the path must be absolute, no "..").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup.h"
#include "runtime/cgroup_systemd.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char proc_cgroups[] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                                   "cpu\t1\t1\t1\nmemory\t4\t1\t1\npids\t8\t1\t1\n";

static void
fuzz_rules(const uint8_t *d, size_t n)
{
    size_t nr = n / 5;
    struct bolt_oci_device_rule *r = xcalloc(nr + 1, sizeof(*r));
    struct bpf_insn *insns = NULL;
    size_t ni = 0;
    static const char types[] = "acbx";
    static const char *const acc[] = {"r", "w", "m", "rw", "rwm", "", "mr", "q"};

    for (size_t i = 0; i < nr; i++) {
        const uint8_t *b = d + i * 5;
        r[i].allow = b[0] & 1;
        r[i].type = types[(b[0] >> 1) & 3];
        r[i].major = b[1] == 255 ? -1 : b[1];
        r[i].minor = b[2] == 255 ? -1 : (int64_t)b[2] << (b[3] & 15);
        strcpy(r[i].access, acc[b[4] & 7]);
    }
    if (bolt_cgroup_bpf_build(r, nr, &insns, &ni, NULL) == 0 && ni == 0)
        abort();
    free(insns);
    free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    struct bolt_err err = {0};

    if (size < 1)
        return 0;
    s = xstrndup((const char *)data + 1, size - 1);
    switch (data[0]) {
    case 'm':
    case 'M': {
        struct bolt_cgroup_layout *l =
            bolt_cgroup_layout_parse(s, data[0] == 'm' ? proc_cgroups : NULL, NULL, &err);
        bolt_cgroup_layout_free(l);
        break;
    }
    case 'p': {
        char *out = NULL;
        if (bolt_cgroup_path_resolve(s, "id", &out, &err) == 0
            && (out[0] != '/' || strstr(out, "/../")))
            abort();
        free(out);
        break;
    }
    case 's': {
        struct bolt_cgroup *cg = bolt_cgroup_from_string(s, &err);
        if (cg) {
            char *again = bolt_cgroup_to_string(cg);
            struct bolt_cgroup *cg2 = bolt_cgroup_from_string(again, &err);
            if (cg2 == NULL)
                abort();
            bolt_cgroup_free(cg2);
            free(again);
        }
        bolt_cgroup_free(cg);
        break;
    }
    case 'd':
        fuzz_rules(data + 1, size - 1);
        break;
    case 'y': {
        struct bolt_systemd_path p;
        if (bolt_systemd_path_parse(s, "id", &p, &err) == 0) {
            size_t n = strlen(p.path);
            if (p.path[0] != '/' || strstr(p.path, "/../") || strchr(p.unit, '/')
                || (n >= 3 && strcmp(p.path + n - 3, "/..") == 0))
                abort();
            bolt_systemd_path_fini(&p);
        }
        break;
    }
    default:
        break;
    }
    free(s);
    return 0;
}
